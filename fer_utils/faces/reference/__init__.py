"""The reference model that ships inside the package, and how a training run becomes it.

``model.keras`` holds the network without optimizer state (only what predicting
needs), written with built-in Keras layers only (:mod:`fer_utils.nets.portable`),
so ``keras.models.load_model`` opens it in safe mode without this package; it
takes raw 0-255 grey faces (48, 48, 1) and outputs the probabilities of the
seven emotions in :data:`fer_utils.data.labels.EMOTIONS`' order. ``card.json`` and
``card.md`` say how it was trained and how well it does: the training command,
the data and its digest, the dates, the wall time, the machine, and accuracy,
macro-F1 and recall per emotion on PublicTest and PrivateTest;
``training_log.csv`` is the run's history, one row per epoch (losses,
accuracies, learning rate, seconds). ``fer-utils predict`` loads it, so reading
the faces in a photo needs no dataset and no training.

``fer-utils publish artifacts/run-<model>-<key>`` replaces it with a better run of
the training engine (:mod:`fer_utils.studies.reference`);
``benchmarks/reference_accuracy.py`` re-measures the shipped file with plain Keras.
"""

from __future__ import annotations

import functools
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
NAME = "reference"
"""What ``--model`` calls the shipped model."""
MODEL_FILE, CARD_FILE, CARD_MARKDOWN = "model.keras", "card.json", "card.md"
TRAINING_LOG = "training_log.csv"
"""The run's history, one row per epoch: the training log beside the card."""


def load_model(path=None):
    """A saved network of this package, ready to predict: the shipped reference
    model, or the ``.keras`` file at ``path``, read through the package's checked
    loader (:func:`fer_utils.engine.artifacts.load_model_file`): a damaged, empty
    or foreign file is named with what is wrong and what to do, never loaded."""
    if path is None:
        return _shipped_model()
    from fer_utils.engine.artifacts import load_model_file

    return load_model_file(Path(path), USER_MODEL_REMEDY, compile=False)


USER_MODEL_REMEDY = "save the model again with model.save(path), or pass another .keras file"
SHIPPED_MODEL_REMEDY = ("the installation is damaged: reinstall fer_utils (pip install --force-reinstall .), "
                        "or publish a finished run again with `fer-utils publish artifacts/run-...`")


@functools.lru_cache(maxsize=1)
def _shipped_model():
    """The shipped model, loaded once per process."""
    from fer_utils.engine.artifacts import load_model_file

    path = FOLDER / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no reference model in this installation; publish one with "
            f"`fer-utils publish artifacts/run-...`, or pass --model FILE.keras"
        )
    return load_model_file(path, SHIPPED_MODEL_REMEDY, compile=False)


def card(folder: Path = FOLDER) -> dict:
    """What ``card.json`` records about the shipped model."""
    from fer_utils.engine.artifacts import read_json

    path = Path(folder) / CARD_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no model card in this folder")
    return read_json(path, SHIPPED_MODEL_REMEDY)
