"""Benchmark main.py (not a test: it prints figures, it asserts nothing).

    python benchmarks/bench_main.py            # default and --as-published, 1000 × 128
    python benchmarks/bench_main.py --iterations 200

For each configuration, in a fresh process: seconds to import TensorFlow, load MNIST, build the
graph, train, evaluate the test set, and in total; training examples/s and GFLOP/s against this
machine's measured matmul peak; peak memory. Then whole-command wall times: `python main.py --help`
(answered before TensorFlow is imported), `python main.py`, `--as-published`, and `--predict
test_img.png` with the model the full run saved (in NumPy: TensorFlow is not imported), one full run and one
prediction after the other, repeated, with the ratio of each pair (the target: at most 0.5).

    python benchmarks/bench_main.py --commands-only   # only the whole commands
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tutorial_kit import cli
from tutorial_kit.errors import TutorialError
from tutorial_kit.main_flags import MNIST_TRAIN as TRAIN_SIZE  # main.py's training split: the largest batch

ROOT = Path(__file__).resolve().parent.parent


def training_flops(iterations, batch_size):
    """Forward 2 FLOP per multiply-add, backward twice that: 6 × MACs per example (the issue's 435 GFLOP)."""
    import main

    layers = [main.n_input, main.n_hidden1, main.n_hidden2, main.n_hidden3, main.n_output]
    macs = sum(a * b for a, b in zip(layers, layers[1:], strict=False))
    return 6 * macs * iterations * batch_size


def child(config, iterations, batch_size):
    """One configuration, timed phase by phase, in this process."""
    t0 = time.perf_counter()
    from tutorial_kit.quiet_tf import tf

    t_import = time.perf_counter()
    import main
    from tutorial_kit import input_data

    mnist = input_data.read_data_sets(input_data.MNIST_DIR, one_hot=True, seed=0)
    t_data = time.perf_counter()
    net = main.build_graph(as_published=config == "as-published", seed=0)
    sess = tf.compat.v1.Session(graph=net.graph)
    sess.run(net.init)
    t_graph = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        main.train(net, sess, mnist, iterations, batch_size, main.dropout)
    t_train = time.perf_counter()
    accuracy = float(main.test(net, sess, mnist))
    t_test = time.perf_counter()
    peak = matmul_peak(tf)
    return {
        "import": t_import - t0,
        "data": t_data - t_import,
        "graph": t_graph - t_data,
        "train": t_train - t_graph,
        "test": t_test - t_train,
        "total": t_test - t0,
        "accuracy": accuracy,
        "examples_per_s": iterations * batch_size / (t_train - t_graph),
        "train_gflops": training_flops(iterations, batch_size) / (t_train - t_graph) / 1e9,
        "matmul_peak_gflops": peak,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def matmul_peak(tf, n=2048, repeats=10):
    """This machine's float32 matmul rate in GFLOP/s (best of a few runs), in a separate graph."""
    graph = tf.Graph()
    with graph.as_default():
        a = tf.random.normal([n, n])
        product = tf.matmul(a, a)
        for _ in range(3):
            product = tf.matmul(product, a) * 1e-3
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(product)
            best = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                sess.run(product)
                best = min(best, time.perf_counter() - start)
    return 4 * 2 * n**3 / best / 1e9


def failed(what, result):
    """A run that failed: its last line of stderr (its own `error: ...` line, or a traceback's end)."""
    lines = result.stderr.strip().splitlines()
    last = lines[-1].removeprefix("error: ") if lines else f"exit status {result.returncode}"
    return TutorialError(f"{what} failed ({last})")


def timed(args):
    """(wall seconds, CPU seconds: user + system) of one `python main.py args`."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True)
    seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise failed(f"main.py {' '.join(args)}", result)
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def parse_args(argv=None):
    p = cli.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--iterations", type=cli.positive_int, default=1000, help="training iterations of each run (%(default)s)"
    )
    p.add_argument(
        "--batch-size",
        type=cli.positive_int,
        default=128,
        help=f"images per iteration, at most {TRAIN_SIZE} (%(default)s)",
    )
    p.add_argument(
        "--repeats",
        type=cli.positive_int,
        default=3,
        help="runs of each configuration; the best is shown (%(default)s)",
    )
    p.add_argument("--commands-only", action="store_true", help="skip the phases: only the whole commands' times")
    p.add_argument("--child", choices=["default", "as-published"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.batch_size > TRAIN_SIZE:
        p.error(f"argument --batch-size: at most {TRAIN_SIZE} (the training set), got {args.batch_size}")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.iterations, args.batch_size)))
        return
    if not args.commands_only:
        phases(args)
    commands(args)


def phases(args):
    """Each configuration's phases, in fresh processes, best of the repeats."""
    runs = {"default": [], "as-published": []}
    for _ in range(args.repeats):  # alternate the two, so a busy moment of a shared machine hits both
        for config, found in runs.items():
            command = [sys.executable, __file__, "--child", config, "--iterations", str(args.iterations)]
            command += ["--batch-size", str(args.batch_size)]
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                raise failed(f"the {config} run", result)
            found.append(json.loads(result.stdout.strip().splitlines()[-1]))
    results = {}
    for config, found in runs.items():  # best of the repeats: the machine's speed, not its noise
        best = {k: min(r[k] for r in found) for k in ("import", "data", "graph", "train", "test", "total")}
        best["examples_per_s"] = args.iterations * args.batch_size / best["train"]
        best["train_gflops"] = training_flops(args.iterations, args.batch_size) / best["train"] / 1e9
        best["matmul_peak_gflops"] = max(r["matmul_peak_gflops"] for r in found)
        best["peak_mib"] = max(r["peak_mib"] for r in found)
        best["accuracy"] = found[0]["accuracy"]
        results[config] = best

    print(f"main.py phases, {args.iterations} iterations × {args.batch_size}, best of {args.repeats} runs (s)")
    print(f"{'':22}{'default':>12}{'as-published':>14}{'ratio':>8}")
    rows = [
        ("import TensorFlow", "import"),
        ("load MNIST", "data"),
        ("build graph + init", "graph"),
        ("training", "train"),
        ("test evaluation", "test"),
        ("total", "total"),
        ("training examples/s", "examples_per_s"),
        ("training GFLOP/s", "train_gflops"),
        ("peak memory (MiB)", "peak_mib"),
        ("test accuracy", "accuracy"),
    ]
    for label, key in rows:
        d, a = results["default"][key], results["as-published"][key]
        print(f"{label:22}{d:12.4g}{a:14.4g}{d / a:8.2f}")
    peak = results["default"]["matmul_peak_gflops"]
    print(
        f"\nmatmul peak on this machine: {peak:.0f} GFLOP/s; training reaches "
        f"{results['default']['train_gflops'] / peak:.0%} (default) and "
        f"{results['as-published']['train_gflops'] / peak:.0%} (as published) of it "
        f"({training_flops(args.iterations, args.batch_size) / 1e9:.0f} GFLOP of training)"
    )


def commands(args):
    """Whole commands' times: --help, then full runs and predictions in turn, and --as-published."""
    load = os.getloadavg()[0]
    helps = [timed(["--help"]) for _ in range(args.repeats)]
    fulls, predicts = [], []
    with tempfile.TemporaryDirectory() as checkpoints:
        common = ["--iterations", str(args.iterations), "--batch-size", str(args.batch_size)]
        common += ["--checkpoint-dir", checkpoints, "--seed", "0"]
        for _ in range(args.repeats):  # one of each in turn: a busy moment of a shared machine hits both
            fulls.append(timed(common))
            predicts.append(timed(["--predict", str(ROOT / "test_img.png"), "--checkpoint-dir", checkpoints]))
        published, _ = timed([*common, "--as-published"])
    print(
        f"\nwhole commands, {args.iterations} iterations × {args.batch_size} (seconds; load average {load:.1f} at the start)"
    )
    best_help = min(helps)
    print(
        f"  python main.py --help   wall {best_help[0]:5.2f}, CPU {best_help[1]:5.2f} (best of {len(helps)}; no TensorFlow)"
    )
    for i, ((full, full_cpu), (predict, predict_cpu)) in enumerate(zip(fulls, predicts, strict=True), 1):
        print(f"  run {i}: python main.py wall {full:6.2f}, CPU {full_cpu:6.2f}; --predict FILE wall {predict:6.2f}, "
              f"CPU {predict_cpu:5.2f}; ratio wall {predict / full:.2f}, CPU {predict_cpu / full_cpu:.2f}")  # fmt: skip
    for what, k in (("wall", 0), ("CPU", 1)):
        ratios = sorted(p[k] / f[k] for p, f in zip(predicts, fulls, strict=True))
        print(
            f"  --predict / full run, {what}: median {ratios[len(ratios) // 2]:.2f}, worst {ratios[-1]:.2f} (target ≤ 0.5)"
        )
    print(
        f"  python main.py --as-published wall {published:6.2f} (default / as-published = {fulls[0][0] / published:.2f})"
    )


if __name__ == "__main__":
    cli.run(main)
