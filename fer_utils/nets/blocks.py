"""The building blocks of a CNN written out in plain NumPy, next to Keras.

Each function here computes what one Keras layer computes, with nothing but
array arithmetic, so that chapter 4 can show the formulas of seed 000 (§2.5)
at work and the tests can check them against Keras on the same weights. They
are references for reading and testing, not for training: Keras is the one
that runs on the data.

Conventions follow Keras: images are ``(batch, height, width, channels)``
(NHWC), convolution kernels ``(kernel_height, kernel_width, in_channels,
filters)``, dense weights ``(inputs, units)``, and ``padding`` is ``"valid"``
(no padding) or ``"same"`` (zeros around the image, as few as give
``ceil(n / stride)`` outputs, the odd one at the end).

The module also holds the small calculations that go with the blocks: output
sizes, parameter counts, the receptive field of every layer of a model, and the
feature maps a trained model computes for one face. Only those last two need
Keras; it is imported where they run, so the NumPy blocks (and the figures
drawn with them) do not pay TensorFlow's start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import keras

PADDINGS = ("valid", "same")


# --------------------------------------------------------------- shapes & checks


def _check_padding(padding: str) -> str:
    if padding not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding


def _check_positive(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def _check_images(x, what: str = "x") -> np.ndarray:
    """A batch of images as float64 (N, H, W, C); anything else is refused by name."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 4:
        raise ValueError(
            f"{what} must be a batch of images shaped (batch, height, width, channels), "
            f"got {x.ndim} dimension(s) {x.shape}; add axes with x[None, ..., None] for one "
            "grayscale image"
        )
    return x


