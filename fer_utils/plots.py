"""Every figure and captioned table of the report, in one consistent style.

Each plotting function takes a dataset (or results derived from one), draws one
figure, stamps it with the data it came from (in red when that is the synthetic
demo set), saves it as ``figures/<name>.png`` and returns it. Notebooks call
these instead of drawing their own, so all chapters look alike.
"""

from __future__ import annotations

import matplotlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import audit
from .dataset import SPLITS, FaceDataset
from .describe import mean_faces
from .labels import DISPLAY_NAMES, NUM_CLASSES
from .paths import figures_dir

PALETTE = dict(zip(DISPLAY_NAMES, sns.color_palette("colorblind", NUM_CLASSES)))
"""One colour per emotion, the same in every figure."""
SPLIT_TITLES = {
    "train": "train (Training)",
    "validation": "validation (PublicTest)",
    "test": "test (PrivateTest)",
}
DPI = 110


def use_style() -> None:
    """The report's look: seaborn's white grid, readable fonts, compact figures."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)
    matplotlib.rcParams.update({"figure.dpi": DPI, "savefig.dpi": DPI, "savefig.bbox": "tight"})


def finish(fig: plt.Figure, dataset: FaceDataset, name: str) -> plt.Figure:
    """Stamp ``fig`` with its data source and save it as ``figures/<name>.png``."""
    fig.text(
        0.99, 0.0, f"data: {dataset.caption}",
        ha="right", va="top", fontsize=8,
        color="tab:red" if dataset.synthetic else "0.4",
        fontweight="bold" if dataset.synthetic else "normal",
    )
    fig.savefig(figures_dir() / f"{name}.png")
    return fig


def captioned(table: pd.DataFrame, dataset: FaceDataset, title: str):
    """A table for display with a caption naming its data source."""
    return table.style.set_caption(f"{title} (data: {dataset.caption})").format(precision=1)


def _faces_axis(ax, image, title=None, **title_options):
    ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title is not None:
        ax.set_title(title, fontsize=8, **title_options)


def plot_class_counts(dataset: FaceDataset, name: str = "01_class_counts") -> plt.Figure:
    """Bar chart of images per emotion, one panel per split."""
    counts = dataset.counts().drop(index="all", columns="total")
    fig, axes = plt.subplots(1, len(counts), figsize=(4.2 * len(counts), 3.4), squeeze=False)
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
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_example_faces(
    dataset: FaceDataset, per_class: int = 8, split: str = "train", seed: int = 0,
    name: str = "01_example_faces",
) -> plt.Figure:
    """A grid of randomly drawn faces, one row per emotion."""
    part = dataset.split(split)
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(
        NUM_CLASSES, per_class, figsize=(per_class * 0.9 + 0.8, NUM_CLASSES * 0.9 + 0.5)
    )
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
    fig.subplots_adjust(left=0.12, right=0.99, top=0.93, bottom=0.01, wspace=0.05, hspace=0.05)
    return finish(fig, dataset, name)


def plot_mean_faces(dataset: FaceDataset, name: str = "01_mean_faces") -> plt.Figure:
    """Mean face per emotion (top) and, with each image's brightness and contrast
    removed, how it differs from the mean of all faces (bottom)."""
    faces = mean_faces(dataset)
    shapes = mean_faces(dataset, standardize=True)
    differences = shapes - np.nanmean(shapes, axis=0)  # unweighted: each emotion counts once
    limit = np.nanmax(np.abs(differences))
    fig, axes = plt.subplots(2, NUM_CLASSES, figsize=(NUM_CLASSES * 1.3, 3.2))
    for label in range(NUM_CLASSES):
        _faces_axis(axes[0, label], faces[label], DISPLAY_NAMES[label])
        _faces_axis(axes[1, label], differences[label])
        axes[1, label].images[0].set(cmap="coolwarm", clim=(-limit, limit))
    axes[0, 0].set_ylabel("mean")
    axes[1, 0].set_ylabel("difference")
    fig.suptitle("Mean face per emotion; below, red = brighter, blue = darker than average")
    fig.subplots_adjust(wspace=0.05, hspace=0.15)
    return finish(fig, dataset, name)


def plot_brightness(dataset: FaceDataset, name: str = "01_brightness") -> plt.Figure:
    """Distribution of image brightness (mean pixel) per emotion, and all pixels together."""
    brightness = dataset.images.reshape(len(dataset), -1).mean(axis=1)
    frame = pd.DataFrame(
        {"brightness": brightness, "emotion": np.array(DISPLAY_NAMES)[dataset.labels]}
    )
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    histogram = np.bincount(dataset.images.ravel(), minlength=256)
    left.stairs(100 * histogram / histogram.sum(), np.arange(257), fill=True, color="0.5")
    left.set(title="All pixels", xlabel="pixel value (0-255)", ylabel="% of pixels")
    sns.kdeplot(
        frame, x="brightness", hue="emotion", common_norm=False, palette=PALETTE, ax=right,
        hue_order=[e for e in DISPLAY_NAMES if e in set(frame.emotion)],
    )
    right.set(title="Image brightness per emotion", xlabel="mean pixel of an image")
    fig.tight_layout()
    return finish(fig, dataset, name)


use_style()


def plot_sharpness(dataset: FaceDataset, name: str = "01_sharpness") -> plt.Figure:
    """How much fine detail the images of each split keep (the audit's sharpness score)."""
    _, sharpness = audit.pixel_stats(audit.to_gray(dataset.images))
    has_detail = sharpness > 0  # blank images have none; a log axis cannot show them
    frame = pd.DataFrame({"sharpness": sharpness[has_detail], "split": dataset.splits[has_detail]})
    fig, ax = plt.subplots(figsize=(7, 3.2))
    sns.histplot(
        frame, x="sharpness", hue="split", hue_order=[s for s in SPLITS if s in set(dataset.splits)],
        log_scale=True, stat="percent", common_norm=False, element="step", bins=60, ax=ax,
    )
    ax.axvline(audit.BLUR_SHARPNESS, color="tab:red", linestyle="--")
    ax.annotate(" blurry | sharp", (audit.BLUR_SHARPNESS, ax.get_ylim()[1] * 0.9), color="tab:red", ha="center")
    ax.set(xlabel="sharpness (std of the Laplacian / std of the image)", ylabel="% of the split")
    ax.set_title("Fine detail per split")
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_audit_examples(
    dataset: FaceDataset, report: audit.AuditReport, per_row: int = 8, name: str = "01_audit_examples"
) -> plt.Figure:
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
    fig, axes = plt.subplots(rows, per_row, figsize=(per_row + 1.2, rows * 1.15 + 0.4), squeeze=False)
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
    fig.subplots_adjust(left=0.12, wspace=0.1, hspace=0.55)
    return finish(fig, dataset, name)
