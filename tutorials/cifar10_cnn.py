"""A CNN on CIFAR-10 — "TensorFlow in Action", chapter 4 (convolutional networks).

    python tutorials/cifar10_cnn.py --data-dir ~/Downloads/cifar-10-python.tar.gz  # listing 4.3, 25 epochs
    python tutorials/cifar10_cnn.py --listing 4.2   # the text's first CNN, and why it cannot be built
    python tutorials/cifar10_cnn.py --exercise      # exercise 2: an output shape for a 64×64×3 input
    python tutorials/cifar10_cnn.py --dry-run       # 1 epoch on a tiny generated dataset: a quick check

CIFAR-10 (170 MB) is not shipped: without --data-dir it is downloaded once by
keras.datasets.cifar10 into ~/.keras/datasets. The book reports training accuracy only (0.7227
after 25 epochs); the test accuracy is printed too. --dry-run needs no download: it writes a tiny
CIFAR-format dataset (five training batches and a test batch of 8 random images each) into a
temporary folder and reads it with the same loader (with --data-dir, it takes the first 64 images
of your copy instead).
"""

import argparse
import pickle
import tarfile
from pathlib import Path

import numpy as np

from tutorial_kit import cli, errors, files, input_data
from tutorial_kit.quiet_tf import tf  # TensorFlow without its start-up logs and deprecation notices

# --- Parameters (the book's values) -------------------------------------------------------------
batch_size = 32
epochs = 25
n_classes = 10
input_size = 32  # CIFAR-10 images are 32×32×3

# Listing 4.2's convolutions: (filters, kernel, stride), all 'valid' padding
LISTING_4_2 = [(16, 9, 2), (32, 7, 1), (64, 7, 1)]
DRY_RUN = {"per_batch": 8, "limit": 64, "epochs": 1}  # --dry-run: the same code on a handful


# --- Listing 4.2: why the first CNN cannot be built ---------------------------------------------


