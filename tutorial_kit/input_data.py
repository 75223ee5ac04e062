"""The tutorials' data, read offline: the drop-in for the removed TensorFlow MNIST module.

The articles start with `from tensorflow.examples.tutorials.mnist import input_data`, which no
TensorFlow since 2.0 has. This module gives the same API on the MNIST files shipped in MNIST_data/:

    mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
    mnist.train.next_batch(128)   # 55,000 train, 5,000 validation, 10,000 test

Every file is checked against the SHA-256 of its canonical (decompressed) content. Decoded MNIST
is kept in MNIST_data/.cache, named after the .gz file's own SHA-256 and re-verified on every
read, so a changed .gz can never be served stale data. The font book's data and CIFAR-10 are
loaded here too.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import pickle
import sys
import tarfile
import urllib.request
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from tutorial_kit.errors import DataError, PathError, UsageError
from tutorial_kit.files import ROOT, atomic_path, display_path, kind, make_folder, read_file, reason, what

MNIST_DIR = ROOT / "MNIST_data"
FONTS_FILE = ROOT / "data" / "fonts" / "data_with_labels.npz"


# name -> SHA-256 of the decompressed file (the canonical MNIST bytes), and its array shape
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", (60000, 28, 28)),
    "train-labels-idx1-ubyte.gz": ("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", (60000,)),
    "t10k-images-idx3-ubyte.gz": ("0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", (10000, 28, 28)),
    "t10k-labels-idx1-ubyte.gz": ("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", (10000,)),
}
# Where a missing file is fetched from (MNIST_MIRRORS="url url" overrides; empty: never download).
MNIST_MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
)
FONTS_SHA256 = "3cde03cb2e7ea7b39c29e1fb003d4dc540ebfaee2171c05c219fadbbf6117658"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


SHIPPED = {"mnist": "MNIST_data/", "fonts": "data/fonts/"}  # where each data set's copy is shipped


def _is_shipped(path: Path, data_set: str) -> bool:
    """Whether `path` is one of the files shipped in the repository for `data_set`."""
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError):  # a loop of symbolic links is no shipped file
        return False
    if data_set == "fonts":
        return resolved == FONTS_FILE
    return resolved.parent == MNIST_DIR and resolved.name in MNIST_FILES


def _restore_hint(path: Path, data_set: str) -> str:
    """What to do about a bad file of `data_set` ("mnist" or "fonts"): restore it if it is the shipped
    copy, else point at that copy (by the data set being read, whatever the file is called)."""
    if _is_shipped(path, data_set):
        return f"restore the shipped copy with 'git checkout -- {display_path(Path(path).resolve())}'"
    return f"use the copy shipped in the repository's {SHIPPED[data_set]}"


def _read(path: Path, hint: str) -> bytes:
    """A data file's bytes; a pipe, folder or device is refused before it is opened (one line)."""
    try:
        return read_file(path)
    except PathError as exc:
        raise DataError(f"{exc}; {hint}") from None


