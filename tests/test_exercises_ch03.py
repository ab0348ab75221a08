"""Chapter 3's exercise checks: right answers pass, wrong ones raise WrongAnswer with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from fer_utils.augment.imbalance import class_weights
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.exercises import Verdict, WrongAnswer
from fer_utils.exercises import ch03


def right_weights(labels):
    counts = np.bincount(labels, minlength=7)
    return {c: len(labels) / (7 * counts[c]) for c in range(7)}


@pytest.fixture(scope="module")
def labels():
    return make_demo_dataset(700).labels


def test_balanced_weights_by_hand_pass(labels):
    verdict = ch03.check_balanced_weights(right_weights, labels)
    assert isinstance(verdict, Verdict) and repr(verdict).startswith("Exercise 3.1: right.")


@pytest.mark.parametrize("wrong, hint", [
    (None, "must be a function"),
    (lambda labels: list(right_weights(labels).values()), "Keras wants a dict"),
    (lambda labels: {str(c): w for c, w in right_weights(labels).items()}, "class indices 0 to 6"),
    (lambda labels: {c: 1 / np.bincount(labels, minlength=7)[c] for c in range(7)}, "number of labels divided"),
    (lambda labels: {c: 7 * np.bincount(labels, minlength=7)[c] / len(labels) for c in range(7)}, "scikit-learn"),
])
def test_wrong_balanced_weights_are_refused(labels, wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch03.check_balanced_weights(wrong, labels)


@pytest.fixture(scope="module")
def probe_data():
    return make_demo_dataset(3589)


def test_thumbnails_are_standardized_block_means():
    images = np.arange(2 * 48 * 48, dtype=np.uint8).reshape(2, 48, 48) % 251
    small = ch03.thumbnails(images)
    assert small.shape == (2, 144)
    assert np.allclose(small.mean(axis=1), 0, atol=1e-5) and np.allclose(small.std(axis=1), 1, atol=1e-4)


def test_balanced_weights_make_the_probe_find_disgust(probe_data):
    train_labels = probe_data.labels[probe_data.splits == "train"]
    plain = ch03.probe_scores(probe_data)
    assert plain["disgust recall"] < ch03.DISGUST_RECALL  # the exercise has something to fix
    verdict = ch03.check_disgust_weights(class_weights(train_labels), probe_data)
    assert repr(verdict).startswith("Exercise 3.2: right.")
    assert ch03.probe_scores(probe_data) == plain  # the probe is deterministic


@pytest.mark.parametrize("wrong, hint", [
    (None, "must be a dict"),
    ({c: 1.0 for c in range(6)}, "every class index"),
    ({**{c: 1.0 for c in range(7)}, 1: -5.0}, "positive"),
    ({c: 1.0 for c in range(7)}, "must find at least"),  # no weighting at all
    ({**{c: 1.0 for c in range(7)}, 1: 2.0}, "must find at least"),  # too timid
    ({**{c: 1.0 for c in range(7)}, 1: 1000.0}, "balanced accuracy fell"),  # disgust everywhere
])
def test_weights_that_miss_disgust_or_overshoot_are_refused(probe_data, wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch03.check_disgust_weights(wrong, probe_data)
