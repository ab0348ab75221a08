"""Finding the dataset: explicit path, then ``$FER_DATA``, then ``data/``, then the demo set.

A fresh clone with no download still runs every chapter on the generated demo
set; that fallback is announced once per process, never taken silently.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from fer_utils.data.dataset import FaceDataset
from fer_utils.errors import DataFormatError
from fer_utils.data.loaders import RAFDB_LABEL_FILE, load_fer_csv, load_image_folder, load_rafdb
from fer_utils.config import project_root
from fer_utils.config import Profile, active_profile
from fer_utils.data.synthetic import make_demo_dataset

DATA_ENV = "FER_DATA"
_demo_announced = False


def default_data_candidates() -> list[Path]:
    """Where a user is told to put the dataset: ``data/fer2013.csv`` or ``data/fer2013/``."""
    data = project_root() / "data"
    return [data / "fer2013.csv", data / "fer2013"]


def find_data(path=None) -> tuple[Path | None, str]:
    """The dataset location and how it was chosen; ``(None, reason)`` if none exists.

    An explicit path or ``$FER_DATA`` that does not exist is an error, not a
    reason to fall back: the user asked for that data.
    """
    if path is not None:
        chosen, how = Path(path), "path argument"
    elif os.environ.get(DATA_ENV):
        chosen, how = Path(os.environ[DATA_ENV]), f"${DATA_ENV}"
    else:
        for candidate in default_data_candidates():
            if candidate.exists():
                return candidate, "found in data/"
        return None, f"no dataset: no path given, ${DATA_ENV} unset, nothing in data/"
    if not chosen.exists():
        raise FileNotFoundError(f"{chosen} (from {how}) does not exist")
    return chosen, how


def load_path(path) -> FaceDataset:
    """Load a dataset file or folder, recognising its layout."""
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() != ".csv":
            raise DataFormatError(f"{path}: expected fer2013.csv or a dataset folder")
        return load_fer_csv(path)
    if (path / RAFDB_LABEL_FILE).is_file():
        return load_rafdb(path)
    return load_image_folder(path)


def load_dataset(path=None, profile: Profile | str | None = None) -> FaceDataset:
    """The dataset every chapter uses: real data when found, else the demo set."""
    location, reason = find_data(path)
    if location is not None:
        return load_path(location)
    profile = profile if isinstance(profile, Profile) else active_profile(profile)
    global _demo_announced
    if not _demo_announced:
        print(
            f"{reason}.\nUsing the generated demo set ({profile.demo_images} synthetic "
            "faces); see data/README.md to get FER-2013.",
            file=sys.stderr,
        )
        _demo_announced = True
    return make_demo_dataset(profile.demo_images)
