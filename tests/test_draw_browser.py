"""draw.py in a real browser: digits drawn with the mouse, a finger and small in a corner are read
as they are drawn; numbers of 2-4 digits on the wide pad, with a box per digit and each digit's
28×28 and bars; Undo, Clear, the 28×28 the network saw, errors in the page.

One draw.py server and one headless Chromium for the whole module (browser.py); without Debian's
chromium and chromium-driver these are skipped, except under CI=true where that is a failure.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from browser import DrawServer, chromium, clear, draw, js, mode, reading, settled
from drawing import DIGITS, FOUR, ONE, SEVEN, TWO

HASH = [[(0.3, 0.15), (0.3, 0.85)], [(0.6, 0.15), (0.6, 0.85)], [(0.1, 0.35), (0.9, 0.35)], [(0.1, 0.65), (0.9, 0.65)]]


@pytest.fixture(scope="module")
def page(request, trained):
    driver = chromium(request)
    server = DrawServer("--port", "0", "--no-browser", "--checkpoint-dir", trained[0])
    request.addfinalizer(server.stop)
    driver.get(server.url)
    driver.server = server
    return driver


@pytest.fixture
def pad(page):
    clear(page)
    if js(page, "return document.body.dataset.mode") != "digit":
        mode(page, "digit")
    return page


@pytest.fixture
def wide(pad):
    """The page in number mode: the wide pad."""
    mode(pad, "number")
    return pad


def draw_number(driver, text, step=1.0, pen=None):
    """Draw the digits of `text` side by side on the wide (3:1) pad, each in a square `side` × the
    pad's height, their squares `step` × `side` apart (1: apart, about 0.6: close); returns each
    digit's square (x0, y0, x1, y1) as fractions of the pad."""
    side = min(0.8, 2.8 / len(text))
    start, top = (3 - side * (1 + (len(text) - 1) * step)) / 2, (1 - side) / 2
    squares = []
    for k, digit in enumerate(text):
        x0 = start + k * step * side
        squares.append(((x0) / 3, top, (x0 + side) / 3, top + side))
        draw(driver, DIGITS[int(digit)], box=squares[-1], pen=pen)
    return squares


@pytest.mark.parametrize("digit", range(10))
def test_a_digit_drawn_with_the_mouse_is_read(pad, digit):
    draw(pad, DIGITS[digit])
    settled(pad)
    shown = reading(pad)
    assert shown["digit"] == str(digit), shown["bars"]
    assert shown["top"] == [digit]
    assert max(shown["bars"]) == shown["bars"][digit] > 40  # percent


SMALL = {2: TWO, 4: FOUR, 7: SEVEN, 1: ONE}
CORNERS = [(0.03, 0.03, 0.33, 0.33), (0.64, 0.64, 0.97, 0.97), (0.64, 0.03, 0.97, 0.33), (0.03, 0.64, 0.33, 0.97)]


@pytest.mark.parametrize("digit,corner", list(zip(SMALL, CORNERS, strict=True)))
def test_a_small_digit_in_a_corner_with_a_thin_pen_is_read(pad, digit, corner):
    draw(pad, SMALL[digit], box=corner, pen=1.5)
    settled(pad)
    assert reading(pad)["digit"] == str(digit)


@pytest.mark.parametrize("digit", range(10))
def test_a_digit_drawn_with_the_thickest_pen_is_read(pad, digit):
    draw(pad, DIGITS[digit], pen=10)  # 10 % of the pad: about MNIST's pen for a digit this size
    settled(pad)
    assert reading(pad)["digit"] == str(digit)


def test_predictions_update_while_drawing_one_at_a_time_and_once_more_at_the_end(pad):
    js(
        pad,
        """const pad = document.getElementById('pad');
        window.log = {down: false, moves: 0, snapshots: [], inFlight: 0, maxInFlight: 0};
        // captured on window: before the page's own handlers, which may send the drawing at once
        window.addEventListener('pointerdown', () => { log.down = true; }, true);
        window.addEventListener('pointermove', () => { log.moves++; }, true);
        window.addEventListener('pointerup', () => { log.down = false; }, true);
        const toBlob = HTMLCanvasElement.prototype.toBlob;
        HTMLCanvasElement.prototype.toBlob = function (...a) { log.snapshots.push(log.down); return toBlob.apply(this, a); };
        const realFetch = window.fetch;
        window.fetch = async (...a) => {
          log.maxInFlight = Math.max(log.maxInFlight, ++log.inFlight);
          try { return await realFetch(...a); } finally { log.inFlight--; }
        };""",
    )
    try:
        draw(pad, [[(0.5, 0.15), (0.5, 0.85)] * 5], per_segment=40)  # one long stroke, up and down
        settled(pad)
        log = js(pad, "return window.log")
    finally:
        pad.refresh()  # the page's own fetch and toBlob again
    assert log["snapshots"][0] is True  # a prediction while the stroke is still being drawn
    assert log["snapshots"][-1] is False  # and one of the finished stroke
    assert len(log["snapshots"]) < log["moves"] / 2  # throttled: far fewer than one per pointer move
    assert log["maxInFlight"] == 1
    assert reading(pad)["digit"] == "–"  # a reload starts a blank drawing


