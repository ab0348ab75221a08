"""Chapter 7's figures: where a trained network errs, how well its confidence is
calibrated, and what it has learnt to look at."""

from __future__ import annotations

import numpy as np
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import DISPLAY_NAMES
from fer_utils.engine import evaluation
from fer_utils.figures.style import PALETTE, _faces_axis, _new_axes, _new_figure, stamp

SHORT_NAMES = tuple(name[:2] for name in DISPLAY_NAMES)
"""Two-letter emotions for crowded titles: "Ha>Sa" is a happy face taken for sad."""


def plot_confusion_matrix(
    dataset: FaceDataset, true_labels: np.ndarray, predicted: np.ndarray, normalise: bool = False,
    title: str | None = None, *, ax: Axes | None = None,
) -> FigureBase:
    """Confusion matrix, true emotion per row and predicted per column: image
    counts, or with ``normalise`` each row's shares (its diagonal cell is the
    emotion's recall; a row without images stays blank)."""
    table = evaluation.confusion_matrix(true_labels, predicted, normalise=normalise)
    ax = _new_axes(ax, (6.2, 5.0))
    sns.heatmap(
        table, annot=True, fmt=".0%" if normalise else "d", cmap="Blues", cbar=False, square=True,
        linewidths=0.5, annot_kws={"fontsize": 8}, ax=ax, vmin=0, vmax=1 if normalise else None,
    )
    ax.set(xlabel="predicted emotion", ylabel="true emotion")
    ax.tick_params(axis="x", labelrotation=45)
    ax.tick_params(axis="y", labelrotation=0)
    default = "share of each true emotion" if normalise else "images"
    ax.set_title(title or f"Confusion matrix ({default}, {len(np.asarray(true_labels)):,} faces)")
    return stamp(ax.figure, dataset)


def plot_misclassified(
    dataset: FaceDataset, images: np.ndarray, true_labels: np.ndarray, probabilities: np.ndarray,
    count: int = 24, columns: int = 8, title: str | None = None, *, fig: FigureBase | None = None,
) -> FigureBase:
    """The model's most confident mistakes (seed 002's Fig. 2.11), most confident
    first, each titled "true>predicted" in two letters ("Ha>Sa") with the
    probability the model gave its wrong answer."""
    faces, true_labels = evaluation.as_faces(images), evaluation.as_labels(true_labels, "true labels")
    if len(faces) != len(true_labels):
        raise ValueError(f"{len(faces)} images but {len(true_labels)} labels")
    chosen = evaluation.confident_mistakes(true_labels, probabilities, count)
    probabilities = np.asarray(probabilities)
    rows = max(1, -(-len(chosen) // columns))
    fig = _new_figure(fig, (columns * 1.0 + 0.2, rows * 1.2 + 0.6))
    axes = fig.subplots(rows, columns, squeeze=False, gridspec_kw=dict(
        wspace=0.08, hspace=0.35, top=1 - 0.45 / (rows * 1.2 + 0.6)))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), chosen):
        ax.axis("on")
        answer = int(probabilities[i].argmax())
        _faces_axis(ax, faces[i], f"{SHORT_NAMES[true_labels[i]]}>{SHORT_NAMES[answer]} {probabilities[i, answer]:.0%}")
    if not len(chosen):
        axes[0, 0].text(0, 0.5, "no mistakes", transform=axes[0, 0].transAxes)
    fig.suptitle(title or "Most confident mistakes: true>predicted, probability of the prediction", fontsize=10)
    return stamp(fig, dataset)


