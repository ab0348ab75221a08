"""Network builders and the registry of networks that ``train`` accepts.

Every model takes raw 0-255 pixels shaped (48, 48, 1) and rescales them itself,
optionally blurs held-out faces to the training faces' sharpness
(:class:`~fer_utils.sharpness.HeldOutBlur`), and ends in an
:class:`EmotionProbabilities` layer that carries the label names. A saved model
therefore needs no separate preprocessing and no separate label list.
"""

from __future__ import annotations

from typing import Callable

import keras
import pandas as pd

from .labels import EMOTIONS, NUM_CLASSES
from .sharpness import HeldOutBlur

INPUT_SHAPE = (48, 48, 1)


@keras.saving.register_keras_serializable(package="fer_utils")
class EmotionProbabilities(keras.layers.Layer):
    """Softmax over the emotion scores, carrying the emotion names.

    ``model.get_layer("emotion").labels[i]`` names output ``i``. It computes in
    float32 even under mixed precision, where a bfloat16 softmax loses the small
    probabilities that the loss needs.
    """

    def __init__(self, labels=EMOTIONS, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.labels = tuple(labels)

    def call(self, scores):
        return keras.ops.softmax(keras.ops.cast(scores, "float32"))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "labels": list(self.labels)}


def label_names(model: keras.Model) -> tuple[str, ...]:
    """The emotion each output of a model built here stands for."""
    return model.get_layer("emotion").labels


def _pixels(input_blur: float) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The model input and the rescaled (and, if asked, held-out-blurred) tensor."""
    inputs = keras.Input(INPUT_SHAPE, name="pixels")
    x = HeldOutBlur(input_blur, name="held_out_blur")(inputs) if input_blur else inputs
    return inputs, keras.layers.Rescaling(1 / 255, name="rescaling")(x)


def _emotions(x: keras.KerasTensor) -> keras.KerasTensor:
    scores = keras.layers.Dense(NUM_CLASSES, name="scores")(x)
    return EmotionProbabilities(name="emotion")(scores)


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
    inputs, x = _pixels(input_blur)
    for width in filters:
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(dropout)(x)
    return keras.Model(inputs, _emotions(x), name=name)


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
    inputs, x = _pixels(input_blur)
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
    return keras.Model(inputs, _emotions(x), name=name)


MODELS: dict[str, Callable[..., keras.Model]] = {
    "baseline_cnn": baseline_cnn,
    "small_cnn": small_cnn,
}
"""Every network ``train`` accepts, by the name the command line uses."""


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


def model_catalogue() -> pd.DataFrame:
    """Name, parameter count and one-line description of every registered network."""
    rows = [
        {
            "model": name,
            "parameters": builder().count_params(),
            "description": builder.__doc__.strip().splitlines()[0],
        }
        for name, builder in MODELS.items()
    ]
    return pd.DataFrame(rows).set_index("model")