def _first_line(exc: Exception) -> str:
    """An exception's message cut to its first line: errors stay one line."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _mirrors() -> list[str]:
    env = os.environ.get("MNIST_MIRRORS")
    return env.split() if env is not None else list(MNIST_MIRRORS)


def maybe_download(filename: str, work_directory: Path | str, mirrors: list[str] | None = None) -> Path:
    """Return the path of `filename`, downloading it from the mirrors first if it is missing."""
    path = Path(work_directory) / filename
    hint = _restore_hint(path, "mnist")
    try:
        found = kind(path)
    except PathError as exc:  # a loop, a folder the user may not search
        raise DataError(f"{exc}; {hint} or pass --data-dir") from None
    if found == "file":
        return path
    if found != "missing":  # a pipe, a folder, a broken link: never downloaded over
        raise DataError(
            f"cannot read {display_path(path)}: it is {what(found)}, not a regular file; {hint} or pass --data-dir"
        )
    mirrors = _mirrors() if mirrors is None else mirrors
    expected = MNIST_FILES[filename][0]
    failures = []
    for base in mirrors:
        try:
            with urllib.request.urlopen(base + filename, timeout=30) as response:
                data = response.read()
            if _sha256(gzip.decompress(data)) != expected:
                raise ValueError("checksum mismatch")
        except (OSError, ValueError, EOFError, zlib.error) as exc:
            failures.append(f"{base}: {_first_line(exc)}")
            continue
        make_folder(path.parent)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        return path
    why = "; ".join(failures) if failures else "no download mirror is set"
    raise DataError(f"{display_path(path)} is missing and could not be downloaded ({why}); {hint} or pass --data-dir")


def _decoded(path: Path, expected: str) -> bytes:
    """The decompressed content of a .gz file, verified; from the cache when it is still valid."""
    hint = _restore_hint(path, "mnist")
    packed = _read(path, hint)
    cache = path.parent / ".cache" / f"{path.name[:-3]}.{_sha256(packed)[:16]}"
    try:
        raw = read_file(cache)
        if _sha256(raw) == expected:
            return raw
    except (OSError, PathError):  # no cache yet (or something else in its place): decode
        pass
    try:
        raw = gzip.decompress(packed)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{display_path(path)} is corrupt or truncated ({_first_line(exc)}); {hint}") from None
    if _sha256(raw) != expected:
        raise DataError(f"{display_path(path)} fails its SHA-256 check (not the canonical MNIST file); {hint}")
    try:  # the cache is only a speed-up: a read-only data folder just goes without
        cache.parent.mkdir(exist_ok=True)
        for old in cache.parent.glob(f"{path.name[:-3]}.*"):
            old.unlink()
        with atomic_path(cache) as tmp:
            tmp.write_bytes(raw)
    except (OSError, UsageError):  # atomic_path reports write failures as UsageError
        pass
    return raw


def _read_idx(path: Path) -> np.ndarray:
    expected, shape = MNIST_FILES[path.name]
    raw = _decoded(path, expected)
    header = 4 + 4 * len(shape)  # magic number, then one 32-bit size per dimension
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def load_mnist(data_dir: Path | str = MNIST_DIR):
    """All of MNIST as uint8 arrays, like keras.datasets.mnist.load_data():
    ((x_train 60000×28×28, y_train), (x_test 10000×28×28, y_test))."""
    data_dir = Path(data_dir)
    hint = "pass --data-dir with the folder holding the MNIST .gz files"
    try:
        found = kind(data_dir)
    except PathError as exc:  # a loop of symbolic links, a folder the user may not search
        raise DataError(f"{exc}; {hint}") from None
    if found == "missing" and not _is_shipped(data_dir / next(iter(MNIST_FILES)), "mnist"):
        raise DataError(f"no such folder {display_path(data_dir)}; {hint}")  # a typo: nothing to download into
    if found not in ("folder", "missing"):  # the shipped folder, if deleted, is made again by the download
        raise DataError(f"{display_path(data_dir)} is {what(found)}, not a folder; {hint}")
    arrays = [_read_idx(maybe_download(name, data_dir)) for name in MNIST_FILES]
    return (arrays[0], arrays[1]), (arrays[2], arrays[3])


def mnist_test_images(data_dir: Path | str = MNIST_DIR) -> np.ndarray | None:
    """MNIST's 10,000 test images (uint8, 10000×28×28) when they are on disk; None when they are
    missing or damaged (nothing is downloaded)."""
    path = Path(data_dir) / "t10k-images-idx3-ubyte.gz"
    try:
        return _read_idx(path) if kind(path) == "file" else None
    except (DataError, PathError):
        return None


def dense_to_one_hot(labels: np.ndarray, num_classes: int = 10) -> np.ndarray:
    return np.eye(num_classes, dtype=np.float32)[labels]


class DataSet:
    """One split: `.images` (N×784 float32 in [0, 1]), `.labels`, `.num_examples`, `.next_batch(n)`."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, seed: int | None = None):
        assert len(images) == len(labels)
        self._images = images
        self._labels = labels
        self._num_examples = len(images)
        self._rng = np.random.default_rng(seed)
        self._order: np.ndarray | None = None
        self._index_in_epoch = 0
        self._epochs_completed = 0

    images = property(lambda self: self._images)
    labels = property(lambda self: self._labels)
    num_examples = property(lambda self: self._num_examples)
    epochs_completed = property(lambda self: self._epochs_completed)

    def _new_epoch(self, shuffle: bool, carried: np.ndarray, need: int) -> np.ndarray:
        """The next epoch's order, whose first `need` examples are none of those `carried` over."""
        order = self._rng.permutation(self._num_examples) if shuffle else np.arange(self._num_examples)
        head = np.flatnonzero(~np.isin(order, carried))[:need]
        return np.concatenate([order[head], np.delete(order, head)])

    def next_batch(self, batch_size: int, shuffle: bool = True):
        """The next `batch_size` examples. Each epoch visits every example once in a fresh order;
        a batch that crosses into the next epoch is still full and has no example twice."""
        if not 0 < batch_size <= self._num_examples:
            raise ValueError(f"batch_size must be in 1..{self._num_examples}, got {batch_size}")
        if self._order is None:
            self._order = self._new_epoch(shuffle, np.empty(0, dtype=int), 0)
        start = self._index_in_epoch
        if start + batch_size <= self._num_examples:
            index = self._order[start : start + batch_size]
            self._index_in_epoch += batch_size
        else:
            rest = self._order[start:]
            need = batch_size - len(rest)
            self._epochs_completed += 1
            self._order = self._new_epoch(shuffle, rest, need)
            index = np.concatenate([rest, self._order[:need]])
            self._index_in_epoch = need
        return self._images[index], self._labels[index]


