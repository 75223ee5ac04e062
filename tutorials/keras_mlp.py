"""A Keras multilayer perceptron on MNIST: 784-500-500-500-10 with dropout (the blog post).

    python tutorials/keras_mlp.py              # 20 epochs, as published (test accuracy 0.9812)
    python tutorials/keras_mlp.py --epochs 2   # a quick look
    python tutorials/keras_mlp.py --dry-run    # 1 epoch on 512 images, 500 test images, outputs in a temp folder

The post imports SGD, Adam and RMSprop but never shows which one it compiles with; this uses
RMSprop, the optimizer of the Keras MNIST MLP example of the time, with its default settings. It
trains on all 60,000 training images (main.py's 55,000 + 5,000 split comes from the same loader)
and validates on the 10,000 test images, as the post does.
"""

import argparse
import shutil

from tutorial_kit import cli, files, input_data
from tutorial_kit.quiet_tf import tf  # TensorFlow without its start-up logs and deprecation notices

# --- Parameters (the post's values) --------------------------------------------------------------
n_hidden = 500
dropout_rate = 0.2
batch_size = 128
epochs = 20
n_classes = 10
MODEL_FIGURE = "keras_mlp_model.png"
DRY_RUN = {"limit": 512, "test_limit": 500, "epochs": 1}  # --dry-run: the same code on a handful


# --- The data -----------------------------------------------------------------------------------


def load_data(data_dir=input_data.MNIST_DIR, limit=None, test_limit=None):
    """MNIST as N×784 float32 in [0, 1] with one-hot labels: all 60,000 training images
    (validation_size=0: the same loader as main.py's 55,000 + 5,000)."""
    mnist = input_data.read_data_sets(data_dir, one_hot=True, validation_size=0)
    train, test = mnist.train, mnist.test
    return (train.images[:limit], train.labels[:limit]), (test.images[:test_limit], test.labels[:test_limit])


# --- The model: 784-500-500-500-10 with dropout -------------------------------------------------


def build_model():
    layers = tf.keras.layers
    model = tf.keras.models.Sequential([tf.keras.Input(shape=(784,))])
    for _ in range(3):
        model.add(layers.Dense(n_hidden, activation="relu"))
        model.add(layers.Dropout(dropout_rate))
    model.add(layers.Dense(n_classes, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=tf.keras.optimizers.RMSprop(), metrics=["accuracy"])
    return model


def draw_model(model, path, dry_run=False):
    """The post's plot_model figure, when pydot and Graphviz are installed; otherwise a note."""
    try:
        import pydot  # noqa: F401 - imported here, not at the top: it is optional, not a requirement
    except ImportError:
        return "Note: drawing the model needs pydot and Graphviz (pip install pydot; apt install graphviz); skipped."
    if shutil.which("dot") is None:
        return "Note: drawing the model needs Graphviz's 'dot' program (e.g. apt install graphviz); skipped."
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tf.keras.utils.plot_model(model, to_file=str(path), show_shapes=True)
    except (ImportError, OSError) as exc:
        return f"Note: could not draw the model ({exc}); skipped."
    return f"Model drawing saved to {files.display_path(path)}" + (" (dry run: removed at exit)" if dry_run else "")


# --- Command line -------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_common_flags(parser, epochs=epochs, limit=True, data_dir=input_data.MNIST_DIR, figure_dir=True)
    args = parser.parse_args(argv)
    args.test_limit = None
    if args.dry_run:
        args.limit, args.test_limit = min(args.limit or DRY_RUN["limit"], DRY_RUN["limit"]), DRY_RUN["test_limit"]
        args.epochs, args.figure_dir = DRY_RUN["epochs"], cli.dry_run_folder()
    return args


# --- Training and the test score ----------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_data(args.data_dir, args.limit, args.test_limit)
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")

    if args.seed is not None:
        tf.keras.utils.set_random_seed(args.seed)
    model = build_model()
    model.summary()
    print(draw_model(model, args.figure_dir / MODEL_FIGURE, args.dry_run))

    model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=args.epochs,
        validation_data=(x_test, y_test),
        verbose=cli.keras_verbosity(),
    )
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test score:", score[0])
    print("Test accuracy:", score[1])
    return 0


if __name__ == "__main__":
    cli.run(main)
