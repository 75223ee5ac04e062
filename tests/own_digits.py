"""Pictures of own digits as users make them, from MNIST *test* digits (thousands of writers), for the
survey and the tests: drawings, tight crops, low-resolution scans, thick markers, printed digits, phone
photos of paper (desk, lines, shadow, gradient, dust, EXIF), paint-program screenshots, things that are
not digits, and whole numbers (apart, close, touching). Seeded: the same seed gives the same pictures.

    python tests/own_digits.py --sheet DIR [--per-family N] [--seed S]   # contact sheets to look at
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import io
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps
from scipy import ndimage

import photos
from drawing import draw_digit
from tutorial_kit import input_data

FIRST_INDEX = 1000  # the suite's tests use MNIST's first 1,000 test digits
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONTS = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf",
         "STIXGeneral.ttf", "STIXGeneralBol.ttf", "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf"]  # fmt: skip
LETTERS = "ABCDEFGHJKLMNPQRTUVWXYacdefhkmnprtuvwxy"  # none that a person could read as a digit (O, l, S, Z, g, b)
DARK_INKS = [(0.08, 0.08, 0.10), (0.10, 0.15, 0.45), (0.15, 0.20, 0.60), (0.35, 0.35, 0.38), (0.05, 0.10, 0.30)]
PEN_COLOURS = [(0.0, 0.0, 0.0), (0.85, 0.10, 0.10), (0.10, 0.25, 0.85), (0.05, 0.50, 0.15), (0.50, 0.10, 0.60)]
DESKS = [(0.42, 0.27, 0.15), (0.30, 0.20, 0.13), (0.55, 0.40, 0.25), (0.45, 0.45, 0.47), (0.25, 0.26, 0.28),
         (0.12, 0.12, 0.13), (0.80, 0.79, 0.76), (0.70, 0.62, 0.50), (0.20, 0.28, 0.35)]  # fmt: skip
PAPERS = [(0.93, 0.92, 0.88), (0.88, 0.88, 0.86), (0.95, 0.93, 0.85), (0.85, 0.86, 0.90), (0.80, 0.78, 0.72)]
SIZES = [(280, 280), (400, 300), (300, 400), (640, 480), (800, 600), (1000, 800), (500, 500), (1200, 900)]
PHOTO_SIZES = [(800, 600), (600, 800), (1024, 768), (768, 1024), (1200, 900), (900, 1200), (1000, 750)]


@dataclasses.dataclass(frozen=True)
class Item:
    """One picture: a PIL image or JPEG bytes, the right answer ("7", "2026", or None: it must be
    refused), its family and the MNIST test indices drawn in it; `info` holds how it was made."""

    image: Image.Image | bytes
    answer: str | None
    family: str
    indices: tuple[int, ...]
    info: dict = dataclasses.field(default_factory=dict)

    @property
    def suffix(self) -> str:
        return ".jpg" if isinstance(self.image, bytes) else ".png"

    def save(self, stem: Path) -> Path:
        """Write the picture to `stem` + its suffix."""
        path = stem.with_name(stem.name + self.suffix)
        if isinstance(self.image, bytes):
            path.write_bytes(self.image)
        else:
            self.image.save(path)
        return path

    def upright(self) -> Image.Image:
        """The picture as a viewer shows it (EXIF orientation applied), RGB."""
        if isinstance(self.image, bytes):
            return ImageOps.exif_transpose(Image.open(io.BytesIO(self.image))).convert("RGB")
        return self.image.convert("RGB")


@functools.cache
def mnist_test():
    """MNIST's test digits (10000×28×28 uint8, ink high) and labels."""
    _, (images, labels) = input_data.load_mnist()
    return images, labels


class Digits:
    """Random MNIST test digits from `first` on."""

    def __init__(self, first: int = FIRST_INDEX):
        self.images, self.labels = mnist_test()
        self.first = first

    def pick(self, rng, k: int = 1) -> list[int]:
        return [int(i) for i in rng.integers(self.first, len(self.labels), k)]

    def answer(self, indices) -> str:
        return "".join(str(int(self.labels[i])) for i in indices)


# ---- ink: an MNIST digit as a smooth, crisp-edged coverage in [0, 1] at any size


def _box(img28, level=25):
    rows, cols = np.flatnonzero((img28 > level).any(1)), np.flatnonzero((img28 > level).any(0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def digit_alpha(img28, height: int, level: float = 0.45) -> np.ndarray:
    """The digit upscaled smoothly so that its ink is `height` px tall (a 1 px margin at 28×28 scale
    around it), edges sharpened to a pen's; a lower `level` gives a wider stroke."""
    r0, r1, c0, c1 = _box(img28)
    crop = np.pad(img28[r0:r1, c0:c1].astype(np.float32) / 255.0, 1)
    scale = height / (r1 - r0)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    a = np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BICUBIC))
    soft = float(np.clip(1.2 / scale, 0.08, 1.0))
    return np.clip((a - level) / soft + 0.5, 0, 1).astype(np.float32)


