"""Chapter 5's exercises: the baseline network and its training written in Keras.

* 5.1: seed 000's tuned variant of the baseline (a dense layer of 256 units and
  dropout 0.5 after it) built as Keras layers, compared layer by layer with
  :func:`fer_utils.nets.plain.baseline_cnn`;
* 5.2: the early-stopping and checkpoint callbacks of a plain ``model.fit``,
  set as the training engine sets them.
"""

from __future__ import annotations

import keras

from fer_utils.exercises import Verdict, require
from fer_utils.nets.measure import compare_layers
from fer_utils.nets.plain import baseline_cnn

WIDER = {"dense_units": 256, "dense_dropout": 0.5}
"""The variant of exercise 5.1."""
PATIENCE = 8
"""Epochs without a lower validation loss before the engine stops a run."""


def check_wider_baseline(answer) -> Verdict:
    """Exercise 5.1: ``answer`` must be a Keras model equal, layer by layer (kind,
    output shape, parameters), to ``baseline_cnn(dense_units=256, dense_dropout=0.5)``."""
    exercise = "5.1"
    require(answer is not None, exercise, "`wider` is still None: build the model in the first cell.")
    require(isinstance(answer, keras.Model), exercise,
            f"the answer must be a Keras model (keras.Sequential([...]) or keras.Model(inputs, outputs)), "
            f"got {type(answer).__name__}.")
    reference = baseline_cnn(**WIDER)
    table = compare_layers(answer, reference)
    wrong = table.index[~table[("", "same")].to_numpy(dtype=bool)]
    if len(wrong):
        first = table.loc[wrong[0]]

        def side(name):
            kind, shape, count = (first[(name, c)] for c in ("kind", "output shape", "parameters"))
            return "nothing" if not isinstance(kind, str) else f"{kind} with output {shape} and {count} parameters"

        require(False, exercise,
                f"layer {wrong[0]} differs: the answer has {side('model')}, the reference {side('reference')}. "
                f"Start from the baseline of section 5.1 and change only its head: Dense(256, relu), then "
                f"Dropout(0.5), then Dense(7) and EmotionProbabilities.")
    ours, theirs = table.attrs["parameters"]
    return Verdict(exercise, f"All {len(table)} layers match baseline_cnn(dense_units=256, dense_dropout=0.5): "
                             f"{ours:,} parameters, against {theirs:,}.")


def _find(callbacks, kind, exercise: str):
    found = [c for c in callbacks if isinstance(c, kind)]
    require(len(found) == 1, exercise,
            f"the list must hold one keras.callbacks.{kind.__name__}, it holds {len(found)}.")
    return found[0]


def check_callbacks(answer) -> Verdict:
    """Exercise 5.2: ``answer`` must be a list with an ``EarlyStopping`` that watches
    ``val_loss`` with patience 8 and a ``ModelCheckpoint`` that saves a ``.keras``
    file only when ``val_loss`` reaches a new low."""
    exercise = "5.2"
    require(answer is not None, exercise, "`callbacks` is still None: make the list in the first cell.")
    require(isinstance(answer, (list, tuple)), exercise,
            f"give a list of callbacks, as model.fit(callbacks=[...]) takes, got {type(answer).__name__}.")
    stopping = _find(answer, keras.callbacks.EarlyStopping, exercise)
    require(stopping.monitor == "val_loss", exercise,
            f"EarlyStopping watches {stopping.monitor!r}; the engine watches the validation loss, 'val_loss' "
            f"(the training loss keeps falling while the network memorises).")
    require(stopping.patience == PATIENCE, exercise,
            f"EarlyStopping has patience {stopping.patience}; the engine waits {PATIENCE} epochs.")
    checkpoint = _find(answer, keras.callbacks.ModelCheckpoint, exercise)
    require(checkpoint.monitor == "val_loss", exercise,
            f"ModelCheckpoint watches {checkpoint.monitor!r}; keep the epoch of the lowest 'val_loss'.")
    require(checkpoint.save_best_only, exercise,
            "ModelCheckpoint saves after every epoch; with save_best_only=True it keeps only a new best.")
    require(str(checkpoint.filepath).endswith(".keras"), exercise,
            f"the checkpoint's file {checkpoint.filepath!r} must end in .keras to hold the whole model.")
    require(not checkpoint.save_weights_only, exercise,
            "save the whole model (save_weights_only=False), as the engine does, so that it loads on its own.")
    return Verdict(exercise, "EarlyStopping(val_loss, patience 8) and ModelCheckpoint(val_loss, best only, "
                             ".keras) are set as the training engine sets them.")
