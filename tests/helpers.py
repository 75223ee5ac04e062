"""Helpers the tests share: run a script as a user would and check its one-line errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "tutorials"
MAIN = ROOT / "main.py"

# Subprocesses never download: an empty mirror list turns a missing file into an error.
SCRIPT_ENV = {**os.environ, "MNIST_MIRRORS": "", "PYTHONUNBUFFERED": "1"}
SCRIPT_ENV.pop("PYTHONPATH", None)  # scripts must find their own modules, as for a user


def run_script(script, *args, cwd=None, timeout=600, prefix=()):
    """Run `python <script> args` from the repository root (or `cwd`) and capture its output."""
    return subprocess.run(
        [*prefix, sys.executable, str(script), *map(str, args)],
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


# Permission cases: the tests run as root, whom no permission stops, so those run in a process
# without root's override (util-linux's setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH).
_SETPRIV = shutil.which("setpriv")
_DROP = [_SETPRIV, "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
needs_setpriv = pytest.mark.skipif(
    os.geteuid() == 0 and _SETPRIV is None, reason="as root, permission cases need setpriv (util-linux)"
)


def run_without_root(*args, cwd=None, timeout=600):
    """`python args` as a user whom file permissions stop (root without its override)."""
    return run_script(*args, cwd=cwd, timeout=timeout, prefix=_DROP)
