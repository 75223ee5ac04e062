"""Saving and loading main.py's trained network, safely.

Layout of the checkpoint folder (default `checkpoints/`), one model of each kind side by side:

    latest-fixed.json          -> which folder holds the latest fixed network
    latest-as-published.json   -> the same for the article's network (--as-published)
    model-fixed-<time>-<id>/   model.index, model.data-*, weights.npz, manifest.json

A model is written into a hidden `.saving-*` folder, and only when complete is it renamed and the
pointer switched, under the writers' lock (`.lock`): Ctrl-C, a crash or a second run saving at the
same moment never leaves a pointer to a missing or half-written model, and a save that fails (a
full disk) removes what it wrote. Clean-up deletes only folders this project wrote (a manifest, or
a `.saving-*` folder's mark, says so), and never one in use:

- a reader holds a shared lock on the model folder it read (flock on the folder itself: reading
  writes nothing, so a read-only folder works) until its weights are restored, and re-reads a
  pointer that moved while it looked;
- a save holds its `.saving-*` folder, so the folders of killed saves (whose locks the system
  released) are removed by the next save.
"""

from __future__ import annotations

import argparse
import errno
import fcntl
import json
import os
import shutil
import socket
import tempfile
import time
import weakref
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tutorial_kit import saved_network
from tutorial_kit.errors import CheckpointError, PathError, UsageError
from tutorial_kit.files import (
    CHECKPOINTS,
    atomic_path,
    display_path,
    make_folder,
    read_file,
    reason,
    what,
    why_not_writable,
)
from tutorial_kit.files import kind as path_kind

# TensorFlow is imported where it is used (restore, save): the --checkpoint-dir flag is checked without it.

WRITER = "classic-tf1-tutorials main.py"  # the manifest mark: only folders with it are ever deleted
SAVING_MARK = "saving.json"  # in a `.saving-*` folder: this project's, and which process writes it
POINTER_MOVES = 5  # how often a reader re-reads a pointer that moved while it looked, at most
CLEARLY_WORSE = 0.02  # a new model this much less accurate than the one it replaces is reported
last_saved = None  # the model this run saved, for the Ctrl-C message


def kind(arch: dict) -> str:
    return "as-published" if arch["as_published"] else "fixed"


def describe(arch: dict) -> str:
    name = "the article's network as published" if arch["as_published"] else "the fixed network"
    return f"{name} ({'-'.join(map(str, arch['layers']))})"


@dataclass
class SavedModel:
    folder: Path
    arch: dict
    test_accuracy: float
    trained: str  # local time, "YYYY-MM-DD HH:MM"
    _hold: weakref.finalize | None = field(default=None, repr=False, compare=False)

    def description(self) -> str:
        return f"{describe(self.arch)}, trained {self.trained}, test accuracy {self.test_accuracy:.4f}"

    def release(self) -> None:
        """Let go of the folder `latest` returned held (restore() does): a later clean-up may delete it."""
        if self._hold is not None:
            self._hold()


def folder_flag(text: str) -> Path:
    """The --checkpoint-dir type: a folder that can be looked at, or none yet. Whether it can be
    written is checked before training (check_writable), not here: reading a read-only folder is fine."""
    if not text:
        raise argparse.ArgumentTypeError("empty folder name")
    try:
        found = path_kind(text)
    except PathError as exc:  # a loop of symbolic links, a folder that may not be searched
        raise argparse.ArgumentTypeError(str(exc)) from None
    if found not in ("folder", "missing"):
        raise argparse.ArgumentTypeError(f"{text} is {what(found)}, not a folder")
    return Path(text)


@contextmanager
def _locked(checkpoint_dir: Path):
    """The writers' lock on the checkpoint folder: one run at a time starts a save, switches a pointer or cleans up."""
    fd = os.open(checkpoint_dir / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _open_folder(folder: Path, follow: bool = True) -> int | None:
    """A descriptor of the folder itself, to lock it; None if it is not there (any more)."""
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW))
    except (FileNotFoundError, NotADirectoryError):
        return None


def _unused(folder: Path) -> int | None:
    """An exclusive lock on a folder that no reader and no live save holds, taken without waiting:
    the descriptor holding it, or None (held, gone, a link, or a file system without locks)."""
    try:
        fd = _open_folder(folder, follow=False)
    except OSError:  # a symbolic link (never deleted through), a folder that may not be listed
        return None
    if fd is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
    return fd


def _still_there(folder: Path, fd: int) -> bool:
    """Whether `folder` is still the folder `fd` was opened on (a clean-up may have deleted it meanwhile)."""
    try:
        now, held = os.stat(folder), os.fstat(fd)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


