"""Shared fixtures: isolated caches, a world without data, and the real data when given;
and the `slow` marker for the unit tests that take more than a few seconds."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

REAL_DATA_ENV = "FER_DATA"

SLOW = frozenset({
    # Unit tests marked `slow` (with all their parameters): more than ~5 s each, or a family of
    # parameters that adds up to more, as `pytest tests --durations=60` measured them on a shared
    # 2-core CPU (smoke profile); most train a network. The chapters and the book are marked
    # in tests/test_report.py itself. `pytest -m "not slow"` is the quick subset (tasks.py).
    "test_comparison.py::test_a_trained_network_is_scored_once_and_read_back",  # 34 s
    "test_comparison.py::test_lc2fer_ablation_sets_all_eight_configurations_beside_the_paper",  # 13 s
    "test_distillation.py::test_a_student_learns_from_a_teacher_file_named_by_its_content",  # trains 4 runs
    "test_evaluation.py::test_probabilities_with_and_without_tta",  # 5 s
    "test_experiments.py::test_imbalance_experiment_is_read_back_from_its_runs",  # 18 s
    "test_faces.py::test_a_10000_pixel_photo_is_searched_at_a_reduced_size",  # 15 s
    "test_faces.py::test_publishing_a_run_writes_a_small_model_and_its_card",  # trains: 9 s
    "test_faces.py::test_publishing_refuses_runs_it_cannot_vouch_for",  # trains: 17 s
    "test_models.py::test_catalogue_and_models_command_list_every_network",  # 84 s
    "test_models.py::test_every_model_takes_raw_pixels_and_names_its_seven_outputs",  # 2-11 s each, ~60 s
    "test_networks.py::test_a_new_network_trains_through_the_engine",  # 28 s
    "test_networks.py::test_saved_networks_load_in_safe_mode_and_predict_the_same",  # 3-8 s each
    "test_random_architectures.py::test_the_engine_trains_a_random_network",  # 3-8 s each
    "test_recipes.py::test_a_published_run_opens_with_plain_keras",  # 20 s
    "test_recipes.py::test_budget_curve_and_the_accuracy_time_figure",  # 11 s
    "test_recipes.py::test_recipe_scores_and_seed_ensemble",  # 16 s
    "test_recipes.py::test_the_ablation_table_on_tiny_data",  # 57 s
    "test_recipes.py::test_the_cpu_recipe_trains_through_the_engine",  # 18 s
    "test_recipes.py::test_the_full_gpu_recipe_builds_and_runs_a_few_steps",  # 21 s
    "test_recipes.py::test_the_plain_copy_predicts_as_the_trained_network_and_loads_without_fer_utils",  # 14 s
    "test_recipes.py::test_the_shipped_reference_model_opens_with_plain_keras",  # 25 s
    "test_recipes.py::test_train_command_takes_a_recipe",  # 21 s
    "test_training.py::test_a_killed_run_resumes_and_ends_as_an_uninterrupted_one",  # 54 s
    "test_training.py::test_a_run_writes_its_files_and_is_loaded_the_second_time",  # 6 s
    "test_training.py::test_every_setting_changes_the_run_folder",  # 10 s
    "test_training.py::test_mini_xception_survives_a_partial_last_batch_with_onednn_on",  # 28 s
    "test_training.py::test_seeded_runs_give_the_same_history",  # 6 s
    "test_training.py::test_two_logical_cpus_train_under_mirrored_strategy",  # 24 s
    "test_tuning.py::test_every_strategy_trains_each_trial_through_the_engine",  # a search per strategy
    "test_warm_start.py::test_a_warm_started_run_starts_from_the_file_and_is_named_by_its_content",  # 7 s
    "test_warm_start.py::test_warm_trials_start_from_the_baseline_and_the_chosen_network_from_scratch",  # 22 s
})


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config, items):
    """Marks the tests listed in SLOW; warns about entries that name no test any more."""
    found = set()
    for item in items:
        name = f"{item.path.name}::{getattr(item, 'originalname', item.name)}"
        if name in SLOW:
            item.add_marker(pytest.mark.slow)
            found.add(name)
    whole_files = {item.path.name for item in items} >= {name.split("::")[0] for name in SLOW}
    if whole_files and config.args_source == pytest.Config.ArgsSource.TESTPATHS and not config.option.keyword:
        for name in sorted(SLOW - found):
            warnings.warn(pytest.PytestWarning(f"tests/conftest.py SLOW names no test: {name}"))


@pytest.fixture(autouse=True)
def isolated_outputs(tmp_path_factory, monkeypatch):
    """Keep the tests' caches, figures and artifacts out of the user's folders."""
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("FER_FIGURES_DIR", str(tmp_path_factory.getbasetemp() / "figures"))
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path_factory.getbasetemp() / "artifacts"))


@pytest.fixture
def no_real_data(monkeypatch, tmp_path):
    """A world without a dataset: no FER_DATA, and a project root with an empty data/."""
    monkeypatch.delenv("FER_DATA", raising=False)
    (tmp_path / "fer_utils").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def real_data() -> Path:
    """The real FER-2013 folder named by $FER_DATA, or a visible skip."""
    location = os.environ.get(REAL_DATA_ENV)
    if not location or not Path(location).is_dir():
        pytest.skip(f"real FER-2013 not available: set {REAL_DATA_ENV} to its folder")
    return Path(location)


@pytest.fixture(autouse=True)
def close_figures():
    """Figures a test drew are closed after it, so hundreds of tests do not pile them up."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def tiny_model():
    """A small CNN with seeded random weights: enough to exercise code that runs a model."""
    import keras

    from fer_utils.nets.plain import small_cnn

    keras.utils.set_random_seed(0)
    return small_cnn(filters=(8, 16))


@pytest.fixture
def artifacts(tmp_path, monkeypatch):
    """An empty artifacts folder of the test's own (``$FER_ARTIFACTS_DIR``)."""
    folder = tmp_path / "artifacts"
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(folder))
    return folder
