"""Errors and warnings about the user's data, files and folders.

Every message names the file (and row or image) and the problem, so a user with
a damaged download can find and fix it instead of reading a NumPy traceback.
The command line prints them as one ``error: ...`` line and exits with 2.

This module imports nothing of the package: every layer, :mod:`fer_utils.config`
included, may raise these.
"""

from __future__ import annotations

import errno as errnos
import os
from pathlib import Path


class DataFormatError(ValueError):
    """The data exists but cannot be read as a face-expression dataset."""


class DataWarning(UserWarning):
    """The data was read, but something was changed on the way (for example a resize)."""


class ImageError(ValueError):
    """A photo or video the user gave cannot be used; the message names the file and the problem."""


class DamagedImageError(ImageError):
    """An image file whose data is cut off or empty (an interrupted download or copy).
    :func:`~fer_utils.faces.images.read_image` refuses it; the dataset loaders
    leave it out with a :class:`DataWarning` that names it."""


class SavedFileError(ValueError):
    """A saved model (``.keras``) or a run's file (``state.json``) cannot be used:
    the message names the file, says what is wrong with it and what to do."""


class StorageError(OSError):
    """A file or folder cannot be read or written (a file where a folder should be,
    no permission, a full disk). The message is one line naming the path, the
    ``FER_*`` variable its folder comes from, and the problem; ``errno`` and
    ``path`` keep the original error's number and the path."""

    def __init__(self, message: str, errno: int | None = None, path: Path | None = None):
        super().__init__(message)
        self.errno, self.path = errno, path

    def __str__(self) -> str:
        return str(self.args[0])


_REASONS = {
    errnos.ENOSPC: "the disk is full",
    errnos.EDQUOT: "the disk quota is used up",
    errnos.EACCES: "permission denied",
    errnos.EPERM: "permission denied",
    errnos.EROFS: "the file system is read-only",
    errnos.EISDIR: "it is a folder, not a file",
    errnos.ENOENT: "no such file or folder",
}


def _blocking_file(path: Path) -> Path | None:
    """The nearest of ``path`` and its parents that exists as something other than a folder."""
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return None if candidate.is_dir() else candidate
    return None


def os_error_reason(error: OSError, path: Path) -> str:
    """What went wrong in ``error`` (raised while using ``path``), in words: "the
    disk is full", "/x is a file, not a folder", ... (:func:`fer_utils.config.storage_error`
    adds the path and where its folder comes from)."""
    blocking = _blocking_file(path.parent) if error.errno in (errnos.ENOTDIR, errnos.EEXIST) else None
    if error.errno == errnos.EEXIST and blocking is None and not path.is_dir() and path.exists():
        blocking = path  # mkdir of a path that is a file
    if blocking is not None:
        return f"{blocking} is a file, not a folder"
    if error.errno == errnos.EEXIST and path.is_symlink() and not path.exists():
        return f"it is a link to {os.readlink(path)}, which does not exist"
    return _REASONS.get(error.errno) or error.strerror or str(error) or type(error).__name__
