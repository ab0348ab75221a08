"""Chapter 8's figure: accuracy, training time and size of every network, at a glance."""

from __future__ import annotations

import matplotlib.ticker
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

from fer_utils.data.dataset import FaceDataset
from fer_utils.figures.style import _new_axes, stamp


def plot_architecture_bubbles(
    dataset: FaceDataset, table: pd.DataFrame, accuracy: str = "PrivateTest accuracy", time: str = "s/epoch",
    floor: float | None = None, title: str | None = None, *, ax: Axes | None = None,
) -> FigureBase:
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
    ax = _new_axes(ax, (8.4, 5.2))
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
    ax.get_figure(root=True).draw_without_rendering()  # the axes' final size first: labels are placed in its pixels
    points = list(zip(table[time], table[accuracy]))
    for network, point, offset in zip(table.index, points, _label_offsets(ax, points, list(table.index))):
        # out of the layout, which would otherwise shrink the axes under labels placed for its current size
        ax.annotate(network, point, xytext=offset, textcoords="offset points", fontsize=7, in_layout=False)
    return stamp(ax.figure, dataset)


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
