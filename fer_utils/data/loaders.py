"""Readers for the dataset layouts people actually download.

All of them return the same :class:`~fer_utils.data.dataset.FaceDataset`:

* ``fer2013.csv``, the original competition file (``emotion,pixels,Usage``);
* the image-folder layout of the popular Kaggle re-packaging
  (``train|test/<emotion>/<Usage>_<id>.jpg``), or any ``<emotion>/`` folders;
* RAF-DB's basic layout (``EmoLabel/list_patition_label.txt`` + ``Image/aligned/``).

Where a layout keeps FER-2013's split (the ``Usage`` column or file-name prefix)
it is used as is; otherwise a seeded, stratified split is made. Bad input raises
:class:`~fer_utils.errors.DataFormatError` naming the file and row or image.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
import pandas as pd

from fer_utils.data.cache import fingerprint, fingerprint_files, load_cached
from fer_utils.data.dataset import SPLIT_TO_USAGE, USAGE_TO_SPLIT, FaceDataset, stratified_split
from fer_utils.errors import DataFormatError, DataWarning
from fer_utils.data.labels import EMOTIONS, NUM_CLASSES, RAFDB_TO_FER, label_of_folder

IMAGE_SIZE = 48
PIXELS_PER_IMAGE = IMAGE_SIZE * IMAGE_SIZE
IMAGE_SUFFIXES = {"jpg", "jpeg", "png", "bmp", "pgm", "tif", "tiff", "webp"}

FULL_SPLIT = {"train": 0.8, "validation": 0.1, "test": 0.1}
"""Fractions for layouts that carry no split at all (FER-2013's own proportions)."""
HELD_OUT_SPLIT = {"validation": 0.5, "test": 0.5}
"""A held-out folder without Public/Private prefixes is halved, like FER-2013's test set."""
RAFDB_VALIDATION_FRACTION = 0.1

UNSPLIT, HELD_OUT = "unsplit", "held-out"
"""Provisional split markers, replaced by a seeded stratified split after listing."""

SPLIT_FOLDERS = {
    "train": "train",
    "training": "train",
    "val": "validation",
    "valid": "validation",
    "validation": "validation",
    "publictest": "validation",
    "test": "held-out",  # FER-2013 file-name prefixes decide, else halved
    "testing": "held-out",
    "privatetest": "test",
}
MAX_LISTED_PROBLEMS = 10


def _raise_problems(where: str, problems: list[str]) -> None:
    if problems:
        shown = problems[:MAX_LISTED_PROBLEMS]
        more = len(problems) - len(shown)
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise DataFormatError(f"{where}:\n  " + "\n  ".join(shown) + tail)


# --------------------------------------------------------------------------- CSV


def load_fer_csv(path, *, seed: int = 0, use_cache: bool = True) -> FaceDataset:
    """Load ``fer2013.csv`` (columns ``emotion,pixels[,Usage]``).

    Without a ``Usage`` column the rows are split 80/10/10, stratified with ``seed``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such CSV file: {path}")
    return load_cached(
        "csv",
        path,
        {"seed": seed},
        fingerprint_files([path]),
        lambda: (_parse_fer_csv(path, seed), []),
        use_cache,
    )


def _parse_fer_csv(path: Path, seed: int) -> FaceDataset:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataFormatError(f"{path}: not a readable CSV file ({error})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = {"emotion", "pixels"} - set(table.columns)
    if missing:
        raise DataFormatError(
            f"{path}: missing column(s) {sorted(missing)}; found {list(table.columns)} "
            "(expected emotion,pixels,Usage)"
        )
    if table.empty:
        raise DataFormatError(f"{path}: the file has a header but no rows")
    line = np.arange(len(table)) + 2  # the header is line 1

    labels = pd.to_numeric(table["emotion"].str.strip(), errors="coerce")
    bad = np.flatnonzero(~labels.isin(range(NUM_CLASSES)).to_numpy())
    _raise_problems(
        f"{path}: unknown emotion label (expected an integer 0-{NUM_CLASSES - 1})",
        [f"line {line[i]}: emotion {table['emotion'].iat[i]!r}" for i in bad],
    )
    labels = labels.to_numpy(dtype=np.int64)

    if "usage" in table.columns:
        usage = table["usage"].str.strip()
        bad = np.flatnonzero(~usage.isin(list(USAGE_TO_SPLIT)).to_numpy())
        _raise_problems(
            f"{path}: unknown Usage (expected one of {list(USAGE_TO_SPLIT)})",
            [f"line {line[i]}: Usage {usage.iat[i]!r}" for i in bad],
        )
        splits = usage.map(USAGE_TO_SPLIT).to_numpy(dtype="<U10")
    else:
        splits = stratified_split(labels, FULL_SPLIT, seed)

    images = _parse_pixel_rows(path, table["pixels"].tolist(), line)
    return FaceDataset(
        images=images,
        labels=labels,
        splits=splits,
        sources=np.char.add(f"{path.name}:", line.astype(str)),
        name="FER-2013 (CSV)",
        origin=str(path),
    )


def _parse_pixel_rows(path: Path, rows: list[str], line: np.ndarray) -> np.ndarray:
    """Space-separated pixel strings to an (N, 48, 48) uint8 array, checked row by row.

    The fast path parses all rows in one ``np.fromstring`` call; only rows that
    look wrong are inspected one by one, so that an error can name them.
    """
    n = len(rows)
    spaces = np.fromiter((row.count(" ") for row in rows), dtype=np.int64, count=n)
    problems = []
    for i in np.flatnonzero(spaces != PIXELS_PER_IMAGE - 1):
        found = len(rows[i].split())  # tolerate extra whitespace, count real values
        if found != PIXELS_PER_IMAGE:
            problems.append(f"line {line[i]}: {found} pixel values, expected {PIXELS_PER_IMAGE}")
    _raise_problems(f"{path}: wrong number of pixels", problems)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy warns (not fails) when it stops early
        try:
            values = np.fromstring(" ".join(rows), dtype=np.int32, sep=" ")
        except (DeprecationWarning, ValueError):
            values = None
    if values is None or values.size != n * PIXELS_PER_IMAGE:
        problems = [
            f"line {line[i]}: pixel value {token!r} is not an integer"
            for i, row in enumerate(rows)
            for token in row.split()
            if not token.isdigit()
        ]
        _raise_problems(f"{path}: non-integer pixel values", problems)
        raise DataFormatError(f"{path}: could not parse the pixels column")
    out_of_range = np.flatnonzero((values < 0) | (values > 255))
    _raise_problems(
        f"{path}: pixel values outside 0-255",
        [
            f"line {line[i // PIXELS_PER_IMAGE]}: pixel {i % PIXELS_PER_IMAGE} is {values[i]}"
            for i in out_of_range
        ],
    )
    return values.astype(np.uint8).reshape(n, IMAGE_SIZE, IMAGE_SIZE)


def write_fer_csv(dataset: FaceDataset, path) -> Path:
    """Write ``dataset`` in the original ``fer2013.csv`` format (for conversion and tests)."""
    if dataset.images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"fer2013.csv holds 48x48 grayscale images, not {dataset.images.shape[1:]}")
    path = Path(path)
    with path.open("w", newline="\n") as out:
        out.write("emotion,pixels,Usage\n")
        for image, label, split in zip(dataset.images, dataset.labels, dataset.splits):
            pixels = " ".join(map(str, image.ravel().tolist()))
            out.write(f"{label},{pixels},{SPLIT_TO_USAGE[split]}\n")
    return path


# ------------------------------------------------------------------ image folders


def load_image_folder(path, *, seed: int = 0, use_cache: bool = True) -> FaceDataset:
    """Load ``[split/]<emotion>/<image>`` folders into 48x48 grayscale images.

    The split of each image comes from its FER-2013 file-name prefix
    (``Training_``, ``PublicTest_``, ``PrivateTest_``) when present, else from its
    split folder (``train``, ``val``, ``test``); images with neither are split
    with ``seed``, stratified by emotion.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"no such folder: {root}")
    listing = _list_image_folder(root)
    return load_cached(
        "folder",
        root,
        {"seed": seed},
        fingerprint([(item.name, item.stat) for item in listing]),
        lambda: _read_image_folder(root, listing, seed),
        use_cache,
    )


