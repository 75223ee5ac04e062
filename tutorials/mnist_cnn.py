"""A convolutional network on MNIST in a TF1 graph — the CNN primer's TensorFlow chapter.

    python tutorials/mnist_cnn.py                  # 1000 steps of 50, fixed (about 0.98 test accuracy)
    python tutorials/mnist_cnn.py --as-published   # the text's four bugs kept
    python tutorials/mnist_cnn.py --dry-run        # 3 steps, 500 test images: a quick check

5×5×32 conv relu → 2×2 max-pool → 5×5×64 conv relu → 2×2 max-pool → flatten 7·7·64 → dense 1024
relu → dropout 0.5 → dense 10. The text uses tf.layers, which Keras 3 no longer backs; the same
layers are written here with tf.nn ops and tf.compat.v1 variables (Glorot-uniform kernels, zero
biases: tf.layers' defaults). The text's bugs, fixed by default and kept by --as-published:
1. the input is divided by 255 although input_data already gives [0, 1];
2. tf.layers.dropout without training=True never drops anything;
3. GradientDescentOptimizer(0.001) where the comment says Adam;
4. tf.metrics.accuracy is a running mean: the printed "test accuracy" averages every evaluation
   since step 0, not the current model's accuracy.
"""

import argparse
from types import SimpleNamespace

import numpy as np

from tutorial_kit import cli, input_data
from tutorial_kit.quiet_tf import tf  # TensorFlow without its start-up logs and deprecation notices

# --- Parameters (the text's values) -------------------------------------------------------------
steps = 1000
batch_size = 50
learning_rate = 1e-3  # Adam's, as the text's comment says; the code's GradientDescent uses 0.001 too
dropout_rate = 0.5
test_size = 3000  # the first 3000 test images are evaluated every 100 steps
train_size = 55000  # input_data's training split: no batch can be larger
DRY_RUN = {"steps": 3, "test_size": 500}  # --dry-run: the same code on a handful


# --- The graph: two convolutions, a dense layer, dropout, the logits ----------------------------