def _held_model(folder: Path) -> SavedModel | None:
    """The model in `folder`, held by a shared lock until released; None if the folder is gone."""
    try:
        fd = _open_folder(folder)
    except OSError:  # a folder that may not be listed: read it unheld (restore says what fails)
        return _checked_model(folder)
    if fd is None:
        return None
    try:
        with suppress(OSError):  # a file system without locks: read it unheld
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a clean-up deletes it
        if not _still_there(folder, fd):
            os.close(fd)
            return None
        model = _checked_model(folder)
    except BaseException:
        os.close(fd)
        raise
    model._hold = weakref.finalize(model, os.close, fd)  # closed by release(), or when the model is forgotten
    return model


def _pointer(checkpoint_dir: Path, arch: dict) -> Path:
    return checkpoint_dir / f"latest-{kind(arch)}.json"


RETRAIN = "run with --retrain to train a new model"


def _read_text(path: Path) -> str:
    """A pointer or manifest file's text; a file that cannot be read (permissions) is one error line."""
    try:
        return read_file(path).decode()
    except PathError as exc:
        raise CheckpointError(f"{exc}; {RETRAIN}") from None
    except UnicodeDecodeError:
        return ""  # not text: damaged, as its parser will say


def _read_manifest(folder: Path, name: str = "manifest.json") -> dict | None:
    """The manifest (or a saving folder's mark), if this project wrote the folder; None otherwise (or if unreadable)."""
    try:
        manifest = json.loads(read_file(folder / name))
    except (OSError, PathError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("written_by") == WRITER else None


def _kind(path: Path) -> str:
    try:
        return path_kind(path)
    except PathError as exc:  # a loop of symbolic links, a folder that may not be searched
        raise CheckpointError(f"{exc}; use another --checkpoint-dir or {RETRAIN}") from None


def _saved_model(folder: Path, manifest: dict) -> SavedModel:
    return SavedModel(folder, manifest["model"], float(manifest["test_accuracy"]), str(manifest["trained"]))


def check_writable(checkpoint_dir: Path, arch: dict) -> None:
    """Before training: the folder and its pointer file can be written (not after a full run)."""
    pointer = _pointer(checkpoint_dir, arch)
    try:
        pointer_kind = path_kind(pointer)
    except PathError as exc:  # a loop of symbolic links, a folder that may not be searched
        raise CheckpointError(f"cannot save the model: {exc}; use another --checkpoint-dir") from None
    if pointer_kind == "folder":
        problem = f"{display_path(pointer)} is a folder; remove it or use another --checkpoint-dir"
    else:  # the folder, or the one it will be made in
        problem = why_not_writable(checkpoint_dir)
        problem = problem and f"{problem}; use --checkpoint-dir"
    if problem:
        raise CheckpointError(f"cannot save the model: {problem}")


def latest(checkpoint_dir: Path, arch: dict) -> SavedModel | None:
    """The latest saved model of this architecture, or None if there is none. `checkpoint_dir` may
    also name one model folder (e.g. a better model kept beside the latest). The model is held (no
    clean-up deletes it) until restored or released."""
    if _kind(checkpoint_dir / "manifest.json") != "missing":
        model = _held_model(checkpoint_dir)
        if model is None:
            raise CheckpointError(f"{display_path(checkpoint_dir)} was removed while being read; {RETRAIN}")
    else:
        model = _pointed_model(checkpoint_dir, arch)
        if model is None:
            return None
    if model.arch != arch:
        model.release()
        raise CheckpointError(
            f"{display_path(model.folder)} holds {describe(model.arch)}, but this run builds {describe(arch)}; "
            f"{RETRAIN}"
        )
    return model


def _pointed_model(checkpoint_dir: Path, arch: dict) -> SavedModel | None:
    """The model the pointer names, held; the pointer is read again when a save moved it meanwhile
    (its old folder cleaned up between the reading and the holding)."""
    pointer = _pointer(checkpoint_dir, arch)
    for _ in range(POINTER_MOVES):
        if _kind(pointer) == "missing":
            return None
        text = _read_text(pointer)
        try:
            folder = checkpoint_dir / json.loads(text)["path"]
        except (ValueError, KeyError, TypeError):
            folder = None
        if folder is not None and _kind(folder) == "folder":
            model = _held_model(folder)
            if model is not None:
                return model
        if _read_text(pointer) == text:  # it did not move: it names no model
            raise CheckpointError(f"{display_path(pointer)} is damaged; {RETRAIN}")
    raise CheckpointError(
        f"{display_path(pointer)} moved {POINTER_MOVES} times while being read (other runs are saving); run again"
    )


def to_use(
    checkpoint_dir: Path, arch: dict, use_saved: bool, retrain: bool, must_exist: bool = False
) -> SavedModel | None:
    """The saved model a run that wants one (--predict, draw.py) uses; None, saying so, when it trains.
    `must_exist`: the folder was named (--checkpoint-dir), so a missing one is a typo to say, not a
    place to train a new model into."""
    if use_saved and not retrain and must_exist and _kind(checkpoint_dir) == "missing":
        raise CheckpointError(
            f"folder {display_path(checkpoint_dir)} does not exist; give --checkpoint-dir the folder of a saved "
            f"model (or leave it out: {display_path(CHECKPOINTS)}, trained first when empty)"
        )
    saved = latest(checkpoint_dir, arch) if use_saved and not retrain else None
    if saved is None and use_saved:
        print(
            "Retraining (--retrain)."
            if retrain
            else f"There is no saved model of {describe(arch)}: training one first."
        )
    return saved


def say_saved(saved: SavedModel, better: SavedModel | None) -> None:
    """The closing lines of a training run: where the model is, how to use it, and a better one kept."""
    flag = " --as-published" if saved.arch["as_published"] else ""
    print(f"Model saved in {display_path(saved.folder)}; try your own digit: python main.py --predict FILE{flag}, "
          f"or draw one: python draw.py{flag}")  # fmt: skip
    if better is not None:
        print(f"Note: the model saved before was more accurate ({better.test_accuracy:.4f}) and is kept; "
              f"use it with --checkpoint-dir {display_path(better.folder)}")  # fmt: skip


def _checked_model(folder: Path) -> SavedModel:
    """The model a folder's manifest describes; a damaged or unreadable manifest is one error line."""
    try:
        manifest = json.loads(_read_text(folder / "manifest.json"))
    except ValueError:
        manifest = None
    if isinstance(manifest, dict) and manifest.get("written_by") != WRITER:
        manifest = None
    try:
        saved_arch = manifest["model"]
        if not (isinstance(saved_arch.get("layers"), list) and isinstance(saved_arch.get("as_published"), bool)):
            raise TypeError
        return _saved_model(folder, manifest)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CheckpointError(f"{display_path(folder / 'manifest.json')} is damaged; {RETRAIN}") from None


def _damaged(folder: Path) -> CheckpointError:
    return CheckpointError(f"the model files in {display_path(folder)} are damaged or incomplete; {RETRAIN}")


def load_network(model: SavedModel) -> saved_network.SavedNetwork | None:
    """The saved weights as NumPy arrays, to predict without TensorFlow (saved_network), then the
    model released; None for a model saved before weights.npz existed (restore it instead)."""
    try:
        return saved_network.load(model.folder, model.arch)
    except PathError as exc:
        raise CheckpointError(f"{exc}; {RETRAIN}") from None
    except saved_network.Damaged:
        raise _damaged(model.folder) from None
    finally:
        model.release()


def restore(saver, sess, model: SavedModel) -> None:
    """Load the saved weights into the session's graph, then release the model; a damaged or
    unreadable file is one error line."""
    from tutorial_kit.quiet_tf import tf

    try:
        for weights in sorted(model.folder.glob("model.*")):  # TensorFlow would call an unreadable one damaged
            try:
                os.close(os.open(weights, os.O_RDONLY | os.O_NONBLOCK))
            except OSError as exc:
                raise CheckpointError(f"cannot read {display_path(weights)} ({reason(exc)}); {RETRAIN}") from None
        try:
            saver.restore(sess, str(model.folder / "model"))
        except (tf.errors.OpError, ValueError):
            raise _damaged(model.folder) from None
    finally:
        model.release()


def _why(exc: Exception) -> str:
    """Why a save failed, in words: TensorFlow's ResourceExhaustedError in a write is a full disk."""
    from tutorial_kit.quiet_tf import tf

    if isinstance(exc, tf.errors.ResourceExhaustedError) or getattr(exc, "errno", None) == errno.ENOSPC:
        return "no space left on device"
    if isinstance(exc, OSError):
        return reason(exc)
    text = (exc.message if isinstance(exc, tf.errors.OpError) else str(exc)).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _save_failed(where_why: str) -> CheckpointError:
    full = "no space left on device" in where_why
    return CheckpointError(
        f"cannot save the model{where_why}; {'free some space and run again; ' if full else ''}"
        "the models saved before are untouched"
    )


def save(net, sess, checkpoint_dir: Path, arch: dict, test_accuracy: float, iterations: int):
    """Save the session's network (main.build_graph's) as the latest of its kind: TensorFlow's
    checkpoint of its variables, and their values in weights.npz (saved_network). Returns (the new
    SavedModel, the one it replaced when that one was clearly more accurate and is kept, else None).
    A save that fails leaves the saved models as they were and removes what it wrote."""
    from tutorial_kit.quiet_tf import tf

    written = hold = None  # the folder this save wrote while no pointer names it; the lock on it
    try:
        make_folder(checkpoint_dir)
        with _locked(checkpoint_dir):  # no clean-up sees the new folder before it is held
            _remove_leftovers(checkpoint_dir)
            written = Path(tempfile.mkdtemp(prefix=".saving-", dir=checkpoint_dir))
            hold = _open_folder(written)
            with suppress(OSError):  # a file system without locks: leftovers are then never removed
                fcntl.flock(hold, fcntl.LOCK_EX)
            mark = {"written_by": WRITER, "pid": os.getpid(), "host": socket.gethostname()}
            (written / SAVING_MARK).write_text(json.dumps(mark) + "\n")
        net.saver.save(sess, str(written / "model"), write_meta_graph=False, write_state=False)
        weights, biases = sess.run([list(net.weights.values()), list(net.biases.values())])
        saved_network.write(written, weights, biases)
        manifest = {
            "written_by": WRITER,
            "model": arch,
            "test_accuracy": float(test_accuracy),
            "iterations": iterations,
            "trained": time.strftime("%Y-%m-%d %H:%M"),
        }
        (written / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        with _locked(checkpoint_dir):
            previous = _latest_quietly(checkpoint_dir, arch)
            unique = written.name.removeprefix(".saving-")  # two saves in one second never collide
            final = checkpoint_dir / f"model-{kind(arch)}-{time.strftime('%Y%m%d-%H%M%S')}-{unique}"
            os.replace(written, final)
            written = final
            os.close(hold)  # the writers' lock, held until the pointer names it, keeps clean-ups away
            hold = None
            with atomic_path(_pointer(checkpoint_dir, arch)) as tmp:
                tmp.write_text(json.dumps({"path": final.name}) + "\n")
            written = None  # the pointer names it: saved
            with suppress(OSError):
                (final / SAVING_MARK).unlink()
            best = _clean_up(checkpoint_dir, arch, final, float(test_accuracy))
            better = best if previous and best and best.test_accuracy > test_accuracy + CLEARLY_WORSE else None
    except UsageError as exc:  # the folder could not be made, or the pointer written
        raise _save_failed(f": {exc}") from None
    except (OSError, ValueError, tf.errors.OpError) as exc:
        raise _save_failed(f" in {display_path(checkpoint_dir)} ({_why(exc)})") from None
    finally:
        if written is not None:
            shutil.rmtree(written, ignore_errors=True)
        if hold is not None:
            os.close(hold)
    global last_saved
    last_saved = _saved_model(final, manifest)
    return last_saved, better


def interrupted_note() -> str:
    """What Ctrl-C leaves behind: the model this run saved, or the saved models untouched."""
    if last_saved is not None:
        return f"the new model was saved in {display_path(last_saved.folder)}"
    return "the saved models, if any, are untouched"


def _latest_quietly(checkpoint_dir: Path, arch: dict) -> SavedModel | None:
    try:
        model = latest(checkpoint_dir, arch)
    except CheckpointError:
        return None
    if model is not None:
        model.release()  # only compared: a clean-up may delete it
    return model


def _remove_leftovers(checkpoint_dir: Path) -> None:
    """Remove the `.saving-*` folders of killed saves: only those this project marked (or still
    empty) that no live save holds."""
    for folder in checkpoint_dir.glob(".saving-*"):
        fd = _unused(folder)
        if fd is None:
            continue
        try:
            if _read_manifest(folder, SAVING_MARK) is not None:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                with suppress(OSError):  # killed before marking it: removed if empty, else left alone
                    folder.rmdir()
        finally:
            os.close(fd)


def _clean_up(checkpoint_dir: Path, arch: dict, final: Path, accuracy: float) -> SavedModel | None:
    """Delete older models of this kind that this project wrote, except the most accurate one when
    it beats the new one (returned); any other folder is left alone."""
    ours = []
    for folder in checkpoint_dir.glob(f"model-{kind(arch)}-*"):
        if folder == final or _read_manifest(folder) is None:
            continue
        try:
            model = _checked_model(folder)
        except CheckpointError:  # ours but damaged: left alone
            continue
        if model.arch == arch:
            ours.append(model)
    best = max(ours, key=lambda m: m.test_accuracy, default=None)
    if best is not None and best.test_accuracy <= accuracy:
        best = None
    for model in ours:
        fd = None if model is best else _unused(model.folder)  # never one a reader holds
        if fd is not None:
            try:
                shutil.rmtree(model.folder, ignore_errors=True)
            finally:
                os.close(fd)
    return best
