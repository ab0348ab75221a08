"""Helpers that chapters 1 to 3 read their figures and tables with, and chapter 2's
hand-built augmentation layers, checked against the package's."""

from __future__ import annotations

import json
from dataclasses import replace

import keras
import numpy as np
import pandas as pd
import pytest

from fer_utils import figures
from fer_utils.augment.layers import RandomErasing, RandomPaddedCrop, layer_settings
from fer_utils.augment.pipeline import training_pipeline
from fer_utils.augment.transforms import OnlineAugmentation
from fer_utils.config import PROFILES
from fer_utils.data import describe
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.studies import imbalance_experiment as study


@pytest.fixture(scope="module")
def demo():
    return make_demo_dataset(700)


def by_hand(rotation=0.05 * np.pi):
    return keras.Sequential([
        RandomPaddedCrop(4),
        keras.layers.RandomFlip("horizontal"),
        keras.layers.RandomRotation(rotation / (2 * np.pi), fill_mode="reflect"),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="reflect"),
        keras.layers.RandomZoom(0.1, fill_mode="reflect"),
        RandomErasing(0.5),
    ])


def test_layer_settings_match_hand_built_layers_and_tell_a_difference():
    package = OnlineAugmentation(crop_padding=4, erasing=0.5).layers(seed=3)
    table = layer_settings(package)
    assert list(table["layer"]) == ["RandomPaddedCrop", "RandomFlip", "RandomRotation", "RandomTranslation",
                                    "RandomZoom", "RandomErasing"]
    assert "factor=(-0.025, 0.025)" in table.at[2, "settings"] and "seed" not in " ".join(table["settings"])
    assert table.equals(layer_settings(by_hand()))
    assert not table.equals(layer_settings(by_hand(rotation=0.1 * np.pi)))


def test_the_training_pipeline_applies_exactly_the_packages_layers(demo):
    images, labels = demo.arrays("train")
    online = OnlineAugmentation(crop_padding=4, erasing=0.5)
    plain = next(iter(training_pipeline(images, labels, batch_size=16, seed=5)))[0]
    augmented = next(iter(training_pipeline(images, labels, batch_size=16, seed=5, augmentation=online)))[0]
    assert np.array_equal(np.asarray(online.layers(5)(plain, training=True)), augmented.numpy())


def test_mean_face_differences_find_a_planted_mouth(demo):
    images = demo.images.copy()
    happy = demo.labels == 3
    images[happy, 36:46, 14:34] = 255  # a bright "mouth" in the lower third of every happy face
    table = describe.mean_face_differences(replace(demo, images=images))
    assert list(table.columns[:3]) == list(describe.FACE_REGIONS)
    assert table.at["Happy", "largest in"] == describe.FACE_REGIONS[2]
    assert table.loc["Happy", describe.FACE_REGIONS[2]] == table[describe.FACE_REGIONS[2]].max()


def test_the_strength_figure_has_a_row_per_transform_and_leaves_a_zero_strength_row_unchanged(demo):
    fig = figures.plot_augmentation_strengths(demo, "sad", rotation=0.0, translation=0.2, draws=3)
    rows = [ax for ax in fig.axes if ax.get_ylabel()]
    assert [ax.get_ylabel() for ax in rows] == ["flip", "rotation ±0°", "translation ±0.2", "zoom ±0.1",
                                                "padded crop 0 px", "erasing p=0", "all together"]
    face = fig.axes[0].images[0].get_array()
    rotation_row = fig.axes[4:8]
    assert all(np.array_equal(ax.images[0].get_array(), face) for ax in rotation_row)
    translation_row = fig.axes[8:12]
    assert not all(np.array_equal(ax.images[0].get_array(), face) for ax in translation_row[1:])
    assert any(text.get_text().startswith("data: ") for text in fig.texts)


def test_recall_changes_name_the_emotion_gained_and_lost():
    recall = pd.DataFrame({"no weights": [0.5, 0.0, 0.9], "balanced weights": [0.4, 0.3, 0.7]},
                          index=["Angry", "Disgust", "Happy"])
    changes = study.recall_changes(recall)
    assert changes.loc["balanced weights", "gained most"] == "Disgust"
    assert changes.loc["balanced weights", "lost most"] == "Happy"
    assert changes.loc["balanced weights", "loss"] == pytest.approx(-0.2)


def test_the_budget_scales_with_the_data_and_counts_finished_runs_out(demo):
    smoke = PROFILES["smoke"]
    budget = study.experiment_budget(demo, smoke)
    assert list(budget.index) == list(study.IMBALANCE_STRATEGIES) and not budget["finished"].any()
    train = int((demo.sample_per_split(smoke.images_per_split).splits == "train").sum())
    expected = smoke.experiment_epochs * study.EPOCH_SECONDS * train / study.FER2013_TRAINING_IMAGES / 60
    assert budget["estimated minutes"].tolist() == pytest.approx([expected] * 3)
    folder = study.run_folder("oversampling", demo.sample_per_split(smoke.images_per_split), smoke)
    folder.mkdir(parents=True)
    (folder / "state.json").write_text(json.dumps({"finished": True}))
    budget = study.experiment_budget(demo, smoke)
    assert budget["finished"].tolist() == [False, False, True]
    assert budget.attrs["remaining minutes"] == pytest.approx(2 * expected)


def test_the_run_folder_is_the_engines(demo):
    from fer_utils.engine.training import train

    smoke = PROFILES["smoke"]
    data = demo.sample_per_split(smoke.images_per_split)
    run = train(study.MODEL, data, profile=smoke, verbose=0, **study._run_settings("balanced weights", smoke, 0))
    assert run.directory == study.run_folder("balanced weights", data, smoke)


def test_the_background_command_trains_the_profiles_runs(monkeypatch, capsys, demo):
    calls = []
    monkeypatch.setattr(study, "imbalance_experiment", lambda dataset, profile: calls.append(profile.name) or {})
    monkeypatch.setattr(study, "imbalance_summary", lambda results: pd.DataFrame({"accuracy": [0.5]}))
    monkeypatch.setattr("fer_utils.data.discovery.load_dataset", lambda data, profile: demo)
    study.main(["--profile", "smoke"])
    assert calls == ["smoke"] and "smoke profile: about" in capsys.readouterr().out
