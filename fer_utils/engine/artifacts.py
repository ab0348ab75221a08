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

from fer_utils.config import artifacts_dir
from fer_utils.data.dataset import FaceDataset, dataset_digest

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
