"""The three layouts load into the same form, and bad input is named, never dropped."""

from __future__ import annotations

import os
import warnings

from pathlib import Path

import numpy as np
import pytest
from builders import FER2013_TEST_COUNTS, FER2013_TRAIN_COUNTS, make_dataset, tiny_faces, write_image

from fer_utils.errors import DataFormatError, DataWarning
from fer_utils.data.labels import EMOTIONS
from fer_utils.data.loaders import load_fer_csv, load_image_folder, load_rafdb, write_fer_csv

LABELS = [0, 1, 2, 3, 4, 5, 6] * 3
SPLITS = ["train"] * 7 + ["validation"] * 7 + ["test"] * 7
PIXELS = " ".join(["7"] * 2304)


def write_csv(path, rows, header="emotion,pixels,Usage"):
    path.write_text(header + "\n" + "".join(row + "\n" for row in rows))
    return path


# ---------------------------------------------------------------- CSV


def test_csv_round_trip_keeps_images_labels_and_splits(tmp_path):
    original = make_dataset(LABELS, SPLITS)
    loaded = load_fer_csv(write_fer_csv(original, tmp_path / "fer2013.csv"))
    np.testing.assert_array_equal(loaded.images, original.images)
    np.testing.assert_array_equal(loaded.labels, original.labels)
    np.testing.assert_array_equal(loaded.splits, original.splits)
    assert loaded.sources[0] == "fer2013.csv:2"  # line 1 is the header
    assert loaded.name == "FER-2013 (CSV)" and not loaded.synthetic


def test_csv_without_usage_gets_a_seeded_stratified_split(tmp_path):
    rows = [f"{label},{PIXELS}" for label in [0, 3] * 50]
    path = write_csv(tmp_path / "train.csv", rows, header="emotion,pixels")
    with pytest.warns(DataWarning, match="no Usage column, so the 100 rows were split 80/10/10"):
        first, again = load_fer_csv(path, use_cache=False), load_fer_csv(path, use_cache=False)
    np.testing.assert_array_equal(first.splits, again.splits)
    counts = first.counts()
    assert counts.loc["train", "Angry"] == 40 and counts.loc["test", "Happy"] == 5


@pytest.mark.parametrize(
    "bad_row, message",
    [
        ("3," + " ".join(["7"] * 2303) + ",Training", "line 3: 2303 pixel values, expected 2304"),
        ("3," + PIXELS.replace("7", "x", 1) + ",Training", "line 3: pixel value 'x' is not an integer"),
        ("3," + PIXELS.replace("7", "7.5", 1) + ",Training", "line 3: pixel value '7.5'"),
        ("3," + PIXELS.replace("7", "256", 1) + ",Training", "line 3: pixel 0 is 256"),
        ("7," + PIXELS + ",Training", "line 3: emotion '7'"),
        ("happy," + PIXELS + ",Training", "line 3: emotion 'happy'"),
        ("3," + PIXELS + ",Validation", "line 3: Usage 'Validation'"),
    ],
    ids=["pixel-count", "non-integer", "decimal", "out-of-range", "label-7", "label-name", "usage"],
)
def test_bad_csv_rows_are_named_by_file_and_line(tmp_path, bad_row, message):
    path = write_csv(tmp_path / "fer2013.csv", [f"0,{PIXELS},Training", bad_row])
    with pytest.raises(DataFormatError, match="fer2013.csv") as caught:
        load_fer_csv(path)
    assert message in str(caught.value)


def test_csv_errors_for_missing_columns_and_empty_files(tmp_path):
    with pytest.raises(DataFormatError, match=r"missing column\(s\) \['pixels'\]"):
        load_fer_csv(write_csv(tmp_path / "a.csv", ["0,Training"], header="emotion,Usage"))
    with pytest.raises(DataFormatError, match="b.csv: the file has a header but no rows"):
        load_fer_csv(write_csv(tmp_path / "b.csv", []))
    (tmp_path / "c.csv").write_text("")
    with pytest.raises(DataFormatError, match="c.csv: not a readable CSV"):
        load_fer_csv(tmp_path / "c.csv")


def test_many_bad_rows_are_all_counted(tmp_path):
    rows = [f"9,{PIXELS},Training"] * 25
    with pytest.raises(DataFormatError, match="and 15 more"):
        load_fer_csv(write_csv(tmp_path / "fer2013.csv", rows))


# ------------------------------------------------------------ image folders


