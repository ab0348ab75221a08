"""Chapter 10's exercise checks: the worked solutions pass, wrong answers get a hint."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fer_utils.exercises import WrongAnswer, ch10


def smooth(labels, epsilon):
    return (1 - epsilon) * np.eye(7)[labels] + epsilon / 7


def rate(step, peak, total_steps, warmup_steps):
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    progress = min(max((step - warmup_steps) / max(total_steps - warmup_steps, 1), 0.0), 1.0)
    return peak * 0.5 * (1 + math.cos(math.pi * progress))


def test_the_solutions_pass():
    assert "10.1: right" in repr(ch10.check_smoothed_targets(smooth))
    assert "10.2: right" in repr(ch10.check_learning_rate(rate))


@pytest.mark.parametrize("wrong, hint", [
    (lambda labels, e: np.where(np.eye(7)[labels] == 1, 1 - e, e / 6), "1 - ε \\+ ε/7"),
    (lambda labels, e: np.eye(7)[labels] * (1 - e) + e / 6, "ε/7"),
    (lambda labels, e: np.eye(7)[labels][:, :6], "shaped"),
    (lambda labels, e: None, "returns None"),
])
def test_wrong_targets_get_a_hint(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch10.check_smoothed_targets(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda s, peak, total, warmup: peak * s / warmup if s < warmup else rate(s, peak, total, warmup), "in the warm-up"),
    (lambda s, peak, total, warmup: rate(s, peak, total, 0), "in the warm-up"),
    (lambda s, peak, total, warmup: peak * 0.5 * (1 + math.cos(math.pi * s / total)) if s >= warmup
     else rate(s, peak, total, warmup), "after the warm-up"),
    (lambda s, peak, total, warmup: None, "returns None"),
])
def test_wrong_rates_get_a_hint(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch10.check_learning_rate(wrong)
