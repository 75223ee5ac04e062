"""Draw handwritten-looking digits for the tests: a round pen along a smooth curve, anti-aliased."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

# Control points on a unit canvas (x, y), one list per stroke: a hand-drawn 2 and a 7 ...
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

# ... and the other digits, drawn as a person draws them (for the browser tests of draw.py)
ZERO = [
    [
        (0.50, 0.17), (0.37, 0.22), (0.31, 0.38), (0.31, 0.58), (0.37, 0.76), (0.50, 0.83), (0.63, 0.76),
        (0.69, 0.58), (0.69, 0.38), (0.63, 0.22), (0.52, 0.17), (0.45, 0.20),
    ]
]  # fmt: skip
ONE = [[(0.44, 0.26), (0.54, 0.17), (0.53, 0.40), (0.51, 0.62), (0.50, 0.83)]]
THREE = [
    [
        (0.33, 0.25), (0.45, 0.17), (0.60, 0.19), (0.66, 0.31), (0.59, 0.42), (0.46, 0.48), (0.60, 0.53),
        (0.68, 0.65), (0.62, 0.78), (0.47, 0.83), (0.32, 0.77),
    ]
]  # fmt: skip
FOUR = [
    [(0.40, 0.17), (0.35, 0.36), (0.31, 0.56), (0.48, 0.57), (0.71, 0.55)],
    [(0.63, 0.22), (0.62, 0.50), (0.61, 0.83)],
]
FIVE = [
    [(0.38, 0.18), (0.36, 0.33), (0.34, 0.48), (0.47, 0.43), (0.61, 0.47), (0.67, 0.61), (0.62, 0.76), (0.48, 0.83),
     (0.33, 0.78)],
    [(0.38, 0.18), (0.52, 0.18), (0.67, 0.17)],
]  # fmt: skip
SIX = [
    [
        (0.63, 0.18), (0.49, 0.27), (0.39, 0.43), (0.34, 0.61), (0.39, 0.77), (0.51, 0.83), (0.63, 0.76),
        (0.65, 0.62), (0.55, 0.53), (0.43, 0.55), (0.36, 0.64),
    ]
]  # fmt: skip
EIGHT = [
    [
        (0.63, 0.25), (0.51, 0.17), (0.38, 0.22), (0.37, 0.35), (0.50, 0.46), (0.64, 0.57), (0.65, 0.73),
        (0.51, 0.83), (0.36, 0.74), (0.37, 0.59), (0.50, 0.47), (0.62, 0.37), (0.63, 0.25),
    ]
]  # fmt: skip
NINE = [
    [(0.64, 0.27), (0.53, 0.18), (0.40, 0.21), (0.35, 0.33), (0.42, 0.45), (0.55, 0.45), (0.64, 0.34), (0.64, 0.27)],
    [(0.64, 0.27), (0.63, 0.50), (0.61, 0.68), (0.59, 0.83)],
]
DIGITS = [ZERO, ONE, TWO, THREE, FOUR, FIVE, SIX, SEVEN, EIGHT, NINE]  # DIGITS[d] draws d


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


def pen_path(stroke, per_segment=24):
    """The points a pen passes through along one stroke (unit canvas), as `draw_digit` draws it."""
    return _catmull_rom(stroke, per_segment)
