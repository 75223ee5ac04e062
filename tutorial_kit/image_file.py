"""Reading an image file the user gave: what is wrong with the path said in words, the first
frame, upright (EXIF), decoded small where the format allows; every failure an ImageError."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from tutorial_kit import files
from tutorial_kit.errors import ImageError, ImageTooLargeError, PathError
from tutorial_kit.files import display_path

WORK_SIDE = 800  # pictures are analysed at most this large: a 48-megapixel photo costs what a screenshot does


def check_file(path: Path, name: str) -> None:
    """Say what is wrong with a path before PIL sees it (files.kind): missing, a folder, a pipe, a
    loop of links, unreadable."""
    try:
        found = files.kind(path)
    except PathError as exc:
        raise ImageError(str(exc)) from None
    hint = "give the path of a PNG, JPEG, GIF or TIFF image"
    if found in ("missing", "broken link"):
        raise ImageError(f"{name}: {'no such file' if found == 'missing' else 'a link to a missing file'}; {hint}")
    if found != "file":
        advice = "" if found == "folder" else "; save the image to a file and give its path"
        raise ImageError(f"{name} is {files.what(found)}, not an image file{advice}")
    if os.stat(path).st_size == 0:
        raise ImageError(f"{name} is empty (0 bytes); save the drawing again")
    if not os.access(path, os.R_OK):
        raise ImageError(f"{name}: permission denied; make it readable (chmod u+r) or copy it")


def open_image(source, name: str, max_pixels: int | None, reduce: bool) -> Image.Image:
    """The first frame of `source` (a path, bytes or a PIL image), loaded; when `reduce`, upright
    and at most about WORK_SIDE pixels (a JPEG is decoded straight at that size)."""
    is_file = not isinstance(source, bytes | bytearray | Image.Image)
    advice = "; save it as PNG or JPEG" if is_file else ""
    if is_file:
        if os.fspath(source) == "":
            raise ImageError("empty file name; give the path of a PNG, JPEG, GIF or TIFF image")
        check_file(Path(source), name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if isinstance(source, Image.Image):
                im = source
            else:
                im = Image.open(io.BytesIO(source) if not is_file else source)  # reads the header only
            width, height = im.size
            if max_pixels is not None and width * height > max_pixels:
                raise ImageTooLargeError(
                    f"{name} is {width}×{height} pixels, more than the {max_pixels:,} allowed; send a smaller image"
                )
            im.seek(0)  # the first frame of a GIF or multi-page TIFF
            if reduce and im.format in ("JPEG", "MPO"):
                im.draft(im.mode, (WORK_SIDE, WORK_SIDE))  # decode at 1/2, 1/4 or 1/8 scale: cheap
            im.load()
            if reduce:
                im = ImageOps.exif_transpose(im)  # a portrait phone photo, upright
            return im
    except PermissionError:
        raise ImageError(f"{name}: permission denied; make it readable (chmod u+r) or copy it") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLargeError(
            f"{name} is too large (over PIL's decompression-bomb limit of {Image.MAX_IMAGE_PIXELS:,} pixels); "
            "scale it down first"
        ) from None
    except UnidentifiedImageError:
        raise ImageError(f"{name} is not an image PIL can read{advice}") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImageError(f"{name} cannot be decoded ({detail}); is it truncated or damaged?{advice}") from None


def read_image(path: Path | str) -> Image.Image:
    """Open an image file fully (first frame, as stored), or raise ImageError saying what is wrong."""
    return open_image(path, display_path(path), None, reduce=False)
