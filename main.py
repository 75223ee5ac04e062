"""How To Build a Neural Network to Recognize Handwritten Digits with TensorFlow — the classic
article, running offline on TensorFlow 2.21 in tf.compat.v1 graph mode.

    python main.py                        # train 1000 iterations, test, predict test_img.png
    python main.py --predict my_digit.png # use the saved model on your own drawing
    python main.py --as-published         # the article's graph and image recipe, bugs and all

Errata fixed by default (README, "Errata"): 1. ReLU on the hidden layers; 2. dropout wired into
the output; 3. `learning_rate` actually used; 4. the image scaled to [0, 1] like the training
data (after MNIST-style preprocessing); 5. keep_prob 1.0 at inference.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

import cli
import digit_image
import errors
import files
import input_data
from quiet_tf import tf  # TensorFlow without its start-up logs and deprecation notices

# Parameters (the article's names and values; flags override them)
n_input = 784  # input layer (28x28 pixels)
n_hidden1 = 512  # 1st hidden layer
n_hidden2 = 256  # 2nd hidden layer
n_hidden3 = 128  # 3rd hidden layer
n_output = 10  # output layer (0-9 digits)

learning_rate = 1e-4
n_iterations = 1000
batch_size = 128
dropout = 0.5  # the keep probability while training

TEST_IMAGE = files.ROOT / "test_img.png"
CHECKPOINT_DIR = files.ROOT / "checkpoints"


def build_graph(as_published=False, learning_rate=learning_rate, seed=None, summaries=False):
    """The article's graph: placeholders, a 784-512-256-128-10 network with dropout, Adam."""
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        if seed is not None:
            v1.set_random_seed(seed)

        X = v1.placeholder("float", [None, n_input])
        Y = v1.placeholder("float", [None, n_output])
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

        cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=Y, logits=output_layer))
        # erratum 3: the article defines learning_rate but hard-codes AdamOptimizer(1e-4)
        train_step = v1.train.AdamOptimizer(1e-4 if as_published else learning_rate).minimize(cross_entropy)

        correct_pred = tf.equal(tf.argmax(output_layer, 1), tf.argmax(Y, 1))
        accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))
        probabilities = tf.nn.softmax(output_layer)

        summary = None
        if summaries:  # --log-dir: the printed minibatch loss and accuracy, for TensorBoard
            summary = v1.summary.merge(
                [v1.summary.scalar("loss", cross_entropy), v1.summary.scalar("accuracy", accuracy)]
            )
        init = v1.global_variables_initializer()
        saver = v1.train.Saver(list(weights.values()) + list(biases.values()))  # the model, not Adam's state
    return SimpleNamespace(**{k: v for k, v in locals().items() if k not in ("tf", "v1", "activation")})


def train(net, sess, mnist, n_iterations, batch_size, dropout, writer=None):
    """Train on mini batches, printing loss and accuracy of every 100th batch (as the article)."""
    history = []
    for i in range(n_iterations):
        batch_x, batch_y = mnist.train.next_batch(batch_size)
        sess.run(net.train_step, feed_dict={net.X: batch_x, net.Y: batch_y, net.keep_prob: dropout})

        # print loss and accuracy (per minibatch)
        if i % 100 == 0:
            feed = {net.X: batch_x, net.Y: batch_y, net.keep_prob: 1.0}
            fetches = [net.cross_entropy, net.accuracy] + ([net.summary] if writer else [])
            minibatch_loss, minibatch_accuracy, *summary = sess.run(fetches, feed_dict=feed)  # one run: same RNG use
            print(
                "Iteration",
                str(i),
                "\t| Loss =",
                str(minibatch_loss),
                "\t| Accuracy =",
                str(minibatch_accuracy),
                flush=True,
            )
            history.append((i, float(minibatch_loss), float(minibatch_accuracy)))
            if writer is not None:
                writer.add_summary(summary[0], i)
    return history


def test(net, sess, mnist):
    feed = {net.X: mnist.test.images, net.Y: mnist.test.labels, net.keep_prob: 1.0}
    return sess.run(net.accuracy, feed_dict=feed)  # a float32: prints as 0.94, like the article


def predict(net, sess, images):
    """Digits and confidences for rows of 784 pixels (keep_prob is left at its default)."""
    probabilities = sess.run(net.probabilities, feed_dict={net.X: np.reshape(images, (-1, n_input))})
    return probabilities.argmax(axis=1), probabilities.max(axis=1)


# --- checkpoints -------------------------------------------------------------------------------


