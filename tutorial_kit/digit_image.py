"""Try your own digit: turn a drawing, a photo of paper or a screenshot into the 28×28 input an
MNIST network expects.

The article feeds `np.invert(Image.open(path).convert('L'))`: raw 0-255 pixels of a file that must
already be 28×28, dark on light, centred like MNIST. `prepare()` finds the digit in the picture and
then does what MNIST did to its digits:

1. read the first frame upright (EXIF orientation), reduced early to at most WORK_SIDE pixels (JPEGs
   are decoded at that size); transparent pixels are white paper;
2. ink = how much darker (or, for light-on-dark, lighter) a pixel is than its *local* paper, so a
   lighting gradient, vignetting or a shadow is not ink;
3. long thin lines (ruled or grid paper, frames) are removed, the ink is split into connected
   pieces, and the digit is kept: the largest stroke-like piece plus the pieces close to it, not
   specks, not the desk or a program's title bar and toolbar at the picture's edge;
4. crop to the digit, thicken a thin pen to MNIST's pen width, fit into 20×20 keeping the aspect
   ratio, centre in 28×28 by centre of mass; values in [0, 1], ink = 1, as in training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage

from tutorial_kit.errors import ImageError, NoDigitError
from tutorial_kit.files import atomic_path, display_path
from tutorial_kit.image_file import WORK_SIDE, open_image, read_image

MIN_CONTRAST = 0.15  # ink must be 15 % darker (or lighter) than its local paper, or there is no digit
NOISE_FLOOR = 0.2  # weaker ink than this fraction of the digit's is paper texture or JPEG noise
MNIST_STROKE = 2.9  # MNIST's pen width in pixels, for a digit whose longer side is 20 pixels
MEASURE_SIDE = 80  # large digits are first reduced to this size for stroke measuring
MIN_DIGIT = 0.04  # a digit's longer side is at least this fraction of the picture's (smaller is a speck)


@dataclass
class Prepared:
    """A prepared picture, by either recipe: the network's inputs (one per digit, left to right)
    and, for --show-input, where they were found."""

    images: np.ndarray  # (digits, 28, 28) float32; ink 1.0 on 0.0 (the article's recipe: raw 0-255)
    boxes: list[tuple[int, int, int, int]]  # each digit in the picture as analysed: x0, y0, x1, y1
    objects: int  # separate digit-sized marks in the picture (the largest is the digit)
    picture: Image.Image | None  # the picture as analysed (upright, reduced), RGB, for the contact sheet
    kept: np.ndarray | None  # bool, the picture's size: the ink that was kept as the digit

    @property
    def image(self) -> np.ndarray:
        """The first digit's 28×28."""
        return self.images[0]

    @property
    def box(self) -> tuple[int, int, int, int] | None:
        return self.boxes[0] if self.boxes else None


# --- reading -------------------------------------------------------------------------------------


