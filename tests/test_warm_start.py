"""Warm starts: a run that begins from a trained network's convolutions with a fresh head,
and chapter 6's trials that use it."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from fer_utils.config import PROFILES
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.engine.training import TrainingConfig, train
from fer_utils.nets.plain import baseline_cnn, six_conv_cnn, small_cnn
from fer_utils.nets.transfer import copy_trunk, trunk_layers
from fer_utils.studies import tuning

pytestmark = [  # keras-tuner 1.4.8 calls threading's deprecated currentThread().getName() in every oracle call
    pytest.mark.filterwarnings("ignore:getName\\(\\) is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:currentThread\\(\\) is deprecated:DeprecationWarning"),
]

TINY = {"model_options": {"filters": (8, 16)}, "batch_size": 16, "verbose": 0}
BUDGET = tuning.TuningBudget(
    trials=2, annealing_trials=2, epochs=1, annealing_epochs=(1, 2, 1), train_images=48, validation_images=24,
    batch_size=16, batch_sizes=(8, 16), repeats=2, warm_start=True,
)


@pytest.fixture(scope="module")
def demo():
    return make_demo_dataset(200, seed=7)


def _weights(layers):
    return [weight for layer in layers for weight in layer.get_weights()]


def _trainable(layers):
    """What the optimiser moves (batch normalisation's moving statistics follow the batches anyway)."""
    return [weight.numpy() for layer in layers for weight in layer.trainable_weights]


def test_the_trunk_is_copied_and_the_head_stays_fresh():
    source, target = baseline_cnn(dense_units=256), baseline_cnn(dense_units=128)
    for layer in trunk_layers(source):  # as if trained: moving statistics away from their start values
        layer.set_weights([np.random.default_rng(1).normal(size=w.shape).astype("float32")
                           for w in layer.get_weights()])
    head_before = [w.copy() for w in target.layers[-1].get_weights()]
    assert copy_trunk(source, target) == 10  # five convolutions, five batch normalisations
    for theirs, ours in zip(_weights(trunk_layers(source)), _weights(trunk_layers(target))):
        np.testing.assert_array_equal(theirs, ours)
    for before, after in zip(head_before, target.layers[-1].get_weights()):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("source, message", [
    (lambda: six_conv_cnn(), r"teacher\.keras: its trunk has 12 layers with weights and baseline_cnn's has 10"),
    (lambda: small_cnn(filters=(8, 16, 32, 64, 64)), r"teacher\.keras: layer .* does not match baseline_cnn's"),
], ids=["more layers", "other widths"])
def test_a_trunk_of_another_network_is_refused_with_the_layer_that_differs(source, message):
    with pytest.raises(ValueError, match=message):
        copy_trunk(source(), baseline_cnn(), "teacher.keras")


def test_a_network_without_a_flatten_or_pooling_layer_has_no_trunk():
    import keras

    inputs = keras.Input((48, 48, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3)(inputs), name="all_conv")
    with pytest.raises(ValueError, match="all_conv has no Flatten or global pooling layer"):
        trunk_layers(model)


def test_a_warm_started_run_starts_from_the_file_and_is_named_by_its_content(artifacts, demo, tmp_path):
    trained = train("small_cnn", demo, epochs=2, **TINY)
    start = tmp_path / "start.keras"
    shutil.copy(trained.directory / "model.keras", start)
    # at a vanishing learning rate the trunk stays where it started: the trained one's
    warm = train("small_cnn", demo, epochs=1, learning_rate=1e-12, initial_weights=str(start), **TINY)
    cold = train("small_cnn", demo, epochs=1, learning_rate=1e-12, **TINY)
    trained_trunk = _trainable(trunk_layers(trained.model))
    for theirs, ours in zip(trained_trunk, _trainable(trunk_layers(warm.model))):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert not all(np.allclose(a, b) for a, b in zip(trained_trunk, _trainable(trunk_layers(cold.model))))
    assert json.loads((warm.directory / "config.json").read_text())["initial_weights"] == str(start)
    assert "initial_weights" not in TrainingConfig().to_dict()  # runs without a warm start keep their folders

    moved = tmp_path / "moved" / "same.keras"
    moved.parent.mkdir()
    shutil.copy(start, moved)
    again = train("small_cnn", demo, epochs=1, learning_rate=1e-12, initial_weights=str(moved), **TINY)
    assert again.from_cache and again.directory == warm.directory


def test_a_warm_start_from_another_network_fails_before_training_and_leaves_no_folder(artifacts, demo):
    other = train("small_cnn", demo, epochs=1, **{**TINY, "model_options": {"filters": (8, 16, 32)}})
    folders = set(artifacts.iterdir())
    with pytest.raises(ValueError, match=r"model\.keras: its trunk has 6 layers with weights and .* has 4"):
        train("small_cnn", demo, epochs=1, initial_weights=str(other.directory / "model.keras"), **TINY)
    assert set(artifacts.iterdir()) == folders
    with pytest.raises(FileNotFoundError, match="missing.keras: no such file"):
        train("small_cnn", demo, epochs=1, initial_weights=str(artifacts / "missing.keras"), **TINY)


def test_a_warm_budget_leaves_out_the_random_architectures():
    assert tuning.ARCHITECTURE_SEARCH in tuning.chapter_searches(replace(BUDGET, warm_start=False))
    warm = tuning.chapter_searches(BUDGET)
    assert tuning.ARCHITECTURE_SEARCH not in warm and len(warm) == 5
    assert {search.model for search in warm.values()} == {tuning.WARM_START_MODEL}
    assert tuning.tuning_budget("default").warm_start and not tuning.tuning_budget("full").warm_start


def test_warm_trials_start_from_the_baseline_and_the_chosen_network_from_scratch(artifacts, demo):
    search = tuning.Search("g", "grid", {"learning_rate": (1e-4, 3e-4)})
    with pytest.raises(ValueError, match="give initial_weights"):
        tuning.make_tuner(search, demo, PROFILES["smoke"], budget=BUDGET)
    start = tuning.warm_start_weights(demo, PROFILES["smoke"])
    with pytest.raises(ValueError, match="train from scratch"):
        tuning.make_tuner(search, demo, PROFILES["smoke"], budget=replace(BUDGET, warm_start=False),
                          initial_weights=start)
    tuner = tuning.run_search(search, demo, PROFILES["smoke"], budget=BUDGET, initial_weights=start)
    chosen = tuning.best_trial({"g": tuner})
    assert chosen["settings"]["initial_weights"] == start
    assert "initial_weights" not in tuning.chosen_settings(chosen)
    cold = tuning.trial_from_scratch(chosen, demo, PROFILES["smoke"])
    assert cold["val_loss"] != pytest.approx(chosen["val_loss"])  # another start, another result
    assert tuning.project_name(search, BUDGET, 0, start) != tuning.project_name(search, BUDGET, 0)
