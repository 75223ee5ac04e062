"""Make pictures of a digit the way users make them: phone photos of paper (a desk around the sheet,
uneven light, a shadow, ruled or grid paper, dust, portrait EXIF, JPEG) and paint-program
screenshots. Each is built as a reflectance (paper, ink, lines, desk) times an illumination, plus
sensor noise, from a clean drawing by tests/drawing.py.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from drawing import draw_digit

PAPER = np.array([0.93, 0.92, 0.88], np.float32)  # white paper under room light
INK = np.array([0.10, 0.12, 0.25], np.float32)  # a blue-black pen
DESK = np.array([0.30, 0.20, 0.13], np.float32)  # a wooden desk


def square(size, centre=(0.5, 0.5), side=0.5):
    """A box (fractions x0, y0, x1, y1) that is square in pixels on a canvas `size` (w, h): `side` of
    the shorter side, centred at `centre` — so a digit has the same shape on any canvas."""
    w, h = size
    half_w, half_h = side * min(w, h) / 2 / w, side * min(w, h) / 2 / h
    return (centre[0] - half_w, centre[1] - half_h, centre[0] + half_w, centre[1] + half_h)


def _ink_alpha(strokes, size, box, pen=0.09):
    """The digit's coverage in [0, 1] on a canvas `size` (w, h)."""
    supersample = 4 if max(size) <= 1200 else 1  # a big photo's pixels are small enough already
    return (
        1.0
        - np.asarray(draw_digit(strokes, size, box=box, pen=pen, supersample=supersample).convert("L"), np.float32)
        / 255.0
    )


def _to_image(rgb, rng, noise=0.012):
    rgb = rgb + rng.normal(0.0, noise, rgb.shape).astype(np.float32)
    return Image.fromarray((np.clip(rgb, 0, 1) * 255).round().astype(np.uint8), "RGB")


def _on_paper(alpha, paper=PAPER, ink=INK):
    return paper * (1 - alpha[..., None]) + ink * alpha[..., None]


