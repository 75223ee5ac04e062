"""How To Build a Neural Network to Recognize Handwritten Digits with TensorFlow — the article,
running offline on TensorFlow 2.21 in tf.compat.v1 graph mode.

    python main.py                          # train 1000 iterations, test, predict test_img.png
    python main.py --predict my_digit.png   # your own digit, with the saved model
    python main.py --as-published           # the article's graph and image recipe, bugs and all

Errata fixed by default (README, "Errata"): 1. ReLU on the hidden layers; 2. dropout wired into
the output; 3. `learning_rate` actually used; 4. the image prepared like MNIST's digits, in [0, 1];
5. keep_prob 1.0 at inference.
"""

import sys
from types import SimpleNamespace

import numpy as np

from tutorial_kit import checkpoints, cli, files, input_data, main_flags, prediction
from tutorial_kit.quiet_tf import tf  # TensorFlow without its start-up logs and deprecation notices
from tutorial_kit.training_log import TrainingLog

# Parameters (the article's names and values; the flags override them)
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
    return SimpleNamespace(**{k: v for k, v in locals().items() if k not in ("v1", "activation")})


def train(net, sess, mnist, n_iterations, batch_size, dropout, log=None):
    """Train on mini batches, printing loss and accuracy of every 100th batch (as the article)."""
    for i in range(n_iterations):
        batch_x, batch_y = mnist.train.next_batch(batch_size)
        sess.run(net.train_step, feed_dict={net.X: batch_x, net.Y: batch_y, net.keep_prob: dropout})

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


def predict(net, sess, images):
    """Probabilities of each digit for rows of 784 pixels (keep_prob is left at its default)."""
    return sess.run(net.probabilities, feed_dict={net.X: np.reshape(images, (-1, n_input))})


def architecture(as_published):
    return {"layers": [n_input, n_hidden1, n_hidden2, n_hidden3, n_output], "as_published": bool(as_published)}


def load_or_train(args, net, sess, use_saved):
    """The saved model when `use_saved` (--predict, draw.py) finds one; otherwise the article's run:
    the data, training, the test accuracy, the model saved."""
    arch = architecture(args.as_published)
    saved = checkpoints.to_use(args.checkpoint_dir, arch, use_saved, args.retrain, args.checkpoint_dir_given)
    if saved is not None:
        checkpoints.restore(net.saver, sess, saved)
        return saved, False
    checkpoints.check_writable(args.checkpoint_dir, arch)
    mnist = input_data.read_data_sets(args.data_dir, one_hot=True, seed=args.seed)
    sess.run(net.init)
    with TrainingLog(args.log_dir, net.graph) as log:
        train(net, sess, mnist, args.iterations, args.batch_size, args.dropout, log)
    test_accuracy = test(net, sess, mnist)
    print("\nAccuracy on test set:", test_accuracy)
    saved, better = checkpoints.save(net.saver, sess, args.checkpoint_dir, arch, test_accuracy, args.iterations)
    checkpoints.say_saved(saved, better)
    log.say_notes(args.plot)
    return saved, True


def parse_args(argv=None):
    """The flags (main_flags.py), the Parameters above their defaults."""
    return main_flags.parse(argv, n_iterations, batch_size, learning_rate, dropout)


def main(argv=None):
    args = parse_args(argv)
    images = prediction.prepare_inputs(args.predict or [TEST_IMAGE], args)  # bad files are said before training
    if not images:
        return 2
    if args.as_published and args.learning_rate != learning_rate:
        print("Note: --as-published hard-codes Adam's 1e-4, as the article does; --learning-rate is ignored.")

    net = build_graph(args.as_published, args.learning_rate, args.seed, summaries=args.log_dir is not None)
    with tf.compat.v1.Session(graph=net.graph) as sess:
        model, trained_now = load_or_train(args, net, sess, use_saved=bool(args.predict))
        if not trained_now:
            prediction.say_model(model, sys.argv[1:] if argv is None else argv)
        probabilities = predict(net, sess, prediction.stack(images))
    return prediction.report_all(images, probabilities, args.predict is None, len(args.predict or [TEST_IMAGE]))


if __name__ == "__main__":
    cli.run(main, interrupted=checkpoints.interrupted_note)