def conv_output_size(n, kernel, stride=1, padding="valid"):
    """The text's formula: a 'valid' convolution turns size n into floor((n - k) / s) + 1
    (and nothing at all once the kernel no longer fits); 'same' into ceil(n / s)."""
    if padding == "same":
        return -(-n // stride)
    return max(0, (n - kernel) // stride + 1)


def listing_4_2_sizes(n=input_size):
    sizes = [n]
    for _, kernel, stride in LISTING_4_2:
        sizes.append(conv_output_size(sizes[-1], kernel, stride))
    return sizes


def show_listing_4_2():
    """Try to build listing 4.2 and explain, instead of a traceback, why it fails."""
    sizes = listing_4_2_sizes()
    try:
        build_listing_4_2()
        keras_says = "Keras built it (unexpectedly)"
    except ValueError as exc:
        keras_says = f"Keras refuses: {str(exc).strip().splitlines()[0]}"
    print("Listing 4.2 cannot work on 32×32 CIFAR-10 images.")
    print(keras_says)
    print("Why: a 'valid' convolution with kernel k and stride s turns an n×n input into")
    print("floor((n - k) / s) + 1 on each side:")
    print(f"  input                  {sizes[0]}×{sizes[0]}")
    for (filters, kernel, stride), before, after in zip(LISTING_4_2, sizes[:-1], sizes[1:], strict=True):
        note = f"   <- a {kernel}×{kernel} kernel does not fit in {before}×{before}" if after == 0 else ""
        print(f"  conv {kernel}×{kernel} stride {stride:<2}  -> {after}×{after}×{filters}{note}")
    print("Listing 4.3 fixes it with small 3×3 kernels, 'same' padding and pooling (the default run).")


# --- The data: CIFAR-10 as a tf.data pipeline ---------------------------------------------------


def format_data(x, y):
    """Images to float32, labels to one-hot vectors of depth 10 (the book's map function)."""
    return tf.cast(x, "float32"), tf.one_hot(y, depth=n_classes)


def make_dataset(x, y, shuffle=False, seed=None):
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        data = data.shuffle(len(x), seed=seed)
    return data.map(format_data).batch(batch_size)


# --- --dry-run's data: a tiny CIFAR-10 of random images --------------------------------------


def write_tiny_cifar(folder, per_batch=DRY_RUN["per_batch"], seed=0):
    """A tiny dataset in CIFAR-10's python format (for --dry-run): a `cifar-10-batches-py` folder of
    pickled dicts, b'data' N×3072 uint8 (channels first) and b'labels'. Returns the folder."""
    rng = np.random.default_rng(seed)
    folder = Path(folder) / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    for name in input_data.CIFAR_BATCHES:
        data = rng.integers(0, 256, (per_batch, 3 * input_size * input_size), dtype=np.uint8)
        labels = rng.integers(0, n_classes, per_batch).tolist()
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": labels, b"batch_label": name.encode()}, f)
    return folder


# --- The models ---------------------------------------------------------------------------------


def build_listing_4_2():
    layers = tf.keras.layers
    model = tf.keras.models.Sequential([tf.keras.Input(shape=(input_size, input_size, 3))])
    for filters, kernel, stride in LISTING_4_2:
        model.add(
            layers.Conv2D(filters, (kernel, kernel), strides=(stride, stride), activation="relu", padding="valid")
        )
    model.add(layers.Flatten())
    model.add(layers.Dense(n_classes, activation="softmax"))
    return model


def build_listing_4_3():
    layers = tf.keras.layers
    model = tf.keras.models.Sequential(
        [
            tf.keras.Input(shape=(input_size, input_size, 3)),
            layers.Conv2D(16, (3, 3), strides=(2, 2), activation="relu", padding="same"),
            layers.MaxPool2D(),
            layers.Conv2D(32, (3, 3), activation="relu", padding="same"),
            layers.MaxPool2D(),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["acc"])
    return model


def build_exercise_model():
    """Exercise 2's network, as reconstructed here (the exercise text was not at hand): a 5×5
    stride-2 'same' convolution of 16, a 2×2 max-pool, a 3×3 'valid' convolution of 32, flatten."""
    layers = tf.keras.layers
    return tf.keras.models.Sequential(
        [
            tf.keras.Input(shape=(64, 64, 3)),
            layers.Conv2D(16, (5, 5), strides=(2, 2), padding="same"),
            layers.MaxPool2D((2, 2)),
            layers.Conv2D(32, (3, 3), padding="valid"),
            layers.Flatten(),
        ]
    )


# --- Command line -------------------------------------------------------------------------------


def _is_tar(path):
    try:
        return tarfile.is_tarfile(path)
    except OSError:  # unreadable: the loader says so, naming the file
        return True


def cifar_path(text):
    """--data-dir: a folder, or a tar archive such as cifar-10-python.tar.gz (checked before any work)."""
    path = cli.input_path(text)
    try:
        found = files.kind(path)
    except errors.PathError as exc:  # a loop of symbolic links, a folder the user may not search
        raise argparse.ArgumentTypeError(str(exc)) from None
    if found not in ("file", "folder", "missing", "broken link"):  # a pipe would hang tarfile
        raise argparse.ArgumentTypeError(
            f"{text} is {files.what(found)}; give cifar-10-python.tar.gz or its extracted cifar-10-batches-py folder"
        )
    if found == "file" and not _is_tar(path):
        raise argparse.ArgumentTypeError(
            f"{text} is neither a folder nor a tar archive; give cifar-10-python.tar.gz or its extracted "
            "cifar-10-batches-py folder"
        )
    return path


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data-dir", type=cifar_path, help="cifar-10-python.tar.gz or its extracted cifar-10-batches-py folder"
    )
    cli.add_common_flags(
        parser,
        epochs=epochs,
        limit=True,
        dry_run_help=f"a quick check: {DRY_RUN['epochs']} epoch on a tiny generated dataset (in a temporary folder "
        f"removed at exit), no download; with --data-dir, on the first {DRY_RUN['limit']} images of your copy",
    )
    parser.add_argument("--listing", choices=["4.2", "4.3"], default="4.3", help="which listing (%(default)s)")
    parser.add_argument("--exercise", action="store_true", help="print exercise 2's output shape")
    args = parser.parse_args(argv)
    if args.dry_run:
        args.limit, args.epochs = min(args.limit or DRY_RUN["limit"], DRY_RUN["limit"]), DRY_RUN["epochs"]
    return args


# --- Listing 4.3: training and the test accuracy ------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    if args.listing == "4.2":
        show_listing_4_2()
        return 0
    if args.exercise:
        model = build_exercise_model()
        model.summary()
        print("Exercise 2: output shape for a 64×64×3 input:", model.output_shape)
        return 0

    data_dir = args.data_dir
    if args.dry_run and data_dir is None:
        data_dir = write_tiny_cifar(cli.dry_run_folder())
    (x_train, y_train), (x_test, y_test) = input_data.load_cifar10(data_dir)
    x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    if args.dry_run:
        x_test, y_test = x_test[: args.limit], y_test[: args.limit]
    source = " (dry run: a tiny generated dataset of random images)" if data_dir != args.data_dir else ""
    print(f"CIFAR-10{source}: {len(x_train)} training and {len(x_test)} test images")

    if args.seed is not None:
        tf.keras.utils.set_random_seed(args.seed)
    tr_data = make_dataset(x_train, y_train, shuffle=True, seed=args.seed)
    te_data = make_dataset(x_test, y_test)
    model = build_listing_4_3()
    model.summary()
    history = model.fit(tr_data, epochs=args.epochs, verbose=cli.keras_verbosity())
    test_loss, test_acc = model.evaluate(te_data, verbose=0)
    trained = f"{args.epochs} epoch{'s' if args.epochs > 1 else ''}"
    print(f"\nTraining accuracy after {trained}: {history.history['acc'][-1]:.4f} (the book: 0.7227 after 25)")
    print(f"Test accuracy: {test_acc:.4f} (test loss {test_loss:.4f})")
    return 0


if __name__ == "__main__":
    cli.run(main)
