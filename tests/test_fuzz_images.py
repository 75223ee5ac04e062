"""Fuzzing digit_image.prepare: damaged PNG, JPEG, TIFF, GIF, WebP and BMP files, and PIL images of
every mode, give a valid 28×28 or the project's ImageError, and nothing on stderr.

The cases are seeded random mutations of small valid files (byte flips, truncation, cut or doubled
runs of bytes, huge or zero sizes in the header, TIFF tags of the wrong type, count or value, odd
EXIF), made by `cases`; benchmarks/fuzz_images.py runs many more of them and counts the outcomes.
"""

from __future__ import annotations

import io
import random
import struct
import warnings

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tutorial_kit import digit_image
from tutorial_kit.errors import ImageError
from tutorial_kit.image_file import stderr_captured

FORMATS = ("PNG", "JPEG", "TIFF", "GIF", "WEBP", "BMP")


def _digit(size=(32, 28)) -> Image.Image:
    """A dark 7 on white paper: prepare() finds a digit in it."""
    w, h = size
    im = Image.new("L", size, 255)
    ImageDraw.Draw(im).line([(0.3 * w, 0.25 * h), (0.7 * w, 0.25 * h), (0.45 * w, 0.8 * h)], 0, max(2, w // 10))
    return im


def _exif(orientation=6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "fuzz"  # Make
    return exif


def _save(im: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def seed_files() -> dict[str, tuple[str, bytes]]:
    """Valid files to damage: name -> (format, bytes), in many modes and encodings of each format."""
    grey = _digit()
    rgb, rgba = grey.convert("RGB"), grey.convert("RGBA")
    rgba.putalpha(grey.point(lambda v: 255 - v))
    wide = np.asarray(grey, np.uint16) * 257
    frames = [grey.convert("P"), grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT).convert("P")]
    files = {
        "png-L": ("PNG", _save(grey, "PNG")),
        "png-RGB-exif": ("PNG", _save(rgb, "PNG", exif=_exif())),
        "png-RGBA-interlaced": ("PNG", _save(rgba, "PNG", interlace=1)),
        "png-P-transparent": ("PNG", _save(grey.convert("P"), "PNG", transparency=255)),
        "png-1": ("PNG", _save(grey.convert("1"), "PNG")),
        "png-I16": ("PNG", _save(Image.fromarray(wide), "PNG")),
        "png-LA": ("PNG", _save(rgba.convert("LA"), "PNG")),
        "jpeg-RGB-exif": ("JPEG", _save(rgb, "JPEG", exif=_exif(), quality=80)),
        "jpeg-L-progressive": ("JPEG", _save(grey, "JPEG", progressive=True)),
        "jpeg-CMYK": ("JPEG", _save(rgb.convert("CMYK"), "JPEG")),
        "tiff-RGB-raw": ("TIFF", _save(rgb, "TIFF")),
        "tiff-L-lzw": ("TIFF", _save(grey, "TIFF", compression="tiff_lzw")),
        "tiff-RGBA-deflate": ("TIFF", _save(rgba, "TIFF", compression="tiff_adobe_deflate")),
        "tiff-1-group4": ("TIFF", _save(grey.convert("1"), "TIFF", compression="group4")),
        "tiff-P-packbits": ("TIFF", _save(grey.convert("P"), "TIFF", compression="packbits")),
        "tiff-RGB-jpeg": ("TIFF", _save(rgb, "TIFF", compression="jpeg")),
        "tiff-F": ("TIFF", _save(Image.fromarray(np.asarray(grey, np.float32) / 255), "TIFF")),
        "tiff-I16": ("TIFF", _save(Image.fromarray(wide), "TIFF")),
        "tiff-CMYK-exif": ("TIFF", _save(rgb.convert("CMYK"), "TIFF", exif=_exif(8))),
        "tiff-pages": ("TIFF", _save(grey, "TIFF", save_all=True, append_images=[rgb])),
        "tiff-xmp": ("TIFF", _save(grey, "TIFF", tiffinfo={700: b"<x:xmpmeta/>"})),
        "gif-animated": ("GIF", _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)),
        "gif-transparent": ("GIF", _save(grey.convert("P"), "GIF", transparency=255)),
        "webp-lossy-exif": ("WEBP", _save(rgb, "WEBP", exif=_exif(3), quality=70)),
        "webp-lossless-RGBA": ("WEBP", _save(rgba, "WEBP", lossless=True)),
        "bmp-RGB": ("BMP", _save(rgb, "BMP")),
        "bmp-P": ("BMP", _save(grey.convert("P"), "BMP")),
        "bmp-1": ("BMP", _save(grey.convert("1"), "BMP")),
    }
    return files


# --- mutations ---------------------------------------------------------------------------------


def _flip(data: bytes, rng: random.Random, fmt: str) -> bytes:
    """A few bytes set at random, half of the time within the headers."""
    out = bytearray(data)
    span = min(len(out), 512) if rng.random() < 0.5 else len(out)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(span)] = rng.randrange(256)
    return bytes(out)


def _truncate(data: bytes, rng: random.Random, fmt: str) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def _splice(data: bytes, rng: random.Random, fmt: str) -> bytes:
    """A run of bytes cut out or written twice."""
    start = rng.randrange(max(1, len(data)))
    end = min(len(data), start + rng.choice((1, 4, 16, 256)))
    return data[:start] + (data[start:end] * 2 if rng.random() < 0.5 else b"") + data[end:]


HUGE = (0, 1, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF)


def _size_fields(data: bytes, fmt: str) -> list[tuple[int, str]]:
    """Where a format keeps the picture's width and height: (offset, struct format) pairs."""
    if fmt == "PNG":
        return [(16, ">I"), (20, ">I")]
    if fmt == "BMP":
        return [(18, "<i"), (22, "<i")]
    if fmt == "GIF":
        fields = [(6, "<H"), (8, "<H")]
        at = data.find(b"\x2c", 13)  # the first frame's image descriptor
        return fields + ([(at + 5, "<H"), (at + 7, "<H")] if at > 0 else [])
    if fmt == "JPEG":
        at = data.find(b"\xff\xc0") if b"\xff\xc0" in data else data.find(b"\xff\xc2")
        return [(at + 5, ">H"), (at + 7, ">H")] if at > 0 else []
    if fmt == "WEBP":
        at = data.find(b"VP8X")
        if at > 0:
            return [(at + 12, "<I"), (at + 15, "<I")]  # 24-bit fields, minus one: the top byte spills over
        at = data.find(b"\x9d\x01\x2a")
        return [(at + 3, "<H"), (at + 5, "<H")] if at > 0 else []
    if fmt == "TIFF":
        return [(offset + 8, order + "I") for offset, tag, order in _ifd_entries(data) if tag in (256, 257)]
    return []


def _huge(data: bytes, rng: random.Random, fmt: str) -> bytes:
    """A width or height in the header set to 0, 1 or something huge."""
    out = bytearray(data)
    for offset, form in _size_fields(data, fmt):
        if rng.random() < 0.6 and offset + struct.calcsize(form) <= len(out):
            limit = 2 ** (8 * struct.calcsize(form) - (1 if form[-1].islower() else 0)) - 1
            struct.pack_into(form, out, offset, min(rng.choice(HUGE), limit))
    return bytes(out)


def _ifd_entries(data: bytes, base: int = 0) -> list[tuple[int, int, str]]:
    """(offset, tag, byte order) of each entry of the first directory of the TIFF structure at
    `base`: a TIFF file, or the EXIF block of a JPEG, PNG or WebP file."""
    order = {b"II*\x00": "<", b"MM\x00*": ">"}.get(data[base : base + 4])
    if order is None or len(data) < base + 8:
        return []
    ifd = base + struct.unpack_from(order + "I", data, base + 4)[0]
    if ifd + 2 > len(data):
        return []
    entries = []
    for i in range(struct.unpack_from(order + "H", data, ifd)[0]):
        at = ifd + 2 + 12 * i
        if at + 12 > len(data):
            break
        entries.append((at, struct.unpack_from(order + "H", data, at)[0], order))
    return entries


TYPES = (0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 16, 99)
COUNTS = (0, 1, 2, 3, 255, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF)


def _edit_entries(data: bytes, entries: list, rng: random.Random, base: int = 0) -> bytes:
    """One or two directory entries given another type, count or value (a StripOffsets of type
    ASCII, a count of two billion, an offset past the end)."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 2)):
        at, tag, order = rng.choice(entries)
        field = rng.choice(("type", "count", "value"))
        if field == "type":
            struct.pack_into(order + "H", out, at + 2, rng.choice(TYPES))
        elif field == "count":
            struct.pack_into(order + "I", out, at + 4, rng.choice(COUNTS))
        else:
            value = rng.choice((0, 1, 7, len(data) - base - 1, len(data) - base + 8, 0xFFFFFFFF))
            struct.pack_into(order + "I", out, at + 8, max(0, value))
    return bytes(out)


def _tiff_tag(data: bytes, rng: random.Random, fmt: str) -> bytes:
    """Directory entries of a TIFF damaged (_edit_entries)."""
    entries = _ifd_entries(data)
    return _edit_entries(data, entries, rng) if entries else _flip(data, rng, fmt)


EXIF_VALUES = (0, 1, 5, 6, 8, 9, 65535, 2.5, "6", b"\x06", (6, 6), (1, 3))


def _odd_exif(rng: random.Random) -> Image.Exif:
    """EXIF turning the picture (or with an odd orientation), and a few tags of every kind."""
    exif = Image.Exif()
    exif[0x0112] = rng.choice((3, 6, 8)) if rng.random() < 0.7 else rng.choice(EXIF_VALUES)
    exif[0x010F] = "fuzz"  # Make: ASCII
    exif[0x011A] = 72.0  # XResolution: RATIONAL
    exif[0x0131] = b"\x00\x01\x02"  # Software: bytes
    for _ in range(rng.randint(0, 2)):
        exif[rng.choice((0x0110, 0x0128, 0x02BC, 0x8298, 0x9286))] = rng.choice(EXIF_VALUES)
    return exif


def _exif_edit(data: bytes, rng: random.Random, fmt: str) -> bytes:
    """The picture saved again with EXIF that turns it (or XMP holding a number, in a TIFF), then
    perhaps entries of the EXIF directory given another type, count or value."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        target = fmt if fmt in ("JPEG", "PNG", "TIFF", "WEBP") else "PNG"
        if target == "JPEG" and im.mode not in ("L", "RGB", "CMYK"):
            im = im.convert("RGB")
        options = {}
        if target == "TIFF" and rng.random() < 0.3:
            options["tiffinfo"] = {700: rng.choice((5, 2.5, b"<x:xmpmeta/>", 'tiff:Orientation="6"'))}
        try:
            out = _save(im, target, exif=_odd_exif(rng), **options)
        except Exception:  # Pillow cannot write these values: the file as it was
            out = data
    if target == "TIFF":
        return _tiff_tag(out, rng, fmt) if rng.random() < 0.5 else out
    bases = [at for at in (out.find(b"II*\x00", 8), out.find(b"MM\x00*", 8)) if at > 0]
    entries = _ifd_entries(out, bases[0]) if bases else []
    return _edit_entries(out, entries, rng, bases[0]) if entries and rng.random() < 0.7 else out


MUTATIONS = {
    "flip": _flip,
    "truncate": _truncate,
    "splice": _splice,
    "huge": _huge,
    "tiff-tag": _tiff_tag,
    "exif": _exif_edit,
}


def _pil_image(rng: random.Random) -> tuple[str, Image.Image]:
    """A PIL image of any mode and size (none, one pixel, a digit, noise, NaN and infinity in floats)."""
    mode = rng.choice(Image.MODES)
    size = rng.choice(((0, 0), (0, 5), (7, 0), (1, 1), (3, 40), (32, 28)))
    im = Image.new(mode, size)
    if size == (32, 28):
        if rng.random() < 0.5:
            try:
                im = _digit(size).convert(mode)
            except ValueError:  # Pillow converts L to most modes, not to all
                pass
        else:
            noise = np.random.default_rng(rng.randrange(2**32)).integers(0, 256, (28, 32 * len(im.getbands())))
            im.frombytes(noise.astype(np.uint8).tobytes()[: len(im.tobytes())].ljust(len(im.tobytes()), b"\0"))
    if mode == "F" and min(size) > 0:
        im.putpixel((0, 0), rng.choice((float("nan"), float("inf"), -float("inf"), 1e30, -5.0)))
    return f"pil-{mode}-{size[0]}x{size[1]}", im


def cases(count: int, seed: int, formats=(*FORMATS, "PIL")) -> list[tuple[str, object]]:
    """`count` fuzz cases, (label, source for prepare), the same ones for the same seed; made
    quietly (Pillow warns, and libtiff writes to stderr, about some of the values it saves)."""
    rng = random.Random(seed)
    out = []
    with stderr_captured(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seeds = [(name, fmt, data) for name, (fmt, data) in seed_files().items() if fmt in formats]
        while len(out) < count:
            if "PIL" in formats and rng.random() < 0.1:
                out.append(_pil_image(rng))
                continue
            name, fmt, data = rng.choice(seeds)
            kind = rng.choice([k for k in MUTATIONS if k != "tiff-tag" or fmt == "TIFF"])
            mutated = MUTATIONS[kind](data, rng, fmt)
            if rng.random() < 0.2:  # and a second damage on top
                mutated = MUTATIONS[rng.choice(("flip", "truncate", "splice"))](mutated, rng, fmt)
            out.append((f"{name}/{kind}", mutated))
    return out


def outcome(source) -> str:
    """'ok' or the name of the project's error; anything else (a crash, a bad output) is raised."""
    try:
        prepared = digit_image.prepare(source)
    except ImageError as exc:
        assert "\n" not in str(exc)
        return type(exc).__name__
    images = np.asarray(prepared.images)
    assert images.ndim == 3 and images.shape[1:] == (28, 28) and len(images) >= 1, images.shape
    assert np.isfinite(images).all() and images.min() >= 0.0 and images.max() <= 1.0
    return "ok"


# --- the test ------------------------------------------------------------------------------------

CASES = 1000
PARTS = 4


@pytest.fixture(scope="module")
def fuzz_cases():
    return cases(CASES, seed=16)


@pytest.mark.parametrize("part", range(PARTS))
def test_damaged_images_give_a_28x28_or_an_image_error_and_print_nothing(part, fuzz_cases, capfd):
    """Every PARTS-th of CASES seeded cases: no other exception, no warning, nothing on stderr."""
    capfd.readouterr()
    crashes, outcomes = [], {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for label, source in fuzz_cases[part::PARTS]:
            try:
                result = outcome(source)
            except Exception as exc:  # collected, so that one run shows every kind of crash
                crashes.append(f"{label}: {type(exc).__name__}: {exc}")
                continue
            outcomes[result] = outcomes.get(result, 0) + 1
    assert not crashes, "\n".join(crashes[:20])
    assert [str(w.message) for w in caught] == []
    assert capfd.readouterr().err == ""
    assert outcomes.get("ok", 0) >= 10 and outcomes.get("ImageError", 0) >= 10, outcomes  # both kinds occur
