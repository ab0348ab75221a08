"""Results worth keeping between runs, cached by what produced them.

A chapter that trains for an hour stores its result under a key made of the
data (a digest of images, labels and splits), the profile and the settings, so
re-running the notebook, or building the report again, reads the result back
instead of training again. Change any of them and the key changes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Callable

import pandas as pd

from .dataset import FaceDataset
from .paths import project_root

ARTIFACTS_ENV = "FER_ARTIFACTS_DIR"


def artifacts_dir() -> Path:
    """``$FER_ARTIFACTS_DIR``, else ``artifacts/`` in the project (git-ignored)."""
    folder = Path(os.environ.get(ARTIFACTS_ENV) or project_root() / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def dataset_digest(dataset: FaceDataset) -> str:
    """A short digest of the samples themselves, whatever the file they came from."""
    digest = hashlib.sha1()
    for array in (dataset.images, dataset.labels, dataset.splits):
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def artifact_path(kind: str, dataset: FaceDataset, suffix: str = ".csv", **settings) -> Path:
    """Where the result of ``kind`` on ``dataset`` with ``settings`` is kept
    (a file with ``suffix``, or a folder when ``suffix`` is empty)."""
    key = repr((dataset_digest(dataset), sorted(settings.items())))
    return artifacts_dir() / f"{kind}-{hashlib.sha1(key.encode()).hexdigest()[:16]}{suffix}"


def replace_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` fill a temporary file next to ``path``, then rename it to
    ``path``: a run killed mid-write never leaves half a file under that name.
    The temporary name keeps the suffix, which some writers (Keras) insist on."""
    partial = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
    write(partial)
    os.replace(partial, path)


def save_table(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` as CSV atomically."""
    replace_atomically(path, table.to_csv)
