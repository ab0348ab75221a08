"""The one look of every figure and captioned table, and the one place figures are saved.

A plot function draws where it is told (its ``ax``, or its ``fig`` for a figure
of several panels; a new figure when None) and stamps the figure with the data
it was drawn from (:func:`stamp`), so that a figure of the synthetic demo set is
never taken for a result. Writing it to ``figures/`` is a separate step
(:func:`save_figure`), so that drawing a figure never touches the disk.
Importing this module sets the look (:func:`use_style`).
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase
from pandas.io.formats.style import Styler

from fer_utils.config import figures_dir
from fer_utils.data.labels import EMOTION_COLOURS

PALETTE = EMOTION_COLOURS
"""One colour per emotion, the same in every figure."""
SPLIT_TITLES = {
    "train": "train (Training)",
    "validation": "validation (PublicTest)",
    "test": "test (PrivateTest)",
}
DPI = 110
STAMP_ID = "data-source"
"""The stamp's artist id: stamping a figure again replaces its stamp."""


def use_style() -> None:
    """The report's look: seaborn's white grid, readable fonts, compact figures."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)
    matplotlib.rcParams.update({"figure.dpi": DPI, "savefig.dpi": DPI, "savefig.bbox": "tight"})


def photos_as_jpeg() -> None:
    """Show this notebook's figures as JPEG instead of PNG: for a chapter full of
    photographs, whose PNGs are several times larger, so the committed chapter
    stays small. Saved figures (:func:`save_figure`) stay PNG."""
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats("jpeg")


def stamp(fig: FigureBase, source) -> FigureBase:
    """Name the data ``fig`` was drawn from below its bottom right, in bold red
    when it is synthetic. ``source`` is a dataset, or anything else with a
    ``caption`` and a ``synthetic`` flag (such as :class:`~fer_utils.figures.faces.PhotoSource`)."""
    for old in [text for text in fig.texts if text.get_gid() == STAMP_ID]:
        old.remove()
    fig.text(
        0.99, 0.0, f"data: {source.caption}", gid=STAMP_ID,
        ha="right", va="top", fontsize=8,
        color="tab:red" if source.synthetic else "0.4",
        fontweight="bold" if source.synthetic else "normal",
    )
    return fig


def save_figure(fig: FigureBase, name: str, dataset=None) -> None:
    """Write ``fig`` as ``<figures_dir>/<name>.png`` (:func:`fer_utils.config.figures_dir`),
    stamped with ``dataset`` first when given (for a figure drawn without a plot
    function). It returns nothing, so that a cell ending with it shows the figure once."""
    if dataset is not None:
        stamp(fig, dataset)
    fig.get_figure(root=True).savefig(figures_dir() / f"{name}.png")


class Table(Styler):
    """A styled table whose text form is the table as displayed, not Styler's
    ``<Styler at 0x...>``: the text is what a terminal, a plain-text notebook
    viewer and a diff of a committed chapter show. The HTML (notebooks, the
    book) is Styler's own. Every Styler method that returns the styler keeps
    this class, so ``captioned(...).format(...)`` still prints as a table."""

    _SEPARATOR = "\x1f"
    """Splits Styler's text export into cells (a character no table holds)."""

    def __repr__(self) -> str:
        text = self.to_string(delimiter=self._SEPARATOR, sparse_index=False, sparse_columns=False)
        rows = [line.split(self._SEPARATOR) for line in text.splitlines()]
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        labels = width - (len(self.columns) - len(self.hidden_columns))  # index columns, aligned left
        sizes = [max(len(row[i]) for row in rows) for i in range(width)]
        lines = ["  ".join(cell.ljust(size) if i < labels else cell.rjust(size)
                           for i, (cell, size) in enumerate(zip(row, sizes))).rstrip() for row in rows]
        return "\n".join(([self.caption] if self.caption else []) + lines)


def styled(table: pd.DataFrame, caption: str | None = None, precision: int = 1,
           formats: dict[str, str] | str | None = None) -> Table:
    """``table`` for display: numbers with ``precision`` decimals and thousands
    separators, missing values as "-", and ``formats`` (a format string such as
    ``"{:.0f}"`` per column, or one for every column) where a column needs
    another format (seconds as whole numbers, changes with their sign)."""
    shown = Table(table).format(precision=precision, thousands=",", na_rep="-")
    if isinstance(formats, str):
        shown = shown.format(formats, na_rep="-")
    else:
        for column, pattern in (formats or {}).items():
            if column not in table.columns:
                raise KeyError(f"no column {column!r} to format; the table has {list(table.columns)}")
            shown = shown.format(pattern, subset=pd.IndexSlice[:, [column]], na_rep="-")
    return shown.set_caption(caption) if caption else shown


def captioned(table: pd.DataFrame, dataset, title: str, precision: int = 1,
              formats: dict[str, str] | str | None = None) -> Table:
    """A table for display (:func:`styled`) with a caption naming its data source;
    ``precision`` decimals (3 for scores between 0 and 1, such as accuracy or F1)."""
    return styled(table, f"{title} (data: {dataset.caption})", precision, formats)


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, else the axes of a new figure of ``figsize`` laid out tight when
    drawn (the caller's axes keep the caller's layout)."""
    return plt.figure(figsize=figsize, layout="tight").subplots() if ax is None else ax


def _new_figure(fig: FigureBase | None, figsize: tuple[float, float], layout: str | None = None) -> FigureBase:
    """``fig`` (a Figure or SubFigure) to draw the panels in, else a new figure
    of ``figsize`` with ``layout`` (the caller's figure keeps the caller's layout)."""
    return plt.figure(figsize=figsize, layout=layout) if fig is None else fig


def _faces_axis(ax: Axes, image, title=None, **title_options) -> None:
    """A grey face at its pixels, without ticks or grid."""
    ax.imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title is not None:
        ax.set_title(title, fontsize=8, **title_options)


use_style()
