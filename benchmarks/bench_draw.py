"""Benchmark draw.py's predictions (not a test: it prints figures, it asserts nothing).

    python benchmarks/bench_draw.py                       # the saved model in checkpoints/
    python benchmarks/bench_draw.py --requests 500 --checkpoint-dir DIR   # about 3 minutes

The drawings are MNIST test digits scaled up as dark ink on white PNGs: 280×280, the size the page
sends whatever the screen, and 560×560 for comparison. For each size: the median and
99th percentile of digit_image.prepare on the PNG bytes, of the one `sess.run`, and of a whole
POST /predict to a draw.py server on a free loopback port (one request at a time, as the page
sends them), and how many of the digits were read correctly.
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


def drawings(count: int, side: int) -> tuple[list[bytes], np.ndarray]:
    (_, _), (x_test, y_test) = input_data.load_mnist()
    pngs = []
    for image in x_test[:count]:
        big = Image.fromarray(255 - image).resize((side, side), Image.Resampling.BILINEAR)
        buffer = io.BytesIO()
        big.convert("RGB").save(buffer, format="PNG")
        pngs.append(buffer.getvalue())
    return pngs, y_test[:count]


def figures(seconds: list[float]) -> str:
    ms = np.array(seconds) * 1000
    return f"median {np.median(ms):6.1f} ms   p99 {np.percentile(ms, 99):6.1f} ms"


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=200, help="drawings per size (200)")
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
        pngs, labels = drawings(args.requests, side)
        prepare, run, whole, right = [], [], [], 0
        for body, label in zip(pngs, labels, strict=True):
            prepared, seconds = timed(draw_server.prepare_drawing, body)
            prepare.append(seconds)
            _, seconds = timed(model.probabilities, prepared.image)
            run.append(seconds)
            start = time.perf_counter()
            connection.request("POST", "/predict", body=body, headers={"Content-Type": "image/png"})
            answer = json.loads(connection.getresponse().read())
            whole.append(time.perf_counter() - start)
            right += answer.get("digit") == int(label)
        size = np.mean([len(b) for b in pngs]) / 1024
        print(f"\n{side}×{side} PNG drawings ({size:.0f} KB on average), {len(pngs)} of them:")
        print(f"  digit_image.prepare   {figures(prepare)}")
        print(f"  sess.run              {figures(run)}")
        print(f"  POST /predict         {figures(whole)}   (read correctly: {right / len(pngs):.1%})")
    server.shutdown()
    model.close()


if __name__ == "__main__":
    main()
