"""Own digits as people make them, from many writers (MNIST's first 1,000 test digits, rendered by
tests/own_digits.py): each family read by `digit_image.prepare` into the 28×28s of its digits, left
to right, and what is not a digit refused. A digit counts as read when its 28×28 matches the same
MNIST digit prepared as a clean drawing (cosine similarity ≥ 0.85); the floors are the measured
rates less a margin. The survey (tests/survey.py) measures the same families on other digits with
a trained network; README gives its figures."""

from __future__ import annotations

import functools
import io
from types import SimpleNamespace

import numpy as np
import own_digits
import pytest
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage
from test_digit_image import similarity

from tutorial_kit import digit_image, digit_shapes
from tutorial_kit.errors import NoDigitError

SAMPLES = 10
DIGITS = own_digits.Digits(0)  # the suite's digits: MNIST's first 1,000 test digits


def read(item, judge=None) -> list[float] | None:
    """Each digit's similarity to its clean reference, or None when the number of digits is wrong
    or nothing was found (`judge`: prepare's network judging the cuts, if any)."""
    try:
        prepared = digit_image.prepare(item.image, judge=judge)
    except NoDigitError:
        return None
    if len(prepared.images) != len(item.indices):
        return None
    return [
        similarity(im, digit_shapes._as_drawn(DIGITS.images[i]))
        for im, i in zip(prepared.images, item.indices, strict=True)
    ]


def is_right(similar: list[float] | None) -> bool:
    """Read right: every digit found, each like its clean reference (read()'s similarities)."""
    return similar is not None and min(similar) >= 0.85


def count_right(items) -> int:
    """How many pictures are read right."""
    return sum(is_right(read(item)) for item in items)


@functools.cache
def readings(family: str, seed: int = 0, count: int = SAMPLES) -> tuple:
    """read() of each picture of a family, without a judge: made and read once for the tests that ask."""
    return tuple(read(item) for item in own_digits.generate(family, count, seed=seed, first_index=0))


def read_right(family: str, seed: int = 0, count: int = SAMPLES) -> int:
    return sum(is_right(similar) for similar in readings(family, seed, count))


def drawn(alpha: np.ndarray, judge=None) -> digit_image.Prepared:
    """A coverage (1 = ink) drawn in black on white with a 40-pixel margin, prepared."""
    h, w = alpha.shape
    canvas = np.ones((h + 80, w + 80), np.float32)
    canvas[40 : 40 + h, 40 : 40 + w] -= np.clip(alpha, 0, 1)
    return digit_image.prepare(Image.fromarray((np.clip(canvas, 0, 1) * 255).astype(np.uint8)), judge=judge)


@pytest.mark.parametrize(
    "family, floor",
    [
        ("drawing", 8), ("dark", 8), ("tight", 9), ("lowres", 9), ("thick", 9), ("screen", 9), ("desk", 7),
        ("lines", 8), ("grad", 8), ("dust", 8), ("exif", 8), ("shadow", 7), ("pencil", 8),
    ],
)  # fmt: skip
def test_each_family_of_pictures_is_read(family, floor):
    assert read_right(family) >= floor


@pytest.mark.parametrize("spacing, floor", [("apart", 9), ("close", 9)])
def test_a_number_drawn_in_a_row_is_read_digit_by_digit(spacing, floor):
    assert read_right(f"number_{spacing}_drawing") >= floor


def test_digits_that_touch_are_cut_apart_often():
    items = own_digits.generate("number_touching_drawing", SAMPLES, seed=0, first_index=0)
    assert sum(read(item) is not None for item in items) >= 5  # as many digits as were written


def test_touching_digits_whose_columns_overlap_are_parted_by_a_winding_cut():
    """Touching handwritten digits often reach under or over each other (a 7's bar over the next
    digit, a 2's tail under it): no straight cut parts them, a cut winding between their strokes
    does. Measured 31 of 60 (26 with straight cuts only)."""
    assert read_right("number_touching_drawing", 4, 30) + read_right("number_touching_drawing", 5, 30) >= 29


def test_a_part_as_wide_as_tall_may_still_hold_two_touching_digits():
    """Four touching digits in a row: a part of the cut as wide as tall is seldom one digit, so it
    pays for its width from 0.8 of its height and is cut again (4408 was read 408). Without a
    network: measured 55 of 100 rows read as their four digits (45 when parts paid from their height)."""
    rng = np.random.default_rng(0)
    right = 0
    for k in range(0, 400, 4):
        row = own_digits.number_alpha([DIGITS.images[i] for i in range(k, k + 4)], 100, "touching", rng)
        images = drawn(row).images
        right += len(images) == 4 and all(
            similarity(im, digit_shapes._as_drawn(DIGITS.images[i])) >= 0.75
            for im, i in zip(images, range(k, k + 4), strict=True)
        )
    assert right >= 52, right


def test_a_5_with_a_long_bar_stays_one_digit():
    """A 5's bar drawn long makes it wider than tall, so a cut is tried: the bar cut off is a part with
    next to no ink in the lower half of the row, a stroke, not a digit. Measured 60 of 60 (56 before,
    57 without that rule)."""
    fives = np.flatnonzero(DIGITS.labels[:1000] == 5)[:60]
    whole = 0
    for k in fives:
        alpha = np.clip(own_digits.digit_alpha(DIGITS.images[k], 100, 0.4), 0, 1)
        top = np.flatnonzero(alpha.max(axis=1) > 0.5)[0]
        right = np.flatnonzero(alpha[top : top + 6].max(axis=0) > 0.5)[-1]
        canvas = Image.new("L", (alpha.shape[1] + 260, alpha.shape[0] + 100), 255)
        canvas.paste(0, (50, 50), Image.fromarray((alpha * 255).astype(np.uint8)))
        ImageDraw.Draw(canvas).line((47 + right, 53 + top, 110 + right, 53 + top), fill=0, width=9)  # the bar, longer
        whole += len(digit_image.prepare(canvas).images) == 1
    assert whole >= 59


def test_two_digits_that_touch_into_a_square_are_cut_apart():
    """Two digits pushed together until they are no wider than tall: no wider than one digit, but
    looking like none (nor like a letter), so cut by recognition. Measured 22 of 30 (0 before)."""
    rng = np.random.default_rng(0)
    tried = right = 0
    for k in range(0, 200, 2):
        row = own_digits.number_alpha([DIGITS.images[k], DIGITS.images[k + 1]], 120, "touching", rng)
        h, w = row.shape
        if not 0.85 * h <= w <= 1.2 * h:
            continue
        images = drawn(row).images
        tried += 1
        right += len(images) == 2 and all(
            similarity(im, digit_shapes._as_drawn(DIGITS.images[i])) >= 0.75
            for im, i in zip(images, (k, k + 1), strict=False)
        )
    assert tried == 30 and right >= 18


def test_a_single_digit_with_a_wide_loop_is_not_cut_in_two():
    """A 6 or 9 whose loop is wide looks like no digit whole and like a stroke and a 0 cut (read
    "60"): a part of a piece no wider than a digit must span 0.8 of its height. MNIST's first 1,000
    test digits as 28×28 files: measured 2 read as two digits (4 before; from index 1,000 on, 10 of
    2,997, 18 before); the square pairs above and the numbers of the survey read as before."""
    cut = 0
    for i in range(1000):
        try:
            cut += len(digit_image.prepare(Image.fromarray(DIGITS.images[i])).images) > 1
        except NoDigitError:
            continue
    assert cut <= 3


def test_mnist_digits_as_28x28_files_look_like_digits():
    """A 28×28 (MNIST's own format) is enlarged before its pen is measured: at 28 pixels a stroke
    is three wide and the pen rules spoiled it (a quarter of MNIST's test digits looked unusual, 5 %
    too strange to read; now as a drawing of the same digits: 7 %, under 1 %)."""
    strangeness = np.concatenate(
        [digit_image.prepare(Image.fromarray(DIGITS.images[i])).strangeness for i in range(1000, 1300)]
    )
    assert np.median(strangeness) < 0.45  # measured 0.34 (0.53 at 28 pixels)
    assert np.mean(strangeness > digit_image.STRANGE) <= 0.025  # measured 0.01 (0.05)


