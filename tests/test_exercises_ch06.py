"""Chapter 6's exercise checks: right answers pass, wrong ones raise WrongAnswer with a hint."""

from __future__ import annotations

import math

import keras
import pytest

from fer_utils.config import PROFILES
from fer_utils.exercises import Verdict, WrongAnswer
from fer_utils.exercises.ch06 import check_build_model, check_grid_trials
from fer_utils.nets.plain import baseline_cnn

LEARNING_RATES = [1e-4, 2e-4, 3e-4, 4e-4]
UNITS = [128, 256, 512, 1024]


def build_model(hp, rates=LEARNING_RATES, units=UNITS, fixed_units=None, optimizer=keras.optimizers.Adam):
    rate = hp.Choice("learning_rate", rates)
    chosen = hp.Choice("dense_units", units)
    model = baseline_cnn(dense_units=fixed_units or chosen)
    model.compile(optimizer=optimizer(rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_build_model_right_answer_passes():
    verdict = check_build_model(build_model)
    assert isinstance(verdict, Verdict) and "16 combinations" in repr(verdict)


def uncompiled(hp):
    hp.Choice("learning_rate", LEARNING_RATES)
    return baseline_cnn(dense_units=hp.Choice("dense_units", UNITS))


def only_units(hp):
    model = baseline_cnn(dense_units=hp.Choice("dense_units", UNITS))
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("wrong, hint", [
    (lambda hp: None, "returns None"),
    (uncompiled, "compile the model"),
    (lambda hp: build_model(hp, optimizer=keras.optimizers.SGD), "Adam"),
    (only_units, "declares \\['dense_units'\\]"),
    (lambda hp: build_model(hp, rates=[1e-3, 1e-4]), "learning_rate takes"),
    (lambda hp: build_model(hp, fixed_units=128), "not fixed numbers"),
])
def test_build_model_wrong_answers(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        check_build_model(wrong)


def grid_trials(space):
    return math.prod(len(values) for values in space.values())


@pytest.mark.parametrize("profile", ["smoke", "default", "full"])
def test_grid_trials_right_answer_passes(profile):
    assert repr(check_grid_trials(grid_trials, PROFILES[profile].tuning)).startswith("Exercise 6.2: right.")


@pytest.mark.parametrize("wrong, hint", [
    (lambda space: None, "returns None"),
    (lambda space: sum(len(v) for v in space.values()), "multiply them"),
    (lambda space: max(len(v) for v in space.values()), "not the number of combinations"),
    (lambda space: 16, "not the number of combinations"),
])
def test_grid_trials_wrong_answers(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        check_grid_trials(wrong, PROFILES["smoke"].tuning)