def put(small: np.ndarray, size, centre) -> np.ndarray:
    """`small` pasted into a zero canvas `size` (w, h) centred at pixel `centre` (clipped at the edges)."""
    w, h = size
    out = np.zeros((h, w), np.float32)
    y0, x0 = round(centre[1] - small.shape[0] / 2), round(centre[0] - small.shape[1] / 2)
    ys, xs = slice(max(0, y0), min(h, y0 + small.shape[0])), slice(max(0, x0), min(w, x0 + small.shape[1]))
    out[ys, xs] = small[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
    return out


def _centre(rng, size, small, spare=0.9):
    """A random centre keeping `small` (h, w) inside `size` (w, h)."""
    (w, h), (sh, sw) = size, small.shape
    return (
        w / 2 + rng.uniform(-1, 1) * max(0, w - sw) / 2 * spare,
        h / 2 + rng.uniform(-1, 1) * max(0, h - sh) / 2 * spare,
    )


def _rgb_image(rgb) -> Image.Image:
    return Image.fromarray((np.clip(rgb, 0, 1) * 255).round().astype(np.uint8), "RGB")


def _pen_strokes(strokes, size, box, pen, rng, jitter=0.0) -> np.ndarray:
    """Coverage of pen `strokes` (unit-square points) drawn by tests/drawing.py, points jittered."""
    if jitter:
        strokes = [[(x + rng.normal(0, jitter), y + rng.normal(0, jitter)) for x, y in s] for s in strokes]
    return 1 - np.asarray(draw_digit(strokes, size, box=box, pen=pen, supersample=2).convert("L"), np.float32) / 255


# ---- phone photos of a sheet: paper (lines), ink, maybe a desk round it, light, blur, noise, JPEG


def photo(rng, size, ink_layers, *, lines=None, line_step=None, on_desk=None, gradient=None, shadow=None,
          vignette=None, specks=None, sideways=None, quality=None) -> tuple[Image.Image | bytes, dict]:  # fmt: skip
    """A phone photo `size` (w, h) of a sheet with the ink `ink_layers(sheet_size)` returns (a list of
    (alpha, colour)); each unset choice is drawn from `rng`. Returns JPEG bytes and what was chosen."""
    w, h = size
    on_desk = rng.random() < 0.3 if on_desk is None else on_desk
    sheet_size = (round(w * rng.uniform(0.5, 0.8)), round(h * rng.uniform(0.55, 0.85))) if on_desk else size
    step = line_step or round(min(sheet_size) * rng.uniform(0.05, 0.1))
    rgb = photos.paper(sheet_size, rng, colour=PAPERS[rng.integers(len(PAPERS))], lines=lines, step=step,
                       tilt=rng.uniform(-0.02, 0.02))  # fmt: skip
    for alpha, colour in ink_layers(sheet_size):
        rgb = photos.over(rgb, alpha * rng.uniform(0.85, 1.0), colour)
    angle = 0.0
    if on_desk:
        table = photos.desk(size, rng, DESKS[rng.integers(len(DESKS))], wood=rng.random() < 0.6)
        angle = rng.uniform(-10, 10)
        sheet = _rgb_image(rgb).rotate(angle, Image.Resampling.BICUBIC, expand=True)
        mask = Image.new("L", sheet_size, 255).rotate(angle, Image.Resampling.BICUBIC, expand=True)
        picture = _rgb_image(table)
        picture.paste(sheet, (round((w - sheet.width) / 2 + rng.uniform(-0.1, 0.1) * w),
                              round((h - sheet.height) / 2 + rng.uniform(-0.1, 0.1) * h)), mask)  # fmt: skip
        rgb = np.asarray(picture, np.float32) / 255.0
    im = photos.finish(rgb, rng, noise=rng.uniform(0.005, 0.02), blur=rng.uniform(0.3, 1.5) * max(w, h) / 1000)
    gradient = rng.uniform(0, 0.3) if gradient is None else gradient
    shadow = (rng.uniform(0.2, 0.45) if rng.random() < 0.2 else 0.0) if shadow is None else shadow
    vignette = rng.uniform(0, 0.3) if vignette is None else vignette
    if rng.random() < 0.5:  # the light from the right or from below, not always from the left
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        im = photos.lighting(im, gradient=gradient, shadow=shadow, vignette=vignette)
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    else:
        im = photos.lighting(im, gradient=gradient, shadow=shadow, vignette=vignette)
    tint = np.array([rng.uniform(0.93, 1.05), 1.0, rng.uniform(0.9, 1.05)], np.float32)  # white balance
    im = _rgb_image(np.asarray(im, np.float32) / 255.0 * tint)
    specks = (int(rng.integers(0, 4)) if rng.random() < 0.3 else 0) if specks is None else specks
    if specks:
        im = photos.dust(im, specks=specks, seed=int(rng.integers(1 << 30)))
    info = {"on_desk": on_desk, "angle": angle, "gradient": gradient, "shadow": shadow, "lines": lines}
    if sideways:
        return photos.with_orientation(im, sideways), info
    return photos.jpeg(im, int(quality or rng.integers(70, 93))), info


def _digit_on_sheet(img28, rng, frac=(0.2, 0.5), level=None, ink=None):
    """ink_layers for `photo`: the digit `frac` of the sheet's shorter side tall, somewhere on it."""
    level = rng.uniform(0.3, 0.6) if level is None else level
    ink = DARK_INKS[rng.integers(len(DARK_INKS))] if ink is None else ink
    share = rng.uniform(*frac)

    def layers(sheet_size):
        small = digit_alpha(img28, max(8, round(min(sheet_size) * share)), level)
        return [(put(small, sheet_size, _centre(rng, sheet_size, small, 0.7)), ink)]

    return layers


# ---- the families of digits


def mnist(digits, rng):
    """The raw 28×28 test digit as a PNG, white on black: what the preprocessing should leave alone."""
    (i,) = digits.pick(rng)
    return Item(Image.fromarray(digits.images[i]), digits.answer([i]), "mnist", (i,))


def drawing(digits, rng):
    """A digit drawn in a paint program or on a tablet: any canvas, place, size, pen, colour."""
    (i,) = digits.pick(rng)
    size = SIZES[rng.integers(len(SIZES))]
    small = digit_alpha(digits.images[i], round(min(size) * rng.uniform(0.3, 0.9)), rng.uniform(0.25, 0.6))
    colour = PEN_COLOURS[rng.integers(len(PEN_COLOURS))] if rng.random() < 0.4 else (0.0, 0.0, 0.0)
    rgb = photos.over(np.ones((size[1], size[0], 3), np.float32), put(small, size, _centre(rng, size, small)), colour)
    return Item(_rgb_image(rgb), digits.answer([i]), "drawing", (i,))


def dark(digits, rng):
    """Light on dark: a white digit on black (as MNIST itself) or chalk on a blackboard photo."""
    (i,) = digits.pick(rng)
    size = SIZES[rng.integers(len(SIZES))]
    small = digit_alpha(digits.images[i], round(min(size) * rng.uniform(0.3, 0.85)), rng.uniform(0.25, 0.55))
    alpha = put(small, size, _centre(rng, size, small))
    if rng.random() < 0.5:
        board = np.zeros((size[1], size[0], 3), np.float32) + np.array(rng.choice([(0, 0, 0), (0.1, 0.1, 0.12)]))
        return Item(_rgb_image(photos.over(board, alpha, (1, 1, 1))), digits.answer([i]), "dark", (i,))
    board = photos.desk(size, rng, [(0.12, 0.22, 0.16), (0.10, 0.10, 0.11), (0.15, 0.18, 0.22)][rng.integers(3)],
                        wood=False)  # fmt: skip
    chalk = alpha * np.clip(rng.normal(0.85, 0.15, alpha.shape), 0, 1).astype(np.float32)
    im = photos.finish(photos.over(board, chalk, (0.92, 0.92, 0.88)), rng, blur=0.8)
    im = photos.lighting(im, gradient=rng.uniform(0, 0.3), vignette=rng.uniform(0, 0.3))
    return Item(photos.jpeg(im, int(rng.integers(75, 93))), digits.answer([i]), "dark", (i,))


def tight(digits, rng):
    """A digit cropped to its own box with a 0-4 px margin at 28×28 scale, upscaled ×4-12, dark on white."""
    (i,) = digits.pick(rng)
    margin, scale = int(rng.integers(0, 5)), int(rng.integers(4, 13))
    r0, r1, c0, c1 = _box(digits.images[i], level=0)
    crop = np.pad(digits.images[i], margin)[r0 : r1 + 2 * margin, c0 : c1 + 2 * margin]
    im = Image.fromarray(255 - crop).resize((crop.shape[1] * scale, crop.shape[0] * scale), Image.Resampling.BICUBIC)
    info = {"margin": margin, "scale": scale}
    return Item(im.convert("RGB"), digits.answer([i]), "tight", (i,), info)


def lowres(digits, rng):
    """A low-resolution scan: the digit 8-16 px tall, upscaled blurry to 64-160 px, dark on paper."""
    (i,) = digits.pick(rng)
    tall = int(rng.integers(8, 17))
    r0, r1, c0, c1 = _box(digits.images[i], level=0)
    pad = int(rng.integers(2, 7))
    crop = np.pad(digits.images[i], pad)[r0 : r1 + 2 * pad, c0 : c1 + 2 * pad]
    factor = tall / (r1 - r0)
    small = Image.fromarray(255 - crop).resize(
        (max(4, round(crop.shape[1] * factor)), max(4, round(crop.shape[0] * factor))), Image.Resampling.BOX
    )
    out = int(rng.integers(64, 161))
    big = small.resize((round(small.width * out / small.height), out), Image.Resampling.BILINEAR)
    paper = rng.uniform(0.85, 1.0)
    rgb = (np.asarray(big, np.float32)[..., None] / 255.0) * paper * np.ones(3, np.float32)
    im = photos.finish(rgb, rng, noise=rng.uniform(0, 0.02))
    return Item(im, digits.answer([i]), "lowres", (i,), {"height": tall})


def _stroke_half_width(mask: np.ndarray) -> float:
    """Half a stroke's width: the median distance to the paper along the stroke's ridge."""
    edt = ndimage.distance_transform_edt(mask)
    ridge = mask & (edt >= ndimage.maximum_filter(edt, size=3)) & (edt > 1)
    return float(np.median(edt[ridge])) if ridge.any() else 1.0


def _holes(mask: np.ndarray) -> int:
    return int(ndimage.label(~np.pad(mask, 1))[1]) - 1


def thick(digits, rng):
    """A thick marker: strokes 15-22 % of the digit's height (holes kept open), dark or coloured."""
    for _ in range(20):
        (i,) = digits.pick(rng)
        share, height = rng.uniform(0.15, 0.22), int(rng.integers(150, 400))
        mask = np.pad(digit_alpha(digits.images[i], height, 0.5) > 0.5, height // 4)
        rows = np.flatnonzero(mask.any(1))
        h0, w0 = rows[-1] - rows[0] + 1, _stroke_half_width(mask)
        grow = max(0.0, share * (h0 - 2 * w0) / (2 - 2 * share) - w0)  # stroke 2(w0 + grow) = share × height
        outside = ndimage.distance_transform_edt(~mask)
        for _ in range(4):  # a stroke of uneven width grows unevenly: measure, correct
            ink = outside <= grow
            tall = np.ptp(np.flatnonzero(ink.any(1))) + 1
            made = 2 * _stroke_half_width(ink) / tall
            if abs(made - share) < 0.008:
                break
            grow = max(0.0, grow + (share - made) * tall / 2)
        if _holes(ink) == _holes(mask) and abs(made - share) < 0.02:
            break
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    soft = ndimage.gaussian_filter(
        np.pad(ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1], 3).astype(np.float32), 0.8
    )
    colour = PEN_COLOURS[rng.integers(len(PEN_COLOURS))] if rng.random() < 0.4 else (0.05, 0.05, 0.05)
    info = {"stroke": made}
    if rng.random() < 0.3:  # a marker on paper, photographed
        share = rng.uniform(0.3, 0.6)

        def layers(sheet_size):
            f = min(sheet_size) * share / soft.shape[0]
            small = np.asarray(Image.fromarray(soft).resize((round(soft.shape[1] * f), round(soft.shape[0] * f))))
            return [(put(small, sheet_size, _centre(rng, sheet_size, small, 0.7)), colour)]

        image, _ = photo(rng, PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))], layers, on_desk=False)
        return Item(image, digits.answer([i]), "thick", (i,), info)
    size = tuple(round(n + rng.uniform(0.04, 0.7) * soft.shape[0]) for n in (soft.shape[1], soft.shape[0]))
    rgb = photos.over(np.ones((size[1], size[0], 3), np.float32), put(soft, size, _centre(rng, size, soft, 1)), colour)
    return Item(_rgb_image(rgb), digits.answer([i]), "thick", (i,), info)


