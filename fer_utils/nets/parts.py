"""The input and output ends that every network of the package shares.

Every network takes raw 0-255 pixels and rescales them itself (:func:`pixels`),
and ends in an :class:`EmotionProbabilities` layer named ``"emotion"`` that
carries the label names (:func:`emotions`). A saved model therefore needs no separate
preprocessing and no separate label list.

The family modules of :mod:`fer_utils.nets` and the registry import it.
"""

from __future__ import annotations

import keras

from fer_utils.data.labels import EMOTIONS, NUM_CLASSES

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
    copy that :mod:`fer_utils.faces.reference` publishes, whose ``Softmax`` carries no names:
    :data:`~fer_utils.data.labels.EMOTIONS`, the order every network of the package uses)."""
    return tuple(getattr(model.get_layer("emotion"), "labels", EMOTIONS))


def pixels(input_shape: tuple[int, int, int] = INPUT_SHAPE) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The model input (raw 0-255 pixels) and the tensor rescaled to 0..1."""
    inputs = keras.Input(tuple(input_shape), name="pixels")
    return inputs, keras.layers.Rescaling(1 / 255, name="rescaling")(inputs)


def probabilities(scores: keras.KerasTensor) -> keras.KerasTensor:
    """The model's output: the softmax of seven class ``scores``, with the label names."""
    return EmotionProbabilities(name="emotion")(scores)


def emotions(x: keras.KerasTensor) -> keras.KerasTensor:
    """The usual head: a dense layer of seven class scores (named ``"scores"``), then
    :func:`probabilities`."""
    return probabilities(keras.layers.Dense(NUM_CLASSES, name="scores")(x))
