"""Chapter 3's figures: the class weights and which emotions each imbalance remedy finds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

from fer_utils.data.dataset import FaceDataset
from fer_utils.figures.style import PALETTE, _new_axes, stamp


def plot_class_weights(dataset: FaceDataset, table: pd.DataFrame, *, ax: Axes | None = None) -> FigureBase:
    """Balanced class weight per emotion, one group of bars per labelling.

    ``table`` is what ``imbalance.class_weight_table`` returns, for example the
    raw training labels next to the flip-balanced ones. The dashed line at 1 is
    the weight of a class of average size; bars above it are the classes the
    loss is told to take more seriously.
    """
    weights = table.xs("weight", axis=1, level=1)
    width = 0.8 / len(weights.index)
    ax = _new_axes(ax, (2.6 + 3.2 * len(weights.columns), 3.6))
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
    return stamp(ax.figure, dataset)


def plot_recall_by_strategy(dataset: FaceDataset, recall: pd.DataFrame, *, ax: Axes | None = None) -> FigureBase:
    """Validation recall per emotion for each way of handling the imbalance.

    ``recall`` has emotions as rows and strategies as columns, as
    :func:`fer_utils.studies.imbalance_experiment.recall_by_strategy` returns it.
    """
    ax = _new_axes(ax, (9, 3.6))
    recall.plot.bar(ax=ax, width=0.8, color=sns.color_palette("deep", len(recall.columns)))
    ax.set(ylabel="recall on validation", xlabel="", ylim=(0, 1))
    ax.tick_params(axis="x", labelrotation=0)
    ax.legend(title="strategy", fontsize=8)
    ax.set_title("Which emotions each strategy finds")
    return stamp(ax.figure, dataset)
