"""The registry of networks that ``train`` accepts, one builder per name.

Every model takes raw 0-255 pixels, shaped (48, 48, 1) with the builders'
defaults, rescales them itself, and ends in an :class:`EmotionProbabilities`
layer that carries the label names (:mod:`fer_utils.nets.parts`), so a saved
model needs no separate preprocessing and no separate label list. The builders
live in :mod:`fer_utils.nets`, one module per family.
"""

from __future__ import annotations

import warnings
from typing import Callable

import keras
import pandas as pd

from fer_utils.nets import lc2fer, plain, resnet, transfer, xception
from fer_utils.nets.measure import forward_flops
from fer_utils.nets.random_residual import random_residual


MODELS: dict[str, Callable[..., keras.Model]] = {
    "baseline_cnn": plain.baseline_cnn,
    "small_cnn": plain.small_cnn,
    "mini_xception": xception.mini_xception,
    "residual_separable": xception.residual_separable,
    **lc2fer.BUILDERS,
    "six_conv_cnn": plain.six_conv_cnn,
    "feed_forward": plain.feed_forward,
    "resnet_transfer": transfer.resnet_transfer,
    "random_residual": random_residual,
    "compact_resnet": resnet.compact_resnet,
}
"""Every network ``train`` accepts, by the name the command line uses. Each builder
takes ``name`` and, with its defaults, the (48, 48, 1) faces."""


def build_model(name: str, **options) -> keras.Model:
    """The network registered as ``name``, built with ``options``."""
    try:
        builder = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}") from None
    return builder(**options)


def model_catalogue() -> pd.DataFrame:
    """Name, parameter count, forward FLOPs per image and one-line description of
    every registered network, each built with its defaults (the transfer-learning
    model without weights: its warning about that is not repeated here)."""
    rows = []
    for name, builder in MODELS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            model = builder()
        rows.append({
            "model": name,
            "parameters": model.count_params(),
            "flops": int(forward_flops(model)),
            "description": builder.__doc__.strip().splitlines()[0],
        })
    return pd.DataFrame(rows).set_index("model")
