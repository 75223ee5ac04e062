"""tutorials/denoising_autoencoder.py: normalisation, masking, a short run, fewer images, 1 epoch."""

import re

import numpy as np
import pytest
from PIL import Image

from helpers import TUTORIALS, assert_one_line_error, run_script
from tutorials import denoising_autoencoder as dae


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


def test_figure_dir_that_is_a_file_is_refused_before_training(tmp_path):
    a_file = tmp_path / "figures"
    a_file.write_text("")
    result = run_script(TUTORIALS / "denoising_autoencoder.py", "--figure-dir", a_file)
    assert_one_line_error(result, "--figure-dir", "is a file, not a folder")
    assert result.stdout == ""


def test_fewer_than_ten_images_and_one_epoch(tmp_path):
    """--limit 5 used to end in an IndexError (the figure drew ten images regardless), and --epochs 1
    printed "after epoch 1 -> ... after epoch 1"."""
    result = run_script(
        TUTORIALS / "denoising_autoencoder.py", "--limit", "5", "--epochs", "1", "--seed", "0", "--figure-dir", tmp_path
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert re.search(r"^Training loss: \d\.\d{4} after 1 epoch$", result.stdout, flags=re.M)
    assert "->" not in result.stdout
    with Image.open(tmp_path / dae.FIGURE) as im:
        assert im.size[0] < 1000  # five columns; ten columns are 12 inches at 100 dpi


@pytest.mark.parametrize("n", [1, 5, 10])
def test_the_figure_has_a_column_per_image(n, tmp_path, monkeypatch):
    figures = []
    monkeypatch.setattr(dae.files, "save_figure", lambda fig, path: figures.append(fig) or path)
    images = np.zeros((n, 784), dtype=np.float32)
    dae.plot_restorations(images, images, images, tmp_path / "f.png")
    axes = figures[0].axes
    assert len(axes) == 3 * n
    assert [ax.get_title(loc="left") for ax in axes[::n]] == ["corrupted", "restored", "original"]
    assert figures[0].get_suptitle()


def test_loss_line_after_one_and_after_several_epochs():
    assert dae.describe_loss([0.5]) == "Training loss: 0.5000 after 1 epoch"
    assert dae.describe_loss([0.5, 0.4, 0.25]) == "Training loss: 0.5000 after epoch 1 -> 0.2500 after epoch 3"
