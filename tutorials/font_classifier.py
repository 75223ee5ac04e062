"""Classify letters by font — "Hands-On Deep Learning with TensorFlow": logistic regression, then
one and two hidden sigmoid layers, in a tf.compat.v1 session.

    python tutorials/font_classifier.py --model logistic   # 1000 epochs  (book: ~0.40 validation)
    python tutorials/font_classifier.py --model hidden1    # 5000 epochs  (book: ~0.60)
    python tutorials/font_classifier.py --model hidden2    # 25000 epochs (book: ~0.68 train / 0.63)
    python tutorials/font_classifier.py --model hidden1 --as-published   # the book's loss
    python tutorials/font_classifier.py --model hidden2 --dry-run        # 20 epochs, figures in a temp folder

The book computes y = softmax(...) and then feeds `y + 1e-50` as the *logits* of
softmax_cross_entropy_with_logits: a second softmax on top of the first, which squashes the
gradients and slows learning. By default the logits are fed; --as-published keeps the book's form.

--seed fixes TensorFlow's initial weights (the validation split always uses the book's seed 0);
--dry-run trains 20 epochs and writes the figures to a temporary folder.

Figures (in --figure-dir): one letter in each font, the accuracy curves, the confusion matrix
(laid out like the printed table), the input weights, and the hidden models' output weights;
an --as-published run's are named and titled apart (font_hidden1_as_published_accuracy.png, ...),
so the fixed run's figures are kept beside them.
"""

import argparse
import math
from types import SimpleNamespace

import numpy as np
from tqdm import tqdm

from tutorial_kit import cli, files, input_data
from tutorial_kit.quiet_tf import tf  # TensorFlow without its start-up logs and deprecation notices

# --- Parameters (the book's values) -------------------------------------------------------------
n_pixels = 36 * 36  # 1296
n_fonts = 5
valid_fraction = 0.1
MODELS = {  # learning rate of gradient descent, epochs (full-batch steps)
    "logistic": {"learning_rate": 0.02, "epochs": 1000},
    "hidden1": {"learning_rate": 0.01, "epochs": 5000},
    "hidden2": {"learning_rate": 0.01, "epochs": 25000},
}
DRY_RUN = {"epochs": 20}  # --dry-run: the same code, a handful of epochs


# --- The data: 2790 letters of 36×36 pixels in five fonts ----------------------------------------


def to_onehot(labels, nclasses=n_fonts):
    return np.eye(nclasses, dtype=np.float32)[labels]


def load_and_split(path=input_data.FONTS_FILE):
    """Pixels / 255, np.random.seed(0), the first 10 % of a permutation as validation (the book's
    `test`), one-hot labels. Returns (train, onehot_train), (test, onehot_test), raw images."""
    images, labels = input_data.load_fonts(path)
    train = (images / 255.0).astype(np.float32)
    onehot = to_onehot(labels)
    np.random.seed(0)
    indices = np.random.permutation(train.shape[0])
    valid_cnt = int(train.shape[0] * valid_fraction)
    test_idx, training_idx = indices[:valid_cnt], indices[valid_cnt:]
    test, train = train[test_idx, :], train[training_idx, :]
    onehot_test, onehot_train = onehot[test_idx, :], onehot[training_idx, :]
    return (train.reshape(-1, n_pixels), onehot_train), (test.reshape(-1, n_pixels), onehot_test), images


# --- The models: logistic regression, one and two hidden layers ----------------------------------


