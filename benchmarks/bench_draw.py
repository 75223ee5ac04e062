"""Benchmark draw.py's predictions (not a test: it prints figures, it asserts nothing).

    python benchmarks/bench_draw.py                       # the saved model in checkpoints/
    python benchmarks/bench_draw.py --requests 500 --checkpoint-dir DIR   # about 5 minutes

The drawings are MNIST test digits as dark ink on white PNGs: one digit scaled up to 280×280, the
size the page sends for one digit whatever the screen (and 560×560 for comparison), and 4-digit
numbers of four writers' digits in a row, apart, close and touching (tests/own_digits.py's number_layers),
on 840×280, the size the page sends in its number mode (the issue's target: an answer in ≤ 100 ms).
For each: the median and 99th percentile of digit_image.prepare on the PNG bytes, of the network's
runs (one per digit), and of a whole POST /predict to a draw.py server on a free loopback
port (one request at a time, as the page sends them), and how many were read exactly.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

import draw
from tutorial_kit import draw_server, files, input_data

sys.path.insert(0, str(files.ROOT / "tests"))  # tests/own_digits.py makes the numbers (tests/ is no package)
import own_digits  # noqa: E402

NUMBER_SIZE = (840, 280)  # the PNG the page sends in its number mode


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def digits(count: int, side: int) -> tuple[list[bytes], list[str]]:
    """MNIST's first `count` test digits, each scaled up to side×side."""
    (_, _), (x_test, y_test) = input_data.load_mnist()
    pngs = [
        png(Image.fromarray(255 - image).resize((side, side), Image.Resampling.BILINEAR)) for image in x_test[:count]
    ]
    return pngs, [str(label) for label in y_test[:count]]


def numbers(count: int, spacing: str, seed: int = 0) -> tuple[list[bytes], list[str]]:
    """`count` 4-digit numbers of random MNIST test digits in a row, about 60 % of the pad's height
    tall, centred on an 840×280 white page with a pen-like edge, as a drawing on the page."""
    images, labels = own_digits.mnist_test()
    rng = np.random.default_rng(seed)
    w, h = NUMBER_SIZE
    pngs, answers = [], []
    for _ in range(count):
        picked = rng.integers(own_digits.FIRST_INDEX, len(images), 4)
        ink = own_digits.number_alpha([images[i] for i in picked], round(h * rng.uniform(0.5, 0.7)), spacing, rng)
        if ink.shape[1] > 0.95 * w:  # too wide for the pad: smaller, as a person would write it
            fit = Image.fromarray(ink).resize((round(0.9 * w), round(ink.shape[0] * 0.9 * w / ink.shape[1])))
            ink = np.asarray(fit, np.float32)
        alpha = own_digits.put(ink, NUMBER_SIZE, (w / 2, h / 2))
        pngs.append(png(Image.fromarray(np.round(255 * (1 - alpha)).astype(np.uint8))))
        answers.append("".join(str(labels[i]) for i in picked))
    return pngs, answers


def figures(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return f"median {np.median(ms):6.1f} ms   p99 {np.percentile(ms, 99):6.1f} ms"


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def measure(title, pngs, answers, model, connection):
    prepare, run, whole, right = [], [], [], 0
    for body, expected in zip(pngs, answers, strict=True):
        try:
            prepared, seconds = timed(draw_server.prepare_drawing, body)
            prepare.append(seconds)
            start = time.perf_counter()
            model.probabilities(prepared.images)  # every digit in one run, as the server does
            run.append(time.perf_counter() - start)
        except Exception:  # no digit found: the POST below answers 422 and counts as a miss
            pass
        start = time.perf_counter()
        connection.request("POST", "/predict", body=body, headers={"Content-Type": "image/png"})
        answer = json.loads(connection.getresponse().read())
        whole.append(time.perf_counter() - start)
        right += answer.get("number", str(answer.get("digit"))) == expected
    size = np.mean([len(b) for b in pngs]) / 1024
    print(f"\n{title} ({size:.0f} KB on average), {len(pngs)} of them:")
    print(f"  digit_image.prepare   {figures(prepare)}")
    print(f"  network (each digit)  {figures(run)}")
    print(f"  POST /predict         {figures(whole)}   (read exactly: {right / len(pngs):.1%})")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=200, help="drawings of each kind (200)")
    p.add_argument("--checkpoint-dir", type=Path, default=files.CHECKPOINTS, help="saved models (checkpoints/)")
    args = p.parse_args()

    server = draw_server.bind("127.0.0.1", 0)
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # "There is no saved model ... training one first"
        model = draw.Model(checkpoint_dir=args.checkpoint_dir)
    print(f"{model.describe()}: loaded in {time.perf_counter() - start:.1f} s")
    server.model, server.page = model, draw_server.render_page(model.describe())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)

    for side in (280, 560):
        measure(f"{side}×{side} PNG drawings of one digit", *digits(args.requests, side), model, connection)
    for spacing in ("apart", "close", "touching"):
        title = f"{NUMBER_SIZE[0]}×{NUMBER_SIZE[1]} PNG drawings of 4-digit numbers, {spacing}"
        measure(title, *numbers(args.requests, spacing), model, connection)
    server.shutdown()
    model.close()


if __name__ == "__main__":
    main()
