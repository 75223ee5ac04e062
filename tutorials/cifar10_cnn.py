"""A CNN on CIFAR-10 — "TensorFlow in Action", chapter 4 (convolutional networks).

    python tutorials/cifar10_cnn.py --data-dir ~/Downloads/cifar-10-python.tar.gz  # listing 4.3, 25 epochs
    python tutorials/cifar10_cnn.py --listing 4.2   # the text's first CNN, and why it cannot be built
    python tutorials/cifar10_cnn.py --exercise      # exercise 2: an output shape for a 64×64×3 input

CIFAR-10 (170 MB) is not shipped: without --data-dir it is downloaded once by
keras.datasets.cifar10 into ~/.keras/datasets. The book reports training accuracy only (0.7227
after 25 epochs); the test accuracy is printed too.
"""

from pathlib import Path

import cli
import input_data
from quiet_tf import tf  # TensorFlow without its start-up logs and deprecation notices

# Parameters (the book's values)
batch_size = 32
epochs = 25
n_classes = 10
input_size = 32  # CIFAR-10 images are 32×32×3

# Listing 4.2's convolutions: (filters, kernel, stride), all 'valid' padding
LISTING_4_2 = [(16, 9, 2), (32, 7, 1), (64, 7, 1)]


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


def format_data(x, y):
    """Images to float32, labels to one-hot vectors of depth 10 (the book's map function)."""
    return tf.cast(x, "float32"), tf.one_hot(y, depth=n_classes)


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


def make_dataset(x, y, shuffle=False, seed=None):
    data = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        data = data.shuffle(len(x), seed=seed)
    return data.map(format_data).batch(batch_size)


def parse_args(argv=None):
    parser = cli.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="cifar-10-python.tar.gz or its extracted cifar-10-batches-py")
    cli.add_common_flags(parser, epochs=epochs, limit=True)
    parser.add_argument("--listing", choices=["4.2", "4.3"], default="4.3", help="which listing (%(default)s)")
    parser.add_argument("--exercise", action="store_true", help="print exercise 2's output shape")
    return parser.parse_args(argv)


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

    (x_train, y_train), (x_test, y_test) = input_data.load_cifar10(args.data_dir)
    x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    print(f"CIFAR-10: {len(x_train)} training and {len(x_test)} test images")

    if args.seed is not None:
        tf.keras.utils.set_random_seed(args.seed)
    tr_data = make_dataset(x_train, y_train, shuffle=True, seed=args.seed)
    te_data = make_dataset(x_test, y_test)
    model = build_listing_4_3()
    model.summary()
    history = model.fit(tr_data, epochs=args.epochs, verbose=cli.keras_verbosity())
    test_loss, test_acc = model.evaluate(te_data, verbose=0)
    print(
        f"\nTraining accuracy after {args.epochs} epochs: {history.history['acc'][-1]:.4f} (the book: 0.7227 after 25)"
    )
    print(f"Test accuracy: {test_acc:.4f} (test loss {test_loss:.4f})")
    return 0


if __name__ == "__main__":
    cli.run(main)
