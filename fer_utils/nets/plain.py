"""Plain networks (no shortcuts): seed 000's baseline CNN (chapter 5), the small CNN
of the controlled experiments (chapters 3 and 6), and seed 004's six-convolution
CNN and the feed-forward baseline it compares the CNN with (chapter 8).

Seed 004 (written with PyTorch) gives the shape of both but not every width or
rate; the values it leaves open are chosen here and named as options.
"""

from __future__ import annotations

import keras

from fer_utils.nets.parts import emotions, pixels


def small_cnn(
    filters: tuple[int, ...] = (16, 32, 64), dropout: float = 0.3,
    name: str = "small_cnn",
) -> keras.Model:
    """A compact CNN for controlled experiments that must run many times on a CPU.

    Each block is conv-BN-ReLU then max-pooling, and a single dense layer reads
    the last feature maps where they are: an expression is told by *where* a
    feature appears (a curve at the mouth, not at the brows), which global
    average pooling would throw away (an earlier version that used it stayed
    near the majority-class accuracy after three epochs on FER-2013). About 40k
    parameters, and an epoch of FER-2013's 28,709 training images takes about a
    minute on two cores.
    """
    inputs, x = pixels()
    for width in filters:
        x = keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(dropout)(x)
    return keras.Model(inputs, emotions(x), name=name)


def baseline_cnn(
    dense_units: int = 128, dense_dropout: float = 0.0, name: str = "baseline_cnn"
) -> keras.Model:
    """The CNN of seed 000 (their Fig. 13): 869,703 parameters with the defaults.

    Five 3x3 convolutions with ReLU and batch normalisation (32, 64 | 64 | 128,
    128 filters), 2x2 max-pooling and dropout 0.25 after each of the three
    stages, then a dense layer and the 7-way softmax. ``dense_units`` and
    ``dense_dropout`` (a dropout after the dense layer, absent in Fig. 13) are
    what seed 000's hyperparameter search tunes.
    """
    inputs, x = pixels()
    for stage in ((32, 64), (64,), (128, 128)):
        for width in stage:
            x = keras.layers.Conv2D(width, 3, padding="same", activation="relu")(x)
            x = keras.layers.BatchNormalization()(x)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Dropout(0.25)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(dense_units, activation="relu")(x)
    if dense_dropout:
        x = keras.layers.Dropout(dense_dropout)(x)
    return keras.Model(inputs, emotions(x), name=name)


def six_conv_cnn(
    filters: tuple[int, ...] = (32, 32, 64, 64, 128, 128), dropout: float = 0.25, dense_units: int = 256,
    dense_dropout: float = 0.5, name: str = "six_conv_cnn",
) -> keras.Model:
    """Seed 004's CNN: six 3x3 convolutions, ReLU then batch norm, max-pooling every two, dense head.

    As seed 004 lists it: six convolutions, each followed by ReLU and then batch
    normalisation (after the activation, not before), a 2x2 max-pooling after
    every second convolution, dropout, and fully connected layers that classify.
    Its widths, rates and dense size are not given; here the filters double at
    each pooling (``filters``), ``dropout`` follows each pooling, and one dense
    ReLU layer of ``dense_units`` with ``dense_dropout`` reads the flattened 6x6
    maps. Seed 004 reports 63.78% test accuracy, 68.61% after offline
    augmentation and simulated annealing of its training settings.
    """
    inputs, x = pixels()
    for i, width in enumerate(filters, start=1):
        x = keras.layers.Conv2D(width, 3, padding="same", activation="relu", name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(name=f"conv{i}_bn")(x)
        if i % 2 == 0:
            x = keras.layers.MaxPooling2D(name=f"pool{i // 2}")(x)
            x = keras.layers.Dropout(dropout, name=f"pool{i // 2}_dropout")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = keras.layers.Dropout(dense_dropout, name="dense_dropout")(x)
    return keras.Model(inputs, emotions(x), name=name)


def feed_forward(
    hidden: tuple[int, ...] = (1024, 512, 256, 128), dropout: float = 0.3, negative_slope: float = 0.01,
    name: str = "feed_forward",
) -> keras.Model:
    """Seed 004's feed-forward baseline: 2304-1024-512-256-128-7, LeakyReLU, Glorot init, dropout.

    The 48x48 face becomes a vector of 2,304 pixels; four dense layers of
    ``hidden`` units, each with LeakyReLU (``negative_slope`` 0.01, PyTorch's
    default, which seed 004 used; Keras' own default is 0.3) and ``dropout``,
    then the seven scores. Weights start from Glorot ("Xavier") uniform, which
    seed 004 found 0.2 points better than plain random. It reports 47-48% test
    accuracy: a floor that shows what the convolutions add.
    """
    inputs, x = pixels()
    x = keras.layers.Flatten(name="flatten")(x)
    for i, units in enumerate(hidden, start=1):
        x = keras.layers.Dense(units, kernel_initializer="glorot_uniform", name=f"dense{i}")(x)
        x = keras.layers.LeakyReLU(negative_slope=negative_slope, name=f"dense{i}_leaky_relu")(x)
        x = keras.layers.Dropout(dropout, name=f"dense{i}_dropout")(x)
    return keras.Model(inputs, emotions(x), name=name)
