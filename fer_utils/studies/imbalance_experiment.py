"""Chapter 3's controlled experiment: what class weights and oversampling do.

It trains the same small network three times through the training engine
(:func:`fer_utils.engine.training.train`), changing only how the classes are
balanced, and scores every run on the validation split, so the differences
between runs come from that one thing.

The runs are cached like every training run, so they can also be trained in the
background before the chapter is opened::

    nohup .venv/bin/python -m fer_utils.studies.imbalance_experiment > imbalance.log 2>&1 &

(``--profile`` and ``--data`` as for ``fer-utils train``); the chapter then loads
them in seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from fer_utils.config import Profile
from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import DISPLAY_NAMES
from fer_utils.engine.artifacts import artifact_path, read_json
from fer_utils.engine.evaluation import per_class_scores, predict_labels
from fer_utils.engine.training import TrainingConfig, train

IMBALANCE_STRATEGIES = ("no weights", "balanced weights", "oversampling")
SETTINGS = {
    "no weights": {},
    "balanced weights": {"class_weighting": "balanced"},
    "oversampling": {"oversample": True},
}
"""The engine settings of each strategy; everything else is the same for all three."""
MODEL = "small_cnn"

EPOCH_SECONDS = 175.0
"""Seconds one epoch of ``small_cnn`` on all 28,709 FER-2013 training faces (and the
3,589 validation faces) takes on the project's 2-core CPU: the default profile's
three runs of this experiment took 760 to 880 s for 5 epochs each, rounded up."""
FER2013_TRAINING_IMAGES = 28_709


def _run_settings(strategy: str, profile: Profile, seed: int) -> dict:
    return dict(epochs=profile.experiment_epochs, patience=None, seed=seed, **SETTINGS[strategy])


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
    results = {}
    for strategy in IMBALANCE_STRATEGIES:
        run = train(MODEL, data, profile=profile, verbose=0, **_run_settings(strategy, profile, seed))
        scores = per_class_scores(labels, predict_labels(run.model, images))
        scores.attrs["seconds"] = float(run.history["seconds"].sum())
        results[strategy] = scores
    return results


def run_folder(strategy: str, data: FaceDataset, profile: Profile, seed: int = 0) -> Path:
    """The training engine's folder of ``strategy``'s run on ``data`` (the profile's
    sample, as :func:`imbalance_experiment` draws it), found without training."""
    config = TrainingConfig(model=MODEL, **_run_settings(strategy, profile, seed))
    return artifact_path(f"run-{MODEL}", data, suffix="", profile=profile.name, config=config.to_dict())


def experiment_budget(dataset: FaceDataset, profile: Profile, seed: int = 0) -> pd.DataFrame:
    """Per strategy: the epochs :func:`imbalance_experiment` trains in ``profile``, the
    minutes that takes on the 2-core CPU (:data:`EPOCH_SECONDS`, scaled by the
    training faces the profile uses), and whether the run is already finished
    (a finished run loads in seconds). ``attrs["remaining minutes"]`` adds up the
    runs still to train."""
    data = dataset.sample_per_split(profile.images_per_split, seed=seed)
    share = int((data.splits == "train").sum()) / FER2013_TRAINING_IMAGES
    rows = {}
    for strategy in IMBALANCE_STRATEGIES:
        settings = _run_settings(strategy, profile, seed)
        folder = run_folder(strategy, data, profile, seed)
        state = read_json(folder / "state.json", f"delete {folder} to train it again")
        rows[strategy] = {"epochs": settings["epochs"],
                          "estimated minutes": settings["epochs"] * EPOCH_SECONDS * share / 60,
                          "finished": bool(state.get("finished"))}
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("strategy")
    table.attrs["remaining minutes"] = float(table.loc[~table["finished"], "estimated minutes"].sum())
    return table


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


def recall_changes(recall: pd.DataFrame, against: str = "no weights") -> pd.DataFrame:
    """For each strategy but ``against``: the emotion whose recall rose most and the one
    whose recall fell most compared with ``against``, and by how much (``recall`` as
    :func:`recall_by_strategy` returns it)."""
    change = recall.drop(columns=against).sub(recall[against], axis=0)
    return pd.DataFrame({
        "gained most": change.idxmax(), "gain": change.max(),
        "lost most": change.idxmin(), "loss": change.min(),
    }).rename_axis("strategy")


def main(argv=None) -> None:
    """Train (or load) the experiment's runs in the background: ``python -m
    fer_utils.studies.imbalance_experiment [--profile P] [--data PATH]``."""
    from fer_utils.data.discovery import load_dataset
    from fer_utils.config import active_profile

    parser = argparse.ArgumentParser(prog="python -m fer_utils.studies.imbalance_experiment",
                                     description="train chapter 3's three imbalance runs (cached)")
    parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE)")
    parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    options = parser.parse_args(argv)
    profile = active_profile(options.profile)
    dataset = load_dataset(options.data, profile)
    budget = experiment_budget(dataset, profile)
    print(f"{profile.name} profile: about {budget.attrs['remaining minutes']:.1f} minutes left to train", flush=True)
    print(imbalance_summary(imbalance_experiment(dataset, profile)).round(3).to_string())


if __name__ == "__main__":
    main()