def _font(rng, size, fonts=FONTS):
    return ImageFont.truetype(str(FONT_DIR / fonts[rng.integers(len(fonts))]), size)


def _text_alpha(text, font) -> np.ndarray:
    left, top, right, bottom = font.getbbox(text)
    im = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(im).text((4 - left, 4 - top), text, fill=255, font=font)
    return np.asarray(im, np.float32) / 255.0


def _printed(text, rng):
    """`text` printed in one of the fonts: on a plain canvas, or in a phone photo of the printout."""
    if rng.random() < 0.65:
        size = SIZES[rng.integers(len(SIZES))]
        small = _text_alpha(text, _font(rng, round(min(size) * rng.uniform(0.3, 0.8))))
        colour = PEN_COLOURS[rng.integers(len(PEN_COLOURS))] if rng.random() < 0.3 else (0.0, 0.0, 0.0)
        rgb = photos.over(
            np.ones((size[1], size[0], 3), np.float32), put(small, size, _centre(rng, size, small)), colour
        )
        return _rgb_image(rgb)
    font_share = rng.uniform(0.2, 0.45)

    def layers(sheet_size):
        small = _text_alpha(text, _font(rng, round(min(sheet_size) * font_share)))
        return [(put(small, sheet_size, _centre(rng, sheet_size, small, 0.7)), (0.05, 0.05, 0.05))]

    return photo(rng, PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))], layers)[0]


def printed(digits, rng):
    """A printed digit 0-9 in one of ten fonts (sans, serif, mono, bold, STIX, Computer Modern)."""
    d = str(rng.integers(10))
    return Item(_printed(d, rng), d, "printed", ())


def pencil(digits, rng):
    """A digit in pencil or a pale pen (grey, a third to a half as dark as the paper): a phone photo."""
    (i,) = digits.pick(rng)
    grey = rng.uniform(0.4, 0.62)
    layers = _digit_on_sheet(digits.images[i], rng, ink=(grey, grey, grey + 0.02))
    image, info = photo(rng, PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))], layers)
    return Item(image, digits.answer([i]), "pencil", (i,), info)


def _photo_item(digits, rng, family, **choices):
    (i,) = digits.pick(rng)
    image, info = photo(rng, PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))], _digit_on_sheet(digits.images[i], rng),
                        **choices)  # fmt: skip
    return Item(image, digits.answer([i]), family, (i,), info)


def desk(digits, rng):
    """A sheet smaller than the picture, a little turned, on a desk of any colour or wood."""
    return _photo_item(digits, rng, "desk", on_desk=True)


def lines(digits, rng):
    """The digit written over ruled or grid paper."""
    return _photo_item(digits, rng, "lines", lines=["ruled", "grid"][rng.integers(2)])


def shadow(digits, rng):
    """A hard shadow (a hand, the phone) over part of the sheet."""
    return _photo_item(digits, rng, "shadow", shadow=rng.uniform(0.25, 0.5))


def grad(digits, rng):
    """Light falling off across the sheet by 20-50 %."""
    return _photo_item(digits, rng, "grad", gradient=rng.uniform(0.2, 0.5))


def dust(digits, rng):
    """Dust and crumbs on the sheet."""
    return _photo_item(digits, rng, "dust", specks=int(rng.integers(3, 12)))


