"""Errors and warnings about the user's data.

Every message names the file (and row or image) and the problem, so a user with
a damaged download can find and fix it instead of reading a NumPy traceback.
"""


class DataFormatError(ValueError):
    """The data exists but cannot be read as a face-expression dataset."""


class DataWarning(UserWarning):
    """The data was read, but something was changed on the way (for example a resize)."""


class ImageError(ValueError):
    """A photo or video the user gave cannot be used; the message names the file and the problem."""