def test_two_digits_joined_at_one_point_are_cut_apart_when_the_network_is_sure_of_the_whole():
    """Two digits pushed together until they touch, about as wide as tall: the piece may only just
    look like a digit while the network reads it surely as one (a 79 read 7), so with a network it
    is searched for cuts that cross one stroke. Here the judge is sure of every picture, as a
    network can be of the wrong one: measured 69 of 82 pairs read as their two digits (64 before);
    a single digit is never cut (300 of 300, both)."""

    def sure(images):
        return np.tile([[0.99] + [0.01 / 9] * 9], (len(images), 1))

    rng = np.random.default_rng(0)
    tried = right = unasked = 0
    for k in range(0, 400, 2):
        row = own_digits.number_alpha([DIGITS.images[k], DIGITS.images[k + 1]], 120, "touching", rng)
        if not 0.8 * row.shape[0] <= row.shape[1] <= 1.25 * row.shape[0]:
            continue
        images = drawn(row, sure).images
        tried += 1
        right += len(images) == 2 and all(
            similarity(im, digit_shapes._as_drawn(DIGITS.images[i])) >= 0.75
            for im, i in zip(images, (k, k + 1), strict=False)
        )
        alone = drawn(row)  # main.py prepares again, with its network, what a judge may cut
        unasked += len(images) == 2 and len(alone.images) == 1 and not alone.searched
    assert tried == 82 and right >= 67 and unasked == 0, (tried, right, unasked)
    whole = sum(len(drawn(own_digits.digit_alpha(DIGITS.images[k], 120, 0.4), sure).images) == 1 for k in range(300))
    assert whole >= 299


def test_a_piece_as_wide_as_the_other_digits_of_its_row_is_not_cut():
    """The digits of a row show how wide their writer makes a digit: a piece at most 1.5 times as
    wide as the widest other is one digit, however strange (an open 6 in a number written apart was
    cut into "10"). Two digits that touch, cut when alone, stay whole beside a digit as wide."""
    rng = np.random.default_rng(0)
    kept = cut = 0
    for k in range(0, 60, 2):
        row = np.clip(own_digits.number_alpha([DIGITS.images[k], DIGITS.images[k + 1]], 100, "touching", rng), 0, 1)
        mask = row > 0.5
        image = digit_image._digit_image(row, mask)
        cost = float(digit_shapes.strangeness(image[None])[0])
        alone = digit_image._split(row, mask, image, cost)
        if len(alone[0]) != 2:
            continue
        cut += 1
        width = np.ptp(np.flatnonzero(mask.any(axis=0))) + 1
        kept += len(digit_image._split(row, mask, image, cost, beside=width * 0.7)[0]) == 1
        assert len(digit_image._split(row, mask, image, cost, beside=width * 0.5)[0]) == 2
    assert cut >= 10 and kept == cut, (cut, kept)
    pairs = [  # a number written as two touching pairs: each pair is wide, no measure of one digit
        own_digits.number_alpha([DIGITS.images[k], DIGITS.images[k + 1]], 100, "touching", rng) for k in (100, 102)
    ]
    tall = max(p.shape[0] for p in pairs)
    row = np.hstack([np.pad(p, ((0, tall - p.shape[0]), (0, 0))) for p in (pairs[0], np.zeros((tall, 60)), pairs[1])])
    assert len(drawn(row).images) == 4


def test_a_cut_counts_the_strokes_it_crosses():
    """A cut down a ring crosses two strokes (a 0 is not two digits joined at one point); down
    two rings joined by a bar, one."""
    ring = np.zeros((40, 40), bool)
    yy, xx = np.mgrid[:40, :40]
    ring[(np.hypot(yy - 20, xx - 20) < 15) & (np.hypot(yy - 20, xx - 20) > 11)] = True
    assert digit_image._strokes_crossed(ring, np.full(40, 20)) == 2
    pair = np.hstack([ring, ring])
    pair[18:22, 34:46] = True
    assert digit_image._strokes_crossed(pair, np.full(40, 40)) == 1
    assert digit_image._strokes_crossed(pair, np.full(40, 2)) == 0


@pytest.mark.parametrize("angle", [8, 12, 16])
def test_a_number_written_at_a_slope_keeps_every_digit(angle):
    """A five-digit number turned as a sheet lies askew: the row is followed from digit to digit,
    not held to the band of its largest digit, whose far ends it leaves. Measured 16, 19, 14 of 20
    (10, 2, 1 held to the band); 18 of 20 level."""
    rng = np.random.default_rng(0)
    whole = 0
    for k in range(0, 100, 5):
        row = own_digits.number_alpha([DIGITS.images[i] for i in range(k, k + 5)], 60, "apart", rng)
        h, w = row.shape
        canvas = np.zeros((h + 300, w + 120), np.float32)
        canvas[150 : 150 + h, 60 : 60 + w] = row
        im = Image.fromarray(((1 - np.clip(canvas, 0, 1)) * 255).astype(np.uint8))
        whole += len(digit_image.prepare(im.rotate(angle, Image.Resampling.BICUBIC, fillcolor=255)).images) == 5
    assert whole >= 12


def test_a_stroke_far_along_the_row_is_not_part_of_the_number():
    """A margin line's piece, as tall as the digits but four digit-widths away: a gap that wide ends
    the number (more than 1.5 digit heights), so it is left out, not read as a leading 1 (20 of 20; 0 before)."""
    rng = np.random.default_rng(0)
    two = 0
    for k in range(0, 40, 2):
        row = own_digits.number_alpha([DIGITS.images[k], DIGITS.images[k + 1]], 70, "apart", rng)
        h, w = row.shape
        canvas = np.zeros((h + 120, w + 420), np.float32)
        canvas[60 : 60 + h, 360 : 360 + w] = row
        im = Image.fromarray(((1 - np.clip(canvas, 0, 1)) * 255).astype(np.uint8))
        ImageDraw.Draw(im).line((80, 55, 80, 60 + h + 5), fill=0, width=5)
        prepared = digit_image.prepare(im)
        two += len(prepared.images) == 2 and "1 other mark left out" in prepared.notes[0]
    assert two >= 18


def test_a_number_photographed_is_read_digit_by_digit():
    assert read_right("number_apart_photo") >= 8


def test_a_photographed_number_keeps_the_digits_at_its_ends():
    """The light across a photo can lose a row's end digits in one ink map and not in another: the
    reading that holds every digit of the chosen one and others beside them is kept. Measured 47 of
    60 (44 when the ink map with the most ink in its largest digit is read alone)."""
    assert read_right("number_apart_photo", 2, 30) + read_right("number_apart_photo", 3, 30) >= 46


def test_a_photographed_number_in_small_close_digits_is_read_again_larger():
    """A photo is analysed reduced to 400 pixels, where small close digits blur into each other: a
    number in small digits is read again at the size it was opened at. Measured 33 of 60 (27 before)."""
    assert read_right("number_close_photo", 1, 30) + read_right("number_touching_photo", 1, 30) >= 31


@pytest.mark.parametrize("count", [2, 4])
def test_a_number_on_a_photo_darkened_towards_its_corners_is_read(count):
    """A vignette: the bright middle of the sheet is not light ink with the digits as its holes (a
    solid region holding the other polarity's digits is their paper). Before: 0 and 2 of 10."""
    right = 0
    y, x = np.mgrid[-1:1:300j, -1:1:400j]
    for k in range(10):
        indices = range(4 * k, 4 * k + count)
        row = own_digits.number_alpha([DIGITS.images[i] for i in indices], 60, "apart", np.random.default_rng(k))
        paper = 0.95 - 0.4 * (x**2 + y**2) / 2
        y0, x0 = (300 - row.shape[0]) // 2, (400 - row.shape[1]) // 2
        paper[y0 : y0 + row.shape[0], x0 : x0 + row.shape[1]] *= 1 - 0.7 * row
        item = own_digits.Item(Image.fromarray((paper * 255).astype(np.uint8)), "", "vignette", tuple(indices), {})
        right += is_right(read(item))
    assert right >= 9


