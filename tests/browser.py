"""draw.py for the tests: the server as a user starts it, and Debian's Chromium driving its page.

Nothing is downloaded: Selenium is pointed at /usr/bin/chromedriver and /usr/bin/chromium, and
Chromium resolves no host name (the page must need nothing but the server it came from).
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from drawing import pen_path
from helpers import ROOT, start_script

DRAW = ROOT / "draw.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no name resolves: only the server's 127.0.0.1 works
    "--window-size=900,700",
]


class DrawServer:
    """`python draw.py ARGS` running in the background; its output is collected as it comes."""

    def __init__(self, *args, timeout=300):
        self.process = start_script(DRAW, *args)
        self.lines = {"stdout": queue.Queue(), "stderr": queue.Queue()}
        self.out, self.err = [], []
        for name in self.lines:
            threading.Thread(target=self._read, args=(name,), daemon=True).start()
        self.url = self.wait_for("Draw a digit at ", timeout).split(" at ", 1)[1].split(" ", 1)[0]
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])

    def _read(self, name):
        for line in getattr(self.process, name):
            self.lines[name].put(line.rstrip("\n"))
        self.lines[name].put(None)

    def _collect(self):
        for name, kept in (("stdout", self.out), ("stderr", self.err)):
            while True:
                try:
                    line = self.lines[name].get_nowait()
                except queue.Empty:
                    break
                if line is not None:
                    kept.append(line)

    def wait_for(self, start, timeout):
        """The first stdout line beginning with `start` (the server fails the test if it exits first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines["stdout"].get(timeout=0.2)
            except queue.Empty:
                line = ""
            if line is None or self.process.poll() is not None and self.lines["stdout"].empty():
                self._collect()
                self.stop()
                raise AssertionError(f"draw.py ended before {start!r}: {self.out} {self.err}")
            if line:
                self.out.append(line)
                if line.startswith(start):
                    return line
        self.stop()
        raise AssertionError(f"no {start!r} line in {timeout} s: {self.out}")

    def output(self):
        """(stdout lines, stderr lines) so far."""
        time.sleep(0.1)
        self._collect()
        return list(self.out), list(self.err)

    def stop(self):
        """Ctrl-C, as a user stops it: returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            status = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        time.sleep(0.1)
        self._collect()
        return status


def browser_missing() -> str | None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        return f"{' and '.join(missing)} missing: apt-get install chromium chromium-driver (Debian)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -r requirements-dev.txt"
    return None


def chromium(request):
    """A headless Chromium for a test module (skipped without it, but a failure under CI=true)."""
    reason = browser_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests must run in CI: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="draw-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    service = Service(executable_path=str(CHROMEDRIVER), log_output=subprocess.DEVNULL)
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    request.addfinalizer(lambda: (driver.quit(), shutil.rmtree(profile, ignore_errors=True)))
    return driver


# --- the page -----------------------------------------------------------------------------------


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def settled(driver, timeout=20):
    """Wait until no prediction is in flight or queued (<body data-busy="0">)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        lambda d: js(d, "return document.body.dataset.busy") == "0"
    )


def draw(driver, strokes, box=(0.0, 0.0, 1.0, 1.0), pen=None, pointer="mouse", per_segment=8):
    """Draw `strokes` (tests/drawing.py control points) on #pad inside `box` (fractions of the pad)
    with a real pointer: "mouse", "touch" or "pen"; `pen` sets the page's pen width first."""
    from selenium.webdriver.common.actions import interaction
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.actions.pointer_input import PointerInput

    if pen is not None:
        js(
            driver,
            "const p = document.getElementById('pen'); p.value = arguments[0]; p.dispatchEvent(new Event('input'))",
            pen,
        )
    left, top, width, height = js(
        driver,
        "const r = document.getElementById('pad').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]",
    )
    kind = {"mouse": interaction.POINTER_MOUSE, "touch": interaction.POINTER_TOUCH, "pen": interaction.POINTER_PEN}
    actions = ActionBuilder(driver, mouse=PointerInput(kind[pointer], pointer), duration=0)
    x0, y0, x1, y1 = box
    for stroke in strokes:
        points = [
            (round(left + (x0 + x * (x1 - x0)) * width), round(top + (y0 + y * (y1 - y0)) * height))
            for x, y in pen_path(stroke, per_segment)
        ]
        actions.pointer_action.move_to_location(*points[0]).pointer_down()
        for x, y in points[1:]:
            actions.pointer_action.move_to_location(x, y)
        actions.pointer_action.pointer_up()
    actions.perform()


def reading(driver) -> dict:
    """What the page shows: the number (or digit), the one digit's bars, which bar is marked and the
    ink in #seen; the boxes over the drawing (x0, y0, x1, y1 as fractions of the pad) and, for a
    number, each digit's column (its digit, the ink of its 28×28, its ten bars)."""
    return js(
        driver,
        """
        const grey = (canvas) => {
          const px = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
          const g = [];
          for (let i = 0; i < 784; i++) g.push(px[4 * i]);
          return g;
        };
        const bars = [...document.querySelectorAll('#bars .bar')];
        const pad = document.getElementById('pad').getBoundingClientRect();
        const visible = (id) => getComputedStyle(document.getElementById(id)).display !== 'none';
        return {
          digit: document.getElementById('digit').textContent,
          bars: bars.map(b => parseFloat(b.querySelector('.fill').style.width) || 0),
          top: bars.map((b, i) => b.classList.contains('top') ? i : -1).filter(i => i >= 0),
          seen: grey(document.getElementById('seen')),
          message: document.getElementById('message').textContent,
          one: visible('seen-one') && visible('bars'),
          strip: visible("digits"),
          boxes: [...document.querySelectorAll('#boxes .box')].map(b => {
            const r = b.getBoundingClientRect();
            return [(r.left - pad.left) / pad.width, (r.top - pad.top) / pad.height,
                    (r.right - pad.left) / pad.width, (r.bottom - pad.top) / pad.height];
          }),
          columns: [...document.querySelectorAll('#strip .col')].map(c => ({
            digit: c.querySelector('b').textContent,
            size: [c.querySelector('canvas').width, c.querySelector('canvas').height],
            seen: grey(c.querySelector('canvas')),
            bars: [...c.querySelectorAll('.mini .fill')].map(f => parseFloat(f.style.width) || 0),
            top: [...c.querySelectorAll('.mini > div')].map((r, i) => r.classList.contains('top') ? i : -1)
              .filter(i => i >= 0),
          })),
        };
        """,
    )


def mode(driver, name):
    """Switch the page to "digit" (a square pad) or "number" (a wide one) with its button."""
    driver.find_element("id", f"mode-{name}").click()
    settled(driver)


def clear(driver):
    button = driver.find_element("id", "clear")
    if button.is_enabled():
        button.click()
    settled(driver)
