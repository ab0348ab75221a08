"""Data augmentation: new training images made from the ones we have.

A face that is shifted by a few pixels, turned slightly or mirrored still shows
the same emotion, so such copies are free extra training data. They teach the
network that position, small rotations and left/right do not matter, which is
exactly what a small dataset such as FER-2013 (28,709 training faces) cannot
teach it on its own. The chapter compares these ways of using the idea:

* **the catalogue** of seed 000 (§2.2): ten simple transforms of a grayscale
  batch, written with NumPy and OpenCV so every step is visible
  (:data:`SEED000_TRANSFORMS`);
* **balancing by flips** (seed 000, Fig. 6): mirror every training face of the
  under-represented classes once and keep the copies (:func:`flip_balance`);
* **offline expansion** (seed 004): store a mirror and two rotations of every
  training face, four times the data on disk (:func:`offline_expansion`);
* **online augmentation** (seed 002, Table 2.2): draw a fresh random flip,
  rotation, shift and zoom for every image each time the network sees it, so
  nothing extra is stored (:class:`OnlineAugmentation`).

Augmentation is only ever applied to the *training* split. Validation and test
images must stay the real, untouched faces the model will meet later, or the
measured accuracy stops meaning anything.

Every random transform here has the signature ``f(images, strength, rng)``:
``images`` is a uint8 batch ``(N, H, W)``, ``strength`` sets how far the random
parameters may go (0 gives back the batch unchanged), and ``rng`` is a
:class:`numpy.random.Generator` that draws one set of parameters per image, so a
seeded generator reproduces the same batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

import cv2
import numpy as np
import pandas as pd

from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import DISPLAY_NAMES, EMOTIONS, NUM_CLASSES

if TYPE_CHECKING:
    import keras

Transform = Callable[[np.ndarray, float, np.random.Generator], np.ndarray]

BORDER = cv2.BORDER_REFLECT_101
"""How geometric transforms fill the pixels they uncover: by mirroring the image
at its edge (``dcb|abcd|cba``). A black or grey fill would add a hard edge that
no real face has, and the network could learn to look for it."""

FLIP_SUFFIX = "#hflip"
"""Appended to the source of a mirrored copy, so it still names its original."""


# --------------------------------------------------------------------- helpers


def _check_batch(images: np.ndarray) -> None:
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(
            f"expected a uint8 batch of shape (N, H, W), got {images.dtype} {images.shape}"
        )


def _check_strength(strength: float, upper: float | None = None) -> None:
    if strength < 0 or (upper is not None and strength > upper):
        bound = f"0..{upper}" if upper is not None else ">= 0"
        raise ValueError(f"strength must be {bound}, got {strength}")


def _affine(images: np.ndarray, linear: np.ndarray, shift: np.ndarray | None = None) -> np.ndarray:
    """Apply one affine map per image, about the image centre.

    ``linear`` holds a 2x2 matrix per image (N, 2, 2) acting on (x, y) pixel
    coordinates with y pointing down; ``shift`` (N, 2) moves the result by that
    many pixels. Working about the centre means a rotation or zoom keeps the
    face where it is instead of swinging it around the top-left corner.
    Bilinear interpolation; uncovered pixels are filled by :data:`BORDER`.
    """
    height, width = images.shape[1:3]
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    if shift is None:
        shift = np.zeros((len(images), 2))
    out = np.empty_like(images)
    for i, (image, matrix, offset) in enumerate(zip(images, linear, shift)):
        # x' = A (x - c) + c + t, written as the 2x3 matrix [A | c - A c + t].
        warp = np.hstack([matrix, (centre - matrix @ centre + offset)[:, None]])
        out[i] = cv2.warpAffine(
            image, warp, (width, height), flags=cv2.INTER_LINEAR, borderMode=BORDER
        )
    return out


def _rotations(angles: np.ndarray) -> np.ndarray:
    """2x2 matrices turning the image counter-clockwise on screen by ``angles`` (radians).

    On screen y points down, so this is the usual rotation matrix with the signs
    of the sines swapped (OpenCV's ``getRotationMatrix2D`` convention; Keras'
    ``RandomRotation`` also calls positive angles counter-clockwise).
    """
    cos, sin = np.cos(angles), np.sin(angles)
    return np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)


def to_uint8(values: np.ndarray) -> np.ndarray:
    """Pixel values rounded and clipped to 0..255, as uint8 images."""
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


# ------------------------------------------------------- the seed-000 catalogue


def translate(images: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Shift each image by up to ``strength`` of its width and height.

    Faces in FER-2013 are roughly but not exactly centred; small shifts teach
    the network that *where* a smile is does not matter, only that it is there.
    """
    _check_batch(images)
    _check_strength(strength, 1)
    n, height, width = images.shape
    shift = rng.uniform(-strength, strength, (n, 2)) * [width, height]
    return _affine(images, np.broadcast_to(np.eye(2), (n, 2, 2)), shift)