class _ListedImage(NamedTuple):
    name: str  # relative to the dataset root, with "/" separators
    stat: os.stat_result
    label: int
    split: str  # a protocol split, or UNSPLIT / HELD_OUT until the seeded split


def _list_image_folder(root: Path) -> list[_ListedImage]:
    """Every image below ``root`` with its label and split; unknown emotion folders fail.

    Uses ``os.scandir`` on plain strings: listing and stat-ing 35,887 files this
    way costs a fraction of what ``pathlib`` does, and the listing is all a
    cache hit needs.
    """
    children = sorted(e.name for e in os.scandir(root) if e.is_dir() and e.name[0] != ".")
    if children and all(c.lower() in SPLIT_FOLDERS for c in children):
        groups = [(c, SPLIT_FOLDERS[c.lower()]) for c in children]
    else:
        groups = [("", UNSPLIT)]  # emotion folders directly under the root
    listed, unknown, skipped = [], [], []
    for group, group_split in groups:
        for emotion_dir in sorted(os.scandir(os.path.join(root, group)), key=lambda e: e.name):
            relative_dir = f"{group}/{emotion_dir.name}" if group else emotion_dir.name
            if not emotion_dir.is_dir():
                skipped.append(relative_dir)
                continue
            label = label_of_folder(emotion_dir.name)
            if label is None:
                unknown.append(relative_dir)
                continue
            for entry in sorted(os.scandir(emotion_dir.path), key=lambda e: e.name):
                name = entry.name
                if name.rpartition(".")[2].lower() not in IMAGE_SUFFIXES or not entry.is_file():
                    skipped.append(f"{relative_dir}/{name}")
                    continue
                split = USAGE_TO_SPLIT.get(name.partition("_")[0], group_split)
                listed.append(_ListedImage(f"{relative_dir}/{name}", entry.stat(), label, split))
    if unknown:
        raise DataFormatError(
            f"{root}: unknown emotion folder(s) {', '.join(unknown)}; "
            f"expected folders named {', '.join(EMOTIONS)}"
        )
    if skipped:
        warnings.warn(
            f"{root}: skipped {len(skipped)} entries that are not images in an emotion "
            f"folder, e.g. {', '.join(skipped[:3])}",
            DataWarning,
            stacklevel=3,
        )
    if not listed:
        raise DataFormatError(f"{root}: no images found (expected [split/]<emotion>/<image>)")
    return listed


