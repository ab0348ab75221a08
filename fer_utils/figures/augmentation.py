"""Chapter 2's figures: the augmentation transforms, flip balancing and the online draws."""

from __future__ import annotations

import matplotlib.patches
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

from fer_utils.augment import transforms
from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import DISPLAY_NAMES, EMOTIONS
from fer_utils.figures.style import PALETTE, _faces_axis, _new_axes, _new_figure, stamp


def plot_transforms(
    dataset: FaceDataset, n_faces: int = 5, seed: int = 0, *, fig: FigureBase | None = None
) -> FigureBase:
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
    fig = _new_figure(fig, (len(faces) * 0.95 + 1.6, len(rows) * 0.95 + 0.5))
    axes = fig.subplots(len(rows), len(faces), squeeze=False, gridspec_kw=dict(
        left=0.27, right=0.99, top=0.915, bottom=0.01, wspace=0.05, hspace=0.05))
    for (title, images), row in zip(rows, axes):
        for ax, image in zip(row, images):
            _faces_axis(ax, image)
        row[0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=9)
    for ax, label in zip(axes[0], train.labels[chosen]):
        ax.set_title(DISPLAY_NAMES[label], fontsize=8)
    fig.suptitle("Seed 000's augmentation transforms\n(strengths exaggerated to be visible)")
    return stamp(fig, dataset)


def plot_flip_balance(before: FaceDataset, after: FaceDataset, *, ax: Axes | None = None) -> FigureBase:
    """Training images per emotion before and after balancing, bars side by side."""
    table = transforms.balancing_table(before, after).drop(index="total")
    x = np.arange(len(table))
    width = 0.4
    ax = _new_axes(ax, (8, 3.6))
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
    return stamp(ax.figure, after)


def plot_augmentation_draws(
    dataset: FaceDataset, online: transforms.OnlineAugmentation, n_draws: int = 8, n_faces: int = 3,
    seed: int = 0, *, fig: FigureBase | None = None,
) -> FigureBase:
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
    fig = _new_figure(fig, (width, height))
    axes = fig.subplots(len(faces), n_draws + 1, squeeze=False, gridspec_kw=dict(
        left=left / width, right=1, bottom=0, top=1 - top / height, wspace=0.06, hspace=0.06))
    for i, (face, face_draws, row) in enumerate(zip(faces, draws, axes)):
        _faces_axis(row[0], face, "original" if i == 0 else None, fontweight="bold")
        row[0].set_ylabel(DISPLAY_NAMES[train.labels[chosen[i]]], rotation=0, ha="right", va="center")
        for k, (ax, image) in enumerate(zip(row[1:], face_draws), start=1):
            _faces_axis(ax, image, f"draw {k}" if i == 0 else None)
    settings = "; ".join(f"{t.lower()} {r}" for t, r in online.table()["range"].items())
    fig.suptitle(f"Random draws of the online augmentation\n{settings}", fontsize=10)
    return stamp(fig, dataset)


def plot_augmentation_strengths(
    dataset: FaceDataset, emotion: str = "happy", flip: bool = True, rotation: float = 9.0,
    translation: float = 0.1, zoom: float = 0.1, crop_padding: int = 0, erasing: float = 0.0,
    draws: int = 6, seed: int = 0, *, fig: FigureBase | None = None,
) -> FigureBase:
    """One training face of ``emotion`` under each online augmentation alone, at the
    strength given (one row each), and under all of them together (the last row);
    the face itself first, then ``draws`` random draws of the Keras layers.

    The strengths are those of :class:`~fer_utils.augment.transforms.OnlineAugmentation`,
    except ``rotation``, which is in degrees here. A transform at strength 0 (or
    ``flip=False``) leaves its row unchanged. Chapter 2's interactive cell redraws
    this figure as the sliders move. The face is the first training face of the
    emotion that is not blank (pixel standard deviation of at least 5 grey levels).
    """
    train = dataset.split("train")
    members = np.flatnonzero(train.labels == EMOTIONS.index(emotion))
    usable = [i for i in members if train.images[i].std() >= 5.0] or list(members) or [0]
    face = train.images[usable[0]]
    none = dict(flip=False, rotation=0.0, translation=0.0, zoom=0.0)
    alone = [
        ("flip" if flip else "flip off", dict(flip=flip)),
        (f"rotation ±{rotation:g}°", dict(rotation=float(np.deg2rad(rotation)))),
        (f"translation ±{translation:g}", dict(translation=translation)),
        (f"zoom ±{zoom:g}", dict(zoom=zoom)),
        (f"padded crop {crop_padding} px", dict(crop_padding=int(crop_padding))),
        (f"erasing p={erasing:g}", dict(erasing=erasing)),
    ]
    together = {key: value for _, change in alone for key, value in change.items()}
    rows = [(title, transforms.OnlineAugmentation(**{**none, **change})) for title, change in alone]
    rows.append(("all together", transforms.OnlineAugmentation(**together)))
    batch = np.repeat(face[None, ..., None], draws, axis=0).astype("float32")
    cell, left, top = 0.9, 1.5, 0.7  # inches: one face, row labels, titles
    width, height = (draws + 1) * cell + left, len(rows) * cell + top
    fig = _new_figure(fig, (width, height))
    axes = fig.subplots(len(rows), draws + 1, squeeze=False, gridspec_kw=dict(
        left=left / width, right=1, bottom=0, top=1 - top / height, wspace=0.06, hspace=0.06))
    for i, ((title, online), row) in enumerate(zip(rows, axes)):
        images = np.clip(np.asarray(online.layers(seed)(batch, training=True))[..., 0], 0, 255)
        _faces_axis(row[0], face, "face" if i == 0 else None, fontweight="bold")
        row[0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=9)
        for k, (ax, image) in enumerate(zip(row[1:], images), start=1):
            _faces_axis(ax, image, f"draw {k}" if i == 0 else None)
    fig.suptitle(f"Each augmentation alone, then all together, on one {DISPLAY_NAMES[EMOTIONS.index(emotion)].lower()} "
                 "face", fontsize=10)
    return stamp(fig, dataset)
