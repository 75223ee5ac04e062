"""Where the tutorials read and write: the repository's folders, safe file writes, figures.

Nothing here is half-written: `atomic_path` moves a finished file into place, so Ctrl-C or a full
disk leaves the previous file (or none), never a broken one. And no path ends in a traceback:
`kind` says what is at a path, or raises a one-line `PathError` for one that cannot be looked at (a
loop of symbolic links, a folder the user may not search); `read_file` never opens a pipe.

One virtual environment, two clones: the venv's editable install points at one checkout, and a
script of another checkout (`python tutorials/X.py` there) would silently run the first one's
modules. Importing this module refuses that in one line (`check_checkout`).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from tutorial_kit.errors import PathError, UsageError

ROOT = Path(__file__).resolve().parent.parent  # the repository root (the checkout these modules are from)
FIGURES = ROOT / "figures"  # where the tutorials save their figures (git-ignored)
CHECKPOINTS = ROOT / "checkpoints"  # where main.py and draw.py keep their saved models (git-ignored)


def display_path(path: Path | str) -> str:
    """A path as the user should read it: relative to the working directory when inside it, and
    named as given (a symbolic link is not replaced by its target); a newline or another character
    that is not printable escaped as Python writes it (\\n), so that a message stays one line."""
    path = Path(path)
    try:
        cwd = Path.cwd()
        absolute = Path(os.path.abspath(path))
        try:
            text = str(absolute.relative_to(cwd)) or "."
        except ValueError:  # perhaps inside it through a link to a folder: the folder resolved, not the name
            text = str((absolute.parent.resolve() / absolute.name).relative_to(cwd)) or "."
    except (ValueError, OSError, RuntimeError):
        text = str(path)
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def reason(exc: OSError) -> str:
    """An OSError as the end of a one-line message: 'permission denied', 'no space left on device'."""
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


# --- what is at a path ---------------------------------------------------------------------------

_NOUNS = {
    "file": "a file",
    "folder": "a folder",
    "pipe": "a pipe",
    "socket": "a socket",
    "device": "a device",
    "broken link": "a broken symbolic link",
    "missing": "missing",
}


def what(kind_of_path: str) -> str:
    """The noun of a `kind`: 'a pipe', 'a folder', ..."""
    return _NOUNS[kind_of_path]


def _kind_of_mode(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


def _unreadable(path: Path, exc: OSError) -> str:
    """Why `path` cannot be looked at, naming the part of it to blame (the loop, the folder that may
    not be searched, the file that is not a folder)."""
    culprit, mode = path, None
    for prefix in [*reversed(path.parents), path]:
        try:
            mode = os.stat(prefix).st_mode
        except OSError as inner:
            if inner.errno == errno.ELOOP or mode is None:
                culprit = prefix
            break
        culprit = prefix
    shown = display_path(culprit)
    if exc.errno == errno.ELOOP:
        return f"{shown} is a loop of symbolic links"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"cannot read folder {shown} (permission denied)"
    if exc.errno == errno.ENOTDIR and mode is not None:
        return f"{shown} is {what(_kind_of_mode(mode))}, not a folder"
    return f"cannot look at {display_path(path)} ({reason(exc)})"


def kind(path: Path | str) -> str:
    """What is at `path`: "file", "folder", "pipe", "socket", "device", "broken link" or "missing"
    (symbolic links followed). Raises PathError, one line naming the culprit, when that cannot be
    known: a loop of symbolic links, a folder on the way the user may not search, a file used as a
    folder."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return "broken link" if os.path.islink(path) else "missing"
        raise PathError(_unreadable(path, exc)) from None
    return _kind_of_mode(mode)


def read_file(path: Path | str) -> bytes:
    """The content of a regular file. Anything else (a pipe, which would wait forever for a writer,
    a folder, a device) is refused before it is opened; every failure is one line (PathError)."""
    path = Path(path)
    shown = display_path(path)
    found = kind(path)
    if found in ("missing", "broken link"):
        raise PathError(f"cannot read {shown} ({'no such file' if found == 'missing' else what(found)})")
    if found != "file":
        raise PathError(f"cannot read {shown}: it is {what(found)}, not a regular file")
    try:  # O_NONBLOCK: should a pipe take the file's place after the check, opening it does not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise PathError(f"cannot read {shown} ({reason(exc)})") from None
    with os.fdopen(fd, "rb") as f:
        try:
            found = _kind_of_mode(os.fstat(f.fileno()).st_mode)
            if found != "file":
                raise PathError(f"cannot read {shown}: it is {what(found)}, not a regular file")
            return f.read()
        except OSError as exc:
            raise PathError(f"cannot read {shown} ({reason(exc)})") from None


# --- writing -------------------------------------------------------------------------------------


def why_not_writable(folder: Path | str) -> str | None:
    """Why files cannot be created in `folder` (made first if it is missing), or None if they can."""
    existing = Path(folder)
    try:
        while (found := kind(existing)) == "missing" and existing.parent != existing:
            existing = existing.parent
    except PathError as exc:  # a loop, a folder that may not be searched, a file on the way
        return str(exc)
    if found != "folder":
        return f"{display_path(existing)} is {what(found)}, not a folder"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"folder {display_path(existing)} is not writable"
    return None


def make_folder(folder: Path | str) -> Path:
    """mkdir -p, with a failure reported as one line rather than a traceback."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = why_not_writable(folder)  # a loop or a folder that may not be searched, by name
        raise UsageError(problem or f"cannot create folder {display_path(folder)} ({reason(exc)})") from None
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
        raise UsageError(f"cannot write {display_path(path)} ({reason(exc)})") from None
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


_FD2 = threading.RLock()  # file descriptor 2 is the process's: one redirection at a time


@contextmanager
def stderr_captured(lines: list[str] | None = None):
    """Point file descriptor 2 away from the terminal while the block runs: C and C++ libraries
    (libtiff, TensorFlow) write there, not through Python. What was written is appended to `lines`
    (or dropped when None). Threads take turns; another thread's stderr meanwhile goes there too."""
    with _FD2:
        sys.stderr.flush()
        saved = os.dup(2)
        sink = tempfile.TemporaryFile() if lines is not None else open(os.devnull, "wb")
        try:
            os.dup2(sink.fileno(), 2)
            try:
                yield lines
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
            if lines is not None:
                sink.seek(0)
                lines.extend(line.strip() for line in sink.read(4096).decode(errors="replace").splitlines())
        finally:
            os.close(saved)
            sink.close()


# --- one venv, two clones ----------------------------------------------------------------------


def checkout_of(script: Path) -> Path | None:
    """The checkout a script is part of: its folder or the one above (tutorials/, benchmarks/, tests/)
    when that holds main.py and tutorial_kit/; None for a script of no checkout."""
    for folder in list(script.parents)[:2]:
        if (folder / "main.py").is_file() and (folder / "tutorial_kit").is_dir():
            return folder
    return None


def check_checkout(script: str | None) -> None:
    """Refuse, in one `error:` line and exit 2, a script of another checkout than ROOT: it would run
    this checkout's modules, not its own, and write its figures here."""
    if not script:  # python -c, an interactive session
        return
    try:
        theirs = checkout_of(Path(script).resolve())
    except OSError:
        return
    if theirs is not None and theirs != ROOT:
        print(
            f"error: this Python environment's tutorial_kit is the one in {ROOT}, not the one of {theirs}, "
            f"where {Path(script).name} is; run: pip install -e {theirs} (or give each checkout its own venv)",
            file=sys.stderr,
        )
        sys.exit(2)


check_checkout(getattr(sys.modules.get("__main__"), "__file__", None))
