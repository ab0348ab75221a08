"""Every figure and captioned table of the report, in one consistent style.

Each plotting function takes a dataset (or results derived from one), draws one
figure, stamps it with the data it came from (in red when that is the synthetic
demo set), saves it as ``figures/<name>.png`` and returns it. Notebooks call
these instead of drawing their own, so all chapters look alike.
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib
import matplotlib.ticker

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from fer_utils.data import audit
from fer_utils.augment import transforms
from fer_utils.nets import blocks
from fer_utils.engine import evaluation
from fer_utils.data.dataset import SPLITS, FaceDataset
from fer_utils.data.describe import mean_faces
from fer_utils.data.labels import DISPLAY_NAMES, EMOTION_COLOURS, NUM_CLASSES
from fer_utils.config import figures_dir

PALETTE = EMOTION_COLOURS
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


def captioned(table: pd.DataFrame, dataset: FaceDataset, title: str, precision: int = 1):
    """A table for display with a caption naming its data source; ``precision``
    decimals (3 for scores between 0 and 1, such as accuracy or F1)."""
    return table.style.set_caption(f"{title} (data: {dataset.caption})").format(precision=precision)


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


def plot_class_weights(
    dataset: FaceDataset, table: pd.DataFrame, name: str = "03_class_weights"
) -> plt.Figure:
    """Balanced class weight per emotion, one group of bars per labelling.

    ``table`` is what ``imbalance.class_weight_table`` returns, for example the
    raw training labels next to the flip-balanced ones. The dashed line at 1 is
    the weight of a class of average size; bars above it are the classes the
    loss is told to take more seriously.
    """
    weights = table.xs("weight", axis=1, level=1)
    width = 0.8 / len(weights.index)
    fig, ax = plt.subplots(figsize=(2.6 + 3.2 * len(weights.columns), 3.6))
    for offset, emotion in enumerate(weights.index):
        x = np.arange(len(weights.columns)) + (offset - (len(weights.index) - 1) / 2) * width
        values = weights.loc[emotion].to_numpy()
        ax.bar(x, values, width=width * 0.95, color=PALETTE[emotion], label=emotion)
        for position, value in zip(x, values):
            ax.annotate(f"{value:.2f}", (position, value), ha="center", va="bottom", fontsize=7)
    ax.axhline(1.0, color="0.3", linestyle="--", linewidth=1)
    ax.set_xticks(np.arange(len(weights.columns)), [str(c).replace("_", " ") for c in weights.columns])
    ax.set_ylabel("class weight  n / (7 · count)")
    ax.margins(y=0.1)
    ax.legend(ncols=1, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("Balanced class weights per emotion")
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_recall_by_strategy(
    dataset: FaceDataset, recall: pd.DataFrame, name: str = "03_recall_by_strategy"
) -> plt.Figure:
    """Validation recall per emotion for each way of handling the imbalance.

    ``recall`` has emotions as rows and strategies as columns, as
    ``experiments.recall_by_strategy`` returns it.
    """
    fig, ax = plt.subplots(figsize=(9, 3.6))
    recall.plot.bar(ax=ax, width=0.8, color=sns.color_palette("deep", len(recall.columns)))
    ax.set(ylabel="recall on validation", xlabel="", ylim=(0, 1))
    ax.tick_params(axis="x", labelrotation=0)
    ax.legend(title="strategy", fontsize=8)
    ax.set_title("Which emotions each strategy finds")
    fig.tight_layout()
    return finish(fig, dataset, name)


# --- chapter 2: data augmentation ---------------------------------------------



def plot_transforms(
    dataset: FaceDataset, n_faces: int = 5, seed: int = 0, name: str = "02_transforms"
) -> plt.Figure:
    """The same few training faces under each transform of seed 000's list: originals
    on top, then one row per transform at its display strength."""
    train = dataset.split("train")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(train), size=min(n_faces, len(train)), replace=False))
    faces = train.images[chosen]
    rows = [("Original", faces)] + [
        (title, transform(faces, strength, rng))
        for title, (transform, strength) in transforms.SEED000_TRANSFORMS.items()
    ]
    fig, axes = plt.subplots(
        len(rows), len(faces), figsize=(len(faces) * 0.95 + 1.6, len(rows) * 0.95 + 0.5), squeeze=False
    )
    for (title, images), row in zip(rows, axes):
        for ax, image in zip(row, images):
            _faces_axis(ax, image)
        row[0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=9)
    for ax, label in zip(axes[0], train.labels[chosen]):
        ax.set_title(DISPLAY_NAMES[label], fontsize=8)
    fig.suptitle("Seed 000's augmentation transforms\n(strengths exaggerated to be visible)")
    fig.subplots_adjust(left=0.27, right=0.99, top=0.915, bottom=0.01, wspace=0.05, hspace=0.05)
    return finish(fig, dataset, name)


def plot_flip_balance(
    before: FaceDataset, after: FaceDataset, name: str = "02_flip_balance"
) -> plt.Figure:
    """Training images per emotion before and after balancing, bars side by side."""
    table = transforms.balancing_table(before, after).drop(index="total")
    x = np.arange(len(table))
    width = 0.4
    fig, ax = plt.subplots(figsize=(8, 3.6))
    colours = [PALETTE[e] for e in table.index]
    for offset, column, style in (
        (-width / 2, "before", dict(alpha=0.45, hatch="//", edgecolor="white")),
        (width / 2, "after", dict()),
    ):
        bars = ax.bar(x + offset, table[column], width, color=colours, label=column, **style)
        ax.bar_label(bars, labels=[f"{v:,}" for v in table[column]], fontsize=7, padding=1)
    ax.set_xticks(x, table.index)
    ax.set_ylabel("training images")
    ax.margins(y=0.1)
    ax.legend(
        handles=[
            matplotlib.patches.Patch(facecolor="0.6", alpha=0.45, hatch="//", edgecolor="white", label="before"),
            matplotlib.patches.Patch(facecolor="0.3", label="after"),
        ]
    )
    total_before, total_after = table["before"].sum(), table["after"].sum()
    ax.set_title(
        f"Balancing by horizontal flips: {total_before:,} → {total_after:,} training images"
    )
    fig.tight_layout()
    return finish(fig, after, name)


def plot_augmentation_draws(
    dataset: FaceDataset, online: transforms.OnlineAugmentation, n_draws: int = 8, n_faces: int = 3,
    seed: int = 0, name: str = "02_augmentation_draws",
) -> plt.Figure:
    """Random draws of the online augmentation (Keras layers) on a few training faces:
    each row one face, the original first, then ``n_draws`` independent draws."""
    train = dataset.split("train")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(len(train), size=min(n_faces, len(train)), replace=False))
    faces = train.images[chosen]
    batch = np.repeat(faces, n_draws, axis=0)[..., None].astype("float32")
    draws = np.asarray(online.layers(seed)(batch, training=True))
    draws = np.clip(draws[..., 0], 0, 255).reshape(len(faces), n_draws, *faces.shape[1:])
    cell, left, top = 1.0, 0.8, 0.8  # inches: one face, row labels, titles
    width, height = (n_draws + 1) * cell + left, len(faces) * cell + top
    fig, axes = plt.subplots(len(faces), n_draws + 1, figsize=(width, height), squeeze=False)
    for i, (face, face_draws, row) in enumerate(zip(faces, draws, axes)):
        _faces_axis(row[0], face, "original" if i == 0 else None, fontweight="bold")
        row[0].set_ylabel(DISPLAY_NAMES[train.labels[chosen[i]]], rotation=0, ha="right", va="center")
        for k, (ax, image) in enumerate(zip(row[1:], face_draws), start=1):
            _faces_axis(ax, image, f"draw {k}" if i == 0 else None)
    settings = "; ".join(f"{t.lower()} {r}" for t, r in online.table()["range"].items())
    fig.suptitle(f"Random draws of the online augmentation\n{settings}", fontsize=10)
    fig.subplots_adjust(
        left=left / width, right=1, bottom=0, top=1 - top / height, wspace=0.06, hspace=0.06
    )
    return finish(fig, dataset, name)


# --- chapter 4: CNN building blocks --------------------------------------------


def _signed_axis(ax, values, title=None, limit=None):
    """A response map in red (positive) and blue (negative), zero in white."""
    limit = limit or float(np.max(np.abs(values))) or 1.0
    ax.imshow(values, cmap="coolwarm", vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title is not None:
        ax.set_title(title, fontsize=8)


def _kernel_axis(ax, kernel, title="kernel"):
    """A small kernel drawn as coloured cells with its weights written in."""
    kernel = np.asarray(kernel).reshape(np.shape(kernel)[:2])
    _signed_axis(ax, kernel, title)
    limit = float(np.max(np.abs(kernel))) or 1.0
    for (row, column), value in np.ndenumerate(kernel):
        colour = "white" if abs(value) > 0.6 * limit else "black"
        ax.text(column, row, f"{value:g}", ha="center", va="center", fontsize=8, color=colour)


def plot_convolution_example(
    dataset: FaceDataset, face: np.ndarray, kernel: np.ndarray, numpy_output: np.ndarray,
    keras_output: np.ndarray, name: str = "04_convolution",
) -> plt.Figure:
    """One face, a kernel, and the convolution computed by hand (NumPy, formula 1)
    and by Keras' Conv2D with the same weights, with their difference."""
    numpy_output, keras_output = np.squeeze(numpy_output), np.squeeze(keras_output)
    difference = np.abs(numpy_output - keras_output)
    limit = float(np.max(np.abs(numpy_output))) or 1.0
    fig, axes = plt.subplots(1, 5, figsize=(11, 2.7))
    _faces_axis(axes[0], np.squeeze(face), f"face {np.squeeze(face).shape[0]}x{np.squeeze(face).shape[1]}")
    _kernel_axis(axes[1], kernel, f"kernel {np.shape(kernel)[0]}x{np.shape(kernel)[1]}")
    _signed_axis(axes[2], numpy_output, "NumPy conv2d (formula 1)", limit)
    _signed_axis(axes[3], keras_output, "keras Conv2D, same weights", limit)
    axes[4].imshow(difference, cmap="gray_r", interpolation="nearest")
    axes[4].set(xticks=[], yticks=[])
    axes[4].grid(False)
    axes[4].set_title(f"|difference|, max {difference.max():.1e}", fontsize=8)
    fig.suptitle("A convolution by hand and by Keras (red: positive response, blue: negative)")
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_block_steps(
    dataset: FaceDataset, face: np.ndarray, kernel: np.ndarray, name: str = "04_block_steps"
) -> plt.Figure:
    """One face through one convolutional block, step by step: convolution
    ('same' padding), ReLU, 2x2 max-pooling, each computed by ``blocks``."""
    x = np.asarray(face, dtype=np.float64).reshape(1, *np.shape(face)[:2], 1) / 255
    kernel4 = np.asarray(kernel, dtype=np.float64).reshape(*np.shape(kernel)[:2], 1, 1)
    convolved = blocks.conv2d(x, kernel4, padding="same")
    rectified = blocks.relu(convolved)
    pooled = blocks.max_pool2d(rectified, 2)
    limit = float(np.max(np.abs(convolved))) or 1.0
    fig, axes = plt.subplots(1, 5, figsize=(11, 2.7))
    _faces_axis(axes[0], np.squeeze(face), "face")
    _kernel_axis(axes[1], np.asarray(kernel).reshape(kernel4.shape[:2]))
    steps = (("convolution", convolved), ("ReLU: max(0, x)", rectified), ("max-pool 2x2, stride 2", pooled))
    for ax, (title, values) in zip(axes[2:], steps):
        values = values[0, ..., 0]
        _signed_axis(ax, values, f"{title}\n{values.shape[0]}x{values.shape[1]}", limit)
    fig.suptitle("One block, step by step (pixels scaled to 0-1)")
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_stride_padding(
    dataset: FaceDataset, face: np.ndarray, kernel: np.ndarray, strides=(1, 2),
    name: str = "04_stride_padding",
) -> plt.Figure:
    """The same face and kernel with each stride and padding; every panel is drawn
    at its true size against the input, and titled with the output-size formula."""
    x = np.asarray(face, dtype=np.float64).reshape(1, *np.shape(face)[:2], 1) / 255
    kernel4 = np.asarray(kernel, dtype=np.float64).reshape(*np.shape(kernel)[:2], 1, 1)
    n, k = x.shape[1], kernel4.shape[0]
    fig, axes = plt.subplots(len(strides), 2, figsize=(6.2, 3.1 * len(strides)), squeeze=False)
    limit = None
    for row, stride in zip(axes, strides):
        for ax, padding in zip(row, blocks.PADDINGS):
            out = blocks.conv2d(x, kernel4, stride=stride, padding=padding)[0, ..., 0]
            size = blocks.output_size(n, k, stride, padding)
            assert out.shape[0] == size
            limit = limit or float(np.max(np.abs(out))) or 1.0
            formula = (
                f"⌊({n} − {k}) / {stride}⌋ + 1 = {size}" if padding == "valid" else f"⌈{n} / {stride}⌉ = {size}"
            )
            ax.imshow(out, cmap="coolwarm", vmin=-limit, vmax=limit, interpolation="nearest",
                      extent=(0, size, size, 0))
            ax.set(xlim=(0, n), ylim=(n, 0), xticks=[0, size], yticks=[0, size])
            ax.grid(False)
            ax.set_title(f"stride {stride}, '{padding}'\n{formula}", fontsize=9)
    fig.suptitle(f"Output size of a {k}x{k} convolution on a {n}x{n} face", fontsize=10)
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_batch_norm_modes(
    dataset: FaceDataset, trace: pd.DataFrame, momentum: float = 0.99, name: str = "04_batch_norm_modes"
) -> plt.Figure:
    """Mean and standard deviation of batch norm's output per training step, in
    training mode (batch statistics) and inference mode (moving averages), from
    ``blocks.batch_norm_trace``. A dotted line marks 1 / (1 - momentum) steps."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.3))
    for ax, statistic, target in ((axes[0], "mean", 0.0), (axes[1], "std", 1.0)):
        sns.lineplot(trace, x="step", y=statistic, hue="mode", ax=ax, palette=["tab:blue", "tab:orange"])
        ax.axhline(target, color="0.3", linewidth=1, linestyle="--")
        ax.axvline(1 / (1 - momentum), color="0.5", linestyle=":")
        ax.set(yscale="symlog", xlabel="training step (batch)", ylabel=f"{statistic} of the output")
        ax.set_ylim(min(trace[statistic].min(), target) - 0.5, trace[statistic].max() * 2)
        ax.legend(fontsize=8, title=None)
    axes[0].set_title("Mean of the normalised pixels (target 0)")
    axes[1].set_title("Standard deviation (target 1)")
    fig.suptitle(f"Batch norm on raw pixels: moving averages catch up slowly (momentum {momentum})")
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_feature_maps(
    dataset: FaceDataset, face: np.ndarray, maps: dict[str, np.ndarray], channels: int = 16,
    columns: int = 8, name: str = "04_feature_maps",
) -> plt.Figure:
    """The face and, for each layer in ``maps`` (what ``blocks.feature_maps``
    returns), its ``channels`` most active channels, strongest first, each on its
    own colour scale (bright = strong response)."""
    rows_per_layer = -(-channels // columns)
    fig = plt.figure(figsize=(columns * 0.8 + 1.3, len(maps) * (rows_per_layer * 0.8 + 0.45)))
    left, right = fig.subfigures(1, 2, width_ratios=[1.3, columns * 0.8], wspace=0.0)
    ax = left.subplots()
    _faces_axis(ax, np.squeeze(face), "input face")
    for sub, (layer, values) in zip(np.atleast_1d(right.subfigures(len(maps), 1)), maps.items()):
        order = np.argsort(values.mean(axis=(0, 1)))[::-1][:channels]
        axes = np.atleast_2d(sub.subplots(rows_per_layer, columns))
        for cell, ax in enumerate(axes.ravel()):
            ax.set(xticks=[], yticks=[])
            ax.grid(False)
            if cell >= len(order):
                ax.axis("off")
                continue
            ax.imshow(values[..., order[cell]], cmap="magma", interpolation="nearest")
            ax.set_title(f"#{order[cell]}", fontsize=7, pad=2)
        height, width, depth = values.shape
        sub.suptitle(f"{layer}: {height}x{width}, {depth} channels (most active {len(order)})", fontsize=9)
        sub.subplots_adjust(wspace=0.05, hspace=0.3, top=0.8)
    fig.suptitle("Feature maps of one face", y=1.04)
    return finish(fig, dataset, name)


# --- chapter 5: the baseline CNN ----------------------------------------------


def plot_training_curves(dataset: FaceDataset, history: pd.DataFrame, name: str = "05_training_curves") -> plt.Figure:
    """Loss and accuracy per epoch on the training and validation splits (seed 000's
    Fig. 14-15), with the epoch the checkpointer kept marked.

    ``history`` is a training run's history (one row per epoch, index ``epoch``).
    Training values are averages over each epoch's batches in training mode
    (dropout on); validation values are measured after the epoch in inference mode.
    """
    return plot_learning_curves(dataset, {"baseline CNN": history}, title="Training the baseline CNN", name=name)


# --- chapter 7: evaluation and explanation ------------------------------------

SHORT_NAMES = tuple(name[:2] for name in DISPLAY_NAMES)
"""Two-letter emotions for crowded titles: "Ha>Sa" is a happy face taken for sad."""


def plot_learning_curves(
    dataset: FaceDataset, histories: dict[str, pd.DataFrame], title: str = "Learning curves",
    name: str = "07_learning_curves",
) -> plt.Figure:
    """Loss and accuracy per epoch of one or more training runs, one colour per run:
    training dashed, validation (PublicTest) solid, and a star at the epoch each
    run's checkpointer kept (its lowest validation loss).

    ``histories`` maps a run's name to its history (one row per epoch, index
    ``epoch``), as training runs keep it.
    """
    colours = dict(zip(histories, sns.color_palette("deep", len(histories))))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, metric, panel in zip(axes, ("loss", "accuracy"), ("Cross-entropy loss", "Accuracy")):
        for run, history in histories.items():
            kept, colour = int(history["val_loss"].idxmin()), colours[run]
            ax.plot(history.index, history[metric], linestyle="--", color=colour, alpha=0.7)
            ax.plot(history.index, history[f"val_{metric}"], marker="o", markersize=3, color=colour)
            ax.plot(kept, history.at[kept, f"val_{metric}"], marker="*", markersize=13, color=colour,
                    markeredgecolor="black", linestyle="")
        ax.set(xlabel="epoch", title=panel)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[1].yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    key = matplotlib.lines.Line2D
    handles = [
        key([], [], color=colours[run], linewidth=4, label=f"{run}: kept epoch {int(h['val_loss'].idxmin())}")
        for run, h in histories.items()
    ] + [
        key([], [], color="0.4", linestyle="--", label="train"),
        key([], [], color="0.4", marker="o", markersize=3, label="validation (PublicTest)"),
        key([], [], color="0.4", marker="*", markersize=11, markeredgecolor="black", linestyle="", label="kept epoch"),
    ]
    axes[1].legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_confusion_matrix(
    dataset: FaceDataset, true_labels: np.ndarray, predicted: np.ndarray, normalise: bool = False,
    title: str | None = None, name: str | None = None,
) -> plt.Figure:
    """Confusion matrix, true emotion per row and predicted per column: image
    counts, or with ``normalise`` each row's shares (its diagonal cell is the
    emotion's recall; a row without images stays blank)."""
    table = evaluation.confusion_matrix(true_labels, predicted, normalise=normalise)
    fig, ax = plt.subplots(figsize=(6.2, 5.0))
    sns.heatmap(
        table, annot=True, fmt=".0%" if normalise else "d", cmap="Blues", cbar=False, square=True,
        linewidths=0.5, annot_kws={"fontsize": 8}, ax=ax, vmin=0, vmax=1 if normalise else None,
    )
    ax.set(xlabel="predicted emotion", ylabel="true emotion")
    ax.tick_params(axis="x", labelrotation=45)
    ax.tick_params(axis="y", labelrotation=0)
    default = "share of each true emotion" if normalise else "images"
    ax.set_title(title or f"Confusion matrix ({default}, {len(np.asarray(true_labels)):,} faces)")
    fig.tight_layout()
    return finish(fig, dataset, name or f"07_confusion_{'normalised' if normalise else 'counts'}")