def output_size(n: int, kernel: int, stride: int = 1, padding: str = "valid") -> int:
    """How many positions a window of size ``kernel`` takes along an axis of ``n`` pixels.

    ``valid``: the window must fit inside the image, so it can start at
    0, s, 2s, ... up to n - k, which gives floor((n - k) / s) + 1 positions.
    ``same``: zeros are added around the image so that the output keeps
    ceil(n / s) positions whatever the kernel (n itself at stride 1).
    """
    n, kernel, stride = (_check_positive(v, w) for v, w in ((n, "n"), (kernel, "kernel"), (stride, "stride")))
    if _check_padding(padding) == "same":
        return -(-n // stride)
    if kernel > n:
        raise ValueError(f"a {kernel}-pixel kernel does not fit into {n} pixels with 'valid' padding")
    return (n - kernel) // stride + 1


def _padding_amounts(n: int, kernel: int, stride: int, padding: str) -> tuple[int, int]:
    """Zeros before and after one axis; 'same' puts the odd one at the end, as TensorFlow does."""
    if padding == "valid":
        return 0, 0
    total = max((output_size(n, kernel, stride, "same") - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2


def _pad(x: np.ndarray, kernel: tuple[int, int], stride: int, padding: str, value: float = 0.0):
    (top, bottom), (left, right) = (
        _padding_amounts(n, k, stride, padding) for n, k in zip(x.shape[1:3], kernel)
    )
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


def _windows(x: np.ndarray, kernel: tuple[int, int], stride: int, padding: str, value: float = 0.0):
    """Yield ``(i, j, slab)``: for each offset (i, j) inside the kernel, the input
    pixels x[u*s + i, v*s + j] for every output position (u, v) at once.

    Summing ``f(i, j) * slab`` over the offsets is formula (1); taking the maximum
    of the slabs is max-pooling. Looping over the few kernel offsets instead of
    the many output positions keeps the code short and fast enough for 48x48.
    """
    rows, columns = (
        output_size(n, k, stride, padding) for n, k in zip(x.shape[1:3], kernel)
    )
    padded = _pad(x, kernel, stride, padding, value)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            yield i, j, padded[:, i : i + stride * (rows - 1) + 1 : stride, j : j + stride * (columns - 1) + 1 : stride, :]


# --------------------------------------------------------------- convolution


def conv2d(x, kernel, bias=None, stride: int = 1, padding: str = "valid") -> np.ndarray:
    """Formula (1) of seed 000: each output pixel is the sum of the kernel times the
    patch of input under it, out[u, v] = sum_ij f(i, j) x[u*s + i, v*s + j], plus a bias.

    Why by hand: this is the whole of a convolutional layer. One small kernel
    slides over the image and the same weights are used at every position, which
    is why a layer needs so few parameters and finds a pattern wherever it is.
    With several input channels the sum also runs over the channels; each filter
    (last axis of ``kernel``) gives one output channel. Like Keras (and every deep
    learning library) this does not flip the kernel: strictly speaking it is a
    cross-correlation.

    ``x``: (N, H, W, C); ``kernel``: (kh, kw, C, F); ``bias``: (F,) or None.
    Returns (N, H', W', F) with H' = ``output_size(H, kh, stride, padding)``.
    """
    x = _check_images(x)
    kernel = _check_kernel(kernel, x, "kernel", "(height, width, in_channels, filters)")
    stride, padding = _check_positive(stride, "stride"), _check_padding(padding)
    out = None
    for i, j, slab in _windows(x, kernel.shape[:2], stride, padding):
        term = slab @ kernel[i, j]  # (N, H', W', C) @ (C, F): the sum over channels
        out = term if out is None else out + term
    return out + _check_bias(bias, kernel.shape[3])


def _check_kernel(kernel, x: np.ndarray, what: str, layout: str) -> np.ndarray:
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 4:
        raise ValueError(f"{what} must be shaped {layout}, got {kernel.ndim} dimension(s) {kernel.shape}")
    if kernel.shape[2] != x.shape[3]:
        raise ValueError(f"{what} expects {kernel.shape[2]} input channel(s) but the images have {x.shape[3]}")
    return kernel


def _check_bias(bias, units: int):
    if bias is None:
        return 0.0
    bias = np.asarray(bias, dtype=np.float64)
    if bias.shape != (units,):
        raise ValueError(f"bias must have shape ({units},), one value per output, got {bias.shape}")
    return bias


def depthwise_conv2d(x, kernel, stride: int = 1, padding: str = "valid") -> np.ndarray:
    """Convolve every input channel with its own kernel(s), without mixing channels.

    ``kernel``: (kh, kw, C, M), M kernels per channel (Keras' depth multiplier);
    output channel c*M + m is channel c convolved with kernel[..., c, m].
    """
    x = _check_images(x)
    kernel = _check_kernel(kernel, x, "depthwise kernel", "(height, width, channels, multiplier)")
    stride, padding = _check_positive(stride, "stride"), _check_padding(padding)
    out = None
    for i, j, slab in _windows(x, kernel.shape[:2], stride, padding):
        term = slab[..., None] * kernel[i, j]  # (N, H', W', C, 1) * (C, M)
        out = term if out is None else out + term
    return out.reshape(*out.shape[:3], -1)


def depthwise_separable_conv2d(
    x, depthwise_kernel, pointwise_kernel, bias=None, stride: int = 1, padding: str = "valid"
) -> np.ndarray:
    """A depthwise convolution (space, channel by channel) followed by a 1x1
    convolution (channels, pixel by pixel), as Keras' ``SeparableConv2D``.

    Why: a full k x k convolution learns every (spatial pattern, channel mix)
    pair with its own weights, k*k*C*F of them. Splitting the two jobs costs
    k*k*C + C*F weights instead, about 1/F + 1/k² of the full count, which is
    why seed 001's mini-Xception and seed 003's residual model use it. Stride and
    padding apply to the depthwise step; the 1x1 step keeps the size.

    ``depthwise_kernel``: (kh, kw, C, M); ``pointwise_kernel``: (1, 1, C*M, F).
    """
    pointwise_kernel = np.asarray(pointwise_kernel, dtype=np.float64)
    if pointwise_kernel.ndim != 4 or pointwise_kernel.shape[:2] != (1, 1):
        raise ValueError(
            f"pointwise kernel must be shaped (1, 1, channels, filters), got {pointwise_kernel.shape}"
        )
    depthwise = depthwise_conv2d(x, depthwise_kernel, stride, padding)
    return conv2d(depthwise, pointwise_kernel, bias)


# --------------------------------------------------------------- pooling & activations


def max_pool2d(x, pool_size: int = 2, stride: int | None = None, padding: str = "valid") -> np.ndarray:
    """Formula (2) of seed 000: each output is the largest value in a small window.

    Why: it halves the height and width (with the usual 2x2 window, stride 2), so
    later layers cost a quarter as much and see a wider part of the face, while
    the strongest response of each filter survives a shift of a pixel or so.
    Seed 000 writes the window centred on the pixel; Keras starts it at the
    top-left corner, which is the same operation shifted by half a window. With
    'same' padding the added border counts as minus infinity, so it never wins.
    ``stride`` defaults to ``pool_size``, as in Keras.
    """
    x = _check_images(x)
    pool_size = _check_positive(pool_size, "pool_size")
    stride = pool_size if stride is None else _check_positive(stride, "stride")
    out = None
    for _, _, slab in _windows(x, (pool_size, pool_size), stride, _check_padding(padding), -np.inf):
        out = slab if out is None else np.maximum(out, slab)
    return out


def relu(x) -> np.ndarray:
    """R(x) = max(0, x): negative responses become zero, the rest pass unchanged.

    Why: without a non-linearity between them, stacked layers collapse into a
    single linear map, however many there are. ReLU is the cheapest
    non-linearity, and its gradient (0 or 1) does not shrink as it passes back
    through many layers the way sigmoid's does.
    """
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def dense(x, weights, bias=None, activation=None) -> np.ndarray:
    """Formula (3) of seed 000, F(x) = σ(W x + b): every output sees every input.

    Seed 000 writes W as a (units x inputs) matrix times a column vector; Keras
    stores it transposed, (inputs, units), and multiplies a batch of row vectors,
    x @ W. ``activation`` is None (linear), ``"relu"``, ``"softmax"`` or a function.
    """
    x = np.asarray(x, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2:
        raise ValueError(f"weights must be a matrix (inputs, units), got shape {weights.shape}")
    if x.ndim != 2:
        raise ValueError(
            f"x must be a batch of vectors (batch, inputs), got shape {x.shape}; "
            "flatten images with x.reshape(len(x), -1)"
        )
    if x.shape[1] != weights.shape[0]:
        raise ValueError(f"weights expect {weights.shape[0]} inputs but x has {x.shape[1]}")
    z = x @ weights + _check_bias(bias, weights.shape[1])
    if activation is None:
        return z
    if callable(activation):
        return activation(z)
    known = {"relu": relu, "softmax": softmax}
    if activation not in known:
        raise ValueError(f"activation must be None, 'relu', 'softmax' or a function, got {activation!r}")
    return known[activation](z)


def softmax(z, axis: int = -1) -> np.ndarray:
    """Turn scores into probabilities: exp(z_i) / sum_j exp(z_j).

    Why: the output layer's seven scores become seven positive numbers that add
    up to one, so the cross-entropy loss can compare them with the true emotion.
    Subtracting the largest score first changes nothing mathematically but keeps
    exp() from overflowing on large scores.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def decide(scores, axis: int = -1) -> np.ndarray:
    """Formula (4) of seed 000: the predicted class is the index i whose score is
    at least every other score, i.e. the argmax.

    Softmax preserves the order of the scores, so the decision is the same on
    the scores and on the probabilities. If several classes tie, the formula
    allows each of them; like NumPy and Keras, this takes the first.
    """
    return np.argmax(np.asarray(scores), axis=axis)


# --------------------------------------------------------------- regularising layers


def dropout(x, rate: float, training: bool, seed: int | np.random.Generator | None = 0) -> np.ndarray:
    """Inverted dropout, as Keras does it: zero each value with probability ``rate``
    during training and scale the survivors by 1 / (1 - rate); pass x unchanged
    at inference.

    Why the scaling: each value's expected output during training, (1 - rate) *
    x / (1 - rate), equals x, so the next layer sees inputs of the same size in
    training and inference and nothing needs rescaling when dropout is switched
    off. Why dropout at all: a unit cannot rely on any particular other unit
    being present, which discourages co-adapted, memorised features.
    """
    x = np.asarray(x, dtype=np.float64)
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate!r}")
    if not training or rate == 0:
        return x
    rng = np.random.default_rng(seed)
    keep = rng.random(x.shape) >= rate
    return np.where(keep, x / (1 - rate), 0.0)


def batch_norm(
    x, gamma, beta, moving_mean, moving_variance, training: bool,
    momentum: float = 0.99, epsilon: float = 1e-3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch normalisation over the last axis (the channels), as Keras'
    ``BatchNormalization``: y = gamma * (x - mean) / sqrt(var + epsilon) + beta.

    Why two modes: during training, ``mean`` and ``var`` are those of the
    current batch (every axis but the channels; the variance divides by n), so
    each channel enters the next layer centred and scaled whatever the weights
    before it did, which lets the network train with larger learning rates. A
    single image at inference has no batch, so there the layer uses moving
    averages collected during training, updated after each batch as
    moving = momentum * moving + (1 - momentum) * batch statistic. With Keras'
    momentum 0.99 they need a few hundred batches to catch up, and they lag
    behind whenever the weights change fast: early in training the same network
    can score very differently in the two modes.

    Returns ``(y, moving_mean, moving_variance)``: the updated averages in
    training mode, the given ones unchanged at inference.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"x must have a batch axis and a channel axis, got shape {x.shape}")
    channels = x.shape[-1]
    gamma, beta, moving_mean, moving_variance = (
        _check_bias(value, channels) for value in (gamma, beta, moving_mean, moving_variance)
    )
    if training:
        axes = tuple(range(x.ndim - 1))
        mean, variance = x.mean(axis=axes), x.var(axis=axes)
        moving_mean = momentum * moving_mean + (1 - momentum) * mean
        moving_variance = momentum * moving_variance + (1 - momentum) * variance
    else:
        mean, variance = moving_mean, moving_variance
    y = gamma * (x - mean) / np.sqrt(variance + epsilon) + beta
    return y, moving_mean, moving_variance


def batch_norm_trace(
    images, batch_size: int = 64, steps: int = 600, momentum: float = 0.99, seed: int = 0,
    every: int = 10,
) -> pd.DataFrame:
    """How far the two modes of batch normalisation disagree as training goes on.

    Raw pixels (one channel, mean about 130, standard deviation about 60) are
    fed through ``batch_norm`` batch after batch, as a network's first layer
    would see them. In training mode every batch comes out with mean 0 and
    standard deviation 1 at once; in inference mode the output is only
    standardised once the moving averages have caught up, after roughly
    1 / (1 - momentum) batches. Returns one row per recorded step and mode with
    the output's mean and standard deviation.
    """
    pixels = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    rng = np.random.default_rng(seed)
    moving_mean, moving_variance = np.zeros(1), np.ones(1)
    ones, zeros = np.ones(1), np.zeros(1)
    rows = []
    for step in range(1, steps + 1):
        batch = pixels[rng.choice(len(pixels), size=min(batch_size, len(pixels)), replace=False)]
        batch = batch.reshape(-1, 1)
        trained, moving_mean, moving_variance = batch_norm(
            batch, ones, zeros, moving_mean, moving_variance, training=True, momentum=momentum
        )
        if step == 1 or step % every == 0:
            inferred, _, _ = batch_norm(batch, ones, zeros, moving_mean, moving_variance, training=False)
            for mode, y in (("training (batch statistics)", trained), ("inference (moving averages)", inferred)):
                rows.append({"step": step, "mode": mode, "mean": y.mean(), "std": y.std()})
    return pd.DataFrame(rows)


# --------------------------------------------------------------- parameter counts


def conv_parameters(kernel_size: int, in_channels: int, filters: int, bias: bool = True) -> int:
    """Weights of a Conv2D layer: k*k*C per filter (one kernel slice per input
    channel), plus one bias per filter. Independent of the image size."""
    k, c, f = (_check_positive(v, w) for v, w in ((kernel_size, "kernel_size"), (in_channels, "in_channels"), (filters, "filters")))
    return k * k * c * f + (f if bias else 0)


def separable_parameters(
    kernel_size: int, in_channels: int, filters: int, depth_multiplier: int = 1, bias: bool = True
) -> int:
    """Weights of a SeparableConv2D layer: k*k*C*M depthwise, C*M*F pointwise, F biases."""
    k, c, f, m = (
        _check_positive(v, w) for v, w in (
            (kernel_size, "kernel_size"), (in_channels, "in_channels"), (filters, "filters"),
            (depth_multiplier, "depth_multiplier"),
        )
    )
    return k * k * c * m + c * m * f + (f if bias else 0)


def separable_saving(kernel_size: int, in_channels: int, filters: int) -> pd.DataFrame:
    """A full and a depthwise-separable convolution of the same shape, side by side."""
    full = conv_parameters(kernel_size, in_channels, filters)
    separable = separable_parameters(kernel_size, in_channels, filters)
    shape = f"{kernel_size}x{kernel_size}, {in_channels} → {filters} channels"
    return pd.DataFrame(
        {"layer": [f"Conv2D {shape}", f"SeparableConv2D {shape}"],
         "parameters": [full, separable],
         "share of Conv2D": [1.0, separable / full]}
    ).set_index("layer")


def stacked_versus_single(channels: int = 3) -> pd.DataFrame:
    """Seed 000's example: two stacked 3x3 convolutions against one 5x5.

    Both see a 5x5 patch of the layer below (their receptive field, computed
    here, not assumed). Counted per output filter, with ``channels`` input
    channels to each layer and no biases: 2 * 3*3*C = 54 against 5*5*C = 75
    weights for C = 3. The same 18 : 25 ratio holds for whole layers of C
    filters, and the stack adds a ReLU in between, so it is both cheaper and
    more expressive.
    """
    designs = {
        "two stacked 3x3": [(3, 1, "conv")] * 2,
        "one 5x5": [(5, 1, "conv")],
    }
    rows = []
    for design, layers in designs.items():
        per_filter = sum(conv_parameters(k, channels, 1, bias=False) for k, _, _ in layers)
        whole = sum(conv_parameters(k, channels, channels, bias=False) for k, _, _ in layers)
        field = receptive_field_table(layers)["receptive field"].iloc[-1]
        rows.append({
            "design": design,
            "weights per filter": per_filter,
            f"weights, {channels} filters per layer": whole,
            "receptive field": int(field),
            "ReLUs": len(layers),
        })
    return pd.DataFrame(rows).set_index("design")


# --------------------------------------------------------------- receptive field


def receptive_field_table(layers: Sequence[tuple], input_size: int | None = None) -> pd.DataFrame:
    """Receptive field and jump after each layer of a chain.

    ``layers`` holds ``(kernel, stride, name)`` or ``(kernel, stride, name, padding)``
    tuples. The recursion starts from one input pixel (field 1, jump 1):

        field_out = field_in + (kernel - 1) * jump_in,   jump_out = jump_in * stride

    The *jump* is how many input pixels apart two neighbouring outputs of a
    layer are; the *receptive field* is the width of the input patch one
    output depends on. With ``input_size`` the output size is added (padding
    defaults to 'valid').
    """
    field, jump, size = 1, 1, input_size
    rows = []
    for layer in layers:
        kernel, stride, name = layer[:3]
        padding = layer[3] if len(layer) > 3 else "valid"
        kernel, stride = _check_positive(kernel, "kernel"), _check_positive(stride, "stride")
        field, jump = field + (kernel - 1) * jump, jump * stride
        row = {"layer": name, "kernel": kernel, "stride": stride, "padding": padding}
        if size is not None:
            size = output_size(size, kernel, stride, padding)
            row["output size"] = size
        row.update({"jump": jump, "receptive field": field})
        rows.append(row)
    return pd.DataFrame(rows)


@cache
def _layer_kinds() -> tuple[tuple, tuple, tuple]:
    """Keras layer classes by their effect on the receptive field: pixel-wise ones
    keep it, windowed ones grow it, collapsing ones end the spatial part."""
    import keras

    layers = keras.layers
    pixelwise = (
        layers.BatchNormalization, layers.Dropout, layers.SpatialDropout2D, layers.Activation, layers.ReLU,
        layers.LeakyReLU, layers.Rescaling, layers.Normalization, layers.GaussianNoise, layers.LayerNormalization,
    )
    windowed = (
        layers.Conv2D, layers.SeparableConv2D, layers.DepthwiseConv2D, layers.MaxPooling2D, layers.AveragePooling2D,
    )
    collapsing = (layers.Flatten, layers.GlobalAveragePooling2D, layers.GlobalMaxPooling2D)
    return pixelwise, windowed, collapsing


def _square(value, what: str, layer) -> int:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(set(values)) != 1:
        raise ValueError(f"layer {layer.name!r}: only square {what}s are supported, got {values}")
    return int(values[0])


def _chain(model: keras.Model) -> list:
    """The model's layers in order, after checking that each feeds only the next."""
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    previous = model.inputs[0] if len(model.inputs) == 1 else None
    for layer in layers:
        try:
            source = layer.input
        except (AttributeError, ValueError) as error:
            raise ValueError(f"layer {layer.name!r} is used more than once; only plain chains are supported") from error
        if previous is None or source is not previous:
            raise ValueError(
                f"layer {layer.name!r} does not simply follow the previous layer (a branch or "
                "a merge); receptive_fields handles plain chains such as Sequential models"
            )
        previous = layer.output
    return layers


def receptive_fields(model: keras.Model, pixelwise: bool = True) -> pd.DataFrame:
    """Output size, jump and receptive field after every spatial layer of ``model``.

    Walks a chain model (Sequential, or functional without branches) from its
    input: convolutions and poolings enlarge the receptive field by
    (kernel - 1) * jump and multiply the jump by their stride; pixel-wise layers
    (batch norm, activations, dropout, rescaling) leave both unchanged and are
    listed for completeness; the walk stops at the first layer that collapses
    the image (Flatten, global pooling). Dilated kernels count with their
    effective size. Each computed output size is checked against Keras' own.
    ``pixelwise=False`` leaves the pixel-wise layers out of the table.
    """
    import keras

    pixelwise_layers, windowed_layers, collapsing_layers = _layer_kinds()
    shape = model.inputs[0].shape
    if len(shape) != 4:
        raise ValueError(f"model input must be images (batch, height, width, channels), got {shape}")
    size, field, jump = shape[1], 1, 1
    inputs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.InputLayer)]
    rows = [{"layer": inputs[0] if inputs else "input", "type": "Input", "kernel": None, "stride": None,
             "padding": "", "output size": size, "jump": jump, "receptive field": field}]
    for layer in _chain(model):
        if isinstance(layer, collapsing_layers):
            break
        kernel = stride = None
        padding = ""
        if isinstance(layer, windowed_layers):
            if isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
                kernel, dilation = _square(layer.pool_size, "pool size", layer), 1
            else:
                kernel = _square(layer.kernel_size, "kernel", layer)
                dilation = _square(layer.dilation_rate, "dilation rate", layer)
            stride, padding = _square(layer.strides, "stride", layer), layer.padding
            effective = dilation * (kernel - 1) + 1
            size = output_size(size, effective, stride, padding)
            field, jump = field + (effective - 1) * jump, jump * stride
        elif not isinstance(layer, pixelwise_layers):
            raise ValueError(
                f"layer {layer.name!r} ({type(layer).__name__}): its effect on the receptive "
                "field is unknown here"
            )
        keras_size = layer.output.shape[1]
        if keras_size is not None and keras_size != size:
            raise AssertionError(f"{layer.name}: computed output size {size}, Keras says {keras_size}")
        if kernel is None and not pixelwise:
            continue
        rows.append({"layer": layer.name, "type": type(layer).__name__, "kernel": kernel,
                     "stride": stride, "padding": padding, "output size": size, "jump": jump,
                     "receptive field": field})
    table = pd.DataFrame(rows).set_index("layer")
    return table.astype({"kernel": "Int64", "stride": "Int64"})


# --------------------------------------------------------------- feature maps


def conv_layer_names(model: keras.Model) -> list[str]:
    """Names of the model's convolution layers, input side first."""
    import keras

    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def feature_maps(model: keras.Model, image, layer_names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """What chosen layers of ``model`` compute for one face, in inference mode.

    ``image`` is one raw face, 0-255, shaped (48, 48) or (48, 48, 1): the
    report's models rescale pixels themselves. ``layer_names`` defaults to the
    first and the middle convolution. Returns ``{name: (height, width,
    channels)}`` in the order asked.
    """
    import keras

    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., None]
    expected = tuple(model.inputs[0].shape[1:])
    if image.shape != expected:
        raise ValueError(f"image must be one face shaped {expected[:2]} or {expected}, got {image.shape}")
    if layer_names is None:
        convolutions = conv_layer_names(model)
        if not convolutions:
            raise ValueError(f"model {model.name!r} has no convolution layer; name the layers to show")
        layer_names = list(dict.fromkeys([convolutions[0], convolutions[len(convolutions) // 2]]))
    known = [layer.name for layer in model.layers]
    missing = [name for name in layer_names if name not in known]
    if missing:
        raise ValueError(f"model {model.name!r} has no layer(s) {missing}; it has {known}")
    probe = keras.Model(model.inputs[0], [model.get_layer(name).output for name in layer_names])
    outputs = probe(image[None].astype("float32"), training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return {name: np.asarray(out)[0] for name, out in zip(layer_names, outputs)}


# --------------------------------------------------------------- reading kernels and feature maps

KERNELS: dict[str, np.ndarray] = {
    "vertical edges (Sobel)": np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]),
    "horizontal edges (Sobel)": np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]]),
    "outline (Laplacian)": np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]),
    "blur (Gaussian)": np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]) / 16,
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
    "identity": np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
}
"""Classic hand-made 3x3 kernels, to try on a face (chapter 4's interactive cell).

The Sobel kernels subtract one side of the window from the other, so their
weights add up to zero: a flat patch gives 0, a change of brightness a large
answer. Blur and identity have weights of one sign that add up to one: they
pass the brightness on. Sharpen adds an outline to the identity."""

