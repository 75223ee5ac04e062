"""Benchmark "try your own digit" (not a test: it prints figures, it asserts nothing).

    python benchmarks/bench_predict.py              # trains a model into a temporary folder first
    python benchmarks/bench_predict.py --checkpoint-dir checkpoints

For a 28×28 PNG, phone-sized JPEGs of 3, 12 and 48 megapixels (a digit on lit paper) and a legal
9400×9400 RGBA PNG of a few hundred KB (88 megapixels, just under PIL's limit: decoded whole, then
reduced a strip at a time): the time `digit_image.prepare` takes in this process, then `python
main.py --predict FILE` as a user runs it, wall time (best of 3) and the process's peak memory;
then one call predicting 1,000 files (prepared by one worker process per core).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tutorial_kit import digit_image, prediction

ROOT = Path(__file__).resolve().parent.parent
SIZES = {
    "28×28 PNG": (28, 28),
    "3 MP JPEG": (2048, 1536),
    "12 MP JPEG": (4000, 3000),
    "48 MP JPEG": (8000, 6000),
    "88 MP PNG": (9400, 9400),
}


def photo(size, seed=0):
    """test_img.png's digit, enlarged onto paper under a gradient with sensor noise."""
    rng = np.random.default_rng(seed)
    w, h = size
    side = min(w, h) // 3
    digit = np.asarray(Image.open(ROOT / "test_img.png").convert("L").resize((side, side), Image.Resampling.BICUBIC))
    paper = np.full((h, w), 235.0, np.float32) * np.linspace(1.0, 0.7, w, dtype=np.float32)[None, :]
    y, x = int(rng.integers(0, h - side)), int(rng.integers(0, w - side))
    paper[y : y + side, x : x + side] *= digit / 255.0
    paper += rng.normal(0, 3, paper.shape).astype(np.float32)
    return Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8)).convert("RGB")


def big_png(path: Path, side: int) -> None:
    """A dark 7 on a white RGBA sheet, drawn at full size (a photo() this large would take GBs here)."""
    im = Image.new("RGBA", (side, side), "white")
    ImageDraw.Draw(im).line([(0.3 * side, 0.25 * side), (0.7 * side, 0.25 * side), (0.45 * side, 0.8 * side)],
                            (20, 20, 20, 255), side // 12)  # fmt: skip
    im.save(path)


PEAK = (  # main.py as `python main.py` runs it, then its peak RSS (VmHWM: ru_maxrss would count this process's fork)
    "import atexit, re, resource, runpy, sys; atexit.register(lambda: print('peak-rss', re.search(r'VmHWM:\\s+(\\d+)', "
    "open('/proc/self/status').read()).group(1), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
    "file=sys.stderr)); sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


def run(args):
    """Wall seconds and peak RSS (MiB) of one `python main.py args` process, and of its largest
    worker process (many files are prepared by one per core; 0 with no workers)."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", PEAK, str(ROOT / "main.py"), *map(str, args)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"main.py {' '.join(map(str, args))} failed: {result.stderr}")
    own, child = (int(kib) / 1024 for kib in result.stderr.split("peak-rss")[-1].split())
    return wall, own, child


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint-dir", type=Path, help="a folder with a saved model (default: train one)")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-predict-"))
    checkpoint_dir = args.checkpoint_dir or work / "checkpoints"
    if args.checkpoint_dir is None:
        print("Training a model first (python main.py --iterations 300) ...")
        run(["--iterations", "300", "--checkpoint-dir", checkpoint_dir])

    files = {}
    for name, size in SIZES.items():
        path = work / (f"digit-{size[0]}x{size[1]}" + (".png" if "PNG" in name else ".jpg"))
        if size[0] > 8000:
            big_png(path, size[0])
        else:
            im = photo(size).convert("L") if size == (28, 28) else photo(size)
            im.save(path, quality=90)
        files[name] = path

    drawing = Image.open(ROOT / "test_img.png").convert("L").resize((280, 280), Image.Resampling.BICUBIC)
    number = Image.new("L", (840, 280), 255)
    for k in range(4):  # a 4-digit number, as the draw page sends one
        number.paste(drawing.resize((200, 200)), (20 + 205 * k, 40))
    for name, picture in (("a 280×280 drawing", drawing), ("a 4-digit number, 840×280", number)):
        for _ in range(5):  # warm, as draw.py's server is after its first drawings
            digit_image.prepare(picture)
        t = []
        for _ in range(40):
            start = time.perf_counter()
            digit_image.prepare(picture)
            t.append(time.perf_counter() - start)
        print(f"prepare() of {name}: median {np.median(t) * 1000:.0f} ms, best {min(t) * 1000:.0f} ms")

    print(f"{'input':12s} {'file MB':>8s} {'prepare() s':>12s} {'--predict wall s':>17s} {'peak RSS MiB':>13s}")
    base = None
    for name, path in files.items():
        t = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            digit_image.prepare(path)
            t.append(time.perf_counter() - start)
        runs = [run(["--predict", path, "--checkpoint-dir", checkpoint_dir]) for _ in range(args.repeat)]
        wall, rss = min(r[0] for r in runs), max(r[1] for r in runs)
        base = base or (wall, rss)
        extra = f"  (+{wall - base[0]:.2f} s, +{rss - base[1]:.0f} MiB)" if name != "28×28 PNG" else ""
        print(f"{name:12s} {path.stat().st_size / 1e6:8.2f} {min(t):12.3f} {wall:17.2f} {rss:13.0f}{extra}")

    many = work / "many"
    many.mkdir()
    for i in range(1000):
        photo((400 + i % 7 * 50, 300 + i % 5 * 40), seed=i).save(many / f"digit-{i:04d}.jpg", quality=85)
    wall, rss, worker = run(["--predict", *sorted(many.iterdir()), "--checkpoint-dir", checkpoint_dir])
    print(f"1,000 photos of 0.1-0.2 MP in one --predict call: {wall:.1f} s ({wall / 1000 * 1000:.0f} ms a file "
          f"with the start-up, {prediction.cores()} worker processes), peak RSS {rss:.0f} MiB, "
          f"{worker:.0f} MiB a worker")  # fmt: skip
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
