"""Small datasets and image files that the tests build themselves."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from fer_utils.data.dataset import FaceDataset

FER2013_TRAIN_COUNTS = [3995, 436, 4097, 7215, 4830, 3171, 4965]
"""Training images per emotion of the real FER-2013 (its README), an independent oracle."""
FER2013_TEST_COUNTS = [958, 111, 1024, 1774, 1247, 831, 1233]
"""PublicTest + PrivateTest images per emotion of the real FER-2013."""


def tiny_faces(n: int, seed: int = 0, size: int = 48) -> np.ndarray:
    """Distinct random uint8 images (noise with a gradient, so they survive JPEG)."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 120, size, dtype=np.float32)
    base = ramp[None, :, None] + ramp[None, None, :]
    return np.clip(base + rng.integers(0, 100, (n, size, size)), 0, 255).astype(np.uint8)


def make_dataset(labels, splits, seed: int = 0) -> FaceDataset:
    labels = np.asarray(labels, dtype=np.int64)
    return FaceDataset(
        images=tiny_faces(len(labels), seed),
        labels=labels,
        splits=np.asarray(splits, dtype="<U10"),
        sources=np.array([f"made:{i}" for i in range(len(labels))]),
        name="test set",
    )


def write_image(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), image):
        raise OSError(f"could not write {path}")
    return path