def build_graph(as_published=False, seed=None):
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        if seed is not None:
            v1.set_random_seed(seed)
        glorot = v1.glorot_uniform_initializer()

        def conv2d(inputs, filters, name):  # tf.layers.conv2d(kernel_size=[5, 5], padding='same', relu)
            kernel = tf.Variable(glorot([5, 5, int(inputs.shape[-1]), filters]), name=f"{name}/kernel")
            bias = tf.Variable(tf.zeros([filters]), name=f"{name}/bias")
            return tf.nn.relu(tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME") + bias)

        def max_pool(inputs):  # tf.layers.max_pooling2d(pool_size=[2, 2], strides=2)
            return tf.nn.max_pool2d(inputs, ksize=2, strides=2, padding="VALID")

        def dense(inputs, units, name, activation=None):  # tf.layers.dense
            kernel = tf.Variable(glorot([int(inputs.shape[-1]), units]), name=f"{name}/kernel")
            bias = tf.Variable(tf.zeros([units]), name=f"{name}/bias")
            z = tf.matmul(inputs, kernel) + bias
            return activation(z) if activation else z

        input_x = v1.placeholder(tf.float32, [None, 28 * 28])
        output_y = v1.placeholder(tf.int32, [None, 10])
        training = v1.placeholder_with_default(False, shape=[])  # fed True by the training step
        pixels = input_x / 255.0 if as_published else input_x  # bug 1: the data is already in [0, 1]
        input_x_images = tf.reshape(pixels, [-1, 28, 28, 1])

        conv1 = conv2d(input_x_images, 32, "conv1")  # 28×28×32
        pool1 = max_pool(conv1)  # 14×14×32
        conv2 = conv2d(pool1, 64, "conv2")  # 14×14×64
        pool2 = max_pool(conv2)  # 7×7×64
        flat = tf.reshape(pool2, [-1, 7 * 7 * 64])  # 3136
        dense1 = dense(flat, 1024, "dense", tf.nn.relu)
        if as_published:  # bug 2: tf.layers.dropout(rate=0.5) with training=False is the identity
            dropout = dense1
        else:
            dropout = tf.nn.dropout(dense1, rate=tf.where(training, dropout_rate, 0.0))
        logits = dense(dropout, 10, "logits")

        loss = v1.losses.softmax_cross_entropy(onehot_labels=output_y, logits=logits)
        if as_published:  # bug 3: the comment says Adam
            train_op = v1.train.GradientDescentOptimizer(learning_rate=0.001).minimize(loss)
        else:
            train_op = v1.train.AdamOptimizer(learning_rate).minimize(loss)

        correct = tf.equal(tf.argmax(output_y, axis=1), tf.argmax(logits, axis=1))
        accuracy_now = tf.reduce_mean(tf.cast(correct, tf.float32))  # this evaluation only
        # bug 4: tf.metrics.accuracy's update op returns the running mean over all evaluations so far
        running_accuracy = v1.metrics.accuracy(
            labels=tf.argmax(output_y, axis=1), predictions=tf.argmax(logits, axis=1)
        )[1]
        accuracy = running_accuracy if as_published else accuracy_now
        init = tf.group(v1.global_variables_initializer(), v1.local_variables_initializer())
    return SimpleNamespace(
        graph=graph,
        input_x=input_x,
        output_y=output_y,
        training=training,
        flat=flat,
        logits=logits,
        loss=loss,
        train_op=train_op,
        accuracy=accuracy,
        accuracy_now=accuracy_now,
        running_accuracy=running_accuracy,
        init=init,
    )


# --- Training: the text's loop ------------------------------------------------------------------


def train(net, sess, mnist, steps, batch_size, show=print, test_size=test_size):
    """The text's loop: every 100 steps, the training loss and the accuracy on 3000 test images."""
    test_x, test_y = mnist.test.images[:test_size], mnist.test.labels[:test_size]
    history = []
    for i in range(steps):
        batch = mnist.train.next_batch(batch_size)
        train_loss, _ = sess.run(
            [net.loss, net.train_op], {net.input_x: batch[0], net.output_y: batch[1], net.training: True}
        )
        if i % 100 == 0:
            test_accuracy = sess.run(net.accuracy, {net.input_x: test_x, net.output_y: test_y})
            show("Step=%d, Train loss=%.4f,[Test accuracy=%.2f]" % (i, train_loss, test_accuracy))  # noqa: UP031 (the text)
            history.append((i, float(train_loss), float(test_accuracy)))
    return history


# --- Command line -------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=cli.positive_int, default=steps, help="training steps (%(default)s)")
    parser.add_argument(
        "--batch-size",
        type=cli.positive_int,
        default=batch_size,
        help=f"images per training step, at most {train_size} (%(default)s)",
    )
    parser.add_argument("--as-published", action="store_true", help="keep the text's four bugs")
    cli.add_common_flags(parser, data_dir=input_data.MNIST_DIR)
    args = parser.parse_args(argv)
    if args.batch_size > train_size:
        parser.error(f"argument --batch-size: at most {train_size} (the training set), got {args.batch_size}")
    args.test_size = None
    if args.dry_run:
        args.steps, args.test_size = min(args.steps, DRY_RUN["steps"]), DRY_RUN["test_size"]
    return args


# --- The chapter: train, then twenty predictions and the accuracy on the test set ---------------


def main(argv=None):
    args = parse_args(argv)
    mnist = input_data.read_data_sets(args.data_dir, one_hot=True, seed=args.seed)
    test_x, test_y = mnist.test.images[: args.test_size], mnist.test.labels[: args.test_size]
    net = build_graph(args.as_published, args.seed)
    with tf.compat.v1.Session(graph=net.graph) as sess:
        sess.run(net.init)
        train(net, sess, mnist, args.steps, args.batch_size, test_size=min(test_size, len(test_x)))
        test_output = sess.run(net.logits, {net.input_x: mnist.test.images[:20]})
        full_accuracy = sess.run(net.accuracy_now, {net.input_x: test_x, net.output_y: test_y})
    inferenced_y = np.argmax(test_output, 1)
    print(inferenced_y, "Inferenced numbers")
    print(np.argmax(mnist.test.labels[:20], 1), "Real numbers")
    which = f"all {len(test_x):,}" if len(test_x) == len(mnist.test.images) else f"the first {len(test_x):,}"
    print(f"Accuracy on {which} test images: {full_accuracy:.4f}")
    return 0


if __name__ == "__main__":
    cli.run(main)
