"""Full-length default runs of the tutorials, timed, with their final figures next to the published ones.
Not a test: it prints, it asserts nothing. All of it takes the better part of an hour on 2 cores.

    python benchmarks/bench_tutorials.py                          # everything but CIFAR-10
    python benchmarks/bench_tutorials.py --only autoencoder mlp   # the Keras chapters
    python benchmarks/bench_tutorials.py --only cifar --cifar-dir ~/Downloads/cifar-10-python.tar.gz
"""

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
T = ROOT / "tutorials"

# name: (command, epochs or steps for a per-epoch figure, published figure, [(label, regex)])
RUNS = {
    "autoencoder": (
        [T / "denoising_autoencoder.py"],
        10,
        "loss 0.1496 after epoch 1 -> 0.0777 after epoch 10",
        [
            ("loss epoch 1 -> last", r"Training loss: (\S+) after epoch 1 -> (\S+)"),
            ("test MSE masked / restored", r"masked input\s+(\S+)[\s\S]*restored\s+(\S+)"),
        ],
    ),
    "mlp": (
        [T / "keras_mlp.py"],
        20,
        "test accuracy 0.9812",
        [("test accuracy", r"Test accuracy: (\S+)"), ("test score", r"Test score: (\S+)")],
    ),
    "cifar": (
        [T / "cifar10_cnn.py"],
        25,
        "train accuracy 0.7227 after 25 epochs",
        [("train accuracy", r"Training accuracy after \d+ epochs?: (\S+)"), ("test accuracy", r"Test accuracy: (\S+)")],
    ),
    **{
        f"font-{model}{suffix}": (
            [T / "font_classifier.py", "--model", model, *flags],
            epochs,
            published,
            [("train / validation", r"Final accuracy: train (\S+), validation (\S+)")],
        )
        for model, epochs, published in [
            ("logistic", 1000, "validation ~0.40"),
            ("hidden1", 5000, "validation ~0.60"),
            ("hidden2", 25000, "train ~0.68 / validation ~0.63"),
        ]
        for suffix, flags in [("", []), ("-as-published", ["--as-published"])]
    },
    "activations": ([T / "activations.py"], None, "(a demo: no figure to match)", [("n1", r"n1\s+= (\[.*\])")]),
    "numpy-network": (
        [T / "numpy_network.py"],
        None,
        "(the text's error rate is not given)",
        [
            ("gradient check max rel. error", r"max relative error: (\S+)[\s\S]*max relative error: (\S+)"),
            ("first per-sample epoch (s)", r"epoch 1 finished in (\S+) s"),
            ("lowest error rate / epoch", r"Lowest error rate (\S+) \(accuracy \S+\) after epoch (\d+)"),
        ],
    ),
    "cnn": (
        [T / "mnist_cnn.py"],
        1000,
        ">= 0.98 after 1000 steps (target)",
        [
            ("last printed test accuracy", r"Step=900, Train loss=\S+,\[Test accuracy=(\S+)\]"),
            ("all 10,000 test images", r"Accuracy on all 10,000 test images: (\S+)"),
        ],
    ),
    "cnn-as-published": (
        [T / "mnist_cnn.py", "--as-published"],
        1000,
        "the text's bugs kept",
        [
            ("last printed (running) accuracy", r"Step=900, Train loss=\S+,\[Test accuracy=(\S+)\]"),
            ("all 10,000 test images", r"Accuracy on all 10,000 test images: (\S+)"),
        ],
    ),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(RUNS), help="run only these")
    parser.add_argument("--cifar-dir", help="a local CIFAR-10 copy (cifar is skipped without one)")
    args = parser.parse_args()
    names = args.only or [n for n in RUNS if n != "cifar" or args.cifar_dir]
    print(f"{'run':28}{'seconds':>9}{'per epoch':>11}  figures (published)")
    for name in names:
        command, epochs, published, patterns = RUNS[name]
        command = [sys.executable, *map(str, command)]
        if name == "cifar" and args.cifar_dir:
            command += ["--data-dir", args.cifar_dir]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            print(f"{name:28}{seconds:9.1f}  failed: {result.stderr.strip().splitlines()[-1:]}")
            continue
        found = []
        for label, pattern in patterns:
            match = re.search(pattern, result.stdout)
            found.append(f"{label} {' / '.join(match.groups()) if match else '?'}")
        per_epoch = f"{seconds / epochs:11.3f}" if epochs else " " * 11
        print(f"{name:28}{seconds:9.1f}{per_epoch}  {'; '.join(found)}  ({published})", flush=True)


if __name__ == "__main__":
    main()
