"""How To Build a Neural Network to Recognize Handwritten Digits with TensorFlow — the article,
running offline on TensorFlow 2.21 in tf.compat.v1 graph mode. Its steps are the sections below.

    python main.py                          # train 1000 iterations, test, predict test_img.png
    python main.py --predict my_digit.png   # your own digit, with the saved model
    python main.py --as-published           # the article's graph and image recipe, bugs and all

Errata fixed by default (README, "Errata"): 1. ReLU on the hidden layers; 2. dropout wired into
the output; 3. `learning_rate` actually used; 4. the image prepared like MNIST's digits, in [0, 1];
5. keep_prob 1.0 at inference.
"""

# Step 1 — Configuring the Project: requirements.txt (README, "Quick start"); the imports:

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tutorial_kit import checkpoints, cli, files, input_data, main_flags, prediction
from tutorial_kit.checkpoints import SavedModel
from tutorial_kit.quiet_tf import tf  # TensorFlow, quiet, imported at its first use (after the flags are checked)
from tutorial_kit.training_log import TrainingLog

# Step 2 — Importing the MNIST Dataset


def import_mnist(data_dir=input_data.MNIST_DIR, seed=None):
    """The article's dataset: images as rows of 784 values in [0, 1], labels one-hot."""
    mnist = input_data.read_data_sets(data_dir, one_hot=True, seed=seed)  # y labels are oh-encoded

    n_train = mnist.train.num_examples  # 55,000
    n_validation = mnist.validation.num_examples  # 5000
    n_test = mnist.test.num_examples  # 10,000
    return mnist


# Step 3 — Defining the Neural Network Architecture (the article's names and values; the flags override them)

n_input = 784  # input layer (28x28 pixels)
n_hidden1 = 512  # 1st hidden layer
n_hidden2 = 256  # 2nd hidden layer
n_hidden3 = 128  # 3rd hidden layer
n_output = 10  # output layer (0-9 digits)

learning_rate = 1e-4
n_iterations = 1000
batch_size = 128
dropout = 0.5  # the keep probability while training

# Step 4 — Building the TensorFlow Graph


class Graph(NamedTuple):
    """The article's graph, by its names. A graph for prediction only (training=False) has no loss,
    optimizer or accuracy: those fields are None."""

    graph: Any
    X: Any
    Y: Any
    keep_prob: Any
    weights: dict
    biases: dict
    layer_1: Any
    layer_2: Any
    layer_3: Any
    layer_drop: Any
    output_layer: Any
    probabilities: Any
    cross_entropy: Any
    train_step: Any
    correct_pred: Any
    accuracy: Any
    summary: Any  # --log-dir's loss and accuracy summaries, or None
    init: Any
    saver: Any  # the model's variables (not Adam's state), to save and restore


