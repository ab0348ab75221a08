"""Finding the dataset: explicit path, then ``$FER_DATA``, then ``data/``, then the demo set.

A fresh clone with no download still runs every chapter on the generated demo
set; that fallback is announced once per process, never taken silently.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from fer_utils.config import DATA_ENV, Profile, active_profile, project_root
from fer_utils.data.dataset import FaceDataset, dataset_digest
from fer_utils.data.loaders import RAFDB_LABEL_FILE, load_fer_csv, load_image_folder, load_rafdb
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.errors import DataFormatError

_demo_announced = False
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".gz", ".bz2", ".xz", ".7z", ".rar")


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
        if path.name.lower().endswith(ARCHIVE_SUFFIXES):
            raise DataFormatError(f"{path}: an archive; unpack it first and pass the CSV or folder inside")
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


def chapter_data(profile: Profile | str | None = None, data=None) -> tuple[Profile, FaceDataset]:
    """Every chapter's setup: the profile, and the dataset cut to its budget. Prints
    the same three lines in every chapter (the data and where it came from, the
    digest of all its images, labels and splits, and the profile), so a reader
    sees which data every number of the chapter comes from. The folder is named
    without its path: an executed chapter holds no machine's paths."""
    profile = profile if isinstance(profile, Profile) else active_profile(profile)
    location, how = find_data(data)
    dataset = load_dataset(data, profile)
    sample = dataset.sample_per_split(profile.images_per_split)
    print(f"data:    {dataset.caption}, {len(dataset):,} images" + (f" from {location.name} ({how})" if location else ""))
    print(f"digest:  {dataset_digest(dataset)}")
    print(f"profile: {profile.name} ({profile.description})")
    return profile, sample
