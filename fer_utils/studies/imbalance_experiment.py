"""Chapter 3's controlled experiment: what class weights and oversampling do.

It trains the same small network three times through the training engine
(:func:`fer_utils.engine.training.train`), changing only how the classes are
balanced, and scores every run on the validation split, so the differences
between runs come from that one thing.
"""

from __future__ import annotations

import pandas as pd

from fer_utils.data.dataset import FaceDataset
from fer_utils.engine.evaluation import per_class_scores, predict_labels
from fer_utils.data.labels import DISPLAY_NAMES
from fer_utils.config import Profile
from fer_utils.engine.training import train

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
    data = dataset.sample_per_split(profile.images_per_split, seed=seed)
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
