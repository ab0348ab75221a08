"""Ensembles of trained networks (seed 003): voting and weighted averaging.

Everything works on *probability arrays*, shape (models, images, classes): the
outputs of any trained networks on the same images (:func:`predict_all`), so it
does not matter which networks they are or how they were trained.

* :func:`majority_vote`: each network votes for its most probable emotion; the
  emotion with most votes wins (ties go to the higher mean probability).
* :func:`soft_vote`: the mean of the probabilities (equal weights).
* :func:`weighted_average`: a weighted mean, with weights on the simplex
  (non-negative, summing to one) fitted by :func:`fit_weights`.

Seed 003 calls choosing the weights "an NP-hard problem". It is not, once the
goal is the negative log-likelihood (the cross-entropy) of the mixed
probabilities: that is a convex function of the weights, so a local optimiser
finds the best weights. :func:`fit_weights` minimises it with SciPy's SLSQP
under the simplex constraints, on PublicTest (the validation split); the
ensemble is then judged on PrivateTest (:func:`compare_ensembles`), never on the
images the weights were fitted to, since seed 003 warns that ensembles
overfit the set they are tuned on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize

EPSILON = 1e-12


def _stack(probabilities) -> np.ndarray:
    stacked = np.asarray(probabilities, dtype=np.float64)
    if stacked.ndim != 3:
        raise ValueError(f"expected probabilities shaped (models, images, classes), got {stacked.shape}")
    return stacked


def predict_all(models: Sequence, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Each model's probabilities for ``images``: shape (models, images, classes)."""
    return np.stack([np.asarray(model.predict(images, batch_size=batch_size, verbose=0)) for model in models])


def soft_vote(probabilities) -> np.ndarray:
    """The mean of the models' probabilities: (images, classes)."""
    return _stack(probabilities).mean(axis=0)


def weighted_average(probabilities, weights) -> np.ndarray:
    """The models' probabilities mixed with ``weights`` (one per model, normalised to sum to one)."""
    stacked = _stack(probabilities)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (len(stacked),) or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(f"need {len(stacked)} non-negative weights with a positive sum, got {weights}")
    return np.tensordot(weights / weights.sum(), stacked, axes=1)


def majority_vote(probabilities) -> np.ndarray:
    """The emotion most models choose, per image (ties: the higher mean probability)."""
    stacked = _stack(probabilities)
    classes = stacked.shape[2]
    votes = np.stack([np.bincount(row, minlength=classes) for row in stacked.argmax(axis=2).T]).astype(float)
    return (votes + stacked.mean(axis=0) / 2).argmax(axis=1)  # a mean probability < 1 vote breaks ties only


def log_loss(probabilities: np.ndarray, labels) -> float:
    """Mean negative log-likelihood of ``labels`` under (images, classes) probabilities."""
    labels = np.asarray(labels)
    return float(-np.mean(np.log(probabilities[np.arange(len(labels)), labels] + EPSILON)))


def fit_weights(probabilities, labels) -> np.ndarray:
    """The ensemble weights (non-negative, summing to one) that minimise the negative
    log-likelihood of ``labels`` under :func:`weighted_average`: SciPy's SLSQP from
    equal weights, with the exact gradient. Fit them on PublicTest."""
    stacked = _stack(probabilities)
    labels = np.asarray(labels)
    if len(stacked) == 1:
        return np.ones(1)
    chosen = stacked[:, np.arange(len(labels)), labels]  # (models, images): each model's p(true label)

    def loss(weights):
        return -np.mean(np.log(weights @ chosen + EPSILON))

    def gradient(weights):
        return -np.mean(chosen / (weights @ chosen + EPSILON), axis=1)

    start = np.full(len(stacked), 1.0 / len(stacked))
    result = minimize(
        loss, start, jac=gradient, method="SLSQP", bounds=[(0.0, 1.0)] * len(stacked),
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0, "jac": lambda w: np.ones_like(w)}],
        options={"ftol": 1e-10, "maxiter": 500},
    )
    weights = np.clip(result.x, 0.0, None)
    return weights / weights.sum()


def compare_ensembles(
    validation_probabilities, validation_labels, test_probabilities, test_labels,
    names: Sequence[str] | None = None, intervals: bool = False,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Accuracy and log loss on PublicTest and PrivateTest of every model alone,
    majority voting, soft voting and the weighted average whose weights were fitted
    on PublicTest. With ``intervals``, also each row's 95% bootstrap interval of
    PrivateTest accuracy (``PrivateTest low``, ``PrivateTest high``). Returns the
    table and the weights."""
    validation, test = _stack(validation_probabilities), _stack(test_probabilities)
    validation_labels, test_labels = np.asarray(validation_labels), np.asarray(test_labels)
    names = list(names) if names is not None else [f"model {i}" for i in range(len(validation))]
    weights = fit_weights(validation, validation_labels)

    rows = {name: {"weight": weight} for name, weight in zip(names, weights)}
    for split, stacked, labels in (("PublicTest", validation, validation_labels), ("PrivateTest", test, test_labels)):
        mixes = {name: stacked[i] for i, name in enumerate(names)}
        mixes["soft vote"] = soft_vote(stacked)
        mixes["weighted average"] = weighted_average(stacked, weights)
        for name, mixed in mixes.items():
            rows.setdefault(name, {})[f"{split} accuracy"] = float(np.mean(mixed.argmax(axis=1) == labels))
            rows[name][f"{split} log loss"] = log_loss(mixed, labels)
        votes = majority_vote(stacked)
        rows.setdefault("majority vote", {})[f"{split} accuracy"] = float(np.mean(votes == labels))
        if intervals and split == "PrivateTest":
            from fer_utils.engine.evaluation import bootstrap_intervals

            predicted = {name: mixed.argmax(axis=1) for name, mixed in mixes.items()} | {"majority vote": votes}
            for name, answers in predicted.items():
                low, high = bootstrap_intervals(labels, answers).loc["accuracy", ["low", "high"]]
                rows[name].update({"PrivateTest low": float(low), "PrivateTest high": float(high)})
    order = [*names, "majority vote", "soft vote", "weighted average"]
    columns = ["PublicTest accuracy", "PrivateTest accuracy", *(["PrivateTest low", "PrivateTest high"] if intervals
                                                              else []),
               "PublicTest log loss", "PrivateTest log loss", "weight"]
    frame = pd.DataFrame.from_dict(rows, orient="index").reindex(index=order, columns=columns)
    frame.index.name = "ensemble"
    return frame, weights
