"""Benchmark a reader racing a save loop (not a test: it prints counts, it asserts nothing).

    python benchmarks/bench_checkpoint_race.py              # 15 s, in a temporary folder
    python benchmarks/bench_checkpoint_race.py --seconds 60 --savers 2

One or more processes save main.py's network into one checkpoint folder as fast as they can while
this process reads the latest model again and again (`checkpoints.latest`, then `restore`, as
`main.py --predict` does). Printed: the saves, the reads, the reads told "damaged" (every model
saved is good, so each one is false), other errors, and what is left in the folder at the end.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import main
from tutorial_kit import checkpoints
from tutorial_kit.errors import CheckpointError
from tutorial_kit.quiet_tf import tf

FIXED = main.architecture(False)


def save_loop(folder: Path, stop: Path) -> None:
    """Save as fast as possible until `stop` exists; print "saving" after the first save, then the count."""
    net = main.build_graph(seed=1)
    saves = 0
    with tf.compat.v1.Session(graph=net.graph) as sess:
        sess.run(net.init)
        while not stop.exists():
            checkpoints.save(net, sess, folder, FIXED, 0.9, iterations=1)
            saves += 1
            if saves == 1:
                print("saving", flush=True)
    print(saves, flush=True)


def read_loop(folder: Path, seconds: float) -> dict:
    """Read the latest model again and again until the time is up; count what each read gave."""
    counts = {"reads": 0, "damaged": 0, "other errors": 0}
    net = main.build_graph(seed=2)
    with tf.compat.v1.Session(graph=net.graph) as sess:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            counts["reads"] += 1
            try:
                checkpoints.restore(net.saver, sess, checkpoints.latest(folder, FIXED))
            except CheckpointError as exc:
                counts["damaged" if "damaged" in str(exc) else "other errors"] += 1
                if counts["damaged"] + counts["other errors"] <= 3:
                    print(f"  e.g. {exc}")
    return counts


def main_(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=15.0, help="how long the race runs (%(default)s)")
    p.add_argument("--savers", type=int, default=1, help="processes saving at once (%(default)s)")
    p.add_argument("--save-loop", nargs=2, type=Path, help=argparse.SUPPRESS)  # a saving process: FOLDER STOP
    args = p.parse_args(argv)
    if args.save_loop:
        save_loop(*args.save_loop)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder, stop = Path(tmp) / "checkpoints", Path(tmp) / "stop"
        command = [sys.executable, __file__, "--save-loop", str(folder), str(stop)]
        savers = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(args.savers)]
        for saver in savers:  # each has imported TensorFlow and saved once: the race starts
            assert saver.stdout.readline() == "saving\n"
        counts = read_loop(folder, args.seconds)
        stop.touch()
        saves = sum(int(saver.communicate()[0]) for saver in savers)
        left = Counter(
            "model folders" if p.name.startswith("model-") else ".saving-* folders" if p.name.startswith(".saving-")
            else p.name for p in folder.iterdir()
        )  # fmt: skip
    print(f"{args.seconds:.0f} s, {args.savers} saving process(es): {saves} saves")
    print(f"reads: {counts['reads']}, told damaged: {counts['damaged']}, other errors: {counts['other errors']}")
    print("left in the folder:", ", ".join(f"{name} ×{n}" for name, n in sorted(left.items())))


if __name__ == "__main__":
    main_()