def plot_misclassified(
    dataset: FaceDataset, images: np.ndarray, true_labels: np.ndarray, probabilities: np.ndarray,
    count: int = 24, columns: int = 8, title: str | None = None, name: str = "07_misclassified",
) -> plt.Figure:
    """The model's most confident mistakes (seed 002's Fig. 2.11), most confident
    first, each titled "true>predicted" in two letters ("Ha>Sa") with the
    probability the model gave its wrong answer."""
    faces, true_labels = evaluation.as_faces(images), evaluation.as_labels(true_labels, "true labels")
    if len(faces) != len(true_labels):
        raise ValueError(f"{len(faces)} images but {len(true_labels)} labels")
    chosen = evaluation.confident_mistakes(true_labels, probabilities, count)
    probabilities = np.asarray(probabilities)
    rows = max(1, -(-len(chosen) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.0 + 0.2, rows * 1.2 + 0.6), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), chosen):
        ax.axis("on")
        answer = int(probabilities[i].argmax())
        _faces_axis(ax, faces[i], f"{SHORT_NAMES[true_labels[i]]}>{SHORT_NAMES[answer]} {probabilities[i, answer]:.0%}")
    if not len(chosen):
        axes[0, 0].text(0, 0.5, "no mistakes", transform=axes[0, 0].transAxes)
    fig.suptitle(title or "Most confident mistakes: true>predicted, probability of the prediction", fontsize=10)
    fig.subplots_adjust(wspace=0.08, hspace=0.35, top=1 - 0.45 / (rows * 1.2 + 0.6))
    return finish(fig, dataset, name)


