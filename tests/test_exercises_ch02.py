"""Chapter 2's exercise checks: right answers pass, wrong ones raise WrongAnswer with a hint."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.exercises import Verdict, WrongAnswer
from fer_utils.exercises import ch02


def layers(rotation=15 / 360, fill="reflect", translation=0.05, zoom=0.2, flip="horizontal", order=None):
    chosen = [
        keras.layers.RandomFlip(flip),
        keras.layers.RandomRotation(rotation, fill_mode=fill),
        keras.layers.RandomTranslation(translation, translation, fill_mode=fill),
        keras.layers.RandomZoom(zoom, fill_mode=fill),
    ]
    return keras.Sequential([chosen[i] for i in (order or range(len(chosen)))])


def test_the_right_layers_pass_whatever_their_seeds():
    verdict = ch02.check_augmentation_layers(layers())
    assert isinstance(verdict, Verdict) and "RandomFlip, RandomRotation" in repr(verdict)
    seeded = keras.Sequential([type(layer).from_config({**layer.get_config(), "seed": 7})
                               for layer in layers().layers])
    ch02.check_augmentation_layers(seeded)
    radians = np.deg2rad(15)
    ch02.check_augmentation_layers(layers(rotation=radians / (2 * np.pi)))  # the same factor, computed


@pytest.mark.parametrize("wrong, hint", [
    (lambda: None, "keras.Sequential"),
    (lambda: layers(rotation=15 / 180), "fraction of a full turn"),  # half a turn taken for a full one
    (lambda: layers(rotation=float(np.deg2rad(15))), "fraction of a full turn"),  # radians
    (lambda: layers(fill="constant"), 'fill_mode="reflect"'),
    (lambda: layers(translation=0.1), "RandomTranslation differs"),
    (lambda: layers(zoom=0.1), "RandomZoom differs"),
    (lambda: layers(flip="horizontal_and_vertical"), "RandomFlip differs"),
    (lambda: layers(order=(1, 0, 2, 3)), "in that order"),
    (lambda: layers(order=(0, 1, 2)), "in that order"),
])
def test_wrong_layers_are_refused_with_a_hint(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch02.check_augmentation_layers(wrong())


@pytest.fixture(scope="module")
def dataset():
    return make_demo_dataset(700)


def right_counts(labels):
    counts = np.bincount(labels, minlength=7)
    return np.where(np.arange(7) == 3, counts, 2 * counts)


def test_flip_counts_by_hand_pass(dataset):
    verdict = ch02.check_flip_counts(right_counts, dataset)
    train = int((dataset.splits == "train").sum())
    assert f"{train:,} training images" in repr(verdict)


@pytest.mark.parametrize("wrong, hint", [
    (None, "must be a function"),
    (lambda labels: None, "returns None"),
    (lambda labels: 2 * np.bincount(labels, minlength=7), "flip balancing gives"),  # doubles happy too
    (lambda labels: np.bincount(labels), "flip balancing gives|7 numbers|one per emotion"),
    (lambda labels: right_counts(labels).sum(), "7, one per emotion"),
])
def test_wrong_flip_counts_are_refused(dataset, wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch02.check_flip_counts(wrong, dataset)