def _on_paper(paper: np.ndarray, placed: list[tuple], darkness=0.8, pen=0) -> np.ndarray:
    """`paper` (grey, 0-1) with MNIST digits written on it: each (digit index, x, y, size in pixels),
    and its own darkness (a number, or one per pixel of the digit) if not `darkness`; `pen`: strokes
    widened by this many pixels (a marker)."""
    paper = paper.copy()
    for i, x, y, size, *own in placed:
        ink = np.asarray(Image.fromarray(DIGITS.images[i]).resize((size, size), Image.Resampling.BICUBIC)) / 255.0
        if pen:
            ink = ndimage.grey_dilation(ink, size=(pen, pen))
        paper[y : y + size, x : x + size] *= 1 - (own[0] if own else darkness) * ink
    return paper


def _item(paper: np.ndarray, indices) -> own_digits.Item:
    return own_digits.Item(Image.fromarray((np.clip(paper, 0, 1) * 255).astype(np.uint8)), "", "", tuple(indices), {})


def test_a_number_running_into_a_shadow_across_the_sheet_keeps_its_last_digit():
    """Paper that looks even but for a shadow along one side: against one paper tone the shadow is
    "ink" at the picture's edge, and the digit in it is lost in it; such a stretch (half the picture's
    side or longer) means the paper's local tone is looked at too. Before: 1 of 10 read whole."""
    items = []
    x = np.arange(400)[None, :] * np.ones((300, 1))
    for k in range(10):
        paper = 0.92 - 0.25 * np.clip((x - 280) / 40, 0, 1) + np.random.default_rng(k).normal(0, 0.01, x.shape)
        indices = range(4 * k, 4 * k + 4)
        items.append(_item(_on_paper(paper, [(i, 20 + 92 * j, 110, 70) for j, i in enumerate(indices)]), indices))
    assert count_right(items) >= 9


def _pen_running_dry(k: int) -> own_digits.Item:
    """A photo (1200×900, light falling off across it) of four MNIST digits 110 pixels tall, the
    top 45 % of one of them faint (a pen running dry)."""
    x = np.arange(1200)[None, :] * np.ones((900, 1))
    paper = 0.95 - 0.3 * x / 1200 + np.random.default_rng(k).normal(0, 0.01, x.shape)
    dry = np.full((110, 110), 0.8)
    dry[:49] = 0.35
    indices = range(4 * k, 4 * k + 4)
    placed = [(i, 60 + 143 * j, 395, 110, dry if j == k % 4 else 0.8) for j, i in enumerate(indices)]
    return _item(_on_paper(paper, placed), indices)


def test_a_number_whose_pen_ran_dry_keeps_its_faint_strokes():
    """A faint stroke of a photo is lost against one paper and kept against another: a digit found
    larger in another ink map, where what it adds is fainter ink of this one, is that digit whole;
    and the number, in small digits, read again larger, is taken only if that keeps every digit the
    first reading found (a stroke broken there is lost). Before: 10 of 30 read whole."""
    assert count_right([_pen_running_dry(k) for k in range(30)]) >= 14  # measured 16


def _reading(boxes, strangeness, shape) -> digit_image._Reading:
    """A reading of digits with these boxes (x0, y0, x1, y1) in a picture of `shape`."""
    masks = []
    for x0, y0, x1, y1 in boxes:
        masks.append(np.zeros(shape, bool))
        masks[-1][y0:y1, x0:x1] = True
    return digit_image._Reading(masks, np.zeros((len(boxes), 28, 28)), np.array(strangeness, float), [], 1.0, 1.0)


def test_a_number_read_again_larger_must_keep_the_digits_read_first():
    """Small digits are read again at twice the size, where digits that had blurred together come
    apart — but where a faint stroke may break off, or a bold digit look strange enough to be cut.
    The larger reading is taken only if it keeps each digit of the first."""
    first = _reading([(10, 10, 30, 40), (40, 10, 60, 40)], [0.5, 0.4], (60, 80))
    again = _reading([(20, 20, 60, 80), (80, 20, 120, 80)], [0.3, 0.3], (120, 160))
    assert digit_image._keeps_digits(first, again, 2.0)
    broken = _reading([(20, 20, 60, 40), (80, 20, 120, 80)], [0.3, 0.3], (120, 160))  # a 7's stem left
    assert not digit_image._keeps_digits(first, broken, 2.0)
    cut = _reading([(20, 20, 40, 80), (40, 20, 60, 80), (80, 20, 120, 80)], [0.9, 0.3, 0.3], (120, 160))
    assert not digit_image._keeps_digits(first, cut, 2.0)  # a part that looks like no digit: a bold 3 cut
    apart = _reading([(20, 20, 40, 80), (40, 20, 60, 80), (80, 20, 120, 80)], [0.4, 0.3, 0.3], (120, 160))
    assert digit_image._keeps_digits(first, apart, 2.0)  # two digits that had blurred into one


def test_a_lighter_patch_of_a_photo_is_no_canvas_when_its_edge_runs_through_a_digit():
    """A paint program's canvas holds the drawing whole: a lighter rectangle of a photo (paper beside
    a hard shadow) whose edge cuts through a digit is not read as one. Before: 0 of 10 read as two digits."""
    items = []
    for k in range(10):
        paper = np.full((300, 400), 0.8) + np.random.default_rng(k).normal(0, 0.01, (300, 400))
        paper[:, :230] += 0.15
        indices = (2 * k, 2 * k + 1)
        items.append(_item(_on_paper(paper, [(indices[0], 110, 100, 80), (indices[1], 190, 100, 80)]), indices))
    assert count_right(items) >= 9


def test_the_sheet_a_single_digit_is_written_on_is_not_taken_for_the_digit():
    """A sheet lit brighter in its middle (or bright against its desk) is no light-on-dark digit
    holding the dark digit written on it: that rule held only for a row of two digits or more.
    Photos of one digit on ruled or grid paper, on a desk, with a shadow or dust (120 of them): the
    box of the digit read covers over a quarter of the picture in none (3 before)."""
    sheets = 0
    for family in ("lines", "desk", "shadow", "dust"):
        for seed in (0, 1, 3):
            for item in own_digits.generate(family, 10, seed=seed, first_index=0):
                try:
                    prepared = digit_image.prepare(item.image)
                except NoDigitError:
                    continue
                w, h = prepared.picture.size
                sheets += any((x1 - x0) * (y1 - y0) > 0.25 * w * h for x0, y0, x1, y1 in prepared.boxes)
    assert sheets <= 1


def test_a_light_digit_is_not_paper_round_its_own_hole():
    """The other side of the rule above: the hole of a thick light-on-dark 8 may be read as one dark
    digit, far smaller than the 8 — the 8 is no sheet for it (one dark digit must be 16 times smaller
    than the light reading, a row 4 times). The survey's light-on-dark photos (seed 0): 20 of 20; 19
    with one digit held to a row's ratio (an 8 read as 4)."""
    assert count_right(own_digits.generate("dark", 20, seed=0)) >= 20


@pytest.mark.parametrize("kind, floor", [("speck", 8), ("underline", 8), ("cap", 8)])  # measured 9, 10, 9
def test_a_speck_an_underline_or_a_pen_cap_beside_a_digit_leaves_one_digit(kind, floor):
    assert read_right(f"beside_{kind}") >= floor


def test_a_pen_cap_longer_than_the_digit_is_left_out_even_beside_a_thick_marker_digit():
    """A solid bar without a hole at least 1.4 times as long as the digit beside it is tall is a pen
    cap, however thick the digit's strokes (a marker's are as thick as the cap), and it is not the
    digit the row is looked for from. Before: 7 of 10 read as the digit alone."""
    items = []
    cap = Image.new("L", (46, 150), 0)
    ImageDraw.Draw(cap).rounded_rectangle((0, 0, 45, 149), radius=22, fill=255)
    cap = cap.rotate(8, Image.Resampling.BICUBIC, expand=True)
    for k in range(10):
        items.append(_item(_on_paper(np.full((300, 400), 0.96), [(k, 60, 90, 112)], darkness=0.9, pen=7), [k]))
        items[-1].image.paste(20, (250, 70), cap)
    assert count_right(items) == 10


