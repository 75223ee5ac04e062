"""Try your own digit: turn a drawing, a photo of paper or a screenshot into the 28×28 input an
MNIST network expects.

The article feeds `np.invert(Image.open(path).convert('L'))`: raw 0-255 pixels of a file that must
already be 28×28, dark on light, centred like MNIST. `prepare()` finds the digit in the picture and
then does what MNIST did to its digits:

1. read the first frame upright (EXIF orientation), reduced early to at most WORK_SIDE pixels (JPEGs
   are decoded at that size); transparent pixels are white paper;
2. ink = how much darker (or, for light-on-dark, lighter) a pixel is than its *local* paper, so a
   lighting gradient, vignetting or a shadow is not ink (nor the shadow's edge, across which a
   digit's strokes are joined again);
3. long thin lines (ruled or grid paper, frames) are removed, the ink is split into connected
   pieces, and the digit is kept: the largest stroke-like piece plus the pieces close to it, not
   specks, not the desk or a program's title bar and toolbar at the picture's edge; a number's
   digits are read left to right (touching ones cut apart), again at full size when it was reduced;
4. crop to the digit, thicken a thin pen to MNIST's pen width, fit into 20×20 keeping the aspect
   ratio, centre in 28×28 by centre of mass; values in [0, 1], ink = 1, as in training.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin
from scipy import ndimage

from tutorial_kit import digit_shapes
from tutorial_kit.errors import ImageError, NoDigitError
from tutorial_kit.files import atomic_path, display_path
from tutorial_kit.image_file import ANIMATED, open_image, read_image

MIN_CONTRAST = 0.15  # ink must be 15 % darker (or lighter) than its local paper, or there is no digit
FRAME = 0.93  # a ring this rectangular (a box's area over its tightest rectangle's) is a frame, not a 0
DARK_INK = 0.4  # on paper that looks even, ink found only against the local paper must be this much darker
PAPER_FLOOR = (0.25, 0.5)  # contrast is relative to the paper's brightness, counted as at least this: dark
# ink in a deep shadow still counts; light ink needs a dark ground (a slightly lighter patch of white paper is no ink)
BAR = 2.0  # a solid piece this many times longer than wide, nearer lying than upright: a thick bar, no digit alone
CAP = 1.7  # a solid piece without a hole, this much thicker than the thinnest digit's strokes
CAP_LONG = 1.3  # and this much longer than the other digits are tall: a pen or a pen cap, not a digit
CAP_ALONE = 1.4  # a solid bar without a hole this much longer than a digit beside it, however thick its strokes,
CAP_WIDTH = 0.17  # and at least this wide for its length (a cap's proportions; a marker's 1 is thinner)
NOISE_FLOOR = 0.2  # weaker ink than this fraction of the digit's is paper texture or JPEG noise
MNIST_STROKE = 2.9  # MNIST's pen width in pixels, for a digit whose longer side is 20 pixels
THIN_PEN = 0.8  # a pen thinner than this share of MNIST's is thickened to it
THICK_PEN = 1.6  # a pen thicker than this share of MNIST's is a marker, thinned
THINNED = 1.5  # to this share, as MNIST's bolder writers' (to 1.3 a weak network read thick 2s' thinned loops 4)
MEASURE_SIDE = 80  # large digits are first reduced to this size for stroke measuring
ANALYSIS_SIDE = 400  # digits are found (and their 28×28s made) in the picture reduced to this size
SMALL_SIDE = 64  # or enlarged to this size or more (bicubic; a 28×28 3×): at 28 px a pen cannot be measured
SHARPER = 60  # a number whose digits are shorter than this (pixels at ANALYSIS_SIDE) is read again larger
LEAN = (-20, 42)  # a straight stroke leaning this far from upright (degrees, + like /) may be a 1: 99 % of MNIST's
SHADE = 0.65  # a piece whose ink is mostly this much fainter than the darkest is a shade, not strokes
MIN_DIGIT = 0.04  # a digit's longer side is at least this fraction of the picture's (smaller: too small)
STRANGE = 1.0  # strangeness (digit_shapes) above which a picture is not read as a digit


@dataclass
class Prepared:
    """A prepared picture, by either recipe: the network's inputs (one per digit, left to right)
    and, for --show-input, where they were found."""

    images: np.ndarray  # (digits, 28, 28) float32; ink 1.0 on 0.0 (the article's recipe: raw 0-255)
    boxes: list[tuple[int, int, int, int]]  # each digit in the picture as analysed: x0, y0, x1, y1
    notes: list[str]  # what was left out, said after the prediction
    strangeness: np.ndarray  # per digit: > 1 does not look like a handwritten digit (digit_shapes)
    picture: Image.Image | None  # the picture as analysed (upright, reduced), RGB, for the contact sheet
    kept: np.ndarray | None  # bool, the picture's size: the ink that was kept as the digit
    searched: bool = False  # a judge may cut a piece otherwise (it was searched for cuts, or may be two digits)

    @classmethod
    def nothing(cls, picture: Image.Image) -> Prepared:
        """A picture with no digit found in it, for its contact sheet."""
        return cls(np.zeros((0, 28, 28), np.float32), [], [], np.zeros(0), picture, None)

    @property
    def image(self) -> np.ndarray:
        """The first digit's 28×28."""
        return self.images[0]

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        return self.boxes[0] if self.boxes else None


# --- reading -------------------------------------------------------------------------------------


def _planes(im: Image.Image, side: int = ANALYSIS_SIDE) -> tuple[np.ndarray, np.ndarray]:
    """The darkest and the lightest channel of each pixel, float32 in [0, 1], at most `side`
    large (`im` as open_image gives it: L, RGB, RGBA or F); transparent pixels are white paper, and
    white ink on a transparent sheet shows as dark."""
    factor = math.ceil(max(im.size) / side)
    if factor > 1:
        im = im.reduce(factor)
    elif max(im.size) < SMALL_SIDE:
        factor = math.ceil(SMALL_SIDE / max(im.size))
        im = im.resize((im.width * factor, im.height * factor), Image.Resampling.BICUBIC)
    a = np.asarray(im, dtype=np.float32)
    if im.mode != "F":
        a = a / 255.0
    if min(a.shape[:2]) >= 100:  # a photo's sensor noise, averaged away before paper and ink are told apart
        a = ndimage.uniform_filter(a, size=(3, 3, 1)[: a.ndim])
    if a.ndim == 2:
        a = np.clip(a, 0, 1)
        return a, a
    alpha = a[..., 3] if a.shape[2] == 4 else None
    rgb = a[..., :3]
    if alpha is not None:
        rgb = rgb * alpha[..., None] + (1.0 - alpha[..., None])
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]  # rgb.min(axis=2) is 20 times slower
    dark, light = np.minimum(np.minimum(red, green), blue), np.maximum(np.maximum(red, green), blue)
    if alpha is not None and np.ptp(dark) < MIN_CONTRAST and np.ptp(alpha) >= MIN_CONTRAST:
        dark = light = 1.0 - alpha  # e.g. white ink on a transparent sheet
    return dark, light


# --- finding the digit -------------------------------------------------------------------------


def _median(plane: np.ndarray, size: int) -> np.ndarray:
    """`ndimage.median_filter(plane, size, mode="reflect")` for an odd `size`, a row at a time by
    partitioning each pixel's window: the same values, 3-4 times faster for the wide windows here."""
    half, middle = size // 2, size * size // 2
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(plane, half, mode="symmetric"), (size, size))
    out = np.empty_like(plane)
    for row, row_windows in enumerate(windows):
        out[row] = np.partition(row_windows.reshape(plane.shape[1], -1), middle, axis=1)[:, middle]
    return out


