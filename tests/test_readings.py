"""The helpers that read chapter 7's figures: confusions, calibration, t-SNE separation, Grad-CAM regions."""

from __future__ import annotations

import numpy as np
import pytest

from fer_utils.engine import evaluation, explain


def test_most_confused_pairs_ranks_by_share_of_the_true_emotion_or_by_faces():
    # 10 angry faces: 4 taken for sad; 2 disgust faces: both taken for angry; 20 happy: 5 taken for neutral
    true = np.array([0] * 10 + [1] * 2 + [3] * 20)
    predicted = np.array([0] * 6 + [4] * 4 + [0] * 2 + [3] * 15 + [6] * 5)
    by_share = evaluation.most_confused_pairs(true, predicted, count=2)
    assert by_share[["true", "predicted", "faces"]].values.tolist() == [["Disgust", "Angry", 2], ["Angry", "Sad", 4]]
    assert by_share["share"].tolist() == pytest.approx([1.0, 0.4])
    by_faces = evaluation.most_confused_pairs(true, predicted, count=5, by="faces")
    assert by_faces["faces"].tolist() == [5, 4, 2] and by_faces.at[0, "share"] == pytest.approx(0.25)
    assert evaluation.most_confused_pairs(true, true).empty
    with pytest.raises(ValueError, match="by must be"):
        evaluation.most_confused_pairs(true, predicted, by="count")


def test_calibration_summary_gives_the_sign_of_the_gap():
    labels = np.zeros(10, dtype=int)
    sure = np.full((10, 7), 0.1 / 6)
    sure[:, 0] = 0.9
    sure[:5] = np.roll(sure[:5], 1, axis=1)  # half answered "disgust" with 90%: wrong
    over = evaluation.calibration_summary(labels, sure)
    assert over["accuracy"] == pytest.approx(0.5) and over["confidence"] == pytest.approx(0.9)
    assert over["gap"] == pytest.approx(0.4) and over["ece"] == pytest.approx(0.4) and over["over_share"] == 1.0
    shy = np.full((4, 7), 0.6 / 6)
    shy[:, 0] = 0.4
    under = evaluation.calibration_summary(np.zeros(4, dtype=int), shy)
    assert under["gap"] == pytest.approx(-0.6) and under["over_share"] == 0.0


def test_class_separation_tells_apart_clusters_from_a_mix():
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 3, 5], 40)
    centres = {0: (0, 0), 3: (20, 0), 5: (20, 0.5)}  # happy and surprise overlap, angry stands apart
    points = np.array([centres[label] for label in labels]) + rng.normal(size=(120, 2))
    table = explain.class_separation(points, labels)
    assert table.index[0] == "Angry" and table.at["Angry", "same-emotion neighbours"] == 1.0
    assert table.at["Happy", "silhouette"] < 0.3 and table.at["Angry", "silhouette"] > 0.8
    assert table["chance"].tolist() == pytest.approx([1 / 3] * 3) and table["faces"].sum() == 120
    with pytest.raises(ValueError, match="two emotions"):
        explain.class_separation(points[:20], np.zeros(20, dtype=int))


def test_upper_half_share_of_the_heat():
    maps = np.zeros((3, 48, 48))
    maps[0, :24] = 1.0  # all above the middle
    maps[1, 30:40, 10:20] = 0.5  # all below
    maps[2] = 1.0
    assert explain.upper_half_share(maps).tolist() == [1.0, 0.0, 0.5]
    assert explain.upper_half_share(np.ones((1, 3, 3))) == pytest.approx([0.5])  # the middle row halves
    assert np.isnan(explain.upper_half_share(np.zeros((1, 4, 4)))[0])
    with pytest.raises(ValueError, match="shaped"):
        explain.upper_half_share(np.zeros((4, 4)))
