"""digit_image: any image file → the 28×28 MNIST-style input."""

import numpy as np
import pytest
from PIL import Image

import photos
from drawing import DIGITS, TWO, draw_digit
from tutorial_kit import digit_image
from tutorial_kit.errors import ImageError, ImageTooLargeError, NoDigitError


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


def test_first_frame_of_an_animated_gif_is_read_and_that_is_said(reference, tmp_path):
    two, blank = draw_digit(TWO, (280, 280)).convert("P"), Image.new("P", (280, 280), 255)
    two.save(tmp_path / "anim.gif", save_all=True, append_images=[blank])
    assert similarity(digit_image.to_mnist(tmp_path / "anim.gif"), reference) >= 0.95
    assert digit_image.prepare(tmp_path / "anim.gif").notes == ["the first of its frames: the only one read"]
    two.save(tmp_path / "still.gif")
    assert digit_image.prepare(tmp_path / "still.gif").notes == []
    blank.save(tmp_path / "late.gif", save_all=True, append_images=[two])  # drawn in the second frame
    with pytest.raises(NoDigitError, match=r"late.gif: no digit found in its first frame \(the only one read; save"):
        digit_image.prepare(tmp_path / "late.gif")


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
    pixels = digit_image.as_published(path).images.ravel()
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


# --- photos and screenshots: the digit is found, the rest of the picture is ignored -------------

PHOTO_DIGITS = (0, 4, 5, 7)  # round, crossed, two-piece and straight digits
PHOTOS = {
    "dust specks": lambda s: photos.dust(draw_digit(s, (280, 280)), specks=8),
    "a frame line": lambda s: photos.frame(draw_digit(s, (280, 280))),
    "a sheet on a dark desk": lambda s: photos.sheet_on_desk(s),
    "a paint program's title bar and toolbar": lambda s: photos.paint_screenshot(s),
    "ruled paper": lambda s: photos.paper_photo(s, lines="ruled"),
    "grid paper": lambda s: photos.paper_photo(s, lines="grid"),
    "a 50 % lighting gradient": lambda s: photos.lighting(photos.paper_photo(s), gradient=0.5),
    "a hard shadow edge": lambda s: photos.lighting(photos.paper_photo(s), shadow=0.45),
    "vignetting and a gradient": lambda s: photos.lighting(photos.paper_photo(s), gradient=0.3, vignette=0.4),
    "EXIF orientation 3": lambda s: photos.with_orientation(photos.paper_photo(s), 3),
    "EXIF orientation 6 (portrait)": lambda s: photos.with_orientation(photos.paper_photo(s), 6),
    "EXIF orientation 8": lambda s: photos.with_orientation(photos.paper_photo(s), 8),
    "JPEG quality 60": lambda s: photos.jpeg(photos.paper_photo(s), 60),
    "small digit on a 2400x1800 photo": lambda s: photos.lighting(
        photos.paper_photo(s, size=(2400, 1800), box=photos.square((2400, 1800), (0.7, 0.35), 0.3)), gradient=0.3
    ),
}


@pytest.fixture(scope="module")
def clean_drawings():
    return {d: digit_image.prepare(draw_digit(DIGITS[d], (280, 280))).image for d in PHOTO_DIGITS}


@pytest.mark.parametrize("digit", PHOTO_DIGITS)
@pytest.mark.parametrize("kind", PHOTOS)
def test_a_photo_or_screenshot_gives_the_clean_drawings_input(kind, digit, clean_drawings):
    """The same strokes, photographed or screenshotted, give the 28×28 of the clean drawing."""
    prepared = digit_image.prepare(PHOTOS[kind](DIGITS[digit]), name="photo")
    assert len(prepared.images) == 1 and not prepared.notes  # one digit, nothing else kept
    assert similarity(prepared.image, clean_drawings[digit]) >= 0.9
    assert difference(prepared.image, clean_drawings[digit]) <= 0.06


