"""Chapter 10's shipped ablation and ensemble (fer_utils.studies.results): written,
read back, refused when damaged, and listed apart by the report's plan; the
ensemble table's intervals and the PublicTest choice the chapter reports."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from fer_utils.config import PROFILES
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.engine.ensembles import compare_ensembles
from fer_utils.errors import SavedFileError
from fer_utils.studies import plan as planning
from fer_utils.studies import recipes, results
from fer_utils.engine.training import TrainingConfig


@pytest.fixture(scope="module")
def demo():
    return make_demo_dataset(700, seed=5)


def fake_run(best_epoch: int, accuracies: list[float]):
    """What the writer reads of a trained run: its kept epoch and its history."""
    epochs = range(1, len(accuracies) + 1)
    history = pd.DataFrame({"epoch": epochs, "seconds": [30.0] * len(accuracies),
                            "val_loss": [2.0 - a for a in accuracies], "val_accuracy": accuracies}).set_index("epoch")
    return SimpleNamespace(best_epoch=best_epoch, history=history)


def ensemble_table(demo, names):
    rng = np.random.default_rng(0)
    (_, validation), (_, test) = demo.arrays("validation"), demo.arrays("test")
    probabilities = [[rng.dirichlet(np.ones(7), size=len(labels)) for _ in names] for labels in (validation, test)]
    return compare_ensembles(probabilities[0], validation, probabilities[1], test, names=names, intervals=True)[0]


def written(demo, tmp_path):
    runs = {recipes.FULL: fake_run(3, [0.3, 0.4, 0.5]), "- all augmentation": fake_run(2, [0.35, 0.45, 0.44])}
    table = recipes.ablation_table({
        recipes.FULL: {"PublicTest accuracy": 0.5, "PrivateTest accuracy": 0.52},
        "- all augmentation": {"PublicTest accuracy": 0.45, "PrivateTest accuracy": 0.46},
        "+ test-time augmentation": {"PublicTest accuracy": 0.51, "PrivateTest accuracy": 0.53},
    })
    table.attrs["minutes"] = {recipes.FULL: 1.5, "- all augmentation": 1.5, "+ test-time augmentation": 1.5}
    names = ["reference model (cpu_2h)", *(f"ablation: {name}" for name in runs)]
    path = results.write_ablation(tmp_path / "ablation.json", "cpu_small", 3, table, runs, demo,
                                  ensemble_table(demo, names), dict(zip(names, [88.0, 1.5, 1.5])),
                                  "python benchmarks/recipe_ablation.py --result ablation.json", "float32")
    return path, table


def test_a_written_ablation_reads_back_with_its_source(demo, tmp_path):
    path, table = written(demo, tmp_path)
    result = results.read_ablation(path)
    assert result.recipe == "cpu_small" and result.epochs == 3 and result.machine.endswith(", float32")
    pd.testing.assert_frame_equal(result.table, table)
    assert result.table.attrs["minutes"] == table.attrs["minutes"]
    assert result.histories["- all augmentation"]["val_accuracy"].tolist() == [0.35, 0.45, 0.44]
    assert result.data["digest"] and result.validation_faces == len(demo.arrays("validation")[1])
    assert {"PrivateTest low", "PrivateTest high"} <= set(result.ensembles.columns)
    assert sum(result.member_minutes.values()) == pytest.approx(91.0)
    source = result.source()
    assert "--result ablation.json" in source and "2 runs of 3 epochs, 0.05 hours in all" in source
    assert "synthetic demo data" in result.caption and result.date in result.caption
    lines = result.findings()
    assert f"{result.validation_faces:,} faces" in lines[0]
    assert any("all augmentation (without it -5.0 points)" in line for line in lines[1:])


@pytest.mark.parametrize("damage, problem", [
    (lambda path: path.write_text(""), "the file is empty"),
    (lambda path: path.write_text("[1, 2]"), "not an object"),
    (lambda path: path.write_text(json.dumps({"kind": "something else"})), "not a recipe ablation result"),
    (lambda path: path.write_text(path.read_text().replace('"PublicTest accuracy"', '"accuracy"')), "damaged table"),
    (lambda path: path.unlink(), "no such result file"),
])
def test_a_damaged_result_file_is_named_with_its_problem(demo, tmp_path, damage, problem):
    path, _ = written(demo, tmp_path)
    damage(path)
    with pytest.raises(SavedFileError) as error:
        results.read_ablation(path)
    assert str(path) in str(error.value) and problem in str(error.value)
    assert "benchmarks/recipe_ablation.py --result" in str(error.value)


def test_the_shipped_ablation_finishes_on_fer2013_and_holds_an_ensemble_with_the_reference_model():
    result = results.read_ablation()
    assert result.data["images"] == {"Training": 28709, "PublicTest": 3589, "PrivateTest": 3589}
    assert result.recipe == "cpu_small" and result.epochs == 20 and "--result" in result.command
    assert {recipes.FULL, "- all augmentation", "- distillation", "+ label smoothing"} <= set(result.table.index)
    assert set(result.histories) == set(result.table.index) - {"+ test-time augmentation"}
    assert all(len(history) == result.epochs for history in result.histories.values())
    assert "reference model (cpu_2h)" in result.member_minutes and "weighted average" in result.ensembles.index
    accuracy = result.ensembles["PrivateTest accuracy"]
    assert (result.ensembles["PrivateTest low"] <= accuracy).all()
    assert (accuracy <= result.ensembles["PrivateTest high"]).all()


def test_ensemble_intervals_contain_the_accuracy_and_the_choice_is_made_on_publictest(demo):
    names = ["a", "b", "c"]
    table = ensemble_table(demo, names)
    assert list(table.columns[:4]) == ["PublicTest accuracy", "PrivateTest accuracy", "PrivateTest low",
                                       "PrivateTest high"]
    assert ((table["PrivateTest low"] <= table["PrivateTest accuracy"])
            & (table["PrivateTest accuracy"] <= table["PrivateTest high"])).all()
    chosen = pd.DataFrame({"PublicTest accuracy": [0.6, 0.5, 0.55, 0.7, 0.65],
                           "PrivateTest accuracy": [0.5, 0.9, 0.5, 0.6, 0.95]},
                          index=["a", "b", "majority vote", "soft vote", "weighted average"])
    assert recipes.chosen_on_publictest(chosen, ["a", "b"]) == ("a", "soft vote")  # never the PrivateTest best


def test_label_smoothing_can_be_added_to_a_recipe_without_it():
    variants = recipes.ablation_variants("cpu_small", epochs=20, ingredients=["distillation"],
                                         additions=["label smoothing"])
    assert list(variants) == [recipes.FULL, "- distillation", "+ label smoothing"]
    added = TrainingConfig(model="compact_resnet", **variants["+ label smoothing"])
    assert added.label_smoothing == 0.1 and added.distillation == 0.7
    removed = TrainingConfig(model="compact_resnet", **variants["- distillation"])
    assert removed.teacher is None and removed.distillation == 0.0
    assert "+ label smoothing" not in recipes.ablation_variants("cpu_2h", additions=["label smoothing"])


def test_the_plan_lists_the_shipped_ablation_apart(demo):
    plan = planning.report_plan(PROFILES["smoke"], demo)
    (shipped,) = [result for result in plan.committed if result.chapter == 10]
    result = results.read_ablation()
    assert shipped.command == result.command and shipped.files[0].endswith(results.ABLATION_FILE)
    assert shipped.measured_seconds == pytest.approx(60 * sum(
        minutes for name, minutes in result.table.attrs["minutes"].items() if name != "+ test-time augmentation"))
    assert shipped.minutes > 0 and "ablation of cpu_small" in plan.text()
