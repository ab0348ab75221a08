"""Run profiles: how much data and compute a notebook may use.

One switch, the ``FER_PROFILE`` environment variable (or the ``profile``
parameter of a notebook's papermill ``parameters`` cell), picks the profile:

* ``smoke``: seconds per notebook, small subsets; what CI and nbval run.
* ``default``: regenerates the report from the real dataset on a 2-core laptop
  CPU in an evening.
* ``full``: the seeds' own settings, meant for a GPU.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .dataset import SPLITS, FaceDataset, stratified_sample

PROFILE_ENV = "FER_PROFILE"
DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class Profile:
    """A compute budget. ``images_per_split=None`` means every image."""

    name: str
    description: str
    demo_images: int
    """Size of the synthetic demo set used when no dataset is found."""
    images_per_split: int | None
    """Cap on the images a chapter works on per split (a stratified sample)."""
    experiment_epochs: int
    """Epochs of each run in the chapters' controlled experiments (chapter 3 onwards)."""
    training_epochs: int
    """Most epochs of a chapter's main training run (early stopping may end it sooner)."""

    def sample(self, dataset: FaceDataset, seed: int = 0) -> FaceDataset:
        """The dataset cut to this profile's budget, keeping each split's class mix."""
        if self.images_per_split is None:
            return dataset
        return stratified_sample(dataset, {split: self.images_per_split for split in SPLITS}, seed)


PROFILES = {
    "smoke": Profile(
        name="smoke",
        description="seconds per notebook on small subsets (CI, nbval)",
        demo_images=700,
        images_per_split=300,
        experiment_epochs=1,
        training_epochs=2,
    ),
    "default": Profile(
        name="default",
        description="the whole report from the real data on a 2-core laptop CPU in an evening",
        demo_images=3589,
        images_per_split=None,
        experiment_epochs=5,
        training_epochs=20,  # the baseline CNN: about 5 min per epoch on two cores
    ),
    "full": Profile(
        name="full",
        description="the seeds' settings, for a GPU",
        demo_images=35887,
        images_per_split=None,
        experiment_epochs=40,
        training_epochs=100,
    ),
}


def active_profile(name: str | None = None) -> Profile:
    """The profile named here, else by ``$FER_PROFILE``, else ``default``."""
    chosen = name or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    try:
        return PROFILES[chosen.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown profile {chosen!r} (from {'argument' if name else PROFILE_ENV}); "
            f"choose one of {', '.join(PROFILES)}"
        ) from None
