"""Shared fixtures: one short training run per session, a private MNIST copy, no network."""

from __future__ import annotations

import os
import shutil
import signal
import socket

import pytest

from helpers import ROOT, SHORT_RUN, run_script


def pytest_configure(config):
    """A shell's background job starts with Ctrl-C (SIGINT) ignored, and the scripts the tests start
    would inherit that: they would never be interrupted, and the Ctrl-C tests fail. A caught signal
    is reset to the default in a child, so catch it here."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection attempt from test code to anything but this machine's loopback fails loudly."""
    real_connect = socket.socket.connect

    def loopback_only(sock, address, *args, **kwargs):
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"tests must not use the network (tried {address})")
        return real_connect(sock, address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    monkeypatch.setenv("MNIST_MIRRORS", "")


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


@pytest.fixture
def odd_paths(tmp_path, monkeypatch):
    """In tmp_path (the working directory): a loop of symbolic links `loopd`, a pipe, a broken
    link, a file, and a folder `nx` that nobody but root may read or search."""
    monkeypatch.chdir(tmp_path)
    os.symlink("loopd", "loopd")
    os.mkfifo("fifo.png")
    os.symlink("nothing-here", "dangling.png")
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "nx").mkdir(mode=0o000)
    return tmp_path
