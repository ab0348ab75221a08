"""The in-memory form every loader returns, and the evaluation protocol.

A :class:`FaceDataset` holds all samples of one source together with the split
each sample belongs to. Keeping the split per sample (instead of three separate
arrays) lets the audit look across splits, for example for train/test leakage.
"""

from __future__ import annotations

import hashlib

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from fer_utils.data.labels import DISPLAY_NAMES, EMOTIONS, NUM_CLASSES

SPLITS = ("train", "validation", "test")
"""The protocol: fit on train, select models on validation, report on test."""

USAGE_TO_SPLIT = {"Training": "train", "PublicTest": "validation", "PrivateTest": "test"}
"""FER-2013's ``Usage`` values (CSV column and file-name prefixes) to protocol splits."""

SPLIT_TO_USAGE = {split: usage for usage, split in USAGE_TO_SPLIT.items()}

SYNTHETIC_TAG = "synthetic demo data"
"""Shown on every figure and table made from the generated demo set."""


@dataclass(frozen=True)
class FaceDataset:
    """Face images with one integer label, split and source reference per sample.

    ``images`` is uint8, shape (N, 48, 48) for grayscale or (N, H, W, 3) when a
    loader keeps colour. ``sources`` names where each sample came from (a file
    path relative to the dataset root, or ``file.csv:row``), so errors and
    audit findings can point back to the original data.
    """

    images: np.ndarray
    labels: np.ndarray
    splits: np.ndarray
    sources: np.ndarray
    name: str
    origin: str = ""
    synthetic: bool = False

    def __post_init__(self):
        n = len(self.images)
        for field in ("labels", "splits", "sources"):
            if len(getattr(self, field)) != n:
                raise ValueError(
                    f"{self.name}: {field} has {len(getattr(self, field))} entries "
                    f"for {n} images"
                )
        if self.images.dtype != np.uint8:
            raise ValueError(f"{self.name}: images must be uint8, got {self.images.dtype}")
        unknown = set(np.unique(self.splits)) - set(SPLITS)
        if unknown:
            raise ValueError(f"{self.name}: unknown split names {sorted(unknown)}")
        if n and (self.labels.min() < 0 or self.labels.max() >= NUM_CLASSES):
            raise ValueError(f"{self.name}: labels must lie in 0..{NUM_CLASSES - 1}")

    def __len__(self) -> int:
        return len(self.images)

    @property
    def caption(self) -> str:
        """What figures and tables name as their data: the tag for synthetic data."""
        return f"{self.name} ({SYNTHETIC_TAG})" if self.synthetic else self.name

    def subset(self, index) -> FaceDataset:
        """The samples selected by a boolean mask or an index array."""
        return replace(
            self,
            images=self.images[index],
            labels=self.labels[index],
            splits=self.splits[index],
            sources=self.sources[index],
        )

    def split(self, name: str) -> FaceDataset:
        """One protocol split (``train``, ``validation`` or ``test``)."""
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; expected one of {SPLITS}")
        return self.subset(self.splits == name)

    def arrays(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)`` of one split, the pair a training loop wants."""
        part = self.split(name)
        return part.images, part.labels

    def counts(self) -> pd.DataFrame:
        """Images per split (rows) and emotion (columns), with totals."""
        table = pd.DataFrame(0, index=list(SPLITS), columns=list(DISPLAY_NAMES), dtype=int)
        for split in SPLITS:
            labels = self.labels[self.splits == split]
            table.loc[split] = np.bincount(labels, minlength=NUM_CLASSES)
        table = table.loc[(table.sum(axis=1) > 0).to_numpy()]
        table["total"] = table.sum(axis=1)
        table.loc["all"] = table.sum(axis=0)
        table.index.name = "split"
        table.columns.name = "emotion"
        return table

    def sample_per_split(self, images: int | None, seed: int = 0) -> FaceDataset:
        """At most ``images`` of each split (a stratified, seeded sample keeping each
        split's class mix); ``None`` keeps every image. A profile's
        ``images_per_split`` is the usual argument."""
        if images is None:
            return self
        return stratified_sample(self, {split: images for split in SPLITS}, seed)

    def emotion_of(self, i: int) -> str:
        return EMOTIONS[int(self.labels[i])]


def stratified_split(
    labels: np.ndarray, fractions: dict[str, float], seed: int
) -> np.ndarray:
    """Assign each sample a split name, class by class, reproducibly.

    Used for layouts that carry no split of their own. Within each class the
    samples are shuffled with ``seed`` and cut in the given proportions, so every
    split keeps the class balance of the whole.
    """
    names = list(fractions)
    weights = np.array([fractions[n] for n in names], dtype=float)
    if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"split fractions must be non-negative and sum to 1: {fractions}")
    rng = np.random.default_rng(seed)
    out = np.empty(len(labels), dtype=f"<U{max(map(len, names))}")
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cuts = np.round(np.cumsum(weights)[:-1] * len(members)).astype(int)
        for name, part in zip(names, np.split(members, cuts)):
            out[part] = name
    return out


def stratified_sample(dataset: FaceDataset, caps: dict[str, int | None], seed: int) -> FaceDataset:
    """The splits named in ``caps``, each cut to at most its cap of images (``None``:
    all) by a seeded sample that keeps every emotion's share, at least one image
    of each. Splits not named are left out. A cut dataset says so in its name, so
    every caption of a table or figure made from it does too."""
    rng = np.random.default_rng(seed)
    keep = []
    cut = False
    for split, cap in caps.items():
        members = np.flatnonzero(dataset.splits == split)
        if cap is None or len(members) <= cap:
            keep.append(members)
            continue
        cut = True
        labels = dataset.labels[members]
        for label in np.unique(labels):
            pool = members[labels == label]
            take = max(1, round(len(pool) / len(members) * cap))
            keep.append(rng.choice(pool, size=min(take, len(pool)), replace=False))
    sample = dataset.subset(np.sort(np.concatenate(keep)))
    return replace(sample, name=f"{dataset.name}, a sample of {len(sample):,}") if cut else sample


def dataset_digest(dataset: FaceDataset) -> str:
    """A short digest of the samples themselves (images, labels, splits), whatever the file they came from."""
    digest = hashlib.sha1()
    for array in (dataset.images, dataset.labels, dataset.splits):
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]
