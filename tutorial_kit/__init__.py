"""The tutorials' shared helpers: data reading, own-digit images, checkpoints, the command line,
quiet TensorFlow, figures and errors. The scripts (main.py, draw.py, tutorials/) are the articles."""

import sys


def _interrupted_while_starting(kind, value, traceback, _previous=sys.excepthook) -> None:
    """Ctrl-C while a script's modules are still loading, before `cli.run` handles it: one line,
    not a traceback through scipy's imports (Python still exits as interrupted, status 130)."""
    if issubclass(kind, KeyboardInterrupt):
        from tutorial_kit.cli import error  # the one-line error printer, loaded only when needed

        error("interrupted (Ctrl-C)")
    else:
        _previous(kind, value, traceback)


sys.excepthook = _interrupted_while_starting
