"""Chapter 6's searches: spaces, strategies, the engine behind every trial, resume, failures, results."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import keras_tuner
import numpy as np
import pandas as pd
import pytest
from keras_tuner.engine.trial import TrialStatus

import fer_utils.nets.registry
from fer_utils.studies import tuning
from fer_utils.config import PROFILES
from fer_utils.nets.random_residual import random_residual
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.studies.tuning import Search, SimulatedAnnealingOracle, TuningBudget, annealing_log, best_trial, chapter_searches, make_tuner, noise_table, powers_of_two, repeat_best, run_search, search_progress, search_summary, stepped, train_chosen, trials_table, tuning_budget, tuning_data

pytestmark = [  # keras-tuner 1.4.8 calls threading's deprecated currentThread().getName() in every oracle call
    pytest.mark.filterwarnings("ignore:getName\\(\\) is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:currentThread\\(\\) is deprecated:DeprecationWarning"),
]

SMOKE = PROFILES["smoke"]
TINY = TuningBudget(
    trials=3, annealing_trials=5, epochs=1, annealing_epochs=(1, 3, 1), train_images=48, validation_images=24,
    batch_size=16, batch_sizes=(8, 16), repeats=2,
)
SEED_000 = {
    "learning_rate": stepped("learning_rate", 1e-4, 4e-4, 1e-4), "dense_units": powers_of_two("dense_units", 128, 1024)
}


@pytest.fixture(autouse=True)
def own_artifacts(tmp_path, monkeypatch):
    """Every test starts with no tuner state and no cached runs."""
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / "artifacts"))


@pytest.fixture(scope="module")
def demo():
    return make_demo_dataset(200, seed=5)


class FakeEngine:
    """Stands in for ``training.train``: an instant run whose val_loss is a known
    function of the settings (lowest at learning rate 3e-4 and 512 units), and
    which records every call."""

    def __init__(self, nan_when=None, interrupt_at=None):
        self.calls: list[dict] = []
        self.nan_when, self.interrupt_at = nan_when, interrupt_at

    @staticmethod
    def loss(settings: dict) -> float:
        options = settings["model_options"]
        units = options.get("dense_units", 128)
        return (
            1.0 + abs(settings["learning_rate"] - 3e-4) * 1000 + abs(math.log2(units) - 9) * 0.1
            + options.get("dense_dropout", 0.0) + 0.01 * settings.get("epochs", 1) + 0.001 * settings.get("seed", 0)
            + 0.0001 * options.get("seed", 0)
        )

    def __call__(self, model, dataset, *, profile=None, verbose=None, **settings):
        if self.interrupt_at is not None and len(self.calls) == self.interrupt_at:
            self.interrupt_at = None
            raise KeyboardInterrupt  # the process dies in the middle of this trial
        self.calls.append({"model": model, "profile": profile, **settings})
        value = self.loss(settings)
        if self.nan_when is not None and self.nan_when(settings):
            value = float("nan")
        history = pd.DataFrame(
            {"loss": [2.0, value], "accuracy": [0.2, 0.3], "val_loss": [value + 0.5, value],
             "val_accuracy": [0.25, 1 / value if value == value else np.nan], "seconds": [0.5, 0.5]},
            index=pd.Index([1, 2], name="epoch"),
        )
        best = int(history["val_loss"].idxmin()) if history["val_loss"].notna().any() else 2
        return SimpleNamespace(history=history, best_epoch=best, directory=Path("nowhere"), model=None)


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine()
    monkeypatch.setattr("fer_utils.engine.training.train", fake)
    return fake


def values_of(tuner) -> list[dict]:
    return [dict(tuner.oracle.trials[i].hyperparameters.values) for i in tuner.oracle.start_order]


# --- spaces and bad input ---------------------------------------------------------------


def test_seed_000_space_is_exact():
    assert stepped("learning_rate", 1e-4, 4e-4, 1e-4) == (1e-4, 2e-4, 3e-4, 4e-4)
    assert powers_of_two("dense_units", 128, 1024) == (128, 256, 512, 1024)
    assert stepped("epochs", 1, 4, 1) == (1, 2, 3, 4)
    assert stepped("dense_dropout", 0.1, 0.5, 0.1) == (0.1, 0.2, 0.3, 0.4, 0.5)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: stepped("learning_rate", 4e-4, 1e-4, 1e-4), ["learning_rate", "empty range", "minimum"]),
        (lambda: stepped("learning_rate", 1e-4, 4e-4, 0), ["learning_rate", "step must be positive"]),
        (lambda: stepped("learning_rate", 1e-4, 4.5e-4, 1e-4), ["learning_rate", "whole number of steps"]),
        (lambda: stepped("epochs", 1, float("nan"), 1), ["epochs", "finite"]),
        (lambda: powers_of_two("dense_units", 100, 1024), ["dense_units", "power of two"]),
        (lambda: powers_of_two("dense_units", 1024, 128), ["dense_units", "empty range"]),
        (lambda: Search("s", "bayesian", {}), ["search space is empty"]),
        (lambda: Search("s", "grid", {"learning_rate": ()}), ["'learning_rate' has no values"]),
        (lambda: Search("s", "grid", {"learning_rate": range(0)}), ["'learning_rate' has no values"]),
        (lambda: Search("s", "grid", {"dense_units": (256, 128)}), ["dense_units", "increasing order"]),
        (lambda: Search("s", "grid", {"dense_units": (128, 128)}), ["dense_units", "twice"]),
        (lambda: Search("s", "grid", {"dense_units": (128, 0.5)}), ["dense_units", "must all be int"]),
        (lambda: Search("s", "evolution", SEED_000), ["unknown strategy 'evolution'"]),
        (lambda: Search("s", "grid", SEED_000, fixed={"learning_rate": 1e-3}), ["learning_rate", "searched and fixed"]),
        (lambda: Search("s", "annealing", SEED_000, steps={"epochs": 1}), ["steps given for epochs"]),
    ],
)
def test_an_empty_or_inconsistent_space_is_refused_by_name(make, words):
    with pytest.raises(ValueError) as caught:
        make()
    for word in words:
        assert word in str(caught.value)


def test_a_search_with_an_option_its_model_lacks_is_refused_before_training(demo, engine):
    search = Search("s", "grid", {"dense_unit": (128, 256)})
    with pytest.raises(ValueError, match="baseline_cnn has no option dense_unit"):
        make_tuner(search, demo, SMOKE, budget=TINY)
    with pytest.raises(ValueError, match="max_trials must be a positive integer"):
        make_tuner(Search("s", "grid", SEED_000), demo, SMOKE, budget=TINY, max_trials=0)
    assert engine.calls == []


def test_budgets_per_profile_and_the_tuning_data(demo):
    smoke, default = tuning_budget(SMOKE), tuning_budget("default")
    assert smoke.trials <= 2 and smoke.epochs == 1 and smoke.train_images <= 200
    assert default.train_images < 28709 and default.epochs <= 5 and default.trials >= 4
    assert tuning_budget("full").train_images is None
    with pytest.raises(ValueError, match="unknown profile 'huge'"):
        tuning_budget("huge")
    data = tuning_data(demo, TINY)
    counts = data.counts()
    assert "test" not in counts.index  # tuning never looks at the test split
    assert abs(counts.loc["train", "total"] - TINY.train_images) <= 4
    assert abs(counts.loc["validation", "total"] - TINY.validation_images) <= 4
    assert (counts.loc["train"].drop("total") > 0).all()  # every emotion kept (stratified)


def test_the_chapter_searches_follow_the_seeds():
    searches = chapter_searches(tuning_budget("full"))  # trials from random weights: the random networks too
    assert list(searches) == ["bayesian", "random", "grid", "bayesian_dropout", "annealing", "random_architecture"]
    for name in ("bayesian", "random", "grid"):  # same space, same network
        assert searches[name].space == SEED_000 and searches[name].model == "baseline_cnn"
    assert [searches[n].strategy for n in searches] == ["bayesian", "random", "grid", "bayesian", "annealing", "random"]
    dropout = searches["bayesian_dropout"]
    assert dropout.fixed == {"learning_rate": 1e-4} and set(dropout.space) == {"dense_units", "dense_dropout"}
    assert set(searches["annealing"].space) == {"learning_rate", "epochs", "batch_size"}
    assert searches["random_architecture"].model == "random_residual"


# --- every strategy through the engine -----------------------------------------------------


def test_every_strategy_trains_each_trial_through_the_engine(demo, engine, monkeypatch):
    monkeypatch.setitem(fer_utils.nets.registry.MODELS, "random_residual", random_residual)
    oracles = {
        "bayesian": keras_tuner.oracles.BayesianOptimizationOracle,
        "random": keras_tuner.oracles.RandomSearchOracle,
        "grid": keras_tuner.oracles.GridSearchOracle,
        "annealing": SimulatedAnnealingOracle,
    }
    tuners = {}
    for name, search in chapter_searches(TINY).items():
        before = len(engine.calls)
        tuner = run_search(search, demo, SMOKE, budget=TINY)
        tuners[name] = tuner
        assert isinstance(tuner, keras_tuner.Tuner) and isinstance(tuner.oracle, oracles[search.strategy])
        trials = TINY.trials_for(search.strategy)
        assert len(tuner.oracle.trials) == trials and len(engine.calls) - before == trials
        for call, values in zip(engine.calls[before:], values_of(tuner)):
            assert call["model"] == search.model and call["patience"] is None and call["seed"] == 0
            for key, value in {**search.fixed, **values}.items():
                if key == "architecture":
                    assert call["model_options"] == {"seed": value}
                elif key in ("learning_rate", "epochs", "batch_size"):
                    assert call[key] == value
                else:
                    assert call["model_options"][key] == value
            if search.strategy != "annealing":
                assert call["epochs"] == TINY.epochs
        for trial in tuner.oracle.trials.values():  # the tuner's objective is the run's best val_loss
            assert trial.status == TrialStatus.COMPLETED
            settings = tuner.trial_settings(dict(trial.hyperparameters.values))
            assert trial.score == pytest.approx(FakeEngine.loss(settings))
        assert Path(tuner.project_dir).is_relative_to(Path(tuning.tuning_directory(demo, SMOKE)))

    summary = search_summary(tuners)
    assert list(summary.index) == list(tuners) and (summary["trials"] == [3, 3, 3, 3, 5, 3]).all()
    assert {"best configuration", "best val_loss", "best val_accuracy", "train s", "wall s"} <= set(summary.columns)
    assert summary.loc["grid", "best configuration"] == "learning_rate=0.0001, dense_units=512"
    notes = trials_table(tuners["random_architecture"])["note"]
    assert notes.str.contains("blocks").all()  # which random network each trial was
    progress = search_progress(tuners)
    for _, rows in progress.groupby("search"):
        assert (np.diff(rows["best_so_far"].to_numpy()) <= 0).all()
    chosen = best_trial(tuners)
    assert chosen["val_loss"] == summary["best val_loss"].min()



@pytest.mark.parametrize("searched_batch_size", [False, True])
def test_the_chosen_configuration_is_retrained_with_the_baselines_budget(demo, engine, searched_batch_size):
    values = {"learning_rate": 3e-4, "dense_units": 256}
    if searched_batch_size:  # simulated annealing searches the batch size (and epochs)
        values = {"learning_rate": 3e-4, "epochs": 3, "batch_size": 32}
    settings = {"learning_rate": 3e-4, "epochs": 3, "batch_size": values.get("batch_size", 16), "patience": None,
                "seed": 0, "model_options": {"dense_units": 256} if "dense_units" in values else {}}
    train_chosen({"model": "baseline_cnn", "values": values, "settings": settings}, demo, SMOKE)
    retrain = engine.calls[-1]
    assert retrain["model"] == "baseline_cnn" and retrain["profile"] is SMOKE
    assert not {"epochs", "patience", "seed"} & set(retrain)  # the engine takes them from the profile
    assert retrain["learning_rate"] == 3e-4 and retrain["model_options"] == settings["model_options"]
    assert retrain.get("batch_size") == (32 if searched_batch_size else None)


def test_grid_search_walks_the_whole_grid_once_in_order(demo, engine):
    tuner = run_search(Search("g", "grid", SEED_000), demo, SMOKE, budget=TINY, max_trials=20)
    seen = [(v["learning_rate"], v["dense_units"]) for v in values_of(tuner)]
    assert seen == [(lr, units) for lr in SEED_000["learning_rate"] for units in SEED_000["dense_units"]]
    assert len(engine.calls) == 16  # stopped when the grid was exhausted


def test_bayesian_search_never_repeats_a_configuration(demo, engine):
    tuner = run_search(Search("b", "bayesian", SEED_000), demo, SMOKE, budget=TINY, max_trials=5)
    seen = [tuple(v.values()) for v in values_of(tuner)]
    assert len(seen) == 5 and len(set(seen)) == 5  # three random points, then two from the Gaussian process


# --- resume -----------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["grid", "bayesian", "random", "annealing"])
def test_more_trials_later_trains_only_the_new_ones(demo, engine, strategy, capsys):
    search = Search("s", strategy, SEED_000)
    first = run_search(search, demo, SMOKE, budget=TINY, max_trials=1)
    assert len(engine.calls) == 1
    again = run_search(search, demo, SMOKE, budget=TINY, max_trials=1, verbose=True)
    assert len(engine.calls) == 1 and values_of(again) == values_of(first)  # reloaded, not trained
    assert "s: 1 finished trials reloaded from" in capsys.readouterr().out
    more = run_search(search, demo, SMOKE, budget=TINY, max_trials=3)
    assert len(engine.calls) == 3 and values_of(more)[0] == values_of(first)[0]
    assert len({tuple(v.values()) for v in values_of(more)}) == 3
    if strategy == "grid":  # keras-tuner's own grid oracle loses its place here (keras-tuner#1055)
        assert [v["dense_units"] for v in values_of(more)] == [128, 256, 512]


def test_a_search_killed_mid_trial_resumes_with_that_trial(demo, monkeypatch):
    fake = FakeEngine(interrupt_at=2)
    monkeypatch.setattr("fer_utils.engine.training.train", fake)
    search = Search("s", "random", SEED_000)
    with pytest.raises(KeyboardInterrupt):
        run_search(search, demo, SMOKE, budget=TINY, max_trials=4)
    assert len(fake.calls) == 2
    tuner = run_search(search, demo, SMOKE, budget=TINY, max_trials=4)
    assert len(fake.calls) == 4 and len(tuner.oracle.trials) == 4  # the two finished trials were not trained again
    assert all(t.status == TrialStatus.COMPLETED for t in tuner.oracle.trials.values())
    trained = [(c["learning_rate"], c["model_options"]["dense_units"]) for c in fake.calls]
    assert trained == [(v["learning_rate"], v["dense_units"]) for v in values_of(tuner)]
    assert len(set(trained)) == 4


def test_state_is_keyed_by_profile_dataset_and_search(demo, engine):
    search = Search("s", "random", SEED_000)
    one = make_tuner(search, demo, SMOKE, budget=TINY)
    assert Path(one.project_dir).parent.name == f"tuning-smoke-{tuning.dataset_digest(demo)}"
    assert Path(one.project_dir).name.startswith("s-")
    other_data = make_tuner(search, make_demo_dataset(200, seed=6), SMOKE, budget=TINY)
    other_profile = make_tuner(search, demo, PROFILES["default"], budget=TINY)
    other_space = make_tuner(Search("s", "random", {"learning_rate": (1e-4, 2e-4)}), demo, SMOKE, budget=TINY)
    folders = {one.project_dir, other_data.project_dir, other_profile.project_dir, other_space.project_dir}
    assert len(folders) == 4
    assert make_tuner(search, demo, SMOKE, budget=TINY, max_trials=7).project_dir == one.project_dir


# --- failures ------------------------------------------------------------------------------------


def test_a_diverged_trial_is_recorded_as_failed_and_the_search_goes_on(demo, monkeypatch, capsys):
    fake = FakeEngine(nan_when=lambda s: s["learning_rate"] == 1e-4 and s["model_options"]["dense_units"] == 256)
    monkeypatch.setattr("fer_utils.engine.training.train", fake)
    tuner = run_search(Search("g", "grid", SEED_000), demo, SMOKE, budget=TINY, max_trials=3, verbose=True)
    table = trials_table(tuner)
    assert list(table["status"]) == [TrialStatus.COMPLETED, TrialStatus.FAILED, TrialStatus.COMPLETED]
    failed = table.iloc[1]
    assert "diverged" in failed["note"] and "NaN" in failed["note"] and "dense_units=256" in failed["note"]
    assert np.isnan(failed["val_loss"])
    summary = search_summary({"g": tuner})
    assert summary.loc["g", "failed"] == 1 and summary.loc["g", "trials"] == 3
    assert search_progress({"g": tuner})["best_so_far"].notna().all()
    assert "failed" in capsys.readouterr().out  # the progress line says so


def test_real_nan_from_the_engine_fails_the_trial(demo, monkeypatch):
    """A real (tiny) run whose loss is NaN: the engine keeps the run, the tuner fails the trial."""
    real_train = tuning.training.train

    def poisoned(model, dataset, **settings):
        run = real_train(model, dataset, **settings)
        run.history.loc[run.history.index[-1], "loss"] = np.nan
        return run

    monkeypatch.setattr("fer_utils.engine.training.train", poisoned)
    search = Search(
        "tiny", "grid", {"learning_rate": (1e-3,)}, model="small_cnn", fixed={"model_options": {"filters": (4,)}}
    )
    tuner = run_search(search, demo, SMOKE, budget=TINY)
    (trial,) = tuner.oracle.trials.values()
    assert trial.status == TrialStatus.FAILED and "diverged" in trial.message


# --- the real engine ----------------------------------------------------------------------------


def test_trials_are_real_engine_runs_and_a_finished_search_reloads(demo, monkeypatch):
    search = Search(
        "tiny", "grid", {"learning_rate": (1e-3, 3e-3)}, model="small_cnn", fixed={"model_options": {"filters": (4,)}}
    )
    tuner = run_search(search, demo, SMOKE, budget=TINY)
    table = trials_table(tuner)
    assert (table["status"] == TrialStatus.COMPLETED).all() and len(table) == 2
    data = tuning_data(demo, TINY)
    run = tuning.training.train("small_cnn", data, profile=SMOKE, verbose=0, **tuner.trial_settings(
        {"learning_rate": 1e-3}))
    assert run.from_cache  # the tuner's trial is the engine's cached run
    assert table.loc[0, "val_loss"] == pytest.approx(run.history["val_loss"].min())
    model = tuner.get_best_models(1)[0]
    assert model.output_shape == (None, 7)

    monkeypatch.setattr("fer_utils.engine.training._fit", lambda *a, **k: pytest.fail("trained again"))
    again = run_search(search, demo, SMOKE, budget=TINY)
    pd.testing.assert_frame_equal(trials_table(again).drop(columns="wall_seconds"), table.drop(columns="wall_seconds"))


# --- simulated annealing ----------------------------------------------------------------------


def annealing_search():
    return chapter_searches(TINY)["annealing"]


def test_annealing_moves_by_its_steps_and_decides_by_metropolis(demo, engine):
    search = annealing_search()
    tuner = run_search(search, demo, SMOKE, budget=TINY, max_trials=12)
    log = annealing_log(tuner)
    assert len(log) == 12
    lrs, epochs = list(search.space["learning_rate"]), list(search.space["epochs"])
    first = values_of(tuner)[0]  # starts in the middle of every dimension
    assert first == {"learning_rate": lrs[len(lrs) // 2], "epochs": epochs[1], "batch_size": 16}
    oracle = tuner.oracle
    current = first
    for k, row in log.iterrows():
        assert row["temperature"] == pytest.approx(0.1 * 0.85**k)
        values = {name: row[name] for name in search.space}
        if k:
            assert abs(lrs.index(values["learning_rate"]) - lrs.index(current["learning_rate"])) <= 2
            assert abs(epochs.index(values["epochs"]) - epochs.index(current["epochs"])) <= 1
            assert values != current
            if row["delta"] <= 0:
                assert row["probability"] == 1.0 and row["accepted"]
            else:
                assert row["probability"] == pytest.approx(math.exp(-row["delta"] / row["temperature"]))
        if row["accepted"]:
            current = values
    assert oracle.current_score == pytest.approx(log.loc[log["accepted"], "value"].iloc[-1])
    assert (log["note"] == "worse, accepted").any() or (log["note"] == "worse, rejected").any()


def test_annealing_is_reproducible_and_resumes_exactly(demo, engine, tmp_path, monkeypatch):
    search = annealing_search()
    whole = values_of(run_search(search, demo, SMOKE, budget=TINY, max_trials=6))
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / "elsewhere"))
    run_search(search, demo, SMOKE, budget=TINY, max_trials=3)
    resumed = run_search(search, demo, SMOKE, budget=TINY, max_trials=6)
    assert values_of(resumed) == whole
    assert len(annealing_log(resumed)) == 6


def test_annealing_oracle_refuses_a_bad_schedule():
    space = Search("a", "annealing", {"learning_rate": (1e-4, 2e-4)}).hyperparameters()
    with pytest.raises(ValueError, match="initial temperature must be positive"):
        SimulatedAnnealingOracle(hyperparameters=space, initial_temperature=0)
    with pytest.raises(ValueError, match="cooling factor"):
        SimulatedAnnealingOracle(hyperparameters=space, cooling=1.5)
    with pytest.raises(ValueError, match="search space up front"):
        SimulatedAnnealingOracle()


# --- noise and plots -----------------------------------------------------------------------------


def test_repeating_the_best_configuration_shows_the_noise(demo, engine):
    tuner = run_search(Search("g", "grid", SEED_000), demo, SMOKE, budget=TINY, max_trials=4)
    repeats = repeat_best(tuner, demo)
    assert list(repeats.index) == [0, 1, 2]  # the search's seed, then budget.repeats others
    assert repeats.attrs["configuration"] == "learning_rate=0.0001, dense_units=512"
    assert [c["seed"] for c in engine.calls[-3:]] == [0, 1, 2]
    noise = noise_table(repeats)
    assert noise.loc["range", "val_loss"] == pytest.approx(0.002)
    assert noise.loc["std", "val_loss"] > 0


def test_plot_search_progress_draws_every_search(demo, engine):
    from fer_utils import figures

    tuners = {
        name: run_search(Search(name, name, SEED_000), demo, SMOKE, budget=TINY) for name in ("grid", "random")
    }
    fig = figures.plot_search_progress(demo, search_progress(tuners))
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert labels == ["grid", "random"]


# --- distributed tuning ------------------------------------------------------------------------


def test_the_tuner_takes_its_id_and_chief_from_keras_tuner_variables(demo, engine, monkeypatch):
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "tuner7")
    tuner = make_tuner(Search("s", "random", SEED_000), demo, SMOKE, budget=TINY)
    assert tuner.tuner_id == "tuner7"
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", "8000")
    worker = make_tuner(Search("s", "random", SEED_000), demo, SMOKE, budget=TINY)
    from keras_tuner.src.distribute.oracle_client import OracleClient

    assert isinstance(worker.oracle, OracleClient)  # a worker asks the chief for its trials


# --- what the chapter reads ----------------------------------------------------------------


def test_grid_trials_multiplies_the_numbers_of_values():
    searches = chapter_searches(PROFILES["default"].tuning)
    assert tuning.grid_trials(searches["grid"].space) == 16
    assert tuning.grid_trials(searches["bayesian_dropout"].space) == 20
    assert tuning.grid_trials(searches["annealing"].space) == 10 * 3 * 3
    assert tuning.grid_trials({tuning.ARCHITECTURE: tuning.ARCHITECTURE_SEEDS}) == 100_000
    with pytest.raises(ValueError, match="empty"):
        tuning.grid_trials({})


def _summary(**best):
    return pd.DataFrame({"best val_loss": best}).rename_axis("search")


def _repeats(*losses):
    return pd.DataFrame({"val_loss": losses, "val_accuracy": [0.3] * len(losses)},
                        index=pd.Index(range(len(losses)), name="seed"))


def test_noise_verdict_calls_a_spread_within_the_seeds_noise_a_tie():
    verdict = tuning.noise_verdict(_summary(grid=1.50, random=1.52, annealing=1.53), _repeats(1.50, 1.55))
    assert not verdict.ranked and math.isclose(verdict.noise, 0.05) and math.isclose(verdict.spread, 0.03)
    assert "does not rank the strategies" in str(verdict) and "2 seeds" in str(verdict)


def test_noise_verdict_top_tie_and_clear_lead():
    tie = tuning.noise_verdict(_summary(grid=1.50, random=1.52, annealing=1.70), _repeats(1.50, 1.53, 1.51))
    assert not tie.ranked and tie.beaten == 1 and "tie" in str(tie) and "grid leads random" in str(tie)
    lead = tuning.noise_verdict(_summary(grid=1.60, random=1.50), _repeats(1.50, 1.52))
    assert lead.ranked and math.isclose(lead.lead, 0.10) and str(lead).startswith("random leads the next search, grid")


def test_noise_verdict_needs_results_and_two_seeds():
    one = tuning.noise_verdict(_summary(grid=1.5, random=np.nan), _repeats(1.5, 1.6))
    assert "nothing to rank" in str(one)
    with pytest.raises(ValueError, match="no search"):
        tuning.noise_verdict(_summary(grid=np.nan), _repeats(1.5, 1.6))
    with pytest.raises(ValueError, match="two seeds"):
        tuning.noise_verdict(_summary(grid=1.5), _repeats(1.5))
