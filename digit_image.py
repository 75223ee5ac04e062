"""Try your own digit: turn any image file into the 28×28 input an MNIST network expects.

The article feeds `np.invert(Image.open(path).convert('L'))`: raw 0-255 pixels of a file that must
already be 28×28, dark on light, centred like MNIST. `to_mnist()` does instead what MNIST did to
its digits, so a phone photo or a paint-program drawing works:

1. read the first frame of any PIL image (PNG, JPEG, GIF, TIFF; modes 1, L, LA, P, RGB, RGBA, I;16),
   transparent pixels as white paper;
2. ink = colour distance from the paper (the median border colour): dark-on-light, light-on-dark,
   grey or coloured ink all give the same ink map;
3. crop to the ink, thicken strokes that would end up thinner than MNIST's pen, fit into 20×20
   keeping the aspect ratio with anti-aliasing, and centre in 28×28 by centre of mass;
4. values in [0, 1], ink = 1, as in training.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, UnidentifiedImageError

from errors import ImageError
from files import atomic_path, display_path

MIN_CONTRAST = 0.15  # ink must differ from paper by 15 % of full scale, or there is no digit
NOISE_FLOOR = 0.2  # after contrast stretching, weaker ink than this is paper texture or JPEG noise
MNIST_STROKE = 2.9  # MNIST's pen width in pixels, for a digit whose longer side is 20 pixels
WORK_SIDE = 80  # large drawings are first reduced to this size for stroke measuring


def read_image(path: Path | str) -> Image.Image:
    """Open an image file fully (first frame), or raise ImageError saying what is wrong with it."""
    path = Path(path)
    name = display_path(path)
    if not path.exists():
        raise ImageError(f"{name}: no such file; give the path of a PNG, JPEG, GIF or TIFF image")
    if path.is_dir():
        raise ImageError(f"{name} is a folder, not an image file")
    if path.stat().st_size == 0:
        raise ImageError(f"{name} is empty (0 bytes); save the drawing again")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.seek(0)  # the first frame of a GIF or multi-page TIFF
                im.load()
                return im.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            f"{name} is too large (over PIL's decompression-bomb limit of {Image.MAX_IMAGE_PIXELS:,} pixels); "
            "scale it down first"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(f"{name} is not an image PIL can read; save it as PNG or JPEG") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"{name} cannot be decoded ({exc}); is it truncated or damaged? Save it again") from None


def _on_white_paper(im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """RGB in [0, 1] with transparency composited on white paper, and alpha if the image has any."""
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        grey = np.asarray(im, dtype=np.float64)
        top = 65535.0 if im.mode.startswith("I;16") or grey.max() > 255 else 255.0
        return np.repeat(np.clip(grey / top, 0, 1)[..., None], 3, axis=2), None
    rgba = np.asarray(im.convert("RGBA"), dtype=np.float64) / 255.0
    alpha = rgba[..., 3:]
    rgb = rgba[..., :3] * alpha + (1.0 - alpha)
    return rgb, (alpha[..., 0] if (alpha < 1).any() else None)


def ink_map(im: Image.Image) -> np.ndarray:
    """How strongly each pixel differs from the paper colour, in [0, 1]: the same for an image and
    its colour-inverted twin, so light-on-dark needs no special case."""
    rgb, alpha = _on_white_paper(im)
    paper = np.median(_border(rgb), axis=0)
    ink = np.abs(rgb - paper).max(axis=2)
    if ink.max() < MIN_CONTRAST and alpha is not None:  # e.g. white ink on a transparent sheet
        ink = np.abs(alpha - np.median(_border(alpha)))
    return ink


def _border(a: np.ndarray) -> np.ndarray:
    """The pixels along the four edges, where the paper is."""
    return np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])


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


def to_mnist(path: Path | str) -> np.ndarray:
    """The 28×28 float32 image (ink 1.0 on 0.0, values in [0, 1]) the network should see for a file."""
    ink = ink_map(read_image(path))
    contrast = ink.max()
    if contrast < MIN_CONTRAST:
        raise ImageError(f"{display_path(path)}: no digit found (the image is blank or a single colour); draw a digit")
    ink = np.clip((ink / contrast - NOISE_FLOOR) / (1 - NOISE_FLOOR), 0, 1)

    ink = _crop_to_ink(ink)

    if max(ink.shape) > WORK_SIDE:  # measure strokes at a size where they are a few pixels wide
        ink = _fit(ink, WORK_SIDE)
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


def as_published(path: Path | str) -> np.ndarray:
    """The article's recipe, kept for --as-published: inverted raw 0-255 pixels, no scaling, 28×28 only."""
    im = read_image(path)
    if im.size != (28, 28):
        raise ImageError(
            f"{display_path(path)} is {im.size[0]}×{im.size[1]}; the article's recipe (--as-published) feeds raw pixels "
            "and needs 28×28: drop --as-published to use the full preprocessing"
        )
    return np.invert(np.asarray(im.convert("L"))).ravel().astype(np.float32)


def save_input(image28: np.ndarray, path: Path | str) -> Path:
    """Save the 28×28 the network saw as a greyscale PNG (white ink on black, as MNIST stores it)."""
    pixels = np.clip(np.asarray(image28, dtype=np.float64).reshape(28, 28), 0, 255)
    if pixels.max() <= 1.0:
        pixels = pixels * 255
    path = Path(path)
    with atomic_path(path) as tmp:
        Image.fromarray(pixels.round().astype(np.uint8), mode="L").save(tmp, format="PNG")
    return path


def prepare(source, name=None, max_pixels=None):  # TEMPORARY until the photo pipeline (issue 7) lands
    from types import SimpleNamespace

    return SimpleNamespace(image=to_mnist(source), objects=1, box=None)


def save_contact_sheet(prepared, path):  # TEMPORARY until the photo pipeline (issue 7) lands
    return save_input(prepared.image, path)
