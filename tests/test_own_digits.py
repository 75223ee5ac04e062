"""tests/own_digits.py, the survey's picture maker: deterministic, honest answers, pictures as promised."""

import io

import numpy as np
import own_digits
import pytest
from PIL import Image
from scipy import ndimage

PER_FAMILY = 2


@pytest.fixture(scope="module")
def made():
    return {family: own_digits.generate(family, PER_FAMILY, seed=5) for family in own_digits.FAMILIES}


def as_bytes(item):
    if isinstance(item.image, bytes):
        return item.image
    return item.image.tobytes() + repr((item.image.mode, item.image.size)).encode()


@pytest.mark.parametrize("family", ["drawing", "desk", "screen", "exif", "notdigit_face", "number_touching_photo"])
def test_same_seed_same_pictures(made, family):
    again = own_digits.generate(family, PER_FAMILY, seed=5)
    assert [as_bytes(a) for a in again] == [as_bytes(b) for b in made[family]]
    other = own_digits.generate(family, PER_FAMILY, seed=6)
    assert [as_bytes(a) for a in other] != [as_bytes(b) for b in made[family]]


def test_every_family_gives_the_answer_it_promises(made):
    _, labels = own_digits.mnist_test()
    for family, items in made.items():
        assert len(items) == PER_FAMILY
        for item in items:
            assert item.family == family
            assert all(i >= own_digits.FIRST_INDEX for i in item.indices), (family, item.indices)
            if family.startswith("notdigit"):
                assert item.answer is None and item.indices == ()
            elif family == "printed":
                assert item.answer in "0123456789" and len(item.answer) == 1
            elif family.startswith("number"):
                assert 2 <= len(item.indices) <= 5
                assert item.answer == "".join(str(labels[i]) for i in item.indices)
            else:
                assert item.answer == str(labels[item.indices[0]]) and len(item.indices) == 1


def test_pictures_are_images_of_a_sane_size(made):
    for family, items in made.items():
        for item in items:
            if isinstance(item.image, bytes):
                with Image.open(io.BytesIO(item.image)) as im:
                    assert im.format == "JPEG", family
                    orientation = im.getexif().get(0x0112)
                    assert (orientation in (3, 6, 8)) == (family == "exif"), (family, orientation)
                    size, mode = im.size, im.mode
            else:
                size, mode = item.image.size, item.image.mode
            assert mode in ("RGB", "L"), (family, mode)
            smallest = 28 if family in ("mnist", "notdigit_noise") else 40  # MNIST's size
            assert min(size) >= smallest and max(size) <= 1300, (family, size)


def ink_box(item, level=250):
    """Rows and columns of the picture darker than `level` (the picture is dark ink on light)."""
    ink = np.asarray(item.image.convert("L")) < level
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    return rows[0], ink.shape[0] - 1 - rows[-1], cols[0], ink.shape[1] - 1 - cols[-1]


def test_tight_crops_touch_their_box_within_the_margin():
    items = own_digits.generate("tight", 30, seed=1)
    margins = {item.info["margin"] for item in items}
    assert margins == {0, 1, 2, 3, 4}
    for item in items:
        margin, scale = item.info["margin"], item.info["scale"]
        for side in ink_box(item):
            assert margin * scale - scale <= side <= margin * scale + scale, (margin, scale, ink_box(item))


def stroke_width(mask):
    """Twice the median distance to the paper along the stroke's ridge (the distance's local maxima)."""
    edt = ndimage.distance_transform_edt(mask)
    ridge = mask & (edt == ndimage.maximum_filter(edt, size=5)) & (edt > 2)
    return 2 * float(np.median(edt[ridge]))


def test_thick_markers_are_15_to_22_percent_of_the_height():
    drawn = [item for item in own_digits.generate("thick", 10, seed=2) if not isinstance(item.image, bytes)]
    assert len(drawn) >= 5  # the others are the same marker digits photographed on paper
    for item in drawn:
        mask = np.asarray(item.image.convert("L")) < 128
        rows = np.flatnonzero(mask.any(1))
        share = stroke_width(mask) / (rows[-1] + 1 - rows[0])
        assert 0.13 <= share <= 0.25, (item.indices, item.info, share)
        assert share == pytest.approx(item.info["stroke"], abs=0.04)


def test_lowres_scans_are_small_digits_blown_up():
    for item in own_digits.generate("lowres", 6, seed=3):
        assert 8 <= item.info["height"] <= 16 and 64 <= item.image.height <= 160
        grey = np.asarray(item.image.convert("L"), np.float32)
        assert np.abs(np.diff(grey, axis=0)).max() < 140  # blurry: no sharp black-to-white step


@pytest.mark.parametrize("spacing", own_digits.SPACINGS)
def test_numbers_are_spaced_as_said(spacing):
    images, _ = own_digits.mnist_test()
    rng = np.random.default_rng(4)
    for _ in range(4):
        imgs = images[rng.integers(1000, 10000, 4)]
        layers = own_digits.number_layers(imgs, 80, spacing, rng)
        masks = [layer > 0.5 for layer in layers]
        for a, b in zip(masks, masks[1:], strict=False):
            joined = bool((ndimage.binary_dilation(a) & b).any())
            assert joined == (spacing == "touching"), spacing
            widths = [np.flatnonzero(m.any(0)) for m in (a, b)]
            gap = widths[1][0] - widths[0][-1]  # ink columns: gap of b's left edge from a's right edge
            mean_w = np.mean([w[-1] - w[0] for w in widths])
            if spacing == "apart":
                assert gap >= 0.2 * mean_w
            elif spacing == "close":
                assert gap <= 0.35 * mean_w  # 0-0.15 of the mean width, pushed apart if strokes met


def test_contact_sheet_shows_every_picture(made, tmp_path):
    items = made["exif"] + made["drawing"]
    path = own_digits.contact_sheet(items, tmp_path / "sheet.png")
    with Image.open(path) as sheet:
        assert sheet.size == (6 * 220, 236)
