"""Chapter 2's exercises: augmentation layers built by hand, flip balancing counted by hand."""

from __future__ import annotations

import keras
import numpy as np

from fer_utils.augment.layers import layer_settings
from fer_utils.augment.transforms import OnlineAugmentation, balancing_table, flip_balance
from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import EMOTIONS, NUM_CLASSES
from fer_utils.exercises import Verdict, require

EXERCISE_AUGMENTATION = OnlineAugmentation(rotation=float(np.deg2rad(15)), translation=0.05, zoom=0.2)
"""Exercise 2.1's target: a flip, rotations of up to ±15 degrees, shifts of up to 5% and
zooms of up to 20%, the border filled by reflection."""


def check_augmentation_layers(model) -> Verdict:
    """Exercise 2.1: ``model`` is a ``keras.Sequential`` whose layers equal, one by one,
    :meth:`OnlineAugmentation.layers` of :data:`EXERCISE_AUGMENTATION` (seeds aside)."""
    exercise = "2.1"
    require(isinstance(model, keras.Sequential), exercise,
            "my_layers must be a keras.Sequential([...]) of augmentation layers.")
    expected = layer_settings(EXERCISE_AUGMENTATION.layers())
    mine = layer_settings(model)
    require(list(mine["layer"]) == list(expected["layer"]), exercise,
            f"your layers are {list(mine['layer'])}; the package uses {list(expected['layer'])}, in that order.")
    for (kind, theirs), ours in zip(expected.itertuples(index=False), mine["settings"]):
        if ours == theirs:
            continue
        hint = f"{kind} differs: yours has {ours}; expected {theirs}."
        if kind == "RandomRotation":
            hint += (" Keras' RandomRotation takes a fraction of a full turn (2π radians, 360 degrees), "
                     "not degrees or radians.")
        if "fill_mode" in theirs and "fill_mode=reflect" not in ours:
            hint += ' Fill the uncovered border by reflection: fill_mode="reflect".'
        require(False, exercise, hint)
    return Verdict(exercise, f"Your {len(mine)} layers equal the package's layer by layer: "
                             + ", ".join(mine["layer"]) + ".")


PROBE_LABELS = np.array([3, 3, 3, 0, 1, 1, 2, 4, 5, 6, 6, 0])
"""A small labelling of the check's own (happy is label 3)."""


def _after_flips(labels) -> np.ndarray:
    counts = np.bincount(labels, minlength=NUM_CLASSES)
    return np.where(np.arange(NUM_CLASSES) == EMOTIONS.index("happy"), counts, 2 * counts)


def check_flip_counts(counts_after_flips, dataset: FaceDataset) -> Verdict:
    """Exercise 2.2: ``counts_after_flips(train_labels)`` returns the 7 training counts
    after seed 000's flip balancing (every class but happy doubled), as
    :func:`flip_balance` makes them."""
    exercise = "2.2"
    require(callable(counts_after_flips), exercise, "counts_after_flips must be a function of the training labels.")
    train_labels = dataset.labels[dataset.splits == "train"]
    table = balancing_table(dataset, flip_balance(dataset)).drop(index="total")
    for labels, expected, what in ((PROBE_LABELS, _after_flips(PROBE_LABELS), "the check's small labelling"),
                                   (train_labels, table["after"].to_numpy(), "the chapter's training split")):
        answer = counts_after_flips(labels)
        require(answer is not None, exercise, "counts_after_flips returns None: return the 7 counts.")
        answer = np.asarray(answer).ravel()
        require(answer.shape == (NUM_CLASSES,), exercise,
                f"on {what} you return {answer.size} numbers; expected 7, one per emotion in label order.")
        require(np.array_equal(answer, expected), exercise,
                f"on {what} you give {answer.tolist()}, flip balancing gives {list(map(int, expected))}: count "
                "each label (np.bincount with minlength=7), then double every class except happy (label 3).")
    return Verdict(exercise, f"Your counts equal flip_balance's: {int(table['before'].sum()):,} training images "
                             f"become {int(table['after'].sum()):,}.")
