"""Transforming values — the activation-function demo of "Hands-On Deep Learning with TensorFlow",
in a tf.compat.v1 session.

    python tutorials/activations.py
    python tutorials/activations.py --dry-run   # the same demo, its figure in a temporary folder

Three 5-long random vectors (truncated normal, means 3, -1 and 0, stddev 1/sqrt(5)) go through a
square, a logarithm and a sigmoid, printed before and after; then a single neuron combines two of
them: sigmoid(x1·w1 + x2·w2) with w1 = 0.1, w2 = 0.2. A figure (activations.png) draws the three
functions as curves with the five sample values on them.
"""

import argparse
import math

import numpy as np

from tutorial_kit import cli, files
from tutorial_kit.quiet_tf import tf  # TensorFlow without its start-up logs and deprecation notices

# --- Parameters (the book's values) -------------------------------------------------------------
size = 5
means = (3.0, -1.0, 0.0)
w1_value, w2_value = 0.1, 0.2
FIGURE = "activations.png"

# The figure's transforms: (title, input, output, NumPy twin of the TF op, range the curve shows)
TRANSFORMS = [
    ("square of x2", "x2", "sqx2", np.square, (-3.0, 3.0)),
    ("log of x1", "x1", "logx1", np.log, (0.05, 5.0)),
    ("sigmoid of x3", "x3", "sigx3", lambda x: 1 / (1 + np.exp(-x)), (-6.0, 6.0)),
]


# --- Transforming values: the graph -------------------------------------------------------------


def build_graph(seed=None):
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        if seed is not None:
            v1.set_random_seed(seed)
        x1 = tf.Variable(v1.truncated_normal([size], mean=means[0], stddev=1.0 / math.sqrt(size)))
        x2 = tf.Variable(v1.truncated_normal([size], mean=means[1], stddev=1.0 / math.sqrt(size)))
        x3 = tf.Variable(v1.truncated_normal([size], mean=means[2], stddev=1.0 / math.sqrt(size)))

        # Squaring makes large values extreme (but positive)
        sqx2 = x2 * x2
        # Logarithm makes small values more pronounced (and negative); x1 is kept positive by its mean
        logx1 = tf.math.log(x1)
        # "sigmoid" flattens extreme values to 0 or 1; sigmoid(0) = 0.5
        sigx3 = tf.sigmoid(x3)

        # A neuron: a linear combination of inputs, then a transform
        w1 = tf.constant(w1_value)
        w2 = tf.constant(w2_value)
        n1 = tf.sigmoid(w1 * x1 + w2 * x2)
        init = v1.global_variables_initializer()
    return graph, init, {"x1": x1, "x2": x2, "x3": x3, "sqx2": sqx2, "logx1": logx1, "sigx3": sigx3, "n1": n1}


# --- Running the session ------------------------------------------------------------------------


def run(seed=None):
    """All the demo's values, evaluated once in one session."""
    graph, init, tensors = build_graph(seed)
    with tf.compat.v1.Session(graph=graph) as sess:
        sess.run(init)
        return sess.run(tensors)


# --- The figure ---------------------------------------------------------------------------------


def make_figure(values):
    """Each transform as a curve wide enough to show its shape, the five samples as points on it."""
    plt = files.pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    for ax, (title, before, after, function, (low, high)) in zip(axes, TRANSFORMS, strict=True):
        x = values[before]
        grid = np.linspace(min(low, float(x.min())), max(high, float(x.max())), 200)
        ax.plot(grid, function(grid), "-", color="tab:blue", label=f"{after} = f({before})")
        ax.plot(x, values[after], "o", color="tab:red", label=f"the {size} samples")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set(title=title, xlabel=before, ylabel=after)
        ax.legend(loc="best", fontsize=8)
    fig.suptitle("Transforming values: three activation functions and the book's random samples")
    return fig


# --- Command line -------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_common_flags(parser, figure_dir=True)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    figure_dir = cli.dry_run_folder() if args.dry_run else args.figure_dir
    values = run(args.seed)
    np.set_printoptions(precision=4, suppress=True)
    for title, before, after in [("Square", "x2", "sqx2"), ("Log", "x1", "logx1"), ("Sigmoid", "x3", "sigx3")]:
        print(f"{title}:\n  {before:<5} = {values[before]}\n  {after:<5} = {values[after]}")
    print(f"Neuron: n1 = sigmoid({w1_value}·x1 + {w2_value}·x2)")
    print(f"  {w1_value}·x1 = {w1_value * values['x1']}")
    print(f"  {w2_value}·x2 = {w2_value * values['x2']}")
    print(f"  n1    = {values['n1']}")
    figure = files.save_figure(make_figure(values), figure_dir / FIGURE)
    print(f"Figure saved to {files.display_path(figure)}" + (" (dry run: removed at exit)" if args.dry_run else ""))
    return 0


if __name__ == "__main__":
    cli.run(main)
