"""tutorials/keras_mlp.py: the post's 784-500-500-500-10 MLP, its data, a short run, Ctrl-C."""

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np

from helpers import ROOT, SCRIPT_ENV, TUTORIALS, run_script
from tutorial_kit import files
from tutorials import keras_mlp


def test_mlp_has_the_posts_898510_parameters():
    model = keras_mlp.build_model()
    assert model.count_params() == 898_510
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout"] * 3 + ["Dense"]
    assert type(model.optimizer).__name__ == "RMSprop"


def test_mlp_uses_all_60000_training_images():
    (x_train, y_train), (x_test, y_test) = keras_mlp.load_data()
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and x_train.max() == 1.0
    assert y_train.shape == (60000, 10) and y_train[:3].argmax(1).tolist() == [5, 0, 4]


def test_mlp_short_run(tmp_path):
    result = run_script(
        TUTORIALS / "keras_mlp.py", "--epochs", "1", "--limit", "12000", "--seed", "0", "--figure-dir", tmp_path
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert "Total params: 898,510" in result.stdout
    accuracy = float(re.search(r"^Test accuracy: (\S+)", result.stdout, flags=re.M).group(1))
    assert accuracy >= 0.90  # one epoch of 12,000 images; the full 20 epochs reach about 0.98
    assert re.search(r"^Test score: \d\.\d+", result.stdout, flags=re.M)
    drawn = (tmp_path / keras_mlp.MODEL_FIGURE).exists()
    assert drawn or "Note: drawing the model needs" in result.stdout


def test_dry_run_says_its_drawing_is_removed(monkeypatch, capsys):
    """--dry-run said "Model drawing saved to <temporary folder>", a file removed at exit. pydot and
    Graphviz are optional, so both are stood in for here; the drawing is a file written by the stand-in."""
    drawn = []

    def plot_model(model, to_file, show_shapes):
        Path(to_file).write_bytes(b"PNG")
        drawn.append(Path(to_file))

    monkeypatch.setitem(sys.modules, "pydot", types.ModuleType("pydot"))
    monkeypatch.setattr(shutil, "which", lambda name: name)
    monkeypatch.setattr(keras_mlp.tf.keras.utils, "plot_model", plot_model)
    assert keras_mlp.main(["--dry-run", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert len(drawn) == 1 and drawn[0].name == keras_mlp.MODEL_FIGURE
    assert f"Model drawing saved to {files.display_path(drawn[0])} (dry run: removed at exit)\n" in out


def read_until(fd, pattern, seconds):
    """Read a pty until `pattern` appears (or the child closes it, or `seconds` pass)."""
    text, deadline = b"", time.monotonic() + seconds
    while not re.search(pattern, text) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            text += chunk
    return text


def test_ctrl_c_during_the_progress_bar_starts_its_error_on_a_new_line(tmp_path):
    """On a terminal Keras redraws its progress bar with \\r and no newline; Ctrl-C's `error:` used to
    be glued to the end of the bar. Stdout and stderr share one pseudo-terminal, as in a shell."""
    controller, terminal = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, str(TUTORIALS / "keras_mlp.py"), "--epochs", "3", "--figure-dir", str(tmp_path)],
        cwd=ROOT,
        env=SCRIPT_ENV,
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
    )
    os.close(terminal)
    try:
        seen = read_until(controller, rb"\d+/469", 120)  # the first progress bar of epoch 1
        assert re.search(rb"\d+/469", seen), seen[-500:]
        child.send_signal(signal.SIGINT)
        seen += read_until(controller, rb"error: [^\r\n]*\r?\n", 60)
        assert child.wait(timeout=60) == 130
    finally:
        if child.poll() is None:
            child.kill()
        os.close(controller)
    text = seen.decode("utf-8", "replace")
    assert "error: interrupted (Ctrl-C)" in text, text[-500:]
    before = text[: text.index("error: ")]
    assert before.endswith("\n"), repr(before[-200:])  # the bar's line was ended first
    assert "Traceback" not in text