def build_graph(model, as_published=False, learning_rate=None, seed=None):
    """The book's graph for `model`; `y` is the softmax output, `logits` what precedes it."""
    v1 = tf.compat.v1
    learning_rate = learning_rate or MODELS[model]["learning_rate"]
    graph = tf.Graph()
    with graph.as_default():
        if seed is not None:
            v1.set_random_seed(seed)
        x = v1.placeholder("float", [None, n_pixels])
        y_ = v1.placeholder("float", [None, n_fonts])
        output_weights, layers = None, [n_pixels, n_fonts]

        if model == "logistic":
            W = tf.Variable(tf.zeros([n_pixels, n_fonts]))
            b = tf.Variable(tf.zeros([n_fonts]))
            logits = tf.matmul(x, W) + b
            input_weights = W
        else:
            num_hidden1 = 128
            W1 = tf.Variable(v1.truncated_normal([n_pixels, num_hidden1], stddev=1.0 / math.sqrt(n_pixels)))
            b1 = tf.Variable(tf.constant(0.1, shape=[num_hidden1]))
            h1 = tf.sigmoid(tf.matmul(x, W1) + b1)
            input_weights, last, width = W1, h1, num_hidden1
            layers = [n_pixels, num_hidden1, n_fonts]
            if model == "hidden2":
                num_hidden2 = 32
                W2 = tf.Variable(v1.truncated_normal([num_hidden1, num_hidden2], stddev=2.0 / math.sqrt(num_hidden1)))
                b2 = tf.Variable(tf.constant(0.2, shape=[num_hidden2]))
                h2 = tf.sigmoid(tf.matmul(h1, W2) + b2)
                last, width = h2, num_hidden2
                layers = [n_pixels, num_hidden1, num_hidden2, n_fonts]
            W_out = tf.Variable(v1.truncated_normal([width, n_fonts], stddev=1.0 / math.sqrt(n_fonts)))
            b_out = tf.Variable(tf.constant(0.1, shape=[n_fonts]))
            logits = tf.matmul(last, W_out) + b_out
            output_weights = W_out

        y = tf.nn.softmax(logits)
        if as_published:  # the book: the softmax *output* fed as logits, i.e. a double softmax
            cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=y + 1e-50, labels=y_))
        else:
            cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y_))
        train_step = v1.train.GradientDescentOptimizer(learning_rate).minimize(cross_entropy)

        correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
        accuracy = tf.reduce_mean(tf.cast(correct_prediction, "float"))
        init = v1.global_variables_initializer()
    return SimpleNamespace(
        graph=graph,
        x=x,
        y_=y_,
        y=y,
        logits=logits,
        cross_entropy=cross_entropy,
        train_step=train_step,
        accuracy=accuracy,
        init=init,
        input_weights=input_weights,
        output_weights=output_weights,
        layers=layers,
    )


# --- Training: full-batch gradient descent ------------------------------------------------------


def train(net, sess, train_data, test_data, epochs):
    """Full-batch gradient descent, with the accuracy on train and validation before every epoch
    (the book measures every 10th) and after the last, so that the curve ends at the printed final
    accuracy. The train accuracy comes from the training step's own forward pass, so measuring it
    costs nothing. Returns (epochs 0..epochs, train accuracies, validation ones)."""
    (train, onehot_train), (test, onehot_test) = train_data, test_data
    train_acc, test_acc = [], []
    for _ in tqdm(range(epochs), ascii=True, disable=None, desc="epochs"):
        test_acc.append(sess.run(net.accuracy, feed_dict={net.x: test, net.y_: onehot_test}))
        _, accuracy = sess.run([net.train_step, net.accuracy], feed_dict={net.x: train, net.y_: onehot_train})
        train_acc.append(accuracy)  # before this epoch's step: the step and the measure share one pass
    train_acc.append(sess.run(net.accuracy, feed_dict={net.x: train, net.y_: onehot_train}))
    test_acc.append(sess.run(net.accuracy, feed_dict={net.x: test, net.y_: onehot_test}))
    return np.arange(epochs + 1), np.array(train_acc), np.array(test_acc)


# --- Evaluation: the confusion matrix ------------------------------------------------------------


def confusion_matrix(predicted, actual, n=n_fonts):
    """conf[actual, predicted]: how often each font was taken for each other."""
    conf = np.zeros([n, n], dtype=int)
    np.add.at(conf, (actual, predicted), 1)
    return conf


def epochs_text(n):
    """'1 epoch', '25 epochs'."""
    return f"{n} epoch{'' if n == 1 else 's'}"


def run_label(model, as_published=False):
    """A run's name in titles: 'hidden1', or 'hidden1 as published' (the book's double softmax)."""
    return f"{model} as published" if as_published else model


def loss_text(as_published=False):
    return "the book's double-softmax loss" if as_published else "softmax cross-entropy on the logits"


