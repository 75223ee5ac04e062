"""Where the tutorials read and write: the repository's folders, safe file writes, figures.

Nothing here is half-written: `atomic_path` moves a finished file into place, so Ctrl-C or a full
disk leaves the previous file (or none), never a broken one.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from errors import UsageError

ROOT = Path(__file__).resolve().parent  # the repository root
FIGURES = ROOT / "figures"  # where the tutorials save their figures (git-ignored)


def display_path(path: Path | str) -> str:
    """A path as the user should read it: relative to the working directory when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except (ValueError, OSError, RuntimeError):
        return str(path)


def why_not_writable(folder: Path) -> str | None:
    """Why files cannot be created in `folder` (made first if it is missing), or None if they can."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is a file, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"folder {existing} is not writable"
    return None


def make_folder(folder: Path | str) -> Path:
    """mkdir -p, with a failure reported as one line rather than a traceback."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create folder {display_path(folder)} ({exc.strerror or exc})") from None
    return folder


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
        raise UsageError(f"cannot write {display_path(path)} ({exc.strerror or exc})") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend (no window, works on a headless machine)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path: Path | str) -> Path:
    """Save a matplotlib figure atomically and close it (every tutorial's figures go through here)."""
    plt = pyplot()
    path = Path(path)
    make_folder(path.parent)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path