def test_a_touch_stroke_draws_and_predicts(pad):
    draw(pad, ONE, pointer="touch")
    settled(pad)
    assert ink(pad) > 200
    assert reading(pad)["digit"] == "1"


def test_a_pen_stroke_draws_too(pad):
    draw(pad, SEVEN, pointer="pen")
    settled(pad)
    assert reading(pad)["digit"] == "7"


def pad_pixels(driver):
    """The pad's pixels as a greyscale array (0 ink, 255 paper)."""
    data = js(
        driver,
        """const c = document.getElementById('pad');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const g = []; for (let i = 0; i < d.length; i += 4) g.push(d[i]); return [c.height, c.width, g];""",
    )
    return np.array(data[2], dtype=np.uint8).reshape(data[0], data[1])


def ink(driver):
    return int((pad_pixels(driver) < 128).sum())


def test_undo_removes_the_last_stroke_and_clear_everything(pad):
    draw(pad, FOUR[:1])
    settled(pad)
    first_stroke = pad_pixels(pad)
    draw(pad, FOUR[1:])
    settled(pad)
    assert reading(pad)["digit"] == "4"
    assert ink(pad) > (first_stroke < 128).sum()

    pad.find_element("id", "undo").click()
    settled(pad)
    assert np.array_equal(pad_pixels(pad), first_stroke)
    assert reading(pad)["digit"] in "0123456789", reading(pad)["message"]  # the first stroke alone is read again

    pad.find_element("id", "clear").click()
    settled(pad)
    shown = reading(pad)
    assert ink(pad) == 0
    assert shown["digit"] == "–" and shown["top"] == [] and max(shown["bars"]) == 0 and max(shown["seen"]) == 0
    assert not pad.find_element("id", "undo").is_enabled() and not pad.find_element("id", "clear").is_enabled()


def test_what_the_network_saw_shows_the_digit_centred(pad):
    draw(pad, SEVEN, box=(0.5, 0.0, 1.0, 0.5))  # drawn in the top right quarter
    settled(pad)
    seen = np.array(reading(pad)["seen"]).reshape(28, 28)
    assert (seen > 128).sum() > 40  # ink...
    ys, xs = np.nonzero(seen)
    assert abs(ys.mean() - 13.5) < 3 and abs(xs.mean() - 13.5) < 3  # ...centred, as MNIST's digits
    assert max(np.ptp(ys), np.ptp(xs)) < 21  # fitted into 20×20, as MNIST's digits
    size = js(
        pad,
        "const s = document.getElementById('seen'); return [s.width, s.height, s.clientWidth, getComputedStyle(s).imageRendering]",
    )
    assert size[:2] == [28, 28] and size[2] >= 84 and size[3] == "pixelated"


def test_an_error_is_shown_in_the_page_not_as_an_alert(pad):
    js(
        pad,
        """window.realFetch = window.fetch;
        window.fetch = async () => new Response(JSON.stringify({error: 'the drawing: no digit found'}), {status: 422});""",
    )
    try:
        draw(pad, TWO)
        settled(pad)
        shown = reading(pad)
        alerts = js(pad, "return typeof window.alert")  # the page never calls alert(): nothing is open
        assert shown["message"] == "No digit found."  # "the drawing: " goes without saying on the page
        assert shown["digit"] == "–" and shown["top"] == []
        assert alerts == "function"
    finally:
        js(pad, "window.fetch = window.realFetch")
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        pad.switch_to.alert.text  # noqa: B018


def test_the_page_says_which_model_is_loaded_and_is_accessible(page):
    model = page.find_element("id", "model").text
    assert "the fixed network (784-512-256-128-10)" in model and "test accuracy 0." in model
    assert all(page.find_element("id", name).tag_name == "button" for name in ("undo", "clear"))
    live = js(page, "return document.getElementById('digit').closest('[aria-live]') !== null")
    assert live
    assert js(page, "return getComputedStyle(document.getElementById('pad')).touchAction") == "none"
    assert len(page.find_elements("css selector", "#bars .bar")) == 10
    pressed = [page.find_element("id", f"mode-{m}").get_attribute("aria-pressed") for m in ("digit", "number")]
    assert pressed == ["true", "false"]


