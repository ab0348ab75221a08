"""Random residual separable networks: seed 003's architecture generator.

Seed 003 found that a network whose every detail was drawn at random beat its
hand-made residual separable network (0.64 -> 0.693 validation accuracy). This
module makes that generator reproducible: :func:`draw_architecture` turns an
integer seed into an :class:`ArchitectureSpec` (a frozen, JSON-serialisable
description), and :func:`random_residual` builds the Keras network of a spec, so
that the training engine can train it as ``train("random_residual", data,
model_options={"seed": 3})`` and a search can treat the seed as one more
hyperparameter (chapter 6's random architecture search).

The network, as seed 003 draws it:

* a stem: 3x3 convolution of 8 filters without padding (48 -> 46 pixels),
  batch normalisation and a random activation;
* 2 to 8 residual blocks, each with its own random filters (16-56), kernel size
  (3, 5 or 7), stride (1 or 2), activation, bias on/off, batch normalisation
  on/off at three places and dropout on/off (rate 0.1-0.6). A block is
  ``x -> separable conv -> [BN] -> activation -> separable conv -> [BN] ->
  max-pool(kernel, stride)``, added to a shortcut ``conv(stride) -> [BN]``;
* global average or global max pooling, then the seven emotion scores.

Three departures from seed 003, each for a reason:

* the shortcut is a 1x1 convolution (as in seed 003's hand-made network); its
  random network used the block's kernel there, which costs up to 49 times more
  multiply-adds per block and made a single draw train ten times slower than the
  baseline CNN on a CPU;
* at most :data:`MAX_DOWNSAMPLING` blocks have stride 2 (46 -> 23 -> 12 -> 6 -> 3
  pixels); later stride-2 draws become stride 1, so the last feature maps are
  never smaller than 3x3 and every draw is a valid network for 48x48 faces
  (with "same" padding a map would never vanish, but 1x1 maps leave kernels
  nothing to look at);
* ``softmax`` is not among the hidden activations (a softmax over channels makes
  every pixel's features sum to one); the seven scores come from a dense layer
  and the package's :class:`~fer_utils.nets.parts.EmotionProbabilities`, as in
  every other network, instead of a 7-filter convolution with a random activation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import keras
import numpy as np

from fer_utils.nets.parts import emotions, pixels

ACTIVATIONS = ("relu", "elu", "selu", "softplus", "softsign", "tanh", "sigmoid", "linear")
"""Seed 003's list of activations, without softmax (see the module docstring)."""
FILTERS = tuple(range(16, 57, 8))
"""16, 24, ..., 56: seed 003's ``randrange(2, 8) * 8``."""
KERNEL_SIZES = (3, 5, 7)
STRIDES = (1, 2)
DROPOUT_RATES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
BLOCKS = (2, 8)
"""Fewest and most residual blocks (seed 003: ``randrange(2, 9)``)."""
POOLINGS = ("average", "max")
MAX_DOWNSAMPLING = 4
"""Stride-2 blocks allowed: 46 -> 23 -> 12 -> 6 -> 3 pixels."""
STEM_FILTERS = 8
L2 = 1e-4
"""L2 weight on the convolution kernels. Seed 003 used 0.01; the penalty is part
of the validation loss that searches compare, so it is kept small here to let a
random network's ``val_loss`` stand beside the baseline CNN's (which has none)."""


