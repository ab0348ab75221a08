"""The container, the protocol split, profiles, discovery and the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from builders import make_dataset, tiny_faces, write_image

from fer_utils.cli import main
from fer_utils.data.dataset import FaceDataset, dataset_digest, stratified_sample, stratified_split
from fer_utils.data.discovery import chapter_data, find_data, load_dataset
from fer_utils.data.labels import DISPLAY_NAMES, EMOTIONS, RAFDB_TO_FER, label_of_folder
from fer_utils.data.loaders import write_fer_csv
from fer_utils.config import PROFILES, active_profile


def test_label_order_and_rafdb_mapping():
    assert EMOTIONS == ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    assert len(DISPLAY_NAMES) == 7
    rafdb_names = {1: "surprise", 2: "fear", 3: "disgust", 4: "happy", 5: "sad", 6: "angry", 7: "neutral"}
    assert {k: EMOTIONS[v] for k, v in RAFDB_TO_FER.items()} == rafdb_names
    assert label_of_folder("Happiness") == 3 and label_of_folder("contempt") is None


def test_stratified_split_is_seeded_and_keeps_class_shares():
    labels = np.repeat([0, 1, 2], [100, 10, 890])
    a = stratified_split(labels, {"train": 0.8, "validation": 0.1, "test": 0.1}, seed=3)
    np.testing.assert_array_equal(a, stratified_split(labels, {"train": 0.8, "validation": 0.1, "test": 0.1}, seed=3))
    assert not np.array_equal(a, stratified_split(labels, {"train": 0.8, "validation": 0.1, "test": 0.1}, seed=4))
    assert [(a[labels == c] == "validation").sum() for c in range(3)] == [10, 1, 89]
    with pytest.raises(ValueError, match="sum to 1"):
        stratified_split(labels, {"train": 0.8, "test": 0.1}, seed=0)


def test_dataset_rejects_inconsistent_fields():
    with pytest.raises(ValueError, match="labels has 2 entries for 3 images"):
        FaceDataset(tiny_faces(3), np.zeros(2, int), np.array(["train"] * 3), np.array(["a"] * 3), "x")
    with pytest.raises(ValueError, match="unknown split names"):
        FaceDataset(tiny_faces(1), np.zeros(1, int), np.array(["dev"]), np.array(["a"]), "x")
    with pytest.raises(ValueError, match="labels must lie in 0..6"):
        FaceDataset(tiny_faces(1), np.array([7]), np.array(["train"]), np.array(["a"]), "x")


def test_counts_and_split_views():
    data = make_dataset([0, 0, 3, 6, 6, 6], ["train", "train", "train", "test", "test", "validation"])
    counts = data.counts()
    assert counts.loc["train", "Angry"] == 2 and counts.loc["all", "total"] == 6
    images, labels = data.arrays("test")
    assert images.shape == (2, 48, 48) and labels.tolist() == [6, 6]
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        data.split("dev")


def test_profiles_switch_by_argument_and_environment(monkeypatch):
    monkeypatch.delenv("FER_PROFILE", raising=False)
    assert active_profile().name == "default"
    monkeypatch.setenv("FER_PROFILE", "smoke")
    assert active_profile().name == "smoke"
    assert active_profile("full").name == "full"
    with pytest.raises(ValueError, match="unknown profile 'huge'.*smoke, default, full"):
        active_profile("huge")
    assert PROFILES["smoke"].demo_images < PROFILES["default"].demo_images <= PROFILES["full"].demo_images


def test_profile_sample_is_stratified_seeded_and_capped():
    labels = np.repeat(np.arange(7), 100)
    data = make_dataset(labels, np.array(["train", "test"] * 350))
    smoke = PROFILES["smoke"]
    sample = data.sample_per_split(smoke.images_per_split, seed=1)
    assert (sample.splits == "train").sum() <= smoke.images_per_split + 7
    assert set(sample.labels.tolist()) == set(range(7))
    np.testing.assert_array_equal(sample.sources, data.sample_per_split(smoke.images_per_split, seed=1).sources)
    assert data.sample_per_split(PROFILES["default"].images_per_split) is data
    assert sample.name == f"{data.name}, a sample of {len(sample):,}"  # every caption says it is cut
    assert stratified_sample(data, {"train": None, "test": 350}, seed=0).name == data.name


def test_discovery_order(monkeypatch, no_real_data):
    data_dir = no_real_data / "data"
    assert find_data()[0] is None
    write_fer_csv(make_dataset([3] * 7, ["train"] * 7), data_dir / "fer2013.csv")
    assert find_data() == (data_dir / "fer2013.csv", "found in data/")
    other = no_real_data / "elsewhere"
    write_image(other / "happy" / "1.png", tiny_faces(1)[0])
    monkeypatch.setenv("FER_DATA", str(other))
    assert find_data()[0] == other
    assert find_data(data_dir / "fer2013.csv")[0] == data_dir / "fer2013.csv"
    monkeypatch.setenv("FER_DATA", str(no_real_data / "missing"))
    with pytest.raises(FileNotFoundError, match=r"missing \(from \$FER_DATA\) does not exist"):
        find_data()


def test_demo_fallback_is_announced_once(no_real_data, capsys, monkeypatch):
    monkeypatch.setattr("fer_utils.data.discovery._demo_announced", False)
    first = load_dataset(profile="smoke")
    second = load_dataset(profile="smoke")
    assert first.synthetic and "synthetic demo data" in first.caption
    assert len(first) == PROFILES["smoke"].demo_images
    np.testing.assert_array_equal(first.images, second.images)
    assert capsys.readouterr().err.count("Using the generated demo set") == 1


def test_cli_info_json_on_a_csv(tmp_path, capsys):
    path = write_fer_csv(make_dataset([0, 3, 3, 6], ["train", "train", "validation", "test"]), tmp_path / "f.csv")
    assert main(["info", "--data", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dataset"] == "FER-2013 (CSV)" and summary["synthetic"] is False
    assert summary["counts"]["train"]["Happy"] == 1 and summary["counts"]["test"]["Neutral"] == 1
    assert summary["chosen_by"] == "path argument" and summary["images"] == 4
    assert summary["totals"] == {"train": 2, "validation": 1, "test": 1}
    assert summary["digest"] == dataset_digest(load_dataset(path))


def test_every_chapter_names_its_data_digest_and_profile_without_machine_paths(tmp_path, capsys):
    labels = np.tile(np.arange(7), 60)
    path = write_fer_csv(make_dataset(labels, ["train"] * 280 + ["validation"] * 70 + ["test"] * 70),
                         tmp_path / "faces.csv")
    profile, sample = chapter_data("smoke", path)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "data:    FER-2013 (CSV), 420 images from faces.csv (path argument)",
        f"digest:  {dataset_digest(load_dataset(path))}",
        f"profile: smoke ({PROFILES['smoke'].description})",
    ]
    assert profile is PROFILES["smoke"] and str(tmp_path) not in "".join(lines)
    assert len(sample) == sum(min(n, profile.images_per_split) for n in (280, 70, 70))


def test_cli_info_text_on_demo_data_says_synthetic(no_real_data, capsys):
    assert main(["info"]) == 0
    assert "synthetic demo data" in capsys.readouterr().out


def test_cli_reports_bad_data_without_a_traceback(tmp_path, capsys):
    bad = tmp_path / "fer2013.csv"
    bad.write_text("emotion,pixels,Usage\n9,1 2 3,Training\n")
    assert main(["info", "--data", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "fer2013.csv" in err and "Traceback" not in err
