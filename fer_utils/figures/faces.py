"""Chapter 9's figures: faces found in photos and videos, and what the model reads in them."""

from __future__ import annotations

from typing import NamedTuple

import matplotlib.patches
import matplotlib.ticker
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

from fer_utils.data.labels import DISPLAY_NAMES, EMOTIONS
from fer_utils.faces.reading import annotate
from fer_utils.figures.style import PALETTE, _faces_axis, _new_axes, _new_figure, stamp


class PhotoSource(NamedTuple):
    """What a figure or table of photos names as its data in place of a dataset
    (:func:`~fer_utils.figures.style.stamp` reads the same two fields): where the
    pictures came from, and whether they were generated rather than photographed
    (stamped in red, like the demo set)."""

    caption: str
    synthetic: bool = False


def plot_faces(
    source: PhotoSource, picture: np.ndarray, faces: list, title: str | None = None, *, ax: Axes | None = None
) -> FigureBase:
    """A photo with a labelled box around each face found: its top emotion and that
    emotion's probability, in the emotion's colour.

    ``faces`` is :func:`fer_utils.faces.reading.predict_faces`'s list for the RGB ``picture``.
    """
    height, width = picture.shape[:2]
    ax = _new_axes(ax, (4.8, 4.8 * min(height / width, 1.6) + 0.4))
    ax.imshow(annotate(picture, faces, PALETTE))
    ax.set_axis_off()
    ax.set_title(title or f"{len(faces)} face{'' if len(faces) == 1 else 's'} found")
    return stamp(ax.figure, source)


def plot_face_probabilities(
    source: PhotoSource, faces: list, title: str | None = None, *, fig: FigureBase | None = None
) -> FigureBase:
    """Each face as the model saw it (grey, at its input size) beside the model's
    seven probabilities for it, numbered left to right as in the photo."""
    rows = max(1, len(faces))
    fig = _new_figure(fig, (6.4, 1.7 * rows + 0.5), layout="tight")
    axes = fig.subplots(rows, 2, squeeze=False, gridspec_kw={"width_ratios": [1, 3.4]})
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
    return stamp(fig, source)


def plot_detections(
    source: PhotoSource, panels: dict, columns: int = 3, title: str | None = None, *,
    fig: FigureBase | None = None,
) -> FigureBase:
    """Face boxes found by a detector, one panel per picture or setting, each titled
    with its count: the effect of the detector's parameters and its failure modes.

    ``panels`` maps a panel's title to ``(picture, boxes)``: an RGB or grey
    picture and the (n, 4) boxes (x, y, width, height) a detector returned for it.
    """
    columns = max(1, min(columns, len(panels)))
    rows = max(1, -(-len(panels) // columns))
    fig = _new_figure(fig, (2.7 * columns, 2.8 * rows), layout="tight")
    axes = fig.subplots(rows, columns, squeeze=False)
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
    return stamp(fig, source)


def plot_crops(
    source: PhotoSource, crops: dict, title: str | None = None, *, fig: FigureBase | None = None
) -> FigureBase:
    """Faces as the model sees them, grey and at its input size, one titled panel each.

    ``crops`` maps a panel's title to a grey face (H, W), for example
    :func:`fer_utils.faces.reading.crop_face`'s crops at several margins beside faces
    of the training data.
    """
    fig = _new_figure(fig, (1.25 * len(crops) + 0.4, 1.9))
    axes = fig.subplots(1, len(crops), squeeze=False, gridspec_kw=dict(wspace=0.08, top=0.75))
    for ax, (label, crop) in zip(axes[0], crops.items()):
        _faces_axis(ax, np.squeeze(crop), label)
    fig.suptitle(title or "Faces as the model sees them", fontsize=10)
    return stamp(fig, source)


def plot_video_emotions(
    source: PhotoSource, table, tracks: int = 3, title: str | None = None, *, fig: FigureBase | None = None
) -> FigureBase:
    """A video's emotions over time: one panel per tracked face (the ``tracks``
    longest tracks), the seven probabilities against the time in seconds, each in
    its emotion's colour.

    ``table`` is :func:`fer_utils.faces.video.video_table`'s table (one row per face and frame).
    """
    counts = table["track"].value_counts()
    chosen = sorted(counts.index[:tracks]) if len(counts) else []
    rows = max(1, len(chosen))
    fig = _new_figure(fig, (7.2, 1.9 * rows + 0.6), layout="tight")
    axes = fig.subplots(rows, 1, squeeze=False, sharex=True)[:, 0]
    for ax, track in zip(axes, chosen):
        rows_of_track = table[table["track"] == track].sort_values("time")
        for emotion, name in zip(EMOTIONS, DISPLAY_NAMES):
            ax.plot(rows_of_track["time"], rows_of_track[emotion], color=PALETTE[name], label=name, linewidth=1.5)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_ylabel("probability")
        top = rows_of_track["emotion"].mode()
        ax.set_title(f"face {track}: {len(rows_of_track)} frames, mostly {top.iat[0] if len(top) else '-'}",
                     fontsize=9)
    if not chosen:
        axes[0].text(0.5, 0.5, "no face found", ha="center", va="center", transform=axes[0].transAxes)
    if chosen:
        axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axes[-1].set_xlabel("time (s)")
    fig.suptitle(title or "Emotions over time, per tracked face")
    return stamp(fig, source)