@pytest.mark.parametrize("kind", ["gradient", "shadow", "specks", "desk"])
def test_a_blank_photo_has_no_digit(kind):
    with pytest.raises(NoDigitError, match="no digit found"):
        digit_image.prepare(photos.blank(kind), name="blank photo")


def test_two_digits_in_a_row_are_both_read_left_to_right(clean_drawings):
    """A 7 and a smaller 4 beside it: a number of two digits, each with its own box and 28×28."""
    im = draw_digit(DIGITS[7], (600, 300), box=(0.05, 0.1, 0.45, 0.9))
    small_four = draw_digit(DIGITS[4], (200, 200))
    im.paste(small_four.resize((180, 180)), (380, 60))
    prepared = digit_image.prepare(im)
    assert len(prepared.images) == 2 and len(prepared.boxes) == 2
    assert prepared.boxes[0][2] < prepared.picture.width / 2 <= prepared.boxes[1][0]  # the 7 first, then the 4
    seven_alone = digit_image.prepare(draw_digit(DIGITS[7], (600, 300), box=(0.05, 0.1, 0.45, 0.9))).image
    assert similarity(prepared.images[0], seven_alone) >= 0.95
    four_alone = digit_image.prepare(draw_digit(DIGITS[4], (280, 280))).image
    assert similarity(prepared.images[1], four_alone) >= 0.85


def test_bytes_and_images_as_well_as_paths(reference, tmp_path):
    im = draw_digit(TWO, (280, 280))
    im.save(tmp_path / "two.png")
    from_bytes = digit_image.prepare((tmp_path / "two.png").read_bytes(), name="the drawing")
    np.testing.assert_array_equal(from_bytes.image, reference)
    np.testing.assert_array_equal(digit_image.prepare(im).image, reference)
    with pytest.raises(
        ImageError, match=r"^the drawing is not an image that can be read \(PNG, JPEG, GIF, TIFF, BMP, WebP\)$"
    ):  # no file advice
        digit_image.prepare(b"<html>", name="the drawing")


def test_a_header_claiming_too_many_pixels_is_refused_before_decoding(tmp_path):
    Image.new("1", (6000, 6000), 1).save(tmp_path / "claim.png")  # a few kB claiming 36 Mpixel
    data = (tmp_path / "claim.png").read_bytes()
    with pytest.raises(ImageTooLargeError, match="6000×6000 pixels, more than the 4,000,000 allowed"):
        digit_image.prepare(data, name="the drawing", max_pixels=4_000_000)


def test_contact_sheet_shows_picture_box_ink_and_input(tmp_path):
    prepared = digit_image.prepare(photos.sheet_on_desk(DIGITS[2]))
    path = digit_image.save_contact_sheet(prepared, tmp_path / "sheet.png")
    sheet = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert sheet.shape[0] == digit_image.SHEET_HEIGHT + 30
    red = (sheet[..., 0] > 200) & (sheet[..., 1] < 80) & (sheet[..., 2] < 80)
    assert red.sum() > 200  # the digit's box is drawn
    x0, y0, x1, y1 = prepared.box
    assert prepared.kept[y0:y1, x0:x1].sum() == prepared.kept.sum()  # the box holds all the ink kept


def test_contact_sheet_captions_of_a_narrow_picture_do_not_run_into_each_other(tmp_path):
    """A tall, narrow picture (a tight crop) makes a narrow first panel: its caption ("the picture,
    digit boxed") ran into the next one's; each panel now takes at least its caption's width."""
    narrow = draw_digit(TWO, (280, 280)).crop((80, 0, 200, 280))
    prepared = digit_image.prepare(narrow)
    sheet = np.asarray(Image.open(digit_image.save_contact_sheet(prepared, tmp_path / "sheet.png")).convert("L"))
    font = digit_image._caption_font()
    first = font.getlength("the picture, digit boxed")
    picture_width = round(narrow.width * digit_image.SHEET_HEIGHT / narrow.height)
    assert first > picture_width  # the caption is wider than its panel
    gap = 8
    assert (sheet[:20, gap + round(first) : gap + round(first) + gap] > 200).all()  # white after the first caption


