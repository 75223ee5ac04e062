"""input_data: the drop-in for tensorflow.examples.tutorials.mnist.input_data."""

import gzip
import json
import os
import stat
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from helpers import ROOT, SCRIPT_ENV, assert_one_line_error, needs_setpriv, run_without_root
from tutorial_kit import input_data
from tutorial_kit.input_data import DataError, DataSet

# `python -c CODE` in another working directory imports this checkout's modules
THIS_CHECKOUT = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from tutorial_kit import cli, input_data; "


@pytest.fixture(scope="module")
def mnist():
    return input_data.read_data_sets("MNIST_data/", one_hot=True, seed=0)


def test_splits_shapes_and_ranges(mnist):
    assert (mnist.train.num_examples, mnist.validation.num_examples, mnist.test.num_examples) == (55000, 5000, 10000)
    for split in mnist:
        assert split.images.shape == (split.num_examples, 784)
        assert split.images.dtype == np.float32
        assert split.images.min() == 0.0 and split.images.max() == 1.0
        assert split.labels.shape == (split.num_examples, 10)
        assert np.all(split.labels.sum(axis=1) == 1) and set(np.unique(split.labels)) == {0.0, 1.0}


def test_labels_match_the_canonical_files(mnist):
    # the validation split is the first 5,000 training images, as in TensorFlow's module
    assert mnist.validation.labels[:10].argmax(1).tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert mnist.test.labels[:10].argmax(1).tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    ints = input_data.read_data_sets("MNIST_data/", one_hot=False)
    assert ints.test.labels.dtype.kind == "i"
    np.testing.assert_array_equal(ints.test.labels, mnist.test.labels.argmax(1))
    (x_train, y_train), (x_test, _) = input_data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28) and x_train.dtype == np.uint8
    np.testing.assert_array_equal((x_train[5000:].reshape(55000, 784) / np.float32(255)), mnist.train.images)


def ids_dataset(n, seed):
    ids = np.arange(n)
    return DataSet(ids[:, None], ids, seed=seed)


@pytest.mark.parametrize("n,batch", [(10, 4), (10, 3), (12, 12), (7, 1)])
def test_next_batch_epochs_are_permutations_without_short_or_repeated_batches(n, batch):
    data = ids_dataset(n, seed=1)
    stream = []
    for _ in range(5 * n):
        x, y = data.next_batch(batch)
        assert len(y) == batch and len(set(y.tolist())) == batch  # full, no example twice
        np.testing.assert_array_equal(x[:, 0], y)
        stream.extend(y.tolist())
    epochs = [stream[i : i + n] for i in range(0, len(stream) - n + 1, n)]
    for epoch in epochs:
        assert sorted(epoch) == list(range(n))  # every example exactly once per epoch
    if n > 3:
        assert len({tuple(e) for e in epochs}) > 1  # reshuffled each epoch
    assert data.epochs_completed == -(-len(stream) // n) - 1  # a new epoch starts only when a batch needs it


def test_next_batch_is_reproducible_with_a_seed():
    a, b, c = ids_dataset(100, 7), ids_dataset(100, 7), ids_dataset(100, 8)
    batches = [[d.next_batch(32)[1].tolist() for _ in range(10)] for d in (a, b, c)]
    assert batches[0] == batches[1]
    assert batches[0] != batches[2]
    first = [input_data.read_data_sets(seed=3).train.next_batch(5)[1].tolist() for _ in range(2)]
    assert first[0] == first[1]


def test_next_batch_rejects_impossible_sizes():
    with pytest.raises(ValueError):
        ids_dataset(5, 0).next_batch(6)
    with pytest.raises(ValueError):
        ids_dataset(5, 0).next_batch(0)


def test_corrupt_content_fails_the_checksum_and_names_the_file(mnist_copy):
    path = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # a valid gzip of a wrong label
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz fails its SHA-256 check"):
        input_data.load_mnist(mnist_copy)


def test_truncated_gz_is_a_clear_error(mnist_copy):
    path = mnist_copy / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1_000_000])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz is corrupt or truncated"):
        input_data.load_mnist(mnist_copy)


