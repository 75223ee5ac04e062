"""files.py: atomic writes, folders, paths as the user reads them, paths that cannot be looked at."""

import os
import subprocess
import sys

import pytest

from helpers import assert_one_line_error, needs_setpriv, run_without_root
from tutorial_kit import files
from tutorial_kit.errors import PathError, UsageError


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


# --- paths that cannot be looked at: loops, pipes, folders the user may not search -------------


def test_kind_says_what_is_at_a_path(odd_paths):
    assert files.kind("notes.txt") == "file" and files.kind(".") == "folder"
    assert files.kind("fifo.png") == "pipe" and files.kind("/dev/null") == "device"
    assert files.kind("dangling.png") == "broken link" and files.kind("new/deeper") == "missing"
    for path in ("loopd", "loopd/sub/x.png"):  # Path.resolve() raised RuntimeError, Path.exists() said False
        with pytest.raises(PathError, match=r"^loopd is a loop of symbolic links$"):
            files.kind(path)
    with pytest.raises(PathError, match=r"^notes\.txt is a file, not a folder$"):
        files.kind("notes.txt/x.png")


def test_why_not_writable_names_loops_pipes_and_files(odd_paths):
    assert files.why_not_writable(odd_paths / "new" / "deeper") is None
    assert files.why_not_writable("loopd") == "loopd is a loop of symbolic links"
    assert files.why_not_writable("loopd/sub") == "loopd is a loop of symbolic links"
    assert files.why_not_writable("fifo.png") == "fifo.png is a pipe, not a folder"
    assert files.why_not_writable("notes.txt/sub/deeper") == "notes.txt is a file, not a folder"
    with pytest.raises(UsageError, match="loopd is a loop of symbolic links"):
        files.make_folder("loopd/sub")


def test_read_file_refuses_what_is_not_a_regular_file(odd_paths):
    assert files.read_file("notes.txt") == b"mine\n"
    for path, message in [
        ("fifo.png", r"^cannot read fifo\.png: it is a pipe, not a regular file$"),
        (".", r"^cannot read \.: it is a folder, not a regular file$"),
        ("/dev/null", r"^cannot read /dev/null: it is a device, not a regular file$"),
        ("dangling.png", r"^cannot read dangling\.png \(a broken symbolic link\)$"),
        ("missing.png", r"^cannot read missing\.png \(no such file\)$"),
        ("loopd", r"^loopd is a loop of symbolic links$"),
    ]:
        with pytest.raises(PathError, match=message):
            files.read_file(path)


def test_reading_a_pipe_never_waits_for_a_writer(odd_paths):
    """Path.read_bytes() on a pipe waits forever for a writer; read_file refuses it before opening."""
    result = subprocess.run(
        [sys.executable, "-c", "from tutorial_kit import cli, files; cli.run(lambda: files.read_file('fifo.png'))"],
        cwd=odd_paths,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_one_line_error(result, "cannot read fifo.png: it is a pipe, not a regular file")


@needs_setpriv
def test_a_folder_the_user_may_not_search_is_named(odd_paths):
    """Path.exists() and Path.is_file() raise PermissionError under a folder the user may not search."""
    code = """
from tutorial_kit import files
from tutorial_kit.errors import PathError
for path in ("nx/p.png", "nx/sub/deeper"):
    try:
        files.kind(path)
    except PathError as exc:
        print(exc)
print(files.why_not_writable("nx/sub"))
print(files.why_not_writable("nx"))
try:
    files.read_file("nx/data.npz")
except PathError as exc:
    print(exc)
"""
    result = run_without_root("-c", code, cwd=odd_paths)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.splitlines() == [
        "cannot read folder nx (permission denied)",
        "cannot read folder nx (permission denied)",
        "cannot read folder nx (permission denied)",
        "folder nx is not writable",
        "cannot read folder nx (permission denied)",
    ]


def test_display_path_names_a_link_as_given(odd_paths):
    os.symlink("notes.txt", "link.txt")
    assert files.display_path("link.txt") == "link.txt"  # it used to show the link's target, notes.txt
    assert files.display_path(odd_paths / "loopd") == "loopd"
