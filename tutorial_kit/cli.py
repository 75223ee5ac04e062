"""The command line every tutorial shares: its parser, flag types, common flags and `run`.

Bad input never ends in a traceback: a tutorial raises a `TutorialError` (errors.py) and `run()`
prints one `error: ...` line on stderr and exits 2; Ctrl-C exits 130, SIGTERM 143 (after the same
clean-up as Ctrl-C), never inside a TensorFlow session's run (_interrupt).
"""

from __future__ import annotations

import argparse
import atexit
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path

from tutorial_kit.errors import PathError, TutorialError
from tutorial_kit.files import FIGURES, kind, what, why_not_writable


def error(message: str) -> None:
    """Print one `error: ...` line on stderr (a message of several lines is joined into one)."""
    line = " ".join(part.strip() for part in str(message).splitlines() if part.strip())
    print(f"error: {line}", file=sys.stderr, flush=True)


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill`, a closed terminal's session, a job scheduler): handled like Ctrl-C, so that
    every `finally` and atexit handler runs (a dry run's temporary folder is removed)."""


SESSION = os.path.join("tensorflow", "python", "client", "session.py")
_pending: list = []  # the interrupt waiting for a session's run to return, and the profile hook it replaced


def _in_session(frame) -> bool:
    return frame.f_code.co_filename.endswith(SESSION)


def _in_session_run(frame) -> bool:
    while frame is not None:
        if _in_session(frame):
            return True
        frame = frame.f_back
    return False


def _interrupt(signum, frame):
    """Ctrl-C and SIGTERM: raise KeyboardInterrupt or Terminated, but not inside a TensorFlow 1
    session's run: raised there, half-way through its C++ wrapper (where it calls back into Python),
    it was printed and dropped (the program went on), or ended it with a segmentation fault. There it
    waits until the run returns (a training step takes milliseconds): a second one does not wait."""
    if signum == signal.SIGTERM:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the program at once
    exc = Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    if _pending or not _in_session_run(frame):
        _stop_waiting()
        raise exc
    _pending[:] = [exc, sys.getprofile()]
    sys.setprofile(_as_the_run_returns)


def _as_the_run_returns(frame, event, arg):
    """The profile hook while an interrupt waits: raise it as the outermost frame of a session's
    run returns, in the code that called it."""
    if event == "return" and _in_session(frame) and not _in_session_run(frame.f_back):
        exc = _pending[0]
        _stop_waiting()
        raise exc


def _stop_waiting() -> None:
    if _pending:
        sys.setprofile(_pending[1])
        _pending.clear()


def run(main, interrupted="nothing was saved") -> None:
    """Call main() and turn expected failures into one line on stderr and an exit status.

    Exit 2 for bad input (every TutorialError), 130 for Ctrl-C, 143 for SIGTERM. `interrupted` says
    what Ctrl-C or SIGTERM left behind: a string, or a function asked at that moment.
    """
    previous = {}
    if threading.current_thread() is threading.main_thread():  # signal handlers live in the main thread
        handled = [signal.SIGTERM]
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started with it ignored
            handled.append(signal.SIGINT)
        previous = {signum: signal.signal(signum, _interrupt) for signum in handled}
    try:
        status = main()
        sys.stdout.flush()
    except TutorialError as exc:
        error(str(exc))
        status = 2
    except KeyboardInterrupt as exc:
        if sys.stdout.isatty():  # end a half-drawn progress bar's line first
            print(flush=True)
        left = interrupted() if callable(interrupted) else interrupted
        if isinstance(exc, Terminated):
            error(f"terminated (SIGTERM); {left}")
            status = 128 + signal.SIGTERM
        else:
            error(f"interrupted (Ctrl-C); {left}")
            status = 130
    except BrokenPipeError:  # the output went to a reader that stopped early (`| head`): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 1
    finally:
        _stop_waiting()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    sys.exit(status or 0)  # atexit handlers run now (a dry run's folder is removed)


def _recorded(action_class):
    """An argparse action class that also notes its flag in the namespace's `given` when it is used."""

    class Recorded(action_class):
        def __call__(self, parser, namespace, values, option_string=None):
            super().__call__(parser, namespace, values, option_string)
            given = namespace.__dict__.setdefault("given", [])
            flag = option_string or self.dest
            if flag not in given:
                given.append(flag)

    return Recorded


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors are one `error: ...` line (plus the usage hint), exit 2, and
    whose namespace says which flags the command line gave: `args.given`, e.g. ["--iterations"]
    (a flag's full name, also when abbreviated), recorded while parsing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in (None, "store", "store_const", "store_true", "store_false", "append", "count", "extend"):
            self.register("action", name, _recorded(self._registry_get("action", name)))

    def parse_known_args(self, args=None, namespace=None):
        self._words = list(sys.argv[1:] if args is None else args)
        namespace, extras = super().parse_known_args(args, namespace)
        namespace.given = list(getattr(namespace, "given", []))
        return namespace, extras

    def error(self, message):
        """A flag given without its values says what to give (`--predict` alone: "give FILE ... after
        --predict"); a file named like a flag (-5.png) is taken for one: the error says how to give it."""
        missing = re.match(r"argument (\S+?)(?:/\S+)?: expected (?:at least )?one argument", message)
        action = missing and next((a for a in self._actions if missing[1] in a.option_strings), None)
        if action is not None:
            many = " ..." if action.nargs in ("+", "*") else ""
            message += f": give {action.metavar or action.dest.upper()}{many} after {missing[1]}"
        dashed = [w for w in getattr(self, "_words", []) if w.startswith("-") and len(w) > 1 and os.path.lexists(w)]
        if dashed:
            message += f"; {dashed[0]} is a file: give it as ./{dashed[0]}"
        self.exit(2, f"error: {message} (see --help)\n")


# --- flag types: each checks its value before any work is done --------------------------------


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def positive_int(text: str) -> int:
    value = _whole_number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def seed(text: str) -> int:
    """A random seed: a whole number from 0 to 2**32 - 1 (what NumPy and Keras accept)."""
    value = _whole_number(text)
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be from 0 to {2**32 - 1}, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def keep_probability(text: str) -> float:
    """A dropout keep probability, as the articles use it: 0 < p <= 1."""
    value = positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"is a keep probability in (0, 1], got {text}")
    return value


def _kind(path: Path) -> str:
    """What is at a flag's path; a loop or a folder that may not be searched is the flag's error."""
    try:
        return kind(path)
    except PathError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def output_path(text: str, suffix: str | None = ".png") -> Path:
    """An output file flag (--plot, --show-input): checked before any work is done."""
    if not text:
        raise argparse.ArgumentTypeError("empty file name")
    path = Path(text)
    if suffix and path.suffix.lower() != suffix:
        raise argparse.ArgumentTypeError(f"{text} should end in {suffix}")
    found = _kind(path)
    if found == "folder":
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file name")
    if found not in ("missing", "file"):
        raise argparse.ArgumentTypeError(f"{text} is {what(found)}; give the name of a new or regular file")
    parent = path.parent if str(path.parent) else Path(".")
    if _kind(parent) == "missing":
        raise argparse.ArgumentTypeError(f"folder {parent} does not exist; create it first")
    problem = why_not_writable(parent)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return path


def output_dir(text: str) -> Path:
    """An output folder flag (--checkpoint-dir, --log-dir, --figure-dir): it may not exist yet, but
    it must be possible to create it; checked before any work is done."""
    if not text:
        raise argparse.ArgumentTypeError("empty folder name")
    path = Path(text)
    problem = why_not_writable(path)  # also a loop of symbolic links, a folder that may not be searched
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return path


def input_path(text: str) -> Path:
    """A data file or folder flag (--data-dir, --data): must be named (existence is checked on use)."""
    if not text:
        raise argparse.ArgumentTypeError("empty path")
    return Path(text)


def input_file(text: str) -> Path:
    """An input file flag (--predict): must be named (what it holds is checked on use)."""
    if not text:
        raise argparse.ArgumentTypeError("empty file name")
    return Path(text)


# --- the flags the tutorials share ---------------------------------------------------------------


def add_common_flags(
    parser, *, epochs=None, limit=False, data_dir=None, figure_dir=False, seed_default=None, dry_run_help=None
):
    """The flags the tutorials share, with one name and one meaning everywhere: --epochs (default
    the published count), --limit N examples, --seed, --data-dir, --figure-dir, --dry-run.
    `dry_run_help` says what the script's --dry-run does; by default: its figures go to a temporary
    folder (with `figure_dir`), else that it writes nothing."""
    if epochs is not None:
        parser.add_argument("--epochs", type=positive_int, default=epochs, help="training epochs (%(default)s)")
    if limit:
        parser.add_argument("--limit", type=positive_int, help="train on only the first N examples")
    parser.add_argument(
        "--seed", type=seed, default=seed_default, help="make a run repeatable (same machine and library versions)"
    )
    if data_dir is not None:
        parser.add_argument(
            "--data-dir",
            type=input_path,
            default=data_dir,
            help="folder of the MNIST .gz files (the repository's MNIST_data/)",
        )
    if figure_dir:
        parser.add_argument(
            "--figure-dir", type=output_dir, default=FIGURES, help="where figures go (the repository's figures/)"
        )
    if dry_run_help is None:
        dry_run_help = (
            "a quick check: a short run, its figures in a temporary folder removed at exit"
            if figure_dir
            else "a quick check: a short run that writes nothing"
        )
    parser.add_argument("--dry-run", action="store_true", help=dry_run_help)


def dry_run_folder() -> Path:
    """A temporary folder for a --dry-run's outputs, removed when the program ends."""
    folder = Path(tempfile.mkdtemp(prefix="tutorial-dry-run-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def keras_verbosity() -> int:
    """Keras' progress bar on a terminal; one line per epoch when the output goes to a file or pipe."""
    return 1 if sys.stdout.isatty() else 2
