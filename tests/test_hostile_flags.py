"""Hostile flag values never end in a traceback: every script × negative, zero, huge, NaN, infinite,
empty and wrong-type values of its numeric and path flags gives exactly one `error: ...` line that
names the flag, exit 2, nothing printed and nothing written. And every script's --help is whole.

A new script joins HOSTILE with one entry. Each case runs the script's own `main` through `cli.run`,
as `python SCRIPT ...` does, but inside this process: a new process costs 3-7 s of TensorFlow
import per value. One value per script also runs as a real process, the way a user types it.
"""

import argparse
import importlib
import importlib.util
import json
import os
import re
import subprocess

import pytest

from helpers import MAIN, ROOT, TUTORIALS, assert_one_line_error, needs_setpriv, run_script, run_without_root
from tutorial_kit import cli

T = TUTORIALS
BENCH_MAIN = ROOT / "benchmarks" / "bench_main.py"
DRAW = ROOT / "draw.py"
TEXT_FILE = "text.png"  # replaced by a real text file named text.png in the test's folder
LOOP = "loopd"  # replaced by a loop of symbolic links (loopd -> loopd) in another folder

# script: {flag: [hostile values]}; the first value of each script also runs as a process
HOSTILE = {
    MAIN: {
        "--seed": ["-1", "4294967296"],
        "--iterations": ["0", "ten"],
        "--batch-size": ["-1", str(10**12)],
        "--learning-rate": ["nan", "inf"],
        "--dropout": ["0", "1.5"],
        "--data-dir": [""],
        "--plot": ["", LOOP + "/p.png"],
        "--checkpoint-dir": ["", LOOP],
        "--log-dir": [LOOP],
        "--show-input": [LOOP + "/seen.png"],
    },
    T / "activations.py": {"--seed": ["4294967296", "-1"], "--figure-dir": ["", LOOP]},
    T / "keras_mlp.py": {
        "--seed": ["4294967296", "-1"],
        "--epochs": ["0"],
        "--limit": ["ten"],
        "--data-dir": ["", LOOP],
    },
    DRAW: {"--port": ["65536", "-1", "http"], "--host": ["", "a b", "evil.example/x"], "--checkpoint-dir": ["", LOOP]},
    T / "denoising_autoencoder.py": {"--seed": ["-1"], "--epochs": ["inf"], "--limit": ["0"], "--data-dir": [""]},
    T / "mnist_cnn.py": {"--batch-size": ["100000", str(10**12)], "--seed": ["-1"], "--steps": ["0"]},
    T / "cifar10_cnn.py": {
        "--data-dir": [TEXT_FILE, "", LOOP],
        "--epochs": ["-1"],
        "--limit": ["nan"],
        "--seed": ["-1"],
    },
    T / "font_classifier.py": {
        "--seed": ["-1"],
        "--epochs": ["0", "1e3"],
        "--learning-rate": ["nan", "-0.1"],
        "--data": [""],
        "--figure-dir": [""],
    },
    T / "numpy_network.py": {
        "--seed": ["-1", "ten"],
        "--learning-rate": ["inf", "0"],
        "--batch-size": ["0"],
        "--eval-every": [""],
        "--max-epochs": ["-3"],
        "--limit": ["0"],
        "--data-dir": [""],
    },
    BENCH_MAIN: {"--repeats": ["0"], "--iterations": ["-5", "ten"], "--batch-size": ["100000"]},
}
CASES = [
    (script, flag, value) for script, flags in HOSTILE.items() for flag, values in flags.items() for value in values
]
FIRST = [(script, *next(iter(flags.items()))[:1], next(iter(flags.values()))[0]) for script, flags in HOSTILE.items()]


