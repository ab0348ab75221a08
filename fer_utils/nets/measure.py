"""What a network costs: its layers as a table, and the arithmetic of one forward pass."""

from __future__ import annotations

import keras
import pandas as pd


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


def compare_layers(model: keras.Model, reference: keras.Model) -> pd.DataFrame:
    """Two networks side by side, layer by layer (their :func:`layer_table` rows by
    position; names are left out, Keras numbers them per session): kind, output
    shape and parameters of each, and ``same``, whether all three agree. A layer
    that only one of them has gets an empty other side and ``same`` False.
    ``attrs["parameters"]`` holds the two totals."""
    ours, theirs = layer_table(model).reset_index(drop=True), layer_table(reference).reset_index(drop=True)
    table = pd.concat({"model": ours, "reference": theirs}, axis=1)
    for side in ("model", "reference"):
        table[(side, "parameters")] = table[(side, "parameters")].astype("Int64")
    columns = ("kind", "output shape", "parameters")
    table[("", "same")] = [
        all(_present(row[("model", c)]) and _present(row[("reference", c)])
            and row[("model", c)] == row[("reference", c)] for c in columns)
        for _, row in table.iterrows()
    ]
    table.index = pd.RangeIndex(1, len(table) + 1, name="layer")
    table.attrs["parameters"] = (model.count_params(), reference.count_params())
    return table


def _present(value) -> bool:
    """Whether a cell of a table holds a value (a tuple counts; NaN and NA do not)."""
    return isinstance(value, tuple) or not pd.isna(value)
