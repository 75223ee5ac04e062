"""Draw handwritten-looking digits for the tests: a round pen along a smooth curve, anti-aliased."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

# Control points on a unit canvas (x, y), one list per stroke: a hand-drawn 2 and a 7.
TWO = [
    [
        (0.30, 0.34),
        (0.37, 0.22),
        (0.49, 0.17),
        (0.61, 0.21),
        (0.67, 0.31),
        (0.64, 0.43),
        (0.55, 0.55),
        (0.43, 0.67),
        (0.31, 0.80),
        (0.44, 0.79),
        (0.57, 0.80),
        (0.71, 0.82),
    ]
]
SEVEN = [
    [(0.30, 0.22), (0.45, 0.21), (0.58, 0.20), (0.70, 0.21), (0.63, 0.36), (0.56, 0.52), (0.50, 0.67), (0.46, 0.82)]
]


def _catmull_rom(points, per_segment=24):
    p = np.asarray([points[0], *points, points[-1]], dtype=float)
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    out = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        out.append(
            0.5
            * (2 * p1 + (-p0 + p2) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2 + (-p0 + 3 * p1 - 3 * p2 + p3) * t**3)
        )
    out.append(p[-2][None])
    return np.concatenate(out)


def draw_digit(
    strokes=TWO,
    size=(280, 280),
    box=(0.0, 0.0, 1.0, 1.0),
    pen=0.09,
    ink=(0, 0, 0),
    paper=(255, 255, 255),
    supersample=4,
):
    """An RGB image `size` (w, h) with the digit drawn inside `box` (fractions x0, y0, x1, y1) with a
    pen `pen` × the box's height wide."""
    w, h = size[0] * supersample, size[1] * supersample
    im = Image.new("RGB", (w, h), paper)
    draw = ImageDraw.Draw(im)
    x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    radius = max(0.5, pen * (y1 - y0) / 2)
    for stroke in strokes:
        for x, y in _catmull_rom(stroke):
            cx, cy = x0 + x * (x1 - x0), y0 + y * (y1 - y0)
            draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=ink)
    return im.resize(size, Image.Resampling.LANCZOS)