def architecture(as_published):
    return {"layers": [n_input, n_hidden1, n_hidden2, n_hidden3, n_output], "as_published": bool(as_published)}


def describe(arch):
    name = "the article's network as published" if arch["as_published"] else "the fixed network"
    return f"{name} ({'-'.join(map(str, arch['layers']))})"


def save_checkpoint(net, sess, checkpoint_dir, arch, test_accuracy):
    """Save into a fresh folder, then switch latest.json to it in one atomic rename: a crash or
    Ctrl-C at any moment leaves the previous good checkpoint in place."""
    files.make_folder(checkpoint_dir)
    saving = None
    try:
        saving = Path(tempfile.mkdtemp(prefix=".saving-", dir=checkpoint_dir))
        net.saver.save(sess, str(saving / "model"), write_meta_graph=False, write_state=False)
        final = checkpoint_dir / f"model-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        os.replace(saving, final)
    except (OSError, tf.errors.OpError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0][:200]
        raise errors.UsageError(f"cannot save the model in {files.display_path(checkpoint_dir)} ({reason})") from None
    finally:
        if saving is not None:
            shutil.rmtree(saving, ignore_errors=True)
    with files.atomic_path(checkpoint_dir / "latest.json") as tmp:
        tmp.write_text(json.dumps({"path": final.name, "model": arch, "test_accuracy": float(test_accuracy)}) + "\n")
    for old in checkpoint_dir.glob("model-*"):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


def load_checkpoint(net, sess, checkpoint_dir, arch):
    """Restore the latest checkpoint into `net`; False if there is none. A checkpoint of another
    architecture is an error, never a silent wrong load."""
    latest = checkpoint_dir / "latest.json"
    if not latest.is_file():
        return False
    try:
        saved = json.loads(latest.read_text())
        path, saved_arch = checkpoint_dir / saved["path"], saved["model"]
    except (OSError, ValueError, KeyError, TypeError):
        raise errors.UsageError(
            f"{files.display_path(latest)} is damaged; run with --retrain to train a new model"
        ) from None
    if saved_arch != arch:
        raise errors.UsageError(
            f"{files.display_path(checkpoint_dir)} holds {describe(saved_arch)}, but this run builds {describe(arch)}; "
            f"use the flags it was trained with{' (--as-published)' if saved_arch.get('as_published') else ''}, "
            "or --retrain to replace it"
        )
    try:
        net.saver.restore(sess, str(path / "model"))
    except (tf.errors.OpError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0][:200]
        raise errors.UsageError(f"cannot load {files.display_path(path)} ({reason}); run with --retrain") from None
    return True


# --- command line ------------------------------------------------------------------------------


def parse_args(argv=None):
    p = cli.ArgumentParser(description="The MNIST digit article on TensorFlow 2.21, errata fixed.")
    p.add_argument(
        "--iterations", type=cli.positive_int, default=n_iterations, help="training iterations (%(default)s)"
    )
    p.add_argument(
        "--batch-size", type=cli.positive_int, default=batch_size, help="examples per iteration (%(default)s)"
    )
    p.add_argument(
        "--learning-rate", type=cli.positive_float, default=learning_rate, help="Adam's step size (%(default)s)"
    )
    p.add_argument(
        "--dropout", type=cli.keep_probability, default=dropout, help="keep probability while training (%(default)s)"
    )
    p.add_argument("--seed", type=int, default=None, help="make a run repeatable: same seed, same numbers")
    p.add_argument("--data-dir", type=Path, default=input_data.MNIST_DIR, help="folder of the MNIST .gz files")
    p.add_argument("--predict", nargs="+", metavar="FILE", help="predict these images with the saved model")
    p.add_argument("--show-input", type=cli.output_path, metavar="PATH.png", help="save the 28×28 the network saw")
    p.add_argument("--as-published", action="store_true", help="the article's exact graph and image recipe")
    p.add_argument("--retrain", action="store_true", help="with --predict: train even if a model is saved")
    p.add_argument("--checkpoint-dir", type=cli.output_dir, default=CHECKPOINT_DIR, help="where the model is saved")
    p.add_argument("--log-dir", type=cli.output_dir, help="write the graph and loss/accuracy summaries for TensorBoard")
    p.add_argument("--plot", type=cli.output_path, metavar="PATH.png", help="save the loss/accuracy curves")
    args = p.parse_args(argv)
    if args.batch_size > 55000:
        p.error(f"argument --batch-size: at most 55000 (the training set), got {args.batch_size}")
    return args


