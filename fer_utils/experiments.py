"""Controlled experiments and measurements behind the chapters' comparisons.

Each training experiment trains the same small network several times through
the training engine (:func:`fer_utils.training.train`), changing one thing, and scores every run on
the validation split, so the differences between runs come from that one thing.
"""

from __future__ import annotations

import time
from dataclasses import replace

import pandas as pd

from .augmentation import OnlineAugmentation, offline_expansion, to_uint8
from .dataset import FaceDataset, stratified_split
from .evaluation import per_class_scores, predict_labels
from .labels import DISPLAY_NAMES
from .pipeline import images_per_second, training_pipeline
from .profiles import Profile
from .sharpness import gaussian_blur, matching_blur
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


BLUR_COST_FALLBACK_SIGMA = 3.0
"""Blur (pixels) :func:`blur_cost_experiment` applies when the data shows none
(the demo set): about the width measured on the shared FER-2013 copy."""


def blur_cost_experiment(dataset: FaceDataset, profile: Profile, seed: int = 0) -> pd.DataFrame:
    """What the blurred training faces cost, measured where sharp faces exist.

    The validation faces (PublicTest) are sharp, so they can stand in for a
    small training set twice: once as they are, once blurred by the width that
    matches the real training faces (:func:`~fer_utils.sharpness.matching_blur`).
    Each version is cut 80/20 into training and validation faces (the same cut,
    stratified, seeded), the same small network is trained on each (batches of
    32: the stand-in training set is small) through the
    engine (the blurred version gets its held-out blur like chapter 5's
    network), and both are scored on the untouched test faces. The difference
    is the accuracy the blur takes away at equal data. The experiment only
    diagnoses: no model reported elsewhere is trained on validation faces.
    """
    data = profile.sample(dataset, seed=seed)
    sigma = matching_blur(data) or BLUR_COST_FALLBACK_SIGMA
    held_out = data.subset(data.splits != "train")
    faces = held_out.splits == "validation"
    splits = held_out.splits.copy()
    splits[faces] = stratified_split(held_out.labels[faces], {"train": 0.8, "validation": 0.2}, seed=seed)
    training = splits == "train"
    blurred = held_out.images.copy()  # only the training part is blurred, as in the real data
    blurred[training] = to_uint8(gaussian_blur(held_out.images[training], sigma))
    test_images, test_labels = held_out.arrays("test")
    rows = {}
    for version, images in (("sharp", held_out.images), ("blurred", blurred)):
        stand_in = replace(
            held_out, images=images, splits=splits, name=f"{data.name}, validation faces ({version}) as training set"
        )
        run = train("small_cnn", stand_in, profile=profile, batch_size=32, seed=seed, verbose=0)
        scores = per_class_scores(test_labels, predict_labels(run.model, test_images))
        rows[f"{version} training faces"] = {
            "training images": int(training.sum()),
            "training blur px": sigma if version == "blurred" else 0.0,
            "held-out blur px": run.input_blur,
            "epochs": len(run.history),
            "test accuracy": scores.at["accuracy", "f1"],
            "test macro F1": scores.at["macro avg", "f1"],
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("small CNN trained on")


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