def _majority(plane: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """The paper as the majority tone: a coarse median over `window` (so never the paper between
    strokes), on an edge its darker side (so the desk beside a sheet is not ink); and where it
    changes sharply (the edge of a sheet or a shadow), which ink there only counts on."""
    factor = max(1, round(min(plane.shape) / 48))  # a coarse grid: the median is the costly step
    coarse = Image.fromarray(plane, mode="F")
    if factor > 1:
        coarse = coarse.reduce(factor)
    median = _median(np.asarray(coarse), max(3, window // factor | 1))
    overall = float(np.median(coarse))
    if np.mean(np.abs(median - overall) < 0.05) >= 0.8:  # evenly lit paper (a drawing): one tone, even
        return np.full(plane.shape, overall, np.float32), np.zeros(plane.shape, bool)  # where a thick digit is most
    lower = ndimage.grey_erosion(median, size=(3, 3), mode="nearest")
    change = ndimage.grey_dilation(median, size=(3, 3), mode="nearest") - lower
    full = plane.shape[::-1]
    lower = np.asarray(Image.fromarray(lower, mode="F").resize(full, Image.Resampling.BILINEAR))
    edge = np.asarray(Image.fromarray(change, mode="F").resize(full, Image.Resampling.NEAREST)) > 0.15
    return lower, edge


def _ink(plane: np.ndarray, window: int, majority: np.ndarray, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """How much darker each pixel is than its local paper, relative to the paper's brightness (ink
    in a shadow counts as much as in the light), and the paper's own sharp edges (a sheet's, a hard
    shadow's), where the pixels in between are not ink. The paper is the darker of a grey closing
    (strokes narrower than `window` removed; it keeps a hard shadow's edge) and the majority tone;
    its brightness counts as at least `floor` (PAPER_FLOOR)."""
    closing = ndimage.grey_closing(plane, size=(window, window), mode="nearest")
    paper = np.minimum(closing, majority)
    ink = np.clip((paper - plane) / np.maximum(paper, floor), 0.0, 1.0)
    spread = ndimage.grey_dilation(paper, size=(5, 5)) - ndimage.grey_erosion(paper, size=(5, 5))
    return ink, spread > 0.6 * MIN_CONTRAST * np.maximum(paper, floor)


def _remove_lines(mask: np.ndarray) -> np.ndarray:
    """The mask without long thin straight lines (ruled or grid paper, frames, page edges), which may
    cross the digit: thin across, and running for half the picture or more, a few degrees of tilt
    allowed. A stroke of the digit thicker than the line survives where it crosses it."""
    out = mask.copy()
    for axis in (0, 1):  # 0: horizontal lines (thin vertically, long along rows); 1: vertical
        m = mask if axis == 0 else mask.T
        h, w = m.shape
        reach = max(1, round(0.01 * w))  # a line's band: its rows, this many either side
        length = max(60, round(0.5 * w))  # shorter ones may be the digit's own strokes
        ink = m.view(np.uint8)  # binary morphology as 1-D minimum and maximum filters: the same, faster
        band = ndimage.maximum_filter1d(ink, 2 * reach + 1, axis=0, mode="constant")  # the rows either side
        run = ndimage.minimum_filter1d(band, length, axis=1, mode="constant")  # ink all along `length`
        rows = np.flatnonzero(run.any(axis=1))
        if rows.size == 0:
            continue  # no run of ink long enough for a line
        support = ndimage.maximum_filter1d(run[rows[0] : rows[-1] + 1], length, axis=1, mode="constant")
        thin = max(2, round(0.006 * max(h, w)))
        y0, y1 = max(0, rows[0] - 2 * thin - 2), min(h, rows[-1] + 2 * thin + 3)  # what thin_part there depends on
        opened = _opened(ink[y0:y1], thin + 1)[rows[0] - y0 : rows[-1] + 1 - y0]
        line = np.zeros_like(m)
        line[rows[0] : rows[-1] + 1] = m[rows[0] : rows[-1] + 1] & ~opened & (support > 0)  # thin, along a run
        out &= ~(line if axis == 0 else line.T)
    return out


def _opened(ink: np.ndarray, size: int) -> np.ndarray:
    """ndimage.binary_opening(ink, np.ones((size, 1))) of a 0/1 uint8 array, by 1-D filters."""
    eroded = ndimage.minimum_filter1d(ink, size, axis=0, mode="constant")
    return ndimage.maximum_filter1d(eroded, size, axis=0, mode="constant", origin=-1 if size % 2 == 0 else 0) > 0


@dataclass
class _Piece:
    """One connected piece of ink, and why it is not (part of) a digit, if it is not."""

    label: int
    box: tuple[int, int, int, int]  # y0, x0, y1, x1
    area: int
    fill: float  # share of its box that is ink
    own: np.ndarray = field(repr=False)  # its pixels in its box
    why: str | None = None  # "speck", "faint", "edge", "line", "dot", "blob", "frame", "holed", "question"
    lying: bool = False  # a thick bar nearer lying than upright: part of a digit, or not a digit

    @functools.cached_property
    def depth(self) -> np.ndarray:
        """Each pixel's distance to the paper: the nearest pixel not of the piece is paper, within one
        of its box. Measured when first needed: most pieces of a photo are said no digit without it."""
        return ndimage.distance_transform_edt(np.pad(self.own, 1))[1:-1, 1:-1]

    @functools.cached_property
    def filled(self) -> np.ndarray:
        """Its pixels, holes filled: measured when first needed."""
        return _fill_holes(self.own)

    @functools.cached_property
    def outline(self) -> _Outline:
        """Its outline (holes filled): measured when first needed, once."""
        return _outline(self.own, self.filled)

    @property
    def thick(self) -> float:
        """Its thickest stroke's width."""
        return 2.0 * float(self.depth.max())

    @property
    def height(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def width(self) -> int:
        return self.box[3] - self.box[1]

    @property
    def size(self) -> int:
        return max(self.height, self.width)


@dataclass
class _Map:
    """An ink map (ink 1.0 where surely ink) and its pieces."""

    ink: np.ndarray
    labels: np.ndarray
    pieces: list[_Piece]
    scale: float = 1.0  # ink 1.0 is this much darker than the paper (relative): to compare maps
    light: bool = False  # light ink on a darker ground
    edge_ink: np.ndarray | None = None  # against the local paper: the ink on its sharp edges, left out
    edges: np.ndarray | None = None  # and those edges
    grain: bool = False  # grain or noise all over the picture, no pieces (_grain)
    faint: bool = False  # digits read here were too faint to tell from the grain of even paper (DARK_INK)
    ringed: bool = False  # a reading here was only the paper inside a drawn ring (_paper_inside)
    grainy: bool = False  # a reading here stood out no more than the grain of the ground round it (_stands_out)


def _grown(mask: np.ndarray, times: int) -> np.ndarray:
    """The mask grown by `times` pixels across and along (ndimage.binary_dilation's iterations with
    its cross), by shifting: the same, faster on the small masks of a cut search."""
    for _ in range(times):
        grown = mask.copy()
        grown[1:] |= mask[:-1]
        grown[:-1] |= mask[1:]
        grown[:, 1:] |= mask[:, :-1]
        grown[:, :-1] |= mask[:, 1:]
        mask = grown
    return mask


def _histogram64(values: np.ndarray) -> np.ndarray:
    """`np.histogram(values, bins=64, range=(0, 1))[0]`, 8 times faster: a value times 64 is exact in
    binary, so its whole part is its bin (1.0 in the last; values outside [0, 1] left out)."""
    index = np.floor(values * np.float32(64)).astype(np.intp).ravel()
    counts = np.bincount(np.clip(index, -1, 64) + 1, minlength=66)  # below 0, the 64 bins, 1.0 and above
    counts[64] += np.count_nonzero(values == 1.0)
    return counts[1:65]


def _otsu(values: np.ndarray) -> float:
    """The threshold that best splits `values` (in [0, 1]) into two tones (Otsu's method)."""
    hist, edges = _histogram64(values), np.linspace(0.0, 1.0, 65)
    p = hist / max(1, hist.sum())
    omega = np.cumsum(p)
    mu = np.cumsum(p * (edges[:-1] + edges[1:]) / 2)
    between = (mu[-1] * omega - mu) ** 2 / np.maximum(omega * (1 - omega), 1e-12)
    return float(edges[1:][np.argmax(between)])


def _global_ink(plane: np.ndarray) -> tuple[np.ndarray | None, bool, float, float]:
    """Ink as darkness against one paper tone, for drawings, screenshots, scans and crops, where
    the light is even (a thick marker's strokes stay solid, however wide); and whether the paper
    is one even tone, the ink level that splits ink from paper, and the ink's contrast."""
    t = _otsu(plane)
    bright, dark = plane[plane > t], plane[plane <= t]
    if bright.size == 0 or dark.size == 0:
        return None, True, 0.5, 0.0
    paper = float(np.median(bright))
    ink = min(float(np.percentile(dark, 20)), float(np.percentile(plane, 0.5)))  # not a grid's light lines
    clear = bright[bright > (t + paper) / 2]  # the paper away from the strokes' blurred edges
    even = float(np.mean(np.abs(clear - paper) < 0.06)) >= 0.8  # most of the paper is one tone
    if paper - ink < MIN_CONTRAST:
        return None, even, 0.5, 0.0
    level = min(0.5, max(0.25, (paper - t) / (paper - ink)))
    return np.clip((paper - plane) / (paper - ink), 0.0, 1.0), even, level, (paper - ink) / max(paper, 0.25)


def _border_mask(shape: tuple[int, int]) -> np.ndarray:
    """The picture's outermost pixels."""
    border = np.zeros(shape, bool)
    border[0, :] = border[-1, :] = border[:, 0] = border[:, -1] = True
    return border


HOLED_BLOB = 1.1  # a large solid piece whose holes are this share of its ink or more is no blob (a bold 9)


def _pieces(ink: np.ndarray, mask: np.ndarray, paper_edge: np.ndarray | None = None) -> _Map:
    """Label the ink and say of each piece whether it may be (part of) a digit."""
    h, w = mask.shape
    side = max(h, w)
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), bool))
    if _grain(mask, count):
        return _Map(ink, labels, [], grain=True)
    border = _border_mask(mask.shape)
    peak = float(ndimage.uniform_filter(ink, 3).max())
    pieces = []
    for label, (rows, cols) in enumerate(ndimage.find_objects(labels), start=1):
        if max(rows.stop - rows.start, cols.stop - cols.start) < max(3, 0.012 * side):
            continue  # a speck
        own = labels[rows, cols] == label
        area = int(own.sum())
        box = (rows.start, cols.start, rows.stop, cols.stop)
        piece = _Piece(label, box, area, area / own.size, own)
        piece.why = _not_a_digit(piece, ink[rows, cols], border[rows, cols], side, peak, paper_edge, rows, cols)
        if (
            piece.why is None
            and piece.size >= 0.5 * side
            and piece.fill > 0.45  # strokes cover less of their box
            and not _one_pen(piece.depth)
        ):
            if _inside(piece, mask.shape) < 1:
                piece.why = "edge"  # a patch of desk, paper or shadow
            elif piece.filled.sum() < HOLED_BLOB * piece.area:  # a bold 9's or 8's loops are no blob's
                piece.why = "blob"
        pieces.append(piece)
    for why in ("edge", "blob"):  # a sliver of the desk, a window or a blob, cut off by the threshold, is theirs
        big = [p.label for p in pieces if p.why == why]
        if not big:
            continue
        near = _grown(np.isin(labels, big), 3)
        for p in pieces:
            rows, cols = slice(p.box[0], p.box[2]), slice(p.box[1], p.box[3])
            at_edge = why == "blob" or _inside(p, mask.shape) < 1
            if p.why is None and at_edge and (near[rows, cols] & (labels[rows, cols] == p.label)).any():
                p.why = why
    _on_paper(ink, labels, pieces)
    _rings(labels, pieces)
    _dotted(pieces)
    return _Map(ink, labels, pieces)


DOT_BENEATH = 0.5  # a dot this close under a mark (in its heights), in its column, makes it a ? or a !


def _dotted(pieces: list[_Piece]) -> None:
    """A mark with a dot beneath it, in its column, is a question or exclamation mark, not a digit
    (a ? was read 7 at 99.8 %, its dot left out as a dot): no digit has one; a full stop after a
    digit sits on its line, beside it."""
    dots = [p for p in pieces if p.why in ("dot", "blob")]  # a bold dot may be large for the picture
    for mark in [p for p in pieces if p.why is None]:
        y0, x0, y1, x1 = mark.box
        for dot in dots:
            middle = (dot.box[1] + dot.box[3]) / 2
            if (
                y1 <= dot.box[0] <= y1 + DOT_BENEATH * mark.height
                and x0 <= middle <= x1
                and dot.size <= 0.4 * mark.height
            ):
                mark.why = "question"


CIRCLED = 0.3  # a mark alone inside a ring, this share of its height or more, is a digit circled (on a form)


def _rings(labels: np.ndarray, pieces: list[_Piece]) -> None:
    """A ring drawn round one digit (a form's circle, an answer circled) is a frame, not part of the
    digit: with the ring the 28×28 was an 8 (99.9 %) whatever the digit. A face has eyes and a
    mouth inside, a dotted 0 only a small dot: those stay as they are (_enclosing)."""
    for ring in [p for p in pieces if p.why is None and p.fill < 0.35]:
        inner = [p for p in pieces if p is not ring and p.why not in ("speck", "faint") and _within(p.box, ring.box)]
        if len(inner) != 1 or inner[0].why is not None or inner[0].height < CIRCLED * ring.height:
            continue
        y0, x0, y1, x1 = inner[0].box
        if (labels[y0:y1, x0:x1] == ring.label).any():
            continue  # through it, not round it
        cy, cx = (y0 + y1) // 2, (x0 + x1) // 2
        row, column = labels[cy] == ring.label, labels[:, cx] == ring.label
        if sum(bool(side.any()) for side in (row[:cx], row[cx:], column[:cy], column[cy:])) >= 3:
            ring.why = "frame"  # on three sides of it at least (a ring drawn by hand may be open); a % sign's
            # slash, whose box holds one of its rings, is on two


GRAIN = (0.1, 0.9)  # ink covering this share of every part of a picture (a GRAIN_GRID square grid), no part solid,
GRAIN_GRID = 6
GRAIN_PIECES = 36  # in this many pieces of ink and of paper: grain or noise, not marks on paper


def _grain(mask: np.ndarray, count: int) -> bool:
    """Whether an ink mask (of `count` pieces) is grain or noise all over the picture — random
    pixels, a photo of a texture — not marks on paper: a picture of paper has parts with no ink
    (a tight crop of a thick digit, a number), or solid ones (a desk, the dark round a light digit)."""
    h, w = mask.shape
    if min(h, w) < GRAIN_GRID or np.count_nonzero(mask) < GRAIN[0] * mask.size:
        return False  # a drawing's few strokes
    rows, cols = (np.arange(GRAIN_GRID) * n // GRAIN_GRID for n in (h, w))
    shares = np.add.reduceat(np.add.reduceat(mask.astype(np.float32), rows, axis=0), cols, axis=1)
    shares /= np.outer(np.diff(rows, append=h), np.diff(cols, append=w))
    if not (GRAIN[0] <= shares.min() and shares.max() <= GRAIN[1]):
        return False
    return count + ndimage.label(~mask)[1] >= GRAIN_PIECES


RING = (1, 4)  # the paper round a piece: from 1 to 4 pixels beyond its ink
NOT_ON_PAPER = 0.25  # a piece with more of its ring than this as dark as ink is not ink on paper


def _on_paper(ink: np.ndarray, labels: np.ndarray, pieces: list[_Piece]) -> None:
    """Ink is darker than all the paper round it: a piece with much ink-dark ground beside it that
    is no digit's (a desk beside a sheet's edge, a shadow's, a blob's) is a sliver of that ground,
    cut off by the threshold, not a mark on the paper."""
    plausible = np.isin(labels, [p.label for p in pieces if p.why is None])
    h, w = labels.shape
    for p in pieces:
        if p.why is not None:
            continue
        y0, x0 = max(0, p.box[0] - RING[1] - 1), max(0, p.box[1] - RING[1] - 1)
        y1, x1 = min(h, p.box[2] + RING[1] + 1), min(w, p.box[3] + RING[1] + 1)
        own = labels[y0:y1, x0:x1] == p.label
        ring = _grown(own, RING[1]) & ~_grown(own, RING[0])
        dark = ring & (ink[y0:y1, x0:x1] >= 0.5) & ~plausible[y0:y1, x0:x1]
        if ring.any() and dark.sum() > NOT_ON_PAPER * ring.sum():
            p.why = "edge"


PEN_SPREAD = 2.0  # a pen's strokes: the widest (90th percentile) at most this much wider than the median


def _one_pen(depth: np.ndarray) -> bool:
    """Whether a piece (its distance-to-paper map) is strokes of one pen, however thick — its
    medial ridge about equally deep everywhere — rather than a patch of paper, desk or shadow
    (deep in its middle, shallow in its arms)."""
    ridge = (depth >= ndimage.maximum_filter(depth, 3)) & (depth > 1)
    if ridge.sum() < 5:
        return True
    widths = depth[ridge]
    return float(np.quantile(widths, 0.9)) <= PEN_SPREAD * float(np.median(widths))


def _border(a: np.ndarray) -> np.ndarray:
    """The values along a picture's border (its first and last rows and columns)."""
    return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    """`ndimage.binary_fill_holes`, by labelling the paper once (its pieces not reaching the border
    are holes) instead of growing the outside a pixel at a time: the same mask, many times faster."""
    paper, _ = ndimage.label(~mask)
    outside = np.unique(_border(paper))
    return mask | ~np.isin(paper, outside)


class _Outline(NamedTuple):
    """The shape of a piece, its holes filled."""

    area: int  # its area, holes filled
    solidity: float  # its area over its convex hull's: a dot, a blob, a sheet ~1, most digits less
    rectangular: float  # its area over the tightest rectangle's, at any angle: a box ~1, an oval (a 0) ~0.8
    aspect: float  # that rectangle's short side over its long side
    corners: int  # its hull's corners, straightened to 3 % of its size: a polygon 3-6, an oval 9 or more


def _outline(own: np.ndarray, filled: np.ndarray | None = None) -> _Outline:
    """A piece's outline (`filled`: its holes filled, when already known)."""
    from scipy.spatial import ConvexHull, QhullError  # 0.1 s to import, needed only for large or thick pieces

    filled = _fill_holes(own) if filled is None else filled
    area = int(filled.sum())
    ys, xs = np.nonzero(filled & ~ndimage.binary_erosion(filled))  # its hull is its rim's: fewer points
    points = np.concatenate([np.stack([ys, xs], axis=1) + d for d in ([0, 0], [1, 0], [0, 1], [1, 1])])
    try:
        hull = ConvexHull(points)
    except QhullError:
        return _Outline(area, 1.0, 1.0, 0.0, 2)
    corners = points[hull.vertices].astype(np.float64)  # counter-clockwise
    angles = np.radians(np.arange(0, 90, 2))
    u = corners @ np.stack([np.cos(angles), np.sin(angles)])  # each corner along each direction
    v = corners @ np.stack([-np.sin(angles), np.cos(angles)])
    sides = np.sort(np.stack([np.ptp(u, axis=0), np.ptp(v, axis=0)]), axis=0)
    k = int(np.argmin(sides[0] * sides[1]))
    far = int(np.argmax(np.linalg.norm(corners - corners[0], axis=1)))  # two chains between far corners
    tolerance = 0.03 * sides[1, k]
    chains = (corners[: far + 1], np.concatenate([corners[far:], corners[:1]]))
    count = sum(len(_straightened(chain, tolerance)) - 1 for chain in chains)
    return _Outline(area, area / hull.volume, area / (sides[0, k] * sides[1, k]), sides[0, k] / sides[1, k], count)


def _straightened(chain: np.ndarray, tolerance: float) -> list[int]:
    """The corners of a polyline that stay when every run within `tolerance` of a straight line is
    made straight (Douglas-Peucker): indices, first and last included."""
    if len(chain) < 3:
        return list(range(len(chain)))
    a, b = chain[0], chain[-1]
    (dy, dx), rel = b - a, chain - a
    d = np.abs(dy * rel[:, 1] - dx * rel[:, 0]) / max(float(np.hypot(dy, dx)), 1e-9)  # distance from the line a-b
    k = int(np.argmax(d))
    if d[k] <= tolerance:
        return [0, len(chain) - 1]
    return _straightened(chain[: k + 1], tolerance)[:-1] + [k + i for i in _straightened(chain[k:], tolerance)]


def _axes(ys: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The spread of pixels along their principal axes (variances, least first) and those axes."""
    return np.linalg.eigh(np.cov(np.stack([ys, xs]).astype(np.float64)))


SOFT = 0.03  # ink changing less than this per pixel across a piece's side: light fading, not a stroke's edge
SOFT_SIDE = 0.4  # a piece reaching the picture's border with this share of its outline soft is light or shade


def _soft_sided(own: np.ndarray, ink: np.ndarray, border: np.ndarray) -> bool:
    """Whether much of a piece's outline (off the picture's border) is where the ink only fades: the side of
    a lit band between shadows, of a shadow's patch; a stroke's sides are sharp, even a blurry scan's."""
    gy, gx = np.gradient(ndimage.uniform_filter(ink.astype(np.float32), 3))
    outline = own & ~ndimage.binary_erosion(own) & ~border
    return bool(outline.any()) and float(np.mean(np.hypot(gy, gx)[outline] < SOFT)) > SOFT_SIDE


HOLED_SOLIDITY = 0.95  # a filled shape this round (its area over its hull's) with a face's holes is a face
EYES_LEVEL = 0.12  # two holes side by side, their middles this close in height (of the piece's), are eyes


def _face_holes(own: np.ndarray) -> bool:
    """Whether a piece's holes are a face's: two side by side at one height and one below both (a
    mouth). A thick marker's 8 may have three holes too, but one above the other two."""
    paper, count = ndimage.label(~np.pad(own, 1))
    holes = [k for k in range(2, count + 1) if np.count_nonzero(paper == k) > 1]  # label 1: the outside
    if len(holes) < 3:
        return False
    h, w = own.shape
    middles = ndimage.center_of_mass(np.ones_like(paper), paper, holes)
    for i, (yi, xi) in enumerate(middles):
        for yj, xj in middles[i + 1 :]:
            if abs(yi - yj) < EYES_LEVEL * h and abs(xi - xj) > 0.2 * w:
                if any(y > max(yi, yj) + 0.1 * h for y, _ in middles):
                    return True
    return False


def _not_a_digit(p: _Piece, ink, border, side, peak, paper_edge, rows, cols) -> str | None:
    """Why a piece is no digit nor part of one (a `REASONS` key), or None; marks a thick bar lying down."""
    own = p.own
    if p.size < max(3, 0.012 * side):
        return "speck"
    if paper_edge is not None:
        if np.percentile(ink[own], 80) < 0.65 * peak:
            return "faint"  # paper texture, the soft side of a shadow, a light line
        if paper_edge[rows, cols][own].mean() > 0.5:
            return "edge"  # along the edge of a sheet or a shadow
    if border.any() and (own & border).sum() > 0.45 * border.sum():
        return "edge"  # much of the picture's border: a desk around a sheet, a window frame, a margin
    if (own & border).sum() >= 0.5 * side and np.percentile(ink[own], 80) < SHADE * peak:
        return "edge"  # faint along half a side: a shadow's patch, however ragged its edge
    if p.size > 0.2 * side and (own & border).any() and _soft_sided(own, ink, border):
        return "edge"  # a lit band or a shadow's patch reaching the border: one of its sides fades away
    if p.fill > 0.6 and p.thick > 0.45 * p.size and p.outline.solidity > 0.9:
        return "dot" if p.size < 0.1 * side else "blob"
    if p.size > 0.3 * side and (p.fill > 0.5 or p.area < int(p.filled.sum()) <= 2 * p.area):
        shape = p.outline  # solid, or a wide band round a hole (a sheet round a blob, seen as light ink)
        if p.fill > 0.65 and p.thick > 0.4 * p.size and shape.solidity > 0.85:
            return "blob"  # a sheet of paper, a canvas, a sticky note: a large solid shape, perhaps with a digit in it
        if _straight_sided(shape):
            return "blob"  # straight-sided: a sheet, a sticky note, a shadow's patch, perhaps with a digit in it
    if p.size > 0.2 * side and p.fill > 0.6 and p.outline.solidity > HOLED_SOLIDITY and _face_holes(own):
        return "holed"  # a filled round shape with a face's eyes and mouth for holes (a digit has two at most)
    ys, xs = np.nonzero(own)
    if len(ys) >= 3:
        values, vectors = _axes(ys, xs)
        dy, dx = vectors[:, 1] if vectors[0, 1] >= 0 else -vectors[:, 1]  # pointing down the picture
        lean = -math.degrees(math.atan2(dx, dy))  # from vertical: + leans right like /, - like \
        if values[1] > 36 * max(values[0], 1e-9):  # 6 times longer than wide: a straight stroke
            if not LEAN[0] <= lean <= LEAN[1]:
                return "line"  # a 1 stands upright or leans right a little; a bar may still be part of a digit
            if (own & border).any() and p.size < 0.8 * side:
                return "edge"  # a straight edge running into the picture's border: a sheet's, a shadow's
        p.lying = (  # a thick bar nearer lying than upright: a marker 5's bar, never a digit alone (888888, 2, 40)
            values[1] > BAR**2 * max(values[0], 1e-9)
            and abs(lean) > 45  # a bold 1 may lean further than a thin one
            and len(ys) > 0.85 * 12 * math.sqrt(values[0] * values[1])  # fills the rectangle of its length and width
        )
    if p.size > 0.2 * side and p.fill < 0.5:
        if int(p.filled.sum()) > 2 * p.area and p.outline.rectangular > FRAME:  # the area first: cheaper
            return "frame"  # a box round a large hole, at any angle, its corners perhaps rounded
        corner = max(2, round(0.03 * min(p.height, p.width)))
        if all(
            own[ys_, xs_].any()
            for ys_ in (slice(0, corner), slice(-corner, None))
            for xs_ in (slice(0, corner), slice(-corner, None))
        ):
            middle = own[p.height // 4 : -(p.height // 4) or None, p.width // 4 : -(p.width // 4) or None]
            if not middle.any():
                return "frame"  # ink in all four corners of its box and none in the middle
    return None


@dataclass
class _Reading:
    """Digits found in one ink map, left to right: each a mask in the picture, its 28×28 and how
    strange it looks."""

    masks: list[np.ndarray]
    images: np.ndarray
    strangeness: np.ndarray
    left_out: list[tuple[int, int, int, int]]  # the boxes (x0, y0, x1, y1) of digit-sized marks not of the row
    inside: float  # 1 when its largest digit is clear of the picture's border (see _inside)
    mass: float  # the ink of its largest digit
    enclosing: bool = False  # marks drawn inside a digit's loop: a face, not a digit
    searched: bool = False  # a piece was searched for cuts between touching digits
    ask_judge: bool = False  # a piece only a network can tell one digit or two (see _split)

    @property
    def cost(self) -> float:
        return float(self.strangeness.mean())

    @property
    def notes(self) -> list[str]:
        n = len(self.left_out)
        return [f"{n} other mark{'s' if n > 1 else ''} left out: one row of digits is read"] if n else []


STACKED = 0.15  # a piece this close above or below a digit (in its heights), in its column, is part of it


def _row(found: _Map) -> tuple[list[list[_Piece]], list[_Piece]] | None:
    """The digits of one row (pieces grouped per digit, left to right) and the digit-sized pieces
    left out; None when no piece may be a digit."""
    side = max(found.labels.shape)
    usable = [p for p in found.pieces if p.why is None and p.size >= MIN_DIGIT * side]
    if all(p.lying for p in usable):
        return None  # nothing, or only thick bars lying down: no digit is only a bar
    bars = [p for p in usable if _bar(found, p)]  # a vertical 1, a pen cap
    caps = [p for p in bars if p.thick >= CAP_WIDTH * p.size and any(CAP_ALONE * q.size <= p.size <= 3 * q.size
            for q in usable if q is not p)]  # fmt: skip
    anchor = max([p for p in usable if p not in caps] or usable, key=lambda p: p.area * _inside(p, found.labels.shape))
    tall = anchor.height

    def overlap(p: _Piece, members: list[_Piece]) -> tuple[int, _Piece]:  # with the nearest member: rows slope
        q = min(members, key=lambda q: abs(q.box[1] + q.box[3] - p.box[1] - p.box[3]))
        return min(q.box[2], p.box[2]) - max(q.box[0], p.box[0]), q

    sized = [p for p in found.pieces if p.why is None and 0.45 * tall <= p.height <= 2.2 * tall
             and p.thick < 4 * max(anchor.thick, 1)]  # fmt: skip
    members, grown = [anchor], True
    while grown:  # from the anchor outwards, each digit beside one of the row
        grown = False
        for p in sorted(sized, key=lambda p: abs(p.box[1] + p.box[3] - anchor.box[1] - anchor.box[3])):
            if p not in members:
                shared, q = overlap(p, members)
                if shared >= 0.5 * min(q.height, p.height):
                    members.append(p)
                    grown = True
    parts, left_out = [], []
    for p in found.pieces:
        if p.why not in (None, "line") or p in members:
            continue
        if overlap(p, members)[0] > -0.3 * tall:
            parts.append(p)
        elif p.size >= 0.3 * tall and p.why is None:
            left_out.append(p)
    thinnest = min(p.thick for p in members)
    for p in [p for p in members if p in caps or p.thick > CAP * thinnest and p.fill > 0.6 and not _holed(found, p)]:
        others = [q.height for q in members if q is not p]
        if others and p.size >= (CAP_ALONE if p in caps else CAP_LONG) * float(np.median(others)):
            members.remove(p)  # a pen, a pen cap: solid, far thicker than the digits' strokes (a bold 0 has a
            left_out.append(p)  # hole) and longer than the digits (a bold 1 is as tall as the others)
    members.sort(key=lambda p: p.box[1])
    far = FAR * float(np.median([p.height for p in members]))  # heights: a 1 is narrow, a digit in strokes too
    clusters, right = [], -np.inf
    for p in members:  # marks far apart along the row (a margin's line, a second number): the anchor's group
        if p.box[1] - right > far:
            clusters.append([])
        clusters[-1].append(p)
        right = max(right, p.box[3])
    if anchor in members:
        kept = next(c for c in clusters if anchor in c)
        left_out += [p for p in members if p not in kept and p.size >= 0.3 * tall]
        members = kept
    digits = []
    for p in members:
        if digits:
            last = digits[-1]
            x0, x1 = min(q.box[1] for q in last), max(q.box[3] for q in last)
            if min(x1, p.box[3]) - max(x0, p.box[1]) >= 0.35 * min(x1 - x0, p.width):
                last.append(p)
                continue
        digits.append([p])
    for p in parts:  # the bar of a 5 or a 7, a 4's second stroke, a broken stroke: to its digit
        best = min(digits, key=lambda d: _gap(d, p))
        y0, y1 = min(q.box[0] for q in best), max(q.box[2] for q in best)
        if p.why == "line":  # a long straight stroke: a bar (a 7's) high in the digit, not an underline
            bar = p.size <= 1.0 * (y1 - y0) and (p.box[0] + p.box[2]) / 2 < y1 - 0.25 * (y1 - y0)
        else:
            bar = not _underline(p, y0, y1)
        if _gap(best, p) <= 0.15 * tall and bar:  # not an underline
            best.append(p)
        elif p.size >= 0.3 * tall and p.why is None:
            left_out.append(p)
    stacked = [p for p in left_out if p.why is None and p not in caps and overlap(p, members)[0] < 0]
    while stacked:  # a digit broken across a shadow's edge, its largest piece a part: the pieces above
        for p in stacked:  # or below it, each close to the digit as grown, in its column
            best = min(digits, key=lambda d: _gap(d, p))
            x0, x1 = min(q.box[1] for q in best), max(q.box[3] for q in best)
            y0, y1 = min(q.box[0] for q in best), max(q.box[2] for q in best)
            in_column = min(x1, p.box[3]) - max(x0, p.box[1]) >= 0.5 * p.width and not _underline(p, y0, y1)
            if in_column and _gap(best, p) <= STACKED * (y1 - y0):
                best.append(p)
                left_out.remove(p)
                stacked.remove(p)
                break
        else:
            break
    return digits, left_out


def _underline(p: _Piece, y0: int, y1: int) -> bool:
    """Whether a piece is a short straight dash across, wholly under the digit from y0 to y1: an
    underline (a 2's tail reaches up)."""
    return p.width >= 2.5 * p.height and p.height <= 1.6 * p.thick and p.box[0] >= y1 - 0.1 * (y1 - y0)


def _bar(found: _Map, p: _Piece) -> bool:
    """Whether a piece is one solid bar, perhaps tilted: a vertical 1, a pen, a pen cap."""
    own = found.labels[p.box[0] : p.box[2], p.box[1] : p.box[3]] == p.label
    return p.size >= 2.5 * min(p.height, p.width) and _outline(own).solidity > 0.85 and not _holed(found, p)


def _holed(found: _Map, p: _Piece) -> bool:
    """Whether a piece has a hole (a loop of a 0, 6, 8 or 9), which no pen cap has."""
    own = found.labels[p.box[0] : p.box[2], p.box[1] : p.box[3]] == p.label
    return int(_fill_holes(own).sum()) > 1.05 * p.area


def _inside(p: _Piece, shape: tuple[int, int]) -> float:
    """1 for a piece clear of the picture's border or spanning it (a digit cropped tight), less
    for one at an edge or in a corner (the desk, a shadow, a window's frame)."""
    top, left, bottom, right = p.box[0] <= 1, p.box[1] <= 1, p.box[2] >= shape[0] - 1, p.box[3] >= shape[1] - 1
    if not (top or left or bottom or right):
        return 1.0
    if (
        p.height >= 0.8 * shape[0]
        and p.width >= 0.5 * shape[1]
        or p.width >= 0.8 * shape[1]
        and p.height >= 0.5 * shape[0]
    ):
        return 1.0  # a digit cropped tight fills the picture
    return 0.25


def _enclosing(found: _Map, digits: list[list[_Piece]]) -> bool:
    """Whether a digit's largest piece encloses other marks (eyes and a mouth in a circle: a face)."""
    for pieces in digits:
        ring = max(pieces, key=lambda p: p.area)
        others = [p for p in found.pieces if p is not ring and p.why in (None, "dot", "line", "speck", "blob")]
        inner = [p for p in others if _within(p.box, ring.box)]
        if not inner:
            continue
        y0, x0, y1, x1 = ring.box
        filled = _fill_holes(found.labels[y0:y1, x0:x1] == ring.label)
        for p in inner:
            own = found.labels[p.box[0] : p.box[2], p.box[1] : p.box[3]] == p.label
            if (
                own.sum() >= 0.02 * ring.area
                and filled[p.box[0] - y0 : p.box[2] - y0, p.box[1] - x0 : p.box[3] - x0][own].all()
            ):
                return True
    return False


def _within(inner: tuple, outer: tuple) -> bool:
    return inner[0] > outer[0] and inner[1] > outer[1] and inner[2] < outer[2] and inner[3] < outer[3]


def _gap(digit: list[_Piece], p: _Piece) -> float:
    x0, x1 = min(q.box[1] for q in digit), max(q.box[3] for q in digit)
    y0, y1 = min(q.box[0] for q in digit), max(q.box[2] for q in digit)
    return max(x0 - p.box[3], p.box[1] - x1, y0 - p.box[2], p.box[0] - y1, 0)


def _digit_image(ink: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A digit's 28×28 from its mask in an ink map: its strokes' faint edges kept, MNIST's recipe."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    y0, x0 = max(0, rows[0] - 3), max(0, cols[0] - 3)
    mask, ink = mask[y0 : rows[-1] + 4, x0 : cols[-1] + 4], ink[y0 : rows[-1] + 4, x0 : cols[-1] + 4]
    kept = _grown(mask, 2)
    strength = float(ink[mask].max()) or 1.0
    digit = np.where(kept, ink / strength, 0.0)
    return mnist_style(np.clip((digit - NOISE_FLOOR) / (1 - NOISE_FLOOR), 0, 1))


FAR = 1.5  # a gap this many digits' heights wide along a row ends the number
WIDE = 1.25  # a piece this much wider than tall may be more than one digit
LETTER_WIDE = 2.0  # unless it looks like a printed letter and no digit, up to this much wider (an m, a w)
ROW_DIGIT = 1.5  # a piece at most this much wider than the widest other (one-digit-wide) piece of its row is one digit
SQUARE_PART = 0.8  # a part of a piece no wider than a digit spans this much of its height: a 6's loop cut off its
# stroke is no digit (a wide-looped 6 was read 60; two digits pushed into a square are both about as tall)
SQUARE = 0.8  # a piece this wide for its height that looks like no digit may be two that touch
SEGMENT_COST = 0.3  # what each digit of a split costs, in strangeness: a split must earn its cuts
DOUBT = 3.0  # what a digit costs, in strangeness, for the network's doubt (1 − its top probability) when cutting
PART_WIDE = -0.2  # a part of a cut piece pays from this much narrower than its height (two touching digits are
# seldom as wide as tall: a part that wide may hold two)
WIDE_DIGIT = 0.6  # a piece looking like a digit may be this much wider than tall before it pays (a 5's bar, a flat 0)
BALANCE = 0.15  # a part with less of its ink than this in the row's top or bottom half is a stroke (a 5's bar)
SEAM_BAND = 0.25  # a winding cut strays at most this many digits' heights from its column
SEAM_OTHER = 0.01  # a winding cut is tried if the ink it leaves on its left differs this much from every straight cut's
SEAM_MOVE = 0.3  # what a winding cut pays, in pixels of ink crossed, for each pixel it moves sideways


def _split(ink: np.ndarray, mask: np.ndarray, image: np.ndarray, cost: float, judge=None, beside: int = 0):
    """Digits that touch: of the ways to cut a wide piece at the columns holding least ink, straight
    down or winding between the strokes (_seams), the one whose parts look most like digits
    (segmentation by recognition: each part's strangeness plus SEGMENT_COST, and the network's
    doubt when there is one (`judge`), the least total by dynamic programming). A piece no wider
    than a digit is left whole (but for two that may be joined at one point, which the network
    reads surely though the shape is only just a digit's). A piece searched and left whole pays
    for its width as a digit would (a frame filled in, read as a flat 4). The last two values: whether cuts were
    searched for, and whether only a network can tell if the piece is one digit or two. `beside`:
    the width of the widest other digit of the row no wider than one digit (0: none)."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    height, width = y1 - y0, x1 - x0
    whole = ([mask], image[None], np.array([cost]))
    if width <= ROW_DIGIT * beside:
        return (*whole, False, False)  # as wide as the writer's other digits: one (a flat 6 was cut into 10)
    joined = False  # two digits that may be joined by one stroke (a 7 and a 9 touching at one point)
    if width <= LETTER_WIDE * height and cost > STRANGE and digit_shapes.letters(image[None])[0] is not None:
        return (*whole, False, False)  # a printed letter, not digits that touch: a u or an m was cut into 11, 8811
    if width <= WIDE * height and (
        width < SQUARE * height or cost <= STRANGE
    ):  # one digit wide, unless it looks like no digit (nor letter): two that touch?
        # or, square, it only just looks like a digit, yet the network is sure of it (79 read 7)
        joined = width >= SQUARE * height and UNSURE_STRANGE < cost <= STRANGE
        if judge is None or not joined:
            return (*whole, False, joined)
    doubt = _doubt(judge, image)
    if joined and doubt > DOUBT * (1 - SURE):
        return (*whole, False, False)
    parts = _cutting(mask[y0:y1, x0:x1], ink[y0:y1, x0:x1], cost, doubt, judge, joined)
    if parts is None:
        return whole[0], whole[1], whole[2] + _too_wide(width, height, WIDE_DIGIT), True, False
    masks = []
    for piece, _, _ in parts:
        masks.append(np.zeros_like(mask))
        masks[-1][y0:y1, x0:x1] = piece
    return masks, np.stack([im for _, im, _ in parts]), np.array([c for _, _, c in parts]), True, False


def _cutting(
    sub: np.ndarray, sub_ink: np.ndarray, cost: float, doubt: float = 0.0, judge=None, one_stroke: bool = False
) -> list[tuple[np.ndarray, np.ndarray, float]] | None:
    """_split's search in a piece's mask and ink: the cheapest cutting into two digits or more, each
    part as its mask, its 28×28 and its cost (strangeness, and width beyond PART_WIDE); None if the
    piece whole (of strangeness `cost`) costs less. With a network (`judge`), each part (and the
    whole, `doubt`) also pays for the network's doubt about it: the cuts it reads best. A part's doubt
    is not in the cost returned (the network's answer is weighed again when the digits are read).
    `one_stroke`: only cuts that cross at most one stroke (digits joined at one point, not a 6's loop)."""
    height, width = sub.shape
    column = ndimage.uniform_filter1d(sub.sum(axis=0).astype(np.float64), 3)
    minima = [x for x in range(2, width - 2) if column[x] <= column[x - 1] and column[x] <= column[x + 1]]
    cuts = []
    for x in sorted(minima, key=lambda x: column[x]):
        if all(abs(x - c) >= 0.1 * height for c in cuts):
            cuts.append(x)
    step = max(2, round(0.12 * height))  # and every so often, where strokes cross the cut
    cuts += [x for x in range(step, width - 1, step) if all(abs(x - c) >= 0.05 * height for c in cuts)]
    if not cuts:
        return None
    columns = np.arange(width)[None, :]
    total = float(sub.sum())
    paths, straight = {}, []  # one cut for each way of parting the ink; the ink left of each straight cut
    for k, path in enumerate([np.full(height, x) for x in cuts] + list(_seams(sub, cuts, height))):
        left = sub & (columns < path[:, None])
        if k < len(cuts):
            straight.append(int(left.sum()))
        elif np.abs(int(left.sum()) - np.array(straight)).min() < SEAM_OTHER * total:
            continue  # a winding cut that parts the ink as a straight one does
        if not one_stroke or _strokes_crossed(sub, path) <= 1:
            paths.setdefault(left.tobytes(), path)
    edges = [np.zeros(height, int), *sorted(paths.values(), key=lambda p: (p.mean(), tuple(p)))]
    edges.append(np.full(height, width))
    made = {}  # (i, j): the part between edges i and j, its 28×28 and its cost, when looked at

    def part(i, j, enough):
        """What the part between edges i and j costs (with the network's doubt), or inf; not looked
        at (inf) if it costs `enough`."""
        if (edges[i] > edges[j]).any():
            return np.inf  # the cuts cross
        piece = sub & (columns >= edges[i][:, None]) & (columns < edges[j][:, None])
        inked, inked_cols = np.flatnonzero(piece.any(axis=1)), np.flatnonzero(piece.any(axis=0))
        if (
            piece.sum() < 0.03 * total
            or not 0.08 * height <= inked_cols[-1] + 1 - inked_cols[0] <= 1.4 * height
            or inked[-1] + 1 - inked[0] < 0.5 * height  # a 5's bar, a stroke's tail: not a digit of the row
            or (width <= WIDE * height and inked[-1] + 1 - inked[0] < SQUARE_PART * height)  # a 6's loop
            or min(lower := piece[height // 2 :].sum() / piece.sum(), 1 - lower) < BALANCE
        ):
            return np.inf
        wider = _too_wide(inked_cols[-1] + 1 - inked_cols[0], height, PART_WIDE)
        if wider >= enough:
            return np.inf
        image = _digit_image(sub_ink, piece)
        made[i, j] = piece, image, float(digit_shapes.strangeness(image[None])[0]) + wider
        return made[i, j][2] + _doubt(judge, image)

    limit = cost + doubt + SEGMENT_COST + _too_wide(width, height, WIDE_DIGIT if cost <= UNSURE_STRANGE else 0.0)
    best = [(0.0, [])] + [(np.inf, [])] * (len(edges) - 1)  # best[j]: the cheapest cutting of columns up to edge j
    for j in range(1, len(edges)):
        for i in sorted(range(j), key=lambda i: best[i][0]):
            if best[i][0] + SEGMENT_COST >= min(best[j][0], limit):
                break  # no part costs less than nothing: no cutting through edge i can do better
            if edges[j].min() - edges[i].max() <= 1.4 * height:
                s = best[i][0] + SEGMENT_COST + part(i, j, min(best[j][0], limit) - best[i][0] - SEGMENT_COST)
                if s < best[j][0]:
                    best[j] = (s, best[i][1] + [(i, j)])
    if len(best[-1][1]) < 2 or best[-1][0] >= limit:
        return None
    return [made[i, j] for i, j in best[-1][1]]


def _strokes_crossed(mask: np.ndarray, path: np.ndarray) -> int:
    """How many strokes a cut (a column for each row of `mask`) crosses: the runs of ink along it."""
    on = mask[np.arange(len(path)), np.clip(path, 0, mask.shape[1] - 1)].astype(np.int8)
    return int(on[0] + np.count_nonzero(np.diff(on) == 1))


def _doubt(judge, image: np.ndarray) -> float:
    """What the network's doubt about a 28×28 (1 − its top probability) costs a digit in the cutting
    search, in strangeness; nothing without a network."""
    return 0.0 if judge is None else DOUBT * (1.0 - float(np.max(judge(image[None]))))


def _too_wide(width: int, height: int, free: float = 0.0) -> float:
    """What a digit (or a piece read as one) pays, in strangeness, for being wider than tall (by
    more than `free` of its height): a digit seldom is."""
    return 2.0 * max(0.0, width / height - 1.0 - free)


def _seams(mask: np.ndarray, xs: list[int], height: int) -> np.ndarray:
    """(len(xs), rows): for each column x, the cut from top to bottom near it that crosses least ink
    (seam carving), so that it may wind between digits whose columns overlap (a 1 tucked under a 7's
    bar, a 2's tail under the next digit) where a straight cut crosses both."""
    h, w = mask.shape
    xs = np.asarray(xs, int)
    band = max(1, round(SEAM_BAND * height))
    cols = xs[:, None] + np.arange(-band, band + 1)
    ink = np.where((cols >= 1) & (cols < w - 1), mask[:, np.clip(cols, 0, w - 1)], np.inf)  # (rows, cuts, band)
    away = SEAM_MOVE * 0.02 * np.abs(cols - xs[:, None])  # and, in every row, a fiftieth of that per pixel it strays
    cost = ink[0] + away
    steps = np.zeros(ink.shape, np.int8)
    edge = np.full((len(xs), 1), np.inf)
    for y in range(1, h):
        options = np.stack(
            [np.hstack([edge, cost[:, :-1]]) + SEAM_MOVE, cost, np.hstack([cost[:, 1:], edge]) + SEAM_MOVE]
        )
        choice = options.argmin(axis=0)
        steps[y] = choice - 1
        cost = np.take_along_axis(options, choice[None], 0)[0] + ink[y] + away
    at = np.empty((len(xs), h), int)
    at[:, -1] = cost.argmin(axis=1)
    for y in range(h - 1, 0, -1):
        at[:, y - 1] = at[:, y] + steps[y, np.arange(len(xs)), at[:, y]]
    return np.take_along_axis(cols, at, axis=1)


def _read(found: _Map, judge=None) -> _Reading | None:
    """The digits of a row in one ink map, touching ones split (where `judge`, the network, reads
    the parts best, if given)."""
    row = _row(found)
    if row is None:
        return None
    digits, left_out = row
    digits = _joined(found, [(group, _as_digit(found, group)) for group in digits])
    masks, images, costs, searched, ask = [], [], [], False, False
    enclosing = _enclosing(found, [group for group, _ in digits])
    boxes = _boxes([mask for _, (mask, _, _) in digits])
    widths = [x1 - x0 if x1 - x0 <= WIDE * (y1 - y0) else 0 for x0, y0, x1, y1 in boxes]  # one digit wide
    for k, (_, (mask, image, strangeness)) in enumerate(digits):
        beside = max(widths[:k] + widths[k + 1 :], default=0)
        part_masks, part_images, part_costs, cut_searched, may_be_two = _split(
            found.ink, mask, image, strangeness, judge, beside
        )
        masks += part_masks
        images.append(part_images)
        costs.append(part_costs)
        searched |= cut_searched
        ask |= may_be_two
    anchor = max((p for group, _ in digits for p in group), key=lambda p: p.area)
    mass = max(float(found.ink[mask].sum()) for mask in masks) * found.scale
    return _Reading(
        masks,
        np.concatenate(images),
        np.concatenate(costs),
        [(p.box[1], p.box[0], p.box[3], p.box[2]) for p in left_out],
        _inside(anchor, found.labels.shape),
        mass,
        enclosing,
        searched,
        ask,
    )


def _as_digit(found: _Map, group: list[_Piece]) -> tuple[np.ndarray, np.ndarray, float]:
    """Pieces read as one digit: their mask, its 28×28 and how strange it looks."""
    mask = np.isin(found.labels, [p.label for p in group])
    image = _digit_image(found.ink, mask)
    return mask, image, float(digit_shapes.strangeness(image[None])[0])


def _joined(found: _Map, digits: list[tuple[list[_Piece], tuple]]) -> list[tuple[list[_Piece], tuple]]:
    """Neighbours that are one digit broken apart (by a ruled line taken out, a shadow's edge): two
    pieces side by side are joined when together they look more like one digit than apart like two
    (the split's rule, the other way round: each digit costs SEGMENT_COST, a wide one pays).
    `digits`: each group of pieces with its _as_digit."""

    def cost(read):
        mask, _, strangeness = read
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        return strangeness + _too_wide(cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1)

    out = [digits[0]]
    for group, read in digits[1:]:
        last, last_read = out[-1]
        tall = max(p.height for p in last + group)
        gap = min(p.box[1] for p in group) - max(p.box[3] for p in last)
        if gap <= 0.15 * tall:
            both = _as_digit(found, last + group)
            if cost(both) < cost(last_read) + cost(read) + SEGMENT_COST:
                out[-1] = (last + group, both)
                continue
        out.append((group, read))
    return out


def _paper_taken(seen: list[_Map], shape: tuple[int, int]) -> bool:
    """Whether the dark ink against one paper tone took in a stretch of the picture's edge as long
    as half its side (a vignette's dark corner, a shadow across the sheet): the paper only looked
    even, and digits there are lost in it (a drawing: one tone, a little ink, no such stretch)."""
    return any(p.why == "edge" and p.size >= 0.5 * max(shape) for m in seen if not m.light for p in m.pieces)


def _border_share(m: _Map) -> float:
    """The share of the picture's border that is ink in a map."""
    return float(np.mean(_border(m.labels) > 0))


def _score(reading: _Reading) -> float:
    """Which reading of a picture is the real one: the most ink in its largest digit, clear of the
    picture's border (or spanning it: a tight crop), looking like digits."""
    plausible = 1.0 if reading.cost <= STRANGE else 0.3 / reading.cost**2
    return reading.mass * reading.inside * plausible


BRIDGE = 0.5  # ink on a shadow's edge joins the pieces it runs between when it is at most this share of their ink
MORE_INK = 1.15  # ink against the closing alone, edges kept, is read when its digit has this much more ink
WHOLE_BOX = 10  # and its box at most this many times the box of the digit it makes whole (a stroke of it)
FRAMED = 0.8  # digits this much of whose ink is a frame's, once joined across a shadow's edge, are that frame


def _bridges(labels: np.ndarray, band: np.ndarray) -> np.ndarray:
    """The ink left out on the paper's sharp edges (`band`: a hard shadow's) that runs between
    pieces of ink (`labels`, a map's) clear of the picture's border: where a digit crosses a
    shadow's edge, its strokes on either side were separate pieces, and the largest alone was read
    (a 3 read as a 7)."""
    out = np.zeros(labels.shape, bool)
    if not band.any():
        return out
    at_border = set(np.unique(_border(labels)).tolist())
    areas = np.bincount(labels.ravel())
    parts, _ = ndimage.label(band, structure=np.ones((3, 3), bool))
    for k, (rows, cols) in enumerate(ndimage.find_objects(parts), start=1):
        rows = slice(max(0, rows.start - 1), rows.stop + 1)
        cols = slice(max(0, cols.start - 1), cols.stop + 1)
        own = parts[rows, cols] == k
        touched = set(np.unique(labels[rows, cols][ndimage.binary_dilation(own, np.ones((3, 3), bool))]).tolist()) - {0}
        if len(touched) >= 2 and not touched & at_border and own.sum() <= BRIDGE * areas[list(touched)].sum():
            out[rows, cols] |= own
    return out


def _local_map(plane, window, lower, edge, floor) -> _Map | None:
    """The ink against the local paper, in pieces (and the ink on the paper's sharp edges, left out)."""
    ink, paper_edge = _ink(plane, window, lower, floor)
    peak = float(ndimage.uniform_filter(ink, 3).max())
    if peak < MIN_CONTRAST:
        return None
    found, strong, mask = _strokes(ink, peak, paper_edge, edge)
    desks = [p.label for p in found.pieces if p.why == "edge"]
    if desks:  # the darkest "ink" was a desk round the sheet: a pencil's strokes, by their own darkness
        desk = np.isin(found.labels, desks)
        others = float(ndimage.uniform_filter(np.where(_grown(desk, 3) | paper_edge, 0, ink), 3).max())
        if PALE_FLOOR <= others < DESK_PEAK * peak:
            paler = _strokes(np.minimum(ink, others), others, paper_edge, edge)  # the desk no darker
            _faded(paler[0])
            if any(p.why is None and p.size >= MIN_DIGIT * max(ink.shape) for p in paler[0].pieces):
                (found, strong, mask), peak = paler, others
    found.scale, found.edge_ink, found.edges = peak, strong & paper_edge & ~mask, paper_edge | edge
    return found


DESK_PEAK = 0.8  # the darkest ink off the desk at most this share of the desk's: a pale pen, a pencil
PALE_FLOOR = 0.25  # and at least this dark (relative to its paper): fainter is the paper's own shading


def _strokes(ink, peak, paper_edge, edge) -> tuple[_Map, np.ndarray, np.ndarray]:
    """The pieces of ink at least about half as dark as `peak` (off the paper's sharp edges), the
    ink that strong and the mask of the pieces."""
    strong = ink > max(MIN_CONTRAST * 0.7, 0.55 * peak)
    mask = _remove_lines(strong & ~paper_edge)
    return _pieces(ink / peak, mask, paper_edge | edge), strong, mask


def _faded(found: _Map) -> None:
    """Marks "faint" the pieces whose sides only fade (_soft_sided): the shading of paper or desk,
    no stroke, once a pale pen's ink is measured against itself."""
    border = _border_mask(found.labels.shape)
    for p in found.pieces:
        rows, cols = slice(p.box[0], p.box[2]), slice(p.box[1], p.box[3])
        if p.why is None and min(p.own.shape) > 2 and _soft_sided(p.own, found.ink[rows, cols], border[rows, cols]):
            p.why = "faint"


def _joined_across(m: _Map) -> _Map | None:
    """A local paper's map with its pieces joined by the ink on the paper's sharp edges that runs
    between them (_bridges); None if there is none."""
    bridges = _bridges(m.labels, m.edge_ink)
    if not bridges.any():
        return None
    joined = _pieces(m.ink, (m.labels > 0) | bridges, m.edges)
    joined.scale, joined.light = m.scale, m.light
    return joined


BESIDE = (0.15, 0.85)  # a light digit with this share of the ground round it a dark blob's lies beside it


def _beside(r: _Reading, dark: _Map) -> bool:
    """Whether a reading's digits lie beside a blob of the dark map, neither on it (light digits on a
    dark patch, the blob round them) nor apart from it: a wedge of lit paper between the blob and a
    shadow's edge. A blob inside the digits' box is a hole of theirs (a light 0's)."""
    x0, y0, x1, y1 = _hull(r)
    outside = [p.label for p in dark.pieces if p.why == "blob" and not _within(p.box, (y0, x0, y1, x1))]
    blob = _fill_holes(np.isin(dark.labels, outside))
    mask = _fill_holes(np.logical_or.reduce(r.masks))  # the ground round it, not in its holes
    ring = _grown(mask, RING[1]) & ~_grown(mask, RING[0])
    share = (ring & blob).sum() / max(1, ring.sum())
    return bool(BESIDE[0] < share < BESIDE[1])


def _locate(dark: np.ndarray, light: np.ndarray, judge=None) -> tuple[_Map | None, _Reading | None, list[_Map]]:
    """The ink map and the digits read in it, and every map looked at (to say what was seen).
    Ink is looked for against one paper tone (a drawing, a screenshot, a scan, a crop: a thick
    marker stays solid) and, unless the paper is plainly even, against the local paper of a photo
    (dark or light ink; the paper window wide — thick strokes are not paper — or narrow — a shadow
    narrower than the wide window is not ink — whichever gives darker strokes; then once more with
    a window fitted to the stroke width). The reading with the most ink in its largest digit,
    clear of the border and looking like digits, wins, unless it is the paper of another reading;
    then a reading of the same row with more digits (_fuller)."""
    planes = (dark, np.ascontiguousarray(1.0 - light))
    globals_ = [_global_ink(plane) for plane in planes]
    seen = []
    for (ink, _, level, contrast), light in zip(globals_, (False, True), strict=True):
        if ink is not None:
            seen.append(_pieces(ink, _remove_lines(ink > level)))
            seen[-1].scale, seen[-1].light = contrast, light
    if any(m.grain for m in seen):
        return None, None, seen  # random pixels, a photo of a texture: no paper to look for ink on
    candidates = [(m, r) for m in seen for r in [_read(m, judge)] if r is not None]
    pool = list(candidates)  # every reading made, for _fuller
    small = min(dark.shape)
    majority = max(round(0.5 * small), min(small, 64))
    ink, even, level, _ = globals_[0]
    papers = [None, None]  # each plane's majority paper, once
    if not (even and (ink is None or np.mean(ink > level) < 0.25) and not _paper_taken(seen, dark.shape)):
        papers[0] = lower, edge = _majority(dark, majority)
        even = not edge.any() and np.ptp(lower) == 0
    if even:  # one paper tone: the paper surrounds the digits, so the ink that covers the border is not ink
        candidates = [(m, r) for m, r in candidates if _border_share(m) < 0.9] or candidates
    lit = next((m for m in seen if m.light and any(pc.why == "blob" for pc in m.pieces)), None)
    if not even or not candidates:  # a photo's local paper too (a smooth vignette looks even, yet splits)
        local, looked = _local(planes, papers, small, majority, pool, judge, lit)
        seen += looked
        if local is not None and even and local[0].scale < DARK_INK:
            local[0].faint = True  # even paper with no digit against its tone: only its grain is darker than nearby
            local = None
        if local is not None:
            if local[1].cost <= STRANGE:  # the shade or the desk round the digit is no digit
                candidates = [c for c in candidates if not _shade_round(c, local)]
                best = max(candidates, key=lambda c: _score(c[1]), default=None)
                if best is not None and local[1].mass >= 0.5 * best[1].mass:
                    candidates = []  # uneven light: the local paper's reading, unless it lost most of the digit
            candidates.append(local)
    canvas = _canvas(dark)
    if canvas is not None and _cuts_a_digit(canvas, pool):
        canvas = None  # a paint program's canvas holds the drawing whole: this is a lighter patch of a photo
    if canvas is not None:  # a paint program's canvas, a sheet square in the picture: read inside it too
        y0, x0, y1, x1 = canvas
        ink, _, level, _ = _global_ink(dark[y0:y1, x0:x1])
        if ink is not None:
            inner = _pieces(ink, _remove_lines(ink > level))
            reading = _read(inner, judge)
            if reading is not None and reading.cost <= STRANGE:
                full = _Map(np.zeros_like(dark), np.zeros(dark.shape, np.int32), inner.pieces)
                full.ink[y0:y1, x0:x1] = ink
                for k, mask in enumerate(reading.masks):
                    reading.masks[k] = np.zeros(dark.shape, bool)
                    reading.masks[k][y0:y1, x0:x1] = mask
                # the canvas is where the digit is drawn; its scroll bar beside a digit does not make a number
                return _fuller((full, reading), pool, least=3) + (seen,)
    blobs = [m for m in seen[:1] if not m.light and any(pc.why == "blob" for pc in m.pieces)]
    if blobs:  # a solid blob of dark: light "digits" beside it are slivers of the paper round it, dark
        solid = _solid(blobs[0])  # ones on it may be its rim
        candidates = [c for c in candidates if not (_beside(c[1], blobs[0]) if c[0].light else _rim(c[1], solid, dark))]
    desk = any(p.why == "edge" for m in seen[:1] if not m.light for p in m.pieces)
    if desk and lit is not None and _lit_sheets(lit):
        # a sheet lit brighter than the desk round it: light "ink" is the sheet or the desk's sheen
        candidates = [c for c in candidates if not c[0].light]
    for m, r in candidates:
        m.grainy = m.grainy or not _stands_out(r, planes[m.light])
    candidates = [(m, r) for m, r in candidates if not m.grainy]
    for m, r in candidates:
        m.ringed = m.ringed or _paper_inside(m, r)
    candidates = [(m, r) for m, r in candidates if not m.ringed]
    if not candidates:
        return None, None, seen
    candidates = _not_paper(candidates, pool)
    chosen_map, chosen = _fuller(max(candidates, key=lambda c: _score(c[1])), pool)
    return chosen_map, _completed(chosen, chosen_map.ink, pool, judge), seen


GRAIN_DEPTH = 8.0  # ink stands out from the ground round it at least this many times that ground's grain
GRAIN_RING = (3, 10)  # the ground round a reading: from 3 to 10 pixels beyond its ink


def _stands_out(r: _Reading, plane: np.ndarray) -> bool:
    """Whether a reading's ink differs from the ground round it (its median) by at least GRAIN_DEPTH
    times that ground's grain (its fine detail's spread: the plane less its blur, robustly). A clump
    of a mottled desk's or a wood grain's texture beside a blank sheet was read 1, 4 or 8 at 90-99 %:
    it is 4-7 times its grain; ink (pencil included) 10 times or more, a drawing's far more."""
    kept = np.logical_or.reduce(r.masks)
    x0, y0, x1, y1 = _boxes([kept])[0]
    margin = GRAIN_RING[1] + 10  # the blur (2 pixels, to 8) reaches no pixel of the ring from outside
    y0, x0, y1, x1 = max(0, y0 - margin), max(0, x0 - margin), y1 + margin, x1 + margin
    kept, plane = kept[y0:y1, x0:x1], plane[y0:y1, x0:x1]
    ring = _grown(kept, GRAIN_RING[1]) & ~_grown(kept, GRAIN_RING[0])
    if not ring.any():
        return True
    fine = (plane - ndimage.gaussian_filter(plane, 2))[ring]
    grain = 1.4826 * float(np.median(np.abs(fine - np.median(fine))))
    return abs(float(np.median(plane[ring])) - float(np.median(plane[kept]))) >= GRAIN_DEPTH * grain


RIM = 0.05  # a digit on a blob must be this much darker than the blob (a digit on a sticky note is)


def _rim(r: _Reading, solid: np.ndarray, dark: np.ndarray) -> bool:
    """Whether a dark reading is the rim of a solid blob (`solid`, _solid's) it lies on, not a digit
    written on it: its ink no darker than the blob's (against a local paper, the blob's middle is
    taken for paper)."""
    if not _on_sheet(r, solid):
        return False
    kept = np.logical_or.reduce(r.masks)
    return float(np.median(dark[kept])) > float(np.median(dark[solid & ~kept])) - RIM


def _completed(chosen: _Reading, ink: np.ndarray, pool: list[tuple[_Map, _Reading]], judge=None) -> _Reading:
    """The chosen reading (of the ink map `ink`), each digit replaced by the same digit found
    larger in another map, looking like a digit and not reaching into its neighbours, where the ink
    it adds is fainter ink of this map (FAINT), or as dark and looking more like a digit so: a faint
    stroke of a photo, lost against one paper, kept against another (a 2's faint curve read as a
    dash, then as a 4). With a network (`judge`), only if it is as plausible, doubt included."""
    others = [
        (other, box, image, strange)
        for _, r in pool
        if r is not chosen
        for other, box, image, strange in zip(r.masks, _boxes(r.masks), r.images, r.strangeness, strict=True)
        if strange <= STRANGE
    ]
    boxes = _boxes(chosen.masks)
    for k, (mask, (x0, y0, x1, y1)) in enumerate(zip(chosen.masks, boxes, strict=True)):
        own, around, darkest = mask.sum(), _grown(mask, 2), np.median(ink[mask])
        plausible = chosen.strangeness[k] + _doubt(judge, chosen.images[k])
        best = None
        for other, box, image, strange in others:
            if (
                max((box[2] - box[0]) / (x1 - x0), (box[3] - box[1]) / (y1 - y0)) < GROWN
                or (mask & _grown(other, 2)).sum() < 0.8 * own
                or any(j != k and _shared(box, b) > 0.2 * (b[2] - b[0]) * (b[3] - b[1]) for j, b in enumerate(boxes))
                or judge is not None
                and strange + _doubt(judge, image) > plausible
            ):
                continue
            added = other & ~around
            darkness = np.median(ink[added]) / darkest if added.any() else 0.0
            if darkness < FAINT[0] or darkness > FAINT[1] and strange >= chosen.strangeness[k]:
                continue  # no ink of this map (a desk's grain), or as dark, another mark (an underline)
            if best is None or other.sum() > best[0].sum():
                best = other, image, strange, box
        if best is not None:
            chosen.masks[k], chosen.images[k], chosen.strangeness[k], (x0, y0, x1, y1) = best
            chosen.left_out = [b for b in chosen.left_out if not _within(b, (x0 - 1, y0 - 1, x1 + 1, y1 + 1))]
    return chosen


GROWN = 1.2  # a digit found this much taller or wider in another ink map may have lost a faint stroke
FAINT = (0.3, 0.8)  # a faint stroke: this much of its digit's (median) ink in the chosen map (darker: if it looks
# more like a digit so, the rest of a digit cut by a shadow's edge; an underline or a shadow's edge joined to it does not)


PAPER_FILL = 0.5  # light digits whose box is at least this much "ink" may be a sheet (with holes), not strokes
PAPER_AREA = 4  # if this many times the area of dark digits they hold
PAPER_AREA_ONE = 16  # or of one dark digit (the hole of a light-on-dark 0 or 8 may be read as one)
SHADE_ROUND = 0.5  # "ink" this much fainter than a digit's, round it, is shade or desk (_shade_round)
HOLE_WIDTH = 0.3  # unless that one is strokes, none wider than this share of its box (a hole is solid)


def _hull(r: _Reading) -> tuple[int, int, int, int]:
    """The box round all the digits of a reading: x0, y0, x1, y1."""
    boxes = np.array(_boxes(r.masks))
    return (*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0))


def _area(box: tuple[int, int, int, int]) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


RINGED = 0.5  # a light "digit" this much of whose ground, just beyond a thin dark ring, is light again is paper
RING_WIDTH = 0.1  # a ring at most this share of the light digit's height wide (a drawn ring, a 0's stroke)


def _paper_inside(m: _Map, r: _Reading) -> bool:
    """Whether a light reading is the paper inside a dark drawn ring (a face, a circle, a 0's hole):
    light "ink" covers most of the picture's border, so the paper is light, and again most of the
    ground just round the reading, beyond a ring of dark. A light digit on a dark ground (chalk on a
    board, white on a screen, even with a light wall round it) has dark all round it."""
    if not m.light or _border_share(m) < 0.5:
        return False
    x0, y0, x1, y1 = _hull(r)
    width = max(2, round(RING_WIDTH * (y1 - y0)))
    h, w = m.labels.shape
    top, left = max(0, y0 - width), max(0, x0 - width)
    window = (slice(top, min(h, y1 + width)), slice(left, min(w, x1 + width)))
    kept = _fill_holes(np.logical_or.reduce(r.masks)[window])
    band = _grown(kept, width) & ~kept  # the ground round it, as _on_paper takes a piece's
    return bool(band.any()) and float(np.mean(m.labels[window][band] > 0)) >= RINGED


def _not_paper(readings: list[tuple[_Map, _Reading]], others: list[tuple[_Map, _Reading]]) -> list:
    """The readings that are not the paper of a number: a light reading across half the picture,
    its box mostly "ink", that holds dark digits far smaller than itself is the paper they are
    written on (the bright middle of a photo darkened towards its corners, taken for light ink with
    the digits as its holes, perhaps cut in two; one digit is written on paper too), unless nothing
    else is left."""

    def sheet(m: _Map, r: _Reading) -> bool:  # light, mostly "ink" inside its box, across half the picture
        x0, y0, x1, y1 = _hull(r)
        h, w = m.labels.shape
        return (
            m.light
            and x1 - x0 >= 0.5 * w
            and y1 - y0 >= 0.5 * h
            and float(np.logical_or.reduce(r.masks)[y0:y1, x0:x1].mean()) >= PAPER_FILL
        )

    def strokes(o: _Reading) -> bool:  # more digits than one, or one of strokes: no light digit's holes
        if len(o.masks) > 1:
            return True
        x0, y0, x1, y1 = _hull(o)
        depth = ndimage.distance_transform_edt(np.pad(o.masks[0][y0:y1, x0:x1], 1)).max()
        return 2 * depth < HOLE_WIDTH * max(x1 - x0, y1 - y0)

    def written_on(r: _Reading) -> bool:  # dark digits inside it, far smaller than it (not a hole)
        return any(
            not n.light
            and _within(_hull(o), _hull(r))
            and _area(_hull(r)) >= (PAPER_AREA if strokes(o) else PAPER_AREA_ONE) * _area(_hull(o))
            for n, o in others
        )

    kept = [(m, r) for m, r in readings if not (sheet(m, r) and written_on(r))]
    return kept or readings


def _shade_round(outer: tuple[_Map, _Reading], inner: tuple[_Map, _Reading]) -> bool:
    """Whether the digits of `outer` hold those of `inner` and their ink is less than half as dark
    (SHADE_ROUND): the shade or the desk round a digit, taken for one against one paper tone."""
    return _within(_hull(inner[1]), _hull(outer[1])) and outer[0].scale < SHADE_ROUND * inner[0].scale


def _boxes(masks: list[np.ndarray]) -> list[tuple[int, int, int, int]]:
    """Each mask's box: x0, y0, x1, y1."""
    boxes = []
    for mask in masks:
        rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
        boxes.append((int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1))
    return boxes


def _shared(a: tuple, b: tuple) -> int:
    """The area two boxes share."""
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def _same_box(a: tuple, b: tuple, of=min) -> bool:
    """Two boxes of one digit, or of its parts: they share half the smaller one (`of=max`: half the
    larger one, the same digit whole in both)."""
    return _shared(a, b) >= 0.5 * of((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))


def _fuller(chosen: tuple[_Map, _Reading], pool: list[tuple[_Map, _Reading]], least: int = 2) -> tuple[_Map, _Reading]:
    """The chosen reading of a number, or another one of the same row with more digits (`least` at
    least): one that holds every digit chosen and others beside them, all looking like digits. The
    light across a photo (a shadow, a vignette, a sheet's edge) can lose a row's digits in one ink
    map but not in another."""
    best_map, best = chosen
    mine = _boxes(best.masks)
    for m, r in pool:
        if len(r.masks) < max(least, len(best.masks) + 1) or r.enclosing or r.cost > STRANGE:
            continue
        theirs = _boxes(r.masks)
        new = [b for b in theirs if not any(_same_box(a, b) for a in mine)]  # not one chosen digit cut in two
        if new and all(any(_same_box(a, b, of=max) for b in theirs) for a in mine):
            best_map, best, mine = m, r, theirs
    return best_map, best


def _cuts_a_digit(box: tuple[int, int, int, int], pool: list[tuple[_Map, _Reading]]) -> bool:
    """Whether the edge of `box` (y0, x0, y1, x1) runs through a digit of a reading that looks like
    digits, clear of the picture's border: from a tenth to nine tenths of its ink inside."""
    y0, x0, y1, x1 = box
    for _, r in pool:
        if r.cost <= STRANGE and r.inside == 1.0:
            for mask in r.masks:
                inside = mask[y0:y1, x0:x1].sum() / max(1, mask.sum())
                if 0.1 < inside < 0.9:
                    return True
    return False


def _canvas(plane: np.ndarray) -> tuple[int, int, int, int] | None:
    """The box of a large, even, light rectangle inside the picture (a paint program's canvas),
    when there is one and it is not the whole picture: y0, x0, y1, x1."""
    counts, edges = np.histogram(plane, bins=25, range=(0.5, 1.0))
    best, best_tone = None, 0.0
    for k in np.argsort(counts)[::-1][:3]:  # the commonest light tones: the canvas's, the window's
        if counts[k] < 0.05 * plane.size:
            break
        tone = float(np.median(plane[(plane >= edges[k]) & (plane <= edges[k + 1])]))
        labels, count = ndimage.label(np.abs(plane - tone) < 0.03)
        sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]  # each region's area
        region = labels == 1 + int(np.argmax(sizes))  # its holes, filled below, lie inside its box
        rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        box = (y1 - y0) * (x1 - x0)
        if (
            0.1 * plane.size <= box <= 0.85 * plane.size
            and tone > best_tone
            and _fill_holes(region)[y0:y1, x0:x1].mean() >= 0.9
        ):
            best, best_tone = (y0, x0, y1, x1), tone  # the lightest: the canvas, not the window around it
    if best is None or min(best[2] - best[0], best[3] - best[1]) < 20:
        return None
    y0, x0, y1, x1 = best
    return y0 + 2, x0 + 2, y1 - 2, x1 - 2


def _local(
    planes, papers, small: int, majority: int, pool: list, judge=None, lit: _Map | None = None
) -> tuple[tuple[_Map, _Reading] | None, list[_Map]]:
    """The best reading against a photo's local paper, the maps looked at (`papers`: each
    plane's majority paper where already known; every reading made is added to `pool`; `lit`: the
    one-tone light map, when it holds a lit sheet); its pieces
    joined across the paper's sharp edges where that makes a digit whole (_whole), or the ink on
    a shadow's edge kept (_unedged_map)."""
    wide = max(round(0.25 * small), min(small, 15))  # a small picture is mostly digit: wider windows
    narrow = max(15, round(0.08 * small))
    found, seen = [], []
    for plane, paper, floor, light in zip(planes, papers, PAPER_FLOOR, (False, True), strict=True):
        lower, edge = paper or _majority(plane, majority)
        for window in (wide, narrow) if narrow < 0.7 * wide else (wide,):
            m = _local_map(plane, window, lower, edge, floor)
            if m is not None:
                m.light = light
            reading = _read(m, judge) if m is not None else None
            if m is not None:
                seen.append(m)
            if reading is not None:
                darkness = float(np.median(m.ink[np.logical_or.reduce(reading.masks)]))
                found.append((m, reading, window, plane, lower, edge, darkness, floor))
    pool += [(c[0], c[1]) for c in found]
    if lit is not None and any(c[0].light for c in found):  # light "digits" that are part of the lit sheet:
        sheet = _solid(lit)  # a corner of it brighter than the desk
        found = [c for c in found if not (c[0].light and _on_sheet(c[1], sheet))] or found
    if not found:
        return None, seen
    kept = {id(r) for _, r in _not_paper([(c[0], c[1]) for c in found], pool)}
    found = [c for c in found if id(c[1]) in kept]
    top = max(found, key=lambda c: _score(c[1]))
    beside = [c for c in found if top[0].light and not _within(_hull(top[1]), _hull(c[1]))]  # not its holes
    for c in [c for c in beside if _left_out(c[0], c[5])][:1]:  # a dark digit cut by a shadow's edge,
        whole = _made_whole(c[3], wide, c[7], c[1], judge)  # outweighed by a light sliver of the sheet beside
        if whole is not None and _score(whole[1]) > _score(top[1]):  # it (the wide window: a narrow one's
            pool.append(whole)  # closing cuts a thick stroke)
            return whole, seen + [whole[0]]
    polarity = top[3]
    mine = [c for c in found if c[3] is polarity]
    best = mine[0]  # the wide window's, if any
    for c in mine:
        if c[6] > best[6] + 0.05:  # clearly darker: a shadow was swallowed
            best = c
    m, reading, window, plane, lower, edge, _, floor = best
    stroke = max((p.thick for p in m.pieces if p.why is None), default=0)
    fitted = min(small, max(5, round(3 * stroke + 3)))
    if fitted < 0.7 * min(window, narrow) or fitted > window:  # a thin pen, or a very thick one
        again = _local_map(plane, fitted, lower, edge, floor)
        again_reading = _read(again, judge) if again is not None else None
        if again_reading is not None:
            again.light = m.light
            pool.append((again, again_reading))
            m, reading = again, again_reading
            seen = seen + [again]
    joined = _joined_across(m)
    left_out = _left_out(m, edge)
    across = _read(joined, judge) if joined is not None else None
    if across is not None and _whole(across, reading):
        m, reading = joined, across
        pool.append((m, reading))
        seen = seen + [joined]
    elif joined is not None and _framed(joined, reading):
        return None, seen + [joined]  # a frame cut by a shadow's edge: its pieces are no digit
    if left_out:
        whole = _made_whole(plane, window, floor, reading, judge)
        if whole is not None:
            pool.append(whole)
            return whole, seen + [whole[0]]
    return (m, reading), seen


ON_SHEET = 0.9  # a reading this much of whose ink lies on a solid blob is part of it (a lit corner, a blot's rim)


def _solid(m: _Map) -> np.ndarray:
    """The solid blobs of a map against one paper tone, their holes filled: light, a sheet lit
    brighter than the desk round it (with the dark digits written on it); dark, a blot."""
    return _fill_holes(np.isin(m.labels, [p.label for p in m.pieces if p.why == "blob"]))


def _on_sheet(r: _Reading, sheet: np.ndarray) -> bool:
    kept = np.logical_or.reduce(r.masks)
    return float(sheet[kept].mean()) >= ON_SHEET


def _made_whole(plane, window, floor, reading: _Reading, judge=None) -> tuple[_Map, _Reading] | None:
    """The ink against the grey closing alone (_unedged_map) and its reading, when that makes the
    digits read whole (_grown_whole); else None."""
    flat = _unedged_map(plane, window, floor)
    grown = _read(flat, judge) if flat is not None else None
    return (flat, grown) if grown is not None and _grown_whole(grown, reading) else None


def _left_out(m: _Map, edge: np.ndarray) -> bool:
    """Whether dark ink was left out on a sharp edge of the paper: a shadow's (`edge`: the majority
    paper's, or a straight one where the paper looked even; a blurry scan's halo is no ink)."""
    return not m.light and (edge.any() or _straight_edge(m.edges)) and m.edge_ink.any()


def _straight_sided(shape: _Outline) -> bool:
    """A sheet's outline, a sticky note's, a shadow's patch: a rectangle at any angle, or a polygon of few corners."""
    return shape.aspect > 0.35 and (shape.rectangular > FRAME or (shape.solidity > 0.9 and shape.corners <= 6))


def _lit_sheets(m: _Map) -> list[_Piece]:
    """A light map's straight-sided blobs: sheets lit brighter than what is round them."""
    return [p for p in m.pieces if p.why == "blob" and _straight_sided(p.outline)]


def _straight_edge(edges: np.ndarray) -> bool:
    """Whether the paper's sharp edges hold a straight one across half the picture (a shadow's, when
    the paper looked even beside it; a blurry scan's halo is round its strokes)."""
    labels, _ = ndimage.label(edges, structure=np.ones((3, 3), bool))
    for k, (rows, cols) in enumerate(ndimage.find_objects(labels), start=1):
        if max(rows.stop - rows.start, cols.stop - cols.start) >= 0.5 * max(edges.shape):
            values, _ = _axes(*np.nonzero(labels[rows, cols] == k))
            if values[1] > 36 * max(values[0], 1e-9):  # 6 times longer than wide
                return True
    return False


def _unedged_map(plane, window, floor) -> _Map | None:
    """The dark ink against the grey closing alone, the paper's sharp edges not left out: where a
    thick digit crosses a shadow's edge, its strokes there are ink too (they were left out, and the
    bridges across were too wide to join the digit's halves: a 4 read 1, a 6 cut to its loop)."""
    ink, paper_edge = _ink(plane, window, np.float32(np.inf), floor)  # no majority paper: the closing's alone
    peak = float(ndimage.uniform_filter(ink, 3).max())
    if peak < MIN_CONTRAST:
        return None
    mask = ink > max(MIN_CONTRAST * 0.7, 0.55 * peak)
    mask |= ndimage.binary_closing(mask, np.ones((5, 5), bool)) & paper_edge  # a stroke cut by the edge's line
    weak, _ = ndimage.label(ink > max(MIN_CONTRAST * 0.7, 0.3 * peak), structure=np.ones((3, 3), bool))
    near = _grown(paper_edge, 6)  # and its fainter stretch beside the edge, in the shadow, running from it
    mask |= np.isin(weak, np.unique(weak[mask])) & (weak > 0) & near
    found = _pieces(ink / peak, _remove_lines(mask))
    found.scale, found.light = peak, False
    return found


def _grown_whole(grown: _Reading, reading: _Reading) -> bool:
    """Whether `grown` is `reading`'s digits made whole (_whole), with MORE_INK times the ink in its
    largest and the ink read before within it, its box at most WHOLE_BOX times as large and not
    reaching the picture's edge unless it did (a screenshot's window or canvas, its edges straight
    and sharp, is no digit)."""
    if not _whole(grown, reading) or grown.mass < MORE_INK * reading.mass:
        return False
    before, after = np.logical_or.reduce(reading.masks), np.logical_or.reduce(grown.masks)
    if _area(_boxes([after])[0]) > WHOLE_BOX * _area(_boxes([before])[0]):
        return False
    if _border(after).any() and not _border(before).any():
        return False  # grown to the picture's edge: a window's toolbar and scroll bar
    return bool(_grown(after, 2)[before].mean() >= 0.9)


def _framed(joined: _Map, reading: _Reading) -> bool:
    """Whether the digits read are mostly the ink of one frame once its pieces are joined across
    the paper's sharp edges (a box drawn across a shadow's edge, broken there, was read as a 0)."""
    ink = np.logical_or.reduce(reading.masks)
    frames = [p.label for p in joined.pieces if p.why == "frame"]
    return bool(frames) and np.isin(joined.labels[ink], frames).mean() >= FRAMED


def _whole(across: _Reading, reading: _Reading) -> bool:
    """Whether the reading with pieces joined across the paper's sharp edges (_bridges) is a digit
    cut by a shadow's edge made whole: no more digits, more ink in its largest, looking like
    digits (a pen cap's highlight or a thick light stroke's edge joins what is no digit)."""
    return len(across.masks) <= len(reading.masks) and across.mass > reading.mass and across.cost <= STRANGE


REASONS = {
    "line": "only a straight line",
    "dot": "only a dot",
    "blob": "only a solid blob",
    "holed": "only a filled shape with holes in it (a face's eyes and mouth)",
    "frame": "only a frame",
    "edge": "only the picture's edges or background (a desk, a window frame)",
    "grain": "only grain or noise all over the picture, no pen strokes",
    "question": "only a question or exclamation mark (a mark with a dot beneath it)",
    "ringed": "only a drawn ring with marks inside it (a face, a drawing)",
}


SHORT_LINE = 0.13  # a line shorter than this share of the picture is a sliver (a sheet's edge), not a drawn line
RIM_SHARE = 0.6  # a shape smaller than this share of a dark blob (a sliver of its rim) does not describe it


def _on_the_sheet(maps: list[_Map], shapes: list[_Piece]) -> list[_Piece]:
    """Of a sheet photographed on a desk (a desk round the picture, a straight-sided sheet lit
    brighter than it), the shapes not lying on the desk: there they are its stripes or grain (a
    blank sheet on a wooden desk was "only a straight line"). Other pictures: `shapes` as they are."""
    shape = maps[0].labels.shape if maps else None
    desks = [(m, p) for m in maps if not m.light and m.labels.shape == shape for p in m.pieces if p.why == "edge"]
    lit = [p for m in maps if m.light and m.labels.shape == shape for p in _lit_sheets(m)]
    if not (desks and lit):
        return shapes
    desk = _grown(np.logical_or.reduce([m.labels == p.label for m, p in desks]), 2)
    for p in lit:  # what the sheet holds (its holes) is on the sheet
        desk[p.box[0] : p.box[2], p.box[1] : p.box[3]] &= ~p.filled
    return [  # a frame is drawn (its ink may join a shadow's, and the shadow is taken for a desk)
        p for p in shapes if p.why == "frame" or desk[p.box[0] : p.box[2], p.box[1] : p.box[3]][p.own].mean() < 0.5
    ]


def _nothing_found(maps: list[_Map], name: str, picture: Image.Image | None = None, animated=False) -> NoDigitError:
    """The refusal that says what was seen, when no map holds a digit (`picture`: as looked at;
    `animated`: only the first of its frames was looked at)."""
    grainy = any(m.grainy for m in maps)  # then a bar lying down is a clump of that grain, no line
    seen = [p for m in maps for p in m.pieces if p.why not in (None, "speck", "faint") or p.lying and not grainy]
    sheets = {id(p) for m in maps if m.light for p in m.pieces if p.why == "blob"}  # paper lit, not a mark
    shapes = [p for p in seen if p.why != "edge" and id(p) not in sheets]  # before the background
    side = max(maps[0].labels.shape) if maps else 0
    shapes = [p for p in shapes if not (p.why == "line" and p.size < SHORT_LINE * side)]  # a sheet's edge, a sliver
    shapes = _on_the_sheet(maps, shapes)
    blob = max((p.size for p in shapes if p.why == "blob"), default=0)
    shapes = [  # a frame's inside, the sheet a line is on: the blob is paper; not a sliver of a blob's rim
        p for p in shapes if p.why != "blob" and p.size >= RIM_SHARE * blob
    ] or shapes
    if any(m.grain for m in maps):
        what = REASONS["grain"]
    elif any(m.ringed for m in maps):
        what = REASONS["ringed"]
    elif seen and not any(m.faint for m in maps):
        biggest = max(shapes or seen, key=lambda p: p.area)
        what = REASONS[biggest.why or "line"]  # or a thick bar lying down
    else:
        what = "the picture is blank, or its marks are too faint or too small"
    where = " in its first frame (the only one read; save the frame you mean as PNG)" if animated else ""
    return NoDigitError(f"{name}: no digit found{where}: {what}; write a digit large and dark on plain paper", picture)


# --- MNIST's recipe ----------------------------------------------------------------------------


def _crop_to_ink(ink: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width in pixels: area over half the boundary length of the half-strength mask."""
    mask = ink > 0.5
    padded = np.pad(mask, 1)
    inner = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    boundary = (mask & ~inner).sum()
    return 2.0 * mask.sum() / boundary if boundary else 0.0


def _resize(ink: np.ndarray, width: int, height: int) -> np.ndarray:
    """Anti-aliased resize of a float image (Lanczos, which averages over the whole footprint)."""
    im = Image.fromarray(ink.astype(np.float32), mode="F")
    return np.clip(np.asarray(im.resize((width, height), Image.Resampling.LANCZOS)), 0, 1)


def _fit(ink: np.ndarray, side: int) -> np.ndarray:
    h, w = ink.shape
    scale = side / max(h, w)
    return _resize(ink, max(1, round(w * scale)), max(1, round(h * scale)))


def mnist_style(ink: np.ndarray) -> np.ndarray:
    """MNIST's recipe for an ink map of one digit (ink > 0 on 0): crop, thicken a thin pen, fit into
    20×20 keeping the aspect ratio, centre of mass at the centre of 28×28."""
    ink = _crop_to_ink(ink)
    if max(ink.shape) > MEASURE_SIDE:  # measure strokes at a size where they are a few pixels wide
        ink = _fit(ink, MEASURE_SIDE)
        ink /= ink.max()
    target = MNIST_STROKE * max(ink.shape) / 20
    width = _stroke_width(ink)
    if 0 < width < THIN_PEN * target:  # a thin pen on a big canvas: thicken to MNIST's pen
        size = 2 * round((target - width) / 2) + 1
        ink = _crop_to_ink(ndimage.maximum_filter(np.pad(ink, size).astype(np.float32), size, mode="nearest"))
    elif width > THICK_PEN * target:  # a thick marker: thinned towards MNIST's pen, its shape kept
        size = 2 * round((width - THINNED * target) / 2) + 1
        thinner = ndimage.minimum_filter(ink.astype(np.float32), size, mode="nearest")  # as PIL's MinFilter, faster
        if thinner.max() > 0.5:
            ink = _crop_to_ink(thinner / thinner.max())

    digit = _fit(ink, 20)
    digit /= digit.max()
    h, w = digit.shape
    ys, xs = np.mgrid[:h, :w]
    mass = digit.sum()
    cy, cx = (digit * ys).sum() / mass, (digit * xs).sum() / mass
    top = int(np.clip(round(14.0 - cy), 0, 28 - h))  # MNIST's centre of mass is at (14, 14)
    left = int(np.clip(round(14.0 - cx), 0, 28 - w))
    out = np.zeros((28, 28), dtype=np.float32)
    out[top : top + h, left : left + w] = digit
    return out


def prepare(source, name: str | None = None, max_pixels: int | None = None, judge=None) -> Prepared:
    """Find the digits in `source` (an image file's path, the bytes of one, or a PIL image) and
    make each the network's 28×28 input, left to right. Raises NoDigitError for a picture with no
    digit in it (saying what it holds instead), ImageTooLargeError when its header claims more than
    `max_pixels` (checked before decoding), and ImageError for anything that is not a readable
    image; `name` is how messages call it. `judge`: the network that will read the digits
    (28×28s -> ten probabilities each), to cut touching digits where it reads the parts best; without
    it, pieces are cut by their shapes alone (and `searched` says whether a judge could matter)."""
    if name is None:
        name = display_path(source) if not isinstance(source, bytes | bytearray | Image.Image) else "the image"
    im = open_image(source, name, max_pixels, reduce=True)
    dark, light = _planes(im)
    _, best, seen = _locate(dark, light, judge)
    if best is None:
        raise _nothing_found(seen, name, _picture(im, dark), im.info.get(ANIMATED, False))
    boxes = _boxes(best.masks)
    if (  # a number in small digits, perhaps close or touching, on a photo (not drawn in a program, in
        len(boxes) > 1  # mostly one exact tone): read again at the size it was opened at
        and np.median([b[3] - b[1] for b in boxes]) < SHARPER
        and max(im.size) > ANALYSIS_SIDE
        and np.mean(dark == np.max(dark)) <= 0.5
    ):
        sharper = _planes(im, max(im.size))
        _, again, _ = _locate(*sharper, judge)
        if (
            again is not None
            and len(again.masks) >= len(best.masks)
            and again.cost <= STRANGE
            and (best.searched or _keeps_digits(best, again, sharper[0].shape[1] / dark.shape[1], judge))
        ):
            best, dark, boxes = again, sharper[0], _boxes(again.masks)
    kept = np.logical_or.reduce(best.masks)
    notes = best.notes
    if best.enclosing:  # marks inside a ring: a face, a drawing, not a digit
        notes.append("marks drawn inside a loop")
        best.strangeness = best.strangeness + STRANGE
    if im.info.get(ANIMATED):
        notes.append("the first of its frames: the only one read")
    searched = best.searched or best.ask_judge
    return Prepared(best.images, boxes, notes, best.strangeness, _picture(im, dark), kept, searched)


def _keeps_digits(first: _Reading, again: _Reading, factor: float, judge=None) -> bool:
    """Whether a reading of the picture larger (`again`, `factor` times) keeps every digit of the
    first: its box covered by theirs (no faint stroke lost), and not a digit that looked like one
    cut into parts that look less like digits (the split's rule; a bold digit is stranger larger)."""
    theirs = _boxes(again.masks)
    covered = np.zeros(again.masks[0].shape, bool)
    for x0, y0, x1, y1 in theirs:
        covered[y0:y1, x0:x1] = True
    for k, box in enumerate(_boxes(first.masks)):
        x0, y0, x1, y1 = (round(v * factor) for v in box)
        if covered[y0:y1, x0:x1].mean() < 0.7:
            return False  # a stroke lost
        parts = [j for j, b in enumerate(theirs) if _same_box((x0, y0, x1, y1), b)]
        if len(parts) < 2 or max(again.strangeness[j] for j in parts) <= UNSURE_STRANGE:
            continue  # apart at last, each a digit: digits that had blurred together
        whole = first.strangeness[k] + _doubt(judge, first.images[k])
        cut = sum(again.strangeness[j] + _doubt(judge, again.images[j]) + SEGMENT_COST for j in parts) - SEGMENT_COST
        if whole <= cut:
            return False
    return True


def _picture(im: Image.Image, dark: np.ndarray) -> Image.Image:
    """The picture as it was analysed, in RGB, for the contact sheet."""
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        return Image.fromarray((dark * 255).round().astype(np.uint8)).convert("RGB")
    if "A" in im.mode or "transparency" in im.info:  # transparent = white paper, as analysed
        paper = Image.new("RGBA", im.size, "white")
        paper.alpha_composite(im.convert("RGBA"))
        im = paper
    picture = im.convert("RGB")
    return picture.resize(dark.shape[::-1], Image.Resampling.BOX) if picture.size != dark.shape[::-1] else picture


UNSURE_STRANGE = 0.7  # stranger than this, and the network less sure than SURE: not read
SURE = 0.8  # (for a network trained 10,000 iterations; prediction.sureness: as sure for another)
VERY_STRANGE = 1.5  # stranger than this: not read; from STRANGE to this the network must be the surer the
CERTAIN = 0.995  # stranger the digit: SURE at STRANGE, CERTAIN at VERY_STRANGE (a step at 1.3 refused unusual hands
# at 1.03 that the network was 62 % sure of, and let no more letters, faces or scrawls through)
NUMBER_READ = 0.5  # a number is read when at least half its digits would be read alone (one odd hand among them)
NUMBER_STRANGEST = 1.7  # and none is stranger than this: looks like nothing (a face's eye and mouth cut apart read 12)


def refusal(prepared: Prepared, probabilities: np.ndarray, sure: float = SURE, certain: float = CERTAIN) -> str | None:
    """Why the digits found do not look like handwritten digits (the network's closest answer
    said), or None to read them: a printed letter's shape (digit_shapes.letters), too strange for
    a digit, or somewhat strange and the network unsure (measured on MNIST's test digits, letters,
    faces and the own-digit survey) — for a number, in more than half its digits or in one that
    looks like nothing (NUMBER_STRANGEST). `sure` and `certain`: SURE and CERTAIN for the network
    answering (prediction.sureness)."""
    closest = ", ".join(f"{int(np.argmax(p))}, {np.max(p):.0%}" for p in probabilities)
    letter = next((c for c in digit_shapes.letters(prepared.images) if c is not None), None)
    if letter is not None:  # closer to a printed letter than to any digit
        kind = "letter" if letter.isalpha() else "sign"
        return f"this looks like the {kind} {letter}, not a digit (closest digit: {closest}); write a digit large and dark on plain paper"
    strangeness, top = np.asarray(prepared.strangeness, float), probabilities.max(axis=1)
    needed = sure + (certain - sure) * np.clip((strangeness - STRANGE) / (VERY_STRANGE - STRANGE), 0, 1)
    # each digit as if alone; an unusual hand or a typeface is read when the network is sure enough
    read = (strangeness <= UNSURE_STRANGE) | ((strangeness <= VERY_STRANGE) & (top >= needed))
    if read.sum() >= NUMBER_READ * len(read) and strangeness.max() <= NUMBER_STRANGEST:
        return None
    what = "a handwritten digit" if len(probabilities) == 1 else "handwritten digits"
    return f"this does not look like {what} (closest: {closest}); write a digit large and dark on plain paper"


def to_mnist(source) -> np.ndarray:
    """The 28×28 float32 input (ink 1.0 on 0.0) for an image: `prepare(source).image`."""
    return prepare(source).image


def as_published(path: Path | str) -> Prepared:
    """The article's recipe, kept for --as-published: inverted raw 0-255 pixels, no scaling, 28×28 only."""
    im = read_image(path)
    if im.size != (28, 28):
        raise ImageError(
            f"{display_path(path)} is {im.size[0]}×{im.size[1]}; the article's recipe (--as-published) feeds raw pixels "
            "and needs 28×28: drop --as-published to use the full preprocessing"
        )
    raw = np.invert(np.asarray(im.convert("L"))).astype(np.float32)
    return Prepared(raw[None], [], [], np.zeros(1), None, None)


# --- showing what the network saw ----------------------------------------------------------------


MADE_BY = "tutorial_kit --show-input"  # the PNG text "Software" of what --show-input saves


def _made_here() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", MADE_BY)
    return info


def made_here(path: Path | str) -> bool:
    """Whether `path` is a picture --show-input saved (an earlier run's, which it may replace)."""
    try:
        with Image.open(path) as im:
            return im.format == "PNG" and im.text.get("Software") == MADE_BY
    except (OSError, ValueError, Image.DecompressionBombError):
        return False


def save_input(images: np.ndarray, path: Path | str) -> Path:
    """Save the 28×28 the network saw as a greyscale PNG (white ink on black, as MNIST stores it);
    a number's digits side by side."""
    pixels = np.clip(np.asarray(images, dtype=np.float64).reshape(-1, 28, 28), 0, 255)
    if pixels.max() <= 1.0:
        pixels = pixels * 255
    path = Path(path)
    with atomic_path(path) as tmp:
        Image.fromarray(np.hstack(list(pixels)).round().astype(np.uint8), mode="L").save(
            tmp, format="PNG", pnginfo=_made_here()
        )
    return path


SHEET_HEIGHT = 224  # each panel of the contact sheet


@functools.cache
def _caption_font() -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """DejaVu Sans, which matplotlib ships (Pillow's own default font drops the spaces after digits:
    "4digitsboxed"), or Pillow's default when it cannot be loaded."""
    try:
        return ImageFont.truetype(str(digit_shapes.font_folder() / "DejaVuSans.ttf"), 13)
    except OSError:
        return ImageFont.load_default()


def save_contact_sheet(prepared: Prepared, path: Path | str) -> Path:
    """Save the panels side by side: the picture with each digit's box, the ink kept, and the
    28×28s the network saw, each with a caption; only the picture when no digit was found in it."""
    scale = SHEET_HEIGHT / prepared.picture.height
    size = (max(1, round(prepared.picture.width * scale)), SHEET_HEIGHT)
    picture = prepared.picture.resize(size, Image.Resampling.LANCZOS)
    for box in prepared.boxes:
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        ImageDraw.Draw(picture).rectangle((x0 - 2, y0 - 2, x1 + 1, y1 + 1), outline=(230, 30, 30), width=2)
    count = len(prepared.images)
    if count == 0:
        return _save_sheet([(picture, "the picture: no digit found in it")], path)
    kept = Image.fromarray(prepared.kept.astype(np.uint8) * 255).resize(size, Image.Resampling.BOX).convert("RGB")
    tile = SHEET_HEIGHT if count == 1 else max(56, SHEET_HEIGHT // 2)
    seen = Image.fromarray((np.hstack(list(prepared.images)) * 255).round().astype(np.uint8))
    seen = seen.resize((tile * count, tile), Image.Resampling.NEAREST)
    boxed = "digit boxed" if count == 1 else f"{count} digits boxed"
    caption_seen = "the 28x28 seen" if count == 1 else "the 28x28s seen, left to right"
    panels = [(picture, f"the picture, {boxed}"), (kept, "the ink kept"), (seen.convert("RGB"), caption_seen)]
    return _save_sheet(panels, path)


def _save_sheet(panels: list[tuple[Image.Image, str]], path: Path | str) -> Path:
    """The panels side by side, each under its caption, saved as a PNG (whole or not at all)."""
    gap, caption = 8, 22
    font = _caption_font()
    slots = [max(p.width, math.ceil(font.getlength(text))) for p, text in panels]  # a narrow picture's caption fits
    sheet = Image.new("RGB", (sum(slots) + gap * (len(panels) + 1), SHEET_HEIGHT + caption + gap), "white")
    draw = ImageDraw.Draw(sheet)
    x = gap
    for (panel, text), slot in zip(panels, slots, strict=True):
        sheet.paste(panel, (x, caption))
        draw.text((x, 4), text, fill=(0, 0, 0), font=font)
        x += slot + gap
    path = Path(path)
    with atomic_path(path) as tmp:
        sheet.save(tmp, format="PNG", pnginfo=_made_here())
    return path
