"""A trained network of this package rewritten with built-in Keras layers only.

The networks end in a layer of their own that carries the emotion names
(:class:`~fer_utils.nets.parts.EmotionProbabilities`), so loading them needs
``fer_utils`` imported first. The published reference model must open with
nothing but Keras (``keras.models.load_model(path)``, safe mode), so
:func:`plain_keras_model` swaps that layer for a ``Softmax`` named ``emotion``,
computing in float32 as the original does; the emotion names, in output order,
are :data:`fer_utils.data.labels.EMOTIONS` and stand in the model card. Every
other layer is shared with the trained network, weights included. A network
that uses any other layer of its own is refused, naming the layer.

A network trained under mixed bfloat16 (the engine's choice on CPUs with AMX)
is copied to compute in float32: its weights are float32 already, and a
published model must run at full speed on CPUs without bfloat16 arithmetic,
where TensorFlow emulates it.
"""

from __future__ import annotations

import keras

from fer_utils.nets.parts import EmotionProbabilities


def plain_keras_model(model: keras.Model) -> keras.Model:
    """``model`` computing in float32 (:func:`in_float32`) with its package layers
    replaced by built-in ones (see the module's docstring); ``model`` itself is
    left as it was."""
    def swap(layer):
        if isinstance(layer, EmotionProbabilities):
            return keras.layers.Softmax(name=layer.name, dtype="float32")
        if not _built_in(layer):
            raise ValueError(f"layer {layer.name!r} ({type(layer).__module__}.{type(layer).__name__}) is not a "
                             f"built-in Keras layer; the plain copy cannot stand in for it")
        return layer

    return keras.models.clone_model(in_float32(model), clone_function=swap)


def in_float32(model: keras.Model) -> keras.Model:
    """``model`` (itself, when it computes in float32 already) or a copy of it whose
    layers all compute in float32, with the same weights."""
    if all(layer.dtype_policy.name == "float32" for layer in model.layers):
        return model

    def cast(layer):
        if layer.dtype_policy.name == "float32":
            return layer
        return type(layer).from_config({**layer.get_config(), "dtype": "float32"})

    copy = keras.models.clone_model(model, clone_function=cast)
    copy.set_weights(model.get_weights())
    return copy


def _built_in(layer) -> bool:
    if not type(layer).__module__.startswith("keras."):
        return False
    return all(_built_in(inner) for inner in getattr(layer, "layers", []))


def custom_layers(model: keras.Model) -> list[str]:
    """Names of the layers (at any depth) that are not built into Keras."""
    found = []
    for layer in model.layers:
        if not type(layer).__module__.startswith("keras."):
            found.append(layer.name)
        elif isinstance(layer, keras.Model):
            found += custom_layers(layer)
    return found