def test_a_short_dash_under_a_digit_is_an_underline_not_its_bar():
    """A flat stroke in the bottom quarter of a digit, too short to be taken for a ruled line, is an
    underline, not a bar of the digit (a 7 underlined reads 2). Before: 8 of 10 read as the digit alone."""
    items = []
    for k in range(10):
        items.append(_item(_on_paper(np.full((300, 300), 0.95), [(k, 94, 50, 112)]), [k]))
        ImageDraw.Draw(items[-1].image).line((125, 172, 175, 172), fill=30, width=10)
    assert count_right(items) == 10


def test_a_bold_1_in_a_number_is_a_digit_not_a_pen_cap():
    """A solid bar far thicker than the other digits' strokes is a pen cap only when it is also longer
    than they are tall: a 1 written with a marker between thin digits stays in the number (7 of 10 before)."""
    kept = 0
    others = [i for i in range(100) if DIGITS.labels[i] != 1]
    for k in range(10):
        im = Image.new("L", (420, 200), 255)
        for x, i in ((40, others[2 * k]), (200, others[2 * k + 1])):
            ink = Image.fromarray(DIGITS.images[i]).resize((84, 84), Image.Resampling.BICUBIC)
            im.paste(0, (x, 48), ink)
        ImageDraw.Draw(im).line((160, 60, 154, 122), fill=0, width=18)  # as tall as the digits, 3 × as thick
        kept += len(digit_image.prepare(im).images) == 3
    assert kept == 10


@pytest.mark.parametrize("margin", [0, 1, 2])
def test_a_digit_cropped_to_its_own_box_is_read(margin):
    """The crop people make after taking a photo: the ink touches the picture's edges."""
    right = 0
    for i in range(20):
        img = DIGITS.images[i]
        rows, cols = np.flatnonzero(img.any(axis=1)), np.flatnonzero(img.any(axis=0))
        crop = np.pad(img, margin)[rows[0] : rows[-1] + 1 + 2 * margin, cols[0] : cols[-1] + 1 + 2 * margin]
        im = Image.fromarray(255 - crop).resize((crop.shape[1] * 8, crop.shape[0] * 8), Image.Resampling.BICUBIC)
        prepared = digit_image.prepare(im)
        right += len(prepared.images) == 1 and similarity(prepared.image, digit_shapes._as_drawn(img)) >= 0.85
    assert right >= 18


def test_a_thick_marker_8_and_0_stay_whole():
    """A marker stroke ~20 % of the digit's height: the 8's loops and the 0's hole are not taken for ink."""
    items = [it for it in own_digits.generate("thick", 60, seed=1, first_index=0) if it.answer in ("8", "0")]
    assert {"8", "0"} <= {it.answer for it in items}
    assert count_right(items) >= 0.8 * len(items)


@pytest.mark.parametrize(
    "family, floor", [("notdigit_frame", 9), ("notdigit_dot", 7), ("notdigit_blob", 6), ("notdigit_blank", 8)]
)
def test_shapes_that_are_not_digits_are_refused(family, floor):
    """Refused: no digit found, or what is found does not look like one (digit_shapes). A blank sheet
    photographed on a desk, in a shadow: the slivers its edges cut are not ink on paper."""
    refused = 0
    for item in own_digits.generate(family, SAMPLES, seed=0, first_index=0):
        try:
            prepared = digit_image.prepare(item.image)
        except NoDigitError:
            refused += 1
            continue
        refused += bool(np.mean(prepared.strangeness) > digit_image.STRANGE)
    assert refused >= floor


@pytest.mark.parametrize("seed, index", [(1, 38), (91, 8), (91, 9), (91, 13)])
def test_a_blank_sheet_lit_between_shadows_is_no_digit(seed, index):
    """A band of light from edge to edge of a blank photo, between a shadow's sharp edge and paper
    darkening towards a corner, was read as a light 1 (99 %): one of its sides only fades."""
    item = own_digits.generate("notdigit_blank", index + 1, seed=seed, first_index=0)[index]
    with pytest.raises(NoDigitError):
        digit_image.prepare(item.image)


@pytest.mark.parametrize("seed, index", [(91, 0), (92, 4)])
def test_a_wedge_of_lit_paper_beside_a_blob_is_no_digit(seed, index):
    """A solid blob on a sheet half in shadow: the lit wedge of paper between the blob and the
    shadow's edge was read as a light 4 (99 %) or 1."""
    item = own_digits.generate("notdigit_blob", index + 1, seed=seed, first_index=0)[index]
    with pytest.raises(NoDigitError):
        digit_image.prepare(item.image)


def test_a_wide_printed_letter_is_not_cut_into_digits():
    """A printed M, m, u or w, wider than tall, looks like no digit: it was searched for touching
    digits and cut into "1111", "881" or "11" (half of these before). Whole, it is said to be a letter."""
    fonts = ["DejaVuSerif-Bold.ttf", "DejaVuSerif.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf", "cmr10.ttf",
             "DejaVuSans.ttf"]  # fmt: skip
    whole = 0
    for font, text in [(font, text) for font in fonts for text in "Mmuw"]:
        im = Image.new("L", (400, 300), 255)
        typeface = ImageFont.truetype(str(own_digits.FONT_DIR / font), 160)
        ImageDraw.Draw(im).text((200, 150), text, font=typeface, fill=0, anchor="mm")
        whole += len(digit_image.prepare(im).images) == 1
    assert whole >= 22


def test_a_digit_too_faint_to_read_is_called_too_faint():
    """A digit only 12 % darker than grainy white paper is refused (ink must stand out from the grain
    of even paper), and the refusal says so: 3 of 12 were called "only the picture's edges or
    background (a desk, a window frame)" or "only a straight line"."""
    rng = np.random.default_rng(0)
    for k in range(12):
        faint = own_digits.put(own_digits.digit_alpha(DIGITS.images[k], 200), (400, 400), (200, 200))
        plane = np.clip(0.9 - 0.12 * faint + rng.normal(0, 0.02, faint.shape), 0, 1)
        with pytest.raises(NoDigitError, match="too faint"):
            digit_image.prepare(Image.fromarray((plane * 255).round().astype(np.uint8)))


def test_a_question_or_exclamation_mark_is_no_digit_and_a_full_stop_leaves_the_digit():
    """A ? or a ! has a dot beneath it, in its column: the mark above was read 7 or 1 at 99.8 %, the
    dot left out. A full stop after a digit sits on its line, beside it: the digit is read."""
    for text in "?!":
        for font in ("DejaVuSans.ttf", "DejaVuSerif.ttf", "cmr10.ttf"):
            im = Image.new("L", (300, 300), 255)
            typeface = ImageFont.truetype(str(own_digits.FONT_DIR / font), 200)
            ImageDraw.Draw(im).text((150, 150), text, font=typeface, fill=0, anchor="mm")
            with pytest.raises(NoDigitError, match="question or exclamation mark"):
                digit_image.prepare(im)
    im = Image.new("L", (400, 300), 255)
    draw = ImageDraw.Draw(im)
    draw.arc((120, 40, 240, 150), start=180, end=60, fill=0, width=10)  # a hand-drawn ?: the hook,
    draw.line((205, 140, 180, 200), fill=0, width=10)
    draw.ellipse((172, 232, 190, 250), fill=0)  # its dot
    with pytest.raises(NoDigitError, match="question or exclamation mark"):
        digit_image.prepare(im)
    seven = own_digits.put(own_digits.digit_alpha(DIGITS.images[0], 180), (400, 300), (180, 150))
    stop = np.zeros_like(seven)
    stop[225:241, 262:278] = 1.0  # on the line, beside the 7
    seven = Image.fromarray(((1 - np.maximum(seven, stop)) * 255).round().astype(np.uint8))
    assert len(digit_image.prepare(seven).images) == 1


def test_a_digit_circled_is_read_without_its_ring():
    """A ring round a digit, clear of it (a form's circle or box, an answer circled by hand, perhaps
    not closed): the ring was read with the digit, an 8 at 99.9 % whatever the digit. 12 of 30 read
    before, 27 now."""
    assert count_right(own_digits.generate("circled", 30, seed=0, first_index=0)) >= 24


