"""The ``tf.data`` input pipeline every training run uses.

Images stay uint8 in memory and are turned into float batches of raw 0-255
pixels shaped (B, 48, 48, 1); the models rescale inside themselves, so a saved
model accepts the same raw pixels. For training the pipeline shuffles with the
seed and the epoch number, can rebalance the classes by oversampling, yields
only full batches and applies online augmentation to whole batches; it can
also replace each label by a soft target (label smoothing, mixup, a teacher
network's probabilities; see :func:`soft_targets`, :func:`mix_batch` and
:func:`teacher_probabilities`), which the validation batches then
match with exact one-hot targets. Validation and test batches are never
shuffled, resampled or augmented.

Full batches are not cosmetic: TensorFlow 2.21 with oneDNN has aborted with
heap corruption on a last, partial training batch (see the design notes), so a
training stream only ever yields full batches.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import tensorflow as tf

from fer_utils.augment.transforms import OnlineAugmentation, offline_expansion
from fer_utils.augment.imbalance import oversample_indices
from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import NUM_CLASSES

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
    label_smoothing: float = 0.0,
    mixup: float = 0.0,
    teacher_targets: np.ndarray | None = None,
    distillation: float = 0.0,
) -> tf.data.Dataset:
    """``epochs`` epochs of shuffled (or class-balanced) full batches, augmented on the fly when asked.

    Each epoch is ``len(images) // batch_size`` batches. Its order is drawn from
    a generator seeded by ``(seed, epoch number)``, not from a stream that runs
    on from epoch 0, so a run resumed at epoch ``first_epoch`` sees exactly the
    batches an uninterrupted run would. Augmentation draws continue from the
    seed of the pipeline instead, so they are reproducible for a whole run.

    With ``label_smoothing`` or ``mixup`` above 0 the labels become soft
    targets, rows of 7 probabilities (:func:`soft_targets`), and ``mixup`` is
    the alpha of the Beta distribution that blends each augmented face with
    another face of its batch (:func:`mix_batch`); its draws depend only on
    the seed and the batch's number in the run, so a resumed run mixes as an
    uninterrupted one does.

    Knowledge distillation: ``teacher_targets`` holds a teacher network's
    probabilities for each image (:func:`teacher_probabilities`), and each soft
    target becomes ``(1 - distillation) * target + distillation * teacher``.
    """
    _check(images, labels, batch_size, full_batches=True)
    if not 0 <= label_smoothing < 1 or mixup < 0:
        raise ValueError(f"label_smoothing must be in [0, 1) and mixup >= 0, got {label_smoothing} and {mixup}")
    if not 0 <= distillation <= 1 or (distillation > 0) != (teacher_targets is not None):
        raise ValueError(f"distillation must be in [0, 1] and above 0 exactly when teacher targets are given, "
                         f"got {distillation}")
    if teacher_targets is not None and np.shape(teacher_targets) != (len(labels), NUM_CLASSES):
        raise ValueError(f"teacher targets must be one row of {NUM_CLASSES} probabilities per image, got shape "
                         f"{np.shape(teacher_targets)} for {len(labels)} images")
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
    # each batch carries its image indices until its targets are made
    batches = indices.batch(batch_size, drop_remainder=True).map(
        lambda i: (*_as_float_batch(tf.gather(all_images, i), tf.gather(all_labels, i)), i),
        num_parallel_calls=AUTOTUNE,
    )
    if augmentation is not None:
        augment = augmentation.layers(seed)
        # sequential map: the augmentation layers draw from one seeded generator
        batches = batches.map(lambda x, y, i: (augment(x, training=True), y, i))
    if teacher_targets is not None:
        teacher = tf.constant(teacher_targets, tf.float32)
        batches = batches.map(
            lambda x, y, i: (x, (1 - distillation) * soft_targets(y, label_smoothing)
                             + distillation * tf.gather(teacher, i), i),
            num_parallel_calls=AUTOTUNE,
        )
    elif label_smoothing or mixup:
        batches = batches.map(lambda x, y, i: (x, soft_targets(y, label_smoothing), i), num_parallel_calls=AUTOTUNE)
    batches = batches.map(lambda x, y, i: (x, y))
    if mixup:
        first_batch = first_epoch * (per_epoch // batch_size)
        batches = batches.enumerate(start=first_batch).map(
            lambda number, batch: mix_batch(*batch, alpha=mixup, seed=(seed, number)), num_parallel_calls=AUTOTUNE
        )
    return batches.prefetch(AUTOTUNE).with_options(_options())


def teacher_probabilities(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """A teacher's predicted probabilities softened at ``temperature`` (Hinton et
    al., 2015): ``softmax(log p / T)``, the softmax of its logits divided by T.
    Above 1 it raises the small probabilities, which carry what the teacher
    learnt about how the emotions resemble each other (a fearful face that
    looks a little surprised)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    logits = np.log(np.clip(np.asarray(probabilities, np.float64), 1e-12, None)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    softened = np.exp(logits)
    return (softened / softened.sum(axis=1, keepdims=True)).astype(np.float32)


def soft_targets(labels, label_smoothing: float = 0.0) -> tf.Tensor:
    """Integer labels as rows of 7 target probabilities: one-hot, and with
    ``label_smoothing`` ε each row becomes ``(1 - ε) * one_hot + ε / 7``.

    Smoothing tells the network that a label is right with probability
    ``1 - ε + ε/7`` rather than certainly, which suits FER-2013, whose labels
    people dispute about a third of the time; it keeps the network from
    pushing its scores without bound to reach probability 1.
    """
    one_hot = tf.one_hot(tf.cast(labels, tf.int32), NUM_CLASSES, dtype=tf.float32)
    return one_hot * (1.0 - label_smoothing) + label_smoothing / NUM_CLASSES


def mix_batch(images, targets, alpha: float, seed) -> tuple[tf.Tensor, tf.Tensor]:
    """Mixup (Zhang et al., 2018) within a batch: face ``i`` becomes
    ``λ_i * face_i + (1 - λ_i) * face_(i-1)`` (the batch is already in random
    order, so its neighbour is a random partner) and its target the same blend
    of the two targets; each ``λ_i`` is drawn from Beta(alpha, alpha). Rows of
    targets that sum to 1 still do. ``seed`` is a pair of integers (a stateless
    draw: the same seed gives the same blend)."""
    seed = tf.stack([tf.cast(part, tf.int64) for part in seed])
    shape = tf.shape(images)[:1]
    first = tf.random.stateless_gamma(shape, seed=seed, alpha=alpha)
    second = tf.random.stateless_gamma(shape, seed=seed + [0, 1_000_003], alpha=alpha)
    weight = first / (first + second)
    blend = lambda a: weight[:, None] * a + (1.0 - weight[:, None]) * tf.roll(a, 1, axis=0)  # noqa: E731
    flat = tf.reshape(images, [shape[0], -1])
    return tf.reshape(blend(flat), tf.shape(images)), blend(tf.cast(targets, tf.float32))


def evaluation_pipeline(
    images: np.ndarray, labels: np.ndarray, *, batch_size: int, one_hot: bool = False
) -> tf.data.Dataset:
    """Every image once, in order, untouched: for validation, testing and prediction.
    ``one_hot``: labels as exact one-hot rows, to match a training stream of soft targets."""
    _check(images, labels, batch_size, full_batches=False)
    batches = tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size)
    batches = batches.map(_as_float_batch, num_parallel_calls=AUTOTUNE)
    if one_hot:
        batches = batches.map(lambda x, y: (x, soft_targets(y)), num_parallel_calls=AUTOTUNE)
    return batches.prefetch(AUTOTUNE).with_options(_options())


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


def augmentation_costs(dataset: FaceDataset, batches: int, batch_size: int = 64) -> pd.DataFrame:
    """Online augmentation (seed 002, in the tf.data pipeline) against seed 004's
    offline expansion: images per second and the extra memory each needs.

    Offline expansion pays once, up front, and keeps four copies of the training
    set in memory; online augmentation pays a little per batch, keeps nothing,
    and shows the network a new variant of every image in every epoch.
    """
    images, labels = dataset.arrays("train")
    pipeline = training_pipeline(images, labels, batch_size=batch_size, seed=0, augmentation=OnlineAugmentation())
    online = images_per_second(pipeline, batches)
    started = time.perf_counter()
    expanded = offline_expansion(dataset)
    seconds = time.perf_counter() - started
    added = len(expanded) - len(dataset)
    return pd.DataFrame(
        {
            "images": [batches * batch_size, added],
            "images/s": [online, added / seconds],
            "extra memory MB": [0.0, (expanded.images.nbytes - dataset.images.nbytes) / 1e6],
        },
        index=pd.Index(["online (tf.data, seed 002)", "offline expansion (seed 004)"], name="augmentation"),
    )
