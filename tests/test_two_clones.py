"""One virtual environment, two clones: a script of the second clone never runs the first one's
tutorial_kit. The venv's editable install is played by PYTHONPATH naming the first checkout (what
`pip install -e .` adds to the path), so no second venv with TensorFlow is needed."""

import shutil
import subprocess
import sys

import pytest

from helpers import ROOT, SCRIPT_ENV, assert_one_line_error

MARK = "tutorial_kit of the second clone"


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A copy of this checkout's code (no data, no git), whose tutorial_kit says when it is imported."""
    target = tmp_path_factory.mktemp("second") / "clone"
    ignore = shutil.ignore_patterns(".*", "__pycache__", "MNIST_data", "data", "docs", "checkpoints", "figures")
    shutil.copytree(ROOT, target, ignore=ignore)
    with open(target / "tutorial_kit" / "__init__.py", "a") as init:
        init.write(f"\nprint({MARK!r})\n")
    return target


def run_with_first_venv(*args, cwd):
    """`python args` in a venv whose editable install is this checkout (ROOT)."""
    return subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=cwd,
        env={**SCRIPT_ENV, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("script", ["tutorials/activations.py", "benchmarks/bench_main.py"])
def test_a_script_of_the_second_clone_is_refused_in_one_line(clone, script):
    result = run_with_first_venv(clone / script, cwd=clone)
    line = assert_one_line_error(result, str(ROOT.resolve()), str(clone.resolve()))
    assert f"run: pip install -e {clone.resolve()}" in line
    assert result.stdout == "" and not (clone / "figures").exists()  # nothing ran, nothing written


@pytest.mark.parametrize(
    "command", [["main.py", "--help"], ["draw.py", "--help"], ["-m", "tutorials.activations", "-h"]]
)
def test_the_second_clone_runs_its_own_modules_from_its_root(clone, command):
    """main.py and draw.py (sys.path[0] is their folder), and `python -m` from the clone's root."""
    result = run_with_first_venv(*command, cwd=clone)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith(MARK + "\nusage: ")


def test_the_first_checkouts_own_tutorial_runs(clone):
    result = run_with_first_venv(ROOT / "tutorials" / "activations.py", "--help", cwd=clone)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith("usage: activations.py")
