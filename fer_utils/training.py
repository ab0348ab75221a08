"""Training a network on a dataset's train split, validated on its validation split.

The one place where models are compiled and fitted, so that every chapter's
numbers come from the same procedure: seeded initialisation and data order,
Adam, sparse categorical cross-entropy, the ``pipeline`` module's input streams.
"""

from __future__ import annotations

import time
from typing import Callable

import keras

from .augmentation import OnlineAugmentation
from .dataset import FaceDataset
from .pipeline import evaluation_pipeline, training_pipeline


def fit(
    build_model: Callable[[], keras.Model],
    dataset: FaceDataset,
    *,
    epochs: int,
    batch_size: int = 64,
    seed: int = 0,
    learning_rate: float = 1e-3,
    class_weight: dict[int, float] | None = None,
    oversample: bool = False,
    augmentation: OnlineAugmentation | None = None,
    loss: keras.losses.Loss | str = "sparse_categorical_crossentropy",
    verbose: int = 0,
) -> tuple[keras.Model, keras.callbacks.History]:
    """Build a model with ``build_model`` after seeding everything, then train it.

    The model is built here, not passed in, because its initial weights must
    come from the seed too: two calls with the same arguments start from the
    same weights and see the same batches.
    """
    keras.utils.set_random_seed(seed)
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"]
    )
    train = training_pipeline(
        *dataset.arrays("train"), batch_size=batch_size, seed=seed,
        augmentation=augmentation, oversample=oversample,
    )
    validation = evaluation_pipeline(*dataset.arrays("validation"), batch_size=batch_size)
    history = model.fit(
        train, validation_data=validation, epochs=epochs, class_weight=class_weight, verbose=verbose,
        shuffle=False,  # the training pipeline shuffles, with the seed
    )
    return model, history


def training_images_per_second(model: keras.Model, pipeline, batches: int) -> float:
    """Training speed of a compiled ``model``: images per second over ``batches``
    optimiser steps, after a warm-up step that compiles the training function."""
    steps = iter(pipeline.repeat())
    x, y = next(steps)
    model.train_on_batch(x, y)
    started, images = time.perf_counter(), 0
    for _ in range(batches):
        x, y = next(steps)
        model.train_on_batch(x, y)
        images += int(x.shape[0])
    return images / (time.perf_counter() - started)
