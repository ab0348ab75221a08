"""Chapter 1's exercise checks: right answers pass, wrong ones raise WrongAnswer with a hint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fer_utils.data.dataset import SPLITS
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.exercises import Verdict, WrongAnswer
from fer_utils.exercises import ch01


@pytest.fixture(scope="module")
def dataset():
    demo = make_demo_dataset(700)
    images = demo.images.copy()
    images[[3, 40]] = 0  # two blank frames, as FER-2013 has
    images[41] = 200
    from dataclasses import replace

    return replace(demo, images=images)


def right_counts(labels, splits):
    return np.stack([np.bincount(labels[splits == s], minlength=7) for s in SPLITS])


def test_counting_by_hand_passes_and_equals_the_dataset_table(dataset):
    verdict = ch01.check_counts(right_counts, dataset)
    assert isinstance(verdict, Verdict) and repr(verdict).startswith("Exercise 1.1: right.")
    table = dataset.counts().drop(columns="total").drop(index="all")
    assert np.array_equal(right_counts(dataset.labels, dataset.splits), table.to_numpy())
    as_frame = lambda labels, splits: pd.crosstab(  # noqa: E731  (another right way)
        pd.Categorical(splits, categories=SPLITS), pd.Categorical(labels, categories=range(7)), dropna=False)
    ch01.check_counts(as_frame, dataset)


@pytest.mark.parametrize("wrong, hint", [
    (None, "must be a function"),
    (lambda labels, splits: None, "returns None"),
    (lambda labels, splits: np.stack([np.bincount(labels[splits == s]) for s in SPLITS[:1]]), "shape"),
    (lambda labels, splits: np.stack([np.bincount(labels[splits == s], minlength=7) for s in
                                      ("train", "test", "validation")]), "counts differ"),
    (lambda labels, splits: np.tile(np.bincount(labels, minlength=7), (3, 1)), "counts differ"),
])
def test_wrong_counts_are_refused_with_a_hint(dataset, wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch01.check_counts(wrong, dataset)


def right_blank(images, threshold=5.0):
    return np.flatnonzero(images.reshape(len(images), -1).std(axis=1) < threshold)


def test_finding_blank_images_passes(dataset):
    verdict = ch01.check_blank_finder(right_blank, dataset)
    assert "3 blank images" in repr(verdict)


@pytest.mark.parametrize("wrong, hint", [
    ("not a function", "must be a function"),
    (lambda images, threshold=5.0: None, "returns None"),
    (lambda images, threshold=5.0: images.reshape(len(images), -1).std(axis=1) < threshold, "boolean mask"),
    (lambda images, threshold=5.0: right_blank(images, 5.0), "threshold"),  # ignores the threshold
    (lambda images, threshold=5.0: np.flatnonzero(images.reshape(len(images), -1).max(axis=1) == 0), "expected"),
    (lambda images, threshold=5.0: np.flatnonzero(images.std(axis=2).mean(axis=1) < threshold), "expected"),
])
def test_wrong_blank_finders_are_refused(dataset, wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch01.check_blank_finder(wrong, dataset)