def module_of(script):
    if script == BENCH_MAIN:  # not a package: loaded from its file
        spec = importlib.util.spec_from_file_location("bench_main", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(script.stem if script.parent == ROOT else f"tutorials.{script.stem}")


def entry_point(module):
    """What `python SCRIPT` runs: main(), or draw.py's serve() (its `main` is main.py)."""
    return module.serve if module.__name__ == "draw" else module.main


def repository_outputs():
    """Every file (and its modification time) where the scripts write by default."""
    return {
        path: path.stat().st_mtime_ns
        for folder in (ROOT / "figures", ROOT / "checkpoints")
        if folder.is_dir()
        for path in folder.rglob("*")
    }


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.png"
    path.write_text("not an image, not an archive\n")
    return path


@pytest.fixture
def loop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loops")
    os.symlink("loopd", folder / "loopd")
    return folder / "loopd"


def argv(flag, value, text_file, loop=None):
    if value == TEXT_FILE:
        return [flag, str(text_file)]
    return [flag, value.replace(LOOP, str(loop)) if loop is not None and value.startswith(LOOP) else value]


@pytest.mark.parametrize("script,flag,value", CASES, ids=[f"{s.name} {f} {v!r}" for s, f, v in CASES])
def test_hostile_value_is_one_line(script, flag, value, text_file, loop, capsys, monkeypatch):
    module = module_of(script)
    monkeypatch.chdir(text_file.parent)
    before = repository_outputs()
    with pytest.raises(SystemExit) as exited:
        cli.run(lambda: entry_point(module)(argv(flag, value, text_file, loop)))
    out = capsys.readouterr()
    assert_one_line_error(subprocess.CompletedProcess([], exited.value.code, out.out, out.err), flag)
    assert out.out == ""
    assert repository_outputs() == before
    assert list(text_file.parent.iterdir()) == [text_file]  # nothing written where it ran


@pytest.mark.parametrize("script,flag,value", FIRST, ids=[f"{s.name} {f} {v!r}" for s, f, v in FIRST])
def test_hostile_value_from_the_command_line(script, flag, value, text_file):
    result = run_script(script, *argv(flag, value, text_file), cwd=text_file.parent)
    assert_one_line_error(result, flag)
    assert result.stdout == ""
    assert list(text_file.parent.iterdir()) == [text_file]


# --- --help: the whole description, a help string for every flag ---------------------------------

MODULES = [
    "main",
    "draw",
    *(f"tutorials.{p.stem}" for p in sorted(T.glob("*.py")) if p.stem != "__init__"),
    "bench_main",
]


class Parser(Exception):
    """Carries the parser a script built out of its parse_args()."""


@pytest.mark.parametrize("name", MODULES)
def test_help_is_whole_and_explains_every_flag(name, monkeypatch):
    module = module_of(BENCH_MAIN) if name == "bench_main" else importlib.import_module(name)

    def capture(parser, *args, **kwargs):
        raise Parser(parser)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(Parser) as caught:
        module.parse_args([])
    parser = caught.value.args[0]
    undocumented = [action.option_strings for action in parser._actions if not action.help]
    assert not undocumented
    described = " ".join(parser.format_help().split())
    if name not in ("main", "bench_main"):  # the chapters: the docstring's first paragraph, never cut mid-sentence
        first_paragraph = " ".join(module.__doc__.strip().split("\n\n")[0].split())
        assert first_paragraph in described
        assert re.search(r"[.)]$", first_paragraph), first_paragraph
    else:
        assert re.search(r"[.)]$", parser.description.strip()), parser.description


def parser_of(name, monkeypatch):
    def capture(parser, *args, **kwargs):
        raise Parser(parser)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(Parser) as caught:
        importlib.import_module(name).parse_args([])
    return caught.value.args[0]


@pytest.mark.parametrize("name", ["tutorials.numpy_network", "tutorials.mnist_cnn"])
def test_dry_run_help_of_a_script_that_writes_nothing_says_so(name, monkeypatch):
    """It said "outputs to a temporary folder", though these scripts write nothing."""
    help_text = next(a.help for a in parser_of(name, monkeypatch)._actions if a.dest == "dry_run")
    assert "writes nothing" in help_text and "temporary" not in help_text


# --- paths under a folder the user may not search -----------------------------------------------

# Each case runs in one process without root's permission override: (module, argv, the flag named)
UNSEARCHABLE = [
    ("main", ["--data-dir", "nx", "--checkpoint-dir", "ck"], "--data-dir"),
    ("main", ["--plot", "nx/p.png"], "--plot"),
    ("main", ["--show-input", "nx/s.png"], "--show-input"),
    ("main", ["--checkpoint-dir", "nx/sub"], "--checkpoint-dir"),
    ("main", ["--log-dir", "nx/sub"], "--log-dir"),
    ("main", ["--dry-run", "--log-dir", "loopd"], "--log-dir"),  # said "TensorBoard logs in loopd", wrote none
    ("tutorials.activations", ["--figure-dir", "nx/sub"], "--figure-dir"),
    ("tutorials.cifar10_cnn", ["--data-dir", "nx/c.tar.gz"], "--data-dir"),
    ("tutorials.keras_mlp", ["--data-dir", "nx"], "--data-dir"),
]
DRIVER = """
import contextlib, importlib, io, json, sys, traceback
from tutorial_kit import cli
results = []
for name, argv in json.loads(sys.argv[1]):
    module = importlib.import_module(name)
    out, err, code = io.StringIO(), io.StringIO(), None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.run(lambda: module.main(argv))
        except SystemExit as exc:
            code = exc.code
        except BaseException:
            traceback.print_exc()
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


@needs_setpriv
def test_paths_under_a_folder_the_user_may_not_search_are_one_line(tmp_path):
    """PermissionError from Path.is_file / is_dir / exists ended these runs in tracebacks."""
    (tmp_path / "nx").mkdir(mode=0o000)
    os.symlink("loopd", tmp_path / "loopd")
    cases = [[name, argv] for name, argv, _ in UNSEARCHABLE]
    result = run_without_root("-c", DRIVER, json.dumps(cases), cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    for (name, argv, flag), (code, out, err) in zip(UNSEARCHABLE, json.loads(result.stdout), strict=True):
        run = subprocess.CompletedProcess([name, *argv], code, out, err)
        line = assert_one_line_error(run, flag)
        assert ("loop of symbolic links" if "loopd" in argv else "cannot read folder nx (permission denied)") in line
        assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loopd", "nx"]  # nothing written
