"""LC2FER: the light ConvNeXt V2 for facial expressions of seed 002.

The network is a row of *stages*. Each stage starts with a downsampling
convolution of kernel ``k`` and stride ``a`` (the paper's S = (k, a); the first
stage's is the "stem", which cuts the face into patches) and continues with
``B`` CX2FER blocks of ``D`` channels. A CX2FER block (the paper's Fig. 2.2,
ConvNeXt V2's block) is:

    x -> depthwise 7x7 conv -> LayerNorm -> Dense(4D) -> GELU -> GRN -> Dense(D)
      -> dropout / stochastic depth -> + x

with the Global Response Normalisation of the paper's formula (1),
:class:`GlobalResponseNormalization`. After the last stage: global average
pooling, a layer normalisation and the seven scores, as in ConvNeXt V2.

Details the paper leaves to ConvNeXt V2 and which are taken from it (Woo et al.,
2023): LayerNorm with epsilon 1e-6 after the stem and before every later
downsampling convolution, convolutions without padding for downsampling,
truncated-normal initialisation (standard deviation 0.02), GELU, and stochastic
depth rising linearly from 0 to ``drop_path`` over the blocks.

:data:`CONFIGURATIONS` holds the eight configurations C1-C8 of the paper's
Table 2.1; :func:`parameter_table` sets their sizes beside the paper's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd

from fer_utils.nets.measure import forward_flops
from fer_utils.nets.parts import INPUT_SHAPE, emotions, pixels

RAFDB_INPUT_SHAPE = (100, 100, 3)
"""RAF-DB's aligned faces, on which seed 002 measured its configurations."""


@dataclass(frozen=True)
class Configuration:
    """One row of seed 002's Table 2.1."""

    downsampling: tuple[tuple[int, int], ...]
    """S: (kernel, stride) of each stage's downsampling convolution."""
    blocks: tuple[int, ...]
    """B: CX2FER blocks per stage."""
    dims: tuple[int, ...]
    """D: channels per stage."""

    def __str__(self) -> str:
        return f"S={list(self.downsampling)}, B={list(self.blocks)}, D={list(self.dims)}"


CONFIGURATIONS: dict[str, Configuration] = {
    # C1 is ConvNeXt V2 Atto; C2-C3 merge its first two stages; C4-C8 halve the stem's stride
    "c1": Configuration(((4, 4), (2, 2), (2, 2), (2, 2)), (2, 2, 6, 2), (40, 80, 160, 320)),
    "c2": Configuration(((4, 4), (3, 3), (2, 2)), (2, 4, 2), (64, 128, 256)),
    "c3": Configuration(((4, 4), (3, 3), (2, 2)), (2, 4, 2), (128, 256, 512)),
    "c4": Configuration(((4, 2), (3, 3), (2, 2)), (2, 4, 2), (64, 128, 256)),
    "c5": Configuration(((4, 2), (3, 3), (2, 2)), (2, 2, 2), (64, 128, 256)),
    "c6": Configuration(((4, 2), (3, 3), (2, 2)), (1, 1, 1), (64, 128, 256)),
    "c7": Configuration(((4, 2), (3, 3), (2, 2)), (1, 1, 1), (128, 256, 512)),
    "c8": Configuration(((4, 2), (3, 3), (2, 2)), (1, 1, 1), (40, 80, 160)),
}
"""Seed 002's Table 2.1, by lower-case name."""

PAPER_PARAMETERS: dict[str, tuple[float, str]] = {
    "c1": (3.4e6, "stated"),
    "c2": (1.9e6, "stated"),
    "c3": (7.5e6, "stated"),
    "c6": (0.93e6, "inferred"),
    "c7": (3.64e6, "inferred"),
    "c8": (0.37e6, "inferred"),
}
"""Parameter counts seed 002 gives (RAF-DB input). "stated": named in the text
(C1 3.4M, C2 1.9M, C3 7.5M, section 2.2). "inferred": the text gives the numbers
0.37M (the smallest model), 0.93M and 3.64M ("when the output channels double")
with the configuration names lost; the only consistent reading is C8, C6 and C7.
The paper gives no count for C4 and C5."""

PAPER_TEST_ACCURACY = {"c1": 69.17, "c2": 70.99, "c3": 69.69, "c4": 72.97, "c5": 73.47, "c6": 73.27,
                       "c7": 73.08, "c8": 71.87}
