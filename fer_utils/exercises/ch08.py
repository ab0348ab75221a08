"""Chapter 8's exercises: mini-Xception assembled by hand, and the price of a separable convolution.

* 8.1: the whole mini-Xception from the chapter's residual module, compared
  layer by layer with :func:`fer_utils.nets.xception.mini_xception`;
* 8.2: the weights of a separable convolution, compared with Keras.
"""

from __future__ import annotations

from collections import Counter

import keras

from fer_utils.exercises import Verdict, require
from fer_utils.nets.measure import layer_table
from fer_utils.nets.xception import mini_xception

SOFTMAX_KINDS = {"EmotionProbabilities", "Softmax", "Activation"}
"""Layers that may end the network: the package's softmax with emotion names, or Keras' own."""


def _layers(model: keras.Model) -> list[tuple[str, tuple, int]]:
    """(kind, output shape, parameters) of every layer, a softmax of any kind named alike."""
    table = layer_table(model)
    return [("softmax" if kind in SOFTMAX_KINDS else kind, tuple(shape), int(params))
            for kind, shape, params in zip(table["kind"], table["output shape"], table["parameters"])]


def check_mini_xception(answer) -> Verdict:
    """Exercise 8.1: ``answer(widths)`` must build mini-Xception with the residual
    modules' ``widths``: the same layers (kinds, output shapes, parameters) as
    the package's builder, for the seed's widths and for narrower ones."""
    exercise = "8.1"
    require(callable(answer), exercise, "the answer must be the function itself (no brackets after its name).")
    for widths in ((16, 32, 64, 128), (8, 16, 32, 64)):
        model = answer(widths)
        require(isinstance(model, keras.Model), exercise,
                f"for widths {widths} the function returns {type(model).__name__}, not a keras.Model.")
        reference = mini_xception(widths=widths)
        require(model.input_shape[1:] == reference.input_shape[1:] and model.output_shape[1:] == (7,), exercise,
                f"the network takes {model.input_shape[1:]} and gives {model.output_shape[1:]}; it should take "
                f"48x48x1 faces and give 7 probabilities.")
        mine, theirs = Counter(_layers(model)), Counter(_layers(reference))
        missing, extra = theirs - mine, mine - theirs
        require(not missing and not extra, exercise,
                f"for widths {widths} the layers differ from mini_xception's. Missing (kind, output shape, "
                f"parameters): {sorted(missing.elements())[:4]}; not in mini_xception: "
                f"{sorted(extra.elements())[:4]}. Remember the Rescaling layer, the two unpadded 3x3 "
                f"convolutions of 8 filters without bias, four modules, a 3x3 convolution of 7 filters with "
                f"padding, global average pooling and the softmax.")
        require(model.count_params() == reference.count_params(), exercise,
                f"{model.count_params():,} parameters instead of {reference.count_params():,}.")
    return Verdict(exercise, f"Both widths give mini_xception's layers, kinds, shapes and parameters "
                             f"({mini_xception().count_params():,} parameters with the seed's widths).")


def check_separable_weights(answer) -> Verdict:
    """Exercise 8.2: ``answer(channels, filters, kernel)`` must count the weights of a
    ``SeparableConv2D(filters, kernel, use_bias=False)`` on ``channels`` input channels."""
    exercise = "8.2"
    require(callable(answer), exercise, "the answer must be the function itself (no brackets after its name).")
    for channels, filters, kernel in ((8, 16, 3), (1, 7, 5), (64, 128, 3), (128, 32, 7)):
        layer = keras.layers.SeparableConv2D(filters, kernel, use_bias=False)
        layer.build((None, 48, 48, channels))
        got = answer(channels, filters, kernel)
        require(got is not None, exercise, "the function returns None: write its body (it ends with `...` now).")
        require(int(got) == layer.count_params(), exercise,
                f"{channels} channels, {filters} filters of {kernel}x{kernel}: Keras counts "
                f"{layer.count_params():,} weights, the answer {got}. The depthwise step has one kxk filter per "
                f"input channel, the pointwise step one weight per input channel and filter.")
    return Verdict(exercise, "The count matches Keras' SeparableConv2D for four shapes.")
