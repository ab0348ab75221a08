"""Chapter 8's comparison: budgets, scores of a trained network, the table with the
seeds' numbers, the LC2FER ablation, ensembles, findings and the bubble chart."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fer_utils.studies import architectures
from fer_utils import figures
from fer_utils.studies.architectures import NetworkScores
from fer_utils.engine.evaluation import majority_accuracy, per_class_scores
from fer_utils.nets.registry import MODELS
from fer_utils.nets.lc2fer import PAPER_TEST_ACCURACY
from fer_utils.config import PROFILES
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.engine.training import TrainingConfig, run_directory, training_config
from fer_utils.errors import DataWarning


@pytest.fixture(scope="module")
def demo():
    return make_demo_dataset(400, seed=2)


# --- which networks, and their budgets ---------------------------------------------


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_network_of_the_chapter_is_registered_and_has_a_budget(profile):
    chosen = PROFILES[profile]
    networks = architectures.networks_for(chosen)
    assert len(set(networks)) == len(networks)
    assert set(chosen.comparison_networks or architectures.CHAPTER_NETWORKS) <= set(networks)
    assert "baseline_cnn" in networks and chosen.comparison_lc2fer and set(chosen.comparison_lc2fer) <= set(networks)
    for name in networks:
        assert name in MODELS, name
        settings = architectures.training_settings(name, chosen)
        TrainingConfig(model=name, **{"epochs": chosen.training_epochs, **settings})  # the engine accepts them
    budgets = architectures.budget_table(chosen)
    assert list(budgets.index) == list(networks)
    assert budgets.attrs["total minutes"] == pytest.approx(budgets["estimated minutes"].sum())


def test_every_seed_network_and_lc2fer_configuration_has_a_measured_epoch_cost():
    seed_networks = set(architectures.CHAPTER_NETWORKS) | set(architectures.LC2FER_NETWORKS)
    assert set(architectures.EPOCH_SECONDS) == seed_networks
    assert all(seconds > 0 for seconds in architectures.EPOCH_SECONDS.values())
    smoke, default, full = (set(PROFILES[p].comparison_lc2fer) for p in ("smoke", "default", "full"))
    assert full == set(architectures.LC2FER_NETWORKS)
    assert smoke and smoke < full and default and default < full  # a few of them outside the full profile


def test_budget_epochs_fit_the_minutes_within_limits():
    assert architectures.budget_epochs(100, 30, most=20) == 18
    assert architectures.budget_epochs(25, 30, most=20) == 20  # capped
    assert architectures.budget_epochs(2500, 30, most=20) == architectures.FEWEST_EPOCHS  # at least
    assert architectures.budget_epochs(2500, 30, most=20, fewest=3) == 3
    assert [architectures.patience_for(e) for e in (3, 5, 12, 20, 40)] == [2, 2, 6, 8, 8]
    with pytest.raises(ValueError, match="positive"):
        architectures.budget_epochs(0, 30, most=20)


def test_default_budgets_follow_the_measured_costs(monkeypatch):
    monkeypatch.delenv(architectures.TRANSFER_WEIGHTS_ENV, raising=False)
    monkeypatch.setattr(architectures, "transfer_weights", lambda: None)
    default = PROFILES["default"]
    for name in architectures.networks_for(default):
        settings = architectures.training_settings(name, default)
        epochs = settings["epochs"]
        assert architectures.FEWEST_EPOCHS <= epochs <= default.training_epochs
        assert settings["patience"] == architectures.patience_for(epochs)
        if architectures.FEWEST_EPOCHS < epochs < default.training_epochs:  # the budget decided, not a limit
            minutes = architectures.EPOCH_SECONDS[name] / 60
            assert epochs * minutes <= default.comparison_minutes < (epochs + 1) * minutes
    cheap = min(architectures.CHAPTER_NETWORKS, key=architectures.EPOCH_SECONDS.get)
    dear = max(architectures.CHAPTER_NETWORKS, key=architectures.EPOCH_SECONDS.get)
    assert (architectures.training_settings(cheap, default)["epochs"]
            > architectures.training_settings(dear, default)["epochs"])


def test_the_baseline_trains_at_the_budget_of_the_others():
    """An equal budget: in default the baseline trains again for the minutes every network gets
    (fewer epochs than chapter 5's run); in full its settings are chapter 5's, so the cache shares the run."""
    default, full = PROFILES["default"], PROFILES["full"]
    settings = architectures.training_settings("baseline_cnn", default)
    assert settings["epochs"] == architectures.budget_epochs(
        architectures.EPOCH_SECONDS["baseline_cnn"], default.comparison_minutes, default.training_epochs)
    assert settings["epochs"] < default.training_epochs
    ours = TrainingConfig(model="baseline_cnn", **{"epochs": full.training_epochs,
                                                   **architectures.training_settings("baseline_cnn", full)})
    assert ours.to_dict() == TrainingConfig(model="baseline_cnn", epochs=full.training_epochs).to_dict()


def test_budget_table_counts_only_what_is_left_to_train():
    default = PROFILES["default"]
    budgets = architectures.budget_table(default, trained=["baseline_cnn"])
    assert budgets.at["baseline_cnn", "rule"] == f"{default.comparison_minutes:g} min budget"
    assert budgets.at["baseline_cnn", "estimated minutes"] == pytest.approx(
        budgets.at["baseline_cnn", "epochs"] * architectures.EPOCH_SECONDS["baseline_cnn"] / 60)
    assert budgets.attrs["remaining minutes"] == pytest.approx(
        budgets.attrs["total minutes"] - budgets.at["baseline_cnn", "estimated minutes"])
    assert (budgets["estimated minutes"]
            <= max(default.comparison_minutes, architectures.FEWEST_EPOCHS * max(architectures.EPOCH_SECONDS.values()) / 60)
            ).all()


def test_smoke_trains_every_network_for_one_epoch():
    smoke = PROFILES["smoke"]
    for name in architectures.networks_for(smoke):
        assert architectures.training_settings(name, smoke) == {"epochs": 1, "patience": None}


def test_transfer_weights_come_only_from_a_local_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv(architectures.TRANSFER_WEIGHTS_ENV, raising=False)
    assert architectures.transfer_weights() is None
    assert "model_options" not in architectures.training_settings("resnet_transfer", PROFILES["default"])

    cached = tmp_path / ".keras" / "models" / architectures.TRANSFER_WEIGHTS_FILE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"weights")
    assert architectures.transfer_weights() == cached
    settings = architectures.training_settings("resnet_transfer", PROFILES["default"])
    assert settings["model_options"] == {"weights_path": str(cached), "frozen": False}
    assert settings["learning_rate"] == architectures.TRANSFER_LEARNING_RATE

    monkeypatch.setenv(architectures.TRANSFER_WEIGHTS_ENV, str(tmp_path / "missing.h5"))
    with pytest.raises(FileNotFoundError, match="missing.h5"):
        architectures.transfer_weights()


def test_unknown_network_is_refused():
    with pytest.raises(ValueError, match="not a network of chapter 8"):
        architectures.training_settings("small_cnn", PROFILES["default"])


# --- the seeds' numbers ------------------------------------------------------------


def test_seed_numbers_are_those_of_the_reports():
    results = architectures.SEED_RESULTS
    assert set(architectures.CHAPTER_NETWORKS) | set(architectures.LC2FER_NETWORKS) <= set(results)
    assert (results["baseline_cnn"].seed, results["baseline_cnn"].accuracy) == ("000", 0.5936)
    assert (results["mini_xception"].seed, results["mini_xception"].accuracy) == ("001", 0.65)
    assert (results["residual_separable"].accuracy, results["random_residual"].accuracy) == (0.64, 0.693)
    assert results["six_conv_cnn"].accuracy == 0.6378 and results["feed_forward"].accuracy == 0.4708
    assert results["resnet_transfer"].accuracy == 0.6436
    for key, accuracy in PAPER_TEST_ACCURACY.items():
        assert results[f"lc2fer_{key}"].seed == "002"
        assert results[f"lc2fer_{key}"].accuracy == pytest.approx(accuracy / 100)
        assert "RAF-DB" in results[f"lc2fer_{key}"].measured_on
    assert all(0 < result.accuracy < 1 and result.measured_on for result in results.values())
    tested = {name for name, result in results.items() if result.fer2013_test}
    assert tested == {"baseline_cnn", "mini_xception", "six_conv_cnn", "resnet_transfer"}


def test_overview_names_each_networks_seed():
    overview = architectures.network_overview(["baseline_cnn", "mini_xception", "lc2fer_c5"])
    assert list(overview["seed"]) == ["000", "001", "002"]
    assert overview.at["lc2fer_c5", "what it is"].startswith("LC2FER configuration C5")


# --- scoring a trained network -----------------------------------------------------


def test_a_trained_network_is_scored_once_and_read_back(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path))
    smoke = PROFILES["smoke"]
    assert not architectures.is_trained("mini_xception", demo, smoke)
    run = architectures.train_network("mini_xception", demo, smoke)
    assert run.directory == run_directory(training_config("mini_xception", smoke,  # found without training
                                                            **architectures.training_settings("mini_xception", smoke)),
                                          demo, smoke.name)
    assert architectures.is_trained("mini_xception", demo, smoke)
    scored = architectures.score_network("mini_xception", run, demo)
    row = scored.row
    assert row["parameters"] == run.model.count_params() == 58_423
    assert row["MFLOPs"] > 1 and row["epochs run"] == 1 and row["kept epoch"] == run.best_epoch
    assert row["s/epoch"] == pytest.approx(run.history["seconds"].median())
    assert row["training min"] == pytest.approx(run.history["seconds"].sum() / 60)
    assert row["inference img/s"] > 0
    for split, label in (("validation", "PublicTest"), ("test", "PrivateTest")):
        images, labels = demo.arrays(split)
        assert scored.probabilities[split].shape == (len(labels), 7)
        assert row[f"{label} accuracy"] == pytest.approx(run.accuracy(demo, split))
        report = per_class_scores(labels, scored.probabilities[split].argmax(axis=1))
        assert row[f"{label} macro-F1"] == pytest.approx(report.at["macro avg", "f1"])

    files = sorted(path.name for path in tmp_path.glob("scores-mini_xception-*"))
    assert [name.rsplit(".", 1)[1] for name in files] == ["json", "npz"]
    monkeypatch.setattr(architectures, "inference_images_per_second", lambda *a, **k: pytest.fail("measured again"))
    again = architectures.score_network("mini_xception", run, demo)
    assert again.row == json.loads(json.dumps(row))
    np.testing.assert_array_equal(again.probabilities["test"], scored.probabilities["test"])

    damaged = tmp_path / files[1]
    damaged.write_bytes(damaged.read_bytes()[:100])  # a kill mid-write, or a full disk
    monkeypatch.setattr(architectures, "inference_images_per_second", lambda *a, **k: 123.0)
    with pytest.warns(DataWarning, match=f"{files[1]}: damaged"):
        remeasured = architectures.score_network("mini_xception", run, demo)
    assert remeasured.row["inference img/s"] == 123.0
    np.testing.assert_array_equal(remeasured.probabilities["test"], scored.probabilities["test"])

    table = architectures.comparison_table({"mini_xception": again})
    assert list(table.columns) == list(architectures.COLUMNS)
    assert table.at["mini_xception", "seed"] == "001"
    assert table.at["mini_xception", "seed's accuracy"] == 0.65
    assert table.at["mini_xception", "PrivateTest accuracy"] == pytest.approx(run.accuracy(demo, "test"))


# --- tables, ensembles, findings and the chart from given scores ----------------------


def fake_scores(demo, quality: dict[str, float], seed: int = 0) -> dict[str, NetworkScores]:
    """Scores of made-up networks: each gets the true label right with probability ``quality``."""
    rng = np.random.default_rng(seed)
    scores = {}
    for i, (name, share) in enumerate(quality.items()):
        probabilities, row = {}, {}
        for split, label in (("validation", "PublicTest"), ("test", "PrivateTest")):
            labels = demo.arrays(split)[1]
            p = rng.dirichlet(np.ones(7), size=len(labels))
            right = rng.random(len(labels)) < share
            p[right, labels[right]] += 2.0
            p /= p.sum(axis=1, keepdims=True)
            probabilities[split] = p
            report = per_class_scores(labels, p.argmax(axis=1))
            row[f"{label} accuracy"] = float(report.at["accuracy", "f1"])
            row[f"{label} macro-F1"] = float(report.at["macro avg", "f1"])
        row.update({"parameters": 10_000 * 4**i, "MFLOPs": 5.0 * (i + 1), "epochs run": 3, "kept epoch": 3,
                    "s/epoch": 20.0 * (i + 1), "training min": 1.0 * (i + 1), "inference img/s": 500.0})
        scores[name] = NetworkScores(name, row, probabilities, pd.DataFrame())
    return scores


QUALITY = {"feed_forward": 0.1, "mini_xception": 0.6, "lc2fer_c2": 0.3, "lc2fer_c5": 0.5, "small_cnn": 0.4}


def test_table_sorts_by_privatetest_and_sets_the_seeds_beside_ours(demo):
    table = architectures.comparison_table(fake_scores(demo, QUALITY))
    assert list(table["PrivateTest accuracy"]) == sorted(table["PrivateTest accuracy"], reverse=True)
    assert table.at["lc2fer_c5", "seed's accuracy"] == pytest.approx(0.7347)
    assert table.at["feed_forward", "seed measured on"].startswith("FER-2013")
    assert table.at["small_cnn", "seed"] == "-" and np.isnan(table.at["small_cnn", "seed's accuracy"])
    with pytest.raises(ValueError, match="no scored networks"):
        architectures.comparison_table({})
    assert architectures.formats(table)["parameters"] == "{:,.0f}"
    assert architectures.formats(table)["PrivateTest accuracy"] == "{:.3f}"
    assert "seed" not in architectures.formats(table)


def test_bubble_chart_has_one_labelled_bubble_per_network(demo):
    table = architectures.comparison_table(fake_scores(demo, QUALITY))
    fig = figures.plot_architecture_bubbles(demo, table, floor=0.25)
    ax = fig.axes[0]
    offsets = np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    assert len(offsets) == len(table)
    np.testing.assert_allclose(sorted(offsets[:, 0]), sorted(table["s/epoch"]))
    np.testing.assert_allclose(sorted(offsets[:, 1]), sorted(table["PrivateTest accuracy"]))
    sizes = np.concatenate([c.get_sizes() for c in ax.collections if len(c.get_offsets())])
    assert sizes.max() == pytest.approx(1800) and len(set(np.round(sizes))) > 1  # area follows parameters
    labels = {text.get_text() for text in ax.texts}
    assert set(table.index) <= labels and "most common emotion" in labels
    assert ax.get_xscale() == "log"
    with pytest.raises(ValueError, match="s/epoch"):
        figures.plot_architecture_bubbles(demo, table.drop(columns="s/epoch"))


def test_bubble_labels_of_networks_at_the_same_spot_do_not_overlap(demo):
    table = architectures.comparison_table(fake_scores(demo, QUALITY))
    table["s/epoch"], table["PrivateTest accuracy"] = 100.0, 0.4  # every network on one spot
    fig = figures.plot_architecture_bubbles(demo, table)
    fig.canvas.draw()
    boxes = [text.get_window_extent() for text in fig.axes[0].texts if text.get_text() in table.index]
    assert len(boxes) == len(table)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def test_ensembles_fit_weights_on_publictest_and_judge_on_privatetest(demo):
    scores = fake_scores(demo, QUALITY)
    ensemble, weights = architectures.ensemble_comparison(scores, demo)
    assert list(ensemble.index[:len(QUALITY)]) == list(QUALITY)
    assert {"majority vote", "soft vote", "weighted average"} <= set(ensemble.index)
    assert weights.sum() == pytest.approx(1.0) and (weights >= 0).all()
    assert weights[list(QUALITY).index("mini_xception")] > weights[list(QUALITY).index("feed_forward")]
    test_labels = demo.arrays("test")[1]
    single = np.mean(scores["lc2fer_c2"].probabilities["test"].argmax(axis=1) == test_labels)
    assert ensemble.at["lc2fer_c2", "PrivateTest accuracy"] == pytest.approx(single)


def test_findings_are_sentences_computed_from_the_table(demo):
    scores = fake_scores(demo, QUALITY)
    table = architectures.comparison_table(scores)
    ensemble, _ = architectures.ensemble_comparison(scores, demo)
    lines = architectures.findings(table, demo, ensemble)
    best = table["PrivateTest accuracy"].idxmax()
    assert lines[0].startswith(f"Most accurate on PrivateTest: {best} ({table.at[best, 'PrivateTest accuracy']:.1%}")
    text = "\n".join(lines)
    assert "feed-forward baseline" in text and "C2 -> C5" in text and "soft vote" in text
    assert "weighted average" in text and "beat always answering" in text
    assert "Rank correlation" in text


def test_findings_name_the_networks_still_at_the_majority_answer(demo):
    def near_floor_lines(table):
        return [line for line in architectures.findings(table, demo) if line.startswith("Within 1 point of that")]

    table = architectures.comparison_table(fake_scores(demo, QUALITY))
    floor = majority_accuracy(demo, "test")
    table["PrivateTest accuracy"] = floor + 0.1
    assert near_floor_lines(table) == []
    table.loc["lc2fer_c2", "PrivateTest accuracy"] = floor + 0.005
    near = near_floor_lines(table)
    assert len(near) == 1 and near[0].endswith(": lc2fer_c2.")


def test_lc2fer_ablation_sets_all_eight_configurations_beside_the_paper(demo):
    scores = fake_scores(demo, {"lc2fer_c5": 0.5})
    ablation = architectures.lc2fer_ablation(scores)
    assert list(ablation.index) == [f"C{i}" for i in range(1, 9)]
    stated = ablation[ablation["paper source"] == "stated"]
    assert list(stated.index) == ["C1", "C2", "C3"]
    ratio = stated["parameters (RAF-DB input)"] / stated["paper parameters"]
    assert ((ratio > 0.98) & (ratio < 1.02)).all()
    assert (ablation["parameters (48x48 grey)"] < ablation["parameters (RAF-DB input)"]).all()
    assert ablation.at["C1", "feature sizes (48 px)"] == "[12, 6, 3, 1]"
    assert ablation.at["C5", "PrivateTest accuracy"] == scores["lc2fer_c5"].row["PrivateTest accuracy"]
    assert list(ablation.index[ablation["trained here"]]) == ["C5"]
    assert ablation["PrivateTest accuracy"].isna().sum() == 7
    assert ablation.at["C5", "paper RAF-DB accuracy"] == pytest.approx(0.7347)
