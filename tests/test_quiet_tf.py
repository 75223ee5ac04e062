"""quiet_tf.py: TensorFlow without its start-up lines and deprecation notices, and nothing else hidden."""

from helpers import run_script

# What a tutorial does first: import, then TF1 calls that print "Instructions for updating" notices
# (to_float, softmax_cross_entropy_with_logits v1) when TensorFlow is imported plainly.
QUIET = """
import sys
from tutorial_kit.quiet_tf import tf

graph = tf.Graph()
with graph.as_default():
    x = tf.compat.v1.placeholder("float", [None, 3])
    tf.compat.v1.nn.softmax_cross_entropy_with_logits(labels=x, logits=tf.compat.v1.to_float(x))
    tf.compat.v1.train.AdamOptimizer(0.1)
print(tf.__version__, callable(tf.compat.v1.Session), tf.executing_eagerly())
print("stderr still works", file=sys.stderr)
"""


def test_importing_quiet_tf_prints_nothing_and_gives_tf_with_compat_v1():
    result = run_script("-c", QUIET, timeout=300)
    assert result.returncode == 0, result.stderr
    version, has_session, eager = result.stdout.split()
    assert version.startswith("2.") and has_session == "True" and eager == "True"
    # the C++ start-up lines and the deprecation notices are gone; a later line on stderr is not
    assert result.stderr == "stderr still works\n"


LAZY = """
import sys
from tutorial_kit.quiet_tf import tf
import main, draw  # every module main.py and draw.py import, none of them using tf yet
before = "tensorflow" in sys.modules
graph = tf.Graph()
print(before, "tensorflow" in sys.modules, type(graph).__name__)
"""


def test_tensorflow_is_imported_at_the_first_use_of_tf_not_before():
    result = run_script("-c", LAZY, timeout=300)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.split() == ["False", "True", "Graph"]


ANSWERS_WITHOUT_TF = """
import contextlib, io, json, sys
import main, draw
from tutorial_kit import cli
results = []
for module, argv in json.loads(sys.argv[1]):
    entry = main.main if module == "main" else draw.serve
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.run(lambda: entry(argv))
        except SystemExit as exc:
            results.append([exc.code, out.getvalue()[:40], err.getvalue(), "tensorflow" in sys.modules])
print(json.dumps(results))
"""


def test_help_and_flag_errors_answer_before_tensorflow_is_imported():
    import json

    cases = [
        ["main", ["--help"]],
        ["main", ["--iterations", "0"]],
        ["main", ["--batch-size", "60000"]],
        ["main", ["--no-such-flag"]],
        ["draw", ["--help"]],
        ["draw", ["--port", "70000"]],
    ]
    result = run_script("-c", ANSWERS_WITHOUT_TF, json.dumps(cases), timeout=300)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    assert [code for code, *_ in answers] == [0, 2, 2, 2, 0, 2]
    assert answers[0][1].startswith("usage: ") and answers[4][1].startswith("usage: ")
    assert all(err.startswith("error: ") for code, _, err, _ in answers if code == 2)
    assert not any(imported for *_, imported in answers)  # TensorFlow's 4 s import was never paid
