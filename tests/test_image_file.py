"""image_file: reading the user's image. Every failure an ImageError, nothing on stderr, and with
reduce=True an upright picture in "L", "RGB", "RGBA" or "F" (0..1), at most WORK_SIDE large."""

from __future__ import annotations

import io
import re
import struct

import numpy as np
import pytest
from PIL import Image, ImageOps
from test_fuzz_images import _digit, _ifd_entries, _save

import photos
from drawing import DIGITS, TWO, draw_digit
from helpers import MAIN, ROOT, run_script
from tutorial_kit import digit_image, draw_server, image_file
from tutorial_kit.errors import ImageError, ImageTooLargeError
from tutorial_kit.image_file import WORK_SIDE, open_image, read_image

MODES = ("L", "RGB", "RGBA", "F")


def retyped(data: bytes, tag: int, kind: int, count: int | None = None, base: int = 0) -> bytes:
    """A TIFF (or an EXIF block at `base`) whose entry `tag` is given another type (and count)."""
    out = bytearray(data)
    for at, found, order in _ifd_entries(data, base):
        if found == tag:
            struct.pack_into(order + "H", out, at + 2, kind)
            if count is not None:
                struct.pack_into(order + "I", out, at + 4, count)
    return bytes(out)


def strip_offsets_of_the_wrong_type() -> bytes:
    """A TIFF whose StripOffsets are RATIONALs: PIL's load raised TypeError."""
    return retyped(_save(_digit(), "TIFF"), 273, 5)


def xmp_holding_a_number() -> bytes:
    """A TIFF whose XMP tag is a SHORT: getexif raised TypeError."""
    return retyped(_save(_digit(), "TIFF", tiffinfo={700: b"<x:xmpmeta/>"}), 700, 3, 1)


def exif_pillow_cannot_write_back() -> bytes:
    """A portrait JPEG (orientation 6) whose XResolution is text: exif_transpose raised TypeError
    writing the EXIF back."""
    exif = Image.Exif()
    exif[0x0112], exif[0x011A] = 6, 72.0
    data = _save(_digit((64, 48)).convert("RGB"), "JPEG", exif=exif)
    return retyped(data, 0x011A, 2, 4, base=data.find(b"MM\x00*") if b"MM\x00*" in data else data.find(b"II*\x00"))


def test_files_that_crashed_pillow_are_image_errors_naming_the_file(tmp_path, capfd):
    cases = {
        "strips.tif": (strip_offsets_of_the_wrong_type(), "cannot be decoded"),
        "xmp.tif": (xmp_holding_a_number(), "cannot be decoded"),  # PIL reads a TIFF's EXIF as it loads it
    }
    for name, (data, failed) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ImageError, match=rf"^\S*{re.escape(name)} {failed} \(.+\); it may be") as info:
            digit_image.prepare(tmp_path / name)
        assert str(info.value).endswith("it may be truncated or damaged; save it as PNG or JPEG")  # no "?;"
        with pytest.raises(ImageError, match=f"^the drawing {failed}"):
            draw_server.prepare_drawing(data)  # draw.py answers 400
    assert capfd.readouterr().err == ""


def test_exif_that_pillow_cannot_write_back_is_still_read_upright():
    data = exif_pillow_cannot_write_back()
    with pytest.raises(TypeError):  # how the picture used to be turned upright
        ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    im = open_image(data, "the drawing", None, reduce=True)
    assert im.size == (48, 64)  # 64×48 stored, turned a quarter


def test_every_mode_through_the_api_gives_an_analysis_mode_or_an_image_error():
    for mode in Image.MODES:
        im = open_image(Image.new(mode, (30, 20)), "the image", None, reduce=True)
        assert im.mode in MODES and im.size == (30, 20), mode
        for size in ((0, 0), (0, 5), (7, 0)):
            with pytest.raises(ImageError, match="has no pixels"):
                digit_image.prepare(Image.new(mode, size))
    la = Image.new("LA", (30, 20), (0, 255)).convert("La")  # Pillow converts La to nothing but LA
    assert open_image(la, "the image", None, reduce=True).mode == "RGBA"


def test_numbers_become_floats_from_0_to_1():
    values = np.zeros((20, 30), np.float32)
    values[0, :4] = [np.nan, np.inf, -np.inf, -5.0]
    values[1, 0] = 0.5
    out = np.asarray(open_image(Image.fromarray(values, mode="F"), "x", None, reduce=True))
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1 and out[1, 0] == 0.5  # a float TIFF: 0-1
    wide = np.full((20, 30), 1000, np.int32)
    out = np.asarray(open_image(Image.fromarray(wide, mode="I"), "x", None, reduce=True))
    assert np.allclose(out, 1000 / 65535)
    sixteen = Image.fromarray(np.full((20, 30), 65535, np.uint16))
    assert np.allclose(np.asarray(open_image(sixteen, "x", None, reduce=True)), 1.0)


