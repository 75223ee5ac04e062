"""tutorials/cifar10_cnn.py: listing 4.2's arithmetic, listing 4.3, the exercise, the CIFAR loader."""

import argparse
import io
import pickle
import re
import sys
import tarfile

import numpy as np
import pytest

from helpers import TUTORIALS, assert_one_line_error, run_script
from tutorial_kit import input_data
from tutorials import cifar10_cnn


def test_listing_4_2_size_arithmetic_reaches_zero():
    assert cifar10_cnn.listing_4_2_sizes() == [32, 12, 6, 0]
    assert cifar10_cnn.conv_output_size(32, 3, 2, padding="same") == 16


def test_listing_4_2_is_explained_not_a_traceback():
    result = run_script(TUTORIALS / "cifar10_cnn.py", "--listing", "4.2")
    assert result.returncode == 0 and result.stderr == ""
    assert "Keras refuses" in result.stdout and "-> 0×0×64" in result.stdout


def test_listing_4_3_output_shapes():
    model = cifar10_cnn.build_listing_4_3()
    shapes = [layer.output.shape[1:] for layer in model.layers]
    assert [tuple(s) for s in shapes] == [(16, 16, 16), (8, 8, 16), (8, 8, 32), (4, 4, 32), (512,), (64,), (32,), (10,)]


def test_format_data_types_and_one_hot():
    x, y = cifar10_cnn.format_data(np.zeros((2, 32, 32, 3), np.uint8), np.array([3, 9]))
    assert x.dtype.name == "float32" and x.shape == (2, 32, 32, 3)
    np.testing.assert_array_equal(y.numpy(), np.eye(10, dtype=np.float32)[[3, 9]])


def test_exercise_2_output_shape():
    assert cifar10_cnn.build_exercise_model().output_shape == (None, 14 * 14 * 32)


