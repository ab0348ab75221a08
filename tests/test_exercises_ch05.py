"""Chapter 5's exercise checks and the layer-by-layer comparison behind them."""

from __future__ import annotations

import keras
import pytest

from fer_utils.exercises import Verdict, WrongAnswer
from fer_utils.exercises.ch05 import check_callbacks, check_wider_baseline
from fer_utils.nets.measure import compare_layers
from fer_utils.nets.parts import EmotionProbabilities
from fer_utils.nets.plain import baseline_cnn


def sequential_baseline(dense_units=128, dense_dropout=0.0, stages=((32, 64), (64,), (128, 128))):
    layers = [keras.Input((48, 48, 1)), keras.layers.Rescaling(1 / 255)]
    for stage in stages:
        for width in stage:
            layers += [keras.layers.Conv2D(width, 3, padding="same", activation="relu"),
                       keras.layers.BatchNormalization()]
        layers += [keras.layers.MaxPooling2D(), keras.layers.Dropout(0.25)]
    layers += [keras.layers.Flatten(), keras.layers.Dense(dense_units, activation="relu")]
    if dense_dropout:
        layers.append(keras.layers.Dropout(dense_dropout))
    return keras.Sequential(layers + [keras.layers.Dense(7), EmotionProbabilities()])


def test_compare_layers_finds_the_sequential_baseline_equal_to_the_builder():
    table = compare_layers(sequential_baseline(), baseline_cnn())
    assert table[("", "same")].all()
    assert table.attrs["parameters"] == (869_703, 869_703)
    assert len(table) == 21


def test_compare_layers_marks_a_missing_and_a_changed_layer():
    table = compare_layers(baseline_cnn(), baseline_cnn(dense_units=256, dense_dropout=0.5))
    same = table[("", "same")]
    assert same.loc[:18].all() and not same.loc[19:].any()
    assert len(table) == 22 and table.loc[22, ("model", "kind")] != table.loc[22, ("model", "kind")]  # NaN


def test_wider_baseline_right_answer_passes():
    verdict = check_wider_baseline(sequential_baseline(256, 0.5))
    assert isinstance(verdict, Verdict) and "1,460,551" in repr(verdict)


@pytest.mark.parametrize("wrong, hint", [
    (None, "still None"),
    ("a model", "must be a Keras model"),
    (lambda: sequential_baseline(256, 0.0), "layer 20 differs"),
    (lambda: sequential_baseline(128, 0.5), "layer 19 differs"),
    (lambda: sequential_baseline(256, 0.5, stages=((32, 64), (64,), (128,))), "layer 14 differs"),
])
def test_wider_baseline_wrong_answers(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        check_wider_baseline(wrong() if callable(wrong) else wrong)


def callbacks(patience=8, monitor="val_loss", best_only=True, path="best.keras", weights_only=False):
    return [keras.callbacks.EarlyStopping(monitor=monitor, patience=patience),
            keras.callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=best_only,
                                            save_weights_only=weights_only)]


def test_callbacks_right_answer_passes():
    assert repr(check_callbacks(callbacks())).startswith("Exercise 5.2: right.")


@pytest.mark.parametrize("wrong, hint", [
    (None, "still None"),
    (keras.callbacks.EarlyStopping(), "give a list"),
    ([keras.callbacks.EarlyStopping(patience=8)], "ModelCheckpoint, it holds 0"),
    (callbacks(monitor="loss"), "watches 'loss'"),
    (callbacks(patience=3), "patience 3"),
    (callbacks(best_only=False), "save_best_only"),
    (callbacks(path="best.weights.h5", weights_only=True), "end in .keras"),
])
def test_callbacks_wrong_answers(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        check_callbacks(wrong)