def test_pictures_of_noise_are_no_digit():
    """Random pixels — a learner's np.random.rand(28, 28) saved, a grainy texture photographed —
    were read as digits: clumps of noise taken for strokes, "88 (99.9 %, 93.5 %)"."""
    grain = 0
    for item in own_digits.generate("notdigit_noise", 20, seed=0, first_index=0):
        with pytest.raises(NoDigitError) as refused:
            digit_image.prepare(item.image)
        grain += "only grain or noise" in str(refused.value)
    assert grain >= 15  # the rest: a faint noise's darkest clump is only a dot or a line


@pytest.mark.parametrize("side", [28, 64, 640])
def test_a_16_bit_tiff_of_noise_is_only_grain(side):
    """Uniform noise as a 16-bit TIFF, the picture a learner's walkthrough found read "88"."""
    out = io.BytesIO()
    noise = np.random.default_rng(side).integers(0, 65536, (side, side), dtype=np.uint16)
    Image.fromarray(noise).save(out, format="TIFF")
    with pytest.raises(NoDigitError, match="only grain or noise"):
        digit_image.prepare(out.getvalue())


@pytest.mark.parametrize("fill", [(255, 205, 40), (90, 180, 255), (255, 120, 150)])
def test_an_emoji_face_is_no_digit(fill):
    """A face as an emoji: a disc filled with colour, outlined, eyes and an open mouth. The light
    paper inside the outline was taken for light ink, the eyes and mouth for its holes: "83"."""
    im = Image.new("RGB", (400, 400), (250, 245, 230))
    draw = ImageDraw.Draw(im)
    draw.ellipse((60, 60, 340, 340), fill=fill, outline=(120, 80, 0), width=6)
    for x in (135, 230):
        draw.ellipse((x, 140, x + 35, 190), fill=(60, 40, 20))
    draw.chord((120, 170, 280, 290), 0, 180, fill=(90, 30, 30))
    with pytest.raises(NoDigitError, match="only a drawn ring with marks inside it|only a filled shape with holes"):
        digit_image.prepare(im)