def paper_photo(strokes, *, size=(800, 600), box=None, lines=None, seed=0):
    """A digit on a sheet that fills the picture; `lines` = "ruled" or "grid" prints light lines under it."""
    rng = np.random.default_rng(seed)
    w, h = size
    box = box or square(size)
    paper = np.broadcast_to(PAPER, (h, w, 3)).copy()
    if lines:
        line = Image.new("L", size, 0)
        draw = ImageDraw.Draw(line)
        step = h // 14
        for y in range(step // 2, h, step):
            draw.line((0, y, w, y + 0.01 * w), fill=255, width=2)  # slightly tilted, as photographed
        if lines == "grid":
            for x in range(step // 3, w, step):
                draw.line((x, 0, x - 0.01 * h, h), fill=255, width=2)
        else:
            draw.line((0.1 * w, 0, 0.1 * w, h), fill=255, width=2)  # the red margin
        a = np.asarray(line, np.float32)[..., None] / 255.0
        paper = paper * (1 - a) + np.array([0.55, 0.70, 0.90], np.float32) * a
    alpha = _ink_alpha(strokes, size, box)
    rgb = paper * (1 - alpha[..., None]) + INK * alpha[..., None]
    return _to_image(rgb, rng)


def sheet_on_desk(strokes, *, size=(1000, 750), sheet=(0.22, 0.12, 0.8, 0.9), seed=0):
    """A sheet of paper with the digit on it, on a darker wooden desk that fills the rest."""
    rng = np.random.default_rng(seed)
    w, h = size
    grain = 0.06 * np.sin(np.linspace(0, 60, h))[:, None] * np.ones((1, w)) + rng.normal(0, 0.02, (h, w))
    rgb = DESK * (1 + grain[..., None]).astype(np.float32)
    x0, y0, x1, y1 = (round(v) for v in (sheet[0] * w, sheet[1] * h, sheet[2] * w, sheet[3] * h))
    sheet_mask = Image.new("L", size, 0)
    ImageDraw.Draw(sheet_mask).polygon([(x0 + 8, y0), (x1, y0 + 10), (x1 - 8, y1), (x0, y1 - 10)], fill=255)
    m = np.asarray(sheet_mask, np.float32)[..., None] / 255.0
    centre = ((sheet[0] + sheet[2]) / 2, (sheet[1] + sheet[3]) / 2)
    digit_box = square(size, centre, 0.4)
    alpha = _ink_alpha(strokes, size, digit_box)
    rgb = rgb * (1 - m) + _on_paper(alpha) * m
    return _to_image(rgb, rng)


def paint_screenshot(strokes, *, size=(1024, 768), seed=0):
    """A paint program's window: dark title bar with its buttons and title text, a grey toolbar of
    icons and colour swatches, a white canvas with the digit, a status bar."""
    rng = np.random.default_rng(seed)
    w, h = size
    im = Image.new("RGB", size, (240, 240, 240))
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, w, 30), fill=(45, 50, 70))  # title bar
    draw.text((12, 9), "untitled.png - Paint", fill=(255, 255, 255))
    for i, colour in enumerate([(230, 80, 70), (240, 190, 60), (90, 190, 90)]):
        draw.ellipse((w - 80 + 24 * i, 9, w - 66 + 24 * i, 23), fill=colour)
    draw.rectangle((0, 31, w, 100), fill=(225, 225, 228))  # toolbar
    for i in range(14):
        x = 12 + 44 * i
        draw.rectangle((x, 42, x + 32, 74), outline=(90, 90, 90), width=2)
        draw.line((x + 6, 68, x + 26, 48), fill=(30, 30, 30), width=3)
    for i in range(10):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.rectangle((680 + 30 * i, 45, 702 + 30 * i, 67), fill=colour, outline=(0, 0, 0))
    draw.text((12, 80), "File  Edit  View  Image  Colours  Help", fill=(20, 20, 20))
    draw.rectangle((0, h - 26, w, h), fill=(215, 215, 220))  # status bar
    draw.text((10, h - 20), "640 x 480px     100%", fill=(30, 30, 30))
    canvas = draw_digit(strokes, (640, 480), box=square((640, 480), (0.45, 0.5), 0.7))
    im.paste(canvas, (40, 130))
    draw.rectangle((39, 129, 681, 611), outline=(160, 160, 160))  # the canvas's edge
    return im


def dust(im, *, specks=6, seed=0):
    """Grey dust specks and a hair-thin fleck scattered over the picture (away from its middle)."""
    rng = np.random.default_rng(seed)
    im = im.copy()
    draw = ImageDraw.Draw(im)
    w, h = im.size
    for _ in range(specks):
        x = rng.choice([rng.uniform(0.02, 0.2), rng.uniform(0.8, 0.98)]) * w
        y = rng.uniform(0.02, 0.98) * h
        r = rng.uniform(0.5, 0.008 * w + 1)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(90, 90, 90))
    return im


def frame(im, width=2):
    """A dark frame drawn round the picture's edge."""
    im = im.copy()
    ImageDraw.Draw(im).rectangle((0, 0, im.width - 1, im.height - 1), outline=(0, 0, 0), width=width)
    return im


def lighting(im, *, gradient=0.0, shadow=0.0, vignette=0.0):
    """Uneven light: a left-to-right gradient losing `gradient` of the light, a hard-edged shadow
    over the left part darkening by `shadow`, vignetting darkening the corners by `vignette`."""
    rgb = np.asarray(im, np.float32) / 255.0
    h, w = rgb.shape[:2]
    light = np.ones((h, w), np.float32)
    xs = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    ys = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    light *= 1 - gradient * xs
    if shadow:
        light *= np.where(xs + 0.3 * ys < 0.45, 1 - shadow, 1.0)
    if vignette:
        light *= 1 - vignette * ((xs - 0.5) ** 2 + (ys - 0.5) ** 2) * 2
    return Image.fromarray((np.clip(rgb * light[..., None], 0, 1) * 255).round().astype(np.uint8), "RGB")


