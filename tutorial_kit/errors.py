"""The errors a learner can cause, each printed by `cli.run` as one `error: ...` line (exit 2).

Every one derives from `TutorialError`; the message names the flag, file or folder and says what
to do. The data and image modules raise these without importing the command line.
"""


class TutorialError(Exception):
    """Base of every one-line error: bad input, never a bug."""


class UsageError(TutorialError):
    """A bad flag, path or output location."""


class PathError(UsageError):
    """A path that cannot be looked at or read: a loop of symbolic links, a folder on the way that
    the user may not search, a file where a folder should be, a pipe or device where a file should be."""


class DataError(TutorialError):
    """A data file is missing, corrupt or unreadable."""


class ImageError(TutorialError):
    """An image cannot be read or holds no digit."""


class CheckpointError(TutorialError):
    """A saved model is missing, damaged or of another architecture."""


class NoDigitError(ImageError):
    """The image is readable but holds no digit (blank, a single colour, only lines or specks);
    `picture`: the picture as it was looked at, if any (for --show-input)."""

    def __init__(self, message: str, picture=None):
        super().__init__(message)
        self.picture = picture


class ImageTooLargeError(ImageError):
    """The image claims more pixels than allowed (checked from its header, before decoding)."""