def build_graph(as_published=False, learning_rate=learning_rate, seed=None, summaries=False, training=True) -> Graph:
    """The article's graph: placeholders, a 784-512-256-128-10 network with dropout, and (when
    training) the loss, Adam and the accuracy."""
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        if seed is not None:
            v1.set_random_seed(seed)

        X = v1.placeholder("float", [None, n_input])
        Y = v1.placeholder("float", [None, n_output]) if training else None
        if as_published:
            keep_prob = v1.placeholder(tf.float32)
        else:  # erratum 5: 1.0 (keep everything) unless training feeds another value
            keep_prob = v1.placeholder_with_default(1.0, shape=[])

        weights = {
            "w1": tf.Variable(v1.truncated_normal([n_input, n_hidden1], stddev=0.1)),
            "w2": tf.Variable(v1.truncated_normal([n_hidden1, n_hidden2], stddev=0.1)),
            "w3": tf.Variable(v1.truncated_normal([n_hidden2, n_hidden3], stddev=0.1)),
            "out": tf.Variable(v1.truncated_normal([n_hidden3, n_output], stddev=0.1)),
        }
        biases = {
            "b1": tf.Variable(tf.constant(0.1, shape=[n_hidden1])),
            "b2": tf.Variable(tf.constant(0.1, shape=[n_hidden2])),
            "b3": tf.Variable(tf.constant(0.1, shape=[n_hidden3])),
            "out": tf.Variable(tf.constant(0.1, shape=[n_output])),
        }

        def activation(z):  # erratum 1: without one, the "deep" network is a single linear map
            return z if as_published else tf.nn.relu(z)

        layer_1 = activation(tf.add(tf.matmul(X, weights["w1"]), biases["b1"]))
        layer_2 = activation(tf.add(tf.matmul(layer_1, weights["w2"]), biases["b2"]))
        layer_3 = activation(tf.add(tf.matmul(layer_2, weights["w3"]), biases["b3"]))
        layer_drop = tf.nn.dropout(layer_3, rate=1 - keep_prob)
        # erratum 2: the article multiplies layer_3 here, so its dropout never acts
        output_layer = tf.matmul(layer_3 if as_published else layer_drop, weights["out"]) + biases["out"]
        probabilities = tf.nn.softmax(output_layer)

        cross_entropy = train_step = correct_pred = accuracy = summary = None
        if training:
            cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y, logits=output_layer))
            # erratum 3: the article defines learning_rate but hard-codes AdamOptimizer(1e-4)
            train_step = v1.train.AdamOptimizer(1e-4 if as_published else learning_rate).minimize(cross_entropy)

            correct_pred = tf.equal(tf.argmax(output_layer, 1), tf.argmax(Y, 1))
            accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
            if summaries:  # --log-dir: the printed minibatch loss and accuracy, for TensorBoard
                summary = v1.summary.merge(
                    [v1.summary.scalar("loss", cross_entropy), v1.summary.scalar("accuracy", accuracy)]
                )
        init = v1.global_variables_initializer()
        saver = v1.train.Saver(list(weights.values()) + list(biases.values()))
    return Graph(graph, X, Y, keep_prob, weights, biases, layer_1, layer_2, layer_3, layer_drop, output_layer,
                 probabilities, cross_entropy, train_step, correct_pred, accuracy, summary, init, saver)  # fmt: skip


# Step 5 — Training and Testing


def train(net, sess, mnist, n_iterations, batch_size, dropout, log=None):
    """Train on mini batches, printing loss and accuracy of every 100th batch (as the article);
    `log` records every batch's loss and accuracy as its training step computed them (--plot)."""
    for i in range(n_iterations):
        batch_x, batch_y = mnist.train.next_batch(batch_size)
        # the training step; its loss and accuracy come from the same run (for --plot): no extra work
        _, train_loss, train_accuracy = sess.run(
            [net.train_step, net.cross_entropy, net.accuracy],
            feed_dict={net.X: batch_x, net.Y: batch_y, net.keep_prob: dropout},
        )
        if log is not None:
            log.record(train_loss, train_accuracy)

        # print loss and accuracy (per minibatch)
        if i % 100 == 0:
            fetches = [net.cross_entropy, net.accuracy] + ([net.summary] if net.summary is not None else [])
            minibatch_loss, minibatch_accuracy, *summary = sess.run(  # one run: the same random numbers with logs
                fetches, feed_dict={net.X: batch_x, net.Y: batch_y, net.keep_prob: 1.0}
            )
            print("Iteration", str(i), "\t| Loss =", str(minibatch_loss), "\t| Accuracy =", str(minibatch_accuracy))
            if log is not None:  # --plot and --log-dir
                log.add(i, minibatch_loss, minibatch_accuracy, *summary)


def test(net, sess, mnist):
    feed = {net.X: mnist.test.images, net.Y: mnist.test.labels, net.keep_prob: 1.0}
    return sess.run(net.accuracy, feed_dict=feed)  # a float32: prints as 0.9405 (4 significant digits)


# Step 6 — Using the Model to Predict (your own images: tutorial_kit/prediction.py)

TEST_IMAGE = files.ROOT / "test_img.png"


def predict(net, sess, images):
    """Probabilities of each digit for rows of 784 pixels (keep_prob is left at its default)."""
    return sess.run(net.probabilities, feed_dict={net.X: np.reshape(images, (-1, n_input))})


# The run: the steps above, or a saved model for Step 6 (--predict, draw.py)


def architecture(as_published):
    return {"layers": [n_input, n_hidden1, n_hidden2, n_hidden3, n_output], "as_published": bool(as_published)}


class Model(NamedTuple):
    """A network ready to predict: probabilities(rows of 784) -> ten probabilities each, which saved
    model it is, whether this run trained it; close() when done."""

    probabilities: Callable[[np.ndarray], np.ndarray]
    saved: SavedModel
    trained_now: bool
    close: Callable[[], None]


