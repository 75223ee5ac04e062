"""TensorFlow, imported quietly and only when first used: `from tutorial_kit.quiet_tf import tf`.

TensorFlow 2.21 prints C++ start-up lines ("Could not find cuda drivers", "All log messages before
absl::InitializeLog()") that no log-level variable silences, and tf.compat.v1 code prints
deprecation notices ("Instructions for updating"). The tutorials' terminal output is the article's
lines only, so this module hides all of that once, before TensorFlow can print anything.

`tf` stands for the module: the import (about 4 s) happens at its first attribute, `tf.Graph`, so
`--help` and a bad flag answer at once, while the scripts keep their one readable import line.
"""

import functools
import logging
import os
import sys
import types
import warnings

from tutorial_kit.files import stderr_captured

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ INFO/WARNING/ERROR logs after start-up


@functools.cache
def tensorflow() -> types.ModuleType:
    """The real module, imported once with its start-up lines and notices hidden."""
    try:
        with stderr_captured(), warnings.catch_warnings():  # the start-up lines are written by C++, not Python
            warnings.simplefilter("ignore")
            import tensorflow
    except ImportError as exc:  # pragma: no cover - only without the requirements installed
        print(f"error: cannot import TensorFlow ({exc}); run: pip install -r requirements.txt", file=sys.stderr)
        sys.exit(2)

    tensorflow.get_logger().setLevel(logging.ERROR)
    tensorflow.compat.v1.logging.set_verbosity(tensorflow.compat.v1.logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module=r"(tensorflow|keras|tf_keras)(\.|$)")
    try:  # "Instructions for updating" notices of tf.compat.v1 functions
        from tensorflow.python.util import deprecation

        deprecation._PRINT_DEPRECATION_WARNINGS = False
    except ImportError:  # pragma: no cover - private module moved in a later release
        pass
    return tensorflow


class _LazyTensorFlow(types.ModuleType):
    """`tf`: each attribute is the real module's, which is imported at the first one."""

    def __getattr__(self, name):
        return getattr(tensorflow(), name)

    def __dir__(self):
        return dir(tensorflow())


tf = _LazyTensorFlow("tensorflow", "TensorFlow, imported at first use (tutorial_kit.quiet_tf)")

__all__ = ["tf", "tensorflow"]
