"""The input and output ends that every network of the package shares.

Every network takes raw 0-255 pixels and rescales them itself (:func:`pixels`),
optionally blurring held-out faces to the training faces' sharpness
(:class:`~fer_utils.sharpness.HeldOutBlur`), and ends in an
:class:`EmotionProbabilities` layer named ``"emotion"`` that carries the label
names (:func:`emotions`). A saved model therefore needs no separate
preprocessing and no separate label list.

This module sits below :mod:`fer_utils.models` (the registry) and the family
modules of :mod:`fer_utils.networks`, which both import it.
"""

from __future__ import annotations

import keras

from .labels import EMOTIONS, NUM_CLASSES
from .sharpness import HeldOutBlur

INPUT_SHAPE = (48, 48, 1)
"""FER-2013's faces: 48x48 pixels, one grey channel."""


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
    """The emotion each output of a model built here stands for (for the built-in-layers
    copy that :mod:`fer_utils.reference` publishes, whose ``Softmax`` carries no names:
    :data:`~fer_utils.labels.EMOTIONS`, the order every network of the package uses)."""
    return tuple(getattr(model.get_layer("emotion"), "labels", EMOTIONS))


def pixels(
    input_blur: float = 0.0, input_shape: tuple[int, int, int] = INPUT_SHAPE
) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The model input (raw 0-255 pixels) and the tensor rescaled to 0..1.

    ``input_blur`` > 0 puts a held-out blur of that width first; it works on
    grey faces only, so a colour ``input_shape`` (RAF-DB's 100x100x3) refuses it.
    """
    if input_blur and input_shape[-1] != 1:
        raise ValueError(
            f"the held-out blur works on grey faces only; got input_blur={input_blur} "
            f"with input shape {tuple(input_shape)}"
        )
    inputs = keras.Input(tuple(input_shape), name="pixels")
    x = HeldOutBlur(input_blur, name="held_out_blur")(inputs) if input_blur else inputs
    return inputs, keras.layers.Rescaling(1 / 255, name="rescaling")(x)


def probabilities(scores: keras.KerasTensor) -> keras.KerasTensor:
    """The model's output: the softmax of seven class ``scores``, with the label names."""
    return EmotionProbabilities(name="emotion")(scores)


def emotions(x: keras.KerasTensor) -> keras.KerasTensor:
    """The usual head: a dense layer of seven class scores (named ``"scores"``), then
    :func:`probabilities`."""
    return probabilities(keras.layers.Dense(NUM_CLASSES, name="scores")(x))