def _read_image_folder(root: Path, listing, seed: int) -> tuple[FaceDataset, list[str]]:
    names = [item.name for item in listing]
    images, messages = _read_images(root, names, IMAGE_SIZE, grayscale=True)
    labels = np.array([item.label for item in listing], dtype=np.int64)
    splits = np.array([item.split for item in listing], dtype="<U10")
    for marker, fractions in ((UNSPLIT, FULL_SPLIT), (HELD_OUT, HELD_OUT_SPLIT)):
        members = np.flatnonzero(splits == marker)
        if len(members):
            splits[members] = stratified_split(labels[members], fractions, seed)
    has_fer_names = all(n.rpartition("/")[2].partition("_")[0] in USAGE_TO_SPLIT for n in names)
    dataset = FaceDataset(
        images=images,
        labels=labels,
        splits=splits,
        sources=np.array(names),
        name="FER-2013 (image folders)" if has_fer_names else f"Image folders ({root.name})",
        origin=str(root),
    )
    return dataset, messages


def _read_images(
    root: Path, names: list[str], size: int | None, grayscale: bool, warn_on_resize: bool = True
) -> tuple[np.ndarray, list[str]]:
    """Decode the files ``names`` (relative to ``root``) in parallel threads
    (OpenCV releases the GIL while decoding).

    Images of another size are resized to ``size``, with a warning that names
    them unless resizing is what the caller asked for (``warn_on_resize=False``);
    ``size=None`` keeps the size of the first image and requires all to match.
    """
    flag = cv2.IMREAD_GRAYSCALE if grayscale else cv2.IMREAD_COLOR

    def read_chunk(chunk):
        return [cv2.imread(os.path.join(root, name), flag) for name in chunk]

    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        decoded_chunks = list(pool.map(read_chunk, [names[i::workers] for i in range(workers)]))
    decoded = [None] * len(names)
    for w, chunk in enumerate(decoded_chunks):
        decoded[w::workers] = chunk

    unreadable = [name for name, img in zip(names, decoded) if img is None]
    _raise_problems(f"{root}: unreadable image file(s)", unreadable)
    shape = (size, size) if size else decoded[0].shape[:2]
    resized = []
    for i, (name, img) in enumerate(zip(names, decoded)):
        if img.shape[:2] != shape:
            if size is None:
                raise DataFormatError(
                    f"{root / name}: image is {img.shape[1]}x{img.shape[0]}, the others "
                    f"{shape[1]}x{shape[0]}; pass a size to resize them"
                )
            resized.append(f"{name} ({img.shape[1]}x{img.shape[0]})")
            decoded[i] = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        if not grayscale:
            decoded[i] = cv2.cvtColor(decoded[i], cv2.COLOR_BGR2RGB)
    messages = []
    if resized and warn_on_resize:
        messages.append(
            f"{root}: resized {len(resized)} image(s) to {shape[1]}x{shape[0]}: "
            + ", ".join(resized[:MAX_LISTED_PROBLEMS])
            + (" ..." if len(resized) > MAX_LISTED_PROBLEMS else "")
        )
        warnings.warn(messages[-1], DataWarning, stacklevel=4)
    return np.stack(decoded), messages