def exif(digits, rng):
    """A phone photo stored sideways or upside down with its EXIF orientation (3, 6, 8)."""
    return _photo_item(digits, rng, "exif", sideways=int(rng.choice([3, 6, 8])))


THEMES = [  # window, title bar, title text, canvas surround
    ((240, 240, 240), (45, 50, 70), (255, 255, 255), (200, 205, 215)),
    ((250, 250, 250), (255, 255, 255), (20, 20, 20), (220, 226, 236)),
    ((50, 50, 55), (35, 35, 38), (230, 230, 230), (70, 70, 75)),
    ((236, 233, 216), (0, 84, 227), (255, 255, 255), (128, 128, 128)),
]


def screen(digits, rng):
    """A screenshot of a paint program: frame, title bar, menu, toolbar, palette, canvas with the digit."""
    (i,) = digits.pick(rng)
    w, h = PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))] if rng.random() < 0.5 else SIZES[rng.integers(4, len(SIZES))]
    window, bar, title, surround = THEMES[rng.integers(len(THEMES))]
    im = Image.new("RGB", (w, h), window)
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, w - 1, h - 1), outline=(100, 100, 100))
    draw.rectangle((1, 1, w - 2, 28), fill=bar)
    draw.text((34, 9), ["untitled - Paint", "digit.png - GIMP", "Sketch 1", "Untitled-1 @ 100%"][rng.integers(4)],
              fill=title)  # fmt: skip
    draw.rectangle((8, 7, 24, 22), fill=(200, 120, 40))  # the program's icon
    for k, mark in enumerate("x+-"):
        draw.text((w - 20 - 30 * k, 8), mark, fill=title)
    draw.text((10, 34), "File   Edit   View   Image   Layers   Colours   Tools   Help", fill=(0, 0, 0) if sum(window) > 400
              else (230, 230, 230))  # fmt: skip
    top = 52
    if rng.random() < 0.8:  # a toolbar of icons and the palette
        for k in range(int(rng.integers(6, 16))):
            x = 10 + 34 * k
            draw.rectangle((x, top, x + 28, top + 28), outline=(120, 120, 120), fill=tuple(v - 15 for v in window))
            kind = k % 4
            if kind == 0:
                draw.line((x + 6, top + 22, x + 22, top + 6), fill=(20, 20, 20), width=3)
            elif kind == 1:
                draw.ellipse((x + 7, top + 7, x + 21, top + 21), outline=(20, 20, 20), width=2)
            elif kind == 2:
                draw.rectangle((x + 7, top + 9, x + 21, top + 19), fill=(40, 90, 200))
            else:
                draw.text((x + 10, top + 8), "A", fill=(20, 20, 20))
        palette = int(rng.integers(8, 20))
        for k in range(palette):
            colour = tuple(int(c) for c in rng.integers(0, 256, 3))
            x = w - 12 - 18 * (palette - k)
            if x > 10 + 34 * 16:
                draw.rectangle((x, top + 2, x + 14, top + 16), fill=colour, outline=(0, 0, 0))
        top += 40
    left = 10 + (50 if rng.random() < 0.5 else 0)
    if left > 10:  # a tool column on the left
        for k in range((h - top - 40) // 34):
            draw.rectangle((12, top + 34 * k, 40, top + 34 * k + 28), outline=(120, 120, 120))
            draw.line((18, top + 34 * k + 22, 34, top + 34 * k + 6), fill=(60, 60, 60), width=2)
    draw.rectangle((left, top, w - 20, h - 24), fill=surround)
    draw.rectangle((w - 18, top, w - 4, h - 24), fill=(210, 210, 210))  # a scroll bar
    draw.rectangle((w - 16, top + 10, w - 6, top + 60), fill=(150, 150, 150))
    draw.rectangle((0, h - 22, w, h), fill=tuple(v - 20 for v in window))  # the status bar
    draw.text((8, h - 17), f"{int(rng.integers(200, 900))} x {int(rng.integers(200, 700))}px   100%", fill=(90, 90, 90))
    cw, ch = int((w - 20 - left) * rng.uniform(0.6, 0.95)), int((h - 24 - top) * rng.uniform(0.6, 0.95))
    cx, cy = (
        left + int(rng.integers(4, max(5, w - 20 - left - cw))),
        top + int(rng.integers(4, max(5, h - 24 - top - ch))),
    )
    small = digit_alpha(digits.images[i], round(min(cw, ch) * rng.uniform(0.35, 0.85)), rng.uniform(0.3, 0.6))
    colour = PEN_COLOURS[rng.integers(len(PEN_COLOURS))] if rng.random() < 0.3 else (0.0, 0.0, 0.0)
    canvas = photos.over(np.ones((ch, cw, 3), np.float32), put(small, (cw, ch), _centre(rng, (cw, ch), small)), colour)
    im.paste(_rgb_image(canvas), (cx, cy))
    draw.rectangle((cx - 1, cy - 1, cx + cw, cy + ch), outline=(120, 120, 120))
    if rng.random() < 0.3:  # the whole screen: the window on a desktop, a task bar
        sw, sh = min(1280, w + int(rng.integers(60, 400))), min(1024, h + int(rng.integers(60, 300)))
        desktop = Image.new(
            "RGB", (sw, sh), tuple(int(c) for c in rng.choice([(30, 90, 160), (20, 20, 30), (0, 120, 120)]))
        )
        ImageDraw.Draw(desktop).rectangle((0, sh - 30, sw, sh), fill=(40, 40, 48))
        for k in range(5):
            ImageDraw.Draw(desktop).rectangle((10 + 36 * k, sh - 24, 34 + 36 * k, sh - 6), fill=(200, 200, 210))
        scale = min(1.0, (sw - 20) / w, (sh - 50) / h)
        im = im.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)
        desktop.paste(im, (int(rng.integers(0, sw - im.width + 1)), int(rng.integers(0, sh - 30 - im.height + 1))))
        im = desktop
    return Item(im, digits.answer([i]), "screen", (i,))


# ---- things that are not digits: the answer is a refusal


def _on_canvas_or_photo(rng, alpha_for, family, colour=None):
    """A mark `alpha_for(size)` drawn on a white canvas, or photographed on paper."""
    colour = colour or (PEN_COLOURS[rng.integers(len(PEN_COLOURS))] if rng.random() < 0.3 else (0.05, 0.05, 0.05))
    if rng.random() < 0.6:
        size = SIZES[rng.integers(len(SIZES))]
        rgb = photos.over(np.ones((size[1], size[0], 3), np.float32), alpha_for(size), colour)
        return Item(_rgb_image(rgb), None, family, ())
    image, _ = photo(rng, PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))], lambda size: [(alpha_for(size), colour)])
    return Item(image, None, family, ())


def _shape_alpha(size, paint):
    """Coverage of what `paint(draw, w, h)` draws, anti-aliased by supersampling."""
    w, h = size
    im = Image.new("L", (w * 2, h * 2), 0)
    paint(ImageDraw.Draw(im), w * 2, h * 2)
    return np.asarray(im.resize(size, Image.Resampling.BOX), np.float32) / 255.0


