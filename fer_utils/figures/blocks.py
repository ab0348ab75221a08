"""Chapter 4's figures: a convolutional block taken apart, one step per panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import FigureBase

from fer_utils.data.dataset import FaceDataset
from fer_utils.figures.style import _faces_axis, _new_figure, stamp
from fer_utils.nets import blocks


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
    keras_output: np.ndarray, *, fig: FigureBase | None = None,
) -> FigureBase:
    """One face, a kernel, and the convolution computed by hand (NumPy, formula 1)
    and by Keras' Conv2D with the same weights, with their difference."""
    numpy_output, keras_output = np.squeeze(numpy_output), np.squeeze(keras_output)
    difference = np.abs(numpy_output - keras_output)
    limit = float(np.max(np.abs(numpy_output))) or 1.0
    fig = _new_figure(fig, (11, 2.7), layout="tight")
    axes = fig.subplots(1, 5)
    _faces_axis(axes[0], np.squeeze(face), f"face {np.squeeze(face).shape[0]}x{np.squeeze(face).shape[1]}")
    _kernel_axis(axes[1], kernel, f"kernel {np.shape(kernel)[0]}x{np.shape(kernel)[1]}")
    _signed_axis(axes[2], numpy_output, "NumPy conv2d (formula 1)", limit)
    _signed_axis(axes[3], keras_output, "keras Conv2D, same weights", limit)
    axes[4].imshow(difference, cmap="gray_r", interpolation="nearest")
    axes[4].set(xticks=[], yticks=[])
    axes[4].grid(False)
    axes[4].set_title(f"|difference|, max {difference.max():.1e}", fontsize=8)
    fig.suptitle("A convolution by hand and by Keras (red: positive response, blue: negative)")
    return stamp(fig, dataset)


def plot_block_steps(
    dataset: FaceDataset, face: np.ndarray, kernel: np.ndarray, *, fig: FigureBase | None = None
) -> FigureBase:
    """One face through one convolutional block, step by step: convolution
    ('same' padding), ReLU, 2x2 max-pooling, each computed by ``blocks``."""
    x = np.asarray(face, dtype=np.float64).reshape(1, *np.shape(face)[:2], 1) / 255
    kernel4 = np.asarray(kernel, dtype=np.float64).reshape(*np.shape(kernel)[:2], 1, 1)
    convolved = blocks.conv2d(x, kernel4, padding="same")
    rectified = blocks.relu(convolved)
    pooled = blocks.max_pool2d(rectified, 2)
    limit = float(np.max(np.abs(convolved))) or 1.0
    fig = _new_figure(fig, (11, 2.7), layout="tight")
    axes = fig.subplots(1, 5)
    _faces_axis(axes[0], np.squeeze(face), "face")
    _kernel_axis(axes[1], np.asarray(kernel).reshape(kernel4.shape[:2]))
    steps = (("convolution", convolved), ("ReLU: max(0, x)", rectified), ("max-pool 2x2, stride 2", pooled))
    for ax, (title, values) in zip(axes[2:], steps):
        values = values[0, ..., 0]
        _signed_axis(ax, values, f"{title}\n{values.shape[0]}x{values.shape[1]}", limit)
    fig.suptitle("One block, step by step (pixels scaled to 0-1)")
    return stamp(fig, dataset)


def plot_stride_padding(
    dataset: FaceDataset, face: np.ndarray, kernel: np.ndarray, strides=(1, 2), *,
    fig: FigureBase | None = None,
) -> FigureBase:
    """The same face and kernel with each stride and padding; every panel is drawn
    at its true size against the input, and titled with the output-size formula."""
    x = np.asarray(face, dtype=np.float64).reshape(1, *np.shape(face)[:2], 1) / 255
    kernel4 = np.asarray(kernel, dtype=np.float64).reshape(*np.shape(kernel)[:2], 1, 1)
    n, k = x.shape[1], kernel4.shape[0]
    fig = _new_figure(fig, (6.2, 3.1 * len(strides)), layout="tight")
    axes = fig.subplots(len(strides), 2, squeeze=False)
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
    return stamp(fig, dataset)


def plot_batch_norm_modes(
    dataset: FaceDataset, trace: pd.DataFrame, momentum: float = 0.99, *, fig: FigureBase | None = None
) -> FigureBase:
    """Mean and standard deviation of batch norm's output per training step, in
    training mode (batch statistics) and inference mode (moving averages), from
    ``blocks.batch_norm_trace``. A dotted line marks 1 / (1 - momentum) steps."""
    fig = _new_figure(fig, (10, 3.3), layout="tight")
    axes = fig.subplots(1, 2)
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
    return stamp(fig, dataset)


def plot_feature_maps(
    dataset: FaceDataset, face: np.ndarray, maps: dict[str, np.ndarray], channels: int = 16,
    columns: int = 8, *, fig: FigureBase | None = None,
) -> FigureBase:
    """The face and, for each layer in ``maps`` (what ``blocks.feature_maps``
    returns), its ``channels`` most active channels, strongest first, each on its
    own colour scale (bright = strong response)."""
    rows_per_layer = -(-channels // columns)
    fig = _new_figure(fig, (columns * 0.8 + 1.3, len(maps) * (rows_per_layer * 0.8 + 0.45)))
    left, right = fig.subfigures(1, 2, width_ratios=[1.3, columns * 0.8], wspace=0.0)
    ax = left.subplots()
    _faces_axis(ax, np.squeeze(face), "input face")
    for sub, (layer, values) in zip(np.atleast_1d(right.subfigures(len(maps), 1)), maps.items()):
        order = np.argsort(values.mean(axis=(0, 1)))[::-1][:channels]
        axes = np.atleast_2d(sub.subplots(rows_per_layer, columns, gridspec_kw=dict(wspace=0.05, hspace=0.3, top=0.8)))
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
    fig.suptitle("Feature maps of one face", y=1.04)
    return stamp(fig, dataset)
