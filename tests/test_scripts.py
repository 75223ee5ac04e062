"""Every script and every mode, run as a user would with --dry-run: exit 0, nothing on stderr,
and the lines that show the chapter ran (a handful of examples and steps, outputs in a temporary
folder). A new script or mode joins by one line in SCRIPTS.
"""

import re

import pytest

from helpers import MAIN, ROOT, TUTORIALS, run_script

T = TUTORIALS
FLOAT = r"\d+\.\d+"
KERAS_EPOCH = r"^\d+/\d+ - .*loss: " + FLOAT  # Keras' one line per epoch when the output is not a terminal

# (script, its flags besides --dry-run, regexes each matching a line of the output)
SCRIPTS = [
    (
        MAIN,
        [],
        [
            r"^Iteration 0\s+\| Loss = ",
            rf"^Accuracy on test set: {FLOAT}$",
            r"^Dry run: the model was saved in a temporary folder, removed at exit",  # not "try your own digit"
            r"^Prediction for test image: \d",
        ],
    ),
    (MAIN, ["--as-published"], [r"^Iteration 0\s+\| Loss = ", rf"^Accuracy on test set: {FLOAT}$"]),
    (
        MAIN,
        ["--predict", "test_img.png"],
        [rf"^Accuracy on test set: {FLOAT}$", r"^Prediction for \S*test_img\.png: \d"],
    ),
    (T / "activations.py", [], [r"^  sqx2  = \[", r"^  n1    = \[", r"^Figure saved to .*activations\.png"]),
    (
        T / "keras_mlp.py",
        [],
        [r"^512 train samples$", r"^ ?Total params: 898,510", KERAS_EPOCH, rf"^Test accuracy: {FLOAT}"],
    ),
    (
        T / "denoising_autoencoder.py",
        [],
        [r"Total params: 105,392", KERAS_EPOCH, rf"^Training loss: {FLOAT} after 1 epoch$", r"^  restored +\d"],
    ),
    (T / "denoising_autoencoder.py", ["--exercise"], [r"Total params: 25,648"]),
    (
        T / "mnist_cnn.py",
        [],
        [r"^Step=0, Train loss=\d", r"Inferenced numbers$", rf"^Accuracy on .* test images: {FLOAT}"],
    ),
    (T / "mnist_cnn.py", ["--as-published"], [r"^Step=0, Train loss=\d", rf"^Accuracy on .* test images: {FLOAT}"]),
    (  # the default is listing 4.3; without --data-dir, a tiny generated dataset read by the real loader
        T / "cifar10_cnn.py",
        ["--listing", "4.3"],
        [r"^CIFAR-10 \(dry run: .*\): 40 training and 8 test images$", KERAS_EPOCH, rf"^Test accuracy: {FLOAT}"],
    ),
    (T / "cifar10_cnn.py", ["--listing", "4.2"], [r"^Keras refuses", r"-> 0×0×64"]),
    (T / "cifar10_cnn.py", ["--exercise"], [r"^Exercise 2: output shape for a 64×64×3 input: \(None, 6272\)$"]),
    *[
        (T / "font_classifier.py", ["--model", model, *published], [rf"^{model}, 20 epochs, {loss}", r"^font 4 "])
        for model in ("logistic", "hidden1", "hidden2")
        for published, loss in (([], "softmax cross-entropy"), (["--as-published"], "the book's double-softmax"))
        if model == "hidden1" or not published  # --as-published once: it changes the loss, not the model
    ],
    (T / "numpy_network.py", [], [r"max relative error: ", r"^Object model on the 8-3-8", r"^Final error rate "]),
    (T / "numpy_network.py", ["--part", "gradcheck"], [r"^Gradient check, vectorised model", r"max relative error"]),
    (T / "numpy_network.py", ["--part", "object"], [r"^Object model on the 8-3-8 identity problem \(200 epochs"]),
    (
        T / "numpy_network.py",
        ["--part", "mnist"],
        [r"^MNIST, vectorised 784-300-10, 200 training images", r"^Final error"],
    ),
]


@pytest.mark.parametrize(
    "script,flags,expected", SCRIPTS, ids=[f"{s.name} {' '.join(f)}".strip() for s, f, _ in SCRIPTS]
)
def test_dry_run(script, flags, expected):
    before = repository_outputs()
    result = run_script(script, *flags, "--dry-run", timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for pattern in expected:
        assert re.search(pattern, result.stdout, flags=re.M), (pattern, result.stdout[-2000:])
    assert "Traceback" not in result.stdout
    assert repository_outputs() == before  # a dry run writes only into its temporary folder


def repository_outputs():
    """Every file (and its modification time) where the scripts write by default."""
    return {
        path: path.stat().st_mtime_ns
        for folder in (ROOT / "figures", ROOT / "checkpoints")
        if folder.is_dir()
        for path in folder.rglob("*")
    }
