"""files.py: atomic writes, folders, paths as the user reads them."""

import os

import pytest

import files
from errors import UsageError


def test_a_write_that_fails_late_is_one_line(tmp_path):
    missing = tmp_path / "gone"
    missing.mkdir()
    seen = missing / "seen.png"
    missing.rmdir()  # the folder vanishes after the flag was checked: the write itself must fail cleanly
    with pytest.raises(UsageError, match="cannot write .*seen.png"):
        with files.atomic_path(seen) as tmp:
            tmp.write_bytes(b"x")
    assert not any(tmp_path.iterdir())


def test_an_interrupted_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "result.txt"
    target.write_text("old\n")
    with pytest.raises(KeyboardInterrupt):
        with files.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise KeyboardInterrupt
    assert target.read_text() == "old\n" and sorted(os.listdir(tmp_path)) == ["result.txt"]


def test_display_path_is_relative_inside_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert files.display_path(tmp_path / "a" / "b.png") == os.path.join("a", "b.png")
    assert files.display_path(tmp_path) == "."
    assert files.display_path("/elsewhere/x.png") == "/elsewhere/x.png"


def test_why_not_writable(tmp_path):
    (tmp_path / "file").write_text("")
    assert files.why_not_writable(tmp_path / "new" / "deeper") is None
    assert "is a file, not a folder" in files.why_not_writable(tmp_path / "file" / "sub")
