"""An on-disk cache of loaded datasets, so the second load takes well under a second.

Decoding 35,887 JPEGs or parsing a 290 MB CSV takes seconds; reading the same
arrays back from an uncompressed ``.npz`` takes a fraction of that. Each entry
stores a fingerprint of its source (file sizes and modification times), and an
entry whose fingerprint no longer matches is rebuilt. Nothing is pickled.

The cache is only ever a shortcut: a damaged entry (cut off, corrupted) is
reported as a warning naming it, deleted and rebuilt; a cache folder that
cannot be written (a file of that name, no permission, a full disk) is reported
as a warning naming it and ``$FER_CACHE_DIR``, and the data is loaded without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from fer_utils.config import cache_dir, storage_error
from fer_utils.data.dataset import FaceDataset
from fer_utils.errors import DataWarning

CACHE_FORMAT = 1


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
    try:
        if not path.is_file():
            return None
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
            messages = [str(m) for m in meta["warnings"]]
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001  (BadZipFile, EOFError, OSError, ValueError, KeyError, ...)
        warnings.warn(f"damaged dataset cache entry {path} ({type(error).__name__}: {error}); "
                      f"deleting it and loading the data again", DataWarning, stacklevel=3)
        try:
            path.unlink(missing_ok=True)
        except OSError as failure:
            warnings.warn(str(storage_error(failure, path, "delete the damaged cache entry")), DataWarning,
                          stacklevel=3)
        return None
    return dataset, messages


def _write(path: Path, dataset: FaceDataset, fingerprint: str, messages: list[str]) -> None:
    meta = {
        "fingerprint": fingerprint,
        "name": dataset.name,
        "origin": dataset.origin,
        "warnings": messages,
    }
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(path)
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
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        warnings.warn(f"{storage_error(error, path, 'write the dataset cache')}; the data was loaded without "
                      f"the cache", DataWarning, stacklevel=3)


def _remove_orphans(path: Path) -> None:
    """Delete partial files of this entry left by processes killed while writing it."""
    for leftover in path.parent.glob(f"{path.stem}.*.tmp.npz"):
        pid = leftover.name[len(path.stem) + 1:].partition(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
