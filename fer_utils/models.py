"""Network builders and the registry of networks that ``train`` accepts.

Every model takes raw 0-255 pixels, shaped (48, 48, 1) with the builders'
defaults, and rescales them itself,
optionally blurs held-out faces to the training faces' sharpness
(:class:`~fer_utils.sharpness.HeldOutBlur`), and ends in an
:class:`EmotionProbabilities` layer that carries the label names. A saved model
therefore needs no separate preprocessing and no separate label list. The shared
input and output ends live in :mod:`fer_utils.network_parts`; the networks of
chapter 8 live in :mod:`fer_utils.networks`, one module per family, and are
registered here in :data:`MODELS`.
"""

from __future__ import annotations

import warnings
from typing import Callable

import keras
import pandas as pd

from .network_parts import INPUT_SHAPE, EmotionProbabilities, emotions, label_names, pixels
from .networks import lc2fer, plain, resnet, transfer, xception
from .random_architectures import random_residual

__all__ = [
    "INPUT_SHAPE", "MODELS", "EmotionProbabilities", "baseline_cnn", "build_model", "forward_flops",
    "label_names", "layer_table", "model_catalogue", "small_cnn",
]


def small_cnn(
    filters: tuple[int, ...] = (16, 32, 64), dropout: float = 0.3, input_blur: float = 0.0,
    name: str = "small_cnn",
) -> keras.Model:
    """A compact CNN for controlled experiments that must run many times on a CPU.

    Each block is conv-BN-ReLU then max-pooling, and a single dense layer reads
    the last feature maps where they are: an expression is told by *where* a
    feature appears (a curve at the mouth, not at the brows), which global
    average pooling would throw away (an earlier version that used it stayed
    near the majority-class accuracy after three epochs on FER-2013). About 40k
    parameters, and an epoch of FER-2013's 28,709 training images takes about a
    minute on two cores.
    """
    inputs, x = pixels(input_blur)
    for width in filters:
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(dropout)(x)
    return keras.Model(inputs, emotions(x), name=name)


def baseline_cnn(
    dense_units: int = 128, dense_dropout: float = 0.0, input_blur: float = 0.0, name: str = "baseline_cnn"
) -> keras.Model:
    """The CNN of seed 000 (their Fig. 13): 869,703 parameters with the defaults.

    Five 3x3 convolutions with ReLU and batch normalisation (32, 64 | 64 | 128,
    128 filters), 2x2 max-pooling and dropout 0.25 after each of the three
    stages, then a dense layer and the 7-way softmax. ``dense_units`` and
    ``dense_dropout`` (a dropout after the dense layer, absent in Fig. 13) are
    what seed 000's hyperparameter search tunes.
    """
    inputs, x = pixels(input_blur)
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
    return keras.Model(inputs, emotions(x), name=name)


MODELS: dict[str, Callable[..., keras.Model]] = {
    "baseline_cnn": baseline_cnn,
    "small_cnn": small_cnn,
    "mini_xception": xception.mini_xception,
    "residual_separable": xception.residual_separable,
    **lc2fer.BUILDERS,
    "six_conv_cnn": plain.six_conv_cnn,
    "feed_forward": plain.feed_forward,
    "resnet_transfer": transfer.resnet_transfer,
    "random_residual": random_residual,
    "compact_resnet": resnet.compact_resnet,
}
"""Every network ``train`` accepts, by the name the command line uses. Each builder
takes ``input_blur`` and ``name`` and, with its defaults, the (48, 48, 1) faces."""


def build_model(name: str, **options) -> keras.Model:
    """The network registered as ``name``, built with ``options``."""
    try:
        builder = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}") from None
    return builder(**options)


def layer_table(model: keras.Model) -> pd.DataFrame:
    """Every layer with its kind, output shape and parameter count, like
    ``model.summary()`` but as a table that tests and notebooks can use."""
    rows = [
        {
            "layer": layer.name,
            "kind": type(layer).__name__,
            "output shape": tuple(layer.output.shape[1:]),
            "parameters": layer.count_params(),
        }
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    ]
    return pd.DataFrame(rows).set_index("layer")


def forward_flops(model: keras.Model) -> float:
    """Floating-point operations of one forward pass of one image, counted as 2 per
    multiply-add of the convolutions (``Conv1D/2D/3D``, ``DepthwiseConv2D``,
    ``SeparableConv2D``) and dense layers (also when a dense layer acts on every
    position of a feature map, as LC2FER's pointwise layers do); nested models
    (a transfer-learning backbone) are counted layer by layer. Biases,
    normalisation, activations and pooling are left out: they add a few percent."""
    flops = 0.0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            flops += forward_flops(layer)
        elif isinstance(layer, keras.layers.SeparableConv2D):
            positions = _positions(layer.output)
            kh, kw = layer.kernel_size
            mid = layer.input.shape[-1] * layer.depth_multiplier
            flops += 2.0 * positions * (kh * kw * mid + mid * layer.filters)
        elif isinstance(layer, keras.layers.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            flops += 2.0 * _positions(layer.output) * kh * kw * layer.input.shape[-1] * layer.depth_multiplier
        elif isinstance(layer, (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)):
            window = 1
            for side in layer.kernel_size:
                window *= side
            per_group = layer.input.shape[-1] // layer.groups
            flops += 2.0 * _positions(layer.output) * window * per_group * layer.filters
        elif isinstance(layer, keras.layers.Dense):
            flops += 2.0 * _positions(layer.output) * layer.input.shape[-1] * layer.units
    return flops


def _positions(tensor) -> int:
    """Spatial positions of a channels-last tensor (1 for a plain vector)."""
    count = 1
    for side in tensor.shape[1:-1]:
        count *= side
    return count


def model_catalogue() -> pd.DataFrame:
    """Name, parameter count, forward FLOPs per image and one-line description of
    every registered network, each built with its defaults (the transfer-learning
    model without weights: its warning about that is not repeated here)."""
    rows = []
    for name, builder in MODELS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model = builder()
        rows.append({
            "model": name,
            "parameters": model.count_params(),
            "flops": int(forward_flops(model)),
            "description": builder.__doc__.strip().splitlines()[0],
        })
    return pd.DataFrame(rows).set_index("model")
