"""Chapter 10's figure, what a training recipe reaches within a time budget, and its ablation table."""

from __future__ import annotations

import matplotlib.ticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

from fer_utils.data.dataset import FaceDataset
from fer_utils.figures.style import Table, _new_axes, captioned, stamp
from fer_utils.studies.recipes import CHANGE_COLUMNS


def plot_accuracy_vs_time(
    dataset: FaceDataset, histories: dict[str, pd.DataFrame], budgets: pd.DataFrame | None = None,
    marks=(15, 30, 60, 120), title: str = "Accuracy against training time", *, ax: Axes | None = None,
) -> FigureBase:
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
    ax = _new_axes(ax, (8, 4.2))
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
    return stamp(ax.figure, dataset)


def styled_ablation(table: pd.DataFrame, dataset: FaceDataset, title: str) -> Table:
    """An ablation table (:func:`fer_utils.studies.recipes.ablation`) for display:
    accuracies with three decimals, each change in points with its sign and one
    decimal, the way :func:`~fer_utils.studies.recipes.ablation_findings` words
    it, so that the table and the sentences under it show the same numbers."""
    changes = [column for column in CHANGE_COLUMNS.values() if column in table.columns]
    if not changes:
        raise ValueError(f"not an ablation table: none of the columns {list(CHANGE_COLUMNS.values())}")
    return captioned(table, dataset, title, precision=3, formats={column: "{:+.1f}" for column in changes})