@dataclass(frozen=True)
class BlockSpec:
    """One residual block of a random network."""

    filters: int
    kernel_size: int
    stride: int
    activation: str
    use_bias: bool
    batch_norm: tuple[bool, bool, bool]
    """Batch normalisation after the shortcut, after the first and after the second separable convolution."""
    dropout: float
    """Dropout rate after the block; 0.0: no dropout."""

    def __post_init__(self):
        problems = []
        if not isinstance(self.filters, (int, np.integer)) or self.filters < 1:
            problems.append(f"filters must be a positive integer, got {self.filters!r}")
        if (
            not isinstance(self.kernel_size, (int, np.integer))
            or self.kernel_size < 1 or self.kernel_size % 2 == 0
        ):
            problems.append(f"kernel_size must be a positive odd integer, got {self.kernel_size!r}")
        if self.stride not in STRIDES:
            problems.append(f"stride must be one of {STRIDES}, got {self.stride!r}")
        if self.activation not in ACTIVATIONS:
            problems.append(f"activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")
        if len(self.batch_norm) != 3:
            problems.append(f"batch_norm needs three flags (shortcut, first, second), got {self.batch_norm!r}")
        if not 0.0 <= self.dropout < 1.0:
            problems.append(f"dropout must lie in [0, 1), got {self.dropout!r}")
        if problems:
            raise ValueError("invalid block: " + "; ".join(problems))


