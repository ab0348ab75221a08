"""Chapter 8's exercise checks: the worked solutions pass, wrong answers get a hint."""

from __future__ import annotations

import keras
import pytest

from fer_utils.exercises import WrongAnswer, ch08


def module(x, filters):
    shortcut = keras.layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(x)
    shortcut = keras.layers.BatchNormalization()(shortcut)
    x = keras.layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.ReLU()(x)
    x = keras.layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same")(x)
    return keras.layers.Add()([x, shortcut])


def build(widths, softmax=True, stem_filters=8):
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    for _ in range(2):
        x = keras.layers.Conv2D(stem_filters, 3, use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    for width in widths:
        x = module(x, width)
    x = keras.layers.Conv2D(7, 3, padding="same")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Softmax()(x) if softmax else x)


def test_the_solutions_pass():
    assert "8.1: right" in repr(ch08.check_mini_xception(build))
    assert "8.2: right" in repr(ch08.check_separable_weights(lambda c, f, k: k * k * c + c * f))


@pytest.mark.parametrize("wrong, hint", [
    (lambda widths: build(widths, stem_filters=16), "layers differ"),
    (lambda widths: build((16, 32, 64, 128)), "layers differ"),
    (lambda widths: None, "not a keras.Model"),
])
def test_wrong_networks_get_a_hint(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch08.check_mini_xception(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda c, f, k: k * k * c * f, "depthwise step"),
    (lambda c, f, k: k * k * c + c * f + f, "depthwise step"),
    (lambda c, f, k: None, "returns None"),
])
def test_wrong_counts_get_a_hint(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch08.check_separable_weights(wrong)
