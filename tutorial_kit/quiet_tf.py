"""Import TensorFlow quietly: `from quiet_tf import tf`.

TensorFlow 2.21 prints C++ start-up lines ("Could not find cuda drivers", "All log messages before
absl::InitializeLog()") that no log-level variable silences, and tf.compat.v1 code prints
deprecation notices ("Instructions for updating"). The tutorials' terminal output is the article's
lines only, so this module hides all of that once, before TensorFlow can print anything.
"""

import logging
import os
import sys
import warnings
from contextlib import contextmanager

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ INFO/WARNING/ERROR logs after start-up


@contextmanager
def _stderr_to_devnull():
    """Point file descriptor 2 at /dev/null: the start-up lines are written by C++, not Python."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


try:
    with _stderr_to_devnull(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tensorflow as tf
except ImportError as exc:  # pragma: no cover - only without the requirements installed
    print(f"error: cannot import TensorFlow ({exc}); run: pip install -r requirements.txt", file=sys.stderr)
    sys.exit(2)

tf.get_logger().setLevel(logging.ERROR)
tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
logging.getLogger("absl").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", module=r"(tensorflow|keras|tf_keras)(\.|$)")
try:  # "Instructions for updating" notices of tf.compat.v1 functions
    from tensorflow.python.util import deprecation

    deprecation._PRINT_DEPRECATION_WARNINGS = False
except ImportError:  # pragma: no cover - private module moved in a later release
    pass

__all__ = ["tf"]