def _planes(im: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """The darkest and the lightest channel of each pixel, float32 in [0, 1], at most WORK_SIDE
    large; transparent pixels are white paper, and white ink on a transparent sheet shows as dark."""
    if im.mode == "1":
        im = im.convert("L")
    elif im.mode.startswith("I;16"):
        im = Image.fromarray(np.asarray(im, dtype=np.float32) / 65535.0, mode="F")
    elif im.mode in ("I", "F"):
        values = np.asarray(im, dtype=np.float32)
        top = values.max(initial=0.0)
        scale = 1.0 if top <= 1.0 else 255.0 if top <= 255 else 65535.0  # a float TIFF holds 0-1
        im = Image.fromarray(values / scale, mode="F")
    elif im.mode not in ("L", "RGB", "RGBA"):
        im = im.convert("RGBA" if im.mode in ("P", "PA", "LA", "La", "RGBa") else "RGB")
    factor = math.ceil(max(im.size) / WORK_SIDE)
    if factor > 1:
        im = im.reduce(factor)
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
    dark, light = rgb.min(axis=2), rgb.max(axis=2)
    if alpha is not None and np.ptp(dark) < MIN_CONTRAST and np.ptp(alpha) >= MIN_CONTRAST:
        dark = light = 1.0 - alpha  # e.g. white ink on a transparent sheet
    return dark, light


# --- finding the digit -------------------------------------------------------------------------


def _majority(plane: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """The paper as the majority tone: a coarse median over `window` (so never the paper between
    strokes), on an edge its darker side (so the desk beside a sheet is not ink); and where it
    changes sharply (the edge of a sheet or a shadow), which ink there only counts on."""
    factor = max(1, round(min(plane.shape) / 48))  # a coarse grid: the median is the costly step
    coarse = Image.fromarray(plane, mode="F")
    if factor > 1:
        coarse = coarse.reduce(factor)
    median = ndimage.median_filter(np.asarray(coarse), size=max(3, window // factor | 1), mode="reflect")
    overall = float(np.median(coarse))
    if np.mean(np.abs(median - overall) < 0.05) >= 0.8:  # evenly lit paper (a drawing): one tone, even
        return np.full(plane.shape, overall, np.float32), np.zeros(plane.shape, bool)  # where a thick digit is most
    lower = ndimage.grey_erosion(median, size=(3, 3), mode="nearest")
    change = ndimage.grey_dilation(median, size=(3, 3), mode="nearest") - lower
    full = plane.shape[::-1]
    lower = np.asarray(Image.fromarray(lower, mode="F").resize(full, Image.Resampling.BILINEAR))
    edge = np.asarray(Image.fromarray(change, mode="F").resize(full, Image.Resampling.NEAREST)) > 0.15
    return lower, edge


def _ink(plane: np.ndarray, window: int, majority: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How much darker each pixel is than its local paper, relative to the paper's brightness (ink
    in a shadow counts as much as in the light), and the paper's own sharp edges (a sheet's, a hard
    shadow's), where the pixels in between are not ink. The paper is the darker of a grey closing
    (strokes narrower than `window` removed; it keeps a hard shadow's edge) and the majority tone."""
    closing = ndimage.grey_closing(plane, size=(window, window), mode="nearest")
    paper = np.minimum(closing, majority)
    ink = np.clip((paper - plane) / np.maximum(paper, 0.25), 0.0, 1.0)
    spread = ndimage.grey_dilation(paper, size=(5, 5)) - ndimage.grey_erosion(paper, size=(5, 5))
    return ink, spread > 0.6 * MIN_CONTRAST * np.maximum(paper, 0.25)


def _remove_lines(mask: np.ndarray) -> np.ndarray:
    """The mask without long thin straight lines (ruled or grid paper, frames, page edges), which may
    cross the digit: thin across, and running for half the picture or more, a few degrees of tilt
    allowed. A stroke of the digit thicker than the line survives where it crosses it."""
    out = mask.copy()
    for axis in (0, 1):  # 0: horizontal lines (thin vertically, long along rows); 1: vertical
        m = mask if axis == 0 else mask.T
        h, w = m.shape
        thin = max(2, round(0.006 * max(h, w)))
        across = np.ones((thin + 1, 1), bool)
        thin_part = m & ~ndimage.binary_opening(m, structure=across)
        band = ndimage.binary_dilation(m, structure=np.ones((2 * max(1, round(0.01 * w)) + 1, 1), bool))
        length = max(60, round(0.5 * w))  # shorter ones may be the digit's own strokes
        run = ndimage.uniform_filter1d(band.astype(np.float32), length, axis=1, mode="constant") > 1 - 1e-4
        support = ndimage.uniform_filter1d(run.astype(np.float32), length, axis=1, mode="constant") > 1e-4
        line = thin_part & support
        out &= ~(line if axis == 0 else line.T)
    return out


@dataclass
class _Found:
    kept: np.ndarray  # bool mask of the digit
    ink: np.ndarray  # the ink map it was found in
    objects: int
    mass: float  # the kept ink's sum: which reading (dark or light ink) is the real one
    darkness: float  # the kept ink's median: a pen's strokes, not a shadow's soft side
    stroke: float  # the digit's stroke width in pixels


def _find(ink: np.ndarray, paper_edge: np.ndarray, edge: np.ndarray) -> _Found | None:
    """The digit's pieces in an ink map, or None: specks, lines, blobs and the regions at the edge
    that a desk, a title bar or a toolbar make are not a digit."""
    h, w = ink.shape
    peak = float(ndimage.uniform_filter(ink, 3).max())  # the strongest ink, not one hot pixel
    if peak < MIN_CONTRAST:
        return None
    mask = _remove_lines((ink > max(MIN_CONTRAST * 0.7, 0.55 * peak)) & ~paper_edge)
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), bool))
    side = max(h, w)
    pieces = []  # (label, area, box, size) of everything that may be part of a digit
    edge_pieces = []
    for label, (rows, cols) in enumerate(ndimage.find_objects(labels), start=1):
        bh, bw = rows.stop - rows.start, cols.stop - cols.start
        size = max(bh, bw)
        if size < MIN_DIGIT * side * 0.3:
            continue  # a speck
        own = labels[rows, cols] == label
        if np.percentile(ink[rows, cols][own], 80) < 0.65 * peak:
            continue  # faint: paper texture, the soft side of a shadow, a light line (a pen's strokes are dark)
        if edge[rows, cols][own].mean() > 0.5:
            continue  # along the edge of a sheet or a shadow
        area = int(own.sum())
        fill = area / (bh * bw)
        depth = float(ndimage.distance_transform_edt(np.pad(own, 1)).max())  # half the thickest stroke
        if 2 * depth > 0.45 * size and fill > 0.6 and size > 0.1 * side:
            continue  # a solid blob (a sticky note, a thumb), not a stroke
        piece = (label, area, (rows.start, cols.start, rows.stop, cols.stop), size)
        at_edge = rows.start <= 1 or cols.start <= 1 or rows.stop >= h - 1 or cols.stop >= w - 1
        if at_edge and size < 0.15 * side:
            continue  # a crumb at the edge: where a shadow or the desk leaves the picture
        if at_edge and (fill > 0.6 or bh >= 0.9 * h or bw >= 0.9 * w):
            # the desk around a sheet, a title bar or toolbar, a page edge; kept aside in case the
            # picture is just a digit cropped tight to its edges
            if fill <= 0.6 and 2 * depth >= 0.05 * size:
                edge_pieces.append(piece)
            continue
        pieces.append(piece)
    digit_sized = [p for p in pieces if p[3] >= MIN_DIGIT * side]
    if not digit_sized:
        digit_sized = pieces = edge_pieces[:1]
        if not pieces:
            return None
    main = max(digit_sized, key=lambda p: p[1])
    y0, x0, y1, x1 = main[2]
    reach = 0.3 * main[3]
    members, objects = [main[0]], 1
    for label, a, (py0, px0, py1, px1), size in pieces:
        if label == main[0]:
            continue
        gap = max(py0 - y1, y0 - py1, px0 - x1, x0 - px1, 0)
        overlap = max(0, min(y1, py1) - max(y0, py0)) * max(0, min(x1, px1) - max(x0, px0))
        touching = gap <= 0.08 * main[3] or overlap >= 0.3 * (py1 - py0) * (px1 - px0)
        if touching or (gap <= reach and a >= 0.02 * main[1] and size < 0.6 * main[3]):
            members.append(label)  # a stroke drawn apart (a 4's), the bar of a 5, a crossed 7
        elif size >= 0.5 * main[3]:
            objects += 1  # another digit-sized mark: said, not squeezed in
    kept = np.isin(labels, members)
    inside = ndimage.distance_transform_edt(np.pad(kept, 1))[1:-1, 1:-1]
    stroke = 2.0 * float(np.percentile(inside[kept], 90))
    return _Found(kept, ink, objects, float(ink[kept].sum()), float(np.median(ink[kept])), stroke)


def _locate(dark: np.ndarray, light: np.ndarray) -> _Found | None:
    """Find the digit as dark ink or as light ink, whichever holds more. The paper window is wide
    (thick strokes are not paper) or narrow (a shadow narrower than the wide window is not ink),
    whichever gives the darker strokes; then once more with a window fitted to the stroke width."""
    small = min(dark.shape)
    wide = max(round(0.25 * small), min(small, 15))  # a small picture is mostly digit: wider windows
    narrow = max(15, round(0.08 * small))
    majority = max(round(0.5 * small), min(small, 64))
    found = []  # (found, window, plane, majority tone, its edges); light ink is found as dark ink, inverted
    for plane in (dark, np.ascontiguousarray(1.0 - light)):
        lower, edge = _majority(plane, majority)
        for window in (wide, narrow) if narrow < 0.7 * wide else (wide,):
            f = _find(*_ink(plane, window, lower), edge)
            if f is not None:
                found.append((f, window, plane, lower, edge))
    if not found:
        return None
    polarity = max(found, key=lambda c: c[0].mass)[2]
    best, window, plane, lower, edge = [c for c in found if c[2] is polarity][0]  # the wide window's, if any
    for c in found:
        if c[2] is polarity and c[0].darkness > best.darkness + 0.05:  # clearly darker: a shadow was swallowed
            best, window, plane, lower, edge = c
    fitted = min(small, max(5, round(3 * best.stroke + 3)))
    if fitted < 0.7 * min(window, narrow) or fitted > window:  # a thin pen, or a very thick one
        again = _find(*_ink(plane, fitted, lower), edge)
        if again is not None:
            return again
    return best


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
    if 0 < width < 0.7 * target:  # a thin pen on a big canvas: thicken to MNIST's pen
        size = 2 * round((target - width) / 2) + 1
        padded = Image.fromarray(np.pad(ink, size).astype(np.float32), mode="F")
        ink = _crop_to_ink(np.asarray(padded.filter(ImageFilter.MaxFilter(size))))

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


def prepare(source, name: str | None = None, max_pixels: int | None = None) -> Prepared:
    """Find the digit in `source` (an image file's path, the bytes of one, or a PIL image) and
    make it the network's 28×28 input. Raises NoDigitError for a picture with no digit in it,
    ImageTooLargeError when its header claims more than `max_pixels` (checked before decoding),
    and ImageError for anything that is not a readable image; `name` is how messages call it."""
    if name is None:
        name = display_path(source) if not isinstance(source, bytes | bytearray | Image.Image) else "the image"
    im = open_image(source, name, max_pixels, reduce=True)
    dark, light = _planes(im)
    found = _locate(dark, light)
    if found is None:
        raise NoDigitError(
            f"{name}: no digit found (the picture is blank, a single colour, or only lines and specks); "
            "draw a digit large and dark on plain paper"
        )
    kept = ndimage.binary_dilation(found.kept, iterations=2)  # the strokes' faint, anti-aliased edges
    strength = float(found.ink[found.kept].max())
    ink = np.where(kept, found.ink / strength, 0.0)
    ink = np.clip((ink - NOISE_FLOOR) / (1 - NOISE_FLOOR), 0, 1)
    rows, cols = np.flatnonzero(found.kept.any(axis=1)), np.flatnonzero(found.kept.any(axis=0))
    box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
    return Prepared(mnist_style(ink)[None], [box], found.objects, _picture(im, dark), found.kept)


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
    return Prepared(raw[None], [], 1, None, None)


# --- showing what the network saw ----------------------------------------------------------------


def save_input(image28: np.ndarray, path: Path | str) -> Path:
    """Save the 28×28 the network saw as a greyscale PNG (white ink on black, as MNIST stores it)."""
    pixels = np.clip(np.asarray(image28, dtype=np.float64).reshape(28, 28), 0, 255)
    if pixels.max() <= 1.0:
        pixels = pixels * 255
    path = Path(path)
    with atomic_path(path) as tmp:
        Image.fromarray(pixels.round().astype(np.uint8), mode="L").save(tmp, format="PNG")
    return path


SHEET_HEIGHT = 224  # each panel of the contact sheet


def save_contact_sheet(prepared: Prepared, path: Path | str) -> Path:
    """Save three panels side by side: the picture with the digit's box, the ink kept as the digit,
    and the 28×28 the network saw, each with a caption."""
    scale = SHEET_HEIGHT / prepared.picture.height
    size = (max(1, round(prepared.picture.width * scale)), SHEET_HEIGHT)
    picture = prepared.picture.resize(size, Image.Resampling.LANCZOS)
    x0, y0, x1, y1 = (round(v * scale) for v in prepared.box)
    ImageDraw.Draw(picture).rectangle((x0 - 2, y0 - 2, x1 + 1, y1 + 1), outline=(230, 30, 30), width=2)
    kept = Image.fromarray(prepared.kept.astype(np.uint8) * 255).resize(size, Image.Resampling.BOX).convert("RGB")
    seen = Image.fromarray((prepared.image * 255).round().astype(np.uint8)).resize(
        (SHEET_HEIGHT, SHEET_HEIGHT), Image.Resampling.NEAREST
    )
    panels = [(picture, "the picture, digit boxed"), (kept, "the ink kept"), (seen.convert("RGB"), "the 28x28 seen")]
    gap, caption = 8, 22
    sheet = Image.new(
        "RGB", (sum(p.width for p, _ in panels) + gap * (len(panels) + 1), SHEET_HEIGHT + caption + gap), "white"
    )
    draw = ImageDraw.Draw(sheet)
    x = gap
    for panel, text in panels:
        sheet.paste(panel, (x, caption))
        draw.text((x, 4), text, fill=(0, 0, 0))
        x += panel.width + gap
    path = Path(path)
    with atomic_path(path) as tmp:
        sheet.save(tmp, format="PNG")
    return path