def test_float_tiff_with_values_from_0_to_1(reference, tmp_path):
    grey = np.asarray(draw_digit(TWO, (280, 280)).convert("L"), np.float32) / 255.0
    Image.fromarray(grey, mode="F").save(tmp_path / "float.tif")
    assert similarity(digit_image.to_mnist(tmp_path / "float.tif"), reference) >= 0.95


def test_paths_that_are_not_readable_images_say_why(tmp_path):
    import os

    (tmp_path / "loop.png").symlink_to(tmp_path / "loop.png")
    os.mkfifo(tmp_path / "pipe.png")
    (tmp_path / "drawings").mkdir()
    (tmp_path / "dangling.png").symlink_to(tmp_path / "gone.png")
    cases = {
        "loop.png": r"loop of symbolic links; give the path of an image \(PNG",
        "pipe.png": "is a pipe, not an image file",
        "dangling.png": "a link to a missing file",
        "drawings": r"is a folder, not an image file; give the images in it \(.*drawings/\*\.png\)",
    }
    for name, message in cases.items():
        with pytest.raises(ImageError, match=message):
            digit_image.prepare(tmp_path / name)
    with pytest.raises(ImageError, match="empty file name"):
        digit_image.prepare("")
    if os.geteuid() != 0:  # root reads any file
        draw_digit(TWO, (50, 50)).save(tmp_path / "locked.png")
        (tmp_path / "locked.png").chmod(0)
        with pytest.raises(ImageError, match="permission denied"):
            digit_image.prepare(tmp_path / "locked.png")


@pytest.mark.parametrize("digit", range(10))
def test_a_thick_pen_filling_the_canvas_stays_one_digit(digit):
    """MNIST's own pen (about 1/7 of the digit's height) on a canvas the digit nearly fills: the
    crossing of an 8 is more ink than paper there, and is still not taken for paper."""
    box = photos.square((467, 481), side=0.9)
    thick = digit_image.prepare(draw_digit(DIGITS[digit], (467, 481), box=box, pen=0.14))
    usual = digit_image.prepare(draw_digit(DIGITS[digit], (467, 481), box=box, pen=0.09))
    assert len(thick.images) == 1
    assert similarity(thick.image, usual.image) >= 0.85


@pytest.mark.parametrize("shape, size", [((50, 67), 25), ((48, 64), 3), ((31, 90), 17), ((5, 7), 9)])
def test_the_coarse_median_is_scipys_median_filter(shape, size):
    """_median (a row at a time, by partitioning) against ndimage.median_filter (mode "reflect"),
    on smooth and on noisy planes, windows larger than the plane included."""
    from scipy import ndimage

    rng = np.random.default_rng(size)
    smooth = np.linspace(0, 1, shape[1], dtype=np.float32)[None, :] * np.ones((shape[0], 1), np.float32)
    for plane in (rng.random(shape, dtype=np.float32), smooth + rng.normal(0, 0.01, shape).astype(np.float32)):
        assert np.array_equal(digit_image._median(plane, size), ndimage.median_filter(plane, size=size, mode="reflect"))


def test_holes_are_filled_as_scipy_fills_them():
    """_fill_holes (the paper labelled once) against ndimage.binary_fill_holes: random masks, rings,
    a hole touching the border (not a hole), an empty and a full mask."""
    from scipy import ndimage

    rng = np.random.default_rng(0)
    ring = np.pad(np.pad(np.zeros((3, 3), bool), 2, constant_values=True), 2)
    masks = [rng.random((40, 60)) < p for p in (0.3, 0.5, 0.6, 0.7)]
    masks += [ring, ring[:, 3:], np.zeros((6, 6), bool), np.ones((6, 6), bool)]
    for mask in masks:
        assert np.array_equal(digit_image._fill_holes(mask), ndimage.binary_fill_holes(mask))