def network_text(layers):
    """'1296-5 network, no hidden layer', '1296-128-32-5 network, sigmoid hidden layers' (build_graph's
    `layers`)."""
    hidden = {2: "no hidden layer", 3: "sigmoid hidden layer"}.get(len(layers), "sigmoid hidden layers")
    return f"{'-'.join(map(str, layers))} network, {hidden}"


# --- Figures ------------------------------------------------------------------------------------


def samples_figure(images):
    """One letter (the same one) in each of the five fonts. The data stores a letter's bottom row
    first (the book draws it with pcolor), hence origin="lower"."""
    plt = files.pyplot()
    fig, plts = plt.subplots(n_fonts, sharex=True, figsize=(2, 8))
    for i in range(n_fonts):
        plts[i].imshow(images[91 + i * 558], cmap=plt.cm.gray_r, origin="lower")  # row 0 is the bottom
        plts[i].set_ylabel(f"font {i}")
        plts[i].set_xticks([])
        plts[i].set_yticks([])
    fig.suptitle("One letter\nin each font")
    return fig


def accuracy_figure(model, steps, train_acc, test_acc, layers=None, as_published=False):
    """Train and validation accuracy at every epoch, the printed final accuracies marked and in the
    legend; the title names the run and its network."""
    plt = files.pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.8))
    for values, colour, name in ((train_acc, "tab:blue", "train"), (test_acc, "tab:red", "validation")):
        ax.plot(steps, values, "-", color=colour, linewidth=1, label=f"{name}, every epoch")
        ax.plot(steps[-1:], values[-1:], "o", color=colour, label=f"{name}, final (printed): {values[-1]:.4f}")
    network = f": {network_text(layers)}" if layers else ""
    ax.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1))
    training = f"accuracy over {epochs_text(steps[-1])}, {loss_text(as_published)}"
    ax.set_title(f"{run_label(model, as_published)}{network}\n{training}")
    ax.legend(loc="best")
    return fig


def confusion_figure(model, conf, as_published=False):
    """The confusion matrix as the printed table: rows actual fonts (font 0 at the top), columns
    predicted fonts (font 0 at the left), the count in each cell."""
    plt = files.pyplot()
    n = len(conf)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    image = ax.imshow(conf, cmap=plt.cm.Blues, origin="upper")  # cell (i, j) centred on x = j, y = i
    fig.colorbar(image, ax=ax, label="letters")
    labels = [f"font {i}" for i in range(n)]
    ax.set_xticks(range(n), labels)
    ax.set_yticks(range(n), labels)
    ax.xaxis.set_ticks_position("top")  # column headings above the matrix, as in the table
    ax.xaxis.set_label_position("top")
    for i in range(n):
        for j in range(n):
            dark = conf[i, j] > conf.max() / 2
            ax.text(j, i, str(conf[i, j]), ha="center", va="center", color="white" if dark else "black")
    ax.set(xlabel="predicted font", ylabel="actual font")
    ax.set_title(f"{run_label(model, as_published)}: confusion matrix (validation, {conf.sum()} letters)", pad=12)
    return fig


def input_weights_figure(model, input_weights, as_published=False):
    """The weights from the 36×36 pixels: one image per font (logistic) or per hidden unit (the
    first 32), all on one colour scale centred on 0 (red positive, blue negative), with its bar."""
    plt = files.pyplot()
    if model == "logistic":
        fig, plts = plt.subplots(1, n_fonts, figsize=(12, 2.9), layout="constrained")
        names, what = [f"font {i}" for i in range(n_fonts)], "each font"
    else:
        fig, plts = plt.subplots(4, 8, sharex=True, sharey=True, figsize=(12, 6.8), layout="constrained")
        names, what = [f"unit {i}" for i in range(32)], "the first 32 hidden units"
    shown = input_weights[:, : len(names)]
    limit = float(np.abs(shown).max()) or 1.0  # one scale for every tile, so that tiles compare
    for ax, column, name in zip(plts.flat, shown.T, names, strict=True):
        letter = column.reshape([36, 36])  # drawn as the letters are: origin="lower"
        image = ax.imshow(letter, origin="lower", cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(name, fontsize=8 if len(names) > n_fonts else None)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=plts, label="weight", shrink=0.9)
    fig.suptitle(f"{run_label(model, as_published)}: input weights of {what}")
    return fig


