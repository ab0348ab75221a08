"""A compact ResNet sized for a 2-core CPU: the network of the training recipes
(:mod:`fer_utils.studies.recipes`).

The literature's best single networks on FER-2013 (about 73% on PrivateTest)
are VGG- and ResNet-style CNNs trained with strong augmentation and a long
schedule. Their cost is set less by their parameters than by how many
multiply-adds they spend at full resolution, so this one leaves the 48x48 grid
early:

* a stem: one 3x3 convolution of ``stem`` filters at 48x48, batch norm, ReLU,
  2x2 max-pooling to 24x24;
* stages of basic residual blocks (two 3x3 convolutions with batch norm, added
  to a shortcut), ``widths[i]`` channels and ``blocks[i]`` blocks; every stage
  after the first halves the resolution in its first block (stride 2, and a
  1x1 convolution with stride 2 on the shortcut);
* global average pooling, dropout, and the seven scores.

With the defaults (widths 64, 128, 256 at 24, 12 and 6 pixels, one block
each) it has about 1.2 M parameters and 0.2 GFLOPs per face, close to the
baseline CNN's cost per image; ``widths=[64, 128, 256, 512], blocks=[2, 2, 2, 2]``
is a ResNet-18 for 48x48 faces (about 11 M parameters), the ``full_gpu``
recipe's network. Only built-in Keras layers are used between the shared input
and output ends, so the published copy of a trained network loads with plain
Keras (:mod:`fer_utils.faces.reference`).
"""

from __future__ import annotations

import keras

from fer_utils.nets.parts import emotions, pixels


def _conv_bn(x, filters: int, strides: int, name: str, kernel: int = 3):
    x = keras.layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
    return keras.layers.BatchNormalization(name=f"{name}_bn")(x)


def basic_block(x, filters: int, strides: int, name: str):
    """He et al.'s basic residual block: conv-BN-ReLU-conv-BN plus the shortcut, then ReLU.
    The shortcut is the input itself, or a strided 1x1 convolution with batch norm
    when the block changes the resolution or the width."""
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = _conv_bn(x, filters, strides, f"{name}_shortcut", kernel=1)
    x = _conv_bn(x, filters, strides, f"{name}_a")
    x = keras.layers.ReLU(name=f"{name}_a_relu")(x)
    x = _conv_bn(x, filters, 1, f"{name}_b")
    x = keras.layers.Add(name=f"{name}_add")([x, shortcut])
    return keras.layers.ReLU(name=f"{name}_relu")(x)


def compact_resnet(
    widths=(64, 128, 256), blocks=(1, 1, 1), stem: int = 32, dropout: float = 0.3,
    name: str = "compact_resnet",
) -> keras.Model:
    """Compact ResNet for the CPU recipe: 3x3 stem, pooled, basic residual blocks, global average pooling.

    ``widths`` and ``blocks`` (lists or tuples of the same length) give each
    stage's channels and residual blocks; ``dropout`` comes before the scores.
    """
    widths, blocks = [int(w) for w in widths], [int(b) for b in blocks]
    if not widths or len(widths) != len(blocks) or min(widths + blocks) < 1:
        raise ValueError(f"widths and blocks must be non-empty lists of positive numbers of the same length, "
                         f"got {widths} and {blocks}")
    inputs, x = pixels()
    x = _conv_bn(x, stem, 1, "stem")
    x = keras.layers.ReLU(name="stem_relu")(x)
    x = keras.layers.MaxPooling2D(name="stem_pool")(x)
    for stage, (width, count) in enumerate(zip(widths, blocks), start=1):
        for block in range(1, count + 1):
            strides = 2 if stage > 1 and block == 1 else 1
            x = basic_block(x, width, strides, name=f"stage{stage}_block{block}")
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    return keras.Model(inputs, emotions(x), name=name)