CENTRE = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
"""The centre weight of a 3x3 kernel alone: ``KERNELS[name] + w * CENTRE`` adds ``w`` to it."""

RESEMBLANCE_THRESHOLD = 0.5
"""The smallest correlation (in absolute value) at which :func:`map_resemblance`
says a feature map follows the face's brightness or one of its edge maps."""


def edge_maps(face) -> dict[str, np.ndarray]:
    """Where the brightness of one face changes, by direction: the positive and
    negative parts of the two Sobel responses, and their magnitude.

    The face is padded by repeating its border pixels, so the frame of the image
    is not an edge (zeros around it would be).
    """
    face = np.asarray(face, dtype=np.float64).squeeze()
    if face.ndim != 2:
        raise ValueError(f"face must be one grey image (height, width), got shape {np.shape(face)}")
    padded = np.pad(face, 1, mode="edge")[None, ..., None]
    left_right = conv2d(padded, KERNELS["vertical edges (Sobel)"][:, :, None, None])[0, ..., 0]
    top_bottom = conv2d(padded, KERNELS["horizontal edges (Sobel)"][:, :, None, None])[0, ..., 0]
    return {
        "vertical, brighter left": np.maximum(left_right, 0.0),
        "vertical, brighter right": np.maximum(-left_right, 0.0),
        "horizontal, brighter above": np.maximum(top_bottom, 0.0),
        "horizontal, brighter below": np.maximum(-top_bottom, 0.0),
        "any direction": np.hypot(left_right, top_bottom),
    }


