"""Scoring a trained model: predictions, per-class metrics, uncertainty and calibration.

Every metric takes integer labels (0-6, FER-2013's order) or an (n, 7) array of
probabilities and returns a number or a tidy table; bad input (mismatched
lengths, labels out of range, empty arrays, wrong shapes) is refused with a
``ValueError`` that says what was wrong. Nothing here imports TensorFlow until a
model is run, so the plotting module can use the metrics without paying its
start-up.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix
from sklearn.metrics import precision_recall_fscore_support

from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import DISPLAY_NAMES, NUM_CLASSES

if TYPE_CHECKING:
    import keras

HUMAN_ACCURACY = 0.65
"""Human accuracy on FER-2013: 65 ± 5 % (:data:`HUMAN_ACCURACY_SPREAD`), measured by
Goodfellow et al. (2013, "Challenges in representation learning"). People
disagree with a third of the labels, which says how noisy they are: part of any
network's error on FER-2013 is disagreement a person would share."""
HUMAN_ACCURACY_SPREAD = 0.05

ZERO_DIVISION_NOTE = (
    "precision of a class that is never predicted (predicted = 0) is undefined and "
    "reported as 0 (scikit-learn's zero_division=0); so is recall of a class without images (support = 0)"
)

TTA_CROP = 44
"""Side of the five test-time-augmentation crops (four corners and the centre)."""


# ---------------------------------------------------------------- input checks


def as_labels(values, what: str = "labels") -> np.ndarray:
    """``values`` as a non-empty 1-D int64 array of emotions 0..6, or a ValueError."""
    labels = np.asarray(values)
    if labels.ndim != 1 or len(labels) == 0:
        raise ValueError(f"{what} must be a non-empty 1-D array, got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{what} must be integers 0..{NUM_CLASSES - 1}, got dtype {labels.dtype}")
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError(f"{what} must lie in 0..{NUM_CLASSES - 1}, got {labels.min()}..{labels.max()}")
    return labels.astype(np.int64)


def _pair(true_labels, predicted) -> tuple[np.ndarray, np.ndarray]:
    true_labels, predicted = as_labels(true_labels, "true labels"), as_labels(predicted, "predicted labels")
    if len(true_labels) != len(predicted):
        raise ValueError(f"{len(true_labels)} true labels but {len(predicted)} predicted labels")
    return true_labels, predicted


