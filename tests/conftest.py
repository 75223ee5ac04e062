"""Shared fixtures: run a script as a user would, one short training run per session, no network."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/drawing.py

# Subprocesses never download: an empty mirror list turns a missing file into an error.
SCRIPT_ENV = {**os.environ, "MNIST_MIRRORS": "", "PYTHONUNBUFFERED": "1"}
SCRIPT_ENV.pop("PYTHONPATH", None)  # scripts must find their own modules, as for a user


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection attempt from test code fails loudly."""

    def refuse(*args, **kwargs):
        raise OSError("tests must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("MNIST_MIRRORS", "")


def run_script(script, *args, cwd=None, timeout=600):
    """Run `python <script> args` from the repository root (or `cwd`) and capture its output."""
    return subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        cwd=cwd or ROOT,
        env=SCRIPT_ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def start_script(script, *args):
    """Start `python <script> args` in the background, with its output readable as it comes."""
    return subprocess.Popen(
        [sys.executable, str(script), *map(str, args)],
        cwd=ROOT,
        env=SCRIPT_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_one_line_error(result, *fragments, status=2):
    """A bad input gives exit `status` and exactly one `error: ...` line on stderr, no traceback."""
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


SHORT_RUN = ["--iterations", "300", "--seed", "0"]


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """One real `main.py` run of 300 iterations into a private checkpoint folder, shared by tests."""
    checkpoints = tmp_path_factory.mktemp("checkpoints")
    result = run_script(ROOT / "main.py", *SHORT_RUN, "--checkpoint-dir", checkpoints)
    assert result.returncode == 0, result.stderr
    return checkpoints, result


@pytest.fixture
def mnist_copy(tmp_path):
    """A private copy of the shipped MNIST files, to damage."""
    target = tmp_path / "MNIST_data"
    target.mkdir()
    for f in (ROOT / "MNIST_data").glob("*.gz"):
        shutil.copy(f, target / f.name)
    return target
