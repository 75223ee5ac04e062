"""Denoising autoencoder on MNIST — "TensorFlow in Action", chapter 4 (fully connected networks).

    python tutorials/denoising_autoencoder.py             # 10 epochs, as the book
    python tutorials/denoising_autoencoder.py --exercise  # exercise 1: a 512-vector autoencoder
    python tutorials/denoising_autoencoder.py --dry-run   # 1 epoch on 256 images, figure in a temp folder

Images are normalised to [-1, 1], half of their pixels are zeroed by a binomial mask, and a
784-64-32-64-784 network learns to restore the clean image. The book's evaluation masks ten images
and then feeds the *unmasked* training set to `predict`, so its figure shows nothing restored; here
the ten masked images are restored and drawn (fewer with --limit under 10), and the test-set error
is reported too.
"""

import argparse

import numpy as np

from tutorial_kit import cli, files, input_data
from tutorial_kit.quiet_tf import tf  # TensorFlow without its start-up logs and deprecation notices

# --- Parameters (the book's values) -------------------------------------------------------------
p = 0.5  # probability of keeping a pixel
batch_size = 64
epochs = 10
evaluation_seed = 2048  # the seed the book masks its ten images with
n_shown = 10  # images in the book's figure
FIGURE = "denoising_autoencoder.png"
DRY_RUN = {"limit": 256, "test_limit": 500, "epochs": 1}  # --dry-run: the same code on a handful


# --- The data: normalised, then corrupted by a binomial mask -------------------------------------


def normalise(x):
    """[0, 255] → [-1, 1): (x - 128) / 128, flattened to 784."""
    return ((x.astype(np.float32) - 128.0) / 128.0).reshape(len(x), -1)


def generate_masked_inputs(x, p, seed=None):
    """Zero each pixel with probability 1 - p (a binomial mask, as the book)."""
    rng = np.random.default_rng(seed)
    mask = rng.binomial(n=1, p=p, size=x.shape).astype("float32")
    return x * mask


# --- The model: 784-64-32-64-784 ---------------------------------------------------------------


def build_autoencoder():
    layers, models = tf.keras.layers, tf.keras.models
    autoencoder = models.Sequential(
        [
            tf.keras.Input(shape=(784,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(784, activation="tanh"),
        ]
    )
    autoencoder.compile(loss="mse", optimizer="adam")
    return autoencoder


def build_exercise_autoencoder():
    """Exercise 1: an autoencoder for a 512-long vector, 32 → 16 → 512, all sigmoid."""
    layers = tf.keras.layers
    return tf.keras.models.Sequential(
        [
            tf.keras.Input(shape=(512,)),
            layers.Dense(32, activation="sigmoid"),
            layers.Dense(16, activation="sigmoid"),
            layers.Dense(512, activation="sigmoid"),
        ]
    )


# --- Evaluation: the book's figure and the test-set error --------------------------------------


def plot_restorations(masked, restored, original, path):
    """Three rows (corrupted inputs, the autoencoder's restorations, the originals), one column per image."""
    plt = files.pyplot()
    n = len(original)
    fig, axes = plt.subplots(3, n, figsize=(1.2 * max(n, 4), 4), squeeze=False)
    for row, (title, images) in enumerate([("corrupted", masked), ("restored", restored), ("original", original)]):
        for col in range(n):
            ax = axes[row, col]
            ax.imshow(images[col].reshape(28, 28), cmap="gray", vmin=-1, vmax=1)
            ax.axis("off")
        axes[row, 0].set_title(title, loc="left", fontsize=10)
    fig.suptitle(f"Denoising autoencoder: {n} training images, half their pixels masked (p = {p})")
    return files.save_figure(fig, path)


def describe_loss(losses):
    """The training loss, first and last epoch; one number after a single epoch."""
    if len(losses) == 1:
        return f"Training loss: {losses[0]:.4f} after 1 epoch"
    return f"Training loss: {losses[0]:.4f} after epoch 1 -> {losses[-1]:.4f} after epoch {len(losses)}"


# --- Command line -------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli.add_common_flags(parser, epochs=epochs, limit=True, data_dir=input_data.MNIST_DIR, figure_dir=True)
    parser.add_argument("--exercise", action="store_true", help="build exercise 1's model and print its summary")
    args = parser.parse_args(argv)
    args.test_limit = None
    if args.dry_run:
        args.limit, args.test_limit = min(args.limit or DRY_RUN["limit"], DRY_RUN["limit"]), DRY_RUN["test_limit"]
        args.epochs, args.figure_dir = DRY_RUN["epochs"], cli.dry_run_folder()
    return args


# --- The chapter: train on masked images, restore, measure ------------------------------------


def main(argv=None):
    args = parse_args(argv)
    if args.exercise:
        build_exercise_autoencoder().summary()
        return 0

    (x_train, _), (x_test, _) = input_data.load_mnist(args.data_dir)  # the labels are not used
    x_train, x_test = x_train[: args.limit], x_test[: args.test_limit]
    norm_x_train, norm_x_test = normalise(x_train), normalise(x_test)
    masked_x_train = generate_masked_inputs(norm_x_train, p, seed=args.seed)

    if args.seed is not None:
        tf.keras.utils.set_random_seed(args.seed)
    autoencoder = build_autoencoder()
    autoencoder.summary()
    history = autoencoder.fit(
        masked_x_train, norm_x_train, batch_size=batch_size, epochs=args.epochs, verbose=cli.keras_verbosity()
    )

    # The book's figure: ten images masked with seed 2048 — restored from the masked versions
    # (the book passes the unmasked training set to predict, so nothing was ever restored).
    x_sample = norm_x_train[:n_shown]  # fewer when --limit is under ten
    masked_sample = generate_masked_inputs(x_sample, p, seed=evaluation_seed)
    restored_sample = autoencoder.predict(masked_sample, verbose=0)
    figure = plot_restorations(masked_sample, restored_sample, x_sample, args.figure_dir / FIGURE)

    masked_x_test = generate_masked_inputs(norm_x_test, p, seed=evaluation_seed)
    restored_x_test = autoencoder.predict(masked_x_test, batch_size=1024, verbose=0)
    losses = history.history["loss"]
    print(f"\n{describe_loss(losses)}")
    print(f"Test set MSE against the clean images ({len(x_test)} images, p = {p}):")
    print(f"  masked input   {np.mean((masked_x_test - norm_x_test) ** 2):.4f}")
    print(f"  restored       {np.mean((restored_x_test - norm_x_test) ** 2):.4f}")
    removed = " (dry run: removed at exit)" if args.dry_run else ""
    print(f"Figure (corrupted / restored / original) saved to {files.display_path(figure)}{removed}")
    return 0


if __name__ == "__main__":
    cli.run(main)
