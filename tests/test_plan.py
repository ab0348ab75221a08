"""The report's plan (fer_utils.studies.plan, `fer-utils report --plan`): its sums, what it
finds cached, the default profile's limits, and that printing it trains nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fer_utils import cli
from fer_utils.config import PROFILES
from fer_utils.data.dataset import SPLITS, FaceDataset
from fer_utils.data.synthetic import FER_SPLIT_SIZES, make_demo_dataset
from fer_utils.studies import plan as planning

SMOKE, DEFAULT = PROFILES["smoke"], PROFILES["default"]


@pytest.fixture(scope="module")
def demo() -> FaceDataset:
    return make_demo_dataset(SMOKE.demo_images)


def fer2013_sized() -> FaceDataset:
    """Blank faces in FER-2013's split sizes, each emotion in turn: what the estimates scale with."""
    splits = np.concatenate([[split] * FER_SPLIT_SIZES[split] for split in SPLITS])
    labels = np.arange(len(splits)) % 7
    return FaceDataset(images=np.zeros((len(splits), 48, 48), np.uint8), labels=labels, splits=splits,
                       sources=np.array([f"blank:{i}" for i in range(len(splits))]), name="FER-2013-sized blanks")


def finish_run(folder: Path, seconds: list[float]) -> None:
    """A finished engine run as state.json records it (what the engine loads without training)."""
    folder.mkdir(parents=True)
    history = [{"epoch": i + 1, "loss": 1.0, "val_loss": 1.0, "seconds": s} for i, s in enumerate(seconds)]
    (folder / "state.json").write_text(json.dumps({
        "epochs_done": len(seconds), "history": history, "best_val_loss": 1.0, "best_checkpoint": None,
        "last_checkpoint": None, "early_stopping": None, "replicas": 1, "finished": True,
    }))


def row(plan, chapter: int, run: str) -> planning.PlannedRun:
    (found,) = [r for r in plan.runs if r.chapter == chapter and r.run == run]
    return found


def test_the_total_is_the_sum_of_the_rows_and_of_the_chapters(demo):
    plan = planning.report_plan(SMOKE, demo)
    table, chapters = plan.table(), plan.chapters()
    assert plan.total_minutes > 0
    assert plan.total_minutes == pytest.approx(table["est. min"].sum())
    assert plan.remaining_minutes == pytest.approx(table["left min"].sum())
    assert chapters["est. min"].sum() == pytest.approx(plan.total_minutes)
    for number, minutes in chapters["est. min"].items():
        assert minutes == pytest.approx(table.loc[table["ch."] == number, "est. min"].sum())
    # a run several chapters use counts once, where it is first trained
    assert row(plan, 4, "baseline CNN").minutes > 0
    assert all(r.minutes == 0 and r.trained_in == 4 for r in plan.runs if r.run == "baseline CNN" and r.chapter > 4)


def test_a_finished_run_is_cached_and_counts_toward_nothing_left(demo, tmp_path, monkeypatch):
    from fer_utils.engine.training import TrainingConfig, run_directory
    from fer_utils.engine.artifacts import artifact_path
    from fer_utils.studies import recipes, tuning

    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / "artifacts"))  # the fake runs stay in this test
    sample = demo.sample_per_split(SMOKE.images_per_split)
    before = planning.report_plan(SMOKE, demo)
    baseline_folder = run_directory(TrainingConfig(model="baseline_cnn", epochs=SMOKE.training_epochs), sample,
                                    SMOKE.name)
    finish_run(baseline_folder, [42.0, 18.0])  # chapter 4's baseline
    (baseline_folder / "model.keras").write_bytes(b"the trained baseline")  # what warm-started trials start from
    # chapter 10's recipe under float32, the precision "auto" resolves to on a CPU without bfloat16
    recipe = recipes.get_recipe(planning.CHAPTER_10_RECIPE)
    settings = {**recipe.training_settings(SMOKE), "precision": "float32"}
    finish_run(artifact_path(f"run-{recipe.model}", sample, suffix="", profile=SMOKE.name,
                             config=TrainingConfig(model=recipe.model, **settings).to_dict()), [30.0, 30.0])
    # one ended trial of the grid search (keras-tuner's trial file)
    budget = SMOKE.tuning
    grid = tuning.chapter_searches(budget)["grid"]
    start = str(baseline_folder / "model.keras")
    trial = Path(tuning.tuning_directory(sample, SMOKE)) / tuning.project_name(grid, budget, 0, start) / "trial_0"
    trial.mkdir(parents=True)
    (trial / "trial.json").write_text(json.dumps({"status": "COMPLETED", "hyperparameters": {
        "values": {"learning_rate": 1e-4, "dense_units": 128}}}))

    after = planning.report_plan(SMOKE, demo)
    baseline, recipe_run = row(after, 4, "baseline CNN"), row(after, 10, f"recipe {recipe.name}")
    assert (baseline.cached, baseline.remaining_minutes, baseline.measured_seconds) == ("yes", 0.0, 60.0)
    assert (recipe_run.cached, recipe_run.measured_seconds) == ("yes", 60.0)
    assert row(after, 8, "baseline_cnn").cached == "no"  # chapter 8's own run, at the budget of the others
    searched = row(after, 6, "search grid")
    assert searched.cached == f"1 of {budget.trials}" and searched.measured_seconds is None  # its run is not there
    assert searched.remaining_minutes == pytest.approx(searched.minutes * (budget.trials - 1) / budget.trials)
    assert after.total_minutes == pytest.approx(before.total_minutes)  # the cold cost does not change
    assert after.remaining_minutes == pytest.approx(
        before.remaining_minutes - baseline.minutes - recipe_run.minutes - searched.minutes / budget.trials)
    assert after.chapters().at[4, "measured min"] == pytest.approx(1.0)


