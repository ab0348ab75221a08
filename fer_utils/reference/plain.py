"""A trained network of this package rewritten with built-in Keras layers only.

The networks keep two layers of their own (:mod:`fer_utils.network_parts`): the
held-out blur (:class:`~fer_utils.sharpness.HeldOutBlur`), which blurs faces
in inference mode only, and the output layer that carries the emotion names
(:class:`~fer_utils.network_parts.EmotionProbabilities`). Loading such a model
needs ``fer_utils`` imported first. The published reference model must open
with nothing but Keras (``keras.models.load_model(path)``, safe mode), so
:func:`plain_keras_model` swaps them for built-in layers that compute the same:

* the blur becomes a ``Sequential`` named ``held_out_blur``: ``Reshape`` to
  (H, W), a ``Dense`` layer without bias that blurs along each row, ``Permute``,
  the same along each column, ``Permute`` back and ``Reshape`` to (H, W, 1).
  A Gaussian blur is separable and linear, and with mirrored borders it is one
  fixed H x H (or W x W) matrix per direction (:func:`blur_matrix`), exactly the
  padding and weights of the layer it replaces, so this is the same arithmetic,
  summed in another order. A ``DepthwiseConv2D`` with Gaussian weights would
  pad with zeros and darken the border. The weights are frozen (not trainable);
  unlike the original, the copy blurs in training mode too: it is a model for
  predicting, not for training further.
* the output becomes a ``Softmax`` layer named ``emotion``, computing in
  float32 as the original does; the emotion names, in output order, are
  :data:`fer_utils.labels.EMOTIONS` and stand in the model card.

Every other layer is shared with the trained network, weights included. A
network that uses any other layer of its own is refused, naming the layer.
"""

from __future__ import annotations

import keras
import numpy as np

from ..network_parts import EmotionProbabilities
from ..sharpness import HeldOutBlur, gaussian_kernel


def blur_matrix(size: int, sigma: float) -> np.ndarray:
    """The (size, size) matrix ``B`` with ``B @ row`` the Gaussian blur of a
    ``row`` of ``size`` pixels, borders mirrored with the edge pixel repeated
    (``cba|abc|cba``: TensorFlow's "symmetric" padding, as :class:`HeldOutBlur`
    and :func:`fer_utils.sharpness.gaussian_blur` use)."""
    kernel = gaussian_kernel(sigma).astype(np.float64)
    radius = len(kernel) // 2
    if radius > size:
        raise ValueError(f"a blur of {sigma} px reaches {radius} px, more than the {size} pixels it mirrors")
    matrix = np.zeros((size, size))
    for out in range(size):
        for offset, weight in zip(range(-radius, radius + 1), kernel):
            source = out + offset
            if source < 0:
                source = -source - 1
            elif source >= size:
                source = 2 * size - source - 1
            matrix[out, source] += weight
    return matrix.astype(np.float32)


def plain_blur(layer: HeldOutBlur, input_shape) -> keras.Sequential:
    """Built-in layers computing what ``layer`` computes in inference mode, for
    faces of ``input_shape`` (H, W, 1)."""
    height, width, channels = (int(v) for v in input_shape)
    if channels != 1:
        raise ValueError(f"the held-out blur works on grey faces, got input shape {tuple(input_shape)}")
    dtype = layer.dtype_policy.name
    along_rows = keras.layers.Dense(width, use_bias=False, trainable=False, dtype=dtype, name="blur_rows")
    along_columns = keras.layers.Dense(height, use_bias=False, trainable=False, dtype=dtype, name="blur_columns")
    blur = keras.Sequential([
        keras.Input((height, width, 1)),
        keras.layers.Reshape((height, width), name="grey"),
        along_rows,  # acts on the last axis: every row of the face
        keras.layers.Permute((2, 1), name="transpose"),
        along_columns,  # rows are now the columns
        keras.layers.Permute((2, 1), name="transpose_back"),
        keras.layers.Reshape((height, width, 1), name="channel"),
    ], name=layer.name)
    # a Dense layer computes x @ kernel, so its kernel is the matrix transposed
    along_rows.set_weights([blur_matrix(width, layer.sigma).T])
    along_columns.set_weights([blur_matrix(height, layer.sigma).T])
    return blur


def plain_keras_model(model: keras.Model) -> keras.Model:
    """``model`` with its package layers replaced by built-in ones (see the
    module's docstring); ``model`` itself is left as it was."""
    def swap(layer):
        if isinstance(layer, HeldOutBlur):
            return plain_blur(layer, model.input_shape[1:])
        if isinstance(layer, EmotionProbabilities):
            return keras.layers.Softmax(name=layer.name, dtype="float32")
        if not _built_in(layer):
            raise ValueError(f"layer {layer.name!r} ({type(layer).__module__}.{type(layer).__name__}) is not a "
                             f"built-in Keras layer; the plain copy cannot stand in for it")
        return layer

    return keras.models.clone_model(model, clone_function=swap)


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
