"""Results worth keeping between runs, cached by what produced them, and the
safe ways of writing and reading them back.

A chapter that trains for an hour stores its result under a key made of the
data (a digest of images, labels and splits), the profile and the settings, so
re-running the notebook, or building the report again, reads the result back
instead of training again. Change any of them and the key changes.

Every file is written whole or not at all (:func:`replace_atomically`); a run
folder is used by one process at a time (:func:`run_lock`); saved models and
JSON files are read through checks that name a damaged file, say what is wrong
and what to do (:func:`load_model_file`, :func:`read_json`) instead of Keras'
or the JSON parser's words.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from fer_utils.config import artifacts_dir, storage_error
from fer_utils.data.dataset import FaceDataset, dataset_digest
from fer_utils.errors import SavedFileError

LOCK_FILE = ".lock"
"""The file a run folder is locked with (``fcntl.flock``); it holds the owner's process id."""
PARTIAL_MARK = ".partial"
"""In the names of files being written (:func:`replace_atomically`)."""
MODEL_MODULES = ("keras", "fer_utils")
"""The only packages a saved model's ``config.json`` may name classes or functions of."""


def artifact_path(kind: str, dataset: FaceDataset, suffix: str = ".csv", **settings) -> Path:
    """Where the result of ``kind`` on ``dataset`` with ``settings`` is kept
    (a file with ``suffix``, or a folder when ``suffix`` is empty)."""
    key = repr((dataset_digest(dataset), sorted(settings.items())))
    return artifacts_dir() / f"{kind}-{hashlib.sha1(key.encode()).hexdigest()[:16]}{suffix}"