def test_cache_is_used_and_never_stale(mnist_copy):
    first = input_data.load_mnist(mnist_copy)
    cached = sorted(p.name for p in (mnist_copy / ".cache").iterdir())
    assert len(cached) == 4
    again = input_data.load_mnist(mnist_copy)
    np.testing.assert_array_equal(first[1][1], again[1][1])
    # the same content compressed differently is accepted and re-cached under its own name
    path = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), compresslevel=1))
    np.testing.assert_array_equal(input_data.load_mnist(mnist_copy)[1][1], first[1][1])
    assert sorted(p.name for p in (mnist_copy / ".cache").iterdir()) != cached
    # a damaged .gz is an error even though a valid decoded copy sits in the cache
    path.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(DataError, match="t10k-labels"):
        input_data.load_mnist(mnist_copy)
    # and a tampered cache file is not trusted
    path.write_bytes(gzip.compress(bytes(first[1][1].tobytes())))  # wrong: no header
    for f in (mnist_copy / ".cache").iterdir():
        f.write_bytes(b"tampered")
    with pytest.raises(DataError):
        input_data.load_mnist(mnist_copy)


def test_missing_file_is_downloaded_from_a_mirror_and_verified(mnist_copy, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    name = "t10k-labels-idx1-ubyte.gz"
    (mnist_copy / name).rename(mirror / name)
    path = input_data.maybe_download(name, mnist_copy, mirrors=[mirror.as_uri() + "/"])
    assert path.read_bytes() == (mirror / name).read_bytes()
    # a mirror serving something else is refused, and nothing is left behind
    (mnist_copy / name).unlink()
    (mirror / name).write_bytes(gzip.compress(b"not mnist"))
    with pytest.raises(DataError, match="checksum mismatch"):
        input_data.maybe_download(name, mnist_copy, mirrors=[mirror.as_uri() + "/"])
    assert not (mnist_copy / name).exists()
    assert not any(p.name.startswith(".") for p in mnist_copy.iterdir() if p.is_file())


def test_missing_file_without_mirrors_is_a_clear_error(mnist_copy):
    (mnist_copy / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz is missing and could not be downloaded"):
        input_data.load_mnist(mnist_copy)


def test_a_missing_data_folder_is_no_such_folder_and_never_a_download(mnist_copy, tmp_path, monkeypatch):
    """A mistyped --data-dir tried a download and reported a network error."""
    monkeypatch.setenv("MNIST_MIRRORS", mnist_copy.as_uri() + "/")  # a download would succeed: it must not happen
    with pytest.raises(DataError) as info:
        input_data.read_data_sets(tmp_path / "nowhere")
    assert str(info.value) == (
        f"no such folder {tmp_path / 'nowhere'}; pass --data-dir with the folder holding the MNIST .gz files"
    )
    assert not (tmp_path / "nowhere").exists()


# every chapter that reads MNIST from --data-dir (CIFAR-10's says "does not exist": test_cifar10_cnn.py)
MNIST_CHAPTERS = [
    ("main", ["--checkpoint-dir", "ck"]),
    ("tutorials.numpy_network", []),
    ("tutorials.mnist_cnn", []),
    ("tutorials.keras_mlp", []),
    ("tutorials.denoising_autoencoder", []),
]
CHAPTERS_DRIVER = """
import contextlib, importlib, io, json, sys
sys.path.insert(0, sys.argv[1])
from tutorial_kit import cli
results = []
for name, argv in json.loads(sys.argv[2]):
    module = importlib.import_module(name)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.run(lambda: module.main(argv))
        except SystemExit as exc:
            results.append([exc.code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def test_every_chapter_says_no_such_folder_for_a_missing_data_dir(mnist_copy, tmp_path):
    cases = [[name, ["--data-dir", "nowhere", *flags]] for name, flags in MNIST_CHAPTERS]
    env = {**SCRIPT_ENV, "MNIST_MIRRORS": mnist_copy.as_uri() + "/"}  # a download would succeed
    result = subprocess.run(
        [sys.executable, "-c", CHAPTERS_DRIVER, str(ROOT), json.dumps(cases)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    runs = json.loads(result.stdout)
    assert len(runs) == len(MNIST_CHAPTERS)
    for (name, _), (code, out, err) in zip(MNIST_CHAPTERS, runs, strict=True):
        line = assert_one_line_error(subprocess.CompletedProcess(name, code, out, err), "no such folder nowhere")
        assert "download" not in line and "Iteration" not in out, (name, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MNIST_data"]  # nothing created: no nowhere/, no ck/


def test_font_data(tmp_path):
    images, labels = input_data.load_fonts()
    assert images.shape == (2790, 36, 36) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == [558] * 5
    bad = tmp_path / "data_with_labels.npz"
    bad.write_bytes(input_data.FONTS_FILE.read_bytes()[:-10])
    with pytest.raises(DataError, match="fails its SHA-256 check"):
        input_data.load_fonts(bad)
    with pytest.raises(DataError, match="cannot read"):
        input_data.load_fonts(tmp_path / "missing.npz")


def test_an_unwritable_cache_is_skipped_not_an_error(mnist_copy, monkeypatch):
    from contextlib import contextmanager

    from tutorial_kit import errors

    @contextmanager
    def refusing(path):
        raise errors.UsageError(f"cannot write {path} (Read-only file system)")
        yield

    monkeypatch.setattr(input_data, "atomic_path", refusing)
    (_, _), (_, y_test) = input_data.load_mnist(mnist_copy)
    assert y_test[:3].tolist() == [7, 2, 1]
    assert not list((mnist_copy / ".cache").iterdir())


def test_hints_point_at_the_shipped_copy(tmp_path):
    assert "git checkout -- " in input_data._restore_hint(input_data.FONTS_FILE, "fonts")
    assert "git checkout -- " in input_data._restore_hint(input_data.MNIST_DIR / "t10k-labels-idx1-ubyte.gz", "mnist")
    # any other file, even beside the shipped one, is pointed at the shipped copy ('git checkout' of a
    # file git does not know fails)
    for path in (input_data.ROOT / "data" / "fonts" / "missing.npz", tmp_path / "elsewhere.npz"):
        with pytest.raises(DataError, match="use the copy shipped in the repository's data/fonts/") as info:
            input_data.load_fonts(path)
        assert "git checkout" not in str(info.value)


def test_hints_name_the_data_set_being_read_not_the_suffix(tmp_path, monkeypatch):
    """--data /dev/null or --data . (no .npz suffix) pointed at "the repository's MNIST_data/"; run
    from the repository root, --data . even said to restore it with 'git checkout -- .'."""
    monkeypatch.chdir(input_data.ROOT)
    for path in (".", "/dev/null", tmp_path, tmp_path / "fonts.bin"):
        with pytest.raises(DataError, match="use the copy shipped in the repository's data/fonts/") as info:
            input_data.load_fonts(path)
        assert "MNIST_data" not in str(info.value) and "git checkout" not in str(info.value)


def test_hints_never_say_in_dot(tmp_path, monkeypatch):
    """Run from the repository root, the old hint read 'shipped with the tutorials in .'."""
    monkeypatch.chdir(input_data.ROOT)
    with pytest.raises(DataError, match="use the copy shipped in the repository's MNIST_data/") as info:
        input_data.load_mnist(tmp_path)  # a folder without the files
    assert " in ." not in str(info.value) and "git checkout" not in str(info.value)


def test_validation_size_zero_gives_all_60000_for_training():
    data = input_data.read_data_sets(one_hot=True, validation_size=0)
    assert data.train.images.shape == (60000, 784) and data.validation.images.shape == (0, 784)
    assert data.train.labels[:3].argmax(1).tolist() == [5, 0, 4]


# --- pipes, loops and folders the user may not search -------------------------------------------


def test_an_mnist_file_that_is_a_pipe_is_refused_and_never_downloaded_over(mnist_copy, tmp_path, monkeypatch):
    """A .gz that was a pipe was reported "missing and could not be downloaded", and with a mirror
    set it was downloaded and replaced the user's pipe."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    name = "t10k-labels-idx1-ubyte.gz"
    (mnist_copy / name).rename(mirror / name)
    os.mkfifo(mnist_copy / name)
    monkeypatch.setenv("MNIST_MIRRORS", mirror.as_uri() + "/")  # a download would succeed: it must not happen
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz: it is a pipe, not a regular file") as info:
        input_data.load_mnist(mnist_copy)
    assert "download" not in str(info.value)
    assert stat.S_ISFIFO(os.stat(mnist_copy / name).st_mode)


def test_a_data_folder_that_is_a_loop_is_one_line(tmp_path):
    """Path.resolve() in the hint raised RuntimeError("Symlink loop") for --data-dir loopd."""
    loop = tmp_path / "loopd"
    os.symlink(loop, loop)
    with pytest.raises(DataError, match=r"loopd is a loop of symbolic links; pass --data-dir"):
        input_data.load_mnist(loop)
    with pytest.raises(DataError, match=r"loopd is a loop of symbolic links; use the copy shipped in .*data/fonts/"):
        input_data.load_fonts(loop)
    folder = tmp_path / "data"
    folder.mkdir()
    os.symlink("train-images-idx3-ubyte.gz", folder / "train-images-idx3-ubyte.gz")  # itself
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz is a loop of symbolic links"):
        input_data.load_mnist(folder)


def test_font_data_that_is_a_pipe_is_refused_at_once(tmp_path):
    """--data fifo.png waited forever for a writer."""
    os.mkfifo(tmp_path / "fifo.png")
    code = THIS_CHECKOUT + "cli.run(lambda: input_data.load_fonts('fifo.png'))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=SCRIPT_ENV, capture_output=True, text=True, timeout=60
    )
    assert_one_line_error(result, "cannot read fifo.png: it is a pipe, not a regular file", "data/fonts/")


def test_a_cifar_batch_that_is_a_pipe_is_refused(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in input_data.CIFAR_BATCHES:
        os.mkfifo(folder / name)
    with pytest.raises(DataError, match=r"data_batch_1: it is a pipe, not a regular file"):
        input_data.load_cifar10(tmp_path)
    os.symlink("loopd", tmp_path / "loopd")
    with pytest.raises(DataError, match=r"loopd is a loop of symbolic links"):
        input_data.load_cifar10(tmp_path / "loopd")


@needs_setpriv
def test_a_data_folder_the_user_may_not_search_is_one_line(tmp_path):
    """main.py --data-dir nx ended in a PermissionError traceback from Path.is_file()."""
    (tmp_path / "nx").mkdir(mode=0o000)
    with tarfile.open(tmp_path / "c.tar.gz", "w:gz"):
        pass
    (tmp_path / "c.tar.gz").chmod(0)
    for call, message, hint in [
        ("load_mnist('nx')", "cannot read folder nx (permission denied)", "MNIST_data/"),
        ("load_fonts('nx/fonts.npz')", "cannot read folder nx (permission denied)", "data/fonts/"),
        ("load_cifar10('c.tar.gz')", "cannot read c.tar.gz (permission denied)", "cifar-10-python.tar.gz"),
    ]:
        result = run_without_root("-c", f"{THIS_CHECKOUT}cli.run(lambda: input_data.{call})", cwd=tmp_path)
        assert_one_line_error(result, message, hint)
