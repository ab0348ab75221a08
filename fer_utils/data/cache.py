"""An on-disk cache of loaded datasets, so the second load takes well under a second.

Decoding 35,887 JPEGs or parsing a 290 MB CSV takes seconds; reading the same
arrays back from an uncompressed ``.npz`` takes a fraction of that. Each entry
stores a fingerprint of its source (file sizes and modification times), and an
entry whose fingerprint no longer matches is rebuilt. Nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from fer_utils.data.dataset import FaceDataset
from fer_utils.errors import DataWarning

CACHE_ENV = "FER_CACHE_DIR"
CACHE_FORMAT = 1


def cache_dir() -> Path:
    """``$FER_CACHE_DIR``, else ``~/.cache/fer_utils``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "fer_utils")


def fingerprint(stats: list[tuple[str, os.stat_result]]) -> str:
    """A digest of file names with their sizes and modification times."""
    lines = sorted(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n" for name, stat in stats)
    return hashlib.sha1("".join(lines).encode()).hexdigest()


def fingerprint_files(paths: list[Path]) -> str:
    """:func:`fingerprint` of files given by path."""
    return fingerprint([(str(path), path.stat()) for path in paths])


def load_cached(
    kind: str,
    source: Path,
    options: dict,
    fingerprint: str,
    build: Callable[[], tuple[FaceDataset, list[str]]],
    use_cache: bool = True,
) -> FaceDataset:
    """Return the cached dataset for ``source`` if still valid, else ``build()`` it.

    ``build`` returns the dataset and the warnings it raised while loading; those
    are stored with the entry and raised again on every cache hit, so a resized
    image is never reported once and then forgotten.
    """
    if not use_cache:
        dataset, _ = build()
        return dataset
    key = json.dumps([CACHE_FORMAT, kind, str(source.resolve()), options], sort_keys=True)
    path = cache_dir() / f"{kind}-{hashlib.sha1(key.encode()).hexdigest()[:16]}.npz"
    cached = _read(path, fingerprint)
    if cached is not None:
        dataset, messages = cached
        for message in messages:
            warnings.warn(message, DataWarning, stacklevel=3)
        return dataset
    dataset, messages = build()
    _write(path, dataset, fingerprint, messages)
    return dataset


def _read(path: Path, fingerprint: str) -> tuple[FaceDataset, list[str]] | None:
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as entry:
            meta = json.loads(str(entry["meta"]))
            if meta["fingerprint"] != fingerprint:
                return None
            dataset = FaceDataset(
                images=entry["images"],
                labels=entry["labels"],
                splits=entry["splits"],
                sources=entry["sources"],
                name=meta["name"],
                origin=meta["origin"],
            )
    except (OSError, ValueError, KeyError) as error:
        warnings.warn(f"ignoring unreadable cache entry {path}: {error}", DataWarning)
        return None
    return dataset, meta["warnings"]


def _write(path: Path, dataset: FaceDataset, fingerprint: str, messages: list[str]) -> None:
    meta = {
        "fingerprint": fingerprint,
        "name": dataset.name,
        "origin": dataset.origin,
        "warnings": messages,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(
            partial,
            images=dataset.images,
            labels=dataset.labels,
            splits=dataset.splits,
            sources=dataset.sources,
            meta=np.array(json.dumps(meta)),
        )
        os.replace(partial, path)
    except OSError as error:
        warnings.warn(f"could not write the dataset cache {path}: {error}", DataWarning)
