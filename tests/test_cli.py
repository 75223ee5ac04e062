"""cli.py: flag types, the shared flags, and `run`'s exit statuses (Ctrl-C, SIGTERM)."""

import argparse
import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT, SCRIPT_ENV, assert_one_line_error, needs_setpriv, run_without_root
from tutorial_kit import cli
from tutorial_kit.errors import DataError


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


# --- output flags on paths that cannot be looked at -----------------------------------------------


@pytest.mark.parametrize(
    "flag_type,text,message",
    [
        (cli.output_path, "loopd/p.png", "loopd is a loop of symbolic links"),
        (cli.output_path, "loopd", None),  # refused for its suffix before anything else
        (cli.output_path, "fifo.png", "fifo.png is a pipe; give the name of a new or regular file"),
        (cli.output_path, "dangling.png", "dangling.png is a broken symbolic link; give the name of a new"),
        (cli.output_path, "notes.txt/p.png", "notes.txt is a file, not a folder"),
        (
            cli.output_dir,
            "loopd",
            "loopd is a loop of symbolic links",
        ),  # --log-dir loopd: "logs in loopd", none written
        (cli.output_dir, "loopd/sub", "loopd is a loop of symbolic links"),
        (cli.output_dir, "fifo.png", "fifo.png is a pipe, not a folder"),
    ],
)
def test_output_flags_refuse_loops_pipes_and_broken_links(odd_paths, flag_type, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as info:
        flag_type(text)
    if message:
        assert str(info.value).startswith(message), str(info.value)
    assert cli.output_path("new.png") == Path("new.png") and cli.output_dir("new/deeper") == Path("new/deeper")


@needs_setpriv
def test_output_flags_under_a_folder_the_user_may_not_search(odd_paths):
    """--plot nx/p.png, --show-input nx/s.png, --checkpoint-dir nx/sub, --log-dir nx/sub and
    --figure-dir nx/sub ended in a PermissionError traceback from Path.is_dir() or Path.exists()."""
    code = """
from tutorial_kit import cli
p = cli.ArgumentParser()
p.add_argument("--plot", type=cli.output_path)
p.add_argument("--log-dir", type=cli.output_dir)
cli.run(lambda: p.parse_args(__import__("sys").argv[1:]))
"""
    for flag, value in [("--plot", "nx/p.png"), ("--log-dir", "nx/sub"), ("--log-dir", "nx")]:
        result = run_without_root("-c", code, flag, value, cwd=odd_paths)
        expected = "folder nx is not writable" if value == "nx" else "cannot read folder nx (permission denied)"
        assert_one_line_error(result, f"argument {flag}: {expected}")


# --- SIGTERM ---------------------------------------------------------------------------------------

SLOW_DRY_RUN = """
import time
from tutorial_kit import cli

def main():
    print(cli.dry_run_folder(), flush=True)
    time.sleep(120)

cli.run(main)
"""


def test_sigterm_cleans_up_like_ctrl_c(tmp_path):
    """A dry run killed by SIGTERM left its /tmp/tutorial-dry-run-* folder: atexit never ran."""
    env = {**SCRIPT_ENV, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_DRY_RUN], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    folder = Path(process.stdout.readline().strip())
    assert folder.is_dir() and folder.parent == tmp_path
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 143
    assert process.stderr.read() == "error: terminated (SIGTERM); nothing was saved\n"
    assert not folder.exists()


def test_run_puts_back_the_signal_handlers_it_found(monkeypatch):
    signals = (signal.SIGTERM, signal.SIGINT, signal.SIGALRM)
    before = [signal.getsignal(signum) for signum in signals]
    assert run(lambda: 0, monkeypatch)[0] == 0
    assert [signal.getsignal(signum) for signum in signals] == before


SLOW_SESSION_RUN = """
import time
from tutorial_kit import cli, quiet_tf

tf = quiet_tf.tensorflow()

def main():
    with tf.Graph().as_default():
        x = tf.random.normal([800, 800], seed=1)
        y = tf.while_loop(lambda i, y: i < 150, lambda i, y: (i + 1, tf.tanh(tf.matmul(y, x))), (0, x))[1]
        runs = tf.Variable(0)
        with tf.control_dependencies([y]):
            step = runs.assign_add(1)  # counted once the slow part is done
        with tf.compat.v1.Session() as sess:
            sess.run(runs.initializer)
            print("running", flush=True)
            try:
                sess.run(step)  # seconds
            except KeyboardInterrupt:
                print("interrupted as the run returned; runs:", sess.run(runs), flush=True)
                raise
            print("not interrupted", flush=True)
            time.sleep(30)

cli.run(main)
"""


def test_ctrl_c_inside_a_session_run_waits_for_the_run_to_return():
    """Ctrl-C during sess.run raised KeyboardInterrupt inside TensorFlow's C++ wrapper (while it
    converted the result): printed there and dropped, the program went on and exited 0, and in a
    training loop it could end in a segmentation fault (CI: status -11, no error line)."""
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_SESSION_RUN],
        env=SCRIPT_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "running\n"
    time.sleep(0.5)  # inside the run
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=90)
    assert (process.returncode, stdout, stderr) == (
        130,
        "interrupted as the run returned; runs: 1\n",
        "error: interrupted (Ctrl-C); nothing was saved\n",
    )


