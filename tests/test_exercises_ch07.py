"""Chapter 7's exercise checks: the worked solutions pass, wrong answers get a hint."""

from __future__ import annotations

import numpy as np
import pytest

from fer_utils.engine import evaluation
from fer_utils.exercises import Verdict, WrongAnswer, ch07


def ece_solution(true_labels, probabilities, bins=15):
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == true_labels
    members = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in np.unique(members):
        inside = members == b
        total += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return total


def macro_f1_solution(confusion):
    confusion = np.asarray(confusion, dtype=float)
    hits = np.diag(confusion)
    denominator = confusion.sum(axis=0) + confusion.sum(axis=1)
    return float(np.mean(np.divide(2 * hits, denominator, out=np.zeros(7), where=denominator > 0)))


def test_the_solutions_pass():
    labels = np.arange(70) % 7
    p = np.random.default_rng(0).dirichlet(np.ones(7), 70)
    assert isinstance(ch07.check_expected_calibration_error(ece_solution, labels, p), Verdict)
    assert "7.1: right" in repr(ch07.check_expected_calibration_error(ece_solution))
    assert "7.2: right" in repr(ch07.check_macro_f1(macro_f1_solution, labels, p.argmax(axis=1)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda y, p, bins=15: None, "returns None"),
    (lambda y, p, bins=15: float(np.mean(p.max(axis=1)) - np.mean(p.argmax(axis=1) == y)), "15 bins"),
    (lambda y, p, bins=15: evaluation.expected_calibration_error(y, p, bins=10), "15 bins"),
    (ece_solution(np.arange(7), np.eye(7)), "the function itself"),
])
def test_wrong_ece_answers_get_a_hint(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch07.check_expected_calibration_error(wrong)


def nan_f1(confusion):
    confusion = np.asarray(confusion, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.diag(confusion) / confusion.sum(axis=0)
        recall = np.diag(confusion) / confusion.sum(axis=1)
        return float(np.mean(2 * precision * recall / (precision + recall)))


@pytest.mark.parametrize("wrong, hint", [
    (nan_f1, "F1 0, never NaN"),
    (lambda c: float(np.trace(c) / np.sum(c)), "plain mean of the seven"),
    (lambda c: None, "returns None"),
])
def test_wrong_macro_f1_answers_get_a_hint(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch07.check_macro_f1(wrong)