@pytest.mark.slow  # trains the baseline, the five warm-started searches' tiny trials, the tuned network, a repeat
def test_finished_searches_name_the_tuned_network_and_its_repeats(demo, tmp_path, monkeypatch):
    from dataclasses import replace

    from fer_utils.studies import tuning

    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    tiny = replace(SMOKE, tuning=replace(SMOKE.tuning, trials=1, annealing_trials=1, repeats=1))
    sample = demo.sample_per_split(tiny.images_per_split)
    tuners = tuning.run_chapter(sample, tiny, verbose=False)
    chosen = tuning.best_trial(tuners)
    tuning.train_chosen(chosen, sample, tiny)
    plan = planning.report_plan(tiny, demo)
    assert all(r.cached == "yes" for r in plan.runs if r.chapter == 6 and r.run.startswith("search "))
    tuned, repeats = row(plan, 6, "tuned network"), row(plan, 6, "noise repeats")
    assert (tuned.cached, tuned.network, repeats.cached) == ("yes", chosen["model"], "no")
    assert row(plan, 6, planning.SCRATCH_TRIAL).cached == "no"
    assert row(plan, 7, "tuned network").trained_in == 6
    tuning.repeat_best(tuners[chosen["search"]], sample)
    tuning.trial_from_scratch(chosen, sample, tiny)
    replanned = planning.report_plan(tiny, demo)
    assert row(replanned, 6, "noise repeats").cached == row(replanned, 6, planning.SCRATCH_TRIAL).cached == "yes"


def test_the_default_profile_plans_at_most_four_hours_and_45_minutes_a_chapter():
    assert DEFAULT.report_minutes <= 240 and DEFAULT.chapter_minutes <= 45  # the design's limits
    plan = planning.report_plan(DEFAULT, fer2013_sized())
    assert plan.over_limits() == []
    assert plan.total_minutes <= DEFAULT.report_minutes
    assert (plan.chapters()["est. min"] <= DEFAULT.chapter_minutes).all()
    assert row(plan, 4, "baseline CNN").faces == FER_SPLIT_SIZES["train"]  # estimates for all of FER-2013
    compared = [r for r in plan.runs if r.chapter == 8 and r.trained_in is None]
    assert compared and all(r.minutes <= DEFAULT.comparison_minutes for r in compared)  # one budget for all


def test_the_limits_are_reported_when_a_plan_exceeds_them():
    from dataclasses import replace

    plan = planning.report_plan(replace(DEFAULT, training_epochs=40), fer2013_sized())
    problems = plan.over_limits()
    assert any(problem.startswith("chapter 4 plans 200 minutes") for problem in problems)
    assert "NO" in plan.chapters()["within limit"].tolist() and "more than the profile's" in plan.text()


def test_the_smoke_plan_is_small(demo):
    plan = planning.report_plan(SMOKE, demo)
    assert 0 < plan.total_minutes < 5
    assert plan.over_limits() == []


def test_committed_results_are_listed_apart(demo):
    plan = planning.report_plan(SMOKE, demo)
    (reference,) = [result for result in plan.committed if result.chapter == 9]
    assert reference.minutes > 0 and "fer-utils train --recipe" in reference.command
    assert all(result.what not in {r.run for r in plan.runs} for result in plan.committed)
    assert plan.total_minutes == pytest.approx(sum(r.minutes for r in plan.runs))  # not counted
    text = plan.text()
    assert text.index("committed results, not counted above") > text.index("total:")
    assert f"committed result, {reference.minutes / 60:.1f} hours to regenerate with `" in text


def test_report_plan_prints_the_total_and_trains_nothing(no_real_data, tmp_path, monkeypatch, capsys):
    import keras

    from fer_utils import book
    from fer_utils.config import artifacts_dir
    from fer_utils.engine import training

    def refuse(*args, **kwargs):
        raise AssertionError("the plan must not train or run notebooks")

    monkeypatch.setattr(training, "train", refuse)
    monkeypatch.setattr(keras.Model, "fit", refuse)
    monkeypatch.setattr(book, "run_notebooks", refuse)
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    assert cli.main(["report", "--plan", "--profile", "smoke"]) == 0
    out = capsys.readouterr().out
    assert "total:" in out and "minutes" in out and "committed results" in out
    assert not list(artifacts_dir().glob("run-*")) and not list(artifacts_dir().glob("tuning-*"))

    assert cli.main(["report", "--plan", "--json", "--profile", "smoke"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["profile"] == "smoke" and plan["committed"]
    assert plan["total_minutes"] == pytest.approx(sum(chapter["minutes"] for chapter in plan["chapters"]))

    assert cli.main(["report", "--json"]) == 2
    assert "--json goes with --plan" in capsys.readouterr().err


def test_is_finished_names_the_run_train_would_load(demo, tmp_path, monkeypatch):
    """What chapters 4 and 5 print before their long cell: the chapter's own run, not chapter 8's."""
    from fer_utils.engine.training import TrainingConfig, is_finished, run_directory
    from fer_utils.studies import architectures

    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    default = PROFILES["default"]
    assert not is_finished("baseline_cnn", demo, profile=default)
    finish_run(run_directory(TrainingConfig(model="baseline_cnn", epochs=default.training_epochs), demo, "default"),
               [1.0])
    assert is_finished("baseline_cnn", demo, profile=default)
    assert not architectures.is_trained("baseline_cnn", demo, default)  # chapter 8's baseline: fewer epochs
    with pytest.raises(ValueError, match="auto"):
        is_finished("compact_resnet", demo, profile=default, precision="auto")