@pytest.mark.parametrize("mode", ["P", "I;16", "CMYK", "LA", "1"])
def test_reduced_a_strip_at_a_time_as_if_at_once(mode, monkeypatch):
    monkeypatch.setattr(image_file, "STRIP_PIXELS", 50_000)  # many strips
    grey = draw_digit(TWO, (2450, 1700)).convert("L")
    im = Image.fromarray(np.asarray(grey, np.uint16) * 257) if mode == "I;16" else grey.convert(mode)
    if mode == "P":
        im.info["transparency"] = 255
    out = open_image(im, "x", None, reduce=True)
    assert out.size == (613, 425) and max(out.size) <= WORK_SIDE  # reduced by 4: 3 would leave 817
    if mode == "I;16":
        whole = Image.fromarray(np.asarray(im, np.float32) / 65535, mode="F").reduce(4)
    else:
        whole = im.convert(out.mode).reduce(4)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(whole))


def test_a_tiff_is_turned_upright_once(tmp_path):
    """PIL turns a TIFF as it loads it (and drops the tag): not turned a second time."""
    im, exif = _digit((64, 48)), Image.Exif()
    exif[0x0112] = 3
    im.save(tmp_path / "turned.tif", exif=exif)
    out = open_image(tmp_path / "turned.tif", "turned.tif", None, reduce=True)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(im.transpose(Image.Transpose.ROTATE_180)))


def test_read_image_keeps_the_picture_as_stored(tmp_path):
    im, exif = draw_digit(TWO, (40, 30)).convert("P"), Image.Exif()
    exif[0x0112] = 6
    im.save(tmp_path / "p.png", exif=exif)
    stored = read_image(tmp_path / "p.png")
    assert stored.mode == "P" and stored.size == (40, 30)


def test_a_big_phone_photo_is_decoded_small(monkeypatch):
    """A 48-megapixel JPEG is decoded at a reduced scale (draft), never at full size."""
    decoded = []
    real = image_file._reduced
    monkeypatch.setattr(image_file, "_reduced", lambda im: decoded.append(im.size) or real(im))
    big = photos.paper_photo(DIGITS[3], size=(800, 600)).resize((8000, 6000), Image.Resampling.BILINEAR)
    prepared = digit_image.prepare(photos.jpeg(big, 85))
    assert decoded and decoded[0][0] * decoded[0][1] <= 8000 * 6000 / 16  # 1/4 scale or less, not 8000×6000
    assert max(prepared.picture.size) <= digit_image.ANALYSIS_SIDE


def test_decoding_cost_is_judged_from_the_header(monkeypatch):
    """What a decoder would hold at once: the pixels; four times that for WebP; for a TIFF that
    libtiff reads in one strip, twice."""
    monkeypatch.setattr(image_file, "DECODE_BUDGET", 2**20)
    rgba = draw_digit(TWO, (400, 400)).convert("RGBA")  # 640,000 bytes decoded
    assert open_image(_save(rgba, "PNG"), "x", None, reduce=True).size == (400, 400)
    assert open_image(_save(rgba, "TIFF", compression="tiff_lzw"), "x", None, reduce=True).size == (400, 400)
    for data in (_save(rgba, "WEBP", lossless=True), _save(rgba, "TIFF", compression="tiff_lzw", strip_size=2**30)):
        with pytest.raises(ImageTooLargeError, match=r"^x is 400×400 pixels, too large to decode in 1 MB"):
            open_image(data, "x", None, reduce=True)


def test_warnings_and_libtiff_lines_stay_off_the_terminal_or_explain_the_refusal(capfd):
    g4 = bytearray(_save(_digit((200, 160)).convert("1"), "TIFF", compression="group4"))
    g4[8] = 0x5A  # the first byte of the strip: the rest decodes, but with libtiff's complaints
    said = []
    with image_file.stderr_captured(said):
        Image.open(io.BytesIO(bytes(g4))).load()
    assert any(line.startswith("Fax4Decode: Bad code word") for line in said), said
    capfd.readouterr()
    assert open_image(bytes(g4), "x", None, reduce=True).size == (200, 160)
    with pytest.raises(ImageError, match=r"cannot be decoded \(decoder error -2; Corrupt EXIF data\. Expecting"):
        open_image(bytes(g4[:-5]), "x", None, reduce=True)  # the end of the directory cut off: Pillow warns
    assert capfd.readouterr().err == ""


def test_a_newline_in_a_file_name_is_shown_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad\nname.tif").write_bytes(strip_offsets_of_the_wrong_type())
    with pytest.raises(ImageError, match=r"^bad\\nname\.tif cannot be decoded") as info:
        digit_image.prepare(tmp_path / "bad\nname.tif")
    assert "\n" not in str(info.value)


def test_predict_reads_the_other_files_after_a_damaged_one(trained, tmp_path):
    """main.py --predict bad.tif good.png: one error line for the first, a prediction for the second."""
    checkpoints, _ = trained
    (tmp_path / "bad.tif").write_bytes(strip_offsets_of_the_wrong_type())
    result = run_script(MAIN, "--predict", tmp_path / "bad.tif", ROOT / "test_img.png", "--checkpoint-dir", checkpoints)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and re.match(r"error: \S*bad\.tif cannot be decoded \(.+\); it may be", lines[0]), lines
    assert re.search(r"^Prediction for \S*test_img\.png: \d \(confidence", result.stdout, flags=re.M), result.stdout
