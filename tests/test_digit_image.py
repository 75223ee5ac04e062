"""digit_image: any image file → the 28×28 MNIST-style input."""

import numpy as np
import pytest
from PIL import Image

import digit_image
from digit_image import ImageError
from drawing import TWO, draw_digit


def saved(im, path, **kwargs):
    im.save(path, **kwargs)
    return digit_image.to_mnist(path)


def similarity(a, b):
    """Cosine similarity, best over shifts of up to one pixel (centring rounds to whole pixels)."""
    shifts = [np.roll(a, (dy, dx), axis=(0, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return max(float((s * b).sum() / np.linalg.norm(s) / np.linalg.norm(b)) for s in shifts)


def difference(a, b):
    """Mean absolute pixel difference, best over shifts of up to one pixel."""
    return min(float(np.abs(np.roll(a, (dy, dx), axis=(0, 1)) - b).mean()) for dy in (-1, 0, 1) for dx in (-1, 0, 1))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return saved(draw_digit(TWO, (280, 280)), tmp_path_factory.mktemp("ref") / "two.png")


def test_output_is_mnist_like(reference):
    assert reference.shape == (28, 28) and reference.dtype == np.float32
    assert reference.min() == 0.0 and reference.max() == pytest.approx(1.0)
    rows, cols = np.flatnonzero(reference.any(1)), np.flatnonzero(reference.any(0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 <= 21  # fitted into 20×20 (+ resampling fringe)
    ys, xs = np.mgrid[:28, :28]
    mass = reference.sum()
    assert abs((reference * ys).sum() / mass - 14) <= 0.5 and abs((reference * xs).sum() / mass - 14) <= 0.5
    assert reference[:2].sum() == 0 and reference[:, :2].sum() == 0  # a margin, as in MNIST


VARIANTS = {
    "small 56x56": lambda: draw_digit(TWO, (56, 56)),
    "large 1500x1500": lambda: draw_digit(TWO, (1500, 1500)),
    "wide canvas, digit off to the left": lambda: draw_digit(TWO, (600, 400), box=(0.05, 0.1, 0.35, 0.55)),
    "digit in a corner": lambda: draw_digit(TWO, (500, 500), box=(0.6, 0.6, 0.98, 0.98)),
    "thin pen on a big canvas": lambda: draw_digit(TWO, (1000, 1000), pen=0.015),
    "red ink": lambda: draw_digit(TWO, (280, 280), ink=(220, 20, 20)),
    "grey ink on cream paper": lambda: draw_digit(TWO, (280, 280), ink=(110, 110, 110), paper=(245, 240, 220)),
    "mode L": lambda: draw_digit(TWO, (280, 280)).convert("L"),
    "mode 1": lambda: draw_digit(TWO, (280, 280)).convert("1"),
    "mode P": lambda: draw_digit(TWO, (280, 280)).convert("P"),
    "mode LA": lambda: draw_digit(TWO, (280, 280)).convert("LA"),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_one_digit_drawn_many_ways_maps_to_nearly_the_same_input(name, reference, tmp_path):
    seen = saved(VARIANTS[name](), tmp_path / "digit.png")
    assert similarity(seen, reference) >= 0.9
    assert difference(seen, reference) <= 0.05


@pytest.mark.parametrize("fmt,kwargs", [("jpg", {"quality": 60}), ("gif", {}), ("tiff", {}), ("webp", {})])
def test_other_file_formats(fmt, kwargs, reference, tmp_path):
    seen = saved(draw_digit(TWO, (280, 280)).convert("RGB"), tmp_path / f"digit.{fmt}", **kwargs)
    assert similarity(seen, reference) >= 0.95


def test_first_frame_of_an_animated_gif(reference, tmp_path):
    frames = [draw_digit(TWO, (280, 280)).convert("P"), Image.new("P", (280, 280), 0)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    assert similarity(digit_image.to_mnist(tmp_path / "anim.gif"), reference) >= 0.95


def test_sixteen_bit_greyscale(reference, tmp_path):
    grey = np.asarray(draw_digit(TWO, (280, 280)).convert("L")).astype(np.uint16) * 257
    Image.fromarray(grey).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    assert similarity(digit_image.to_mnist(tmp_path / "deep.png"), reference) >= 0.95


def test_transparent_background_is_white_paper(reference, tmp_path):
    darkness = 255 - np.asarray(draw_digit(TWO, (280, 280)).convert("L"))
    rgba = np.zeros((280, 280, 4), np.uint8)  # black, fully transparent except the ink
    rgba[..., 3] = darkness
    seen = saved(Image.fromarray(rgba, "RGBA"), tmp_path / "black_ink.png")
    assert similarity(seen, reference) >= 0.95
    rgba[..., :3] = 255  # white ink on a transparent sheet still shows the digit
    assert similarity(saved(Image.fromarray(rgba, "RGBA"), tmp_path / "white_ink.png"), reference) >= 0.95


def test_light_on_dark_equals_its_inverted_twin(tmp_path):
    dark_on_light = draw_digit(TWO, (300, 200), box=(0.2, 0.1, 0.7, 0.9), ink=(30, 30, 90), paper=(240, 235, 220))
    light_on_dark = Image.fromarray(255 - np.asarray(dark_on_light))
    a = saved(dark_on_light, tmp_path / "a.png")
    b = saved(light_on_dark, tmp_path / "b.png")
    np.testing.assert_allclose(a, b, atol=1e-6)
    assert a.max() > 0.99


@pytest.mark.parametrize("colour", [255, 0, 128])
def test_a_single_colour_image_has_no_digit(colour, tmp_path):
    with pytest.raises(ImageError, match="no digit found"):
        saved(Image.new("L", (50, 40), colour), tmp_path / "blank.png")


def test_unreadable_files_are_named_errors(tmp_path):
    cases = {
        "missing.png": ("no such file", None),
        "folder.png": ("is a folder", lambda p: p.mkdir()),
        "empty.png": ("is empty", lambda p: p.write_bytes(b"")),
        "text.png": ("not an image", lambda p: p.write_text("this is not a picture\n")),
    }
    for name, (message, make) in cases.items():
        path = tmp_path / name
        if make:
            make(path)
        with pytest.raises(ImageError, match=message) as info:
            digit_image.to_mnist(path)
        assert name in str(info.value)


def test_truncated_png(tmp_path):
    path = tmp_path / "cut.png"
    draw_digit(TWO, (400, 400)).save(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ImageError, match="truncated"):
        digit_image.to_mnist(path)


def test_decompression_bomb(tmp_path):
    path = tmp_path / "huge.png"
    Image.new("1", (10000, 9000), 1).save(path)  # 90 Mpixel, a few kB on disk
    with pytest.raises(ImageError, match="decompression-bomb limit"):
        digit_image.to_mnist(path)


def test_article_recipe_is_raw_inverted_pixels_and_needs_28x28(tmp_path):
    path = tmp_path / "two.png"
    draw_digit(TWO, (28, 28)).convert("L").save(path)
    pixels = digit_image.as_published(path)
    assert pixels.shape == (784,) and pixels.max() == 255  # 0-255: the article's scaling bug
    np.testing.assert_array_equal(pixels, 255 - np.asarray(Image.open(path)).ravel())
    draw_digit(TWO, (56, 56)).save(path)
    with pytest.raises(ImageError, match="needs 28×28"):
        digit_image.as_published(path)


def test_save_input_round_trip(reference, tmp_path):
    path = digit_image.save_input(reference, tmp_path / "seen.png")
    back = np.asarray(Image.open(path))
    assert back.shape == (28, 28)
    np.testing.assert_allclose(back / 255.0, reference, atol=0.5 / 255 + 1e-6)