ROTATE_FOR = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def with_orientation(im, orientation):
    """JPEG bytes of `im` stored as a phone stores a photo: the sensor's pixels plus an EXIF
    orientation saying how to turn them upright."""
    stored = im.transpose(ROTATE_FOR[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    stored.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def jpeg(im, quality=60):
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=quality)
    return out.getvalue()


def blank(kind, size=(800, 600), seed=0):
    """A photo with no digit: plain paper under a gradient, a hard shadow, or with dust specks."""
    rng = np.random.default_rng(seed)
    plain = _to_image(np.broadcast_to(PAPER, (size[1], size[0], 3)).copy(), rng)
    if kind == "gradient":
        return lighting(plain, gradient=0.5)
    if kind == "shadow":
        return lighting(plain, shadow=0.45)
    if kind == "specks":
        return dust(plain, specks=12, seed=seed)
    if kind == "desk":
        return sheet_on_desk([], size=size, seed=seed)
    raise ValueError(kind)


# Building blocks for pictures of any ink (tests/own_digits.py): float RGB arrays in [0, 1], (h, w, 3).


def paper(size, rng, *, colour=PAPER, lines=None, step=40, line_colour=(0.55, 0.70, 0.90), tilt=0.0):
    """A sheet `size` (w, h) of `colour` with faint fibre noise; `lines` = "ruled" (with a red margin)
    or "grid" prints lines `step` px apart, tilted by `tilt` (fraction of the width) as photographed."""
    w, h = size
    rgb = np.empty((h, w, 3), np.float32)
    rgb[:] = colour
    rgb *= 1 + 0.01 * rng.standard_normal((h, w, 1), np.float32)
    if lines:
        mask = Image.new("L", size, 0)
        draw = ImageDraw.Draw(mask)
        width = max(1, round(step / 25))
        offset = rng.uniform(0, step)
        for y in np.arange(offset, h + abs(tilt) * w, step):
            draw.line((0, y, w, y + tilt * w), fill=255, width=width)
        if lines == "grid":
            for x in np.arange(rng.uniform(0, step), w + abs(tilt) * h, step):
                draw.line((x, 0, x - tilt * h, h), fill=255, width=width)
        rgb = over(rgb, np.asarray(mask, np.float32) / 255.0 * 0.8, line_colour)
        if lines == "ruled" and rng.random() < 0.7:
            margin = Image.new("L", size, 0)
            x = rng.uniform(0.05, 0.15) * w
            ImageDraw.Draw(margin).line((x, 0, x - tilt * h, h), fill=255, width=width + 1)
            rgb = over(rgb, np.asarray(margin, np.float32) / 255.0 * 0.8, (0.85, 0.35, 0.35))
    return rgb


def over(rgb, alpha, colour):
    """`rgb` with `colour` laid over it where `alpha` (h, w) says, in [0, 1]."""
    a = np.asarray(alpha, np.float32)[..., None]
    return rgb * (1 - a) + np.asarray(colour, np.float32) * a


def desk(size, rng, colour=DESK, wood=True):
    """A table top `size` (w, h) of `colour`, with wood grain when `wood`, else a fine mottle."""
    w, h = size
    ys, xs = np.arange(h, dtype=np.float32)[:, None], np.arange(w, dtype=np.float32)[None, :]
    if wood:
        angle = rng.uniform(-0.3, 0.3)
        u = ys * np.cos(angle) + xs * np.sin(angle)
        wobble = 8 * np.sin(xs / rng.uniform(60, 200) + rng.uniform(0, 6))
        grain = 0.07 * np.sin((u + wobble) / rng.uniform(3, 9)) + 0.05 * np.sin((u + 2 * wobble) / rng.uniform(20, 60))
    else:
        coarse = rng.standard_normal((h // 16 + 2, w // 16 + 2), np.float32)
        grain = 0.04 * np.asarray(Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC))
    grain = grain + 0.015 * rng.standard_normal((h, w), np.float32)
    return np.asarray(colour, np.float32) * (1 + grain[..., None])


def finish(rgb, rng, *, noise=0.012, blur=0.0):
    """The array as a camera gives it: a little out of focus (`blur` px), with sensor noise."""
    im = Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8), "RGB")
    if blur:
        im = im.filter(ImageFilter.GaussianBlur(blur))
    if not noise:
        return im
    noisy = np.asarray(im, np.float32) + (255 * noise) * rng.standard_normal((im.height, im.width, 3), np.float32)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")
