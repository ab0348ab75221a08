"""Chapter 1's figures: what the data holds, how it looks, and what the audit found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

from fer_utils.data import audit
from fer_utils.data.dataset import SPLITS, FaceDataset
from fer_utils.data.describe import mean_faces
from fer_utils.data.labels import DISPLAY_NAMES, NUM_CLASSES
from fer_utils.figures.style import PALETTE, SPLIT_TITLES, _faces_axis, _new_axes, _new_figure, stamp


def plot_class_counts(dataset: FaceDataset, *, fig: FigureBase | None = None) -> FigureBase:
    """Bar chart of images per emotion, one panel per split."""
    counts = dataset.counts().drop(index="all", columns="total")
    fig = _new_figure(fig, (4.2 * len(counts), 3.4), layout="tight")
    axes = fig.subplots(1, len(counts), squeeze=False)
    for ax, split in zip(axes[0], counts.index):
        values = counts.loc[split]
        ax.bar(values.index, values.to_numpy(), color=[PALETTE[e] for e in values.index])
        for x, value in enumerate(values):
            ax.annotate(f"{value:,}", (x, value), ha="center", va="bottom", fontsize=7)
        ax.set_title(f"{SPLIT_TITLES[split]}: {values.sum():,} images")
        ax.tick_params(axis="x", labelrotation=45)
        ax.set_ylabel("images")
        ax.margins(y=0.12)
    fig.suptitle("Images per emotion and split")
    return stamp(fig, dataset)


def plot_example_faces(
    dataset: FaceDataset, per_class: int = 8, split: str = "train", seed: int = 0, *,
    fig: FigureBase | None = None,
) -> FigureBase:
    """A grid of randomly drawn faces, one row per emotion."""
    part = dataset.split(split)
    rng = np.random.default_rng(seed)
    fig = _new_figure(fig, (per_class * 0.9 + 0.8, NUM_CLASSES * 0.9 + 0.5))
    axes = fig.subplots(NUM_CLASSES, per_class, squeeze=False, gridspec_kw=dict(
        left=0.12, right=0.99, top=0.93, bottom=0.01, wspace=0.05, hspace=0.05))
    for label, row in enumerate(axes):
        members = np.flatnonzero(part.labels == label)
        chosen = rng.choice(members, size=min(per_class, len(members)), replace=False)
        for column, ax in enumerate(row):
            if column < len(chosen):
                _faces_axis(ax, part.images[chosen[column]])
            else:
                ax.axis("off")
        row[0].set_ylabel(DISPLAY_NAMES[label], rotation=0, ha="right", va="center")
    fig.suptitle(f"Random {split} faces per emotion")
    return stamp(fig, dataset)


def plot_mean_faces(dataset: FaceDataset, *, fig: FigureBase | None = None) -> FigureBase:
    """Mean face per emotion (top) and, with each image's brightness and contrast
    removed, how it differs from the mean of all faces (bottom)."""
    faces = mean_faces(dataset)
    shapes = mean_faces(dataset, standardize=True)
    differences = shapes - np.nanmean(shapes, axis=0)  # unweighted: each emotion counts once
    limit = np.nanmax(np.abs(differences))
    fig = _new_figure(fig, (NUM_CLASSES * 1.3, 3.2))
    axes = fig.subplots(2, NUM_CLASSES, gridspec_kw=dict(wspace=0.05, hspace=0.15))
    for label in range(NUM_CLASSES):
        _faces_axis(axes[0, label], faces[label], DISPLAY_NAMES[label])
        _faces_axis(axes[1, label], differences[label])
        axes[1, label].images[0].set(cmap="coolwarm", clim=(-limit, limit))
    axes[0, 0].set_ylabel("mean")
    axes[1, 0].set_ylabel("difference")
    fig.suptitle("Mean face per emotion; below, red = brighter, blue = darker than average")
    return stamp(fig, dataset)


def plot_brightness(dataset: FaceDataset, *, fig: FigureBase | None = None) -> FigureBase:
    """Distribution of image brightness (mean pixel) per emotion, and all pixels together."""
    brightness = dataset.images.reshape(len(dataset), -1).mean(axis=1)
    frame = pd.DataFrame(
        {"brightness": brightness, "emotion": np.array(DISPLAY_NAMES)[dataset.labels]}
    )
    fig = _new_figure(fig, (10, 3.4), layout="tight")
    left, right = fig.subplots(1, 2)
    histogram = np.bincount(dataset.images.ravel(), minlength=256)
    left.stairs(100 * histogram / histogram.sum(), np.arange(257), fill=True, color="0.5")
    left.set(title="All pixels", xlabel="pixel value (0-255)", ylabel="% of pixels")
    sns.kdeplot(
        frame, x="brightness", hue="emotion", common_norm=False, palette=PALETTE, ax=right,
        hue_order=[e for e in DISPLAY_NAMES if e in set(frame.emotion)],
    )
    right.set(title="Image brightness per emotion", xlabel="mean pixel of an image")
    return stamp(fig, dataset)


def plot_sharpness(dataset: FaceDataset, *, ax: Axes | None = None) -> FigureBase:
    """How much fine detail the images of each split keep (the audit's sharpness
    score). The splits of one dataset should look alike: a split much blurrier
    than the others would score the network on faces unlike those it learnt from."""
    _, sharpness = audit.pixel_stats(audit.to_gray(dataset.images))
    has_detail = sharpness > 0  # blank images have none; a log axis cannot show them
    frame = pd.DataFrame({"sharpness": sharpness[has_detail], "split": dataset.splits[has_detail]})
    ax = _new_axes(ax, (7, 3.2))
    sns.histplot(
        frame, x="sharpness", hue="split", hue_order=[s for s in SPLITS if s in set(dataset.splits)],
        log_scale=True, stat="percent", common_norm=False, element="step", bins=60, ax=ax,
    )
    ax.axvline(audit.BLUR_SHARPNESS, color="tab:red", linestyle="--")
    ax.annotate(" blurry | sharp", (audit.BLUR_SHARPNESS, ax.get_ylim()[1] * 0.9), color="tab:red", ha="center")
    ax.set(xlabel="sharpness (std of the Laplacian / std of the image)", ylabel="% of the split")
    ax.set_title("Fine detail per split")
    return stamp(ax.figure, dataset)


def plot_audit_examples(
    dataset: FaceDataset, report: audit.AuditReport, per_row: int = 8, *, fig: FigureBase | None = None
) -> FigureBase:
    """Examples of each audit finding: blank images, held-out images with a copy in
    train (leakage), and duplicates whose copies carry different labels."""
    splits, labels = report.splits, report.labels
    leaks = [
        [int(g[splits[g] != "train"][0]), int(g[splits[g] == "train"][0])]
        for g in report.leak_groups
        if np.any(splits[g] == "train")
    ]
    conflicts = [
        [int(g[0]), int(g[labels[g] != labels[g[0]]][0])] for g in report.conflict_groups
    ]
    sections = [
        ("blank", [[int(i)] for i in report.blank]),
        ("held-out\nimage and\nits copy\nin train", leaks),
        ("copies\nwith\ndifferent\nlabels", conflicts),
    ]
    heights = [1, 2, 2]
    rows = sum(heights)
    fig = _new_figure(fig, (per_row + 1.2, rows * 1.15 + 0.4))
    axes = fig.subplots(rows, per_row, squeeze=False, gridspec_kw=dict(left=0.12, wspace=0.1, hspace=0.55))
    for ax in axes.ravel():
        ax.axis("off")
    top = 0
    for (label, examples), height in zip(sections, heights):
        fig.text(0.01, 1 - (top + height / 2) / rows, label, va="center", fontsize=9)
        if not examples:
            axes[top, 0].text(0, 0.5, "none found", fontsize=9, transform=axes[top, 0].transAxes)
        for column, members in enumerate(examples[:per_row]):
            for offset, i in enumerate(members):
                ax = axes[top + offset, column]
                ax.axis("on")
                _faces_axis(ax, dataset.images[i], f"{dataset.splits[i]}\n{DISPLAY_NAMES[dataset.labels[i]]}")
        top += height
    fig.suptitle("Data-quality audit: examples")
    return stamp(fig, dataset)
