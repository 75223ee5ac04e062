"""Reading an image file the user gave: what is wrong with the path said in words, the first
frame, upright (EXIF), reduced while or right after decoding; every failure an ImageError.

`open_image(..., reduce=True)` returns a loaded, upright image in mode "L", "RGB", "RGBA" or "F"
(floats in 0..1), at most WORK_SIDE pixels on its longer side and never empty, or raises
ImageError. Whatever a decoder says meanwhile (Pillow's warnings, libtiff's lines on file
descriptor 2) never reaches the terminal; when the image is refused, it is part of the one line.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, UnidentifiedImageError

from tutorial_kit import files
from tutorial_kit.errors import ImageError, ImageTooLargeError, PathError
from tutorial_kit.files import display_path, stderr_captured

FORMATS = "PNG, JPEG, GIF, TIFF, BMP, WebP"  # the kinds of image said in messages (PIL reads more)
ANIMATED = "animated"  # open_image's mark (in the image's info) of a picture with more frames than the one read
WORK_SIDE = 800  # pictures are analysed at most this large: a 48-megapixel photo costs what a screenshot does
DECODE_BUDGET = 400 * 2**20  # bytes a decoded picture may take before it is reduced (PIL's own limit allows more)
STRIP_PIXELS = 2**22  # pixels converted at a time while reducing: a few MB, whatever the picture
_TRANSPOSE = {  # EXIF orientation -> what makes the picture upright (as ImageOps.exif_transpose)
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def check_file(path: Path, name: str) -> None:
    """Say what is wrong with a path before PIL sees it (files.kind): missing, a folder, a pipe, a
    loop of links, unreadable."""
    hint = f"give the path of an image ({FORMATS})"
    try:
        found = files.kind(path)
    except PathError as exc:  # a loop of links, a folder on the way that may not be searched
        raise ImageError(f"{exc}; {hint}") from None
    if found in ("missing", "broken link"):
        raise ImageError(f"{name}: {'no such file' if found == 'missing' else 'a link to a missing file'}; {hint}")
    if found != "file":
        advice = (
            f"; give the images in it ({name}/*.png)"
            if found == "folder"
            else "; save the image to a file and give its path"
        )
        raise ImageError(f"{name} is {files.what(found)}, not an image file{advice}")
    if os.stat(path).st_size == 0:
        raise ImageError(f"{name} is empty (0 bytes); save the drawing again")
    if not os.access(path, os.R_OK):
        raise ImageError(f"{name}: permission denied; make it readable (chmod u+r) or copy it")


def _decode_cost(im: Image.Image) -> int:
    """Bytes that decoding `im` takes at its peak, from its header (measured with
    benchmarks/bench_predict.py): the pixels (Pillow keeps RGB in 4 bytes a pixel); for WebP four
    times that (libwebp's canvas, its copy, the bytes handed over); for a TIFF that libtiff
    decodes, also its buffer of one strip, which may be the whole picture."""
    width, height = im.size
    row = width * (1 if im.mode in ("1", "L", "P") else 2 if im.mode.startswith("I;16") else 4)
    if im.format == "WEBP":
        return 4 * row * height
    if im.format == "TIFF" and im.tile and im.tile[0][0] == "libtiff" and 322 not in im.tag_v2:  # in strips
        try:
            rows = min(height, max(1, int(im.tag_v2.get(278, height))))
        except (TypeError, ValueError):
            rows = height
        return row * (height + rows)
    return row * height


def _check_size(im: Image.Image, name: str, max_pixels: int | None, reduce: bool) -> None:
    """Refuse, from the header, a picture larger than `max_pixels` or, when it is to be reduced, one
    whose decoding alone would take more than DECODE_BUDGET; and a picture with no pixels."""
    width, height = im.size
    if max_pixels is not None and width * height > max_pixels:
        raise ImageTooLargeError(
            f"{name} is {width}×{height} pixels, more than the {max_pixels:,} allowed; send a smaller image"
        )
    if reduce and _decode_cost(im) > DECODE_BUDGET:
        raise ImageTooLargeError(
            f"{name} is {width}×{height} pixels, too large to decode in {DECODE_BUDGET // 2**20} MB "
            f"({im.format}, {_decode_cost(im) / 2**20:,.0f} MB); scale it down first"
        )
    if width < 1 or height < 1:
        raise ImageError(f"{name} is {width}×{height} pixels: it has no pixels")


def _target(im: Image.Image) -> str:
    """The mode a picture is analysed in: "L", "RGB", "RGBA" or "F"."""
    if im.mode in ("1", "L"):
        return "L"
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        return "F"
    if im.mode in ("P", "PA", "LA", "La", "RGBa", "RGBA"):
        return "RGBA"
    return "RGB"  # RGB, RGBX, CMYK, YCbCr, LAB, HSV


def _float_scale(im: Image.Image, rows: int) -> float:
    """What a number image is divided by to be 0..1: 65535 for 16 bits; for 32-bit integers or
    floats, 1, 255 or 65535, whichever its largest finite value fits (a float TIFF holds 0-1)."""
    if im.mode.startswith("I;16"):
        return 65535.0
    top = 0.0
    for y in range(0, im.height, rows):
        values = np.asarray(im.crop((0, y, im.width, min(y + rows, im.height))), dtype=np.float32)
        finite = values[np.isfinite(values)]
        top = max(top, float(finite.max(initial=0.0)))
    return 1.0 if top <= 1.0 else 255.0 if top <= 255 else 65535.0


def _converted(strip: Image.Image, target: str, scale: float) -> Image.Image:
    if target != "F":
        return (strip.convert("LA") if strip.mode == "La" else strip).convert(target)  # no La -> RGBA in Pillow
    values = np.asarray(strip, dtype=np.float32) / scale
    return Image.fromarray(np.clip(np.nan_to_num(values, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0), mode="F")


def _reduced(im: Image.Image) -> Image.Image:
    """`im` in its analysis mode (_target) and reduced to at most WORK_SIDE, a strip at a time, so
    that no second full-size copy is ever made (a palette or CMYK picture would need one)."""
    target = _target(im)
    factor = math.ceil(max(im.size) / WORK_SIDE)
    rows = factor * max(1, STRIP_PIXELS // (im.width * factor))  # whole blocks of `factor` rows
    scale = _float_scale(im, rows) if target == "F" else 1.0
    if factor == 1 and rows >= im.height:
        return _converted(im, target, scale)
    out = Image.new(target, (math.ceil(im.width / factor), math.ceil(im.height / factor)))
    for y in range(0, im.height, rows):
        strip = _converted(im.crop((0, y, im.width, min(y + rows, im.height))), target, scale)
        out.paste(strip.reduce(factor) if factor > 1 else strip, (0, y // factor))
    return out


def _orientation(im: Image.Image) -> int:
    """The EXIF orientation (or the XMP one, as Pillow reads it), 1 when there is none."""
    orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
    return orientation if isinstance(orientation, int) else 1


def _animated(im: Image.Image) -> bool:
    """Whether an image has a second frame (a damaged one after the first is not looked into)."""
    try:
        return bool(getattr(im, "is_animated", False))
    except Exception:  # a decoder's error past the first frame: that frame is read all the same
        return False


def _detail(exc: BaseException, said: list[str]) -> str:
    """An exception and the first things the decoder said (warnings, libtiff's lines), once each, as
    a short phrase."""
    parts = [str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__]
    parts = list(dict.fromkeys(" ".join(part.split()) for part in parts + said if part.strip()))[:3]
    text = "; ".join(parts)
    return text if len(text) <= 200 else text[:199] + "…"


def open_image(source, name: str, max_pixels: int | None, reduce: bool) -> Image.Image:
    """The first frame of `source` (a path, bytes or a PIL image), loaded. When `reduce`: upright,
    in mode "L", "RGB", "RGBA" or "F" (0..1), at most WORK_SIDE pixels on its longer side (a JPEG
    is decoded at about that size, others reduced a strip at a time), its info[ANIMATED] set when
    it has more frames (an animated GIF, PNG or WebP, a multi-page TIFF). Raises ImageError."""
    is_file = not isinstance(source, bytes | bytearray | Image.Image)
    advice = "; save it as PNG or JPEG" if is_file else ""
    if is_file:
        if os.fspath(source) == "":
            raise ImageError(f"empty file name; give the path of an image ({FORMATS})")
        check_file(Path(source), name)
    said: list[str] = []  # the decoder's warnings and C-level lines
    im = kept = None
    failed = "cannot be decoded"
    try:
        with stderr_captured(said), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                if isinstance(source, Image.Image):
                    im = source
                else:
                    im = Image.open(io.BytesIO(source) if not is_file else source)  # reads the header only
                _check_size(im, name, max_pixels, reduce and im is not source)  # a given image is decoded already
                im.seek(0)  # the first frame of a GIF or multi-page TIFF
                if reduce and im.format in ("JPEG", "MPO"):
                    im.draft(im.mode, (WORK_SIDE, WORK_SIDE))  # decode at 1/2, 1/4 or 1/8 scale: cheap
                im.load()
                _check_size(im, name, None, False)  # a frame of no pixels
                if not reduce:
                    kept = im
                    return im
                failed = "has EXIF data that cannot be read"
                method = _TRANSPOSE.get(_orientation(im))  # after load: a TIFF is turned (and its tag dropped) by PIL
                failed = "cannot be converted"
                out = _reduced(im)
                out = out.transpose(method) if method is not None else out
                if im.format != "MPO" and _animated(im):  # an MPO's later frames are a camera's previews
                    out.info[ANIMATED] = True  # only the first frame is read: said with the answer
                return out
            finally:
                said += [str(w.message) for w in caught]
    except ImageError:
        raise
    except PermissionError:
        raise ImageError(f"{name}: permission denied; make it readable (chmod u+r) or copy it") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLargeError(
            f"{name} is too large (over PIL's decompression-bomb limit of {Image.MAX_IMAGE_PIXELS:,} pixels); "
            "scale it down first"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(f"{name} is not an image that can be read ({FORMATS}){advice}") from None
    except MemoryError:
        raise ImageTooLargeError(
            f"{name} is too large to decode in this computer's memory; scale it down first"
        ) from None
    except Exception as exc:  # any failure of a decoder, of EXIF parsing or of a conversion: a damaged file
        raise ImageError(f"{name} {failed} ({_detail(exc, said)}); it may be truncated or damaged{advice}") from None
    finally:
        if im is not None and im is not source and im is not kept:
            im.close()  # refused, or what is returned is a new image


def read_image(path: Path | str) -> Image.Image:
    """Open an image file fully (first frame, as stored), or raise ImageError saying what is wrong."""
    return open_image(path, display_path(path), None, reduce=False)
