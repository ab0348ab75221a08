"""The ``tf.data`` input pipeline every training run uses.

Images stay uint8 in memory and are turned into float batches of raw 0-255
pixels shaped (B, 48, 48, 1); the models rescale inside themselves, so a saved
model accepts the same raw pixels. For training the pipeline shuffles with the
seed and the epoch number, can rebalance the classes by oversampling, yields
only full batches and applies online augmentation to whole batches.
Validation and test batches are never shuffled, resampled or augmented.

Full batches are not cosmetic: TensorFlow 2.21 with oneDNN has aborted with
heap corruption on a last, partial training batch (see the design notes), so a
training stream only ever yields full batches.
"""

from __future__ import annotations

import time

import numpy as np
import tensorflow as tf

from .augmentation import OnlineAugmentation
from .imbalance import oversample_indices

AUTOTUNE = tf.data.AUTOTUNE


def _as_float_batch(images, labels):
    return tf.cast(images, tf.float32)[..., tf.newaxis], labels


def _options() -> tf.data.Options:
    options = tf.data.Options()
    options.deterministic = True  # same seed, same order: reproducible runs
    return options


def training_pipeline(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    batch_size: int,
    seed: int,
    augmentation: OnlineAugmentation | None = None,
    oversample: bool = False,
    epochs: int = 1,
    first_epoch: int = 0,
) -> tf.data.Dataset:
    """``epochs`` epochs of shuffled (or class-balanced) full batches, augmented on the fly when asked.

    Each epoch is ``len(images) // batch_size`` batches. Its order is drawn from
    a generator seeded by ``(seed, epoch number)``, not from a stream that runs
    on from epoch 0, so a run resumed at epoch ``first_epoch`` sees exactly the
    batches an uninterrupted run would. Augmentation draws continue from the
    seed of the pipeline instead, so they are reproducible for a whole run.
    """
    _check(images, labels, batch_size, full_batches=True)
    per_epoch = len(labels) // batch_size * batch_size

    def epoch_orders():
        for epoch in range(first_epoch, first_epoch + epochs):
            rng = np.random.default_rng((seed, epoch))
            if oversample:  # a fresh class-balanced draw every epoch
                yield oversample_indices(labels, len(labels), rng)[:per_epoch]
            else:
                yield rng.permutation(len(labels))[:per_epoch]

    indices = tf.data.Dataset.from_generator(
        epoch_orders, output_signature=tf.TensorSpec([per_epoch], tf.int64)
    ).unbatch().apply(tf.data.experimental.assert_cardinality(per_epoch * epochs))
    all_images, all_labels = tf.constant(images), tf.constant(labels)
    batches = indices.batch(batch_size, drop_remainder=True).map(
        lambda i: _as_float_batch(tf.gather(all_images, i), tf.gather(all_labels, i)),
        num_parallel_calls=AUTOTUNE,
    )
    if augmentation is not None:
        augment = augmentation.layers(seed)
        # sequential map: the augmentation layers draw from one seeded generator
        batches = batches.map(lambda x, y: (augment(x, training=True), y))
    return batches.prefetch(AUTOTUNE).with_options(_options())


def evaluation_pipeline(images: np.ndarray, labels: np.ndarray, *, batch_size: int) -> tf.data.Dataset:
    """Every image once, in order, untouched: for validation, testing and prediction."""
    _check(images, labels, batch_size, full_batches=False)
    batches = tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size)
    return batches.map(_as_float_batch, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE).with_options(_options())


def _check(images: np.ndarray, labels: np.ndarray, batch_size: int, full_batches: bool) -> None:
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"expected uint8 images of shape (N, H, W), got {images.dtype} {images.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if len(images) == 0 or batch_size < 1 or (full_batches and batch_size > len(images)):
        raise ValueError(f"batch size {batch_size} does not fit {len(images)} images")


def images_per_second(pipeline: tf.data.Dataset, batches: int) -> float:
    """How many images per second ``pipeline`` delivers, over ``batches`` batches
    after one warm-up batch (tracing and the first shuffle buffer are not counted)."""
    iterator = iter(pipeline.repeat())
    next(iterator)
    started, images = time.perf_counter(), 0
    for _ in range(batches):
        x, _ = next(iterator)
        images += int(x.shape[0])
    return images / (time.perf_counter() - started)