def notdigit_blank(digits, rng):
    """A photo of a blank sheet: a gradient, a shadow, specks, a desk round it."""
    image, _ = photo(rng, PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))], lambda size: [],
                     gradient=rng.uniform(0, 0.5), specks=int(rng.integers(0, 8)))  # fmt: skip
    return Item(image, None, "notdigit_blank", ())


def notdigit_line(digits, rng):
    """A straight line at any angle but near upright: a stroke within 40° of upright is how many
    people write a 1 (MNIST's 1s are such strokes), and is read as one."""
    angle, length, width = rng.uniform(-0.28 * np.pi, 0.28 * np.pi), rng.uniform(0.3, 0.8), rng.uniform(0.01, 0.05)

    def paint(draw, w, h):
        c, r = (w / 2 + rng.uniform(-0.1, 0.1) * w, h / 2 + rng.uniform(-0.1, 0.1) * h), length * min(w, h) / 2
        dx, dy = r * np.cos(angle), r * np.sin(angle)
        draw.line((c[0] - dx, c[1] - dy, c[0] + dx, c[1] + dy), fill=255, width=max(2, round(width * min(w, h))))

    return _on_canvas_or_photo(rng, lambda size: _shape_alpha(size, paint), "notdigit_line")


def notdigit_dot(digits, rng):
    """A single dot."""
    radius = rng.uniform(0.01, 0.06)

    def paint(draw, w, h):
        x, y, r = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h, radius * min(w, h)
        draw.ellipse((x - r, y - r * rng.uniform(0.8, 1.2), x + r, y + r), fill=255)

    return _on_canvas_or_photo(rng, lambda size: _shape_alpha(size, paint), "notdigit_dot")


def notdigit_frame(digits, rng):
    """A drawn rectangle (a frame), square-cornered or rounded."""
    fw, fh, width, rounded = rng.uniform(0.3, 0.85), rng.uniform(0.3, 0.85), rng.uniform(0.01, 0.04), rng.random() < 0.4

    def paint(draw, w, h):
        box = ((1 - fw) / 2 * w, (1 - fh) / 2 * h, (1 + fw) / 2 * w, (1 + fh) / 2 * h)
        pen = max(2, round(width * min(w, h)))
        if rounded:
            draw.rounded_rectangle(box, radius=0.1 * min(w, h), outline=255, width=pen)
        else:
            draw.rectangle(box, outline=255, width=pen)

    return _on_canvas_or_photo(rng, lambda size: _shape_alpha(size, paint), "notdigit_frame")


def blob_alpha(rng, scale=(0.12, 0.35), aspect=(0.6, 1.6)):
    """alpha_for(size) of a solid, irregular blob `scale` of the shorter side in radius, stretched by `aspect`."""
    radii = 1 + 0.25 * np.cumsum(rng.normal(0, 0.3, 24))
    radii = np.clip(radii - np.linspace(0, radii[-1] - radii[0], 24), 0.5, 1.6)
    scale, aspect = rng.uniform(*scale), rng.uniform(*aspect)

    def paint(draw, w, h):
        t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
        r = scale * min(w, h) * radii
        draw.polygon([(w / 2 + x, h / 2 + y) for x, y in zip(r * np.cos(t) * aspect, r * np.sin(t), strict=True)],
                     fill=255)  # fmt: skip

    return lambda size: ndimage.gaussian_filter(_shape_alpha(size, paint), 2)


def notdigit_blob(digits, rng):
    """A solid, irregular blob of ink (a filled-in shape, a stain)."""
    return _on_canvas_or_photo(rng, blob_alpha(rng), "notdigit_blob")


def notdigit_letter(digits, rng):
    """A printed letter (none that could pass for a digit)."""
    letter = LETTERS[rng.integers(len(LETTERS))]
    return Item(_printed(letter, rng), None, "notdigit_letter", (), {"letter": letter})


SCRAWLS = {  # hand-drawn letters: pen strokes on a unit square, as drawing.py draws digits
    "A": [[(0.3, 0.85), (0.5, 0.15), (0.7, 0.85)], [(0.38, 0.6), (0.62, 0.6)]],
    "E": [[(0.68, 0.18), (0.35, 0.18), (0.35, 0.82), (0.68, 0.82)], [(0.35, 0.5), (0.6, 0.5)]],
    "F": [[(0.68, 0.18), (0.35, 0.18), (0.35, 0.85)], [(0.35, 0.5), (0.6, 0.5)]],
    "H": [[(0.32, 0.15), (0.32, 0.85)], [(0.68, 0.15), (0.68, 0.85)], [(0.32, 0.5), (0.68, 0.5)]],
    "K": [[(0.33, 0.15), (0.33, 0.85)], [(0.68, 0.15), (0.34, 0.55)], [(0.43, 0.46), (0.7, 0.85)]],
    "M": [[(0.25, 0.85), (0.3, 0.15), (0.5, 0.6), (0.7, 0.15), (0.75, 0.85)]],
    "N": [[(0.3, 0.85), (0.3, 0.15), (0.7, 0.85), (0.7, 0.15)]],
    "W": [[(0.22, 0.15), (0.35, 0.85), (0.5, 0.4), (0.65, 0.85), (0.78, 0.15)]],
    "X": [[(0.3, 0.15), (0.7, 0.85)], [(0.7, 0.15), (0.3, 0.85)]],
    "Y": [[(0.3, 0.15), (0.5, 0.5), (0.7, 0.15)], [(0.5, 0.5), (0.5, 0.85)]],
    "R": [
        [(0.33, 0.85), (0.33, 0.15), (0.55, 0.15), (0.66, 0.28), (0.55, 0.45), (0.34, 0.47)],
        [(0.45, 0.47), (0.68, 0.85)],
    ],  # fmt: skip
    "C": [[(0.68, 0.27), (0.55, 0.17), (0.4, 0.2), (0.31, 0.38), (0.31, 0.6), (0.4, 0.78), (0.55, 0.83), (0.68, 0.74)]],
    "e": [
        [
            (0.32, 0.6),
            (0.68, 0.58),
            (0.62, 0.42),
            (0.5, 0.37),
            (0.36, 0.45),
            (0.32, 0.62),
            (0.42, 0.8),
            (0.6, 0.82),
            (0.7, 0.74),
        ]
    ],  # fmt: skip
    "h": [[(0.35, 0.15), (0.35, 0.85)], [(0.35, 0.6), (0.48, 0.45), (0.62, 0.48), (0.65, 0.62), (0.65, 0.85)]],
    "k": [[(0.35, 0.15), (0.35, 0.85)], [(0.63, 0.42), (0.36, 0.65), (0.66, 0.85)]],
    "x": [[(0.33, 0.4), (0.67, 0.85)], [(0.67, 0.4), (0.33, 0.85)]],
    "w": [[(0.25, 0.4), (0.37, 0.85), (0.5, 0.55), (0.63, 0.85), (0.75, 0.4)]],
}