def as_probabilities(values, what: str = "probabilities") -> np.ndarray:
    """``values`` as a float64 (n, 7) array whose rows are probability distributions."""
    probabilities = np.asarray(values, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[1] != NUM_CLASSES or len(probabilities) == 0:
        raise ValueError(f"{what} must be shaped (n, {NUM_CLASSES}) with n > 0, got {probabilities.shape}")
    if not np.all(np.isfinite(probabilities)) or probabilities.min() < 0:
        raise ValueError(f"{what} must be finite and non-negative")
    if not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(f"each row of {what} must sum to 1 (a softmax output), not raw scores")
    return probabilities


def _labelled_probabilities(true_labels, probabilities) -> tuple[np.ndarray, np.ndarray]:
    true_labels, probabilities = as_labels(true_labels, "true labels"), as_probabilities(probabilities)
    if len(true_labels) != len(probabilities):
        raise ValueError(f"{len(true_labels)} true labels but {len(probabilities)} rows of probabilities")
    return true_labels, probabilities


def as_faces(images) -> np.ndarray:
    """Raw faces (n, H, W) or (n, H, W, 1) as the (n, H, W) uint8 batch the pipeline takes."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.dtype != np.uint8 or images.ndim != 3 or len(images) == 0:
        raise ValueError(
            f"expected raw uint8 faces shaped (n, H, W) or (n, H, W, 1) with n > 0, "
            f"got {images.dtype} {images.shape}"
        )
    return images


# ----------------------------------------------------------------- prediction


def model_outputs(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """What ``model`` outputs for raw 0-255 faces, fed through the evaluation
    pipeline (in order, untouched, inference mode): the one place that runs a model.

    Every network traces its own prediction function, so scoring many networks
    in turn (an ablation, an ensemble) makes TensorFlow warn about "excessive
    retracing"; here that is expected, and the warning is kept out of the output.
    """
    from fer_utils.augment.pipeline import evaluation_pipeline

    faces = as_faces(images)
    pipeline = evaluation_pipeline(faces, np.zeros(len(faces), np.int64), batch_size=batch_size)
    tensorflow_log = logging.getLogger("tensorflow")
    level = tensorflow_log.level
    tensorflow_log.setLevel(logging.ERROR)
    try:
        return model.predict(pipeline.map(lambda x, _: x), verbose=0)
    finally:
        tensorflow_log.setLevel(level)


def tta_views(images: np.ndarray, crop: int = TTA_CROP) -> list[np.ndarray]:
    """The views test-time augmentation averages over: the faces, their mirror
    images, and five ``crop``-pixel crops (four corners, centre) scaled back up
    to the full size with bilinear interpolation.

    Scaling back up (not padding) keeps every view a whole face at a slightly
    larger scale, like the zoom and shift of training-time augmentation, instead
    of showing the network borders it never saw.
    """
    faces = as_faces(images)
    height, width = faces.shape[1:]
    if not 0 < crop <= min(height, width):
        raise ValueError(f"crop must be 1..{min(height, width)} pixels, got {crop}")
    origins = [(0, 0), (0, width - crop), (height - crop, 0), (height - crop, width - crop),
               ((height - crop) // 2, (width - crop) // 2)]
    views = [faces, faces[:, :, ::-1].copy()]
    for top, left in origins:
        crops = faces[:, top:top + crop, left:left + crop]
        views.append(np.stack([cv2.resize(c, (width, height), interpolation=cv2.INTER_LINEAR) for c in crops]))
    return views


def predict_probabilities(
    model: keras.Model, images: np.ndarray, batch_size: int = 256, tta: bool = False
) -> np.ndarray:
    """Probability of each emotion (n, 7) for raw 0-255 faces (n, 48, 48) or (n, 48, 48, 1).

    ``tta=True`` averages the probabilities over the :func:`tta_views` of each
    face (7 predictions per face): a cheap way to smooth out a network's
    sensitivity to the exact framing of a face.
    """
    views = tta_views(images) if tta else [as_faces(images)]
    probabilities = np.mean([model_outputs(model, view, batch_size) for view in views], axis=0)
    if probabilities.shape != (len(views[0]), NUM_CLASSES):
        raise ValueError(
            f"model {model.name!r} outputs shape {probabilities.shape}; expected (n, {NUM_CLASSES}) probabilities"
        )
    return probabilities


def predict_labels(model: keras.Model, images: np.ndarray, batch_size: int = 256, tta: bool = False) -> np.ndarray:
    """The most probable emotion for each image."""
    return predict_probabilities(model, images, batch_size, tta).argmax(axis=1)


# ------------------------------------------------------------- scores per class


def majority_accuracy(dataset: FaceDataset, split: str) -> float:
    """Accuracy of always answering ``split``'s most common emotion: the floor any
    network has to beat before its other scores mean anything."""
    counts = dataset.counts()
    return float(counts.loc[split].drop("total").max() / counts.at[split, "total"])


def per_class_scores(true_labels: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    """The classification report as a table: precision, recall, F1, support (true
    images) and predicted (how often the class was answered) per emotion, then
    macro averages (each emotion counts once), support-weighted averages and
    accuracy (in the ``f1`` column, as scikit-learn prints it).

    A class that is never predicted gets precision 0 (scikit-learn's
    ``zero_division=0``), which is what seed 000's disgust row shows; its
    ``predicted`` of 0 marks such rows, and ``attrs["note"]`` says so.
    """
    true_labels, predicted = _pair(true_labels, predicted)
    precision, recall, f1, support = precision_recall_fscore_support(
        true_labels, predicted, labels=np.arange(NUM_CLASSES), zero_division=0
    )
    answered = np.bincount(predicted, minlength=NUM_CLASSES)
    table = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support, "predicted": answered},
        index=pd.Index(DISPLAY_NAMES, name="emotion"),
    )
    n = len(true_labels)
    weights = support / n
    table.loc["macro avg"] = [precision.mean(), recall.mean(), f1.mean(), n, n]
    table.loc["weighted avg"] = [weights @ precision, weights @ recall, weights @ f1, n, n]
    table.loc["accuracy"] = [np.nan, np.nan, float(np.mean(true_labels == predicted)), n, n]
    table = table.astype({"support": int, "predicted": int})
    table.attrs["note"] = ZERO_DIVISION_NOTE
    return table


def compare_reports(
    reports: dict[str, pd.DataFrame], metrics=("precision", "recall", "f1", "support")
) -> pd.DataFrame:
    """Classification reports of several models side by side (seed 000's Fig. 17):
    one row per emotion and average, columns ``(model, metric)``."""
    if not reports:
        raise ValueError("no reports to compare")
    return pd.concat({name: report[list(metrics)] for name, report in reports.items()}, axis=1,
                     names=["model", "metric"])


def per_class_accuracy(true_labels: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    """Seed 004's per-class accuracy: the share of each emotion's images that the
    model labels correctly. That is exactly each class's recall; the last row,
    ``all``, is the overall accuracy."""
    true_labels, predicted = _pair(true_labels, predicted)
    images = np.bincount(true_labels, minlength=NUM_CLASSES)
    correct = np.bincount(true_labels[true_labels == predicted], minlength=NUM_CLASSES)
    table = pd.DataFrame(
        {"images": images, "correct": correct}, index=pd.Index(DISPLAY_NAMES, name="emotion")
    )
    table.loc["all"] = [len(true_labels), int(correct.sum())]
    table["accuracy"] = table["correct"] / table["images"].replace(0, np.nan)  # no images: NaN
    return table


def confusion_matrix(true_labels: np.ndarray, predicted: np.ndarray, normalise: bool = False) -> pd.DataFrame:
    """Images per true emotion (rows) and predicted emotion (columns), all seven
    labels always present. ``normalise=True`` divides each row by its images, so
    the diagonal is each emotion's recall; a row without images is NaN there."""
    true_labels, predicted = _pair(true_labels, predicted)
    counts = sklearn_confusion_matrix(true_labels, predicted, labels=np.arange(NUM_CLASSES))
    if normalise:
        images = counts.sum(axis=1, keepdims=True)
        counts = counts / np.where(images == 0, np.nan, images)
    return pd.DataFrame(
        counts,
        index=pd.Index(DISPLAY_NAMES, name="true"),
        columns=pd.Index(DISPLAY_NAMES, name="predicted"),
    )


def most_confused_pairs(true_labels: np.ndarray, predicted: np.ndarray, count: int = 3,
                         by: str = "share") -> pd.DataFrame:
    """The ``count`` largest off-diagonal cells of the confusion matrix: which
    emotion (``true``) is taken for which (``predicted``), with ``faces``, the
    mistakes' number, and ``share``, their part of the true emotion's faces (the
    cell of the row-normalised matrix). ``by="share"`` ranks by that part (how an
    emotion's faces go astray, so a rare emotion counts as much as a common one),
    ``by="faces"`` by the number of mistakes. Pairs without mistakes are left out."""
    if by not in ("share", "faces"):
        raise ValueError(f"by must be 'share' or 'faces', got {by!r}")
    counts = confusion_matrix(true_labels, predicted)
    shares = confusion_matrix(true_labels, predicted, normalise=True)
    rows = [{"true": true, "predicted": answer, "faces": int(counts.at[true, answer]),
             "share": float(shares.at[true, answer])}
            for true in counts.index for answer in counts.columns
            if true != answer and counts.at[true, answer] > 0]
    table = pd.DataFrame(rows, columns=["true", "predicted", "faces", "share"])
    other = "faces" if by == "share" else "share"
    return table.sort_values([by, other], ascending=False, kind="stable").head(count).reset_index(drop=True)


def confident_examples(true_labels: np.ndarray, probabilities: np.ndarray) -> dict[int, int]:
    """One face per emotion to show (for example under Grad-CAM): the correctly
    classified face with the highest probability for its emotion or, where the
    model gets none of that emotion right, its face with the highest probability
    for it. Emotions without any face are left out. Returns ``{emotion: index}``."""
    true_labels, probabilities = _labelled_probabilities(true_labels, probabilities)
    correct = probabilities.argmax(axis=1) == true_labels
    chosen = {}
    for emotion in np.unique(true_labels):
        members = np.flatnonzero(true_labels == emotion)
        pool = members[correct[members]] if correct[members].any() else members
        chosen[int(emotion)] = int(pool[np.argmax(probabilities[pool, emotion])])
    return chosen


def confident_mistakes(true_labels: np.ndarray, probabilities: np.ndarray, count: int | None = None) -> np.ndarray:
    """Indices of the misclassified images, the most confident mistake first: the
    faces on which the model is most sure and most wrong, often label noise."""
    true_labels, probabilities = _labelled_probabilities(true_labels, probabilities)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != true_labels)
    order = wrong[np.argsort(-probabilities[wrong, predicted[wrong]], kind="stable")]
    return order[:count]


# ----------------------------------------------------------- uncertainty of scores


def _macro_f1(confusion: np.ndarray) -> np.ndarray:
    """Macro-F1 of one (7, 7) or many (r, 7, 7) confusion matrices, F1 = 0 where a
    class is neither present nor predicted (as ``per_class_scores`` counts it)."""
    true_positives = np.diagonal(confusion, axis1=-2, axis2=-1)
    denominator = confusion.sum(axis=-1) + confusion.sum(axis=-2)
    f1 = np.divide(2 * true_positives, denominator, out=np.zeros(denominator.shape), where=denominator > 0)
    return f1.mean(axis=-1)


def bootstrap_intervals(
    true_labels: np.ndarray, predicted: np.ndarray, n_resamples: int = 1000, confidence: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Accuracy and macro-F1 with percentile bootstrap confidence intervals.

    The test images are drawn with replacement ``n_resamples`` times (a seeded
    NumPy generator, so the interval is reproducible), each metric is computed
    on every resample, and the interval is the central ``confidence`` share of
    those values. It answers how much a score could move on another test set of
    the same size: on FER-2013's 3,589 test faces, at 65% accuracy, about ±1.6 points.
    """
    true_labels, predicted = _pair(true_labels, predicted)
    if n_resamples < 1 or not 0 < confidence < 1:
        raise ValueError(f"need n_resamples >= 1 and 0 < confidence < 1, got {n_resamples} and {confidence}")
    n = len(true_labels)
    samples = np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))
    cells = true_labels * NUM_CLASSES + predicted  # each image's cell of the confusion matrix
    offsets = np.arange(n_resamples)[:, None] * NUM_CLASSES**2
    confusions = np.bincount((cells[samples] + offsets).ravel(), minlength=n_resamples * NUM_CLASSES**2)
    confusions = confusions.reshape(n_resamples, NUM_CLASSES, NUM_CLASSES)
    resampled = {
        "accuracy": np.trace(confusions, axis1=1, axis2=2) / n,
        "macro F1": _macro_f1(confusions),
    }
    full = np.bincount(cells, minlength=NUM_CLASSES**2).reshape(NUM_CLASSES, NUM_CLASSES)
    values = {"accuracy": np.trace(full) / n, "macro F1": _macro_f1(full)}
    tail = 100 * (1 - confidence) / 2
    table = pd.DataFrame(
        [[values[m], *np.percentile(resampled[m], [tail, 100 - tail])] for m in resampled],
        index=pd.Index(list(resampled), name="metric"), columns=["value", "low", "high"],
    )
    table.attrs.update(confidence=confidence, n_resamples=n_resamples, seed=seed)
    return table


# ------------------------------------------------------------------ calibration


def reliability_table(true_labels: np.ndarray, probabilities: np.ndarray, bins: int = 15) -> pd.DataFrame:
    """The data of a reliability diagram: the images grouped by their top
    probability (confidence) into ``bins`` equal-width bins ``(low, high]``, with
    each bin's mean confidence and accuracy. A calibrated model has accuracy =
    confidence in every bin. Empty bins have 0 images and NaN means."""
    true_labels, probabilities = _labelled_probabilities(true_labels, probabilities)
    if bins < 1:
        raise ValueError(f"bins must be positive, got {bins}")
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == true_labels
    members = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    images = np.bincount(members, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(members, confidence, minlength=bins) / images
        accuracy = np.bincount(members, correct, minlength=bins) / images
    edges = np.linspace(0, 1, bins + 1)
    return pd.DataFrame(
        {"low": edges[:-1], "high": edges[1:], "images": images, "confidence": mean_confidence, "accuracy": accuracy},
        index=pd.RangeIndex(bins, name="bin"),
    )


def expected_calibration_error(true_labels: np.ndarray, probabilities: np.ndarray, bins: int = 15) -> float:
    """ECE (Guo et al. 2017): the gap between accuracy and confidence per bin of
    :func:`reliability_table`, averaged with the bins' shares of the images.
    0 is perfectly calibrated; 0.1 means confidence is off by 10 points on average."""
    table = reliability_table(true_labels, probabilities, bins).query("images > 0")
    shares = table["images"] / table["images"].sum()
    return float((shares * (table["accuracy"] - table["confidence"]).abs()).sum())


def calibration_summary(true_labels: np.ndarray, probabilities: np.ndarray, bins: int = 15) -> dict:
    """How far, and which way, confidence misses accuracy: ``ece``
    (:func:`expected_calibration_error`), ``gap`` (mean confidence minus accuracy:
    positive when the network is over-confident, negative when under-confident),
    ``over_share`` (the share of the faces in bins whose confidence exceeds their
    accuracy) and the ``accuracy`` and ``confidence`` themselves."""
    true_labels, probabilities = _labelled_probabilities(true_labels, probabilities)
    table = reliability_table(true_labels, probabilities, bins).query("images > 0")
    accuracy = float(np.mean(probabilities.argmax(axis=1) == true_labels))
    confidence = float(probabilities.max(axis=1).mean())
    over = table["images"][table["confidence"] > table["accuracy"]].sum() / table["images"].sum()
    return {"ece": expected_calibration_error(true_labels, probabilities, bins), "gap": confidence - accuracy,
            "over_share": float(over), "accuracy": accuracy, "confidence": confidence}


def negative_log_likelihood(true_labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean cross-entropy of the true emotions: the loss the network was trained on."""
    true_labels, probabilities = _labelled_probabilities(true_labels, probabilities)
    return float(-np.mean(_log(probabilities)[np.arange(len(true_labels)), true_labels]))


def _log(probabilities: np.ndarray) -> np.ndarray:
    """Log-probabilities; a softmax that underflowed to 0 becomes a very negative number, not -inf."""
    return np.log(np.maximum(probabilities, np.finfo(np.float64).tiny))


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def scale_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Softened (T > 1) or sharpened (T < 1) probabilities: ``softmax(log p / T)``.

    Since the models output a softmax, log p equals the logits up to a constant
    per image, which the softmax ignores, so this is exactly temperature scaling
    of the logits. The most probable emotion, and so the accuracy, never changes.
    """
    probabilities = as_probabilities(probabilities)
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    return np.exp(_log_softmax(_log(probabilities) / temperature))


def fit_temperature(true_labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The single temperature that minimises the negative log-likelihood of
    ``probabilities`` (Guo et al. 2017), searched over log T in [-4, 4].

    Fit it on the validation split and apply it to the test split: fitted on the
    test images themselves, the calibration would be measured on its own
    training data.
    """
    true_labels, probabilities = _labelled_probabilities(true_labels, probabilities)
    log_p = _log(probabilities)
    rows = np.arange(len(true_labels))

    def loss(log_temperature: float) -> float:
        return float(-np.mean(_log_softmax(log_p / np.exp(log_temperature))[rows, true_labels]))

    return float(np.exp(minimize_scalar(loss, bounds=(-4, 4), method="bounded").x))


def calibration_table(
    true_labels: np.ndarray, probabilities: np.ndarray, temperature: float, bins: int = 15
) -> pd.DataFrame:
    """Accuracy, mean confidence, NLL and ECE of ``probabilities`` as the model
    gives them and after :func:`scale_temperature` with ``temperature``."""
    true_labels, probabilities = _labelled_probabilities(true_labels, probabilities)
    versions = {
        "as trained": probabilities,
        f"temperature {temperature:.2f}": scale_temperature(probabilities, temperature),
    }
    rows = {
        name: {
            "accuracy": float(np.mean(p.argmax(axis=1) == true_labels)),
            "mean confidence": float(p.max(axis=1).mean()),
            "NLL": negative_log_likelihood(true_labels, p),
            "ECE": expected_calibration_error(true_labels, p, bins),
        }
        for name, p in versions.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("probabilities")


# ---------------------------------------------------------------------- summary


def metrics_summary(
    true_labels: np.ndarray, probabilities: np.ndarray, n_resamples: int = 1000, seed: int = 0
) -> dict:
    """Every headline number of one model on one split, as plain JSON-ready values:
    accuracy and macro-F1 with their 95% bootstrap intervals, NLL, ECE, the
    report per emotion and the confusion matrix (rows true, columns predicted,
    both in ``labels`` order). The ``evaluate`` command prints this."""
    true_labels, probabilities = _labelled_probabilities(true_labels, probabilities)
    predicted = probabilities.argmax(axis=1)
    intervals = bootstrap_intervals(true_labels, predicted, n_resamples=n_resamples, seed=seed)
    report = per_class_scores(true_labels, predicted)
    return {
        "images": len(true_labels),
        "accuracy": float(intervals.at["accuracy", "value"]),
        "accuracy_ci": intervals.loc["accuracy", ["low", "high"]].astype(float).tolist(),
        "macro_f1": float(intervals.at["macro F1", "value"]),
        "macro_f1_ci": intervals.loc["macro F1", ["low", "high"]].astype(float).tolist(),
        "weighted_f1": float(report.at["weighted avg", "f1"]),
        "nll": negative_log_likelihood(true_labels, probabilities),
        "ece": expected_calibration_error(true_labels, probabilities),
        "labels": list(DISPLAY_NAMES),
        "per_class": {
            emotion: {
                "precision": float(row.precision), "recall": float(row.recall), "f1": float(row.f1),
                "support": int(row.support), "predicted": int(row.predicted),
            }
            for emotion, row in report.loc[list(DISPLAY_NAMES)].iterrows()
        },
        "confusion_matrix": confusion_matrix(true_labels, predicted).to_numpy().tolist(),
    }