def plot_reliability(
    dataset: FaceDataset, true_labels: np.ndarray, probabilities: np.ndarray, temperature: float | None = None,
    bins: int = 15, name: str = "07_reliability",
) -> plt.Figure:
    """Reliability diagram: accuracy per bin of confidence (the top probability)
    against the diagonal of perfect calibration, the gap to each bin's mean
    confidence in red and the ECE in the title; with ``temperature``, a second
    panel after temperature scaling (fit it on the validation split)."""
    versions = {"as trained": probabilities}
    if temperature is not None:
        versions[f"temperature T = {temperature:.2f}"] = evaluation.scale_temperature(probabilities, temperature)
    fig, axes = plt.subplots(1, len(versions), figsize=(4.2 * len(versions), 4.0), squeeze=False)
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
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_tsne(
    dataset: FaceDataset, embedding: np.ndarray, labels: np.ndarray, title: str | None = None,
    name: str = "07_tsne",
) -> plt.Figure:
    """A t-SNE map of learned features (seed 002's Fig. 2.12), one dot per face,
    coloured by its true emotion. ``embedding`` is ``explain.tsne_embedding``'s
    (n, 2); the axes have no unit, only neighbourhoods mean something."""
    embedding, labels = np.asarray(embedding), evaluation.as_labels(labels)
    if embedding.shape != (len(labels), 2):
        raise ValueError(f"embedding must be shaped ({len(labels)}, 2) for {len(labels)} labels, got {embedding.shape}")
    fig, ax = plt.subplots(figsize=(6.4, 5.2))
    for label in np.unique(labels):
        points = embedding[labels == label]
        emotion = DISPLAY_NAMES[label]
        ax.scatter(points[:, 0], points[:, 1], s=8, alpha=0.7, color=PALETTE[emotion], label=emotion)
    ax.set(xticks=[], yticks=[])
    ax.legend(fontsize=8, markerscale=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title or f"t-SNE of the learned features ({len(labels):,} faces)")
    fig.tight_layout()
    return finish(fig, dataset, name)


