"""main.py's trained network as NumPy arrays: Step 6 without TensorFlow (--predict, draw.py).

Importing TensorFlow takes about 3 s, more than half of a whole training run, while answering for
a saved model takes Step 4's four matrix products. So checkpoints.save writes the weights and
biases beside TensorFlow's files (weights.npz), and a saved model predicts here, in NumPy, with
the same layers; tests check its probabilities against the session's. A model saved before this
file existed is restored into a TensorFlow graph as before (main.load_or_train).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

from tutorial_kit.files import read_file

FILE = "weights.npz"


class Damaged(Exception):
    """weights.npz cannot be read as the network's arrays (cut short, changed, other sizes)."""


class SavedNetwork(NamedTuple):
    """The layers' weights and biases (first hidden layer to output), and whether it is the
    article's linear network (--as-published: no activation, erratum 1)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    as_published: bool

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Ten probabilities for each row of 784 pixels (or 28×28): Step 4's layers, keep_prob 1."""
        layer = np.reshape(images, (-1, self.weights[0].shape[0])).astype(np.float32)
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            layer = layer @ w + b
            if not self.as_published:
                layer = np.maximum(layer, 0)  # ReLU
        output_layer = layer @ self.weights[-1] + self.biases[-1]
        exp = np.exp(output_layer - output_layer.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)


def write(folder: Path, weights: list[np.ndarray], biases: list[np.ndarray]) -> None:
    """weights.npz in a model folder being saved (checkpoints.save)."""
    arrays = {f"w{i}": w for i, w in enumerate(weights)} | {f"b{i}": b for i, b in enumerate(biases)}
    with open(folder / FILE, "wb") as file:
        np.savez(file, **arrays)


def load(folder: Path, arch: dict) -> SavedNetwork | None:
    """The network saved in `folder` for the manifest's `arch`; None when the folder has no
    weights.npz (an older model). Raises PathError (unreadable) or Damaged."""
    path = folder / FILE
    if not path.exists():
        return None
    layers = arch["layers"]
    shapes = list(zip(layers, layers[1:], strict=False))
    try:
        with np.load(io.BytesIO(read_file(path)), allow_pickle=False) as arrays:  # the zip's checksums are checked
            weights = [arrays[f"w{i}"] for i in range(len(shapes))]
            biases = [arrays[f"b{i}"] for i in range(len(shapes))]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise Damaged(path) from exc
    if [w.shape for w in weights] != shapes or [b.shape for b in biases] != [(n,) for _, n in shapes]:
        raise Damaged(path)
    return SavedNetwork(weights, biases, bool(arch["as_published"]))
