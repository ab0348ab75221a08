"""Readers for the dataset layouts people actually download.

All of them return the same :class:`~fer_utils.data.dataset.FaceDataset`:

* ``fer2013.csv``, the original competition file (``emotion,pixels,Usage``);
* the image-folder layout of the popular Kaggle re-packaging
  (``train|test/<emotion>/<Usage>_<id>.jpg``), or any ``<emotion>/`` folders;
* RAF-DB's basic layout (``EmoLabel/list_patition_label.txt`` + ``Image/aligned/``).

Where a layout keeps FER-2013's split (the ``Usage`` column or file-name prefix)
it is used as is; otherwise a seeded, stratified split is made, and said (a
:class:`~fer_utils.errors.DataWarning`). Bad input raises
:class:`~fer_utils.errors.DataFormatError` naming the file and row or image; a
damaged image (cut off, empty) is left out with a warning naming it; a file or
folder that may not be read raises :class:`~fer_utils.errors.StorageError`.
Warnings are stored with the cache entry and said again on every cache hit.
"""

from __future__ import annotations

import io
import os
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
import pandas as pd

from fer_utils.data.cache import fingerprint, fingerprint_files, load_cached
from fer_utils.data.dataset import SPLIT_TO_USAGE, USAGE_TO_SPLIT, FaceDataset, stratified_split
from fer_utils.config import storage_error
from fer_utils.errors import DamagedImageError, DataFormatError, DataWarning, ImageError
from fer_utils.data.labels import EMOTIONS, NUM_CLASSES, RAFDB_TO_FER, label_of_folder
from fer_utils.data.image_files import decode_image, judge_messages, native_messages, opencv_log, progress_bar

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
METADATA_FOLDERS = {"__MACOSX"}
"""Folders that archive tools add (macOS' resource forks): skipped with a warning."""


def _raise_problems(where: str, problems: list[str]) -> None:
    if problems:
        shown = problems[:MAX_LISTED_PROBLEMS]
        more = len(problems) - len(shown)
        tail = f"\n  ... and {more} more" if more > 0 else ""
        raise DataFormatError(f"{where}:\n  " + "\n  ".join(shown) + tail)


# --------------------------------------------------------------------------- CSV