def test_the_pad_scales_on_a_phone_and_a_finger_draws_on_it(pad):
    pad.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 240, "height": 600, "deviceScaleFactor": 3, "mobile": True}
    )
    try:
        draw(pad, TWO, pointer="touch")
        settled(pad)
        width, height, backing = js(
            pad,
            "const p = document.getElementById('pad'), r = p.getBoundingClientRect(); return [r.width, r.height, p.width]",
        )
        digit = reading(pad)["digit"]
    finally:
        pad.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        pad.refresh()
    assert width <= 240 - 16 and abs(width - height) < 1  # the pad fits the phone's width, square
    assert backing == round(width * 3)  # drawn at the phone's pixel density
    assert digit == "2"


# --- numbers: the wide pad -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,step", [("42", 1.0), ("719", 1.0), ("2026", 1.0), ("3580", 1.0), ("1234", 0.6), ("5678", 0.6)]
)
def test_a_number_drawn_in_a_row_is_read_digit_by_digit(wide, text, step):
    squares = draw_number(wide, text, step)
    settled(wide)
    shown = reading(wide)
    assert shown["digit"] == text, shown["message"]
    assert len(shown["boxes"]) == len(text)
    for (x0, y0, x1, y1), square in zip(shown["boxes"], squares, strict=True):  # each box over its digit
        assert square[0] < (x0 + x1) / 2 < square[2] and square[1] < (y0 + y1) / 2 < square[3]
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    assert [c["digit"] for c in shown["columns"]] == list(text)
    for column, digit in zip(shown["columns"], text, strict=True):  # each digit's 28×28 and its ten bars
        assert column["size"] == [28, 28] and sum(v > 128 for v in column["seen"]) > 40
        assert column["top"] == [int(digit)] and max(column["bars"]) == column["bars"][int(digit)] > 40
    assert shown["strip"] and not shown["one"]  # a strip of columns instead of the one digit's 28×28 and bars


def test_one_digit_on_the_wide_pad_is_shown_as_on_the_square_one(wide):
    draw_number(wide, "7")
    settled(wide)
    shown = reading(wide)
    assert shown["digit"] == "7" and shown["top"] == [7] and len(shown["boxes"]) == 1
    assert shown["one"] and not shown["strip"] and shown["columns"] == []
    assert sum(v > 128 for v in shown["seen"]) > 40


def sent_sizes(driver):
    """From now on, the size of every drawing the page sends is logged in window.sent."""
    js(
        driver,
        """window.sent = [];
        const toBlob = HTMLCanvasElement.prototype.toBlob;
        HTMLCanvasElement.prototype.toBlob = function (...a) { sent.push([this.width, this.height]); return toBlob.apply(this, a); };""",
    )


def pad_shape(driver):
    return js(
        driver,
        "const p = document.getElementById('pad'), r = p.getBoundingClientRect(); return [r.width, r.height, p.width, p.height]",
    )


def test_the_number_mode_widens_the_pad_keeps_the_drawing_and_sends_840_by_280(pad):
    sent_sizes(pad)
    try:
        draw(pad, FOUR)
        settled(pad)
        assert reading(pad)["digit"] == "4"
        assert pad_shape(pad)[0] == pytest.approx(pad_shape(pad)[1], abs=1)
        mode(pad, "number")
        width, height, backing_w, backing_h = pad_shape(pad)
        assert width == pytest.approx(3 * height, abs=2) and backing_w == 3 * backing_h
        assert js(pad, "return [location.hash, document.getElementById('title').textContent]") == [
            "#number",
            "Draw a number",
        ]
        assert reading(pad)["digit"] == "4" and ink(pad) > 200  # the 4 is still there, read again on the wide pad
        draw(pad, TWO, box=(0.30, 0.0, 0.63, 1.0))  # a 2 to its right
        settled(pad)
        assert reading(pad)["digit"] == "42"
        sizes = js(pad, "return window.sent")
    finally:
        pad.refresh()  # the page's own toBlob again; #number: still the wide pad
    assert sizes[0] == [280, 280] and sizes[-1] == [840, 280] and {tuple(s) for s in sizes} == {(280, 280), (840, 280)}
    assert js(pad, "return document.body.dataset.mode") == "number"
    assert reading(pad)["digit"] == "–"


def test_back_to_one_digit_a_wide_drawing_shrinks_to_fit_and_undo_still_works(wide):
    draw_number(wide, "42")
    settled(wide)
    assert reading(wide)["digit"] == "42"
    mode(wide, "digit")
    width, height, backing_w, backing_h = pad_shape(wide)
    assert width == pytest.approx(height, abs=1) and backing_w == backing_h
    pixels = pad_pixels(wide) < 128
    ys, xs = np.nonzero(pixels)
    assert xs.min() > 0 and xs.max() < backing_w - 1  # the whole drawing, inside the square pad
    assert len(reading(wide)["boxes"]) == 2
    wide.find_element("id", "undo").click()  # the 2's stroke goes
    settled(wide)
    assert (pad_pixels(wide) < 128).sum() < pixels.sum() and reading(wide)["digit"] == "4"


