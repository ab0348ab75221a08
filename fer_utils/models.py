"""Network builders. Every model takes raw 0-255 pixels shaped (48, 48, 1) and
rescales them itself, so a saved model needs no separate preprocessing."""

from __future__ import annotations

import keras

from .labels import NUM_CLASSES

INPUT_SHAPE = (48, 48, 1)


def small_cnn(filters: tuple[int, ...] = (16, 32, 64), dropout: float = 0.3, name: str = "small_cnn") -> keras.Model:
    """A compact CNN for controlled experiments that must run many times on a CPU.

    Each block is conv-BN-ReLU then max-pooling; global average pooling keeps the
    head small. About 24k parameters: enough to learn FER-2013's easy classes,
    and an epoch of its 28,709 training images takes under a minute on two cores.
    """
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    for width in filters:
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="emotion")(x)
    return keras.Model(inputs, outputs, name=name)


def baseline_cnn(dense_units: int = 128, dense_dropout: float = 0.0, name: str = "baseline_cnn") -> keras.Model:
    """The CNN of seed 000 (their Fig. 13): 869,703 parameters with the defaults.

    Five 3x3 convolutions with ReLU and batch normalisation (32, 64 | 64 | 128,
    128 filters), 2x2 max-pooling and dropout 0.25 after each of the three
    stages, then a dense layer and the 7-way softmax. ``dense_units`` and
    ``dense_dropout`` (a dropout after the dense layer, absent in Fig. 13) are
    what seed 000's hyperparameter search tunes.
    """
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = keras.layers.Rescaling(1 / 255)(inputs)
    for stage in ((32, 64), (64,), (128, 128)):
        for width in stage:
            x = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(x)
            x = keras.layers.BatchNormalization()(x)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Dropout(0.25)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(dense_units, activation="relu")(x)
    if dense_dropout:
        x = keras.layers.Dropout(dense_dropout)(x)
    outputs = keras.layers.Dense(NUM_CLASSES, activation="softmax", name="emotion")(x)
    return keras.Model(inputs, outputs, name=name)