def load_fer_csv(path, *, seed: int = 0, use_cache: bool = True) -> FaceDataset:
    """Load ``fer2013.csv`` (columns ``emotion,pixels[,Usage]``).

    Without a ``Usage`` column the rows are split 80/10/10, stratified with
    ``seed``, and a :class:`~fer_utils.errors.DataWarning` says so.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such CSV file: {path}")
    try:
        stamp = fingerprint_files([path])
    except OSError as error:
        raise storage_error(error, path, "read") from None
    return load_cached(
        "csv",
        path,
        {"seed": seed},
        stamp,
        lambda: _parse_fer_csv(path, seed),
        use_cache,
    )


def _parse_fer_csv(path: Path, seed: int) -> tuple[FaceDataset, list[str]]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise storage_error(error, path, "read") from None
    raw = _csv_text(path, raw)
    try:
        table = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig")
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
    line = _row_lines(raw, len(table))
    messages = []

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
        messages.append(f"{path}: no Usage column, so the {len(table):,} rows were split "
                        f"{_fractions(FULL_SPLIT)} into {', '.join(FULL_SPLIT)}, stratified by emotion with "
                        f"seed {seed}")
        warnings.warn(messages[-1], DataWarning, stacklevel=4)

    images = _parse_pixel_rows(path, table["pixels"].tolist(), line)
    dataset = FaceDataset(
        images=images,
        labels=labels,
        splits=splits,
        sources=np.char.add(f"{path.name}:", line.astype(str)),
        name="FER-2013 (CSV)",
        origin=str(path),
    )
    return dataset, messages


COMPRESSED = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip", b"BZh": "bzip2", b"\xfd7zXZ": "xz", b"7z\xbc\xaf": "7z"}
"""The first bytes of compressed files someone might name ``.csv``."""


def _csv_text(path: Path, raw: bytes) -> bytes:
    """The CSV's bytes as UTF-8: a UTF-16 file (as some spreadsheets save it) is
    converted; a compressed or binary file is refused, named."""
    for magic, kind in COMPRESSED.items():
        if raw.startswith(magic):
            raise DataFormatError(f"{path}: a {kind}-compressed file, not a CSV text; unpack it first")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16").encode()
        except UnicodeDecodeError:
            raise DataFormatError(f"{path}: starts like UTF-16 text but is not") from None
    if b"\x00" in raw[:4096]:
        raise DataFormatError(f"{path}: not a CSV text file (it holds binary data)")
    return raw


def _fractions(fractions: dict) -> str:
    return "/".join(f"{100 * f:g}" for f in fractions.values())


def _row_lines(raw: bytes, rows: int) -> np.ndarray:
    """The line of the file (1 = the header) each of the ``rows`` rows pandas read
    comes from: pandas skips blank lines, so counting rows would not do."""
    buffer = np.frombuffer(raw, np.uint8)
    starts = np.concatenate([[0], np.flatnonzero(buffer == ord("\n")) + 1])
    ends = np.concatenate([starts[1:] - 1, [len(raw)]])
    blank = starts == ends
    for i in np.flatnonzero(~blank):
        if raw[starts[i]] in b" \t\r\x0b\x0c":  # a line of only whitespace is blank too
            blank[i] = not raw[starts[i]:ends[i]].strip()
    numbers = np.flatnonzero(~blank) + 1
    if len(numbers) == rows + 1:
        return numbers[1:]
    return np.arange(rows) + 2  # line breaks inside quoted fields: count rows


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

    values, step = [], 2000
    with warnings.catch_warnings(), progress_bar(n, f"parsing {path.name}", "face", unit_scale=True,
                                                 leave=False) as bar:
        warnings.simplefilter("error")  # NumPy warns (not fails) when it stops early
        try:
            for start in range(0, n, step):  # in chunks, for the progress bar: the first load parses 35,887 faces
                values.append(np.fromstring(" ".join(rows[start:start + step]), dtype=np.int32, sep=" "))
                bar.update(min(step, n - start))
            values = np.concatenate(values) if values else np.zeros(0, np.int32)
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
    with ``seed``, stratified by emotion, and a warning says so. Hidden files
    (``.DS_Store``, macOS' ``._name.jpg``), ``__MACOSX`` folders and files that
    are not images are skipped with a warning; damaged images (cut off, empty)
    are left out with a warning naming each.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"no such folder: {root}")
    try:
        listing = _list_image_folder(root)
    except OSError as error:
        raise storage_error(error, error.filename or root, "read") from None
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


def _ignored(name: str) -> bool:
    """Hidden entries (``.DS_Store``, ``._photo.jpg``, ``.ipynb_checkpoints``) and archive metadata."""
    return name.startswith(".") or name in METADATA_FOLDERS


def _list_image_folder(root: Path) -> list[_ListedImage]:
    """Every image below ``root`` with its label and split; unknown emotion folders fail.

    Uses ``os.scandir`` on plain strings: listing and stat-ing 35,887 files this
    way costs a fraction of what ``pathlib`` does, and the listing is all a
    cache hit needs.
    """
    top = sorted(os.scandir(root), key=lambda e: e.name)
    skipped = [e.name for e in top if _ignored(e.name)]
    children = [e.name for e in top if e.is_dir() and not _ignored(e.name)]
    split_folders = [c for c in children if c.lower() in SPLIT_FOLDERS]
    if split_folders:
        others = [c for c in children if c.lower() not in SPLIT_FOLDERS]
        if others:
            raise DataFormatError(
                f"{root}: folder(s) {', '.join(others)} beside the split folder(s) {', '.join(split_folders)}; "
                f"expected only split folders ({', '.join(sorted(set(SPLIT_FOLDERS)))}) at the top, each "
                f"holding emotion folders: move or remove {', '.join(others)}"
            )
        groups = [(c, SPLIT_FOLDERS[c.lower()]) for c in children]
        skipped += [e.name for e in top if not e.is_dir() and not _ignored(e.name)]
    else:
        groups = [("", UNSPLIT)]  # emotion folders directly under the root
    listed, unknown = [], []
    for group, group_split in groups:
        for emotion_dir in sorted(os.scandir(os.path.join(root, group)), key=lambda e: e.name):
            relative_dir = f"{group}/{emotion_dir.name}" if group else emotion_dir.name
            if _ignored(emotion_dir.name):
                if group:
                    skipped.append(relative_dir)
                continue
            if not emotion_dir.is_dir():
                skipped.append(relative_dir)
                continue
            label = label_of_folder(emotion_dir.name)
            if label is None:
                unknown.append(relative_dir + _looks_like_a_dataset(root / relative_dir))
                continue
            for entry in sorted(os.scandir(emotion_dir.path), key=lambda e: e.name):
                name = entry.name
                if _ignored(name) or name.rpartition(".")[2].lower() not in IMAGE_SUFFIXES or not entry.is_file():
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


def _looks_like_a_dataset(folder: Path) -> str:
    """A hint for an unknown emotion folder that holds split or emotion folders itself."""
    try:
        inner = [e.name for e in os.scandir(folder) if e.is_dir()]
    except OSError:
        return ""
    if any(n.lower() in SPLIT_FOLDERS or label_of_folder(n) is not None for n in inner):
        return f" (it holds a dataset itself: pass {folder})"
    return ""


def _read_image_folder(root: Path, listing, seed: int) -> tuple[FaceDataset, list[str]]:
    names = [item.name for item in listing]
    images, kept, messages = _read_images(root, names, IMAGE_SIZE, grayscale=True)
    listing = [listing[i] for i in kept]
    names = [item.name for item in listing]
    labels = np.array([item.label for item in listing], dtype=np.int64)
    splits = np.array([item.split for item in listing], dtype="<U10")
    for marker, fractions, which in ((UNSPLIT, FULL_SPLIT, "carry no split (no Training_, PublicTest_ or "
                                      "PrivateTest_ prefix, no split folder)"),
                                     (HELD_OUT, HELD_OUT_SPLIT, "of the test folder carry no PublicTest_ or "
                                      "PrivateTest_ prefix")):
        members = np.flatnonzero(splits == marker)
        if len(members):
            splits[members] = stratified_split(labels[members], fractions, seed)
            messages.append(f"{root}: {len(members):,} images {which}, so they were split "
                            f"{_fractions(fractions)} into {', '.join(fractions)}, stratified by emotion with "
                            f"seed {seed}")
            warnings.warn(messages[-1], DataWarning, stacklevel=4)
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
) -> tuple[np.ndarray, list[int], list[str]]:
    """Decode the files ``names`` (relative to ``root``) in parallel threads
    (OpenCV releases the GIL while decoding), each checked as
    :func:`~fer_utils.data.image_files.decode_image` checks a photo.

    Returns the images, the indices of ``names`` they are, and the warnings
    given. A damaged image (cut off, empty, or one its decoder says is damaged)
    is left out with a warning naming each; a file that is no image, too large
    or may not be read fails, named. What the decoders print about an image they
    still read is a warning naming it. Images of another size are resized to
    ``size``, with a warning that names them unless resizing is what the caller
    asked for (``warn_on_resize=False``); ``size=None`` keeps the size of the
    first image and requires all to match.
    """
    flag = cv2.IMREAD_GRAYSCALE if grayscale else cv2.IMREAD_COLOR

    def read(name):
        """The image, or None and why not: ("damaged" or "unusable", message)."""
        path = os.path.join(root, name)
        try:
            data = np.fromfile(path, dtype=np.uint8)
        except OSError as error:
            return None, ("unusable", f"{name}: {storage_error(error, path, 'read')}")
        try:
            return decode_image(data, name, flag, capture=False)[0], None
        except DamagedImageError as error:
            return None, ("damaged", str(error))
        except ImageError as error:
            return None, ("unusable", str(error))

    workers = max(1, min(4, os.cpu_count() or 1))
    step = 512
    # the first load of a dataset decodes every file (35,887 for FER-2013): a progress bar counts them, made
    # before native_messages() takes standard error over, so that the decoders' messages and the bar stay apart
    with progress_bar(len(names), f"reading {root.name}", "image", unit_scale=True, leave=False) as bar:
        def read_chunk(chunk):
            out = [read(name) for name in chunk]
            bar.update(len(chunk))
            return out

        with native_messages() as printed, ThreadPoolExecutor(workers) as pool:
            results = [r for chunk in pool.map(read_chunk, [names[i:i + step] for i in range(0, len(names), step)])
                       for r in chunk]

    notes, heard = [], set()
    if any(not opencv_log(line) for line in printed.lines):  # a decoder spoke: about which images?
        with native_messages() as output:
            for i, (_, failure) in enumerate(results):
                again = read(names[i])  # failed ones too: what they make the decoder say is theirs
                said = output.take()
                heard.update(said)
                if failure is not None and failure[0] == "damaged":
                    continue
                try:
                    lines = judge_messages(names[i], said)
                except DamagedImageError as error:  # "not enough image data": damaged, not foreign
                    results[i] = None, ("damaged", str(error))
                    continue
                if failure is None:
                    results[i] = again
                    notes += [f"{names[i]} ({line})" for line in lines]
        unclaimed = [line for line in printed.lines if line not in heard and not opencv_log(line)]
        if unclaimed:  # printed by something else meanwhile: let it through
            print("\n".join(unclaimed), file=sys.stderr)
    unusable = [failure[1] for _, failure in results if failure and failure[0] == "unusable"]
    _raise_problems(f"{root}: unreadable image file(s)", unusable)
    damaged = [failure[1] for _, failure in results if failure and failure[0] == "damaged"]
    kept = [i for i, (image, _) in enumerate(results) if image is not None]
    if not kept:
        raise DataFormatError(f"{root}: every image is damaged: " + "; ".join(damaged[:MAX_LISTED_PROBLEMS]))
    decoded = [results[i][0] for i in kept]

    messages = []
    if damaged:
        messages.append(f"{root}: left out {len(damaged)} damaged image(s): " + "; ".join(damaged))
    if notes:
        messages.append(f"{root}: the image decoder reported problems in {len(notes)} image(s) it still read: "
                        + "; ".join(notes))
    shape = (size, size) if size else decoded[0].shape[:2]
    resized = []
    for i, img in enumerate(decoded):
        name = names[kept[i]]
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
    if resized and warn_on_resize:
        messages.append(
            f"{root}: resized {len(resized)} image(s) to {shape[1]}x{shape[0]}: "
            + ", ".join(resized[:MAX_LISTED_PROBLEMS])
            + (" ..." if len(resized) > MAX_LISTED_PROBLEMS else "")
        )
    for message in messages:
        warnings.warn(message, DataWarning, stacklevel=4)
    return np.stack(decoded), kept, messages


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
    try:
        entries = _read_rafdb_labels(root, label_file)
        stamp = fingerprint_files([label_file, *(p for p, _ in entries)])
    except OSError as error:
        raise storage_error(error, error.filename or label_file, "read") from None
    return load_cached(
        "rafdb",
        root,
        {"size": size, "grayscale": grayscale, "seed": seed},
        stamp,
        lambda: _read_rafdb(root, entries, size, grayscale, seed),
        use_cache,
    )


def _read_rafdb_labels(root: Path, label_file: Path) -> list[tuple[Path, int]]:
    entries, problems = [], []
    try:
        lines = label_file.read_text().splitlines()
    except UnicodeDecodeError:
        raise DataFormatError(f"{label_file}: not a text file (expected '<name>.jpg <label 1-7>' lines)") from None
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
    names = [str(p.relative_to(root)) for p, _ in entries]
    images, kept, messages = _read_images(root, names, size, grayscale, warn_on_resize=False)
    entries, names = [entries[i] for i in kept], [names[i] for i in kept]
    paths = [p for p, _ in entries]
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
