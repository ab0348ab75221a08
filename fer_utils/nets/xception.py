"""Xception-style networks for 48x48 faces: mini-Xception (seed 001) and seed 003's
residual separable network.

Both are built from the same residual module, after Arriaga, Valdenegro-Toro and
Plöger's face_classification project (2017), which seed 003 names as its base:

* a shortcut: 1x1 convolution with stride 2, then batch normalisation;
* a main path: 3x3 separable convolution, batch normalisation, ReLU, 3x3
  separable convolution, batch normalisation, 3x3 max-pooling with stride 2;
* the sum of the two, at half the resolution.

A separable convolution (chapter 4) filters each channel on its own (depthwise
3x3) and then mixes the channels (pointwise 1x1): 9c + c*f weights instead of
9*c*f, which is what keeps mini-Xception at 58,423 parameters.
"""

from __future__ import annotations

import keras

from fer_utils.data.labels import NUM_CLASSES
from fer_utils.nets.parts import emotions, pixels, probabilities


def _regulariser(l2: float):
    return keras.regularizers.L2(l2) if l2 else None


def _conv_bn_relu(x, filters: int, l2: float, name: str):
    x = keras.layers.Conv2D(filters, 3, use_bias=False, kernel_regularizer=_regulariser(l2), name=f"{name}_conv")(x)
    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def residual_module(x, filters: int, l2: float, name: str):
    """One residual separable module (see the module's docstring): halves the
    resolution and gives ``filters`` channels."""
    shortcut = keras.layers.Conv2D(
        filters, 1, strides=2, padding="same", use_bias=False, name=f"{name}_shortcut"
    )(x)
    shortcut = keras.layers.BatchNormalization(name=f"{name}_shortcut_bn")(shortcut)
    for step in (1, 2):
        x = keras.layers.SeparableConv2D(
            filters, 3, padding="same", use_bias=False, depthwise_regularizer=_regulariser(l2),
            pointwise_regularizer=_regulariser(l2), name=f"{name}_sepconv{step}",
        )(x)
        x = keras.layers.BatchNormalization(name=f"{name}_sepconv{step}_bn")(x)
        if step == 1:
            x = keras.layers.ReLU(name=f"{name}_relu")(x)
    x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name=f"{name}_pool")(x)
    return keras.layers.Add(name=f"{name}_add")([x, shortcut])


def mini_xception(
    widths: tuple[int, ...] = (16, 32, 64, 128), l2: float = 0.01,
    name: str = "mini_xception",
) -> keras.Model:
    """Mini-Xception (seed 001; Arriaga et al.): 58,423 parameters, scores from a 7-filter convolution.

    Two 3x3 convolutions of 8 filters without padding (each with batch
    normalisation and ReLU; 48 -> 44 pixels), four residual separable modules of
    ``widths`` filters (44 -> 3 pixels), then a 3x3 convolution with one filter
    per emotion and global average pooling: each emotion's score is the average
    of its own map, so there is no dense layer at all. The pooled maps are the
    model's ``"scores"`` layer. ``l2`` is the L2 weight on the two first
    convolutions' kernels and the separable convolutions' depthwise and pointwise
    kernels (in the Keras 2 original the ``kernel_regularizer`` given to
    ``SeparableConv2D`` was accepted but never applied; here it is applied).

    Seed 001 describes the blocks with 64 and 128 filters; the network it trains
    and the face_classification code it derives from use 8 and 16-128, which is
    what this builds.
    """
    inputs, x = pixels()
    x = _conv_bn_relu(x, 8, l2, "stem1")
    x = _conv_bn_relu(x, 8, l2, "stem2")
    for i, width in enumerate(widths, start=1):
        x = residual_module(x, width, l2, f"module{i}")
    x = keras.layers.Conv2D(NUM_CLASSES, 3, padding="same", name="class_maps")(x)
    scores = keras.layers.GlobalAveragePooling2D(name="scores")(x)
    return keras.Model(inputs, probabilities(scores), name=name)


def residual_separable(
    blocks: int = 5, dropout: float = 0.3, dense_units: tuple[int, ...] = (128, 64, 32), l2: float = 0.01,
    name: str = "residual_separable",
) -> keras.Model:
    """Seed 003's residual separable network: 5 modules of 16-256 filters, dense head 128-64-32.

    One 3x3 convolution of 8 filters (no padding, batch normalisation, ReLU),
    ``blocks`` residual separable modules with 8 * 2**i filters for i = 1 ..
    ``blocks`` (16, 32, 64, 128, 256; 46 -> 2 pixels), each followed by dropout,
    then global average pooling and dense ReLU layers of ``dense_units``, each
    followed by dropout, and the seven scores. Seed 003 reports 0.64 validation
    accuracy (on a random 80/20 split of FER-2013's training images).

    One departure: seed 003's last dense layer has a ReLU before the softmax,
    which sets every negative score to zero (a class can then never be pushed
    below the others); here the scores are linear, as in every other network.
    """
    inputs, x = pixels()
    x = _conv_bn_relu(x, 8, l2, "stem")
    for i in range(1, blocks + 1):
        x = residual_module(x, 8 * 2**i, l2, f"module{i}")
        x = keras.layers.Dropout(dropout, name=f"module{i}_dropout")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    for i, units in enumerate(dense_units, start=1):
        x = keras.layers.Dense(units, activation="relu", name=f"dense{i}")(x)
        x = keras.layers.Dropout(dropout, name=f"dense{i}_dropout")(x)
    return keras.Model(inputs, emotions(x), name=name)