def prepare_images(paths, as_published):
    """Preprocess each file; a bad one prints its error line and is skipped."""
    recipe = digit_image.as_published if as_published else digit_image.to_mnist
    prepared = []
    for path in paths:
        try:
            prepared.append((path, recipe(path)))
        except digit_image.ImageError as exc:
            cli.error(str(exc))
    return prepared


def show_input_paths(show_input, count):
    if show_input is None:
        return [None] * count
    if count == 1:
        return [show_input]
    return [show_input.with_name(f"{show_input.stem}-{i}{show_input.suffix}") for i in range(1, count + 1)]


def plot_history(history, path):
    plt = files.pyplot()
    iterations, losses, accuracies = zip(*history, strict=True)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(iterations, losses, "o-")
    ax_loss.set(xlabel="iteration", ylabel="minibatch loss", title="Loss")
    ax_acc.plot(iterations, accuracies, "o-", color="tab:green")
    ax_acc.set(xlabel="iteration", ylabel="minibatch accuracy", title="Accuracy", ylim=(0, 1))
    return files.save_figure(fig, path)


def main(argv=None):
    args = parse_args(argv)
    arch = architecture(args.as_published)
    status = 0

    to_predict = []  # your own digits are checked before any training
    if args.predict:
        to_predict = prepare_images(args.predict, args.as_published)
        status = 2 if len(to_predict) < len(args.predict) else 0
        if not to_predict:
            return status
    if args.as_published and args.learning_rate != learning_rate:
        print("Note: --as-published hard-codes Adam's 1e-4, as the article does; --learning-rate is ignored.")

    # The article trains on every run; --predict trains only when no model is saved (or --retrain).
    must_train = not args.predict or args.retrain or not (args.checkpoint_dir / "latest.json").is_file()
    mnist = input_data.read_data_sets(args.data_dir, one_hot=True, seed=args.seed) if must_train else None

    net = build_graph(args.as_published, args.learning_rate, args.seed, summaries=args.log_dir is not None)
    with tf.compat.v1.Session(graph=net.graph) as sess:
        if not must_train:
            if not load_checkpoint(net, sess, args.checkpoint_dir, arch):
                raise errors.UsageError(f"the model in {files.display_path(args.checkpoint_dir)} vanished; run again")
        else:
            if args.predict:
                print(
                    "Retraining (--retrain)."
                    if args.retrain
                    else f"No saved model in {files.display_path(args.checkpoint_dir)}: training one first."
                )
            sess.run(net.init)
            writer = None
            if args.log_dir is not None:
                try:
                    writer = tf.compat.v1.summary.FileWriter(str(args.log_dir), net.graph)
                except tf.errors.OpError as exc:
                    reason = exc.message
                    raise errors.UsageError(
                        f"cannot write TensorBoard logs in {files.display_path(args.log_dir)} ({reason})"
                    ) from None
            try:
                history = train(net, sess, mnist, args.iterations, args.batch_size, args.dropout, writer)
            finally:
                if writer is not None:
                    writer.close()
            test_accuracy = test(net, sess, mnist)
            print("\nAccuracy on test set:", test_accuracy)
            saved = save_checkpoint(net, sess, args.checkpoint_dir, arch, test_accuracy)
            print(f"Model saved in {files.display_path(saved)}; try your own digit: python main.py --predict FILE")
            if args.plot:
                print(f"Loss and accuracy curves saved to {files.display_path(plot_history(history, args.plot))}")
            if args.log_dir is not None:
                print(
                    f"TensorBoard logs in {files.display_path(args.log_dir)}: tensorboard --logdir {files.display_path(args.log_dir)}"
                )

        if not args.predict:  # the article's last step: the test image
            to_predict = prepare_images([TEST_IMAGE], args.as_published)
            if not to_predict:
                return 2
        digits, confidences = predict(net, sess, np.stack([image.ravel() for _, image in to_predict]))

    for (path, image), digit, confidence, shown_path in zip(
        to_predict, digits, confidences, show_input_paths(args.show_input, len(to_predict)), strict=True
    ):
        name = "test image" if not args.predict else path
        print(f"Prediction for {name}: {digit} (confidence {confidence:.1%})")
        if shown_path is not None:
            digit_image.save_input(image, shown_path)
            print(f"  the 28×28 input it saw is saved in {files.display_path(shown_path)}")
    return status


if __name__ == "__main__":
    cli.run(main, interrupted="the last saved checkpoint, if any, is untouched")
