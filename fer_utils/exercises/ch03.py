"""Chapter 3's exercises: balanced class weights by hand, and class weights that make a
small classifier find the disgusted faces.

The second exercise needs a classifier that trains in seconds and always the same
way, so that the check is never a matter of luck: a *linear probe*, a logistic
regression (a softmax layer, as the last layer of a CNN) on 12 x 12 thumbnails of
the faces, strongly regularised so that it cannot memorise a face. Scikit-learn's
``LogisticRegression(class_weight=...)`` weights each face's loss by its class
exactly as Keras' ``model.fit(class_weight=...)`` does.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, recall_score

from fer_utils.augment.imbalance import class_weights
from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import EMOTIONS, NUM_CLASSES
from fer_utils.exercises import Verdict, require

DISGUST = EMOTIONS.index("disgust")
PROBE_LABELS = np.array([0, 0, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 5, 6, 6, 6])
"""A small labelling of the check's own."""


def check_balanced_weights(balanced_weights, labels) -> Verdict:
    """Exercise 3.1: ``balanced_weights(labels)`` returns ``{class index: n / (7 * n_c)}``
    for the classes 0..6, as scikit-learn's ``compute_class_weight("balanced", ...)``."""
    exercise = "3.1"
    require(callable(balanced_weights), exercise, "balanced_weights must be a function of the labels.")
    for probe, what in ((PROBE_LABELS, "the check's small labelling"), (np.asarray(labels), "the training labels")):
        answer = balanced_weights(probe)
        require(isinstance(answer, dict), exercise,
                f"balanced_weights returns {type(answer).__name__}; Keras wants a dict {{class index: weight}}.")
        require(sorted(answer) == list(range(NUM_CLASSES)), exercise,
                f"the keys are {sorted(answer)}; expected the class indices 0 to 6.")
        expected = class_weights(probe)
        worst = max(range(NUM_CLASSES), key=lambda c: abs(float(answer[c]) - expected[c]))
        require(np.allclose([float(answer[c]) for c in range(NUM_CLASSES)], [expected[c] for c in range(NUM_CLASSES)]),
                exercise, f"on {what} class {worst} gets {float(answer[worst]):.4g}, scikit-learn gives "
                f"{expected[worst]:.4g}: the weight is the number of labels divided by (7 times the class's count).")
    return Verdict(exercise, "Your weights equal scikit-learn's compute_class_weight('balanced') "
                             f"(disgust {expected[DISGUST]:.3f} on the training labels).")


def thumbnails(images: np.ndarray, side: int = 12) -> np.ndarray:
    """Each face as ``side`` x ``side`` block means, standardized per image: the probe's input."""
    n, height, width = images.shape[:3]
    block = height // side
    small = images[:, : side * block, : side * block].astype(np.float32)
    small = small.reshape(n, side, block, side, block).mean(axis=(2, 4)).reshape(n, -1)
    small -= small.mean(axis=1, keepdims=True)
    return small / np.maximum(small.std(axis=1, keepdims=True), 1.0)


def probe_scores(dataset: FaceDataset, weights: dict | None = None) -> dict[str, float]:
    """Train the linear probe on ``dataset``'s training faces with class ``weights``
    (``None``: none) and score it: disgust's recall and the balanced accuracy (the mean
    recall of the seven emotions) on the training faces, and disgust's recall on the
    validation faces."""
    images, labels = dataset.arrays("train")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        probe = LogisticRegression(C=0.01, max_iter=300, class_weight=weights).fit(thumbnails(images), labels)
    predicted = probe.predict(thumbnails(images))
    scores = {"disgust recall": float(recall_score(labels, predicted, labels=[DISGUST], average="macro",
                                                   zero_division=0)),
              "balanced accuracy": float(balanced_accuracy_score(labels, predicted))}
    validation, truth = dataset.arrays("validation")
    if np.any(truth == DISGUST):
        scores["validation disgust recall"] = float(recall_score(
            truth, probe.predict(thumbnails(validation)), labels=[DISGUST], average="macro", zero_division=0))
    return scores


DISGUST_RECALL = 0.5
"""Exercise 3.2's threshold: the probe must find at least half of the disgusted training faces."""


def check_disgust_weights(weights, dataset: FaceDataset) -> Verdict:
    """Exercise 3.2: with class ``weights`` the linear probe recalls at least
    :data:`DISGUST_RECALL` of the disgusted training faces, and its balanced accuracy
    is no lower than without weights (so predicting disgust everywhere does not count)."""
    exercise = "3.2"
    require(isinstance(weights, dict), exercise,
            "my_weights must be a dict {class index: weight}, the form model.fit(class_weight=...) takes.")
    require(sorted(weights) == list(range(NUM_CLASSES)), exercise,
            f"the keys are {sorted(weights)}; give a weight to every class index 0 to 6.")
    values = np.array([weights[c] for c in range(NUM_CLASSES)], dtype=float)
    require(bool(np.all(np.isfinite(values)) and np.all(values > 0)), exercise,
            "every weight must be a positive number.")
    plain, mine = probe_scores(dataset), probe_scores(dataset, {c: float(w) for c, w in enumerate(values)})
    require(mine["disgust recall"] >= DISGUST_RECALL, exercise,
            f"the probe finds {mine['disgust recall']:.0%} of the disgusted training faces (without weights "
            f"{plain['disgust recall']:.0%}); it must find at least {DISGUST_RECALL:.0%}. Give disgust a larger "
            "weight, relative to the others.")
    require(mine["balanced accuracy"] >= plain["balanced accuracy"], exercise,
            f"disgust recall is {mine['disgust recall']:.0%}, but the balanced accuracy fell from "
            f"{plain['balanced accuracy']:.3f} to {mine['balanced accuracy']:.3f}: the probe now calls too many "
            "faces disgusted. Weight disgust less, or weight the other classes by their rarity too.")
    return Verdict(exercise, f"The probe finds {mine['disgust recall']:.0%} of the disgusted training faces "
                             f"(without weights {plain['disgust recall']:.0%}), with balanced accuracy "
                             f"{mine['balanced accuracy']:.3f} (without {plain['balanced accuracy']:.3f}).")