"""Seed 002's accuracy (%) on RAF-DB's test set without augmentation (their results table)."""


def _init():
    return keras.initializers.TruncatedNormal(stddev=0.02)


@keras.saving.register_keras_serializable(package="fer_utils")
class GlobalResponseNormalization(keras.layers.Layer):
    """Global Response Normalisation (ConvNeXt V2; seed 002's formula (1)).

    For feature maps X of shape (batch, height, width, channels):

        G_c = ||X_c||_2 over height and width         (each channel's global response)
        N_c = G_c / (mean over channels of G + eps)   (relative to the other channels)
        GRN(X) = gamma * (X * N) + beta + X

    ``gamma`` and ``beta`` are learned per channel and start at zero, so a new
    layer passes its input unchanged. Channels that respond strongly everywhere
    are boosted against the others: a competition between channels that keeps
    them from all learning the same feature.
    """

    def __init__(self, epsilon: float = 1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(shape=(channels,), initializer="zeros", name="gamma")
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta")

    def call(self, x):
        ops = keras.ops
        responses = ops.sqrt(ops.sum(ops.square(x), axis=(1, 2), keepdims=True))
        normalised = responses / (ops.mean(responses, axis=-1, keepdims=True) + self.epsilon)
        return self.gamma * (x * normalised) + self.beta + x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


def grn_reference(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float = 1e-6) -> np.ndarray:
    """Formula (1) in plain NumPy, for checking :class:`GlobalResponseNormalization`."""
    responses = np.sqrt((x.astype(np.float64) ** 2).sum(axis=(1, 2), keepdims=True))
    normalised = responses / (responses.mean(axis=-1, keepdims=True) + epsilon)
    return gamma * (x * normalised) + beta + x


@keras.saving.register_keras_serializable(package="fer_utils")
class StochasticDepth(keras.layers.Layer):
    """Drops a residual branch for a whole sample with probability ``rate`` in
    training (and scales the kept ones by 1 / (1 - rate)); passes it unchanged
    otherwise. The "drop path" of ConvNeXt V2's blocks."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"StochasticDepth needs 0 <= rate < 1, got {rate}")
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, x, training=None):
        if not training or not self.rate:
            return x
        keep = 1.0 - self.rate
        shape = (keras.ops.shape(x)[0],) + (1,) * (len(x.shape) - 1)
        noise = keras.random.uniform(shape, seed=self.seed_generator, dtype=x.dtype)
        return x * keras.ops.floor(keep + noise) / keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def cx2fer_block(x, drop_path: float = 0.0, dropout: float = 0.0, name: str = "block"):
    """One CX2FER block (see the module's docstring) on ``x``'s channels."""
    dim = x.shape[-1]
    y = keras.layers.DepthwiseConv2D(7, padding="same", depthwise_initializer=_init(), name=f"{name}_dwconv")(x)
    y = keras.layers.LayerNormalization(epsilon=1e-6, name=f"{name}_norm")(y)
    y = keras.layers.Dense(4 * dim, kernel_initializer=_init(), name=f"{name}_expand")(y)
    y = keras.layers.Activation("gelu", name=f"{name}_gelu")(y)
    y = GlobalResponseNormalization(name=f"{name}_grn")(y)
    y = keras.layers.Dense(dim, kernel_initializer=_init(), name=f"{name}_project")(y)
    if dropout:
        y = keras.layers.Dropout(dropout, name=f"{name}_dropout")(y)
    if drop_path:
        y = StochasticDepth(drop_path, name=f"{name}_drop_path")(y)
    return keras.layers.Add(name=f"{name}_add")([x, y])


def feature_sizes(configuration: str | Configuration, input_shape=INPUT_SHAPE) -> list[int]:
    """The side of the feature maps after each stage's downsampling (no padding)."""
    config = CONFIGURATIONS[configuration.lower()] if isinstance(configuration, str) else configuration
    sizes, side = [], input_shape[0]
    for kernel, stride in config.downsampling:
        side = (side - kernel) // stride + 1 if side >= kernel else 0
        sizes.append(side)
    return sizes


def lc2fer(
    configuration: str = "c5", input_shape: tuple[int, int, int] = INPUT_SHAPE, drop_path: float = 0.1,
    dropout: float = 0.0, name: str | None = None,
) -> keras.Model:
    """LC2FER (seed 002): ConvNeXt V2 stages of CX2FER blocks; ``configuration`` c1-c8 of Table 2.1.

    ``input_shape`` is FER-2013's (48, 48, 1) by default; (100, 100, 3) is the
    RAF-DB input of the paper (raw 0-255 RGB, rescaled inside). ``drop_path`` is the largest stochastic-depth rate
    (the last block's; ConvNeXt V2 Atto's 0.1), ``dropout`` an ordinary dropout
    on each block's branch (the paper's "Dropout"; off by default).
    """
    key = configuration.lower()
    if key not in CONFIGURATIONS:
        raise ValueError(f"unknown LC2FER configuration {configuration!r}; choose one of {', '.join(CONFIGURATIONS)}")
    config = CONFIGURATIONS[key]
    sizes = feature_sizes(config, input_shape)
    if min(sizes) < 1:
        raise ValueError(f"LC2FER {key.upper()} ({config}) shrinks a {input_shape[0]}-pixel input to nothing: {sizes}")
    rates = iter(np.linspace(0.0, drop_path, sum(config.blocks)))
    inputs, x = pixels(input_shape)
    for stage, ((kernel, stride), blocks, dim) in enumerate(zip(config.downsampling, config.blocks, config.dims)):
        conv = keras.layers.Conv2D(dim, kernel, strides=stride, kernel_initializer=_init(), name=f"stage{stage}_down")
        if stage == 0:
            x = keras.layers.LayerNormalization(epsilon=1e-6, name="stage0_norm")(conv(x))
        else:
            x = conv(keras.layers.LayerNormalization(epsilon=1e-6, name=f"stage{stage}_norm")(x))
        for block in range(blocks):
            x = cx2fer_block(x, float(next(rates)), dropout, name=f"stage{stage}_block{block}")
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.LayerNormalization(epsilon=1e-6, name="head_norm")(x)
    return keras.Model(inputs, emotions(x), name=name or f"lc2fer_{key}")


def _configuration_builder(key: str):
    config = CONFIGURATIONS[key]

    def build(
        input_shape: tuple[int, int, int] = INPUT_SHAPE, drop_path: float = 0.1, dropout: float = 0.0,
        name: str = f"lc2fer_{key}",
    ) -> keras.Model:
        return lc2fer(key, input_shape=input_shape, drop_path=drop_path, dropout=dropout, name=name)

    build.__name__ = build.__qualname__ = f"lc2fer_{key}"
    build.__doc__ = (
        f"LC2FER configuration {key.upper()} (seed 002, Table 2.1): {config}.\n\n"
        "The network of :func:`lc2fer` with this configuration; same options."
    )
    return build


BUILDERS = {f"lc2fer_{key}": _configuration_builder(key) for key in CONFIGURATIONS}
"""One builder per configuration, by registry name (``lc2fer_c1`` ... ``lc2fer_c8``)."""

lc2fer_c1, lc2fer_c2, lc2fer_c3, lc2fer_c4, lc2fer_c5, lc2fer_c6, lc2fer_c7, lc2fer_c8 = BUILDERS.values()


def parameter_table(
    input_shape: tuple[int, int, int] = RAFDB_INPUT_SHAPE, configurations: Sequence[str] | None = None
) -> pd.DataFrame:
    """Each configuration's parameter count and forward FLOPs on ``input_shape``
    (RAF-DB's, as in the paper, by default), beside the paper's count where it gives
    one (:data:`PAPER_PARAMETERS`) and its test accuracy on RAF-DB.
    ``configurations``: names to include (default: C1-C8)."""

    rows = []
    for key in configurations or CONFIGURATIONS:
        key = key.lower()
        config = CONFIGURATIONS[key]
        model = lc2fer(key, input_shape=input_shape)
        paper, source = PAPER_PARAMETERS.get(key, (np.nan, ""))
        parameters = model.count_params()
        rows.append({
            "configuration": key.upper(), "S": str(list(config.downsampling)), "B": str(list(config.blocks)),
            "D": str(list(config.dims)), "feature sizes": str(feature_sizes(config, input_shape)),
            "parameters": parameters, "paper parameters": paper, "paper source": source,
            "ratio to paper": parameters / paper, "MFLOPs": forward_flops(model) / 1e6,
            "paper test accuracy %": PAPER_TEST_ACCURACY[key],
        })
    return pd.DataFrame(rows).set_index("configuration")