def write_tiny_cifar(folder, per_batch=40, seed=0):
    """CIFAR-10's python format: pickled dicts of b'data' (N×3072 uint8, channels first) and b'labels'.
    The class is written into the image (its brightness), so that a model can learn it."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    for name in input_data.CIFAR_BATCHES:
        labels = rng.integers(0, 10, per_batch)
        data = np.clip(labels[:, None] * 25 + rng.integers(0, 20, (per_batch, 3072)), 0, 255).astype(np.uint8)
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": labels.tolist(), b"batch_label": name.encode()}, f)
    return folder


def test_cifar_loader_reads_folders_and_tarballs(tmp_path):
    folder = write_tiny_cifar(tmp_path / "cifar-10-batches-py")
    (x_train, y_train), (x_test, y_test) = input_data.load_cifar10(folder)
    assert x_train.shape == (200, 32, 32, 3) and x_test.shape == (40, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (200,)
    with open(folder / "data_batch_1", "rb") as f:
        first = pickle.load(f)
    np.testing.assert_array_equal(x_train[0, :, :, 0].ravel(), first[b"data"][0, :1024])  # channels last
    np.testing.assert_array_equal(input_data.load_cifar10(tmp_path)[0][1], y_train)  # the parent folder works too
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    np.testing.assert_array_equal(input_data.load_cifar10(tmp_path / "cifar-10-python.tar.gz")[1][0], x_test)


def test_cifar_one_epoch_on_a_tiny_dataset(tmp_path):
    folder = write_tiny_cifar(tmp_path / "cifar-10-batches-py")
    result = run_script(TUTORIALS / "cifar10_cnn.py", "--data-dir", folder, "--epochs", "1", "--seed", "0")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "CIFAR-10: 200 training and 40 test images" in result.stdout
    assert re.search(r"7/7 - .* - acc: \d\.\d+ - loss: \d", result.stdout)  # Keras' epoch line, 200 / 32 batches
    assert re.search(r"^Test accuracy: \d\.\d{4}", result.stdout, flags=re.M)


def test_missing_or_damaged_cifar_is_one_line(tmp_path):
    result = run_script(TUTORIALS / "cifar10_cnn.py", "--data-dir", tmp_path / "nowhere")
    assert_one_line_error(result, "nowhere does not exist", "--data-dir")
    folder = write_tiny_cifar(tmp_path / "cifar-10-batches-py")
    (folder / "test_batch").write_bytes(b"not a pickle")
    result = run_script(TUTORIALS / "cifar10_cnn.py", "--data-dir", folder)
    assert_one_line_error(result, "cannot read CIFAR-10")


def test_failed_download_is_one_clear_error(monkeypatch):
    from tutorial_kit.quiet_tf import tf

    def offline():  # what keras.utils.get_file raises when it cannot reach the host
        raise Exception("URL fetch failure on https://example.invalid/cifar-10-python.tar.gz: None -- no network")

    monkeypatch.setattr(tf.keras.datasets.cifar10, "load_data", offline)
    with pytest.raises(input_data.DataError, match="CIFAR-10 is not shipped and could not be downloaded"):
        input_data.load_cifar10()


def test_dry_run_dataset_is_read_by_the_real_loader(tmp_path):
    """--dry-run's generated data is in CIFAR-10's own format: input_data.load_cifar10 reads it."""
    folder = cifar10_cnn.write_tiny_cifar(tmp_path, per_batch=3)
    assert folder.name == "cifar-10-batches-py"
    (x_train, y_train), (x_test, y_test) = input_data.load_cifar10(tmp_path)
    assert x_train.shape == (15, 32, 32, 3) and x_test.shape == (3, 32, 32, 3) and x_train.dtype == np.uint8
    assert set(y_train.tolist()) <= set(range(10)) and len(y_test) == 3


def test_data_dir_that_is_a_plain_file_is_refused_before_loading(tmp_path):
    """`--data-dir text.png` used to print tarfile's four-line ReadError."""
    text = tmp_path / "text.png"
    text.write_text("hello\n")
    with pytest.raises(argparse.ArgumentTypeError, match="neither a folder nor a tar archive"):
        cifar10_cnn.cifar_path(str(text))
    archive = tmp_path / "cifar.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(text, arcname="text.png")
    assert cifar10_cnn.cifar_path(str(archive)) == archive  # any tar archive passes; its contents are checked later
    assert cifar10_cnn.cifar_path(str(tmp_path / "nowhere")) == tmp_path / "nowhere"  # reported by the loader


def test_offline_the_download_is_one_error_line_and_nothing_on_stdout(tmp_path, monkeypatch, capsys):
    """Keras printed "Downloading data from https://..." on stdout before the error line. The real
    keras.datasets.cifar10.load_data runs here, with its cache in tmp_path and name lookups failing
    as they do offline (and the test setup refusing any connection): nothing leaves this machine."""
    import socket

    from tutorial_kit.quiet_tf import tf

    def offline(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    loader = sys.modules[tf.keras.datasets.cifar10.load_data.__module__]
    real_get_file = loader.get_file
    monkeypatch.setattr(loader, "get_file", lambda *a, **k: real_get_file(*a, **{**k, "cache_dir": str(tmp_path)}))
    with pytest.raises(input_data.DataError, match="CIFAR-10 is not shipped and could not be downloaded") as info:
        input_data.load_cifar10()
    assert "name resolution" in str(info.value)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_the_download_line_is_printed_once_the_download_shows_progress():
    out = io.StringIO()
    held = input_data._DownloadLineHeldBack(out)
    held.write("Downloading data from https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz\n")
    assert out.getvalue() == ""  # not yet: the server has not answered
    held.write("\r     8192/170498071 0s 0us/step")  # Keras' progress bar: the download has started
    assert (
        out.getvalue().splitlines()[0]
        == "Downloading data from https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    )
    assert out.getvalue().endswith("0us/step")
    assert held.isatty() is False  # Keras asks the real stdout whether to draw a progress bar
