"""How often is a user's own digit read correctly? A survey, not a test: it prints figures.

    python tests/survey.py                      # the saved model in checkpoints/, 10 scenes per digit
    python tests/survey.py --checkpoint-dir DIR --per-digit 30

1. MNIST's first 1,000 test digits, fed raw and through `digit_image.prepare` (as PNG files would be):
   the preprocessing should cost MNIST nothing.
2. Random scenes as users make them, for every digit: a clean drawing (any canvas, place, size, pen,
   ink), and the same strokes in a phone photo of paper (desk, ruled or grid lines, gradient,
   shadow, vignetting, dust, EXIF orientation, JPEG) and in a paint program's screenshot.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

import main
import photos
from drawing import DIGITS, draw_digit
from tutorial_kit import checkpoints, digit_image, files, input_data
from tutorial_kit.errors import ImageError
from tutorial_kit.quiet_tf import tf


def clean_scene(strokes, rng):
    w, h = int(rng.integers(200, 1200)), int(rng.integers(200, 1000))
    side = rng.uniform(0.35, 0.9)
    centre = rng.uniform(0.5 - (1 - side) / 2 * 0.8, 0.5 + (1 - side) / 2 * 0.8, 2)
    ink = tuple(int(c) for c in rng.choice([(0, 0, 0), (20, 40, 160), (200, 20, 20), (60, 60, 60)]))
    return draw_digit(strokes, (w, h), box=photos.square((w, h), centre, side), pen=rng.uniform(0.05, 0.13), ink=ink)


def photo_scene(strokes, rng):
    size = tuple(int(v) for v in rng.choice([(800, 600), (1200, 900), (1600, 1200)]))
    if rng.random() < 0.35:
        im = photos.sheet_on_desk(strokes, size=size, seed=int(rng.integers(1 << 30)))
    else:
        side = rng.uniform(0.2, 0.6)
        centre = rng.uniform(0.5 - (1 - side) / 2 * 0.7, 0.5 + (1 - side) / 2 * 0.7, 2)
        lines = rng.choice([None, "ruled", "grid"])
        im = photos.paper_photo(strokes, size=size, box=photos.square(size, centre, side), lines=lines,
                                seed=int(rng.integers(1 << 30)))  # fmt: skip
    im = photos.lighting(im, gradient=rng.uniform(0, 0.5), shadow=rng.choice([0, rng.uniform(0.2, 0.45)]),
                         vignette=rng.uniform(0, 0.4))  # fmt: skip
    if rng.random() < 0.5:
        im = photos.dust(im, specks=int(rng.integers(1, 10)), seed=int(rng.integers(1 << 30)))
    if rng.random() < 0.4:
        return photos.with_orientation(im, int(rng.choice([3, 6, 8])))
    return photos.jpeg(im, int(rng.integers(60, 95)))


def screenshot_scene(strokes, rng):
    return photos.paint_screenshot(strokes, seed=int(rng.integers(1 << 30)))


def main_(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint-dir", default=files.ROOT / "checkpoints", type=Path)
    p.add_argument("--per-digit", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--kinds", nargs="+", default=["clean drawing", "photo of paper", "paint screenshot"])
    p.add_argument("--misread-dir", type=Path, help="save a contact sheet of every misread scene here")
    args = p.parse_args(argv)

    net = main.build_graph()
    saved = checkpoints.latest(args.checkpoint_dir, main.architecture(False))
    if saved is None:
        raise SystemExit("no saved model: run python main.py first")
    with tf.compat.v1.Session(graph=net.graph) as sess:
        checkpoints.restore(net.saver, sess, saved)
        print(f"Model: {saved.description()}")

        mnist = input_data.read_data_sets(input_data.MNIST_DIR, one_hot=False).test
        raw, labels = mnist.images[:1000], mnist.labels[:1000]
        prepared = np.stack([digit_image.prepare(Image.fromarray((x.reshape(28, 28) * 255).astype(np.uint8))).image
                             for x in raw])  # fmt: skip
        for name, images in (("raw", raw), ("through prepare()", prepared)):
            accuracy = (main.predict(net, sess, images).argmax(1) == labels).mean()
            print(f"MNIST test digits 1-1000, {name:18s} accuracy {accuracy:.3f}")

        rng = np.random.default_rng(args.seed)
        kinds = {"clean drawing": clean_scene, "photo of paper": photo_scene, "paint screenshot": screenshot_scene}
        kinds = {k: v for k, v in kinds.items() if k in args.kinds}
        for kind, make in kinds.items():
            right = total = missed = 0
            for digit, strokes in enumerate(DIGITS):
                for _ in range(args.per_digit):
                    total += 1
                    try:
                        found = digit_image.prepare(make(strokes, rng))
                    except ImageError:
                        missed += 1
                        continue
                    guess = int(main.predict(net, sess, found.image).argmax())
                    right += guess == digit
                    if guess != digit and args.misread_dir:
                        args.misread_dir.mkdir(exist_ok=True)
                        name = f"{kind.split()[0]}-{total}-{digit}-read-{guess}.png"
                        digit_image.save_contact_sheet(found, args.misread_dir / name)
            print(f"{kind:16s} {total:4d} scenes: read correctly {right / total:.3f}, no digit found {missed}")


if __name__ == "__main__":
    main_()
