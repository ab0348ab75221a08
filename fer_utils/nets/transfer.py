"""Transfer learning: a trained network's features, given a new head.

:func:`copy_trunk` starts a network from the convolutional trunk of one trained
on FER-2013 itself (chapter 6's warm-started trials); the rest of this module is
seed 004's transfer from ImageNet.

Seed 004 fine-tuned torchvision's ResNet-18. Keras ships no ResNet-18; its
smallest ResNets are ResNet50 and ResNet50V2 (23.6 million parameters without
the top), and it ships MobileNetV2 (2.3 million) for a lighter backbone. The
model here repeats the grey face into three channels, resizes it inside the
model (64 pixels by default, to keep a CPU epoch affordable; ImageNet networks
saw 224), scales it to -1..1 as both backbones expect, and puts dropout and the
seven scores on the backbone's globally pooled features.

**Weights come from a local file, never from the internet**: this project must
run without a network (CI, the offline report), so the builder never asks Keras
to download ``"imagenet"`` weights. Without ``weights_path`` it warns and starts
from random weights, which trains the architecture from scratch: not transfer
learning. To get the file once, on a machine with a connection::

    python -c "import keras; keras.applications.ResNet50V2(include_top=False, weights='imagenet')"
    # Keras keeps it as ~/.keras/models/resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5

then pass ``weights_path`` (``model_options={"weights_path": ...}`` for
``train``). Fine-tuning in two steps: train the head with ``frozen=True``, then
:func:`unfreeze_backbone`, compile again with a small learning rate, and train on.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import keras

from fer_utils.nets.parts import emotions, pixels

BACKBONES = {
    "resnet50v2": (keras.applications.ResNet50V2, "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5"),
    "mobilenet_v2": (
        keras.applications.MobileNetV2, "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{size}_no_top.h5"
    ),
}
"""Backbones by name: the Keras application and the name of its ImageNet weights
file without the top (what ``weights_path`` should point to). Both take inputs
scaled to -1..1."""


def resnet_transfer(
    weights_path: str | None = None, frozen: bool | None = None, backbone: str = "resnet50v2",
    image_size: int = 64, dropout: float = 0.3, name: str = "resnet_transfer",
) -> keras.Model:
    """Transfer learning (seed 004): a Keras ResNet50V2 backbone on the face repeated to RGB and resized.

    ``weights_path``: a local ImageNet weights file for ``backbone`` without the
    top (see :data:`BACKBONES`); ``None`` warns and trains from scratch.
    ``frozen``: keep the backbone's weights fixed and train only the head (its
    batch normalisation then stays in inference mode, also after
    :func:`unfreeze_backbone`, as Keras' fine-tuning guide advises); by default
    frozen exactly when weights are loaded. ``backbone``: "resnet50v2" or
    "mobilenet_v2". ``image_size``: the side the face is resized to (at least 32).
    """
    if backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {backbone!r}; choose one of {', '.join(BACKBONES)}")
    application, weights_file = BACKBONES[backbone]
    weights_file = weights_file.format(size=image_size)
    if weights_path is None:
        warnings.warn(
            f"{name}: no ImageNet weights given, so the {backbone} backbone starts from random weights and "
            f"trains from scratch (this is not transfer learning). Downloads are never attempted here; "
            f"fetch {weights_file} once on a machine with internet access (keras.applications."
            f"{application.__name__}(include_top=False, weights='imagenet') saves it in ~/.keras/models/) "
            f"and pass its path as weights_path (model_options={{'weights_path': ...}} for train).",
            UserWarning, stacklevel=2,
        )
    elif not Path(weights_path).is_file():
        raise FileNotFoundError(f"{name}: no weights file at {weights_path} (expected {weights_file})")
    if frozen is None:
        frozen = weights_path is not None
    inputs, x = pixels()  # 0..1
    x = keras.layers.Resizing(image_size, image_size, name="resize")(x)
    x = keras.layers.Concatenate(name="grey_to_rgb")([x, x, x])
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="to_plus_minus_one")(x)
    base = application(
        include_top=False, weights=None, input_shape=(image_size, image_size, 3), pooling="avg",
        name="backbone",
    )
    if weights_path is not None:
        base.load_weights(weights_path)
    base.trainable = not frozen
    # A frozen backbone runs its batch normalisation in inference mode for good, so
    # that unfreezing it later for fine-tuning does not wreck the learned statistics.
    x = base(x, training=False) if frozen else base(x)
    x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    return keras.Model(inputs, emotions(x), name=name)


TRUNK_ENDS = (keras.layers.Flatten, keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D)
"""The layers that end a trunk: where the feature maps become one vector for the head."""


def trunk_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The layers with weights before ``model``'s first Flatten or global pooling
    layer: its feature extractor, in order."""
    layers = []
    for layer in model.layers:
        if isinstance(layer, TRUNK_ENDS):
            return layers
        if layer.weights:
            layers.append(layer)
    raise ValueError(f"{model.name} has no Flatten or global pooling layer, so no trunk to tell from its head")


def copy_trunk(source: keras.Model, target: keras.Model, source_name: str | None = None) -> int:
    """Give ``target``'s trunk (:func:`trunk_layers`) the weights of ``source``'s, layer
    by layer, batch normalisation's moving statistics included; the head keeps the
    fresh weights it was built with, so a different dense layer starts as it would
    from scratch. ``source_name`` (a file) names the source in errors. Returns the
    number of layers copied; raises ``ValueError`` naming the first layer that
    differs if the two trunks are not the same network."""
    name = source_name or source.name
    theirs, ours = trunk_layers(source), trunk_layers(target)
    if len(theirs) != len(ours):
        raise ValueError(f"{name}: its trunk has {len(theirs)} layers with weights and {target.name}'s has "
                         f"{len(ours)}: a warm start needs the same convolutional layers")
    for their, our in zip(theirs, ours):
        shapes = [tuple(weight.shape) for weight in their.weights]
        wanted = [tuple(weight.shape) for weight in our.weights]
        if type(their) is not type(our) or shapes != wanted:
            raise ValueError(f"{name}: layer {their.name} ({type(their).__name__}, weights {shapes}) does not match "
                             f"{target.name}'s {our.name} ({type(our).__name__}, weights {wanted})")
        our.set_weights(their.get_weights())
    return len(ours)


def unfreeze_backbone(model: keras.Model, layers: int | None = None) -> int:
    """Make the backbone of a :func:`resnet_transfer` model trainable for fine-tuning:
    its last ``layers`` layers (all when ``None``), batch normalisation excepted.

    Returns the number of trainable weight tensors. Compile the model again
    afterwards (with a learning rate about ten times smaller) for the change
    to take effect.
    """
    base = model.get_layer("backbone")
    base.trainable = True
    first = 0 if layers is None else max(len(base.layers) - layers, 0)
    for i, layer in enumerate(base.layers):
        layer.trainable = i >= first and not isinstance(layer, keras.layers.BatchNormalization)
    return len(model.trainable_weights)