def fer_folder(root, labels=LABELS, splits=SPLITS, prefixed=True, suffix=".png"):
    usage = {"train": "Training", "validation": "PublicTest", "test": "PrivateTest"}
    faces = tiny_faces(len(labels))
    for i, (label, split) in enumerate(zip(labels, splits)):
        top = "train" if split == "train" else "test"
        name = f"{usage[split]}_{i}{suffix}" if prefixed else f"{i}{suffix}"
        write_image(root / top / EMOTIONS[label] / name, faces[i])
    return faces


def test_folder_layout_recovers_splits_from_file_name_prefixes(tmp_path):
    faces = fer_folder(tmp_path)
    loaded = load_image_folder(tmp_path)
    assert loaded.name == "FER-2013 (image folders)"
    assert len(loaded) == len(LABELS)
    for image, label, split, source in zip(loaded.images, loaded.labels, loaded.splits, loaded.sources):
        i = int(source.rsplit("_", 1)[1].split(".")[0])
        assert (label, split) == (LABELS[i], SPLITS[i])
        np.testing.assert_array_equal(image, faces[i])  # PNG is lossless
        assert source.startswith(("train/", "test/")) and EMOTIONS[label] in source


def test_folder_without_prefixes_halves_the_test_folder_with_a_seed(tmp_path):
    labels = [3] * 40 + [4] * 40
    fer_folder(tmp_path, labels, ["train"] * 20 + ["test"] * 20 + ["train"] * 20 + ["test"] * 20, prefixed=False)
    with pytest.warns(DataWarning, match="40 images of the test folder carry no PublicTest_ or PrivateTest_ prefix"):
        loaded = load_image_folder(tmp_path, use_cache=False)
        counts = loaded.counts()
        assert counts.loc["train", "total"] == 40
        assert counts.loc["validation", "Happy"] == 10 and counts.loc["test", "Sad"] == 10
        np.testing.assert_array_equal(loaded.splits, load_image_folder(tmp_path, use_cache=False).splits)
        assert not np.array_equal(loaded.splits, load_image_folder(tmp_path, seed=1, use_cache=False).splits)


def test_emotion_folders_without_splits_and_folder_synonyms(tmp_path):
    faces = tiny_faces(20)
    for i in range(10):
        write_image(tmp_path / "Happiness" / f"{i}.jpg", faces[i])
        write_image(tmp_path / "anger" / f"{i}.jpg", faces[10 + i])
    with pytest.warns(DataWarning, match="20 images carry no split .* seed 0"):
        loaded = load_image_folder(tmp_path)
    assert sorted(set(loaded.labels.tolist())) == [0, 3]
    assert loaded.counts().loc["train", "total"] == 16
    assert loaded.name == f"Image folders ({tmp_path.name})"


def test_unknown_emotion_folder_is_named(tmp_path):
    fer_folder(tmp_path)
    write_image(tmp_path / "train" / "contempt" / "Training_99.png", tiny_faces(1)[0])
    with pytest.raises(DataFormatError, match=r"unknown emotion folder\(s\) train/contempt"):
        load_image_folder(tmp_path)


def test_empty_folder_and_missing_folder(tmp_path):
    (tmp_path / "train" / "happy").mkdir(parents=True)
    with pytest.raises(DataFormatError, match="no images found"):
        load_image_folder(tmp_path)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_image_folder(tmp_path / "nowhere")


