"""Chapter 6's figure: how each hyperparameter search converged, trial by trial."""

from __future__ import annotations

import matplotlib.ticker
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

from fer_utils.data.dataset import FaceDataset
from fer_utils.figures.style import _new_axes, stamp


def plot_search_progress(dataset: FaceDataset, progress: pd.DataFrame, *, ax: Axes | None = None) -> FigureBase:
    """Best validation loss so far after each trial, one line per search (the
    dots are the trials themselves; a failed trial has none).

    ``progress`` is :func:`fer_utils.studies.tuning.search_progress`'s table (columns
    ``search``, ``trial``, ``val_loss``, ``best_so_far``). Lower is better; a
    flat line means the search found nothing better for that many trials.
    """
    ax = _new_axes(ax, (7.5, 3.8))
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
    return stamp(ax.figure, dataset)
