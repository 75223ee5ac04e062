"""Saving and loading main.py's trained network, safely.

Layout of the checkpoint folder (default `checkpoints/`), one model of each kind side by side:

    latest-fixed.json          -> which folder holds the latest fixed network
    latest-as-published.json   -> the same for the article's network (--as-published)
    model-fixed-<time>-<id>/   model.index, model.data-*, manifest.json

A model is written into a hidden `.saving-*` folder, and only when complete is it renamed and the
pointer switched, under a lock: Ctrl-C, a crash or a second run saving at the same moment never
leaves a pointer to a missing or half-written model. Clean-up deletes only folders whose
manifest says this project wrote them, never one a reader holds (readers take a shared lock).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tutorial_kit.errors import CheckpointError, PathError
from tutorial_kit.files import atomic_path, display_path, make_folder, read_file, reason, what
from tutorial_kit.files import kind as path_kind
from tutorial_kit.quiet_tf import tf  # every importer (main.py) builds a TensorFlow graph anyway

WRITER = "classic-tf1-tutorials main.py"  # the manifest mark: only folders with it are ever deleted
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

    def description(self) -> str:
        return f"{describe(self.arch)}, trained {self.trained}, test accuracy {self.test_accuracy:.4f}"


@contextmanager
def _locked(checkpoint_dir: Path, exclusive: bool):
    """An advisory lock on the checkpoint folder: exclusive to switch and clean, shared to read."""
    try:
        fd = os.open(checkpoint_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:  # a read-only folder: nobody can be writing into it through us either
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


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


def _read_manifest(folder: Path) -> dict | None:
    """The manifest, if this project wrote the folder; None otherwise (or if unreadable)."""
    try:
        manifest = json.loads(read_file(folder / "manifest.json"))
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
        folder, pointer_kind = path_kind(checkpoint_dir), path_kind(pointer)
    except PathError as exc:  # a loop of symbolic links, a folder that may not be searched
        raise CheckpointError(f"cannot save the model: {exc}; use another --checkpoint-dir") from None
    problem = None
    if pointer_kind == "folder":
        problem = f"{display_path(pointer)} is a folder; remove it or use another --checkpoint-dir"
    elif folder == "folder" and not os.access(checkpoint_dir, os.W_OK | os.X_OK):
        problem = f"folder {display_path(checkpoint_dir)} is not writable; use --checkpoint-dir"
    elif folder != "folder" and folder != "missing":
        problem = f"{display_path(checkpoint_dir)} is {what(folder)}, not a folder; use --checkpoint-dir"
    if problem:
        raise CheckpointError(f"cannot save the model: {problem}")


def latest(checkpoint_dir: Path, arch: dict) -> SavedModel | None:
    """The latest saved model of this architecture, or None if there is none. `checkpoint_dir` may
    also name one model folder (e.g. a better model kept beside the latest)."""
    if _kind(checkpoint_dir / "manifest.json") != "missing":
        folder = checkpoint_dir
    else:
        pointer = _pointer(checkpoint_dir, arch)
        if _kind(pointer) == "missing":
            return None
        text = _read_text(pointer)
        try:
            folder = checkpoint_dir / json.loads(text)["path"]
        except (ValueError, KeyError, TypeError):
            folder = None
        if folder is None or _kind(folder) != "folder":
            raise CheckpointError(f"{display_path(pointer)} is damaged; {RETRAIN}")
    model = _checked_model(folder)
    if model.arch != arch:
        raise CheckpointError(
            f"{display_path(folder)} holds {describe(model.arch)}, but this run builds {describe(arch)}; {RETRAIN}"
        )
    return model


def to_use(checkpoint_dir: Path, arch: dict, use_saved: bool, retrain: bool) -> SavedModel | None:
    """The saved model a run that wants one (--predict, draw.py) uses; None, saying so, when it trains."""
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


def restore(saver, sess, model: SavedModel) -> None:
    """Load the saved weights into the session's graph; a damaged or unreadable file is one error line."""
    with _locked(model.folder.parent, exclusive=False):
        for weights in sorted(model.folder.glob("model.*")):  # TensorFlow would call an unreadable one damaged
            try:
                os.close(os.open(weights, os.O_RDONLY | os.O_NONBLOCK))
            except OSError as exc:
                raise CheckpointError(f"cannot read {display_path(weights)} ({reason(exc)}); {RETRAIN}") from None
        try:
            saver.restore(sess, str(model.folder / "model"))
        except (tf.errors.OpError, ValueError):
            raise CheckpointError(
                f"the model files in {display_path(model.folder)} are damaged or incomplete; {RETRAIN}"
            ) from None


def save(saver, sess, checkpoint_dir: Path, arch: dict, test_accuracy: float, iterations: int):
    """Save the session's network as the latest of its kind. Returns (the new SavedModel, the one it
    replaced when that one was clearly more accurate and is kept, else None)."""
    make_folder(checkpoint_dir)
    saving = None
    try:
        saving = Path(tempfile.mkdtemp(prefix=".saving-", dir=checkpoint_dir))
        saver.save(sess, str(saving / "model"), write_meta_graph=False, write_state=False)
        manifest = {
            "written_by": WRITER,
            "model": arch,
            "test_accuracy": float(test_accuracy),
            "iterations": iterations,
            "trained": time.strftime("%Y-%m-%d %H:%M"),
        }
        (saving / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
        with _locked(checkpoint_dir, exclusive=True):
            previous = _latest_quietly(checkpoint_dir, arch)
            unique = saving.name.removeprefix(".saving-")  # two saves in one second never collide
            final = checkpoint_dir / f"model-{kind(arch)}-{time.strftime('%Y%m%d-%H%M%S')}-{unique}"
            os.replace(saving, final)
            saving = None
            with atomic_path(_pointer(checkpoint_dir, arch)) as tmp:
                tmp.write_text(json.dumps({"path": final.name}) + "\n")
            best = _clean_up(checkpoint_dir, arch, final, float(test_accuracy))
            better = best if previous and best and best.test_accuracy > test_accuracy + CLEARLY_WORSE else None
    except (OSError, tf.errors.OpError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise CheckpointError(f"cannot save the model in {display_path(checkpoint_dir)} ({reason})") from None
    finally:
        if saving is not None:
            shutil.rmtree(saving, ignore_errors=True)
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
        return latest(checkpoint_dir, arch)
    except CheckpointError:
        return None


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
        if model is not best:
            shutil.rmtree(model.folder, ignore_errors=True)
    return best