def _shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Average ``image`` over blocks so that it is ``size`` (a whole factor smaller)."""
    factor = image.shape[0] // size[0]
    if factor < 1 or image.shape[0] != factor * size[0] or image.shape[1] != factor * size[1]:
        raise ValueError(f"a {image.shape} face does not shrink by a whole factor to a {size} feature map")
    return image.reshape(size[0], factor, size[1], factor).mean(axis=(1, 3))


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's r of two maps without their outer ring of pixels (where 'same'
    padding answers to the frame); NaN when either is constant there."""
    a, b = a[1:-1, 1:-1].ravel(), b[1:-1, 1:-1].ravel()
    if a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def map_resemblance(face, maps: dict[str, np.ndarray], threshold: float = RESEMBLANCE_THRESHOLD) -> pd.DataFrame:
    """What each channel of some feature maps follows: the face's brightness, its edges, or neither.

    For every channel of every layer in ``maps`` (``{layer: (height, width,
    channels)}``, what :func:`feature_maps` returns), the map is correlated with
    the face itself (its brightness) and with each of its :func:`edge_maps`, all
    averaged down to the map's size. ``brightness r`` is the first correlation
    (negative: the map is the face's negative), ``edge r`` the largest of the
    others in absolute value and ``edge`` the edge map it belongs to. ``follows``
    is ``"brightness"`` or ``"edges"``, whichever correlation is larger in absolute
    value, if that reaches ``threshold``; ``"neither"`` if not; ``"silent"`` for
    a channel that is constant (a ReLU that is zero everywhere). One row per
    (layer, channel).
    """
    face = np.asarray(face, dtype=np.float64).squeeze()
    edges = edge_maps(face)
    rows = []
    for layer, values in maps.items():
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 3:
            raise ValueError(f"{layer}: feature maps must be (height, width, channels), got shape {values.shape}")
        size = values.shape[:2]
        brightness = _shrink(face, size)
        shrunk = {name: _shrink(edge, size) for name, edge in edges.items()}
        for channel in range(values.shape[2]):
            channel_map = values[..., channel]
            r_brightness = _correlation(channel_map, brightness)
            r_edges = {name: _correlation(channel_map, edge) for name, edge in shrunk.items()}
            edge = max(r_edges, key=lambda name: -1.0 if np.isnan(r_edges[name]) else abs(r_edges[name]))
            r_edge = r_edges[edge]
            if np.isnan(r_brightness):
                follows = "silent"
            elif max(abs(r_brightness), abs(r_edge)) < threshold:
                follows = "neither"
            else:
                follows = "brightness" if abs(r_brightness) >= abs(r_edge) else "edges"
            rows.append({"layer": layer, "channel": channel, "brightness r": r_brightness, "edge r": r_edge,
                         "edge": edge, "follows": follows})
    return pd.DataFrame(rows).set_index(["layer", "channel"])


def resemblance_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Channels per layer and kind (brightness, edges, neither, silent) of a
    :func:`map_resemblance` table, the layers in their order."""
    kinds = ["brightness", "edges", "neither", "silent"]
    layers = list(dict.fromkeys(table.index.get_level_values("layer")))
    counts = table.groupby(level="layer")["follows"].value_counts().unstack(fill_value=0)
    return counts.reindex(index=layers, columns=kinds, fill_value=0).rename_axis(columns=None)
