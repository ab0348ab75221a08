"""Chapter 4's exercises: a building block written by hand.

* 4.1: average pooling in NumPy, compared with Keras' ``AveragePooling2D`` on
  the same images (several window sizes, an odd image size, several channels).
"""

from __future__ import annotations

import numpy as np

from fer_utils.exercises import Verdict, require
from fer_utils.nets import blocks

TOLERANCE = 1e-5
"""Largest difference from Keras allowed: Keras computes in float32."""


def _cases(face=None) -> list[tuple[np.ndarray, int, str]]:
    """(images, pool size, what they are): the chapter's face first when given, then seeded random batches."""
    rng = np.random.default_rng(41)
    cases = []
    if face is not None:
        cases.append((np.asarray(face, dtype=np.float64).reshape(1, *np.shape(face)[:2], 1) / 255, 2,
                      "the chapter's face, 2x2 windows"))
    cases.append((rng.normal(size=(3, 8, 8, 4)), 2, "3 random 8x8 images with 4 channels, 2x2 windows"))
    cases.append((rng.normal(size=(2, 9, 12, 3)), 3, "2 random 9x12 images with 3 channels, 3x3 windows"))
    cases.append((rng.normal(size=(1, 7, 7, 2)), 2, "one 7x7 image (odd size: the last row and column "
                                                    "fit no window and are left out), 2x2 windows"))
    return cases


def _keras_average(images: np.ndarray, pool_size: int) -> np.ndarray:
    import keras

    return np.asarray(keras.layers.AveragePooling2D(pool_size)(images.astype("float32")))


def check_average_pooling(answer, face=None) -> Verdict:
    """Exercise 4.1: ``answer(x, pool_size)`` must average each ``pool_size`` x
    ``pool_size`` window of a batch ``x`` (batch, height, width, channels), the
    windows side by side (stride = pool size, 'valid' padding), as Keras'
    ``AveragePooling2D(pool_size)`` does."""
    exercise = "4.1"
    require(callable(answer), exercise, "the answer must be the function itself (no brackets after its name).")
    cases = _cases(face)
    for images, pool_size, what in cases:
        got = answer(images.copy(), pool_size)
        require(got is not None, exercise, "the function returns None: write its body (it ends with `...` now).")
        got = np.asarray(got, dtype=np.float64)
        expected = _keras_average(images, pool_size)
        require(got.shape == expected.shape, exercise,
                f"on {what} Keras gives shape {expected.shape}, the answer {got.shape}. Keep the batch and "
                f"channel axes; height and width become floor(n / {pool_size}).")
        maximum = blocks.max_pool2d(images, pool_size)
        require(not np.allclose(got, maximum, atol=TOLERANCE) or np.allclose(expected, maximum, atol=TOLERANCE),
                exercise, f"on {what} the answer is max-pooling: take the mean of each window, not its largest value.")
        difference = float(np.max(np.abs(got - expected)))
        require(difference < TOLERANCE, exercise,
                f"on {what} the answer differs from Keras by up to {difference:.3g}. Average the "
                f"{pool_size * pool_size} pixels of each window, the windows starting at 0, {pool_size}, "
                f"{2 * pool_size}, ... and not overlapping; average each channel on its own.")
    return Verdict(exercise, f"Average pooling matches keras.layers.AveragePooling2D on {len(cases)} batches "
                             f"(to within {TOLERANCE:g}).")
