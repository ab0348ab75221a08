"""Chapter 7's metrics against hand counts, their refusals, the figures and the evaluate command."""

from __future__ import annotations

import json

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from fer_utils.engine import evaluation
from fer_utils import figures
from fer_utils.cli import main
from fer_utils.config import figures_dir
from fer_utils.data.labels import DISPLAY_NAMES
from fer_utils.data.loaders import write_fer_csv
from fer_utils.data.synthetic import make_demo_dataset

TRUTH = np.array([0, 0, 1, 3, 3, 3, 6])
PREDICTED = np.array([0, 3, 3, 3, 3, 6, 6])
"""Disgust (1) occurs once and is never predicted; fear, sad and surprise never occur."""


def confident(top: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Probability rows with ``confidence`` on emotion ``top`` and the rest spread evenly."""
    rows = np.repeat(((1 - confidence) / 6)[:, None], 7, axis=1)
    rows[np.arange(len(top)), top] = confidence
    return rows


# ------------------------------------------------------------------ per class


def test_classification_report_against_hand_counts():
    report = evaluation.per_class_scores(TRUTH, PREDICTED)
    assert list(report.index) == [*DISPLAY_NAMES, "macro avg", "weighted avg", "accuracy"]
    assert report.at["Happy", "precision"] == pytest.approx(2 / 4) and report.at["Happy", "recall"] == pytest.approx(2 / 3)
    assert report.at["Happy", "f1"] == pytest.approx(4 / 7)  # 2PR / (P + R) = (2/3) / (7/6)
    assert report.at["Disgust", "predicted"] == 0 and report.at["Disgust", "precision"] == 0.0  # never predicted
    assert report.at["Happy", "predicted"] == 4 and report.at["Happy", "support"] == 3
    assert report.at["macro avg", "f1"] == pytest.approx((2 / 3 + 4 / 7 + 2 / 3) / 7)  # all seven emotions count
    weighted_f1 = (2 * 2 / 3 + 1 * 0 + 3 * 4 / 7 + 1 * 2 / 3) / 7
    assert report.at["weighted avg", "f1"] == pytest.approx(weighted_f1)
    assert report.at["weighted avg", "recall"] == pytest.approx(4 / 7)  # weighted recall is accuracy
    assert report.at["accuracy", "f1"] == pytest.approx(4 / 7) and np.isnan(report.at["accuracy", "precision"])
    assert "zero_division=0" in report.attrs["note"]


def test_reports_side_by_side_and_per_class_accuracy():
    perfect = evaluation.per_class_scores(TRUTH, TRUTH)
    table = evaluation.compare_reports({"first": evaluation.per_class_scores(TRUTH, PREDICTED), "perfect": perfect})
    assert table.columns.names == ["model", "metric"]
    assert list(table.columns.get_level_values("model").unique()) == ["first", "perfect"]
    assert table[("perfect", "f1")]["Angry"] == 1.0 and table[("first", "recall")]["Angry"] == 0.5
    accuracy = evaluation.per_class_accuracy(TRUTH, PREDICTED)
    assert accuracy.loc["Happy", ["images", "correct"]].tolist() == [3, 2]
    assert accuracy.at["all", "accuracy"] == pytest.approx(4 / 7) and np.isnan(accuracy.at["Fear", "accuracy"])
    recall = evaluation.per_class_scores(TRUTH, PREDICTED)["recall"]
    present = ["Angry", "Disgust", "Happy", "Neutral"]
    pd.testing.assert_series_equal(accuracy.loc[present, "accuracy"], recall[present], check_names=False)


def test_confusion_matrix_counts_and_row_shares():
    counts = evaluation.confusion_matrix(TRUTH, PREDICTED)
    assert counts.shape == (7, 7) and counts.to_numpy().sum() == 7
    assert counts.at["Angry", "Angry"] == 1 and counts.at["Angry", "Happy"] == 1
    assert counts.at["Disgust", "Happy"] == 1 and counts.at["Happy", "Neutral"] == 1
    shares = evaluation.confusion_matrix(TRUTH, PREDICTED, normalise=True)
    assert shares.at["Happy", "Happy"] == pytest.approx(2 / 3)
    assert shares.loc["Angry"].sum() == pytest.approx(1.0) and shares.loc["Fear"].isna().all()


def test_confident_mistakes_and_examples():
    truth = np.array([0, 1, 2, 3, 3])
    probabilities = confident(np.array([0, 3, 4, 3, 3]), np.array([0.9, 0.5, 0.8, 0.6, 0.95]))
    np.testing.assert_array_equal(evaluation.confident_mistakes(truth, probabilities), [2, 1])  # 0.8 before 0.5
    assert list(evaluation.confident_mistakes(truth, probabilities, count=1)) == [2]
    # emotion 3: the more confident correct face; emotions 1 and 2: no correct face, the likeliest one
    assert evaluation.confident_examples(truth, probabilities) == {0: 0, 1: 1, 2: 2, 3: 4}


# -------------------------------------------------------- bootstrap intervals


def test_bootstrap_intervals_bracket_the_scores_and_are_seeded():
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 7, 300)
    predicted = np.where(rng.random(300) < 0.6, truth, rng.integers(0, 7, 300))
    table = evaluation.bootstrap_intervals(truth, predicted, n_resamples=500, seed=3)
    assert table.at["accuracy", "value"] == pytest.approx(np.mean(truth == predicted))
    sklearn_macro = f1_score(truth, predicted, labels=range(7), average="macro", zero_division=0)
    assert table.at["macro F1", "value"] == pytest.approx(sklearn_macro)
    assert (table["low"] < table["value"]).all() and (table["value"] < table["high"]).all()
    width = table.at["accuracy", "high"] - table.at["accuracy", "low"]
    assert width == pytest.approx(2 * 1.96 * np.sqrt(0.65 * 0.35 / 300), rel=0.25)  # the normal approximation
    pd.testing.assert_frame_equal(table, evaluation.bootstrap_intervals(truth, predicted, n_resamples=500, seed=3))
    assert not table.equals(evaluation.bootstrap_intervals(truth, predicted, n_resamples=500, seed=4))
    perfect = evaluation.bootstrap_intervals(TRUTH, TRUTH, n_resamples=50)
    assert perfect.loc["accuracy"].tolist() == [1.0, 1.0, 1.0]
    assert table.attrs == {"confidence": 0.95, "n_resamples": 500, "seed": 3}


def test_resampled_macro_f1_matches_scikit_learn_with_absent_classes():
    confusion = evaluation.confusion_matrix(TRUTH, PREDICTED).to_numpy()
    expected = f1_score(TRUTH, PREDICTED, labels=range(7), average="macro", zero_division=0)
    assert evaluation._macro_f1(confusion) == pytest.approx(expected)


# --------------------------------------------------------------- calibration


def test_reliability_table_and_ece_against_hand_values():
    truth = np.array([0, 1, 2, 2])
    probabilities = confident(np.array([0, 0, 2, 2]), np.array([0.85, 0.85, 0.55, 0.55]))
    table = evaluation.reliability_table(truth, probabilities, bins=10)
    assert table["images"].tolist() == [0, 0, 0, 0, 0, 2, 0, 0, 2, 0]
    assert table.at[8, "confidence"] == pytest.approx(0.85) and table.at[8, "accuracy"] == 0.5
    assert table.at[5, "accuracy"] == 1.0 and table.loc[[0, 9], "accuracy"].isna().all()
    assert (table.at[8, "low"], table.at[8, "high"]) == pytest.approx((0.8, 0.9))
    # half the faces are 35 points over-confident, half 45 points under-confident
    assert evaluation.expected_calibration_error(truth, probabilities, bins=10) == pytest.approx(0.5 * 0.35 + 0.5 * 0.45)
    assert evaluation.negative_log_likelihood(truth, probabilities) == pytest.approx(
        -np.mean(np.log([0.85, 0.025, 0.55, 0.55]))
    )


def test_temperature_scaling_recovers_the_overconfidence():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 2, (4000, 7))
    calibrated = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    truth = np.array([rng.choice(7, p=row) for row in calibrated])
    overconfident = evaluation.scale_temperature(calibrated, 0.5)  # logits doubled
    temperature = evaluation.fit_temperature(truth, overconfident)
    assert temperature == pytest.approx(2.0, rel=0.1)
    rescaled = evaluation.scale_temperature(overconfident, temperature)
    np.testing.assert_array_equal(rescaled.argmax(axis=1), overconfident.argmax(axis=1))  # accuracy unchanged
    table = evaluation.calibration_table(truth, overconfident, temperature)
    before, after = table.iloc[0], table.iloc[1]
    assert after["ECE"] < before["ECE"] / 3 and after["NLL"] < before["NLL"]
    assert after["accuracy"] == before["accuracy"]
    np.testing.assert_allclose(evaluation.scale_temperature(calibrated, 1.0), calibrated, atol=1e-12)
    underflowed = np.array([[1.0, 0, 0, 0, 0, 0, 0]])  # a float32 softmax can round to exact zeros
    assert np.isfinite(evaluation.scale_temperature(underflowed, 2.0)).all()


def test_human_accuracy_reference():
    assert (evaluation.HUMAN_ACCURACY, evaluation.HUMAN_ACCURACY_SPREAD) == (0.65, 0.05)


# --------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "truth, predicted, message",
    [
        ([0, 1, 2], [0, 1], "3 true labels but 2 predicted labels"),
        ([0, 7], [0, 1], r"true labels must lie in 0..6, got 0..7"),
        ([0, 1], [-1, 1], r"predicted labels must lie in 0..6"),
        ([], [], "non-empty 1-D array"),
        ([[0, 1]], [[0, 1]], "non-empty 1-D array"),
        ([0.0, 1.0], [0, 1], "must be integers"),
    ],
)
def test_bad_labels_are_refused_clearly(truth, predicted, message):
    for metric in (evaluation.per_class_scores, evaluation.confusion_matrix, evaluation.per_class_accuracy,
                   evaluation.bootstrap_intervals):
        with pytest.raises(ValueError, match=message):
            metric(np.asarray(truth), np.asarray(predicted))


@pytest.mark.parametrize(
    "probabilities, message",
    [
        (np.full((2, 6), 1 / 6), r"must be shaped \(n, 7\)"),
        (np.full(7, 1 / 7), r"must be shaped \(n, 7\)"),
        (np.zeros((0, 7)), r"must be shaped \(n, 7\) with n > 0"),
        (np.full((2, 7), 2.0), "must sum to 1"),
        (np.array([[1.5, -0.5, 0, 0, 0, 0, 0]] * 2), "finite and non-negative"),
        (np.full((3, 7), 1 / 7), "2 true labels but 3 rows"),
    ],
)
def test_bad_probabilities_are_refused_clearly(probabilities, message):
    truth = np.array([0, 1])
    for metric in (evaluation.reliability_table, evaluation.expected_calibration_error,
                   evaluation.negative_log_likelihood, evaluation.fit_temperature, evaluation.confident_mistakes,
                   evaluation.metrics_summary):
        with pytest.raises(ValueError, match=message):
            metric(truth, probabilities)


def test_bad_settings_are_refused_clearly():
    with pytest.raises(ValueError, match="temperature must be positive"):
        evaluation.scale_temperature(np.full((1, 7), 1 / 7), 0.0)
    with pytest.raises(ValueError, match="n_resamples >= 1"):
        evaluation.bootstrap_intervals(TRUTH, PREDICTED, n_resamples=0)
    with pytest.raises(ValueError, match="bins must be positive"):
        evaluation.reliability_table([0], np.full((1, 7), 1 / 7), bins=0)
    with pytest.raises(ValueError, match="raw uint8 faces"):
        evaluation.tta_views(np.zeros((2, 48, 48), np.float32))


# ---------------------------------------------------- prediction and TTA


def test_tta_views_are_the_flip_and_five_rescaled_crops():
    ramp = np.tile((np.arange(48) * 5).astype(np.uint8), (2, 48, 1))  # brighter to the right
    views = evaluation.tta_views(ramp)
    assert len(views) == 7 and all(view.shape == ramp.shape and view.dtype == np.uint8 for view in views)
    np.testing.assert_array_equal(views[0], ramp)
    np.testing.assert_array_equal(views[1], ramp[:, :, ::-1])
    top_left, top_right, bottom_left, bottom_right, centre = views[2:]
    assert top_left.max() <= 43 * 5 and top_right.min() >= 4 * 5  # each keeps only its 44 columns
    np.testing.assert_array_equal(top_left, bottom_left)  # the ramp does not change down the image
    np.testing.assert_array_equal(top_right, bottom_right)
    assert top_left.mean() < centre.mean() < top_right.mean()


def test_probabilities_with_and_without_tta(tiny_model):
    faces = make_demo_dataset(21, seed=3).images[:6]
    probabilities = evaluation.predict_probabilities(tiny_model, faces)
    assert probabilities.shape == (6, 7)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(evaluation.predict_probabilities(tiny_model, faces[..., None]), probabilities, rtol=1e-6)
    np.testing.assert_array_equal(evaluation.predict_labels(tiny_model, faces), probabilities.argmax(axis=1))
    averaged = evaluation.predict_probabilities(tiny_model, faces, tta=True)
    views = np.concatenate(evaluation.tta_views(faces))  # one prediction call for all 7 x 6 views
    expected = evaluation.model_outputs(tiny_model, views).reshape(7, 6, 7).mean(axis=0)
    np.testing.assert_allclose(averaged, expected, rtol=1e-5)
    assert not np.allclose(averaged, probabilities)


def test_a_model_without_seven_probabilities_is_refused():
    inputs = keras.Input((48, 48, 1))
    three = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(inputs)), name="three")
    with pytest.raises(ValueError, match=r"model 'three' outputs shape \(2, 3\)"):
        evaluation.predict_probabilities(three, np.zeros((2, 48, 48), np.uint8))


def test_metrics_summary_is_plain_json():
    probabilities = confident(PREDICTED, np.full(7, 0.7))
    summary = evaluation.metrics_summary(TRUTH, probabilities, n_resamples=100)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["accuracy"] == pytest.approx(4 / 7) and summary["images"] == 7
    assert summary["per_class"]["Disgust"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0}
    assert summary["confusion_matrix"][3] == [0, 0, 0, 2, 0, 0, 1] and summary["labels"] == list(DISPLAY_NAMES)
    assert summary["ece"] == pytest.approx(abs(0.7 - 4 / 7))  # one bin holds every face


# ------------------------------------------------------------------ figures


def test_confusion_matrices_are_drawn_side_by_side_and_saved():
    dataset = make_demo_dataset(21, seed=3)
    fig, (left, right) = plt.subplots(1, 2)
    assert figures.plot_confusion_matrix(dataset, TRUTH, PREDICTED, ax=left) is fig
    figures.plot_confusion_matrix(dataset, TRUTH, PREDICTED, normalise=True, ax=right)
    assert [text.get_text() for text in left.texts][:2] == ["1", "0"]  # Angry row: 1 right, 0 disgust
    assert right.texts[0].get_text() == "50%"
    assert [text.get_text() for text in fig.texts] == [f"data: {dataset.caption}"], "one stamp per figure"
    saved = figures_dir() / "07_confusion.png"
    assert not saved.exists(), "drawing saves nothing"
    figures.save_figure(fig, "07_confusion")
    assert saved.is_file()


def test_mistakes_and_reliability_are_drawn():
    dataset = make_demo_dataset(21, seed=3)
    probabilities = confident(PREDICTED, np.linspace(0.3, 0.9, 7))
    mistakes = figures.plot_misclassified(dataset, dataset.images[:7], TRUTH, probabilities, count=4, columns=2)
    titles = [ax.get_title() for ax in mistakes.axes if ax.get_title()]
    assert titles == ["Ha>Ne 80%", "Di>Ha 50%", "An>Ha 40%"]  # the three mistakes, most confident first
    reliability = figures.plot_reliability(dataset, TRUTH, probabilities, temperature=1.5, bins=5)
    assert len(reliability.axes) == 2 and "temperature T = 1.50: ECE" in reliability.axes[1].get_title()


def test_learning_curves_of_several_runs_and_of_one():
    dataset = make_demo_dataset(21, seed=3)
    history = pd.DataFrame(
        {"loss": [1.8, 1.5, 1.4], "accuracy": [0.3, 0.4, 0.5], "val_loss": [1.7, 1.6, 1.65],
         "val_accuracy": [0.35, 0.4, 0.42]},
        index=pd.Index([1, 2, 3], name="epoch"),
    )
    several = figures.plot_learning_curves(dataset, {"small": history, "wide": history * 0.9})
    legend = [text.get_text() for text in several.axes[1].get_legend().get_texts()]
    assert legend[:2] == ["small: kept epoch 2", "wide: kept epoch 2"]
    one = plt.figure().subfigures(1, 2)[1]  # chapter 5's figure, drawn by the same function, in a panel
    assert figures.plot_training_curves(dataset, history, fig=one) is one
    assert [ax.get_title() for ax in one.axes] == ["Cross-entropy loss", "Accuracy"]


def test_figures_refuse_mismatched_input():
    dataset = make_demo_dataset(21, seed=3)
    with pytest.raises(ValueError, match="7 true labels but 6 predicted labels"):
        figures.plot_confusion_matrix(dataset, TRUTH, PREDICTED[:6])
    with pytest.raises(ValueError, match="5 images but 7 labels"):
        figures.plot_misclassified(dataset, dataset.images[:5], TRUTH, np.full((7, 7), 1 / 7))


# ---------------------------------------------------------- the evaluate command


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory, tiny_model):
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    tiny_model.save(path)
    return path


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory):
    demo = make_demo_dataset(140, seed=1)
    return demo, write_fer_csv(demo, tmp_path_factory.mktemp("data") / "demo.csv")


def test_evaluate_prints_the_documented_json(saved_model, demo_csv, tiny_model, capsys):
    demo, csv = demo_csv
    code = main(["evaluate", str(saved_model), "--data", str(csv), "--profile", "smoke", "--split", "validation",
                 "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) == {
        "model", "source", "dataset", "synthetic", "profile", "split", "tta", "images", "accuracy", "accuracy_ci",
        "macro_f1", "macro_f1_ci", "weighted_f1", "nll", "ece", "labels", "per_class", "confusion_matrix",
    }
    images, labels = demo.arrays("validation")
    assert summary["split"] == "validation" and summary["images"] == len(labels) and summary["tta"] is False
    assert summary["profile"] == "smoke" and summary["model"] == str(saved_model)
    expected = np.mean(evaluation.predict_labels(tiny_model, images) == labels)
    assert summary["accuracy"] == pytest.approx(expected)
    low, high = summary["accuracy_ci"]
    assert low <= summary["accuracy"] <= high
    assert np.sum(summary["confusion_matrix"]) == len(labels)
    assert [summary["per_class"][e]["support"] for e in summary["labels"]] == np.bincount(labels, minlength=7).tolist()


def test_evaluate_prints_a_readable_report_with_tta(saved_model, demo_csv, capsys):
    _, csv = demo_csv
    assert main(["evaluate", str(saved_model), "--data", str(csv), "--profile", "smoke", "--tta"]) == 0
    out = capsys.readouterr().out
    assert "test: " in out and "test-time augmentation" in out
    assert "accuracy: " in out and "humans: 65% ± 5%" in out and "confusion matrix" in out and "weighted avg" in out


def test_evaluate_uses_the_training_run_of_a_registered_name(demo_csv, tiny_model, monkeypatch, capsys, tmp_path):
    _, csv = demo_csv
    calls = []

    class Run:
        model, directory = tiny_model, tmp_path

    def fake_train(name, dataset, *, profile, verbose):
        calls.append((name, profile.name, verbose))
        return Run

    monkeypatch.setattr("fer_utils.engine.training.train", fake_train)
    assert main(["evaluate", "small_cnn", "--data", str(csv), "--profile", "smoke", "--json"]) == 0
    assert calls == [("small_cnn", "smoke", 0)]
    assert json.loads(capsys.readouterr().out)["source"] == str(tmp_path / "model.keras")


@pytest.mark.parametrize(
    "model, message",
    [("missing.keras", "no model file missing.keras"), ("resnet", "'resnet' is neither a network name")],
)
def test_evaluate_refuses_unknown_models(model, message, demo_csv, capsys):
    _, csv = demo_csv
    assert main(["evaluate", model, "--data", str(csv), "--profile", "smoke"]) == 2
    assert message in capsys.readouterr().err
