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
