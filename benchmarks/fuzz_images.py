"""A long fuzz run of digit_image.prepare (not in CI: tests/test_fuzz_images.py runs 1,000 cases).

    python benchmarks/fuzz_images.py                  # 10,000 cases, seed 1
    python benchmarks/fuzz_images.py --cases 50000 --seed 7

The cases are those of tests/test_fuzz_images.py (seeded mutations of PNG, JPEG, TIFF, GIF, WebP
and BMP files, PIL images of every mode). Prints how many gave each outcome (a 28×28, or which of
the project's errors), per format and per kind of damage; then every other exception, any warning
or stderr output that escaped, and the slowest cases. It asserts nothing.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import time
import warnings
from pathlib import Path

from tutorial_kit.image_file import stderr_captured

ROOT = Path(__file__).resolve().parent.parent


def fuzz_module():
    """tests/test_fuzz_images.py, where the cases are made (loaded by path: tests/ is no package)."""
    spec = importlib.util.spec_from_file_location("test_fuzz_images", ROOT / "tests" / "test_fuzz_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    fuzz = fuzz_module()
    start = time.perf_counter()
    cases = fuzz.cases(args.cases, args.seed)
    made = time.perf_counter() - start
    outcomes = collections.Counter()
    by_group = collections.defaultdict(collections.Counter)
    crashes, escaped, times = [], [], []
    start = time.perf_counter()
    for label, source in cases:
        said = []
        began = time.perf_counter()
        with stderr_captured(said), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fuzz.outcome(source)
            except Exception as exc:  # what the suite's test would fail on
                result = "CRASH"
                crashes.append(f"{label}: {type(exc).__name__}: {str(exc)[:120]}")
        times.append((time.perf_counter() - began, label))
        if said or caught:
            escaped.append(f"{label}: {(said + [str(w.message) for w in caught])[:2]}")
        outcomes[result] += 1
        kind = label.split("/")[0].split("-")[0]
        by_group[f"{kind} {label.split('/')[1] if '/' in label else 'mode/size'}"][result] += 1
    wall = time.perf_counter() - start

    names = ["ok", "NoDigitError", "ImageTooLargeError", "ImageError", "CRASH"]
    print(f"{args.cases:,} cases (seed {args.seed}), made in {made:.1f} s, prepared in {wall:.1f} s")
    print(f"{'':22s}" + "".join(f"{n:>19s}" for n in names))
    print(f"{'all':22s}" + "".join(f"{outcomes[n]:19,d}" for n in names))
    for group in sorted(by_group):
        print(f"{group:22s}" + "".join(f"{by_group[group][n]:19,d}" for n in names))
    print(f"other exceptions: {len(crashes)}")
    for line in crashes[:30]:
        print("  " + line)
    print(f"cases whose warnings or stderr lines escaped: {len(escaped)}")
    for line in escaped[:10]:
        print("  " + line)
    times.sort(reverse=True)
    print("slowest: " + ", ".join(f"{label} {seconds:.2f} s" for seconds, label in times[:5]))


if __name__ == "__main__":
    main()
