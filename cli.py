"""Command-line plumbing shared by every tutorial: one-line errors, flag checks, safe file writes.

Bad input never ends in a traceback: a tutorial raises `UsageError` (or a data/image error) and
`run()` prints one `error: ...` line on stderr and exits 2; Ctrl-C exits 130.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent  # the repository root
FIGURES = ROOT / "figures"  # where the tutorials save their figures (git-ignored)


class UsageError(Exception):
    """A bad flag, path or input file; the message names it and says what to do."""


def error(message: str) -> None:
    """Print one `error: ...` line on stderr."""
    print(f"error: {message}", file=sys.stderr, flush=True)


def run(main, interrupted: str = "nothing was saved") -> None:
    """Call main() and turn expected failures into one line on stderr and an exit status.

    Exit 2 for bad input (UsageError and the data/image errors, which subclass it), 130 for Ctrl-C.
    """
    try:
        status = main()
        sys.stdout.flush()
    except UsageError as exc:
        error(str(exc))
        status = 2
    except KeyboardInterrupt:
        error(f"interrupted (Ctrl-C); {interrupted}")
        status = 130
    except BrokenPipeError:  # the output went to a reader that stopped early (`| head`): end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 1
    sys.exit(status or 0)


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors are one `error: ...` line (plus the usage hint), exit 2."""

    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def add_common_flags(parser, *, epochs=None, limit=False, data_dir=None, figure_dir=False):
    """The flags the tutorials share, with one name and one meaning everywhere: --epochs (default
    the published count), --limit N examples, --seed, --data-dir, --figure-dir."""
    if epochs is not None:
        parser.add_argument("--epochs", type=positive_int, default=epochs, help="training epochs (%(default)s)")
    if limit:
        parser.add_argument("--limit", type=positive_int, help="train on only the first N examples (smoke runs)")
    parser.add_argument("--seed", type=int, help="make a run repeatable")
    if data_dir is not None:
        parser.add_argument("--data-dir", type=Path, default=data_dir, help="folder of the MNIST .gz files")
    if figure_dir:
        parser.add_argument("--figure-dir", type=output_dir, default=FIGURES, help="where figures go (%(default)s)")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def keep_probability(text: str) -> float:
    """A dropout keep probability, as the articles use it: 0 < p <= 1."""
    value = positive_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"is a keep probability in (0, 1], got {text}")
    return value


def _writable_folder(folder: Path) -> str | None:
    """Why files cannot be created in `folder` (made first if it is missing), or None if they can."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"folder {existing} is not writable"
    return None


def output_path(text: str, suffix: str | None = ".png") -> Path:
    """An output file flag (--plot, --show-input): checked before any work is done."""
    path = Path(text)
    if suffix and path.suffix.lower() != suffix:
        raise argparse.ArgumentTypeError(f"{text} should end in {suffix}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"folder {parent} does not exist; create it first")
    problem = _writable_folder(parent)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return path


def output_dir(text: str) -> Path:
    """An output folder flag (--checkpoint-dir, --log-dir, --figure-dir): it may not exist yet, but
    it must be possible to create it; checked before any work is done."""
    path = Path(text)
    problem = _writable_folder(path)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return path


def make_folder(folder: Path | str) -> Path:
    """mkdir -p, with a failure reported as one line rather than a traceback."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create folder {shown(folder)} ({exc.strerror or exc})") from None
    return folder


def shown(path: Path | str) -> str:
    """A path as the user should read it: relative to the working directory when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@contextmanager
def atomic_path(path: Path | str):
    """Yield a temporary name beside `path`; move it into place only if the block succeeds.

    Nothing half-written is ever left at `path`, whatever stops the writer.
    """
    path = Path(path)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent or ".")
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the result should look like any new file
        yield Path(tmp)
        os.replace(tmp, path)
    except OSError as exc:  # a disk, folder or permission problem: one line, not a traceback
        raise UsageError(f"cannot write {shown(path)} ({exc.strerror or exc})") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def save_figure(fig, path: Path | str) -> Path:
    """Save a matplotlib figure atomically and close it (every tutorial's figures go through here)."""
    import matplotlib.pyplot as plt

    path = Path(path)
    make_folder(path.parent)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (no window, works on a headless machine)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def keras_verbosity() -> int:
    """Keras' progress bar on a terminal; one line per epoch when the output goes to a file or pipe."""
    return 1 if sys.stdout.isatty() else 2