def test_unreadable_image_is_named(tmp_path):
    fer_folder(tmp_path)
    (tmp_path / "train" / "sad" / "Training_broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataFormatError, match="train/sad/Training_broken.jpg"):
        load_image_folder(tmp_path)


def test_wrong_size_and_colour_images_are_converted_with_a_warning(tmp_path):
    fer_folder(tmp_path)
    big = np.zeros((64, 64, 3), np.uint8)
    big[:, :, 2] = 200  # red in BGR
    write_image(tmp_path / "train" / "fear" / "Training_big.png", big)
    with pytest.warns(DataWarning, match=r"resized 1 image\(s\) to 48x48: train/fear/Training_big.png \(64x64\)"):
        loaded = load_image_folder(tmp_path)
    converted = loaded.images[list(loaded.sources).index("train/fear/Training_big.png")]
    assert converted.shape == (48, 48)
    assert 50 < converted.mean() < 70  # grayscale of pure red (0.299 * 200)
    with pytest.warns(DataWarning, match="Training_big.png"):  # said again on a cache hit
        load_image_folder(tmp_path)


def test_stray_files_are_reported_not_silently_ignored(tmp_path):
    fer_folder(tmp_path)
    (tmp_path / "train" / "happy" / "notes.txt").write_text("hello")
    with pytest.warns(DataWarning, match="skipped 1 entries .* train/happy/notes.txt"):
        loaded = load_image_folder(tmp_path)
    assert len(loaded) == len(LABELS)


def test_cache_hit_is_identical_and_a_changed_file_invalidates_it(tmp_path):
    fer_folder(tmp_path)
    first = load_image_folder(tmp_path)
    cached = load_image_folder(tmp_path)
    np.testing.assert_array_equal(first.images, cached.images)
    np.testing.assert_array_equal(first.sources, cached.sources)
    assert len(list(Path(os.environ["FER_CACHE_DIR"]).glob("folder-*.npz"))) >= 1

    changed = tmp_path / "train" / "angry" / "Training_0.png"
    write_image(changed, np.full((48, 48), 255, np.uint8))
    os.utime(changed, ns=(1, 1))  # a different mtime, whatever the clock resolution
    reloaded = load_image_folder(tmp_path)
    assert reloaded.images[list(reloaded.sources).index("train/angry/Training_0.png")].min() == 255


# ---------------------------------------------------------------- RAF-DB


def rafdb_folder(root, entries):
    """entries: (file name, RAF-DB label 1-7)."""
    lines = []
    for i, (name, label) in enumerate(entries):
        image = np.full((100, 100, 3), 20 * i % 255, np.uint8)
        image[:50, :, 0] = 255  # blue top half (BGR): colour must survive when kept
        stem, suffix = name.rsplit(".", 1)
        write_image(root / "Image" / "aligned" / f"{stem}_aligned.{suffix}", image)
        lines.append(f"{name} {label}")
    (root / "EmoLabel").mkdir(parents=True, exist_ok=True)
    (root / "EmoLabel" / "list_patition_label.txt").write_text("\n".join(lines) + "\n")


def test_rafdb_labels_are_mapped_and_images_shrunk_to_fer_form(tmp_path):
    entries = [(f"train_{i:05d}.jpg", 1 + i % 7) for i in range(70)] + [
        (f"test_{i:04d}.jpg", 1 + i % 7) for i in range(14)
    ]
    rafdb_folder(tmp_path, entries)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # shrinking to 48x48 was asked for: no warning
        loaded = load_rafdb(tmp_path)
    assert loaded.images.shape == (84, 48, 48) and loaded.images.dtype == np.uint8
    # RAF-DB 1 surprise, 4 happiness, 6 anger -> FER 5, 3, 0
    assert [EMOTIONS[v] for v in loaded.labels[:7]] == [
        "surprise", "fear", "disgust", "happy", "sad", "angry", "neutral"
    ]
    counts = loaded.counts()
    assert counts.loc["test", "total"] == 14 and counts.loc["validation", "total"] == 7
    colour = load_rafdb(tmp_path, size=None, grayscale=False)
    assert colour.images.shape == (84, 100, 100, 3)
    assert colour.images[0, 0, 0, 2] > 240 > colour.images[0, 0, 0, 0]  # BGR blue became RGB blue


def test_rafdb_bad_label_and_missing_image_are_named(tmp_path):
    rafdb_folder(tmp_path, [("train_00001.jpg", 3), ("train_00002.jpg", 8)])
    with pytest.raises(DataFormatError, match=r"line 2: 'train_00002.jpg 8'"):
        load_rafdb(tmp_path)
    label_file = tmp_path / "EmoLabel" / "list_patition_label.txt"
    label_file.write_text("train_00001.jpg 3\ntrain_00009.jpg 4\n")
    with pytest.raises(DataFormatError, match="line 2: image Image/aligned/train_00009_aligned.jpg is missing"):
        load_rafdb(tmp_path)


# ---------------------------------------------------------------- real data

def test_real_fer2013_counts_are_exact(real_data):
    dataset = load_image_folder(real_data)
    assert dataset.images.shape == (35887, 48, 48)
    counts = dataset.counts()
    assert counts.loc["train"].iloc[:7].tolist() == FER2013_TRAIN_COUNTS
    held_out = counts.loc["validation"].iloc[:7] + counts.loc["test"].iloc[:7]
    assert held_out.tolist() == FER2013_TEST_COUNTS
    assert counts.loc["validation", "total"] == counts.loc["test", "total"] == 3589
    assert all(s.split("/")[-1].startswith(("Training_", "PublicTest_", "PrivateTest_")) for s in dataset.sources)