def plot_reliability(
    dataset: FaceDataset, true_labels: np.ndarray, probabilities: np.ndarray, temperature: float | None = None,
    bins: int = 15, *, fig: FigureBase | None = None,
) -> FigureBase:
    """Reliability diagram: accuracy per bin of confidence (the top probability)
    against the diagonal of perfect calibration, the gap to each bin's mean
    confidence in red and the ECE in the title; with ``temperature``, a second
    panel after temperature scaling (fit it on the validation split)."""
    versions = {"as trained": probabilities}
    if temperature is not None:
        versions[f"temperature T = {temperature:.2f}"] = evaluation.scale_temperature(probabilities, temperature)
    fig = _new_figure(fig, (4.2 * len(versions), 4.0), layout="tight")
    axes = fig.subplots(1, len(versions), squeeze=False)
    for ax, (label, p) in zip(axes[0], versions.items()):
        table = evaluation.reliability_table(true_labels, p, bins).query("images > 0")
        centres, width = (table["low"] + table["high"]) / 2, 1 / bins
        ax.bar(centres, table["accuracy"], width=width, color="tab:blue", edgecolor="white", label="accuracy")
        ax.bar(centres, table["confidence"] - table["accuracy"], bottom=table["accuracy"], width=width,
               color="tab:red", alpha=0.35, edgecolor="tab:red", label="gap to confidence")
        ax.plot([0, 1], [0, 1], color="0.3", linestyle="--", linewidth=1, label="perfect calibration")
        ece = evaluation.expected_calibration_error(true_labels, p, bins)
        ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence (top probability)", ylabel="accuracy",
               title=f"{label}: ECE {ece:.1%}")
        ax.set_aspect("equal")
    axes[0, 0].legend(fontsize=8, loc="upper left")
    fig.suptitle(f"Reliability diagram ({bins} bins)")
    return stamp(fig, dataset)


def plot_tsne(
    dataset: FaceDataset, embedding: np.ndarray, labels: np.ndarray, title: str | None = None, *,
    ax: Axes | None = None,
) -> FigureBase:
    """A t-SNE map of learned features (seed 002's Fig. 2.12), one dot per face,
    coloured by its true emotion. ``embedding`` is ``explain.tsne_embedding``'s
    (n, 2); the axes have no unit, only neighbourhoods mean something."""
    embedding, labels = np.asarray(embedding), evaluation.as_labels(labels)
    if embedding.shape != (len(labels), 2):
        raise ValueError(f"embedding must be shaped ({len(labels)}, 2) for {len(labels)} labels, got {embedding.shape}")
    ax = _new_axes(ax, (6.4, 5.2))
    for label in np.unique(labels):
        points = embedding[labels == label]
        emotion = DISPLAY_NAMES[label]
        ax.scatter(points[:, 0], points[:, 1], s=8, alpha=0.7, color=PALETTE[emotion], label=emotion)
    ax.set(xticks=[], yticks=[])
    ax.legend(fontsize=8, markerscale=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title or f"t-SNE of the learned features ({len(labels):,} faces)")
    return stamp(ax.figure, dataset)


def plot_gradcam_grid(
    dataset: FaceDataset, images: np.ndarray, heatmaps: np.ndarray, classes, alpha: float = 0.45,
    title: str | None = None, *, fig: FigureBase | None = None,
) -> FigureBase:
    """Grad-CAM heatmaps over faces (seed 002's Fig. 2.13), for example one per
    emotion: the faces on top and, below, each face with ``explain.gradcam``'s
    heatmap for the emotion in ``classes`` (red: the regions that raised that
    emotion's score most)."""
    faces, heatmaps = evaluation.as_faces(images), np.asarray(heatmaps)
    classes = evaluation.as_labels(np.atleast_1d(classes), "classes")
    if not len(faces) == len(heatmaps) == len(classes) or heatmaps.shape[1:] != faces.shape[1:]:
        raise ValueError(
            f"need one heatmap and one class per face: {faces.shape} faces, {heatmaps.shape} heatmaps, "
            f"{len(classes)} classes"
        )
    fig = _new_figure(fig, (1.3 * len(faces) + 0.6, 3.2))
    axes = fig.subplots(2, len(faces), squeeze=False, gridspec_kw=dict(wspace=0.05, hspace=0.2))
    for column, (face, heatmap, label) in enumerate(zip(faces, heatmaps, classes)):
        _faces_axis(axes[0, column], face, DISPLAY_NAMES[label])
        _faces_axis(axes[1, column], face)
        axes[1, column].imshow(heatmap, cmap="jet", alpha=alpha, vmin=0, vmax=1, interpolation="bilinear")
    axes[0, 0].set_ylabel("face")
    axes[1, 0].set_ylabel("Grad-CAM")
    fig.suptitle(title or "Where the network looks: Grad-CAM for each face's emotion", fontsize=10)
    return stamp(fig, dataset)
