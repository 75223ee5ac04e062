"""The Keras chapters: denoising autoencoder, CIFAR-10 CNN, the 784-500-500-500-10 MLP."""

import pickle
import re
import tarfile

import numpy as np
import pytest
from PIL import Image

import input_data
from helpers import TUTORIALS, assert_one_line_error, run_script
from tutorials import cifar10_cnn, keras_mlp
from tutorials import denoising_autoencoder as dae

# --- denoising autoencoder ---------------------------------------------------------------------


def test_normalisation_maps_0_to_minus_1_and_255_to_just_under_1():
    x = np.array([[[0, 128, 255]]], dtype=np.uint8)
    np.testing.assert_allclose(dae.normalise(x), [[-1.0, 0.0, 127 / 128]])
    assert dae.normalise(x).dtype == np.float32


def test_masking_keeps_the_right_fraction_and_is_reproducible():
    x = np.ones((200, 784), dtype=np.float32)
    masked = dae.generate_masked_inputs(x, 0.5, seed=2048)
    assert abs(masked.mean() - 0.5) < 0.01  # 156,800 pixels: the standard error is 0.0013
    assert set(np.unique(masked)) == {0.0, 1.0}
    np.testing.assert_array_equal(masked, dae.generate_masked_inputs(x, 0.5, seed=2048))
    assert not np.array_equal(masked, dae.generate_masked_inputs(x, 0.5, seed=2049))
    assert abs(dae.generate_masked_inputs(x, 0.8, seed=1).mean() - 0.8) < 0.01


def test_autoencoder_loss_falls_and_restores_better_than_the_masked_input(tmp_path):
    result = run_script(
        TUTORIALS / "denoising_autoencoder.py",
        "--epochs",
        "3",
        "--limit",
        "6000",
        "--seed",
        "1",
        "--figure-dir",
        tmp_path,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    losses = [float(v) for v in re.findall(r"^\d+/\d+ - .* - loss: (\d+\.\d+)$", result.stdout, flags=re.M)]
    assert len(losses) == 3 and losses[2] < losses[0]
    first, last = map(
        float, re.search(r"Training loss: (\S+) after epoch 1 -> (\S+) after epoch 3", result.stdout).groups()
    )
    assert last < 0.9 * first
    masked = float(re.search(r"masked input\s+(\S+)", result.stdout).group(1))
    restored = float(re.search(r"restored\s+(\S+)", result.stdout).group(1))
    assert restored < 0.6 * masked  # even a short run removes most of the noise
    with Image.open(tmp_path / dae.FIGURE) as im:
        assert im.size[0] > im.size[1] > 200
    assert "Total params: 105,392" in result.stdout


def test_exercise_autoencoder():
    model = dae.build_exercise_autoencoder()
    assert model.output_shape == (None, 512)
    assert [layer.units for layer in model.layers] == [32, 16, 512]
    assert {layer.activation.__name__ for layer in model.layers} == {"sigmoid"}


# --- CIFAR-10 ----------------------------------------------------------------------------------


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
    from quiet_tf import tf

    def offline():  # what keras.utils.get_file raises when it cannot reach the host
        raise Exception("URL fetch failure on https://example.invalid/cifar-10-python.tar.gz: None -- no network")

    monkeypatch.setattr(tf.keras.datasets.cifar10, "load_data", offline)
    with pytest.raises(input_data.DataError, match="CIFAR-10 is not shipped and could not be downloaded"):
        input_data.load_cifar10()


# --- MLP ---------------------------------------------------------------------------------------


def test_mlp_has_the_posts_898510_parameters():
    model = keras_mlp.build_model()
    assert model.count_params() == 898_510
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout"] * 3 + ["Dense"]
    assert type(model.optimizer).__name__ == "RMSprop"


def test_mlp_uses_all_60000_training_images():
    (x_train, y_train), (x_test, y_test) = keras_mlp.load_data()
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and x_train.max() == 1.0
    assert y_train.shape == (60000, 10) and y_train[:3].argmax(1).tolist() == [5, 0, 4]


def test_mlp_short_run(tmp_path):
    result = run_script(
        TUTORIALS / "keras_mlp.py", "--epochs", "1", "--limit", "12000", "--seed", "0", "--figure-dir", tmp_path
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "Total params: 898,510" in result.stdout
    accuracy = float(re.search(r"^Test accuracy: (\S+)", result.stdout, flags=re.M).group(1))
    assert accuracy >= 0.90  # one epoch of 12,000 images; the full 20 epochs reach about 0.98
    assert re.search(r"^Test score: \d\.\d+", result.stdout, flags=re.M)
    drawn = (tmp_path / keras_mlp.MODEL_FIGURE).exists()
    assert drawn or "Note: drawing the model needs" in result.stdout


def test_figure_dir_that_is_a_file_is_refused_before_training(tmp_path):
    a_file = tmp_path / "figures"
    a_file.write_text("")
    result = run_script(TUTORIALS / "denoising_autoencoder.py", "--figure-dir", a_file)
    assert_one_line_error(result, "--figure-dir", "is a file, not a folder")
    assert result.stdout == ""
