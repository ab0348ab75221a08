"""Chapter 7's exercises: calibration and per-class scores written by hand.

* 7.1: the expected calibration error in NumPy, compared with
  :func:`fer_utils.engine.evaluation.expected_calibration_error`;
* 7.2: macro-F1 from a confusion matrix, compared with the ``macro avg`` row of
  :func:`fer_utils.engine.evaluation.per_class_scores`.
"""

from __future__ import annotations

import numpy as np

from fer_utils.data.labels import NUM_CLASSES
from fer_utils.engine import evaluation
from fer_utils.exercises import Verdict, require


def _cases(true_labels=None, probabilities=None) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """Seeded test cases (labels, probabilities, what they are), the chapter's own first when given."""
    rng = np.random.default_rng(7)
    cases = []
    if true_labels is not None and probabilities is not None:
        cases.append((np.asarray(true_labels), np.asarray(probabilities, dtype=np.float64), "the chapter's test faces"))
    for n, sharpness in ((200, 0.3), (57, 3.0)):
        labels = rng.integers(0, NUM_CLASSES, n)
        cases.append((labels, rng.dirichlet(np.full(NUM_CLASSES, sharpness), n), f"{n} random faces"))
    sure = np.eye(NUM_CLASSES)[np.arange(14) % NUM_CLASSES]  # confidence exactly 1: the last bin
    cases.append((np.arange(14) % NUM_CLASSES, sure, "14 faces answered with probability 1"))
    return cases


def _call(answer, exercise: str, *args):
    require(callable(answer), exercise, "the answer must be the function itself (no brackets after its name).")
    value = answer(*args)
    require(value is not None, exercise, "the function returns None: write its body (it ends with `...` now).")
    return value


def check_expected_calibration_error(answer, true_labels=None, probabilities=None) -> Verdict:
    """Exercise 7.1: ``answer(true_labels, probabilities, bins=15)`` must give the ECE
    of 15 equal-width bins ``(low, high]`` of the top probability."""
    exercise = "7.1"
    for labels, p, what in _cases(true_labels, probabilities):
        expected = evaluation.expected_calibration_error(labels, p, bins=15)
        got = float(_call(answer, exercise, labels, p, 15))
        require(np.isfinite(got), exercise, f"on {what} the answer is {got}; leave empty bins out of the average.")
        require(abs(got - expected) < 1e-4, exercise,
                f"on {what} the ECE is {expected:.4f}, the answer gives {got:.4f}. Group the faces by their top "
                f"probability into 15 bins (low, high] (a confidence of exactly 1 is in the last bin), and "
                f"weigh each bin's |accuracy - mean confidence| by its share of all faces.")
    return Verdict(exercise, "The expected calibration error matches evaluation.expected_calibration_error "
                             f"on {len(_cases(true_labels, probabilities))} sets of faces.")


def check_macro_f1(answer, true_labels=None, predicted=None) -> Verdict:
    """Exercise 7.2: ``answer(confusion)`` must give macro-F1 from a 7x7 confusion
    matrix (rows: true emotion, columns: predicted), as ``per_class_scores`` does."""
    exercise = "7.2"
    rng = np.random.default_rng(72)
    cases = []
    if true_labels is not None and predicted is not None:
        cases.append((np.asarray(true_labels), np.asarray(predicted), "the chapter's test faces"))
    labels = rng.integers(0, NUM_CLASSES, 300)
    cases.append((labels, np.where(rng.random(300) < 0.6, labels, rng.integers(0, NUM_CLASSES, 300)), "300 faces"))
    never = rng.integers(0, NUM_CLASSES - 1, 120)  # disgust (1) never predicted, neutral (6) never present
    never_predicted = np.where(never == 1, 0, never)
    cases.append((never, never_predicted, "faces where one emotion is never predicted and one never present"))
    for labels, answers, what in cases:
        confusion = evaluation.confusion_matrix(labels, answers).to_numpy()
        expected = float(evaluation.per_class_scores(labels, answers).at["macro avg", "f1"])
        got = float(_call(answer, exercise, confusion.copy()))
        require(np.isfinite(got), exercise,
                f"on {what} the answer is {got}: a class with no true positives has F1 0, never NaN "
                f"(scikit-learn's zero_division=0).")
        require(abs(got - expected) < 1e-9, exercise,
                f"on {what} macro-F1 is {expected:.4f}, the answer gives {got:.4f}. Per emotion: precision is "
                f"the diagonal cell over its column's sum, recall over its row's sum, F1 = 2PR/(P+R) "
                f"(0 where that is undefined); macro-F1 is the plain mean of the seven.")
    return Verdict(exercise, f"Macro-F1 matches per_class_scores' macro average on {len(cases)} confusion matrices.")