class Datasets(NamedTuple):
    train: DataSet
    validation: DataSet
    test: DataSet


def read_data_sets(
    train_dir: Path | str = MNIST_DIR,
    one_hot: bool = False,
    validation_size: int = 5000,
    seed: int | None = None,
    reshape: bool = True,
) -> Datasets:
    """MNIST as the TF1 tutorials read it: the first `validation_size` training images are the
    validation split; images float32 scaled to [0, 1] (N×784 unless reshape=False)."""
    (x_train, y_train), (x_test, y_test) = load_mnist(train_dir)
    if not 0 <= validation_size <= len(x_train):
        raise ValueError(f"validation_size must be in 0..{len(x_train)}, got {validation_size}")

    def images(x):
        x = x.astype(np.float32)
        x /= 255.0  # in place: a temporary 172 MB array costs more than the decoding
        return x.reshape(len(x), int(np.prod(x.shape[1:]))) if reshape else x  # also for an empty split

    def labels(y):
        return dense_to_one_hot(y) if one_hot else y.astype(np.int64)

    seeds = np.random.SeedSequence(seed).spawn(3) if seed is not None else [None] * 3
    rngs = [None if s is None else int(s.generate_state(1)[0]) for s in seeds]
    return Datasets(
        train=DataSet(images(x_train[validation_size:]), labels(y_train[validation_size:]), rngs[0]),
        validation=DataSet(images(x_train[:validation_size]), labels(y_train[:validation_size]), rngs[1]),
        test=DataSet(images(x_test), labels(y_test), rngs[2]),
    )


def load_fonts(path: Path | str = FONTS_FILE):
    """The font book's letters: images 2790×36×36 uint8 and labels 0-4 (558 per font)."""
    path = Path(path)
    hint = f"{_restore_hint(path, 'fonts')} (it is the companion data of 'Hands-On Deep Learning with TensorFlow')"
    packed = _read(path, hint)
    if _sha256(packed) != FONTS_SHA256:
        raise DataError(f"{display_path(path)} fails its SHA-256 check (corrupt or not the book's file); {hint}")
    with np.load(io.BytesIO(packed)) as data:
        return data["arr_0"], data["arr_1"]