def plot_gradcam_grid(
    dataset: FaceDataset, images: np.ndarray, heatmaps: np.ndarray, classes, alpha: float = 0.45,
    title: str | None = None, name: str = "07_gradcam",
) -> plt.Figure:
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
    fig, axes = plt.subplots(2, len(faces), figsize=(1.3 * len(faces) + 0.6, 3.2), squeeze=False)
    for column, (face, heatmap, label) in enumerate(zip(faces, heatmaps, classes)):
        _faces_axis(axes[0, column], face, DISPLAY_NAMES[label])
        _faces_axis(axes[1, column], face)
        axes[1, column].imshow(heatmap, cmap="jet", alpha=alpha, vmin=0, vmax=1, interpolation="bilinear")
    axes[0, 0].set_ylabel("face")
    axes[1, 0].set_ylabel("Grad-CAM")
    fig.suptitle(title or "Where the network looks: Grad-CAM for each face's emotion", fontsize=10)
    fig.subplots_adjust(wspace=0.05, hspace=0.2)
    return finish(fig, dataset, name)


# --- chapter 6: hyperparameter tuning -----------------------------------------


def plot_search_progress(
    dataset: FaceDataset, progress: pd.DataFrame, name: str = "06_search_progress"
) -> plt.Figure:
    """Best validation loss so far after each trial, one line per search (the
    dots are the trials themselves; a failed trial has none).

    ``progress`` is :func:`fer_utils.studies.tuning.search_progress`'s table (columns
    ``search``, ``trial``, ``val_loss``, ``best_so_far``). Lower is better; a
    flat line means the search found nothing better for that many trials.
    """
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    colours = sns.color_palette("colorblind", max(1, progress["search"].nunique()))
    dashes = ("-", "--", "-.", ":")  # some of the palette's colours are close: lines differ in style too
    for i, (colour, (search, rows)) in enumerate(zip(colours, progress.groupby("search", sort=False))):
        ax.step(
            rows["trial"], rows["best_so_far"], where="post", color=colour, linewidth=2,
            linestyle=dashes[i % len(dashes)], label=search,
        )
        ax.scatter(rows["trial"], rows["val_loss"], color=colour, s=14, alpha=0.45)
    ax.set(xlabel="trial", ylabel="validation loss", title="Best validation loss so far, per search")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.legend(fontsize=8, title="search", title_fontsize=8)
    fig.tight_layout()
    return finish(fig, dataset, name)