def notdigit_scrawl(digits, rng):
    """A hand-drawn letter: pen strokes with a wobbling hand."""
    letter = list(SCRAWLS)[rng.integers(len(SCRAWLS))]
    pen, jitter, side = rng.uniform(0.05, 0.12), rng.uniform(0.005, 0.02), rng.uniform(0.4, 0.8)
    centre = rng.uniform(0.4, 0.6, 2)

    def alpha(size):
        return _pen_strokes(SCRAWLS[letter], size, photos.square(size, centre, side), pen, rng, jitter)

    item = _on_canvas_or_photo(rng, alpha, "notdigit_scrawl")
    return dataclasses.replace(item, info={"letter": letter})


def notdigit_face(digits, rng):
    """A drawn face: a circle, two eyes, a smile (sometimes a nose)."""
    t = np.linspace(0, 2 * np.pi, 14)
    rx, ry = rng.uniform(0.28, 0.36), rng.uniform(0.3, 0.38)
    strokes = [[(0.5 + rx * np.cos(a), 0.5 + ry * np.sin(a)) for a in t]]
    for ex in (0.4, 0.6):
        strokes.append([(ex, 0.4), (ex + 0.005, 0.41)])
    s = np.linspace(0.2 * np.pi, 0.8 * np.pi, 6)
    strokes.append([(0.5 + 0.14 * np.cos(a), 0.55 + 0.1 * np.sin(a)) for a in s])
    if rng.random() < 0.4:
        strokes.append([(0.5, 0.45), (0.49, 0.52), (0.51, 0.52)])
    pen, side, centre = rng.uniform(0.03, 0.07), rng.uniform(0.45, 0.85), rng.uniform(0.4, 0.6, 2)
    return _on_canvas_or_photo(
        rng,
        lambda size: _pen_strokes(strokes, size, photos.square(size, centre, side), pen, rng, 0.008),
        "notdigit_face",
    )


FACE_FILLS = [(1.0, 0.8, 0.15), (1.0, 0.85, 0.3), (0.98, 0.6, 0.2), (0.35, 0.7, 1.0), (1.0, 0.5, 0.6), (0.5, 0.85, 0.45),
              (0.8, 0.8, 0.8)]  # fmt: skip
FACE_FEATURES = [(0.25, 0.15, 0.05), (0.1, 0.1, 0.1), (0.45, 0.2, 0.1), (0.35, 0.1, 0.1)]


def notdigit_emoji(digits, rng):
    """A face as an emoji or a sticker: a filled disc (an outline or none), eyes (dots, ovals, arcs),
    a mouth (a smile, open, straight, an O); drawn on a canvas or photographed on paper."""
    fill, feature = FACE_FILLS[rng.integers(len(FACE_FILLS))], FACE_FEATURES[rng.integers(len(FACE_FEATURES))]
    outline = rng.uniform(0.01, 0.04) if rng.random() < 0.6 else 0.0
    eyes, mouth = ("dot", "oval", "arc")[rng.integers(3)], ("smile", "open", "straight", "o")[rng.integers(4)]
    side, centre = rng.uniform(0.4, 0.85), rng.uniform(0.4, 0.6, 2)

    def layers(size):
        w, h = size
        r = side * min(w, h) / 2
        cx, cy = centre[0] * w, centre[1] * h

        def at(paint):  # a shape of the face, in units of its radius from its centre
            return _shape_alpha(size, lambda d, W, H: paint(d, 2 * cx, 2 * cy, 2 * r))

        out = [(at(lambda d, x, y, R: d.ellipse((x - R, y - R, x + R, y + R), fill=255)), fill)]
        if outline:
            out.append((at(lambda d, x, y, R: d.ellipse((x - R, y - R, x + R, y + R), outline=255,
                                                        width=max(1, round(outline * R)))), feature))  # fmt: skip

        def features(d, x, y, R):
            for ex in (-0.35, 0.35):
                if eyes == "dot":
                    d.ellipse((x + (ex - 0.08) * R, y - 0.38 * R, x + (ex + 0.08) * R, y - 0.22 * R), fill=255)
                elif eyes == "oval":
                    d.ellipse((x + (ex - 0.1) * R, y - 0.5 * R, x + (ex + 0.1) * R, y - 0.15 * R), fill=255)
                else:
                    d.arc((x + (ex - 0.15) * R, y - 0.45 * R, x + (ex + 0.15) * R, y - 0.15 * R), 200, 340,
                          fill=255, width=max(1, round(0.07 * R)))  # fmt: skip
            box = (x - 0.5 * R, y - 0.2 * R, x + 0.5 * R, y + 0.6 * R)
            if mouth == "smile":
                d.arc(box, 20, 160, fill=255, width=max(1, round(0.08 * R)))
            elif mouth == "open":
                d.chord(box, 0, 180, fill=255)
            elif mouth == "straight":
                d.line(
                    (x - 0.35 * R, y + 0.35 * R, x + 0.35 * R, y + 0.35 * R), fill=255, width=max(1, round(0.08 * R))
                )
            else:
                d.ellipse((x - 0.15 * R, y + 0.2 * R, x + 0.15 * R, y + 0.5 * R), fill=255)

        out.append((at(features), feature))
        return out

    if rng.random() < 0.6:
        size = SIZES[rng.integers(len(SIZES))]
        rgb = np.ones((size[1], size[0], 3), np.float32)
        for alpha, colour in layers(size):
            rgb = photos.over(rgb, alpha, colour)
        return Item(_rgb_image(rgb), None, "notdigit_emoji", ())
    image, _ = photo(rng, PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))], layers)
    return Item(image, None, "notdigit_emoji", ())


NOISE_SIDES = (28, 32, 48, 64, 100, 200)


def notdigit_noise(digits, rng):
    """Random pixels, as a learner makes them to try a network (np.random.rand(28, 28) saved), or a
    grainy texture photographed: uniform, Gaussian or salt-and-pepper, grey or colour, at MNIST's
    size to a photo's, perhaps softened a little, PNG or JPEG."""
    if rng.random() < 0.6:
        w = h = int(NOISE_SIDES[rng.integers(len(NOISE_SIDES))])
    else:
        w, h = SIZES[rng.integers(len(SIZES))]
    shape = (h, w, 3) if rng.random() < 0.4 else (h, w)
    kind = ("uniform", "gaussian", "salt and pepper")[rng.integers(3)]
    if kind == "uniform":
        a = rng.random(shape)
    elif kind == "gaussian":
        a = np.clip(rng.normal(0.5, rng.uniform(0.1, 0.3), shape), 0, 1)
    else:
        a = (rng.random(shape) < rng.uniform(0.3, 0.7)).astype(np.float64)
    soft = float(rng.uniform(0.3, 0.7)) if rng.random() < 0.3 else 0.0
    if soft:
        a = ndimage.gaussian_filter(a, (soft, soft, 0)[: a.ndim])
        a = (a - a.min()) / max(np.ptp(a), 1e-9)
    image = Image.fromarray((a * 255).round().astype(np.uint8))
    if rng.random() < 0.3:
        image = photos.jpeg(image.convert("RGB"), int(rng.integers(70, 93)))
    return Item(image, None, "notdigit_noise", (), {"kind": kind, "soft": soft})