def output_weights_figure(model, output_weights, as_published=False):
    """The last hidden layer's weights into each font's output, coloured as the input weights."""
    plt = files.pyplot()
    fig, ax = plt.subplots()
    limit = float(np.abs(output_weights).max()) or 1.0
    image = ax.imshow(output_weights, aspect="auto", interpolation="nearest", cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.colorbar(image, ax=ax, label="weight")
    ax.set_xticks(range(n_fonts), [f"font {i}" for i in range(n_fonts)])
    ax.set(xlabel="output (font)", ylabel="hidden unit", title=f"{run_label(model, as_published)}: output weights")
    return fig


def figure_prefix(model, as_published=False):
    """'font_hidden1', or 'font_hidden1_as_published': the two runs' figures are kept side by side."""
    return f"font_{model}_as_published" if as_published else f"font_{model}"


def save_figures(model, as_published, layers, images, history, conf, input_weights, output_weights, folder):
    prefix = figure_prefix(model, as_published)
    figures = {
        "font_samples.png": samples_figure(images),  # the data: the same for every run
        f"{prefix}_accuracy.png": accuracy_figure(model, *history, layers=layers, as_published=as_published),
        f"{prefix}_confusion.png": confusion_figure(model, conf, as_published),
        f"{prefix}_input_weights.png": input_weights_figure(model, input_weights, as_published),
    }
    if output_weights is not None:
        figures[f"{prefix}_output_weights.png"] = output_weights_figure(model, output_weights, as_published)
    return [files.save_figure(fig, folder / name) for name, fig in figures.items()]


# --- Command line -------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=list(MODELS), default="logistic", help="which chapter's model (%(default)s)")
    parser.add_argument("--epochs", type=cli.positive_int, help="training epochs (the book's: 1000 / 5000 / 25000)")
    parser.add_argument("--learning-rate", type=cli.positive_float, help="gradient descent step (the book's per model)")
    parser.add_argument("--as-published", action="store_true", help="the book's double-softmax loss")
    parser.add_argument("--data", type=cli.input_path, default=input_data.FONTS_FILE, help="the font data .npz")
    cli.add_common_flags(  # --seed, --figure-dir, --dry-run
        parser,
        figure_dir=True,
        dry_run_help=f"a quick check: {DRY_RUN['epochs']} epochs, the figures in a temporary folder removed at exit",
    )
    args = parser.parse_args(argv)
    args.epochs = args.epochs or MODELS[args.model]["epochs"]
    if args.dry_run:
        args.epochs, args.figure_dir = min(args.epochs, DRY_RUN["epochs"]), cli.dry_run_folder()
    return args


# --- The chapter: train, report, draw ----------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    train_data, test_data, images = load_and_split(args.data)
    print(f"{len(train_data[0])} training and {len(test_data[0])} validation letters, {n_fonts} fonts")

    net = build_graph(args.model, args.as_published, args.learning_rate, args.seed)
    with tf.compat.v1.Session(graph=net.graph) as sess:
        sess.run(net.init)
        history = train(net, sess, train_data, test_data, args.epochs)
        predicted = sess.run(tf.argmax(net.y, 1), feed_dict={net.x: test_data[0]})
        input_weights = sess.run(net.input_weights)
        output_weights = None if net.output_weights is None else sess.run(net.output_weights)

    _, train_acc, test_acc = history
    conf = confusion_matrix(predicted, test_data[1].argmax(1))
    print(f"\n{args.model}, {epochs_text(args.epochs)}, {loss_text(args.as_published)}")
    print(f"Final accuracy: train {train_acc[-1]:.4f}, validation {test_acc[-1]:.4f}")
    print("Confusion matrix (rows: actual font, columns: predicted font), validation set:")
    print("        " + "".join(f"{j:>6}" for j in range(n_fonts)))
    for i, row in enumerate(conf):
        print(f"font {i} " + "".join(f"{v:>6}" for v in row))
    saved = save_figures(
        args.model, args.as_published, net.layers, images, history, conf, input_weights, output_weights, args.figure_dir
    )
    names = ", ".join(p.name for p in saved) + (" (dry run: removed at exit)" if args.dry_run else "")
    print(f"Figures saved in {files.display_path(args.figure_dir)}: {names}")
    return 0


if __name__ == "__main__":
    cli.run(main)
