"""errors.py: every error a learner can cause is a TutorialError, and cli.run prints each as one line."""

import inspect
import io
import sys

import pytest

from tutorial_kit import cli, errors

ERRORS = [cls for _, cls in inspect.getmembers(errors, inspect.isclass) if cls.__module__ == "tutorial_kit.errors"]


def test_the_error_kinds_are_all_there():
    names = {cls.__name__ for cls in ERRORS}
    assert {"TutorialError", "UsageError", "PathError", "DataError", "ImageError", "CheckpointError"} <= names
    assert {"NoDigitError", "ImageTooLargeError"} <= names


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_every_error_derives_from_tutorial_error(cls):
    assert issubclass(cls, errors.TutorialError) and issubclass(cls, Exception)
    assert cls.__doc__, f"{cls.__name__} says what it is for"


@pytest.mark.parametrize("cls", ERRORS, ids=lambda cls: cls.__name__)
def test_cli_run_prints_each_as_one_line_and_exits_2(cls, monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)

    def main():
        raise cls(f"data/x.npz: a {cls.__name__}; do this")

    with pytest.raises(SystemExit) as exited:
        cli.run(main)
    assert exited.value.code == 2
    assert err.getvalue() == f"error: data/x.npz: a {cls.__name__}; do this\n" and out.getvalue() == ""


def test_a_message_of_several_lines_is_still_printed_as_one(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)

    def main():
        raise errors.DataError("cannot read x.gz (Not a gzipped file\n  at offset 0)\n; restore it")

    with pytest.raises(SystemExit):
        cli.run(main)
    assert err.getvalue() == "error: cannot read x.gz (Not a gzipped file at offset 0) ; restore it\n"