# ------------------------------------------------------------------------ RAF-DB

RAFDB_LABEL_FILE = Path("EmoLabel") / "list_patition_label.txt"
RAFDB_IMAGE_DIR = Path("Image") / "aligned"


def load_rafdb(
    path, *, size: int | None = IMAGE_SIZE, grayscale: bool = True, seed: int = 0,
    use_cache: bool = True,
) -> FaceDataset:
    """Load RAF-DB's basic set, by default as 48x48 grayscale like FER-2013.

    ``size=None, grayscale=False`` keep the aligned 100x100 colour images. RAF-DB
    has train and test only; a stratified 10% of train (seeded) becomes validation.
    """
    root = Path(path)
    label_file = root / RAFDB_LABEL_FILE
    if not label_file.is_file():
        raise FileNotFoundError(f"{root}: no {RAFDB_LABEL_FILE} (not a RAF-DB basic folder)")
    entries = _read_rafdb_labels(root, label_file)
    paths = [p for p, _ in entries]
    return load_cached(
        "rafdb",
        root,
        {"size": size, "grayscale": grayscale, "seed": seed},
        fingerprint_files([label_file, *paths]),
        lambda: _read_rafdb(root, entries, size, grayscale, seed),
        use_cache,
    )


def _read_rafdb_labels(root: Path, label_file: Path) -> list[tuple[Path, int]]:
    entries, problems = [], []
    lines = label_file.read_text().splitlines()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        fields = text.split()
        if len(fields) != 2 or not fields[1].isdigit() or int(fields[1]) not in RAFDB_TO_FER:
            problems.append(f"line {number}: {text!r} (expected '<name>.jpg <label 1-7>')")
            continue
        name = Path(fields[0])
        image = root / RAFDB_IMAGE_DIR / f"{name.stem}_aligned{name.suffix}"
        if not image.is_file():
            problems.append(f"line {number}: image {image.relative_to(root)} is missing")
            continue
        if not name.name.startswith(("train_", "test_")):
            problems.append(f"line {number}: {name} starts with neither train_ nor test_")
            continue
        entries.append((image, RAFDB_TO_FER[int(fields[1])]))
    _raise_problems(str(label_file), problems)
    if not entries:
        raise DataFormatError(f"{label_file}: no labelled images listed")
    return entries


def _read_rafdb(root, entries, size, grayscale, seed) -> tuple[FaceDataset, list[str]]:
    paths = [p for p, _ in entries]
    names = [str(p.relative_to(root)) for p in paths]
    images, messages = _read_images(root, names, size, grayscale, warn_on_resize=False)
    labels = np.array([label for _, label in entries], dtype=np.int64)
    splits = np.array(["train" if p.name.startswith("train_") else "test" for p in paths], dtype="<U10")
    train = np.flatnonzero(splits == "train")
    fractions = {"train": 1 - RAFDB_VALIDATION_FRACTION, "validation": RAFDB_VALIDATION_FRACTION}
    splits[train] = stratified_split(labels[train], fractions, seed)
    dataset = FaceDataset(
        images=images,
        labels=labels,
        splits=splits,
        sources=np.array(names),
        name="RAF-DB (basic)",
        origin=str(root),
    )
    return dataset, messages
