"""cli.py: flag types and `run`'s exit statuses."""

import argparse
import io
import sys

import pytest

import cli
from errors import DataError


@pytest.mark.parametrize("text", ["-1", "4294967296", "1.5", "ten", ""])
def test_seed_rejects_what_numpy_and_keras_would_crash_on(text):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.seed(text)
    assert cli.seed("0") == 0 and cli.seed("4294967295") == 2**32 - 1


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "-inf", "x", ""])
def test_positive_float(text):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.positive_float(text)


def run(main, monkeypatch, tty=False, **kwargs):
    out, err = io.StringIO(), io.StringIO()
    out.isatty = lambda: tty
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with pytest.raises(SystemExit) as exit_info:
        cli.run(main, **kwargs)
    return exit_info.value.code, out.getvalue(), err.getvalue()


def test_run_turns_errors_into_one_line_and_exit_2(monkeypatch):
    def main():
        raise DataError("MNIST_data/x.gz is missing; restore it")

    assert run(main, monkeypatch) == (2, "", "error: MNIST_data/x.gz is missing; restore it\n")


def test_ctrl_c_exits_130_and_asks_what_was_saved_at_that_moment(monkeypatch):
    saved = []

    def main():
        saved.append("model-1")
        raise KeyboardInterrupt

    status, out, err = run(main, monkeypatch, interrupted=lambda: f"the new model was saved in {saved[-1]}")
    assert status == 130 and err == "error: interrupted (Ctrl-C); the new model was saved in model-1\n"
    assert out == ""


def test_ctrl_c_on_a_terminal_ends_the_progress_bar_line_first(monkeypatch):
    def main():
        print("12/469 ━━━━━━━━ 3s - loss: 0.42", end="")  # a Keras progress bar, mid-line
        raise KeyboardInterrupt

    status, out, err = run(main, monkeypatch, tty=True)
    assert status == 130 and out.endswith("loss: 0.42\n") and err.startswith("error: interrupted")
