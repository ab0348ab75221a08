"""Chapter 5's figures: how a training run went, epoch by epoch (chapters 7 and 8 reuse them)."""

from __future__ import annotations

import matplotlib.lines
import matplotlib.ticker
import pandas as pd
import seaborn as sns
from matplotlib.figure import FigureBase

from fer_utils.data.dataset import FaceDataset
from fer_utils.figures.style import _new_figure, stamp


def plot_learning_curves(
    dataset: FaceDataset, histories: dict[str, pd.DataFrame], title: str = "Learning curves", *,
    fig: FigureBase | None = None,
) -> FigureBase:
    """Loss and accuracy per epoch of one or more training runs, one colour per run:
    training dashed, validation (PublicTest) solid, and a star at the epoch each
    run's checkpointer kept (its lowest validation loss).

    ``histories`` maps a run's name to its history (one row per epoch, index
    ``epoch``), as training runs keep it.
    """
    colours = dict(zip(histories, sns.color_palette("deep", len(histories))))
    fig = _new_figure(fig, (10, 3.6), layout="tight")
    axes = fig.subplots(1, 2)
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
    return stamp(fig, dataset)


def plot_training_curves(
    dataset: FaceDataset, history: pd.DataFrame, *, fig: FigureBase | None = None
) -> FigureBase:
    """Loss and accuracy per epoch on the training and validation splits (seed 000's
    Fig. 14-15), with the epoch the checkpointer kept marked.

    ``history`` is a training run's history (one row per epoch, index ``epoch``).
    Training values are averages over each epoch's batches in training mode
    (dropout on); validation values are measured after the epoch in inference mode.
    """
    return plot_learning_curves(dataset, {"baseline CNN": history}, title="Training the baseline CNN", fig=fig)