# --- chapter 8: architectures -------------------------------------------------


def plot_architecture_bubbles(
    dataset: FaceDataset, table: pd.DataFrame, accuracy: str = "PrivateTest accuracy", time: str = "s/epoch",
    floor: float | None = None, title: str | None = None, name: str = "08_architecture_bubbles",
) -> plt.Figure:
    """Accuracy against training time per epoch, one labelled bubble per network whose
    area is proportional to its parameters (seed 002's Fig. 2.7).

    ``table`` is :func:`fer_utils.studies.architectures.comparison_table`'s (one row per
    network, columns ``parameters``, ``time`` and ``accuracy``; a ``seed``
    column colours the bubbles by the seed report the network comes from). The
    time axis is logarithmic, as the networks' epochs differ more than tenfold.
    ``floor`` draws a dashed line at an accuracy to beat, such as always
    answering the most common emotion.
    """
    missing = {"parameters", time, accuracy} - set(table.columns)
    if missing or table.empty:
        raise ValueError(f"need a non-empty table with columns parameters, {time!r} and {accuracy!r}; "
                         f"missing {sorted(missing)}")
    largest = float(table["parameters"].max())

    def area(parameters):
        return np.maximum(1800.0 * np.asarray(parameters, dtype=float) / largest, 18.0)

    seeds = table["seed"].astype(str) if "seed" in table else pd.Series("-", index=table.index)
    colours = dict(zip(sorted(seeds.unique()), sns.color_palette("colorblind", seeds.nunique())))
    fig, ax = plt.subplots(figsize=(8.4, 5.2))
    for seed, rows in table.groupby(seeds, sort=True):
        ax.scatter(rows[time], rows[accuracy], s=area(rows["parameters"]), color=colours[seed], alpha=0.55,
                   edgecolor="black", linewidth=0.6, label="no seed" if seed == "-" else f"seed {seed}")
    if floor is not None:
        ax.axhline(floor, color="0.45", linestyle="--", linewidth=1)
        ax.annotate("most common emotion", (1.0, floor), xycoords=("axes fraction", "data"), xytext=(-4, 3),
                    textcoords="offset points", ha="right", fontsize=7, color="0.35")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.margins(x=0.25, y=0.12)  # room for the labels right of the last bubbles
    ax.set(xlabel=f"training time per epoch, seconds ({time}, log scale)", ylabel=accuracy,
           title=title or f"Accuracy, training time and size of {len(table)} networks")
    colour_key = ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="from",
                           title_fontsize=8)
    for handle in colour_key.legend_handles:  # one size for the colour key: sizes are the other legend's
        handle.set_sizes([40.0])
    ax.add_artist(colour_key)
    references = [value for value in (1e4, 1e5, 1e6, 1e7) if value <= largest * 1.5] or [largest]
    handles = [ax.scatter([], [], s=area(value), color="0.8", edgecolor="black", linewidth=0.6,
                          label=f"{value / 1e6:g}M") for value in references[-3:]]
    ax.legend(handles=handles, fontsize=8, loc="lower left", bbox_to_anchor=(1.01, 0.0), title="parameters",
              title_fontsize=8, labelspacing=1.6, borderpad=1.0)
    fig.tight_layout()  # the axes' final size first: the labels are placed in its pixels
    points = list(zip(table[time], table[accuracy]))
    for network, point, offset in zip(table.index, points, _label_offsets(ax, points, list(table.index))):
        ax.annotate(network, point, xytext=offset, textcoords="offset points", fontsize=7)
    return finish(fig, dataset, name)