def circled(digits, rng):
    """A digit with a ring round it, clear of it: a form's printed circle or box, or an answer
    circled by hand (wobbly, perhaps not closed); drawn or photographed."""
    (i,) = digits.pick(rng)
    tall, level, pen = rng.uniform(0.3, 0.55), rng.uniform(0.3, 0.6), rng.uniform(0.004, 0.02)
    kind = ("printed circle", "printed box", "hand")[rng.integers(3)]
    room = rng.uniform(1.05, 1.35)  # the ring's size over the digit's (its half-diagonal for a circle)
    start, gap = rng.uniform(0, 2 * np.pi), (rng.uniform(0.1, 0.6) if rng.random() < 0.5 else 0.0)
    wobble = rng.normal(0, 0.03, 5) if kind == "hand" else np.zeros(5)
    centre = rng.uniform(0.42, 0.58, 2)

    def alpha(size):
        w, h = size
        small = digit_alpha(digits.images[i], round(min(size) * tall), level)
        cx, cy = centre[0] * w, centre[1] * h
        half_h, half_w = small.shape[0] / 2, small.shape[1] / 2
        width = max(1, round(pen * min(size)))

        def paint(draw, w2, h2):  # at twice the size
            if kind == "printed box":
                box = (cx - half_w * room, cy - half_h * room, cx + half_w * room, cy + half_h * room)
                draw.rectangle([2 * v for v in box], outline=255, width=2 * width)
                return
            t = np.linspace(start + gap / 2, start + 2 * np.pi - gap / 2 * (kind == "hand"), 200)
            radius = np.hypot(half_h, half_w) * room * (1 + sum(a * np.sin((k + 1) * t) for k, a in enumerate(wobble)))
            points = [(2 * (cx + r * np.cos(a)), 2 * (cy + r * np.sin(a))) for r, a in zip(radius, t, strict=True)]
            draw.line(points, fill=255, width=2 * width, joint="curve")

        return np.maximum(put(small, size, (cx, cy)), _shape_alpha(size, paint))

    item = _on_canvas_or_photo(rng, alpha, "circled")
    return dataclasses.replace(item, answer=digits.answer([i]), indices=(i,), info={"kind": kind})


# ---- whole numbers (issue 15): digits in a row, apart, close or touching; single digits with a stray mark

SPACINGS = ("apart", "close", "touching")


def number_layers(imgs, height: int, spacing: str, rng, level=None) -> list[np.ndarray]:
    """The digits `imgs` in a row, each about `height` px tall, one coverage layer per digit on a common
    canvas: `apart` (ink gaps 0.3-0.8 of the mean digit width), `close` (0-0.15, not touching) or
    `touching` (moved together until the strokes join, then 1 to 4 % of the height more)."""
    level = rng.uniform(0.3, 0.55) if level is None else level
    smalls = [digit_alpha(img, max(8, round(height * rng.uniform(0.9, 1.1))), level) for img in imgs]
    inked = [np.flatnonzero(s.max(0) > 0.05) for s in smalls]  # each digit's ink columns
    mean_w = float(np.mean([cols[-1] + 1 - cols[0] for cols in inked]))
    shape = (round(height * 1.5), sum(s.shape[1] for s in smalls) + round(2 * mean_w * (len(smalls) + 1)))
    layers, right = [], round(mean_w) + 10  # `right`: the ink's right edge so far
    near = np.zeros(shape, bool)  # the ink so far, grown by a pixel: what a new stroke would touch

    def touches(small, x, y):
        return bool((near[y : y + small.shape[0], x : x + small.shape[1]] & (small > 0.5)).any())

    for k, (small, cols) in enumerate(zip(smalls, inked, strict=True)):
        y = round((shape[0] - small.shape[0]) / 2 + rng.uniform(-0.05, 0.05) * height)
        gap = {"apart": rng.uniform(0.3, 0.8), "close": rng.uniform(0, 0.15), "touching": 0.0}[spacing] * mean_w
        x = right + round(gap) - cols[0] + (1 if k and spacing == "close" else 0) if k else right
        if k and spacing == "touching":
            while not touches(small, x, y) and x + cols[0] > right - mean_w:
                x -= 1
            x -= int(rng.integers(1, max(2, round(0.04 * height)) + 1))  # a little more: the strokes join
        while k and spacing != "touching" and touches(small, x, y):
            x += 1
        layer = np.zeros(shape, np.float32)
        layer[y : y + small.shape[0], x : x + small.shape[1]] = small
        layers.append(layer)
        near |= ndimage.binary_dilation(layer > 0.5)
        right = max(right, x + cols[-1] + 1)
    return layers


def number_alpha(imgs, height: int, spacing: str, rng, level=None) -> np.ndarray:
    """The row of `number_layers` as one coverage, cropped to its ink."""
    row = np.maximum.reduce(number_layers(imgs, height, spacing, rng, level))
    cols, rows = np.flatnonzero(row.max(0) > 0.05), np.flatnonzero(row.max(1) > 0.05)
    return row[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _number(digits, rng, spacing, medium):
    indices = digits.pick(rng, int(rng.integers(2, 6)))
    imgs = [digits.images[i] for i in indices]
    family = f"number_{spacing}_{medium}"
    if medium == "drawing":
        size = SIZES[rng.integers(len(SIZES))]
        size = (max(size), min(size))  # a number is wide
        height = round(min(size[1] * rng.uniform(0.3, 0.7), size[0] * 0.9 / len(indices) / 0.9))
        small = number_alpha(imgs, height, spacing, rng)
        if small.shape[1] > size[0] * 0.95:
            small = np.asarray(Image.fromarray(small).resize((round(size[0] * 0.9), round(small.shape[0] * size[0] * 0.9
                               / small.shape[1])), Image.Resampling.BICUBIC))  # fmt: skip
        colour = PEN_COLOURS[rng.integers(len(PEN_COLOURS))] if rng.random() < 0.3 else (0.0, 0.0, 0.0)
        alpha = put(small, size, _centre(rng, size, small))
        image = _rgb_image(photos.over(np.ones((size[1], size[0], 3), np.float32), alpha, colour))
    else:
        ink = DARK_INKS[rng.integers(len(DARK_INKS))]
        share = rng.uniform(0.12, 0.3)

        def layers(sheet_size):
            height = round(min(min(sheet_size) * share, sheet_size[0] * 0.8 / len(indices)))
            small = number_alpha(imgs, max(10, height), spacing, rng)
            if small.shape[1] > sheet_size[0] * 0.9:  # the whole number in the photo, as a user frames it
                small = np.asarray(Image.fromarray(small).resize((round(sheet_size[0] * 0.85), round(small.shape[0]
                                   * sheet_size[0] * 0.85 / small.shape[1])), Image.Resampling.BICUBIC))  # fmt: skip
            return [(put(small, sheet_size, _centre(rng, sheet_size, small, 0.7)), ink)]

        size = PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))]
        image, _ = photo(rng, (max(size), min(size)), layers, lines=None if rng.random() < 0.7 else "ruled")
    return Item(image, digits.answer(indices), family, tuple(indices), {"spacing": spacing, "medium": medium})