def test_dry_run_help_says_what_it_writes():
    def help_of(**kwargs):
        parser = cli.ArgumentParser()
        cli.add_common_flags(parser, **kwargs)
        return next(a.help for a in parser._actions if a.dest == "dry_run")

    assert "writes nothing" in help_of() and "temporary" not in help_of()
    assert "temporary folder" in help_of(figure_dir=True)
    assert help_of(dry_run_help="20 epochs") == "20 epochs"


def test_a_file_named_like_a_flag_is_said_how_to_give(tmp_path, monkeypatch, capsys):
    """`--predict -5.png` takes the file for a flag: argparse said only "expected at least one
    argument", which names neither the file nor the fix."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-5.png").write_bytes(b"")
    parser = cli.ArgumentParser()
    parser.add_argument("--predict", nargs="+")
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--predict", "-5.png"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "-5.png is a file: give it as ./-5.png" in err


def test_a_flag_given_without_its_values_says_what_to_give(capsys):
    """`--predict` alone: argparse said "expected at least one argument", naming nothing to give."""
    parser = cli.ArgumentParser()
    parser.add_argument("--predict", nargs="+", metavar="FILE")
    parser.add_argument("--port", type=int)
    for argv, said in ((["--predict"], "give FILE ... after --predict"), (["--port"], "give PORT after --port")):
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(argv)
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and err.count("\n") == 1 and said in err, err
    assert parser.parse_args(["--predict", "./-5.png"]).predict == ["./-5.png"]


def test_the_parser_records_which_flags_were_given():
    p = cli.ArgumentParser()
    p.add_argument("--iterations", type=cli.positive_int, default=1000)
    p.add_argument("--plot", type=Path)
    p.add_argument("--files", nargs="+")
    cli.add_common_flags(p, data_dir=Path("MNIST_data"))
    assert p.parse_args([]).given == []
    args = p.parse_args(["--iter", "1000", "--dry-run", "--files", "a.png", "seed.png", "--plot=x.png", "--seed", "0"])
    # abbreviated, given with its default value, with `=`: as argparse read them, once
    assert args.given == ["--iterations", "--dry-run", "--files", "--plot", "--seed"]
    assert args.iterations == 1000 and args.plot == Path("x.png") and args.seed == 0
    assert p.parse_args(["--data-dir", "d", "--data-dir", "e"]).given == ["--data-dir"]  # each flag once


def test_ctrl_c_while_the_modules_load_is_one_line_not_a_traceback():
    """Ctrl-C in the first second of `python main.py`, before cli.run handles it, printed a traceback
    of up to 97 lines through scipy's imports (found by a fresh-clone walkthrough)."""
    script = "import tutorial_kit, scipy.ndimage\nraise KeyboardInterrupt  # as Ctrl-C during an import"
    result = subprocess.run([sys.executable, "-c", script], env=SCRIPT_ENV, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode in (-signal.SIGINT, 128 + signal.SIGINT)  # as interrupted, for the shell
    assert (result.stdout, result.stderr) == ("", "error: interrupted (Ctrl-C)\n")
    bug = subprocess.run(
        [sys.executable, "-c", "import tutorial_kit\n1 / 0"], env=SCRIPT_ENV, capture_output=True, text=True, cwd=ROOT
    )
    assert bug.returncode == 1 and "Traceback" in bug.stderr and "ZeroDivisionError" in bug.stderr  # a bug still shows