def load_or_train(
    as_published: bool = False,
    checkpoint_dir: Path = files.CHECKPOINTS,
    *,
    use_saved: bool = True,
    retrain: bool = False,
    iterations: int = n_iterations,
    batch_size: int = batch_size,
    learning_rate: float = learning_rate,
    dropout: float = dropout,
    seed: int | None = None,
    data_dir: Path = input_data.MNIST_DIR,
    log_dir: Path | None = None,
    plot: Path | None = None,
    dry_run: bool = False,
    checkpoint_dir_given: bool = False,
) -> Model:
    """The saved model when `use_saved` (--predict, draw.py) finds one, in NumPy (no TensorFlow to
    import: tutorial_kit/saved_network.py), or for a model saved before that, in a graph without
    training ops; otherwise Steps 2, 4 and 5: the data, the graph, training, the test accuracy, the model saved.
    `checkpoint_dir_given`: the folder was named, so a missing one is an error, not a new folder."""
    arch = architecture(as_published)
    saved = checkpoints.to_use(checkpoint_dir, arch, use_saved, retrain, must_exist=checkpoint_dir_given)
    training = saved is None
    if not training:
        network = checkpoints.load_network(saved)
        if network is not None:
            return Model(network.probabilities, saved, trained_now=False, close=lambda: None)
    else:
        checkpoints.check_writable(checkpoint_dir, arch)
        mnist = import_mnist(data_dir, seed)  # Step 2
    net = build_graph(as_published, learning_rate, seed, summaries=log_dir is not None, training=training)  # Step 4
    sess = tf.compat.v1.Session(graph=net.graph)
    try:
        with net.graph.as_default(), sess.as_default():  # graph mode, as inside `with Session(...)`
            if not training:
                checkpoints.restore(net.saver, sess, saved)
                return Model(functools.partial(predict, net, sess), saved, trained_now=False, close=sess.close)
            sess.run(net.init)  # Step 5
            with TrainingLog(log_dir, net.graph, arch) as log:
                train(net, sess, mnist, iterations, batch_size, dropout, log)
            test_accuracy = test(net, sess, mnist)
            print("\nAccuracy on test set:", test_accuracy)
            saved, better = checkpoints.save(net, sess, checkpoint_dir, arch, test_accuracy, iterations)
        if dry_run:  # the model goes with the temporary folder: nothing to try it with afterwards
            print("Dry run: the model was saved in a temporary folder, removed at exit (python main.py keeps one).")
        else:
            checkpoints.say_saved(saved, better)
        log.say_notes(plot, test_accuracy)
    except BaseException:
        sess.close()
        raise
    return Model(functools.partial(predict, net, sess), saved, trained_now=True, close=sess.close)


def parse_args(argv=None):
    """The flags (tutorial_kit/main_flags.py), the Parameters above their defaults."""
    return main_flags.parse(argv, n_iterations, batch_size, learning_rate, dropout)


def main(argv=None):
    args = parse_args(argv)
    images = prediction.prepare_inputs(  # Step 6's images first: a bad file is said before any training
        args.predict or [TEST_IMAGE], args.as_published, args.show_input, args.plot
    )
    if not images:
        return 2
    if args.as_published and args.learning_rate != learning_rate:
        print("Note: --as-published hard-codes Adam's 1e-4, as the article does; --learning-rate is ignored.")
    if args.retrain and not args.predict:
        print("Note: --retrain only matters with --predict; python main.py always trains a new model.")

    model = load_or_train(  # Steps 2 to 5, or the saved model (--predict)
        args.as_published,
        args.checkpoint_dir,
        use_saved=bool(args.predict),
        retrain=args.retrain,
        iterations=args.iterations,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        dropout=args.dropout,
        seed=args.seed,
        data_dir=args.data_dir,
        log_dir=args.log_dir,
        plot=args.plot,
        dry_run=args.dry_run,
        checkpoint_dir_given="--checkpoint-dir" in args.given,
    )
    try:  # Step 6
        if not model.trained_now:
            prediction.say_model(model.saved, args.training_flags_given)
        images = prediction.judged(images, prediction.judge(model))  # touching digits cut where it reads them best
        probabilities = model.probabilities(prediction.stack(images))
        sure = prediction.sureness(model, args.data_dir)  # how sure of an odd hand: as of MNIST's digits
    finally:
        model.close()
    return prediction.report_all(
        images, probabilities, args.predict is None, len(args.predict or [TEST_IMAGE]), sure, not args.as_published
    )


if __name__ == "__main__":
    cli.run(main, interrupted=checkpoints.interrupted_note)
