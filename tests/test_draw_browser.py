"""draw.py in a real browser: digits drawn with the mouse, a finger and small in a corner are read
as they are drawn; Undo, Clear, the 28×28 the network saw, errors in the page.

One draw.py server and one headless Chromium for the whole module (browser.py); without Debian's
chromium and chromium-driver these are skipped, except under CI=true where that is a failure.
"""

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from browser import DrawServer, chromium, clear, draw, js, reading, settled
from drawing import DIGITS, FOUR, ONE, SEVEN, TWO


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
    return page


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
        pad.addEventListener('pointerdown', () => { log.down = true; });
        pad.addEventListener('pointermove', () => { log.moves++; });
        pad.addEventListener('pointerup', () => { log.down = false; });
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
        const g = []; for (let i = 0; i < d.length; i += 4) g.push(d[i]); return [c.width, g];""",
    )
    return np.array(data[1], dtype=np.uint8).reshape(data[0], data[0])


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
    assert reading(pad)["digit"] in "0123456789"  # the first stroke alone is read again

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
        assert shown["message"] == "the drawing: no digit found"
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


def test_screenshot(pad, tmp_path):
    """The README's picture: DRAW_SCREENSHOT=docs/draw.png python -m pytest tests/test_draw_browser.py -k screenshot."""
    draw(pad, SEVEN)
    settled(pad)
    target = Path(os.environ.get("DRAW_SCREENSHOT") or tmp_path / "draw.png")
    raw = tmp_path / "raw.png"
    pad.save_screenshot(str(raw))
    with Image.open(raw) as im:
        box = js(
            pad,
            "const r = document.querySelector('main').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]",
        )
        im = im.convert("RGB").crop(tuple(round(v) for v in box)).quantize(64)
        im.save(target, optimize=True)
    with Image.open(target) as im:
        assert im.size[0] > 500 and im.size[1] > 300
    assert reading(pad)["digit"] == "7"


def test_the_server_kept_quiet(page):
    out, err = page.server.output()
    assert err == []
    assert out[-1].startswith("Draw a digit at http://127.0.0.1:") and out[-1].endswith("/ (Ctrl-C to stop)")