def file_digest(path) -> str:
    """The first 16 hex digits of the SHA-1 of file ``path``'s bytes: names a
    file by its content where a run depends on it (a distillation teacher)."""
    path = Path(path)
    try:
        return hashlib.sha1(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except OSError as error:
        raise storage_error(error, path, "read") from None


def replace_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` fill a temporary file next to ``path``, then rename it to
    ``path``: a run killed mid-write never leaves half a file under that name,
    and a write that fails (a full disk) removes its temporary file and raises a
    :class:`~fer_utils.errors.StorageError` naming ``path`` and its folder's
    ``FER_*`` variable. The temporary name keeps the suffix, which some writers
    (Keras) insist on."""
    path = Path(path)
    partial = path.with_name(f".{path.stem}.{os.getpid()}{PARTIAL_MARK}{path.suffix}")
    try:
        write(partial)
        os.replace(partial, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise storage_error(error, path, "write") from None
        raise


def remove_partial_files(folder: Path) -> None:
    """Delete what writes killed mid-way left in ``folder`` (call it only while no
    other process writes there, under :func:`run_lock`)."""
    for leftover in Path(folder).glob(f".*{PARTIAL_MARK}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def save_table(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` as CSV atomically."""
    replace_atomically(path, table.to_csv)


@contextlib.contextmanager
def run_lock(folder: Path, what: str = "this run") -> Iterator[bool]:
    """Hold ``folder`` (created if missing) for this process: a second process
    (or thread) asking for it prints that ``what`` is in progress and waits until
    the first lets go. Yields whether the folder was new. A folder removed by
    its owner while another waited is created again for the waiter."""
    folder = Path(folder)
    announced = False
    while True:
        new = not folder.exists()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = open(folder / LOCK_FILE, "a+")
        except OSError as error:
            raise storage_error(error, folder, "create the run folder") from None
        try:
            locked = True
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not announced:
                    handle.seek(0)
                    owner = handle.read().strip()
                    print(f"{folder}: {what} is in progress elsewhere{f' (pid {owner})' if owner else ''}; "
                          f"waiting for it to finish", file=sys.stderr, flush=True)
                    announced = True
                fcntl.flock(handle, fcntl.LOCK_EX)
            except OSError as error:  # a file system without locks (some network and FUSE mounts)
                print(f"{folder}: cannot lock it ({error.strerror or error}); going on unlocked: do not "
                      f"start the same run twice at once", file=sys.stderr, flush=True)
                locked = False
            if locked:
                try:
                    same = os.stat(folder / LOCK_FILE).st_ino == os.fstat(handle.fileno()).st_ino
                except FileNotFoundError:
                    same = False
                if not same:  # the owner removed the folder (a failed start) while we waited
                    continue
                handle.seek(0)
                handle.truncate()
                handle.write(str(os.getpid()))
                handle.flush()
            yield new
            return
        finally:
            handle.close()  # also releases the lock


def remove_run_folder(folder: Path) -> None:
    """Remove a run folder that holds no committed state (a failed start), with its
    lock file and partial files; call it while holding :func:`run_lock`."""
    folder = Path(folder)
    for child in folder.iterdir():
        if child.is_file() or child.is_symlink():
            child.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()


def read_json(path: Path, remedy: str) -> dict:
    """The JSON object in file ``path``; ``{}`` if there is no such file. A file
    that cannot be parsed (cut off, edited by hand, another file) raises a
    :class:`~fer_utils.errors.SavedFileError` naming it and saying ``remedy``."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise SavedFileError(f"{path}: not a JSON text file (it holds binary data); {remedy}") from None
    except OSError as error:
        raise storage_error(error, path, "read") from None
    if not text.strip():
        raise SavedFileError(f"{path}: the file is empty; {remedy}")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise SavedFileError(f"{path}: not valid JSON ({error.msg} at line {error.lineno}, column "
                             f"{error.colno}); {remedy}") from None
    if not isinstance(value, dict):
        raise SavedFileError(f"{path}: holds a JSON {type(value).__name__}, not an object; {remedy}")
    return value


def load_model_file(path, remedy: str, compile: bool = True):
    """The Keras model saved in ``path`` (a ``.keras`` file), in safe mode, after
    checking that it is what ``model.save`` writes: a whole zip archive with a
    ``config.json`` that names classes and functions of Keras and this package
    only. Anything else raises a :class:`~fer_utils.errors.SavedFileError` that
    names the file, says what is wrong and ``remedy`` (what to do); a missing
    file, ``FileNotFoundError``. Importing :mod:`fer_utils.nets.parts` registers
    the package's own layers first."""
    import keras

    from fer_utils.nets import parts  # noqa: F401  (registers the custom layers)

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model file")
    problem = keras_file_problem(path)
    if problem:
        raise SavedFileError(f"{path}: {problem}; {remedy}")
    try:
        return keras.models.load_model(path, compile=compile, safe_mode=True)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001  (Keras' errors have no common class)
        words = " ".join(str(error).split())
        words = words if len(words) <= 200 else words[:200] + "..."
        raise SavedFileError(f"{path}: Keras cannot rebuild the model from it ({type(error).__name__}: {words}); "
                             f"{remedy}") from None


def keras_file_problem(path: Path) -> str | None:
    """What makes ``path`` not a ``.keras`` file this package loads, in words; ``None`` if nothing."""
    try:
        if path.is_dir():
            return "is a folder, not a .keras file"
        with open(path, "rb") as handle:
            head = handle.read(8)
        if not head:
            return "the file is empty (0 bytes)"
        if head.startswith(b"\x89HDF"):
            return "an HDF5 (.h5) file named .keras: rename it to .h5 to load it, or save the model again as .keras"
        if not zipfile.is_zipfile(path):
            return ("not a Keras archive (a .keras file is a zip archive; this one is cut off, damaged "
                    "or a file of another kind)")
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                return "the archive holds no config.json (the network's description): it was not written by Keras"
            damaged = archive.testzip()
            if damaged:
                return f"{damaged} inside the archive is damaged (its checksum does not match)"
            config = json.loads(archive.read("config.json"))
    except OSError as error:
        raise storage_error(error, path, "read") from None
    except (zipfile.BadZipFile, EOFError, ValueError) as error:  # ValueError: JSON and zlib errors
        return f"the archive is damaged ({error})"
    foreign = sorted(_foreign_objects(config))
    if foreign:
        return (f"its config.json names {', '.join(foreign[:3])}, from outside Keras and this package; "
                f"such a file is refused because loading it could run any code")
    return None


def _foreign_objects(config) -> set[str]:
    """``module.name`` of each object in a Keras config whose module is not in :data:`MODEL_MODULES`."""
    found, stack = set(), [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            module = item.get("module")
            if "class_name" in item and module is not None:
                if not isinstance(module, str) or module.split(".")[0] not in MODEL_MODULES:
                    name = item.get("config") if item.get("class_name") == "function" else item.get("class_name")
                    found.add(f"{module}.{name}" if isinstance(name, str) else str(module))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found
