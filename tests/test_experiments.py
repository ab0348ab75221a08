"""Models, scores and the summaries of the controlled experiments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from builders import make_dataset

from fer_utils.engine.artifacts import artifact_path, save_table
from fer_utils.engine.evaluation import majority_accuracy, per_class_scores
from fer_utils.studies.imbalance_experiment import IMBALANCE_STRATEGIES, imbalance_experiment, imbalance_summary, recall_by_strategy
from fer_utils.config import PROFILES
from fer_utils.data.synthetic import make_demo_dataset


def test_per_class_scores_against_hand_counts():
    truth = np.array([0, 0, 1, 3, 3, 3, 6])
    predicted = np.array([0, 3, 3, 3, 3, 6, 6])
    scores = per_class_scores(truth, predicted)
    assert scores.at["Angry", "recall"] == 0.5 and scores.at["Angry", "precision"] == 1.0
    assert scores.at["Disgust", "recall"] == 0.0 and scores.at["Disgust", "f1"] == 0.0  # never predicted
    assert scores.at["Happy", "precision"] == pytest.approx(2 / 4)
    assert scores.at["accuracy", "f1"] == pytest.approx(4 / 7)
    assert scores.at["macro avg", "f1"] == pytest.approx(scores["f1"].iloc[:7].mean())
    assert scores.at["Happy", "support"] == 3 and scores.at["accuracy", "support"] == 7


def test_experiment_summaries_pick_the_right_cells():
    truth = np.repeat(np.arange(7), 10)
    results = {}
    for k, strategy in enumerate(IMBALANCE_STRATEGIES):
        predicted = truth.copy()
        predicted[truth == 1] = 3 if k == 0 else 1  # only the first strategy misses disgust
        results[strategy] = per_class_scores(truth, predicted)
        results[strategy].attrs["seconds"] = float(k)
    summary = imbalance_summary(results)
    assert list(summary.index) == list(IMBALANCE_STRATEGIES)
    assert summary.at["no weights", "disgust recall"] == 0.0 and summary.at["oversampling", "disgust F1"] == 1.0
    assert summary.at["balanced weights", "training s"] == 1.0
    recall = recall_by_strategy(results)
    assert isinstance(recall, pd.DataFrame) and recall.shape == (7, 3)
    assert recall.at["Disgust", "no weights"] == 0.0 and recall.at["Happy", "no weights"] == 1.0


def test_artifact_paths_follow_data_and_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path))
    data = make_dataset([0, 1, 2, 3], ["train", "train", "validation", "test"])
    first = artifact_path("imbalance", data, epochs=5, seed=0)
    assert first == artifact_path("imbalance", data, seed=0, epochs=5)  # order of settings is irrelevant
    assert first.parent == tmp_path and first.name.startswith("imbalance-")
    assert first != artifact_path("imbalance", data, epochs=6, seed=0)
    other = make_dataset([0, 1, 2, 4], ["train", "train", "validation", "test"])
    assert first != artifact_path("imbalance", other, epochs=5, seed=0)
    table = pd.DataFrame({"f1": [0.5, 0.25]}, index=["a", "b"])
    save_table(table, first)
    pd.testing.assert_frame_equal(pd.read_csv(first, index_col=0), table)
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no temporary file left behind


def test_imbalance_experiment_is_read_back_from_its_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path))
    demo = make_demo_dataset(140, seed=1)
    first = imbalance_experiment(demo, PROFILES["smoke"])
    assert len(list(tmp_path.glob("run-small_cnn-*"))) == len(IMBALANCE_STRATEGIES)
    monkeypatch.setattr("fer_utils.engine.training._fit", lambda *a, **k: pytest.fail("trained again"))
    again = imbalance_experiment(demo, PROFILES["smoke"])
    for strategy in IMBALANCE_STRATEGIES:
        pd.testing.assert_frame_equal(again[strategy], first[strategy], check_dtype=False)
        assert again[strategy].attrs["seconds"] == pytest.approx(first[strategy].attrs["seconds"])


def test_majority_accuracy_is_the_largest_class_share_of_the_split():
    data = make_dataset([3, 3, 3, 0, 1, 6, 6, 2], ["validation"] * 5 + ["test"] * 3)
    assert majority_accuracy(data, "validation") == pytest.approx(3 / 5)
    assert majority_accuracy(data, "test") == pytest.approx(2 / 3)