def rotate(images: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Turn each image about its centre by a random angle in ``±strength`` radians.

    Heads are rarely held perfectly upright. Seed 002 uses up to ``0.05 * pi``
    (9 degrees); much larger angles produce poses that the test set never shows.
    """
    _check_batch(images)
    _check_strength(strength, np.pi)
    return _affine(images, _rotations(rng.uniform(-strength, strength, len(images))))


def _flip(images, probability, rng, axis):
    _check_batch(images)
    _check_strength(probability, 1)
    out = images.copy()
    chosen = rng.random(len(images)) < probability
    out[chosen] = np.flip(images[chosen], axis=axis)
    return out


def flip_horizontal(images: np.ndarray, probability: float, rng: np.random.Generator) -> np.ndarray:
    """Mirror each image left-to-right with the given probability.

    The safest augmentation for faces: expressions are nearly symmetric, so
    the mirror image of a frown is another frown. (Here ``strength`` is a
    probability; 1 mirrors every image.)
    """
    return _flip(images, probability, rng, axis=2)


def flip_vertical(images: np.ndarray, probability: float, rng: np.random.Generator) -> np.ndarray:
    """Turn each image upside down with the given probability.

    Listed in seed 000's catalogue, but a poor choice for faces: no test face is
    upside down, and an upside-down smile looks like a frown. The chapter shows
    it as a counter-example; no pipeline uses it.
    """
    return _flip(images, probability, rng, axis=1)


def crop(images: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Cut a random square window and scale it back up to the full size.

    The window side is between ``1 - strength`` and 1 times the image side, at a
    random position. This zooms in and shifts at once and may cut off part of
    the face, which teaches the network not to rely on one region alone.
    """
    _check_batch(images)
    _check_strength(strength, 0.9)
    n, height, width = images.shape
    fractions = 1 - rng.uniform(0, strength, n)
    out = np.empty_like(images)
    for i, (image, fraction) in enumerate(zip(images, fractions)):
        h, w = round(height * fraction), round(width * fraction)
        top = rng.integers(0, height - h + 1)
        left = rng.integers(0, width - w + 1)
        window = image[top : top + h, left : left + w]
        out[i] = cv2.resize(window, (width, height), interpolation=cv2.INTER_LINEAR)
    return out


def brighten(images: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Add one random offset of up to ``±strength * 255`` grey levels to each image.

    Photos in FER-2013 come from every kind of lighting; the emotion does not
    depend on it. Pixels pushed past 0 or 255 are clipped, so a strong setting
    also destroys detail in the darkest or brightest parts.
    """
    _check_batch(images)
    _check_strength(strength, 1)
    offsets = rng.uniform(-strength, strength, len(images)) * 255
    return to_uint8(images + offsets[:, None, None])


def add_noise(images: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Add Gaussian noise with standard deviation ``strength * 255`` to every pixel.

    Mimics sensor noise and JPEG artefacts of low-quality web images, and stops
    the network from keying on single pixel values.
    """
    _check_batch(images)
    _check_strength(strength, 1)
    return to_uint8(images + rng.normal(0, strength * 255, images.shape))


def zoom(images: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Scale each image about its centre by a factor in ``1 ± strength``.

    Face detectors crop faces at slightly different sizes; zooming covers that.
    Factors above 1 enlarge the face, below 1 shrink it (the border is then
    filled by reflection).
    """
    _check_batch(images)
    _check_strength(strength, 0.9)
    factors = 1 + rng.uniform(-strength, strength, len(images))
    return _affine(images, factors[:, None, None] * np.eye(2))


def shear(images: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Slant each image sideways: every row moves horizontally in proportion to
    its distance from the centre row, by up to ``strength`` pixels per row.

    A cheap stand-in for a head seen slightly from the side. Rows stay rows, so
    an image made of horizontal stripes is left unchanged.
    """
    _check_batch(images)
    _check_strength(strength, 1)
    slopes = rng.uniform(-strength, strength, len(images))
    linear = np.broadcast_to(np.eye(2), (len(images), 2, 2)).copy()
    linear[:, 0, 1] = slopes
    return _affine(images, linear)


def stretch(images: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """Widen each image by a factor in ``1 ± strength`` and narrow its height by
    the same factor (or the reverse), keeping the area.

    Faces differ in shape (long, round), and images get resized with the wrong
    aspect ratio on their way to a dataset. Unlike :func:`zoom`, this changes
    the proportions of the face, not its size.
    """
    _check_batch(images)
    _check_strength(strength, 0.9)
    factors = 1 + rng.uniform(-strength, strength, len(images))
    linear = np.zeros((len(images), 2, 2))
    linear[:, 0, 0] = factors
    linear[:, 1, 1] = 1 / factors
    return _affine(images, linear)


SEED000_TRANSFORMS: dict[str, tuple[Transform, float]] = {
    "Translation": (translate, 0.15),
    "Rotation": (rotate, np.deg2rad(25)),
    "Horizontal flip": (flip_horizontal, 1.0),
    "Vertical flip": (flip_vertical, 1.0),
    "Cropping": (crop, 0.35),
    "Brightness": (brighten, 0.3),
    "Gaussian noise": (add_noise, 0.06),
    "Distortion: zoom": (zoom, 0.25),
    "Distortion: shear": (shear, 0.35),
    "Distortion: stretch": (stretch, 0.3),
}
"""The transforms of seed 000's list, in its order: display name -> (function,
strength). The strengths are deliberately larger than a training run would use,
so that each effect is visible at 48x48 in the chapter's figure."""


# ------------------------------------------------------ balancing by flipping


def flip_balance(dataset: FaceDataset, keep=("happy",)) -> FaceDataset:
    """Seed 000's balancing: add a mirrored copy of every training face whose
    emotion is not in ``keep``.

    Happy is by far the largest class of FER-2013 (7,215 of 28,709 training
    faces), so its faces are left alone while every other class doubles
    (28,709 -> 50,203 training faces). This overshoots for most classes: happy
    ends up smaller than angry, fear, sad and neutral. And it barely helps the
    rarest class: disgust grows from 436 to 872 faces, still a tenth of the
    others, which is why seed 000 adds class weights on top. A mirrored face is
    also not a new person, so the doubled classes gain less than the counts
    suggest. The copies are appended as training samples with ``"#hflip"``
    added to their source; validation and test stay as they are.
    """
    unknown = set(keep) - set(EMOTIONS)
    if unknown:
        raise ValueError(f"unknown emotions {sorted(unknown)}; expected names from {EMOTIONS}")
    kept = [EMOTIONS.index(emotion) for emotion in keep]
    chosen = (dataset.splits == "train") & ~np.isin(dataset.labels, kept)
    mirrored = dataset.subset(chosen)
    return _append_training_copies(
        dataset,
        [(np.flip(mirrored.images, axis=2), mirrored, FLIP_SUFFIX)],
        name=f"{dataset.name} + flips",
    )


def balancing_table(before: FaceDataset, after: FaceDataset) -> pd.DataFrame:
    """Training images per emotion before and after balancing, and how many were added."""
    counts = {
        column: np.bincount(data.labels[data.splits == "train"], minlength=NUM_CLASSES)
        for column, data in (("before", before), ("after", after))
    }
    table = pd.DataFrame(counts, index=pd.Index(DISPLAY_NAMES, name="emotion"))
    table["added"] = table["after"] - table["before"]
    table.loc["total"] = table.sum(axis=0)
    return table


# ---------------------------------------------------------- offline expansion

OFFLINE_ROTATION = np.deg2rad(15)
"""The angle of seed 004's rotated copies. The seed does not state it; 15 degrees
is our choice: clearly different from the original, still an upright face."""


def offline_expansion(dataset: FaceDataset, angle: float = OFFLINE_ROTATION) -> FaceDataset:
    """Seed 004's augmentation: store four versions of every training face.

    Each training face is kept and joined by its mirror image and by two copies
    rotated by ``+angle`` and ``-angle`` radians, so the training split grows
    fourfold (FER-2013: 28,709 -> 114,836, seed 004's "over 114 thousand").
    The seed names mirroring and rotation but neither the angle nor which
    copies are rotated. Its count, about four times 28,709, means three new
    images per face; one is the mirror, so two are rotations. Turning the
    original both ways is our reading (rotating the original and the mirror
    once each would fit the count as well).

    Unlike :class:`OnlineAugmentation`, every copy is stored, costing four times
    the memory, and the network sees exactly the same four versions in every
    epoch. Expand *after* choosing the validation images: seed 004 carved its
    validation set out of the training data, and if that happens after
    expanding, mirrored twins of validation faces end up in training.
    """
    train = dataset.split("train")
    degrees = f"{np.rad2deg(angle):g}"
    copies = [
        (np.flip(train.images, axis=2), train, FLIP_SUFFIX),
        (_affine(train.images, _rotations(np.full(len(train), angle))), train, f"#rot+{degrees}"),
        (_affine(train.images, _rotations(np.full(len(train), -angle))), train, f"#rot-{degrees}"),
    ]
    return _append_training_copies(dataset, copies, name=f"{dataset.name} + offline expansion")


def _append_training_copies(dataset: FaceDataset, copies, name: str) -> FaceDataset:
    """``dataset`` followed by new training samples, one per ``(images, originals,
    suffix)``: the images come with their originals' labels and sources + suffix."""
    return replace(
        dataset,
        name=name,
        images=np.concatenate([dataset.images] + [images for images, _, _ in copies]),
        labels=np.concatenate([dataset.labels] + [part.labels for _, part, _ in copies]),
        splits=np.concatenate(
            [dataset.splits] + [np.full(len(part), "train") for _, part, _ in copies]
        ),
        sources=np.concatenate(
            [dataset.sources]
            + [np.char.add(part.sources.astype(str), suffix) for _, part, suffix in copies]
        ),
    )


# -------------------------------------------------------- online augmentation


@dataclass(frozen=True)
class OnlineAugmentation:
    """Seed 002's augmentation (its Table 2.2), drawn afresh for every image.

    Each time a training batch passes through :meth:`layers`, every image gets
    its own random mirror (if ``flip``), rotation of up to ``±rotation`` radians,
    shift of up to ``±translation`` of the image size along each axis, and zoom
    of up to ``±zoom``. Over many epochs the network never sees the same
    version of a face twice, yet nothing extra is stored: the cost is compute
    per batch instead of memory (compare :func:`offline_expansion`).

    Two more transforms, off unless asked for, come from the VGG and ResNet
    recipes on FER-2013 (:mod:`fer_utils.studies.recipes`): ``crop_padding`` pads by
    that many pixels and cuts a random window of the original size (a shift by
    whole pixels), and ``erasing`` is the probability of replacing a random
    rectangle of the face by noise (:mod:`fer_utils.augment.layers`).
    """

    flip: bool = True
    rotation: float = 0.05 * np.pi
    translation: float = 0.1
    zoom: float = 0.1
    crop_padding: int = 0
    erasing: float = 0.0

    ADDED = {"crop_padding": 0, "erasing": 0.0}
    """Fields added after runs were first cached, with the values that leave them
    out of :meth:`to_dict` (and so out of the training engine's run names)."""

    def __post_init__(self):
        if not 0 <= self.rotation <= np.pi:
            raise ValueError(f"rotation must be 0..pi radians, got {self.rotation}")
        for field in ("translation", "zoom"):
            if not 0 <= getattr(self, field) < 1:
                raise ValueError(f"{field} must be in [0, 1), got {getattr(self, field)}")
        if int(self.crop_padding) != self.crop_padding or not 0 <= self.crop_padding < 24:
            raise ValueError(f"crop_padding must be a whole number of pixels in 0..23, got {self.crop_padding}")
        if not 0 <= self.erasing <= 1:
            raise ValueError(f"erasing is a probability in [0, 1], got {self.erasing}")

    def to_dict(self) -> dict:
        """The settings as a dict; the added transforms only when switched on, so
        a setting made before they existed keeps its run name."""
        values = asdict(self)
        return {k: v for k, v in values.items() if k not in self.ADDED or v != self.ADDED[k]}

    def layers(self, seed: int = 0) -> keras.Sequential:
        """Keras preprocessing layers doing this augmentation, seeded.

        Input and output are float batches ``(B, 48, 48, 1)``; the value range is
        kept (bilinear interpolation never leaves it), so the layers can come
        before or after scaling to 0..1. Like every Keras ``Random*`` layer they
        only act when called with ``training=True`` and pass images through
        unchanged otherwise. Transforms set to 0 (or ``flip=False``) are left
        out, so with everything off the result is exactly the input.

        Each layer gets its own seed derived from ``seed``: layers sharing one
        seed would draw correlated random numbers (say, every large rotation
        paired with a large shift).

        Keras is imported here rather than at the top of the module, so that
        the NumPy transforms and the figures do not pay TensorFlow's start-up.
        """
        import keras

        # a SeedSequence's first words do not depend on how many are asked for:
        # the four original layers draw what they drew before the added two existed
        flip_seed, rotation_seed, translation_seed, zoom_seed, crop_seed, erasing_seed = (
            int(s) for s in np.random.SeedSequence(seed).generate_state(6)
        )
        chosen = []
        if self.crop_padding:
            from fer_utils.augment.layers import RandomPaddedCrop

            chosen.append(RandomPaddedCrop(self.crop_padding, seed=crop_seed))
        if self.flip:
            chosen.append(keras.layers.RandomFlip("horizontal", seed=flip_seed))
        if self.rotation:
            # Keras measures the angle as a fraction of a full turn (2 pi radians).
            chosen.append(keras.layers.RandomRotation(
                self.rotation / (2 * np.pi), fill_mode="reflect", seed=rotation_seed
            ))
        if self.translation:
            chosen.append(keras.layers.RandomTranslation(
                self.translation, self.translation, fill_mode="reflect", seed=translation_seed
            ))
        if self.zoom:
            chosen.append(keras.layers.RandomZoom(self.zoom, fill_mode="reflect", seed=zoom_seed))
        if self.erasing:
            from fer_utils.augment.layers import RandomErasing

            chosen.append(RandomErasing(self.erasing, seed=erasing_seed))
        return keras.Sequential(chosen or [keras.layers.Identity()], name="online_augmentation")

    def table(self) -> pd.DataFrame:
        """The settings in seed 002's notation and the Keras layer that applies each."""
        rows = [
            ("Horizontal flip", "yes" if self.flip else "no", 'RandomFlip("horizontal")'),
            (
                "Rotation",
                f"±{self.rotation / np.pi:.3g}π rad (±{np.rad2deg(self.rotation):.3g}°)",
                f"RandomRotation({self.rotation / (2 * np.pi):.4g})",
            ),
            (
                "Translation",
                f"±{self.translation:g} of width and height",
                f"RandomTranslation({self.translation:g}, {self.translation:g})",
            ),
            ("Zoom", f"±{self.zoom:g} of the size", f"RandomZoom({self.zoom:g})"),
        ]
        if self.crop_padding:
            rows.insert(0, ("Random crop with padding", f"±{self.crop_padding} px (mirrored border)",
                            f"RandomPaddedCrop({self.crop_padding})"))
        if self.erasing:
            rows.append(("Random erasing", f"probability {self.erasing:g}, 2-25% of the face",
                         f"RandomErasing({self.erasing:g})"))
        return pd.DataFrame(rows, columns=["transform", "range", "Keras layer"]).set_index("transform")