@pytest.mark.parametrize("size", [2, 3, 4, 7])
def test_the_line_search_opens_the_ink_as_scipy_does(size):
    """_opened (1-D minimum then maximum filters) against ndimage.binary_opening with a column
    structure, odd and even sizes (an even one's origin is where the two differ if got wrong)."""
    from scipy import ndimage

    rng = np.random.default_rng(size)
    for p in (0.2, 0.5, 0.8):
        mask = rng.random((37, 51)) < p
        expected = ndimage.binary_opening(mask, structure=np.ones((size, 1), bool))
        assert np.array_equal(digit_image._opened(mask.view(np.uint8), size), expected)


def test_long_thin_lines_are_removed_and_the_strokes_crossing_them_kept():
    """_remove_lines: a ruled line across the picture and a grid's column go; a thick stroke that
    crosses the line, and a short thin one, stay."""
    mask = np.zeros((200, 300), bool)
    mask[100:102, :] = True  # a ruled line, 2 pixels thin
    mask[:, 40:42] = True  # a grid's column
    mask[60:160, 150:160] = True  # a thick stroke across the line
    mask[20:50, 200:202] = True  # a short thin stroke
    kept = digit_image._remove_lines(mask)
    assert not kept[100:102, 45:140].any() and not kept[5:90, 40:42].any()  # (not where the two cross)
    assert kept[60:160, 150:160].all() and kept[20:50, 200:202].all()


def test_a_pieces_depth_is_measured_in_its_own_box_as_in_the_whole_mask():
    """_pieces measures each piece's thickest stroke by the distance transform of the piece alone
    (its box and one pixel round): the same as the whole mask's, the nearest pixel not of the piece
    being paper."""
    from scipy import ndimage

    rng = np.random.default_rng(0)
    for p in (0.3, 0.5, 0.6):
        mask = ndimage.binary_opening(rng.random((80, 120)) < p)
        mask = np.pad(mask, ((0, 0), (0, 120)))  # on blank paper: random pixels all over are grain (_grain)
        ink = mask.astype(np.float32)
        whole = ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
        found = digit_image._pieces(ink, mask)
        assert found.pieces
        for piece in found.pieces:
            y0, x0, y1, x1 = piece.box
            own = found.labels[y0:y1, x0:x1] == piece.label
            assert piece.thick == 2.0 * whole[y0:y1, x0:x1][own].max()


@pytest.mark.parametrize("times", [1, 2, 4])
def test_masks_grow_as_scipy_dilates_them(times):
    """_grown (shifted copies) against ndimage.binary_dilation with its cross, `times` iterations."""
    from scipy import ndimage

    rng = np.random.default_rng(times)
    for shape, p in (((30, 45), 0.02), ((1, 9), 0.3), ((64, 64), 0.2), ((5, 1), 0.5)):
        mask = rng.random(shape) < p
        assert np.array_equal(digit_image._grown(mask, times), ndimage.binary_dilation(mask, iterations=times))


def test_a_ring_round_a_digit_is_a_frame_and_a_slash_beside_a_ring_is_not():
    """_pieces: a circle drawn round a digit, clear of it, is a frame (a circled answer); a % sign's
    slash, whose box holds one of its small rings, is not round it (its ring was read as a circled 0)."""
    from PIL import ImageDraw

    circled = Image.new("L", (300, 300), 0)
    draw = ImageDraw.Draw(circled)
    draw.ellipse((30, 30, 270, 270), outline=255, width=6)
    draw.line((150, 90, 150, 210), fill=255, width=12)  # a 1
    percent = Image.new("L", (300, 300), 0)
    draw = ImageDraw.Draw(percent)
    draw.line((60, 290, 240, 10), fill=255, width=8)  # leaning as a 1 may
    draw.ellipse((70, 25, 150, 125), outline=255, width=7)  # inside the slash's box, on two sides of it
    draw.ellipse((245, 220, 295, 290), outline=255, width=7)
    for im, frames in ((circled, 1), (percent, 0)):
        mask = np.asarray(im) > 127
        found = digit_image._pieces(mask.astype(np.float32), mask)
        assert sum(p.why == "frame" for p in found.pieces) == frames