def _beside(digits, rng, kind):
    """A single digit with a stray mark beside it: a speck, an underline, a pen cap."""
    (i,) = digits.pick(rng)
    height = int(rng.integers(80, 300))
    small = digit_alpha(digits.images[i], height, rng.uniform(0.3, 0.55))
    h, w = small.shape
    pad = round(1.8 * height)
    canvas = np.zeros((h + 2 * pad, w + 2 * pad), np.float32)
    canvas[pad : pad + h, pad : pad + w] = small
    mark = Image.new("L", (canvas.shape[1] * 2, canvas.shape[0] * 2), 0)
    draw = ImageDraw.Draw(mark)
    stroke = 2 * _stroke_half_width(small > 0.5)
    side = rng.choice([-1, 1])
    if kind == "speck":
        for _ in range(int(rng.integers(1, 3))):
            r = rng.uniform(0.02, 0.05) * height * 2
            x = (pad + w / 2 + side * rng.uniform(0.6, 1.0) * height) * 2
            y = (pad + rng.uniform(0, 1) * h) * 2
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    elif kind == "underline":
        y = (pad + h + rng.uniform(0.05, 0.2) * height) * 2
        x0, x1 = (pad - rng.uniform(0, 0.3) * w) * 2, (pad + w + rng.uniform(0, 0.3) * w) * 2
        draw.line((x0, y, x1, y + rng.uniform(-0.05, 0.05) * height * 2), fill=255, width=max(2, round(stroke * 2)))
    else:  # a pen cap lying beside the digit: a solid rounded bar, longer and far wider than a stroke, with a clip
        length = rng.uniform(1.4, 2.2) * height * 2  # a cap is longer than a written digit
        width = length * rng.uniform(0.2, 0.28)
        cx = (pad + w / 2 + side * (w / 2 + rng.uniform(0.35, 0.6) * height + width / 4)) * 2
        cy = (pad + h / 2) * 2
        bar = Image.new("L", (round(width) + 2, round(length) + 2), 0)
        bar_draw = ImageDraw.Draw(bar)
        bar_draw.rounded_rectangle((0, 0, width, length), radius=width / 2, fill=255)
        bar_draw.rectangle((width * 0.4, length * 0.1, width * 0.6, length * 0.7), fill=200)  # the clip, lighter
        bar = bar.rotate(rng.uniform(-12, 12), Image.Resampling.BICUBIC, expand=True)
        mark.paste(bar, (round(cx - bar.width / 2), round(cy - bar.height / 2)), bar.point(lambda v: 255 * (v > 0)))
    extra = np.asarray(mark.resize((canvas.shape[1], canvas.shape[0]), Image.Resampling.BOX), np.float32) / 255.0
    rows, cols = np.flatnonzero((canvas + extra).max(1) > 0.05), np.flatnonzero((canvas + extra).max(0) > 0.05)
    crop = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
    digit_ink, mark_ink = canvas[crop], extra[crop]
    ink = DARK_INKS[rng.integers(len(DARK_INKS))]
    mark_colour = ink if kind != "cap" else [(0.05, 0.05, 0.05), (0.1, 0.2, 0.7), (0.7, 0.1, 0.1)][rng.integers(3)]
    if rng.random() < 0.5:
        size = (max(digit_ink.shape[1] + 40, int(rng.integers(300, 800))), max(digit_ink.shape[0] + 40, 300))
        at = _centre(rng, size, digit_ink)
        rgb = photos.over(np.ones((size[1], size[0], 3), np.float32), put(digit_ink, size, at), ink)
        image = _rgb_image(photos.over(rgb, put(mark_ink, size, at), mark_colour))
    else:
        scale = rng.uniform(0.3, 0.6)

        def layers(sheet_size):
            f = min(1.0, min(sheet_size) * scale / max(digit_ink.shape))
            new = (max(1, round(digit_ink.shape[1] * f)), max(1, round(digit_ink.shape[0] * f)))
            a, b = (np.asarray(Image.fromarray(x).resize(new, Image.Resampling.BICUBIC)) for x in (digit_ink, mark_ink))
            at = _centre(rng, sheet_size, a, 0.7)
            return [(put(a, sheet_size, at), ink), (put(b, sheet_size, at), mark_colour)]

        image, _ = photo(rng, PHOTO_SIZES[rng.integers(len(PHOTO_SIZES))], layers)
    return Item(image, digits.answer([i]), f"beside_{kind}", (i,))


# ---- the registry

DIGIT_FAMILIES = {f.__name__: f for f in (mnist, drawing, dark, tight, lowres, thick, printed, desk, lines, screen, shadow,
                                           grad, dust, exif)}  # fmt: skip
NOT_DIGITS = {f.__name__: f for f in (notdigit_blank, notdigit_line, notdigit_dot, notdigit_frame, notdigit_blob,
                                       notdigit_letter, notdigit_scrawl, notdigit_face)}  # fmt: skip
NUMBERS = {
    f"number_{spacing}_{medium}": functools.partial(_number, spacing=spacing, medium=medium)
    for spacing in SPACINGS
    for medium in ("drawing", "photo")
}
BESIDE = {f"beside_{kind}": functools.partial(_beside, kind=kind) for kind in ("speck", "underline", "cap")}
LATER = {
    "notdigit_noise": notdigit_noise,
    "circled": circled,
    "notdigit_emoji": notdigit_emoji,
    "pencil": pencil,
}  # families added later: last, so that no other family's stream changes
FAMILIES = {**DIGIT_FAMILIES, **NOT_DIGITS, **NUMBERS, **BESIDE, **LATER}


def generate(family: str, count: int, seed: int = 0, first_index: int = FIRST_INDEX) -> list[Item]:
    """`count` pictures of `family`, the same for the same seed (each family its own random stream)."""
    rng = np.random.default_rng([seed, list(FAMILIES).index(family)])
    digits = Digits(first_index)
    return [FAMILIES[family](digits, rng) for _ in range(count)]


def contact_sheet(items: list[Item], path: Path, cell: int = 220) -> Path:
    """The pictures side by side, 6 a row, each labelled with its answer."""
    columns = 6
    rows = (len(items) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * cell, rows * (cell + 16)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    for k, item in enumerate(items):
        im = item.upright()
        im.thumbnail((cell - 6, cell - 6))
        x, y = (k % columns) * cell, (k // columns) * (cell + 16)
        sheet.paste(im, (x + 3, y + 3))
        draw.text((x + 4, y + cell), f"{item.answer or 'refuse'}  {im.width}x{im.height}", fill=(200, 0, 0))
    sheet.save(path)
    return path


def main_(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sheet", type=Path, required=True, help="folder for one contact sheet per family")
    p.add_argument("--per-family", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--families", nargs="+", default=list(FAMILIES), choices=list(FAMILIES))
    args = p.parse_args(argv)
    args.sheet.mkdir(parents=True, exist_ok=True)
    for family in args.families:
        print(contact_sheet(generate(family, args.per_family, args.seed), args.sheet / f"{family}.png"))


if __name__ == "__main__":
    main_()