@dataclass(frozen=True)
class ArchitectureSpec:
    """A whole random network: stem activation, blocks and the final pooling.

    ``to_dict()`` gives plain JSON types (it can be a model option or a line in
    a results table) and ``from_dict`` reads it back, checking every field.
    """

    blocks: tuple[BlockSpec, ...]
    stem_activation: str
    pooling: str
    """``"average"`` or ``"max"``: global pooling of the last feature maps."""
    l2: float = L2
    seed: int | None = None
    """The seed that drew it (``None`` when written by hand)."""

    def __post_init__(self):
        if not self.blocks:
            raise ValueError("an architecture needs at least one block")
        if self.stem_activation not in ACTIVATIONS:
            raise ValueError(f"stem_activation must be one of {', '.join(ACTIVATIONS)}, got {self.stem_activation!r}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if self.l2 < 0:
            raise ValueError(f"l2 must not be negative, got {self.l2!r}")
        downsampling = sum(block.stride == 2 for block in self.blocks)
        if downsampling > MAX_DOWNSAMPLING:
            smallest = feature_map_size(MAX_DOWNSAMPLING)
            raise ValueError(
                f"{downsampling} stride-2 blocks would shrink the 46x46 maps below {smallest}x{smallest}; "
                f"at most {MAX_DOWNSAMPLING} allowed"
            )

    @property
    def feature_size(self) -> int:
        """Height (and width) of the last feature maps."""
        return feature_map_size(sum(block.stride == 2 for block in self.blocks))

    def to_dict(self) -> dict:
        return json.loads(json.dumps(asdict(self)))  # plain JSON types: lists, not tuples

    @classmethod
    def from_dict(cls, spec: dict) -> ArchitectureSpec:
        if isinstance(spec, ArchitectureSpec):
            return spec
        try:
            blocks = tuple(
                BlockSpec(**{**block, "batch_norm": tuple(bool(flag) for flag in block["batch_norm"])})
                for block in spec["blocks"]
            )
            return cls(**{**spec, "blocks": blocks})
        except (KeyError, TypeError) as error:
            raise ValueError(f"not an architecture spec ({error}): {spec!r}") from None

    def describe(self) -> str:
        """One line for a table: blocks, filters, kernels, downsampling, pooling."""
        filters = [block.filters for block in self.blocks]
        kernels = sorted({block.kernel_size for block in self.blocks})
        norms = sum(sum(block.batch_norm) for block in self.blocks)
        dropouts = sum(block.dropout > 0 for block in self.blocks)
        return (
            f"{len(self.blocks)} blocks, {min(filters)}-{max(filters)} filters, "
            f"kernels {'/'.join(map(str, kernels))}, {self.feature_size}x{self.feature_size} maps, "
            f"{norms} BN, {dropouts} dropout, {self.pooling} pool"
        )


def feature_map_size(downsampling: int, stem_output: int = 46) -> int:
    """Side of the feature maps after ``downsampling`` stride-2 blocks ("same" padding halves, rounding up)."""
    size = stem_output
    for _ in range(downsampling):
        size = -(-size // 2)
    return size


def draw_architecture(seed: int) -> ArchitectureSpec:
    """The random network of ``seed`` (the same seed always gives the same spec)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng([int(seed), 3])  # 3: seed 003's generator

    def pick(options):
        return options[int(rng.integers(len(options)))]

    stem_activation = pick(ACTIVATIONS)
    blocks, downsampling = [], 0
    for _ in range(int(rng.integers(BLOCKS[0], BLOCKS[1] + 1))):
        # every draw is made whatever its outcome, so one choice never shifts the others
        filters, kernel, stride = pick(FILTERS), pick(KERNEL_SIZES), pick(STRIDES)
        activation, use_bias = pick(ACTIVATIONS), bool(rng.integers(2))
        batch_norm = tuple(bool(flag) for flag in rng.integers(2, size=3))
        dropout = pick(DROPOUT_RATES) if rng.integers(2) else 0.0
        if stride == 2 and downsampling == MAX_DOWNSAMPLING:
            stride = 1
        downsampling += stride == 2
        blocks.append(BlockSpec(
            filters=int(filters), kernel_size=int(kernel), stride=int(stride), activation=activation,
            use_bias=use_bias, batch_norm=batch_norm, dropout=float(dropout),
        ))
    return ArchitectureSpec(
        blocks=tuple(blocks), stem_activation=stem_activation, pooling=pick(POOLINGS), seed=int(seed)
    )


def random_residual(
    spec: dict | ArchitectureSpec | None = None, seed: int = 0,
    name: str = "random_residual",
) -> keras.Model:
    """A random residual separable network (seed 003's generator), drawn from ``seed`` or given as ``spec``.

    ``spec`` (an :class:`ArchitectureSpec` or its ``to_dict()``) wins over
    ``seed``. The default, seed 0, is one fixed draw, so the registry can list it.
    """
    spec = ArchitectureSpec.from_dict(spec) if spec is not None else draw_architecture(seed)
    regulariser = keras.regularizers.L2(spec.l2) if spec.l2 else None
    inputs, x = pixels()
    x = keras.layers.Conv2D(STEM_FILTERS, 3, use_bias=False, kernel_regularizer=regulariser, name="stem_conv")(x)
    x = keras.layers.BatchNormalization(name="stem_bn")(x)
    x = keras.layers.Activation(spec.stem_activation, name="stem_activation")(x)
    for i, block in enumerate(spec.blocks, start=1):
        x = _block(x, block, regulariser, f"block{i}")
    pooling = keras.layers.GlobalAveragePooling2D if spec.pooling == "average" else keras.layers.GlobalMaxPooling2D
    x = pooling(name="pool")(x)
    return keras.Model(inputs, emotions(x), name=name)


def _block(x, block: BlockSpec, regulariser, name: str):
    shortcut_norm, first_norm, second_norm = block.batch_norm
    shortcut = keras.layers.Conv2D(
        block.filters, 1, strides=block.stride, padding="same", use_bias=block.use_bias, name=f"{name}_shortcut"
    )(x)
    if shortcut_norm:
        shortcut = keras.layers.BatchNormalization(name=f"{name}_shortcut_bn")(shortcut)
    for step, norm in ((1, first_norm), (2, second_norm)):
        x = keras.layers.SeparableConv2D(
            block.filters, block.kernel_size, padding="same", use_bias=block.use_bias,
            depthwise_regularizer=regulariser, pointwise_regularizer=regulariser, name=f"{name}_sepconv{step}",
        )(x)
        if norm:
            x = keras.layers.BatchNormalization(name=f"{name}_sepconv{step}_bn")(x)
        if step == 1:
            x = keras.layers.Activation(block.activation, name=f"{name}_activation")(x)
    x = keras.layers.MaxPooling2D(block.kernel_size, strides=block.stride, padding="same", name=f"{name}_pool")(x)
    x = keras.layers.Add(name=f"{name}_add")([x, shortcut])
    if block.dropout:
        x = keras.layers.Dropout(block.dropout, name=f"{name}_dropout")(x)
    return x