@pytest.mark.parametrize("fill", [(30, 30, 30), (40, 90, 200)])
@pytest.mark.parametrize("mouth", ["open", "o"])
def test_a_dark_face_with_light_eyes_and_mouth_is_no_digit(fill, mouth):
    """A face icon: a dark disc, its eyes and mouth left light (three holes: a digit has two at
    most). It was read as one digit (strangeness 1.0-1.3, below the refusal's)."""
    im = Image.new("RGB", (400, 400), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    draw.ellipse((60, 60, 340, 340), fill=fill)
    for x in (135, 230):
        draw.ellipse((x, 140, x + 35, 190), fill=(255, 255, 255))
    if mouth == "open":
        draw.chord((120, 170, 280, 290), 0, 180, fill=(255, 255, 255))
    else:
        draw.ellipse((175, 220, 225, 280), fill=(255, 255, 255))
    with pytest.raises(NoDigitError, match="only a filled shape with holes in it"):
        digit_image.prepare(im)


def test_a_slanted_line_is_only_a_line():
    for angle in (30, 45, 60, 90, 120, 135):  # a line through the centre at this angle: no 1 leans that far
        im = Image.new("L", (280, 280), 255)
        dx, dy = 90 * np.sin(np.radians(angle)), 90 * np.cos(np.radians(angle))
        ImageDraw.Draw(im).line((140 - dx, 140 - dy, 140 + dx, 140 + dy), fill=0, width=9)
        with pytest.raises(NoDigitError, match="only a straight line"):
            digit_image.prepare(im)


@pytest.mark.parametrize("length, angle", [(250, 30), (300, 0), (300, 30), (400, 0), (400, 150)])
def test_a_thick_bar_lying_down_or_slanting_is_only_a_line(length, angle):
    """A solid bar 2.5-4 times longer than wide (a strip of tape, a marker's stroke): cut into
    squares it was read 888888, 2 or 40. Standing up it is a bold 1; beside a digit, part of it."""
    im = Image.new("L", (length + 200, length + 200), 255)
    ImageDraw.Draw(im).rectangle((100, (length + 100) // 2, 100 + length, (length + 300) // 2), fill=0)
    with pytest.raises(NoDigitError, match="only a (straight line|solid blob)"):
        digit_image.prepare(im.rotate(angle, Image.Resampling.BICUBIC, fillcolor=255))
    if length >= 300:
        assert len(digit_image.prepare(im.rotate(90, fillcolor=255)).images) == 1


def test_a_thick_marker_5_keeps_its_bar_lying_apart():
    """A marker 5 whose bar, lifted off, is longer than the rest is tall: the bar is part of the 5."""
    im = Image.new("L", (400, 400), 255)
    draw = ImageDraw.Draw(im)
    draw.line((120, 122, 310, 107), fill=0, width=44)  # the bar, lifted off the body
    draw.line((135, 165, 125, 215), fill=0, width=44)  # down
    draw.arc((95, 180, 265, 320), start=-140, end=150, fill=0, width=44)  # the bowl
    prepared = digit_image.prepare(im)
    assert len(prepared.images) == 1 and prepared.boxes[0][1] < 110 and prepared.boxes[0][2] > 300, prepared.boxes


def test_a_1_leaning_as_mnist_writers_lean_it_is_not_a_line():
    """A 1 is one straight stroke: leaning up to 42° right or 20° left it is read (99 % of MNIST's
    one-stroke 1s lean less; lines leaning further are refused, the test above). MNIST's 1,135 test
    1s, each as its 28×28 PNG: 9 called "only a straight line" (25 up to 38°, 54 from -15° to 35°)."""
    lines = 0
    for i in np.flatnonzero(DIGITS.labels == 1):
        try:
            digit_image.prepare(Image.fromarray(DIGITS.images[i]))
        except NoDigitError as e:
            lines += "straight line" in str(e)
    assert lines <= 15


def test_letters_mostly_do_not_look_like_digits():
    strange = [
        float(np.mean(digit_image.prepare(item.image).strangeness))
        for item in own_digits.generate("notdigit_letter", 20, seed=0, first_index=0)
    ]
    assert np.mean(np.array(strange) > digit_image.UNSURE_STRANGE) >= 0.5


def refused_as_letters(family: str) -> int:
    said = 0
    for item in own_digits.generate(family, 20, seed=0, first_index=0):
        try:
            prepared = digit_image.prepare(item.image)
        except NoDigitError:
            continue
        unsure = np.full((len(prepared.images), 10), 0.1)
        said += "looks like the letter" in (digit_image.refusal(prepared, unsure) or "")
    return said


def test_printed_and_hand_drawn_letters_are_called_letters():
    """Rebuilt better by a printed letter's autoencoder than by any digit's: refused, the letter
    named. Measured 15 of 20 printed letters and 16 of 20 hand-drawn ones (none without the letters)."""
    assert refused_as_letters("notdigit_letter") >= 12
    assert refused_as_letters("notdigit_scrawl") >= 12


def test_the_shape_models_command_line_refuses_a_mistyped_flag_without_rebuilding():
    """`python -m tutorial_kit.digit_shapes --sgns` (or --help) rebuilt the whole shipped model: any
    argument but exactly --signs meant a full rebuild (30 s), which today moves every strangeness."""
    from helpers import assert_one_line_error, run_script

    shipped = digit_shapes.MODEL.read_bytes()
    result = run_script("-m", "tutorial_kit.digit_shapes", "--sgns")
    assert_one_line_error(result, "unrecognized arguments: --sgns")
    helped = run_script("-m", "tutorial_kit.digit_shapes", "--help")
    assert helped.returncode == 0 and "--signs" in helped.stdout and "Saved" not in helped.stdout
    assert digit_shapes.MODEL.read_bytes() == shipped


def test_printed_signs_are_called_signs_in_a_typeface_not_fitted():
    """# & * @ % $ in Pillow's own typeface (Aileron; the signs' autoencoders are fitted to
    matplotlib's fonts): & was read 6 at 99.6 %, $ 8, * 4 — now most are named. Its digits are not."""
    font = ImageFont.load_default(size=160)

    def named(char: str) -> str | None:
        im = Image.new("L", (300, 300), 255)
        ImageDraw.Draw(im).text((150, 150), char, font=font, fill=0, anchor="mm")
        return digit_shapes.letters(digit_image.prepare(im).images)[0]

    assert sum(named(sign) == sign for sign in digit_shapes.SIGNS) >= 4  # measured 4 of 6 (not & nor *)
    assert [named(digit) for digit in "0123456789"] == [None] * 10


def refused(strangeness: list[float], top: list[float], **levels) -> str | None:
    """digit_image.refusal of MNIST digits given their strangeness and the network's top probabilities."""
    n = len(strangeness)
    images = np.stack([digit_shapes._as_drawn(DIGITS.images[i]) for i in range(n)])
    probabilities = np.array([[p] + [(1 - p) / 9] * 9 for p in top])
    prepared = digit_image.Prepared(images, [(0, 0, 1, 1)] * n, [], np.array(strangeness), None, None)
    return digit_image.refusal(prepared, probabilities, **levels)


def test_a_number_with_one_unusual_digit_is_read_but_scrawl_is_not():
    """Each digit is judged as if alone; a number is read when at least half its digits would be (a
    "2026" whose first 2 is written oddly was refused as a whole when the digits' strangeness was averaged),
    unless one looks like nothing (NUMBER_STRANGEST: a face's eye and mouth cut apart were read "12")."""
    assert refused([0.78, 0.42, 0.90, 0.73], [0.77, 0.98, 0.98, 0.83]) is None
    assert refused([0.78, 1.2, 0.95, 1.1], [0.77, 0.6, 0.7, 0.9]) is not None
    assert refused([0.6], [0.5]) is None and refused([0.8], [0.7]) is not None  # one digit: as before
    assert refused([1.35, 0.5], [0.94, 0.9]) is None and refused([1.35, 1.9], [0.94, 0.9]) is not None


def test_the_stranger_a_digit_the_surer_the_network_must_be():
    """From strangeness 1 to 1.5 the network must be sure at 1 and the surer the stranger the digit,
    certain at 1.5; beyond, never read. A step to certain at 1.3 refused unusual hands just over 1
    that a default network was 60 % sure of (MNIST's test digits drawn as light on dark: a default
    network read 549 of 600 clean pictures → 552, 10,000 iterations 573 → 583, no more letters,
    faces or scrawls let through)."""
    default = {"sure": 0.49, "certain": 0.76}  # a network of the default 1000 iterations (prediction.sureness)
    assert refused([1.03], [0.62], **default) is None and refused([1.03], [0.45], **default) is not None
    assert refused([1.4], [0.75], **default) is None and refused([1.4], [0.65], **default) is not None
    assert refused([1.55], [0.999], **default) is not None
    assert refused([0.9], [0.5], **default) is None and refused([0.9], [0.48], **default) is not None


def test_no_mnist_or_printed_digit_is_taken_for_a_letter():
    """Refusing real digits is a failure too: none of 1,000 MNIST test digits (measured), nor printed digits."""
    written = np.stack([digit_shapes._as_drawn(DIGITS.images[i]) for i in range(1000)])
    assert sum(letter is not None for letter in digit_shapes.letters(written)) <= 2
    printed = np.concatenate([digit_shapes._printed(d, 10, seed=3) for d in range(10)])
    assert digit_shapes.letters(printed) == [None] * 100


def test_a_lighter_patch_of_white_paper_is_not_light_ink():
    """White paper a few percent lighter in a patch (a reflection, the grain) above a shadow is no
    light-on-dark digit: light ink needs a dark ground (PAPER_FLOOR). Without that, 2 of 10 were read."""
    for i in range(10):
        paper = np.full((300, 300), 0.9)
        paper[220 + 5 * i :, :] = 0.35
        digit = np.asarray(Image.fromarray(DIGITS.images[i]).resize((60, 60), Image.Resampling.BICUBIC)) / 255.0
        paper[140:200, 180:240] += 0.05 * digit
        paper += np.random.default_rng(i).normal(0, 0.005, paper.shape)
        with pytest.raises(NoDigitError):
            digit_image.prepare(Image.fromarray((np.clip(paper, 0, 1) * 255).astype(np.uint8)))


def test_mnist_digits_look_like_digits():
    """The other side of refusing: MNIST's own test digits, prepared as drawings, are not strange."""
    strange = digit_shapes.strangeness(np.stack([digit_shapes._as_drawn(DIGITS.images[i]) for i in range(300)]))
    assert np.mean(strange <= digit_image.STRANGE) >= 0.97


def test_main_py_refuses_a_face_and_a_letter_and_reads_the_digit_beside_them(trained, tmp_path):
    """End to end, with the suite's short-trained network: a face and a printed letter get an
    `error:` line naming the file (the network's closest answer said), the digit its
    prediction, exit status 2."""
    from helpers import ROOT, run_script

    checkpoints, _ = trained
    face = next(
        it
        for it in own_digits.generate("notdigit_face", 10, seed=0, first_index=0)
        if isinstance(it.image, Image.Image)
    )
    face.image.save(tmp_path / "face.png")
    im = Image.new("L", (240, 240), 255)
    ImageDraw.Draw(im).text((50, 20), "K", font=own_digits._font(np.random.default_rng(0), 160), fill=0)
    im.save(tmp_path / "letter.png")
    digit = own_digits.generate("drawing", 1, seed=0, first_index=0)[0]
    digit.image.save(tmp_path / "digit.png")
    paths = [tmp_path / "face.png", tmp_path / "letter.png", tmp_path / "digit.png"]
    result = run_script(ROOT / "main.py", "--predict", *paths, "--checkpoint-dir", checkpoints)
    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2
    assert all(line.startswith("error: ") and "closest" in line or "no digit found" in line for line in errors)
    assert "face.png" in errors[0] and "letter.png" in errors[1] and "looks like the letter K" in errors[1]
    assert [line for line in result.stdout.splitlines() if line.startswith("Prediction for")] == [
        line for line in result.stdout.splitlines() if "digit.png" in line
    ]


@pytest.mark.parametrize("angle", [0, 12, 33])
@pytest.mark.parametrize("rounded", [False, True])
def test_a_box_drawn_at_an_angle_is_a_frame_not_a_0(angle, rounded):
    """Corners rounded or not, turned or not: a ring as rectangular as a box is no oval 0."""
    im = Image.new("L", (300, 300), 255)
    box = (60, 90, 240, 210)
    if rounded:
        ImageDraw.Draw(im).rounded_rectangle(box, radius=25, outline=0, width=10)
    else:
        ImageDraw.Draw(im).rectangle(box, outline=0, width=10)
    with pytest.raises(NoDigitError, match="only a frame"):
        digit_image.prepare(im.rotate(angle, Image.Resampling.BICUBIC, fillcolor=255))


def test_a_blob_on_a_sheet_on_a_dark_desk_is_not_a_0():
    """The sheet is lighter than the desk, the blob a hole in it: neither a light-on-dark 0 nor a digit."""
    im = Image.new("RGB", (320, 320), (60, 45, 35))
    sheet = Image.new("RGB", (200, 240), (235, 232, 225))
    ImageDraw.Draw(sheet).ellipse((60, 80, 140, 150), fill=(20, 20, 20))
    im.paste(sheet.rotate(8, Image.Resampling.BICUBIC, expand=True, fillcolor=(60, 45, 35)), (40, 20))
    with pytest.raises(NoDigitError):
        digit_image.prepare(im)


def _large_blob_on_a_desk(k: int):
    """A photo of a sheet on a desk, an irregular blot of ink on it 0.6-0.9 of the sheet's shorter side."""
    rng = np.random.default_rng([k, 77])
    alpha = own_digits.blob_alpha(rng, (0.3, 0.45), (0.7, 1.4))
    size = own_digits.PHOTO_SIZES[rng.integers(len(own_digits.PHOTO_SIZES))]
    return own_digits.photo(rng, size, lambda size: [(alpha(size), (0.05, 0.05, 0.05))], on_desk=True)[0]


def test_a_large_blob_on_a_sheet_on_a_desk_is_no_digit():
    """Seen as light ink, the sheet round a blot is a wide band round a hole: straight-sided outside,
    so paper (a blob), not a light 0 (read 0 at 100 %). Measured 22 of 30 refused (17 before, 19
    without the rim rule; 24 with the lit sheet's rule since)."""
    refused = 0
    for k in range(30):
        try:
            digit_image.prepare(_large_blob_on_a_desk(k))
        except NoDigitError:
            refused += 1
    assert refused >= 20


def test_a_blob_is_called_a_blob():
    """The refusal says what was seen: against a local paper a blob's middle is paper and its rim a
    "straight line", which was said instead of the blob (9 of 30; a lit sheet is paper, no blob)."""
    said = []
    for item in own_digits.generate("notdigit_blob", 30, seed=0, first_index=0):
        with pytest.raises(NoDigitError) as refusal:
            digit_image.prepare(item.image)
        said.append("only a solid blob" in str(refusal.value))
    assert sum(said) >= 27


@functools.cache
def _blank_sheets_on_desks(salt: int, count: int = 40):
    """(refused, said "only a straight line"): blank sheets photographed on desks, prepared; refused
    when no digit is found or what is found is too strange. Made and read once for the tests that ask."""
    refused = lines = 0
    for k in range(count):
        rng = np.random.default_rng([k, salt])
        size = own_digits.PHOTO_SIZES[rng.integers(len(own_digits.PHOTO_SIZES))]
        try:
            prepared = digit_image.prepare(own_digits.photo(rng, size, lambda size: [], on_desk=True)[0])
        except NoDigitError as e:
            refused += 1
            lines += "only a straight line" in str(e)
            continue
        refused += bool(np.mean(prepared.strangeness) > digit_image.STRANGE)
    return refused, lines


def test_a_blank_sheet_on_a_desk_is_no_light_digit():
    """A sheet lit brighter than the desk it lies on: light "ink" there is the sheet (a lit patch the
    rule for its corner left when nothing else was found) or a sheen of the desk beside its edge, read
    as a light 1 or 4. Blank sheets on desks: 36 of 40 refused (33 before). And a refusal does not
    say "only a straight line" for a sliver along the sheet's edge (22 of 40 did, then 7) nor for a
    wooden desk's stripes (12 once the desk's grain was refused too; now 5, 2 of another 40)."""
    refused, lines = _blank_sheets_on_desks(55)
    assert refused >= 35
    assert lines <= 8
    assert _blank_sheets_on_desks(91)[1] <= 4


def test_a_clump_of_a_desks_grain_beside_a_blank_sheet_is_no_digit():
    """A clump of a mottled desk's or a wood grain's texture stands out from the desk round it only
    4-7 times the desk's own grain (ink 10 times or more: _stands_out); read, it was a 1, 4 or 8 at
    90-99 %. Blank sheets on desks, two sets of 40: 36 and 38 refused before, 40 and 39 now."""
    assert sum(_blank_sheets_on_desks(salt)[0] for salt in (55, 91)) >= 77


def test_ink_stands_out_from_its_paper_and_a_desks_grain_does_not():
    """_stands_out on pictures made here: a pale pencil-grey stroke on grainy paper stands out; the
    darkest clump of a mottled texture with nothing drawn on it does not."""
    rng = np.random.default_rng(5)
    texture = 0.6 + 0.03 * ndimage.gaussian_filter(rng.normal(size=(200, 200)), 2) / 0.14
    clump = texture < np.quantile(texture, 0.01)
    clump = ndimage.label(clump)[0] == np.bincount(ndimage.label(clump)[0].ravel())[1:].argmax() + 1
    reading = SimpleNamespace(masks=[clump])
    assert not digit_image._stands_out(reading, texture.astype(np.float32))
    paper = 0.85 + 0.01 * rng.normal(size=(200, 200))
    stroke = np.zeros((200, 200), bool)
    stroke[60:140, 98:103] = True
    paper[stroke] -= 0.12  # pencil: 12 % darker than its paper, paper grain 1 %
    assert digit_image._stands_out(SimpleNamespace(masks=[stroke]), paper.astype(np.float32))


def test_a_big_bold_printed_digit_with_loops_is_no_blob():
    """A bold digit printed large (its glyph 55-85 % of the picture) fills half its box in strokes
    of many widths, as a blob does; but a blob has no holes, and a bold 9's, 8's or 0's loops are
    holes (a learner's bold serif 9 was refused as "only a solid blob"). Of 120 (four bold fonts,
    three sizes), 12 were called blobs before, 3 now (solid bold 1s and 7s the largest)."""
    found = blobs = 0
    for font in ("DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf", "STIXGeneralBol.ttf", "DejaVuSansMono-Bold.ttf"):
        for share in (0.55, 0.7, 0.85):
            for digit in "0123456789":
                im = Image.new("L", (300, 300), 255)
                face = ImageFont.truetype(str(own_digits.FONT_DIR / font), round(300 * share * 1.3))
                ImageDraw.Draw(im).text((150, 150), digit, fill=0, font=face, anchor="mm")
                try:
                    digit_image.prepare(im)
                    found += 1
                except NoDigitError as e:
                    blobs += "only a solid blob" in str(e)
    assert found >= 114 and blobs <= 4


def test_a_digit_on_paper_darkened_towards_one_side_is_found():
    """A smooth vignette splits into two tones against one paper tone; the local paper finds the digit."""
    ramp = np.linspace(0.95, 0.55, 300)[None, :] * np.ones((400, 1))
    digit = np.asarray(Image.fromarray(DIGITS.images[11]).resize((70, 70), Image.Resampling.BICUBIC)) / 255.0
    ramp[250:320, 200:270] *= 1 - 0.7 * digit
    prepared = digit_image.prepare(Image.fromarray((ramp * 255).astype(np.uint8)))
    assert len(prepared.images) == 1
    assert similarity(prepared.image, digit_shapes._as_drawn(DIGITS.images[11])) >= 0.85


def test_a_sheet_seen_at_a_slant_on_a_dark_desk_is_not_a_digit():
    """A blank sheet photographed from the side is a trapezoid: straight-sided, so paper, not ink."""
    im = Image.new("RGB", (400, 300), (50, 40, 35))
    ImageDraw.Draw(im).polygon([(70, 40), (330, 60), (370, 270), (30, 250)], fill=(230, 228, 220))
    with pytest.raises(NoDigitError):
        digit_image.prepare(im)


def test_a_patch_of_shadow_or_desk_is_not_taken_for_the_digit():
    """Photos with a hard shadow or ruled paper, where a patch of shadow, desk or sheet is larger than
    the digit: a patch is no pen stroke (deep in its middle, thin in its arms), so the digit is read.
    Measured 50 of 60 (46 when patches may be digits)."""
    assert read_right("shadow", 5, 30) + read_right("lines", 5, 30) >= 48


def test_a_pencil_digit_on_a_sheet_on_a_dark_desk_is_read():
    """A grey pencil digit on a sheet with a desk round it: the desk by the sheet's edge is the
    darkest "ink" against the local paper, the pencil lighter than half of it; its strokes are then
    measured by their own darkness. Measured 16 of 20 (12 before)."""

    def pencil_on_desk(k):
        rng = np.random.default_rng([k, 7])
        (i,) = DIGITS.pick(rng)
        grey = rng.uniform(0.45, 0.6)
        layers = own_digits._digit_on_sheet(DIGITS.images[i], rng, ink=(grey, grey, grey))
        image, _ = own_digits.photo(rng, (800, 600), layers, on_desk=True, shadow=0.0)
        return own_digits.Item(image, DIGITS.answer([i]), "pencil", (i,))

    assert count_right(pencil_on_desk(k) for k in range(20)) >= 15


def test_a_lit_corner_of_the_sheet_is_not_a_light_digit():
    """A sheet on a desk, its corner lit brighter than the desk and the shade beside it: that corner
    is part of the sheet, lighter than ink-on-paper anywhere, not a light digit outweighing the dark
    one written on the sheet (one photo in about 300 of the desk, shadow and printed families)."""
    handwritten = own_digits.generate("desk", 34, seed=1, first_index=0)[33]  # an 8 read as its sheet's corner
    assert is_right(read(handwritten))
    printed = own_digits.generate("printed", 9, seed=204)[8]  # an 8 photographed on a sheet: read 2
    prepared = digit_image.prepare(printed.image)
    dark = np.asarray(prepared.picture.convert("L"), np.float32)
    assert len(prepared.images) == 1 and dark[prepared.kept].mean() < 0.8 * np.median(dark)  # dark ink was read


def _shadow_through(paper: np.ndarray, rng, x0: int, y0: int, size: int, depth: float = 0.4) -> np.ndarray:
    """`paper` under a hard shadow whose edge, slanted either way, runs through the square of side
    `size` at (x0, y0)."""
    ys, xs = np.mgrid[: paper.shape[0], : paper.shape[1]]
    edge = (xs - x0 - size * rng.uniform(0.35, 0.65)) + rng.uniform(-0.5, 0.5) * (ys - y0 - size / 2)
    shadow = (edge < 0) if rng.random() < 0.5 else (edge >= 0)
    return paper * ndimage.gaussian_filter(np.where(shadow, 1 - depth, 1.0), 1.0)


def _across_a_shadow(k: int) -> own_digits.Item:
    """MNIST's test digit k on grey paper, a hard shadow's edge running through it."""
    rng = np.random.default_rng(k)
    x0, y0, size = int(rng.integers(100, 220)), int(rng.integers(60, 160)), 80
    paper = _on_paper(0.9 + rng.normal(0, 0.01, (300, 400)), [(k, x0, y0, size)])
    return _item(_shadow_through(paper, rng, x0, y0, size), [k])


def test_a_digit_crossing_a_shadows_edge_is_kept_whole():
    """Against the local paper, ink on a hard shadow's edge is left out (the edge is no ink), which
    cut a digit written across it into strokes, and the largest stroke alone was read (a 3 as a 7):
    the ink on the edge that runs between pieces joins them when that makes more of a digit, and
    where its strokes on the edge are too wide to bridge, the ink against the paper alone, edges
    kept, makes it whole. Measured 30 of 30 read whole (8 before the joining, 23 before the edges
    kept; of digits 100-199, 59 -> 84)."""
    assert count_right(_across_a_shadow(k) for k in range(30)) >= 26


def test_shadow_photos_of_other_writers_are_read():
    """Phone photos with a hard shadow, of MNIST's test digits from 1,000 on (the survey's samples,
    seeds 61, 62 and 71): a faint patch of shadow along a side is no part of the digit beside it,
    nor a lit patch of the sheet a light digit; a digit broken by a shadow's edge is joined: its
    pieces stacked in its column, its faint stretch in the shadow, where the paper looked even beside
    a straight shadow edge too, and where a light sliver of the sheet beside it outweighed it.
    Measured 84 of 90 (78 before)."""
    items = [item for seed in (61, 62, 71) for item in own_digits.generate("shadow", 30, seed)]
    assert count_right(items) >= 82


def test_a_striped_desk_in_a_shadow_is_no_digit_round_the_one_on_the_sheet():
    """Against one paper tone, a striped desk and a shadow across it and the sheet were one "digit"
    the size of the picture, outweighing the 7 found against the local paper: "ink" less than half
    as dark as that digit's, round it, is shade or desk. The survey's desk photo (seed 61, the 27th)
    where this was seen; of the 120 desk photos of seeds 61, 63, 65 and 66 it is the one changed."""
    item = own_digits.generate("desk", 27, 61)[26]
    assert is_right(read(item))


def _skipped(k: int) -> own_digits.Item:
    """MNIST's test digit k on grey paper, where the pen skipped: two thin gaps across it."""
    rng = np.random.default_rng(k)
    x0, y0 = int(rng.integers(100, 220)), int(rng.integers(60, 160))
    paper = _on_paper(0.9 + rng.normal(0, 0.01, (300, 400)), [(k, x0, y0, 100)])
    for y in rng.choice(np.arange(25, 75), 2, replace=False):
        paper[y0 + y : y0 + y + 3, x0 : x0 + 100] = 0.9
    return _item(paper, [k])


def test_a_digit_broken_across_is_read_whole():
    """A digit broken into pieces stacked one above another (a pen that skipped, strokes cut by a
    shadow's edge) was read as its largest piece when that was a part shorter than the others'
    gaps (a 3 read as its lower curve, the rest "left out as another row"): pieces close above or
    below the digit as it grows, in its column, are its own. Measured 25 of 40 (13 before)."""
    assert count_right(_skipped(k) for k in range(40)) >= 22


def test_a_box_drawn_across_a_shadows_edge_is_only_a_frame():
    """Broken where a shadow's edge crosses it, a box was read as a 0 or a 1; joined across the edge,
    its pieces are one frame. Measured 11 of 20 refused as a frame (none before; most of the others
    read the paper inside the box on the lit side as a light 1)."""
    frames = 0
    for k in range(20):
        rng = np.random.default_rng(k)
        x0, y0, size = int(rng.integers(60, 200)), int(rng.integers(30, 100)), int(rng.integers(80, 170))
        im = Image.new("L", (400, 300), 230)
        box = (x0, y0, x0 + round(size * rng.uniform(0.5, 1.0)), y0 + size)
        ImageDraw.Draw(im).rounded_rectangle(
            box, radius=int(rng.integers(0, 20)), outline=30, width=int(rng.integers(3, 8))
        )
        paper = np.asarray(im, np.float32) / 255 + rng.normal(0, 0.01, (300, 400))
        shaded = _shadow_through(paper, rng, x0, y0, size)
        try:
            digit_image.prepare(Image.fromarray((np.clip(shaded, 0, 1) * 255).astype(np.uint8)))
        except NoDigitError as e:
            frames += "only a frame" in str(e)
    assert frames >= 9


def test_a_faint_pencil_digit_on_unevenly_lit_paper_is_read():
    """Ink only 30 % darker than its paper, the light falling off across the sheet: found against the
    local paper (a floor on the local contrast that refuses more blank photos would lose these)."""
    right = 0
    for i in range(10):
        paper = np.linspace(0.95, 0.6, 400)[None, :] * np.ones((300, 1))
        digit = np.asarray(Image.fromarray(DIGITS.images[i]).resize((90, 90), Image.Resampling.BICUBIC)) / 255.0
        paper[100:190, 150:240] *= 1 - 0.3 * digit
        paper += np.random.default_rng(i).normal(0, 0.01, paper.shape)
        prepared = digit_image.prepare(Image.fromarray((np.clip(paper, 0, 1) * 255).astype(np.uint8)))
        right += (
            len(prepared.images) == 1 and similarity(prepared.image, digit_shapes._as_drawn(DIGITS.images[i])) >= 0.85
        )
    assert right >= 9


def test_a_digit_broken_in_two_by_a_gap_is_read_as_one():
    """A ruled line taken out, or a shadow's edge, can cut a digit into two pieces side by side: they
    are one digit when together they look more like one than apart like two."""
    right = 0
    for i in range(20):
        im = np.asarray(Image.fromarray(255 - DIGITS.images[i]).resize((280, 280), Image.Resampling.BICUBIC)).copy()
        ink = np.flatnonzero((im < 128).any(axis=0))
        middle = (ink[0] + ink[-1]) // 2
        im[:, middle - 2 : middle + 2] = 255  # a white gap through the digit, top to bottom
        prepared = digit_image.prepare(Image.fromarray(im))
        right += len(prepared.images) == 1
    assert right >= 15


def test_a_network_judging_the_parts_chooses_the_cuts_between_touching_digits():
    """Segmentation by recognition with the network (prepare's judge): each part of a cutting also
    pays for the network's doubt about it. Here the judge is sure of a part exactly as much as it
    resembles one of the digits written (cosine similarity), so the cuts it prefers are the writer's:
    touching numbers read right rise well above the shapes' own choice (measured 42 of 60, 31 without)."""
    right = {False: 0, True: 0}
    for seed in (4, 5):
        items = own_digits.generate("number_touching_drawing", 30, seed=seed, first_index=0)
        for item, alone in zip(items, readings("number_touching_drawing", seed, 30), strict=True):
            references = [digit_shapes._as_drawn(DIGITS.images[i]) for i in item.indices]

            def judge(images, references=references):
                sure = max(similarity(images[0], r) for r in references)
                return np.array([[sure] + [(1 - sure) / 9] * 9])

            for judged, similar in ((False, alone), (True, read(item, judge))):
                right[judged] += is_right(similar)
    assert right[True] >= right[False] + 5, right
