"""Chapter 4's exercise check: right answers pass, wrong ones raise WrongAnswer with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from fer_utils.exercises import Verdict, WrongAnswer
from fer_utils.exercises.ch04 import check_average_pooling
from fer_utils.nets import blocks


def average_pool2d(x, pool_size=2):
    n, h, w, c = x.shape
    rows, columns = h // pool_size, w // pool_size
    x = x[:, : rows * pool_size, : columns * pool_size, :]
    return x.reshape(n, rows, pool_size, columns, pool_size, c).mean(axis=(2, 4))


def test_right_answer_passes_also_on_a_face():
    face = np.random.default_rng(0).integers(0, 256, size=(48, 48), dtype=np.uint8)
    verdict = check_average_pooling(average_pool2d, face)
    assert isinstance(verdict, Verdict)
    assert repr(verdict).startswith("Exercise 4.1: right.")


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, pool_size=2: None, "returns None"),
    (lambda x, pool_size=2: blocks.max_pool2d(x, pool_size), "max-pooling"),
    (lambda x, pool_size=2: x, "shape"),
    (lambda x, pool_size=2: x[:, ::pool_size, ::pool_size, :][:, : x.shape[1] // pool_size, : x.shape[2] // pool_size],
     "differs from Keras"),
    (lambda x, pool_size=2: average_pool2d(x, pool_size).mean(axis=-1, keepdims=True)
     * np.ones(average_pool2d(x, pool_size).shape), "differs from Keras"),
    (lambda x, pool_size=2: average_pool2d(x, 2)[:, : x.shape[1] // pool_size, : x.shape[2] // pool_size],
     "3x3 windows"),
])
def test_wrong_answers_raise_with_a_hint(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        check_average_pooling(wrong)


def test_the_function_itself_is_required():
    with pytest.raises(WrongAnswer, match="function itself"):
        check_average_pooling(np.zeros(3))
