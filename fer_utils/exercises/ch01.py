"""Chapter 1's exercises: counting the classes of each split, finding the blank images."""

from __future__ import annotations

import numpy as np

from fer_utils.data.audit import BLANK_STD, pixel_stats, to_gray
from fer_utils.data.dataset import SPLITS, FaceDataset
from fer_utils.data.labels import DISPLAY_NAMES, NUM_CLASSES
from fer_utils.exercises import Verdict, require

PROBE_LABELS = np.array([0, 3, 3, 6, 1, 3, 5, 5, 2, 4, 0, 3])
PROBE_SPLITS = np.array(["train", "train", "test", "train", "validation", "train",
                         "test", "train", "validation", "train", "test", "validation"])
"""A small labelling of the check's own, so that an answer cannot be typed in from the table."""


def _counts(labels, splits) -> np.ndarray:
    return np.stack([np.bincount(labels[splits == split], minlength=NUM_CLASSES) for split in SPLITS])


def check_counts(count_emotions, dataset: FaceDataset) -> Verdict:
    """Exercise 1.1: ``count_emotions(labels, splits)`` returns a 3 x 7 array of images
    per split (train, validation, test) and emotion (FER-2013's label order)."""
    exercise = "1.1"
    require(callable(count_emotions), exercise, "count_emotions must be a function of (labels, splits).")
    for labels, splits, what in ((PROBE_LABELS, PROBE_SPLITS, "a small labelling of the check's own"),
                                 (dataset.labels, dataset.splits, "the chapter's dataset")):
        answer = count_emotions(labels, splits)
        require(answer is not None, exercise, "count_emotions returns None: return the array of counts.")
        answer = np.asarray(answer)
        require(answer.shape == (len(SPLITS), NUM_CLASSES), exercise,
                f"on {what} the answer has shape {answer.shape}; expected {(len(SPLITS), NUM_CLASSES)}: one row "
                "per split (train, validation, test), one column per emotion, even where a count is 0 "
                "(np.bincount(..., minlength=7) keeps every column).")
        expected = _counts(labels, splits)
        wrong = [(SPLITS[r], DISPLAY_NAMES[c]) for r, c in zip(*np.nonzero(answer != expected))]
        split, emotion = wrong[0] if wrong else ("", "")
        require(not wrong, exercise,
                f"on {what} {len(wrong)} counts differ, the first for {emotion} in {split}: select one split's "
                "labels (labels[splits == split]) and count each label 0..6 in it.")
    return Verdict(exercise, f"Your counts equal those of dataset.counts() for all {len(dataset):,} images, "
                             "and those of the check's own small labelling.")


def blank_probe() -> np.ndarray:
    """Eight 48 x 48 images the check knows the answer for: all black, uniform grey,
    grey with faint noise (pixel standard deviation 2), a faint gradient (about 4),
    a weak but real vertical gradient (about 7) and three ordinary noisy images."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 48)[None, :] * np.ones((48, 1))
    images = [
        np.zeros((48, 48)),
        np.full((48, 48), 128.0),
        128 + rng.normal(0, 2, (48, 48)),
        110 + 14 * ramp,
        100 + 24 * ramp.T,  # varies down the image, not along a row
        *(rng.integers(0, 256, (3, 48, 48))),
    ]
    return np.clip(np.rint(np.stack(images)), 0, 255).astype(np.uint8)


def _blank(images, threshold) -> np.ndarray:
    std, _ = pixel_stats(to_gray(images))
    return np.flatnonzero(std < threshold)


def check_blank_finder(find_blank, dataset: FaceDataset) -> Verdict:
    """Exercise 1.2: ``find_blank(images, threshold=5.0)`` returns the indices (in
    increasing order) of the images whose pixel standard deviation is below
    ``threshold`` grey levels, the audit's definition of a blank image."""
    exercise = "1.2"
    require(callable(find_blank), exercise, "find_blank must be a function of (images, threshold).")
    probe = blank_probe()
    cases = [(probe, BLANK_STD, "the check's eight test images"), (probe, 10.0, "the test images with threshold=10"),
             (dataset.images, BLANK_STD, "the chapter's dataset")]
    for images, threshold, what in cases:
        answer = find_blank(images, threshold=threshold)
        require(answer is not None, exercise, "find_blank returns None: return an array of indices.")
        answer = np.asarray(answer)
        require(answer.dtype != bool, exercise,
                "find_blank returns a boolean mask; return the indices of the True entries (np.flatnonzero).")
        expected = _blank(images, threshold)
        require(np.array_equal(np.sort(answer.ravel()), expected), exercise,
                f"on {what} you found {len(answer)} blank images, expected {len(expected)}: compute each image's "
                "standard deviation over all its pixels (axis=(1, 2)) and keep the indices below the threshold "
                "given as the argument.")
    found = _blank(dataset.images, BLANK_STD)
    return Verdict(exercise, f"Your function finds the audit's {len(found)} blank images in the chapter's "
                             f"{len(dataset):,} and the right ones among the check's test images.")
