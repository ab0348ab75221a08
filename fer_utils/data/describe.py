"""Descriptive statistics of a dataset: class shares, pixel intensities, mean faces."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import DISPLAY_NAMES, NUM_CLASSES


def class_shares(dataset: FaceDataset) -> pd.DataFrame:
    """Percentage of each emotion within each split: the imbalance at a glance."""
    counts = dataset.counts().drop(columns="total")
    return (100 * counts.div(counts.sum(axis=1), axis=0)).round(1)


def pixel_statistics(dataset: FaceDataset) -> pd.DataFrame:
    """Per emotion: how bright and how contrasted the faces are, on the 0-255 scale.

    Brightness is an image's mean pixel, contrast its standard deviation; the
    table gives their average over the images of each emotion, and the overall
    row the same over all images.
    """
    images = dataset.images.reshape(len(dataset), -1).astype(np.float32)
    brightness = images.mean(axis=1)
    contrast = images.std(axis=1)
    rows = []
    for label in range(NUM_CLASSES):
        member = dataset.labels == label
        rows.append(_intensity_row(DISPLAY_NAMES[label], member, brightness, contrast, images))
    rows.append(_intensity_row("all", np.ones(len(dataset), bool), brightness, contrast, images))
    return pd.DataFrame(rows).set_index("emotion").round(1)


def _intensity_row(name, member, brightness, contrast, images) -> dict:
    if not member.any():
        return {"emotion": name, "images": 0}
    return {
        "emotion": name,
        "images": int(member.sum()),
        "mean brightness": brightness[member].mean(),
        "sd of brightness": brightness[member].std(),
        "median brightness": np.median(brightness[member]),
        "mean contrast": contrast[member].mean(),
    }


def mean_faces(dataset: FaceDataset, standardize: bool = False) -> np.ndarray:
    """The average image of each emotion, shape (7, H, W); NaN for an absent emotion.

    Averaging thousands of roughly aligned faces leaves what they share: the
    mean face of 'happy' shows a wide mouth, of 'surprise' an open one. With
    ``standardize`` each image is first shifted and scaled to mean 0 and
    standard deviation 1, so that the averages compare shapes, not lighting.
    """
    images = dataset.images.astype(np.float32)
    if standardize:
        axes = tuple(range(1, images.ndim))
        images -= images.mean(axis=axes, keepdims=True)
        images /= np.maximum(images.std(axis=axes, keepdims=True), 1.0)
    faces = np.full((NUM_CLASSES, *images.shape[1:]), np.nan, dtype=np.float32)
    for label in range(NUM_CLASSES):
        member = dataset.labels == label
        if member.any():
            faces[label] = images[member].mean(axis=0, dtype=np.float64)
    return faces


FACE_REGIONS = ("upper third (eyes, brows)", "middle third (nose, cheeks)", "lower third (mouth, chin)")
"""The three horizontal bands :func:`mean_face_differences` compares, top to bottom."""


def mean_face_differences(dataset: FaceDataset) -> pd.DataFrame:
    """Where each emotion's mean face differs most from the mean of all emotions.

    The faces are first standardized (each image to mean 0 and standard deviation
    1, as :func:`mean_faces` does with ``standardize``), so lighting does not count;
    each emotion's mean is compared with the unweighted mean of the seven means, as
    the second row of chapter 1's mean-face figure shows it. One row per emotion
    present: the mean absolute difference (in standard deviations of a pixel) in
    each third of the image (:data:`FACE_REGIONS`), and the third where it is largest.
    """
    shapes = mean_faces(dataset, standardize=True)
    differences = np.abs(shapes - np.nanmean(shapes, axis=0))
    bands = np.array_split(np.arange(differences.shape[1]), len(FACE_REGIONS))
    rows = {}
    for label in range(NUM_CLASSES):
        if np.isnan(differences[label]).all():
            continue
        rows[DISPLAY_NAMES[label]] = {region: float(differences[label][band].mean())
                                      for region, band in zip(FACE_REGIONS, bands)}
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("emotion")
    table["largest in"] = table[list(FACE_REGIONS)].idxmax(axis=1)
    return table