def _label_offsets(ax, points, labels, fontsize: float = 7.0) -> list[tuple[float, float]]:
    """Offsets in points for labels written just above-right of ``points`` (data
    coordinates), each moved up a line at a time until it no longer covers a label
    placed before it, lowest point first, so that networks with nearly the same
    time and accuracy stay readable."""
    pixels = ax.transData.transform(np.asarray(points, dtype=float))
    scale = ax.figure.dpi / 72.0  # pixels per point
    width_per_character, line = 0.6 * fontsize * scale, 1.2 * fontsize * scale
    placed, offsets = [], [None] * len(points)
    for i in np.argsort(pixels[:, 1], kind="stable"):
        x, y = pixels[i] + np.array([6.0, 4.0]) * scale
        width = width_per_character * len(labels[i])
        while any(x < right and left < x + width and y < top and bottom < y + line
                  for left, bottom, right, top in placed):
            y += line
        placed.append((x, y, x + width, y + line))
        offsets[i] = ((x - pixels[i][0]) / scale, (y - pixels[i][1]) / scale)
    return offsets


def plot_accuracy_vs_time(
    dataset: FaceDataset, histories: dict[str, pd.DataFrame], budgets: pd.DataFrame | None = None,
    marks=(15, 30, 60, 120), title: str = "Accuracy against training time", name: str = "10_accuracy_vs_time",
) -> plt.Figure:
    """PublicTest accuracy against minutes of training, one line per run, with
    dotted lines at ``marks`` (minutes).

    ``histories`` maps a run's name to its history (one row per epoch with
    ``seconds`` and ``val_accuracy``); each point is an epoch, placed at the
    training time it had used by its end, and a star marks the epoch the
    checkpointer kept. ``budgets`` (:func:`fer_utils.studies.recipes.budget_curve`'s
    table: one run per budget, its schedule fitted to it) adds those runs'
    PublicTest and PrivateTest accuracy at their training minutes.
    """
    if not histories and budgets is None:
        raise ValueError("nothing to draw: give at least one history or a budget table")
    colours = dict(zip(histories, sns.color_palette("deep", max(len(histories), 1))))
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for run, history in histories.items():
        minutes = history["seconds"].cumsum() / 60
        kept = int(history["val_loss"].idxmin())
        ax.plot(minutes, history["val_accuracy"], marker="o", markersize=3, color=colours[run],
                label=f"{run} (PublicTest, per epoch)")
        ax.plot(minutes.loc[kept], history.at[kept, "val_accuracy"], marker="*", markersize=13, linestyle="",
                color=colours[run], markeredgecolor="black")
    if budgets is not None:
        for column, marker in (("PublicTest accuracy", "s"), ("PrivateTest accuracy", "D")):
            ax.plot(budgets["training minutes"], budgets[column], marker=marker, linestyle=":", color="0.25",
                    markersize=6, label=f"one run per budget: {column.split()[0]}")
    for mark in marks:
        ax.axvline(mark, color="0.6", linestyle=":", linewidth=1)
        ax.annotate(f"{mark} min", (mark, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -10),
                    textcoords="offset points", fontsize=7, color="0.4")
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set(xlabel="minutes of training (epochs and validation, cumulative)", ylabel="accuracy", title=title)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return finish(fig, dataset, name)