def test_the_boxes_are_scaled_from_the_analysed_picture_to_the_pad_and_notes_are_said(wide):
    """A made-up answer: boxes in a 280×94 analysed picture land on the same fractions of the pad."""
    answer = {
        "number": "12",
        "digits": [
            {
                "digit": d,
                "probabilities": [0.9 if i == d else 0.01 for i in range(10)],
                "input": [[0.5] * 28] * 28,
                "box": box,
            }
            for d, box in ((1, [28, 10, 84, 80]), (2, [140, 47, 210, 94]))
        ],
        "size": [280, 94],
        "notes": ["1 other mark left out: one row of digits is read"],
    }
    js(
        wide,
        """window.realFetch = window.fetch;
        window.fetch = async () => new Response(JSON.stringify(arguments[0]), {status: 200});""",
        answer,
    )
    try:
        draw(wide, ONE, box=(0.4, 0.1, 0.6, 0.9))
        settled(wide)
        shown = reading(wide)
        width, height = pad_shape(wide)[:2]
    finally:
        js(wide, "window.fetch = window.realFetch")
    assert shown["digit"] == "12" and [c["digit"] for c in shown["columns"]] == ["1", "2"]
    assert shown["message"] == "1 other mark left out: one row of digits is read."
    margin = 4 / width, 4 / height  # each box stands 4 px off the ink it frames
    for got, (x0, y0, x1, y1) in zip(shown["boxes"], ([28, 10, 84, 80], [140, 47, 210, 94]), strict=True):
        expected = [x0 / 280 - margin[0], y0 / 94 - margin[1], x1 / 280 + margin[0], y1 / 94 + margin[1]]
        assert got == pytest.approx(expected, abs=0.01)
    assert all(sum(v == 128 for v in c["seen"]) == 784 for c in shown["columns"])  # 0.5 everywhere: grey 128


def test_a_drawing_that_is_no_digit_is_refused_readably(wide):
    draw(wide, HASH, box=(0.33, 0.0, 0.67, 1.0))
    settled(wide)
    shown = reading(wide)
    head, advice = js(
        wide,
        "const m = document.getElementById('message'); return [m.firstChild.textContent, m.querySelector('small').textContent]",
    )
    assert head.startswith("This does not look like a handwritten digit (closest: ") and head.endswith(").")
    assert advice.startswith(" ") and advice[1].isupper() and advice.endswith(".")
    assert js(wide, "return document.getElementById('message').className") == "refused"
    assert shown["digit"] == "–" and shown["boxes"] == [] and shown["columns"] == []


def test_the_wide_pad_fits_a_phone_and_a_finger_writes_a_number_on_it(wide):
    wide.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 3, "mobile": True}
    )
    try:
        for digit, x0 in (("4", 0.22), ("2", 0.5)):
            draw(wide, DIGITS[int(digit)], box=(x0, 0.05, x0 + 0.28, 0.95), pointer="touch")
        settled(wide)
        width, height, backing_w, backing_h = pad_shape(wide)
        shown = reading(wide)
        sizes = js(wide, "return [document.documentElement.scrollWidth, window.innerWidth]")
    finally:
        wide.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        wide.refresh()
    assert (
        width <= 360 - 16 and height == pytest.approx(width / 3, abs=1) and sizes[0] <= sizes[1]
    )  # no sideways scroll
    assert backing_w == 3 * backing_h >= round(width * 3)
    assert shown["digit"] == "42" and len(shown["boxes"]) == 2


def test_screenshot(wide, tmp_path):
    """The README's picture: DRAW_SCREENSHOT=docs/draw.png python -m pytest tests/test_draw_browser.py -k screenshot."""
    wide.set_window_size(900, 1000)  # the whole page in view: the wide pad and the number's strip below it
    try:
        draw_number(wide, "2026")
        settled(wide)
        target = Path(os.environ.get("DRAW_SCREENSHOT") or tmp_path / "draw.png")
        raw = tmp_path / "raw.png"
        wide.save_screenshot(str(raw))
        box = js(
            wide,
            "const r = document.querySelector('main').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]",
        )
        with Image.open(raw) as im:
            assert box[3] <= im.size[1]  # nothing cut off at the bottom
            im = im.convert("RGB").crop(tuple(round(v) for v in box)).quantize(64)
            im.save(target, optimize=True)
        shown = reading(wide)
    finally:
        wide.set_window_size(900, 700)
    with Image.open(target) as im:
        assert im.size[0] > 500 and im.size[1] > 300
    assert shown["digit"] == "2026" and len(shown["boxes"]) == 4


def test_the_server_kept_quiet(page):
    out, err = page.server.output()
    assert err == []
    assert out[-1].startswith("Draw a digit at http://127.0.0.1:") and out[-1].endswith("/ (Ctrl-C to stop)")