def load_cifar10(data_dir: Path | str | None = None):
    """CIFAR-10 as uint8 ((x_train 50000×32×32×3, y_train), (x_test 10000×32×32×3, y_test)).

    From `data_dir` (the extracted cifar-10-batches-py folder, its parent, or cifar-10-python.tar.gz),
    else through keras.datasets.cifar10, which downloads 170 MB once into ~/.keras/datasets.
    """
    if data_dir is None:
        try:
            from tutorial_kit.quiet_tf import (
                tf,  # lazily: numpy_network reads MNIST here and must not import TensorFlow
            )

            with contextlib.redirect_stdout(_DownloadLineHeldBack(sys.stdout)) as out:
                (x_train, y_train), (x_test, y_test) = tf.keras.datasets.cifar10.load_data()
            out.release()
        except Exception as exc:  # keras raises a bare Exception when the download fails
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DataError(
                f"CIFAR-10 is not shipped and could not be downloaded ({reason}); get cifar-10-python.tar.gz "
                "and pass --data-dir PATH (the .tar.gz or its extracted cifar-10-batches-py folder)"
            ) from None
        return (x_train, y_train.reshape(-1)), (x_test, y_test.reshape(-1))
    return _read_cifar_batches(Path(data_dir))


class _DownloadLineHeldBack:
    """stdout for keras.utils.get_file: its "Downloading data from URL" line is held back until the
    download shows progress (its progress bar starts only once the server answers), so that an
    offline run prints the one error line and not a download that never began."""

    HELD = "Downloading data from "

    def __init__(self, out):
        self._out = out
        self._held = []

    def write(self, text):
        if text.startswith(self.HELD) or (self._held and text == "\n"):
            self._held.append(text)
            return len(text)
        self.release()
        return self._out.write(text)

    def release(self):
        """Print what was held back: the download has started (or the data was loaded)."""
        held, self._held = "".join(self._held), []
        if held:
            self._out.write(held)
            self._out.flush()

    def flush(self):
        self._out.flush()

    def __getattr__(self, name):  # isatty, encoding, fileno: those of the real stdout
        return getattr(self._out, name)


CIFAR_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def _read_cifar_batches(path: Path):
    hint = "pass --data-dir with cifar-10-python.tar.gz or its extracted cifar-10-batches-py folder"

    def kind_of(path):
        try:
            return kind(path)
        except PathError as exc:  # a loop, a folder the user may not search
            raise DataError(f"{exc}; {hint}") from None

    found = kind_of(path)
    if found in ("missing", "broken link"):
        raise DataError(f"{display_path(path)} does not exist; {hint}")
    if found not in ("folder", "file"):
        raise DataError(f"cannot read {display_path(path)}: it is {what(found)}, not a file or folder; {hint}")
    batches = {}
    try:
        if found == "folder":
            folder = path / "cifar-10-batches-py" if kind_of(path / "cifar-10-batches-py") == "folder" else path
            for name in CIFAR_BATCHES:
                if kind_of(folder / name) == "missing":
                    raise DataError(f"{display_path(folder / name)} is missing; {hint}")
                batches[name] = _read(folder / name, hint)
        else:
            try:
                archive = open(path, "rb")  # a file (checked above), so opening it cannot wait
            except OSError as exc:
                raise DataError(f"cannot read {display_path(path)} ({reason(exc)}); {hint}") from None
            with archive, tarfile.open(fileobj=archive, mode="r:*") as tar:
                for member in tar.getmembers():
                    name = Path(member.name).name
                    if name in CIFAR_BATCHES and member.isfile():
                        batches[name] = tar.extractfile(member).read()
            missing = [n for n in CIFAR_BATCHES if n not in batches]
            if missing:
                raise DataError(f"{display_path(path)} lacks {', '.join(missing)}; {hint}")
        arrays = {}
        for name, blob in batches.items():
            batch = pickle.loads(blob, encoding="bytes")
            x = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            arrays[name] = (x, np.asarray(batch[b"labels"], dtype=np.int64))
    except (OSError, EOFError, tarfile.TarError, pickle.UnpicklingError, KeyError, ValueError, TypeError) as exc:
        raise DataError(
            f"cannot read CIFAR-10 from {display_path(path)} ({type(exc).__name__}: {_first_line(exc)}); {hint}"
        ) from None
    x_train = np.concatenate([arrays[n][0] for n in CIFAR_BATCHES[:5]])
    y_train = np.concatenate([arrays[n][1] for n in CIFAR_BATCHES[:5]])
    return (x_train, y_train), arrays["test_batch"]
