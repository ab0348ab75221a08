"""Controlled experiments and measurements behind the chapters' comparisons.

Each training experiment trains the same small network several times through
the training engine (:func:`fer_utils.training.train`), changing one thing, and scores every run on
the validation split, so the differences between runs come from that one thing.
"""

from __future__ import annotations

import time

import pandas as pd

from .augmentation import OnlineAugmentation, offline_expansion
from .dataset import FaceDataset
from .evaluation import per_class_scores, predict_labels
from .labels import DISPLAY_NAMES
from .pipeline import images_per_second, training_pipeline
from .profiles import Profile
from .training import train

IMBALANCE_STRATEGIES = ("no weights", "balanced weights", "oversampling")


def imbalance_experiment(dataset: FaceDataset, profile: Profile, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Train without class weights, with balanced weights and with oversampling.

    Returns, per strategy, the per-class precision, recall and F1 on the
    validation split (PublicTest), with ``attrs["seconds"]`` the training time.
    The profile decides the data (a small sample in ``smoke``) and the epochs,
    all of which every run trains (no early stopping: the same budget for all);
    each is scored with the epoch its checkpointer kept, as seed 000 did. The
    runs are the training engine's, so a second call loads them instead of
    training again.
    """
    data = profile.sample(dataset, seed=seed)
    images, labels = data.arrays("validation")
    settings = {
        "no weights": {},
        "balanced weights": {"class_weighting": "balanced"},
        "oversampling": {"oversample": True},
    }
    results = {}
    for strategy in IMBALANCE_STRATEGIES:
        run = train(
            "small_cnn", data, profile=profile, epochs=profile.experiment_epochs, patience=None, seed=seed,
            verbose=0, **settings[strategy],
        )
        scores = per_class_scores(labels, predict_labels(run.model, images))
        scores.attrs["seconds"] = float(run.history["seconds"].sum())
        results[strategy] = scores
    return results


def imbalance_summary(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per strategy: accuracy, macro-F1, disgust's recall and F1, training time."""
    rows = {
        strategy: {
            "accuracy": scores.at["accuracy", "f1"],
            "macro F1": scores.at["macro avg", "f1"],
            "disgust recall": scores.at["Disgust", "recall"],
            "disgust F1": scores.at["Disgust", "f1"],
            "training s": scores.attrs["seconds"],
        }
        for strategy, scores in results.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("strategy")


def recall_by_strategy(results: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Recall per emotion (rows) and strategy (columns)."""
    return pd.DataFrame(
        {strategy: scores.loc[list(DISPLAY_NAMES), "recall"] for strategy, scores in results.items()}
    )


def augmentation_costs(dataset: FaceDataset, batches: int, batch_size: int = 64) -> pd.DataFrame:
    """Online augmentation (seed 002, in the tf.data pipeline) against seed 004's
    offline expansion: images per second and the extra memory each needs.

    Offline expansion pays once, up front, and keeps four copies of the training
    set in memory; online augmentation pays a little per batch, keeps nothing,
    and shows the network a new variant of every image in every epoch.
    """
    images, labels = dataset.arrays("train")
    pipeline = training_pipeline(images, labels, batch_size=batch_size, seed=0, augmentation=OnlineAugmentation())
    online = images_per_second(pipeline, batches)
    started = time.perf_counter()
    expanded = offline_expansion(dataset)
    seconds = time.perf_counter() - started
    added = len(expanded) - len(dataset)
    return pd.DataFrame(
        {
            "images": [batches * batch_size, added],
            "images/s": [online, added / seconds],
            "extra memory MB": [0.0, (expanded.images.nbytes - dataset.images.nbytes) / 1e6],
        },
        index=pd.Index(["online (tf.data, seed 002)", "offline expansion (seed 004)"], name="augmentation"),
    )
