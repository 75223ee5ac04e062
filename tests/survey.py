"""How often are own digits read right? A survey, not a test: it prints figures and exits 0.

    python tests/survey.py --checkpoint-dir DIR [--per-family N] [--seed S] [--families F ...] [--first-index K]

Pictures made by tests/own_digits.py from MNIST *test* digits (many writers; from --first-index on,
default 1000: the suite's tests use the first 1,000) in every family — drawings, tight crops, scans,
thick markers, printed, phone photos, screenshots, things that are not digits, whole numbers — are
written to a temporary folder and read by ONE `main.py --predict FILE... --checkpoint-dir DIR`, as a
user reads them. Each family's line: right/total, rate, the model's ceiling (the same MNIST digits fed
raw to the network: a picture's ceiling is all its digits right) and a few misses (file number: answer->said).
A refusal is right when main.py prints no prediction for the file and an `error:` line names it.
Then ../shared/owndigits/score.py, when that folder exists.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's main.py and tutorial_kit, not an installed one

import own_digits  # noqa: E402

import main  # noqa: E402
from helpers import run_script  # noqa: E402
from tutorial_kit import checkpoints  # noqa: E402

SHARED_SCORE = ROOT.parent / "shared" / "owndigits" / "score.py"
PREDICTION = re.compile(r"^Prediction for (.+?): (\d+)\b")


def read_all(paths: list[Path], checkpoint_dir: Path) -> tuple[dict[str, str], list[str], subprocess.CompletedProcess]:
    """One `main.py --predict` over all the files: {file name: digits said}, the error lines, the run."""
    run = run_script(main.__file__, "--predict", *paths, "--checkpoint-dir", checkpoint_dir, timeout=7200)
    said = {}
    for line in run.stdout.splitlines():
        m = PREDICTION.match(line)
        if m:
            said[Path(m.group(1)).name] = m.group(2)
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    return said, errors, run


def verdict(name: str, answer: str | None, said: dict[str, str], errors: list[str]) -> tuple[bool, str]:
    """(right?, what was said: the digits, "refused" or "nothing")."""
    refused = any(name in line for line in errors)
    got = said.get(name, "refused" if refused else "nothing")
    if answer is None:
        return name not in said and refused, got
    return got == answer, got


def ceilings(items, checkpoint_dir: Path) -> list[bool | None]:
    """For each item, whether the network reads all its MNIST digits right when fed them raw (None: no MNIST digit)."""
    images, labels = own_digits.mnist_test()
    saved = checkpoints.latest(checkpoint_dir, main.architecture(False))
    if saved is None:
        raise SystemExit(f"error: no saved model in {checkpoint_dir}: train one with python main.py --checkpoint-dir")
    saved.release()
    used = sorted({i for item in items for i in item.indices})
    model = main.load_or_train(checkpoint_dir=checkpoint_dir, use_saved=True)
    try:
        print(f"Model: {model.saved.description()}")
        guesses = model.probabilities(images[used] / 255.0).argmax(1) if used else []
    finally:
        model.close()
    right = {i: guesses[k] == labels[i] for k, i in enumerate(used)}
    return [all(right[i] for i in item.indices) if item.indices else None for item in items]


def table(items, results, ceiling) -> None:
    """One line per family, totals for digits and not-digits, and numbers per spacing × medium."""
    by_family = collections.defaultdict(list)
    for item, (name, ok, got), top in zip(items, results, ceiling, strict=True):
        by_family[item.family].append((name, item.answer, ok, got, top))
    print(f"{'family':24s} {'right':>7s}  rate  ceiling  misses (file number: answer->said)")
    totals = collections.defaultdict(lambda: [0, 0])
    for family, rows in by_family.items():
        right, tops = sum(r[2] for r in rows), [r[4] for r in rows if r[4] is not None]
        top = f"{sum(tops) / len(tops):7.2f}" if tops else "      -"
        misses = " ".join(
            f"{name.split('_')[-1]}: {answer or 'x'}->{got}" for name, answer, ok, got, _ in rows if not ok
        )
        print(f"{family:24s} {right:3d}/{len(rows):<3d} {right / len(rows):5.2f} {top}  {_cut(misses, 100)}")
        kind = "not digits refused" if family.startswith("notdigit") else "numbers read exactly" if (
            family.startswith("number")) else "digits read right"  # fmt: skip
        totals[kind][0] += right
        totals[kind][1] += len(rows)
    for kind, (right, n) in totals.items():
        print(f"{kind}: {right}/{n} = {right / n:.3f}")
    numbers = {f: rows for f, rows in by_family.items() if f.startswith("number_")}
    if numbers:
        print("numbers, exact reads (× the ceiling):")
        for spacing in own_digits.SPACINGS:
            cells = []
            for medium in ("drawing", "photo"):
                rows = numbers.get(f"number_{spacing}_{medium}")
                if rows:
                    rate, top = sum(r[2] for r in rows) / len(rows), sum(r[4] for r in rows) / len(rows)
                    ratio = f"{rate / top:.2f}×" if top else "-"
                    cells.append(f"{medium} {rate:.2f} (ceiling {top:.2f}, {ratio})")
            if cells:
                print(f"  {spacing:9s} " + "   ".join(cells))


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def main_(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint-dir", default=ROOT / "checkpoints", type=Path)
    p.add_argument("--per-family", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--families", nargs="+", default=list(own_digits.FAMILIES), choices=list(own_digits.FAMILIES))
    p.add_argument("--first-index", type=int, default=own_digits.FIRST_INDEX, help="MNIST test digits from this on")
    p.add_argument("--keep", type=Path, help="write the pictures into this new folder and keep them")
    p.add_argument("--no-shared", action="store_true", help="skip ../shared/owndigits/score.py")
    args = p.parse_args(argv)
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        p.error(f"--keep {args.keep}: the folder is not empty; give a new one")

    start = time.perf_counter()
    items = [
        item for f in args.families for item in own_digits.generate(f, args.per_family, args.seed, args.first_index)
    ]
    ceiling = ceilings(items, args.checkpoint_dir)
    with tempfile.TemporaryDirectory(prefix="survey-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        paths = [item.save(folder / f"{item.family}_{k:04d}") for k, item in enumerate(items)]
        made = time.perf_counter()
        said, errors, run = read_all(paths, args.checkpoint_dir)
        results = [(path.name, *verdict(path.name, item.answer, said, errors)) for path, item in zip(paths, items,
                   strict=True)]  # fmt: skip
    print(f"{len(items)} pictures made in {made - start:.0f} s; one main.py --predict read them in "
          f"{time.perf_counter() - made:.0f} s (exit status {run.returncode})")  # fmt: skip
    if "Traceback" in run.stderr:
        print("main.py printed a traceback:\n" + run.stderr[run.stderr.index("Traceback") :][-2000:])
    table(items, results, ceiling)
    if SHARED_SCORE.exists() and not args.no_shared:
        print(f"\n{SHARED_SCORE.parent.name}/score.py:")
        shared = subprocess.run([sys.executable, SHARED_SCORE, "--", "--checkpoint-dir", args.checkpoint_dir],
                                cwd=ROOT, capture_output=True, text=True)  # fmt: skip
        print(shared.stdout.rstrip() or shared.stderr.rstrip())


if __name__ == "__main__":
    main_()
