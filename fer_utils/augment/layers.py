"""Two online augmentations as the literature on FER-2013 uses them: random crops
with padding and random erasing.

Keras' own layers differ in ways that matter here: ``RandomCrop`` cuts one
window per batch (every face of a batch shifted alike) and pads nothing, and
``RandomErasing`` draws each image's erasing probability from ``[0, factor]``
and fills from a normal distribution. These two draw everything per image.

:class:`~fer_utils.augment.transforms.OnlineAugmentation` puts them in its layers
when asked (``crop_padding``, ``erasing``). Like Keras' ``Random*`` layers they
act only when called with ``training=True``, draw one set of parameters per
image from a seeded generator, and take and give float batches ``(B, H, W, C)``.
They only ever run in the training input pipeline, never inside a saved model.

Kept apart from :mod:`fer_utils.augment.transforms`, whose NumPy transforms and
figures do not import TensorFlow.
"""

from __future__ import annotations

import math

import keras
import pandas as pd
import tensorflow as tf


class RandomPaddedCrop(keras.layers.Layer):
    """Pad each image by ``padding`` pixels on every side, then cut a random
    window of the original size out of it: a random shift of up to ``padding``
    pixels in each direction, by whole pixels (no interpolation).

    The classic augmentation of CIFAR and of the VGG and ResNet recipes on
    FER-2013. The padding mirrors the image at its edge (``dcb|abcd|cba``, as
    :data:`fer_utils.augment.transforms.BORDER`), so no black border appears that
    the network could learn to look for.
    """

    def __init__(self, padding: int, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if int(padding) != padding or padding < 1:
            raise ValueError(f"padding must be a positive whole number of pixels, got {padding}")
        self.padding, self.seed = int(padding), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=None):
        if not training:
            return images
        p = self.padding
        height, width = images.shape[1], images.shape[2]
        if p >= min(height, width):
            raise ValueError(f"padding {p} must be smaller than the image ({height}x{width})")
        padded = tf.pad(images, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")
        offsets = tf.cast(keras.random.randint(
            (tf.shape(images)[0], 2), 0, 2 * p + 1, seed=self.seed_generator
        ), tf.int32)
        rows = offsets[:, :1] + tf.range(height)[None, :]
        columns = offsets[:, 1:] + tf.range(width)[None, :]
        out = tf.gather(padded, rows, axis=1, batch_dims=1)
        return tf.gather(out, columns, axis=2, batch_dims=1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "seed": self.seed}


class RandomErasing(keras.layers.Layer):
    """Zhong et al.'s random erasing (2020): with ``probability``, replace one
    random rectangle of each image by random pixel values.

    The rectangle covers a share of the image drawn uniformly from ``area`` and
    has a height-to-width ratio drawn log-uniformly from ``aspect``; its
    position is uniform over the places it fits. The new values are uniform
    over ``value_range`` (raw pixels: 0-255). A face with its mouth or one eye
    hidden still shows its emotion elsewhere, so the network learns not to
    depend on one region, as it must with hands, glasses and hair in real photos.
    Every pixel outside the rectangle is left exactly as it was.
    """

    def __init__(self, probability: float = 0.5, area=(0.02, 0.25), aspect=(0.3, 3.3), value_range=(0.0, 255.0),
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        area, aspect, value_range = (tuple(float(v) for v in pair) for pair in (area, aspect, value_range))
        if not 0 <= probability <= 1:
            raise ValueError(f"probability must be in [0, 1], got {probability}")
        if not 0 < area[0] <= area[1] <= 1 or not 0 < aspect[0] <= aspect[1] or value_range[0] > value_range[1]:
            raise ValueError(f"need 0 < area low <= high <= 1, 0 < aspect low <= high and a value range low <= high; "
                             f"got area {area}, aspect {aspect}, value_range {value_range}")
        self.probability, self.area, self.aspect, self.value_range = float(probability), area, aspect, value_range
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def boxes(self, batch: int, height: int, width: int):
        """One draw of the rectangles for ``batch`` images: ``(erase, top, left,
        box_height, box_width)``, each of shape (batch,); ``erase`` is boolean."""
        u = keras.random.uniform((batch, 5), seed=self.seed_generator)
        erase = u[:, 0] < self.probability
        share = self.area[0] + u[:, 1] * (self.area[1] - self.area[0])
        low, high = math.log(self.aspect[0]), math.log(self.aspect[1])
        ratio = tf.exp(low + u[:, 2] * (high - low))
        pixels = share * height * width
        box_height = tf.clip_by_value(tf.round(tf.sqrt(pixels * ratio)), 1, height)
        box_width = tf.clip_by_value(tf.round(tf.sqrt(pixels / ratio)), 1, width)
        top = tf.minimum(tf.floor(u[:, 3] * (height - box_height + 1)), height - box_height)
        left = tf.minimum(tf.floor(u[:, 4] * (width - box_width + 1)), width - box_width)
        as_int = lambda v: tf.cast(v, tf.int32)  # noqa: E731
        return erase, as_int(top), as_int(left), as_int(box_height), as_int(box_width)

    def call(self, images, training=None):
        if not training or self.probability == 0:
            return images
        height, width = images.shape[1], images.shape[2]
        erase, top, left, box_height, box_width = self.boxes(tf.shape(images)[0], height, width)
        rows, columns = tf.range(height)[None, :], tf.range(width)[None, :]
        in_rows = (rows >= top[:, None]) & (rows < (top + box_height)[:, None])
        in_columns = (columns >= left[:, None]) & (columns < (left + box_width)[:, None])
        mask = in_rows[:, :, None] & in_columns[:, None, :] & erase[:, None, None]
        low, high = self.value_range
        noise = low + (high - low) * keras.random.uniform(tf.shape(images), seed=self.seed_generator)
        return tf.where(mask[..., None], tf.cast(noise, images.dtype), images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "probability": self.probability, "area": list(self.area),
                "aspect": list(self.aspect), "value_range": list(self.value_range), "seed": self.seed}


IGNORED_SETTINGS = ("name", "seed", "trainable", "dtype")
"""Parts of a layer's config that do not change what it does to an image's distribution:
its name, its random seed, whether it is trainable (none of these has weights) and its
number type."""


def layer_settings(model: keras.Sequential) -> pd.DataFrame:
    """The layers of an augmentation model, in order, as a table: the layer's class and
    its settings (its Keras config without :data:`IGNORED_SETTINGS`), one row each.

    Two augmentation models with equal tables apply the same transforms with the same
    ranges in the same order; only their random draws differ (unless their seeds agree).
    Chapter 2 compares the layers it builds by hand with
    :meth:`~fer_utils.augment.transforms.OnlineAugmentation.layers` this way.
    """
    rows = []
    for layer in model.layers:
        config = {key: value for key, value in layer.get_config().items() if key not in IGNORED_SETTINGS}
        settings = ", ".join(f"{key}={_plain(value)}" for key, value in sorted(config.items()))
        rows.append({"layer": type(layer).__name__, "settings": settings})
    return pd.DataFrame(rows, columns=["layer", "settings"]).rename_axis("position")


def _plain(value):
    """A config value written the same whether Keras kept it as a list or a tuple, an int
    or a float, and with six significant digits (``0.05 * pi / (2 * pi)`` is ``0.025``)."""
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(str(_plain(v)) for v in value) + ")"
    if isinstance(value, float):
        value = float(f"{value:.6g}")
        return int(value) if value.is_integer() else value
    return value