# --- chapter 9: faces in photos, video and a webcam ---------------------------


class PhotoSource(NamedTuple):
    """What a figure of photos is stamped with in place of a dataset (``finish``
    reads the same two fields): where the pictures came from, and whether they
    were generated rather than photographed (stamped in red, like the demo set)."""

    caption: str
    synthetic: bool = False


def plot_faces(
    source: PhotoSource, picture: np.ndarray, faces: list, title: str | None = None, name: str = "09_faces"
) -> plt.Figure:
    """A photo with a labelled box around each face found: its top emotion and that
    emotion's probability, in the emotion's colour.

    ``faces`` is :func:`fer_utils.faces.reading.predict_faces`'s list for the RGB ``picture``.
    """
    from fer_utils.faces.reading import annotate

    height, width = picture.shape[:2]
    fig, ax = plt.subplots(figsize=(4.8, 4.8 * min(height / width, 1.6) + 0.4))
    ax.imshow(annotate(picture, faces, PALETTE))
    ax.set_axis_off()
    ax.set_title(title or f"{len(faces)} face{'' if len(faces) == 1 else 's'} found")
    fig.tight_layout()
    return finish(fig, source, name)


def plot_face_probabilities(
    source: PhotoSource, faces: list, title: str | None = None, name: str = "09_face_probabilities"
) -> plt.Figure:
    """Each face as the model saw it (grey, at its input size) beside the model's
    seven probabilities for it, numbered left to right as in the photo."""
    rows = max(1, len(faces))
    fig, axes = plt.subplots(rows, 2, figsize=(6.4, 1.7 * rows + 0.5), squeeze=False,
                             gridspec_kw={"width_ratios": [1, 3.4]})
    for number, ((face_ax, bar_ax), face) in enumerate(zip(axes, faces), start=1):
        _faces_axis(face_ax, face.crop, f"face {number}")
        bar_ax.barh(DISPLAY_NAMES, face.probabilities, color=[PALETTE[e] for e in DISPLAY_NAMES])
        for y, p in enumerate(face.probabilities):
            bar_ax.annotate(f"{p:.0%}", (p, y), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
        bar_ax.invert_yaxis()
        bar_ax.set_xlim(0, 1.12)
        bar_ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        bar_ax.tick_params(axis="y", labelsize=8)
    if not faces:
        axes[0, 0].axis("off")
        axes[0, 1].axis("off")
        axes[0, 1].text(0.5, 0.5, "no face found", ha="center", va="center")
    axes[-1, 1].set_xlabel("probability")
    fig.suptitle(title or "What the model reads in each face")
    fig.tight_layout()
    return finish(fig, source, name)


def plot_detections(
    source: PhotoSource, panels: dict, columns: int = 3, title: str | None = None, name: str = "09_detections"
) -> plt.Figure:
    """Face boxes found by a detector, one panel per picture or setting, each titled
    with its count: the effect of the detector's parameters and its failure modes.

    ``panels`` maps a panel's title to ``(picture, boxes)``: an RGB or grey
    picture and the (n, 4) boxes (x, y, width, height) a detector returned for it.
    """
    columns = max(1, min(columns, len(panels)))
    rows = max(1, -(-len(panels) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.7 * columns, 2.8 * rows), squeeze=False)
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    for ax, (label, (picture, boxes)) in zip(axes.ravel(), panels.items()):
        ax.imshow(picture, cmap="gray", vmin=0, vmax=255)
        for x, y, w, h in np.asarray(boxes).reshape(-1, 4):
            ax.add_patch(matplotlib.patches.Rectangle((x, y), w, h, fill=False, edgecolor="tab:orange", linewidth=2))
        ax.set_axis_off()
        count = len(np.asarray(boxes).reshape(-1, 4))
        ax.set_title(f"{label}\n{count} face{'' if count == 1 else 's'}", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish(fig, source, name)


def plot_crops(
    source: PhotoSource, crops: dict, title: str | None = None, name: str = "09_crops"
) -> plt.Figure:
    """Faces as the model sees them, grey and at its input size, one titled panel each.

    ``crops`` maps a panel's title to a grey face (H, W), for example
    :func:`fer_utils.faces.reading.crop_face`'s crops at several margins beside faces
    of the training data.
    """
    fig, axes = plt.subplots(1, len(crops), figsize=(1.25 * len(crops) + 0.4, 1.9), squeeze=False)
    for ax, (label, crop) in zip(axes[0], crops.items()):
        _faces_axis(ax, np.squeeze(crop), label)
    fig.suptitle(title or "Faces as the model sees them", fontsize=10)
    fig.subplots_adjust(wspace=0.08, top=0.75)
    return finish(fig, source, name)


use_style()  # importing the module sets the report's look
