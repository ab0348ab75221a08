"""Chapter 8: the seeds' networks compared on equal terms.

Every network of :mod:`fer_utils.nets` (and seed 000's baseline) is trained
by the one engine, :func:`fer_utils.engine.training.train`, with the same recipe
(Adam 1e-3, batch 64, no augmentation, early stopping on the validation loss,
the best epoch kept), and scored with the chapter-7 functions on PublicTest and
PrivateTest. What differs between networks is only how many epochs each may
use, and that is decided in advance, per network, from what an epoch of it
costs on the project's 2-core CPU (:data:`EPOCH_SECONDS`):

* ``smoke``: each of :data:`CHAPTER_NETWORKS` and two LC2FER configurations is built and trained
  for one epoch, a few steps on the profile's few hundred faces, so CI
  exercises every code path quickly;
* ``default``: each network gets the whole epochs that fit the profile's
  ``comparison_minutes`` (at most its ``training_epochs``, at least one), with early
  stopping; the budgets are numbers of epochs, not a clock, so a run is
  deterministic and its cache key (which holds the epochs) the same on every machine;
* ``full``: the profile's 100 epochs for every network, for a GPU.

Seed 000's baseline follows the same rule as every other network, so in ``default``
it trains again here for fewer epochs than chapter 5 gave it; in ``full`` its
settings are chapter 5's and the engine's cache returns that run. The LC2FER ablation trains a subset of the
eight configurations in ``smoke`` and ``default`` (the profile's ``comparison_lc2fer``)
and all eight in ``full``; its parameter counts are given for all eight.

:func:`score_network` measures a trained network once and keeps the result
next to the engine's runs (``artifacts/scores-<network>-<key>.json`` and
``.npz``): parameters, FLOPs, seconds per epoch (the median of the run's
history, so the first epoch's start-up and a busy moment do not count),
inference speed, accuracy and macro-F1, and the probabilities that the
ensembles reuse. :func:`comparison_table` sets the seeds' own reported numbers
(:data:`SEED_RESULTS`) beside ours.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fer_utils.config import TRANSFER_WEIGHTS_ENV, Profile
from fer_utils.data.dataset import FaceDataset
from fer_utils.engine import ensembles
from fer_utils.engine.artifacts import artifact_path, read_json, replace_atomically
from fer_utils.engine.evaluation import majority_accuracy, model_outputs, per_class_scores
from fer_utils.errors import DataWarning, SavedFileError
from fer_utils.nets.measure import forward_flops

CHAPTER_NETWORKS = (
    "feed_forward", "baseline_cnn", "six_conv_cnn", "mini_xception", "residual_separable", "random_residual",
    "resnet_transfer",
)
"""The networks every profile trains, besides the LC2FER configurations."""
LC2FER_NETWORKS = tuple(f"lc2fer_c{i}" for i in range(1, 9))
"""Seed 002's eight configurations, as the registry names them."""
"""The LC2FER configurations a profile trains are its ``comparison_lc2fer``. On
48x48 faces C4 and C7 cost the most per epoch, eleven and thirteen times C1
(:data:`EPOCH_SECONDS`), and C3 four times, so the default profile leaves those
three out and trains C1 (ConvNeXt V2 Atto, the paper's starting point), C2 (its
first two stages merged), C6 and C8 (the cheapest three-stage configurations
with the overlapping stem, C8 the smallest of all) and, although an epoch of it
costs almost four times C1's, C5, the paper's best. That keeps one change at a
time between neighbours: C1 -> C2 merges stages, C5 -> C6 drops blocks, C6 ->
C8 narrows the channels. The smoke profile trains only C6 and C8 (the quickest
to build and train), to keep CI fast; the ablation table still builds all eight."""

@dataclass(frozen=True)
class SeedResult:
    """What a seed report says its network reached, and on what."""

    seed: str
    accuracy: float
    """As a share (0.6378 for 63.78%)."""
    measured_on: str
    note: str = ""
    fer2013_test: bool = False
    """Whether it is a test accuracy on FER-2013 (the only kind ours can be set against)."""


SEED_RESULTS: dict[str, SeedResult] = {
    "baseline_cnn": SeedResult(
        "000", 0.5936, "FER-2013, its own test split (3,293)",
        "59.99% after tuning and class weights; validation 61.29%", fer2013_test=True),
    "mini_xception": SeedResult(
        "001", 0.65, "FER-2013 test images", "'about 65%', averaged over repeated trainings", fer2013_test=True),
    "residual_separable": SeedResult(
        "003", 0.64, "FER-2013, 20% of Training (validation)", "validation, not test"),
    "random_residual": SeedResult(
        "003", 0.693, "FER-2013, 20% of Training (validation)",
        "its own random draw, not ours; validation, not test"),
    "six_conv_cnn": SeedResult(
        "004", 0.6378, "FER-2013, PublicTest + PrivateTest",
        "68.61% with offline augmentation and annealed settings", fer2013_test=True),
    "feed_forward": SeedResult(
        "004", 0.4708, "FER-2013, split not stated", "after 100 epochs; 48.42% at epoch 65"),
    "resnet_transfer": SeedResult(
        "004", 0.6436, "FER-2013, PublicTest + PrivateTest",
        "ResNet-18 pretrained on ImageNet, fine-tuned for 100 epochs", fer2013_test=True),
    **{
        f"lc2fer_c{i}": SeedResult(
            "002", accuracy / 100, "RAF-DB test set, not FER-2013",
            "without augmentation (Table 2.1); C5 reaches 79.56% with it" if i == 5 else
            "without augmentation (Table 2.1)")
        for i, accuracy in enumerate((69.17, 70.99, 69.69, 72.97, 73.47, 73.27, 73.08, 71.87), start=1)
    },
}
"""Each network's result in the seed report it comes from, with what it was measured
on. Sources: seed 000 §3 (its classification reports, Fig. 17, and the summary that
follows them); seed 001 §3 ("Kết quả"); seed 003, the residual separable model and the
random model sections; seed 004 §4.1 (CNN), §4.3 (feed-forward) and §4.4 (transfer
learning, the 100-epoch run); seed 002 §2.2 (results table; the numbers are also
:data:`fer_utils.nets.lc2fer.PAPER_TEST_ACCURACY`). Only seeds 000, 001 and 004
report a test accuracy on FER-2013; seed 003 reports validation accuracy on its own
split, and seed 002 works on another dataset."""

EPOCH_SECONDS: dict[str, float] = {
    "feed_forward": 20.0,
    "baseline_cnn": 300.0,
    "six_conv_cnn": 295.0,
    "mini_xception": 75.0,
    "residual_separable": 145.0,
    "random_residual": 230.0,
    "resnet_transfer": 1010.0,
    "lc2fer_c1": 105.0,
    "lc2fer_c2": 145.0,
    "lc2fer_c3": 430.0,
    "lc2fer_c4": 1140.0,
    "lc2fer_c5": 405.0,
    "lc2fer_c6": 145.0,
    "lc2fer_c7": 1365.0,
    "lc2fer_c8": 150.0,
}
"""Seconds one engine epoch on FER-2013 (448 batches of 64, then the 3,589
validation faces) takes on the project's 2-core CPU with oneDNN on, per network,
rounded up to 5 s. Measured with ``benchmarks/network_speed.py`` (12 timed steps
per network, random faces, oneDNN on) while another training job shared the
CPU, then scaled by 0.73 so that the baseline CNN, timed at the start and the end
of the measurement (390 and 436 s), costs the 300 s per epoch the project
plans with for it (chapter 5). Budgets come from these fixed numbers, never from
a clock, so they do not change from run to run; the table of the chapter shows
the seconds each epoch really took."""

FEWEST_EPOCHS = 1
"""Even a network whose epoch outlasts a time budget trains this many epochs."""
"""Names a local ImageNet weights file for the transfer network's backbone."""
TRANSFER_WEIGHTS_FILE = "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
TRANSFER_LEARNING_RATE = 1e-4
"""Adam's learning rate when fine-tuning pretrained weights (ten times below training from scratch)."""


# --------------------------------------------------------------------------- which networks, how long


def networks_for(profile: Profile) -> tuple[str, ...]:
    """The networks chapter 8 trains in ``profile``: its ``comparison_networks`` (by
    default every chapter network) and its LC2FER configurations."""
    return (profile.comparison_networks or CHAPTER_NETWORKS) + profile.comparison_lc2fer


def budget_epochs(epoch_seconds: float, minutes: float, most: int, fewest: int = FEWEST_EPOCHS) -> int:
    """The whole epochs of ``epoch_seconds`` that fit ``minutes``, kept within ``fewest``..``most``."""
    if epoch_seconds <= 0 or minutes <= 0:
        raise ValueError(f"need positive epoch seconds and minutes, got {epoch_seconds} and {minutes}")
    return int(min(most, max(fewest, math.floor(minutes * 60 / epoch_seconds))))


def patience_for(epochs: int) -> int:
    """Early-stopping patience for a run of ``epochs``: half of them, between 2 and the engine's 8."""
    return int(min(8, max(2, epochs // 2)))


def transfer_weights() -> Path | None:
    """A local ImageNet weights file for the transfer network: ``$FER_TRANSFER_WEIGHTS``,
    else the file Keras keeps in ``~/.keras/models/`` after a download; ``None`` when
    neither exists. Nothing is ever downloaded here."""
    named = os.environ.get(TRANSFER_WEIGHTS_ENV)
    if named:
        if not Path(named).is_file():
            raise FileNotFoundError(f"{TRANSFER_WEIGHTS_ENV}={named}: no such file")
        return Path(named)
    cached = Path.home() / ".keras" / "models" / TRANSFER_WEIGHTS_FILE
    return cached if cached.is_file() else None


def training_settings(name: str, profile: Profile) -> dict:
    """The engine settings (``train``'s keyword arguments) of network ``name`` in ``profile``.

    ``smoke``: one epoch, no early stopping. ``default``: :func:`budget_epochs` of
    :data:`EPOCH_SECONDS` and the profile's ``comparison_minutes``, :func:`patience_for`
    those epochs. ``full``: none (the profile's epochs and the engine's patience, so
    the baseline is chapter 5's run). The transfer network gets
    its weights file when :func:`transfer_weights` finds one (the whole network
    is then fine-tuned with :data:`TRANSFER_LEARNING_RATE`); without one it
    trains from scratch.
    """
    if name not in EPOCH_SECONDS:
        raise ValueError(f"{name!r} is not a network of chapter 8; choose one of {', '.join(EPOCH_SECONDS)}")
    settings: dict = {}
    if profile.comparison_minutes is not None:
        epochs = budget_epochs(EPOCH_SECONDS[name], profile.comparison_minutes, profile.training_epochs)
        settings = {"epochs": epochs, "patience": patience_for(epochs)}
    elif profile.comparison_epochs is not None:
        settings = {"epochs": profile.comparison_epochs, "patience": None}
    weights = transfer_weights() if name == "resnet_transfer" else None
    if weights is not None:
        settings.update(model_options={"weights_path": str(weights), "frozen": False},
                        learning_rate=TRANSFER_LEARNING_RATE)
    return settings


def is_trained(name: str, dataset: FaceDataset, profile: Profile) -> bool:
    """Whether the engine has finished network ``name``'s chapter-8 run on ``dataset``."""
    from fer_utils.engine.training import is_finished

    return is_finished(name, dataset, profile=profile, **training_settings(name, profile))


def budget_table(profile: Profile, networks=None, trained=()) -> pd.DataFrame:
    """Per network: the epochs and patience it trains with in ``profile``, the seconds an
    epoch is expected to take on the 2-core CPU (:data:`EPOCH_SECONDS`) and the
    minutes that makes if no epoch is stopped early. ``attrs["total minutes"]``
    adds them up; ``attrs["remaining minutes"]`` leaves out the networks named in
    ``trained`` (finished runs, which load in seconds)."""
    rows = []
    for name in networks or networks_for(profile):
        settings = {"epochs": profile.training_epochs, "patience": 8, **training_settings(name, profile)}
        epochs = settings["epochs"]
        if profile.comparison_minutes is not None:
            minutes = profile.comparison_minutes
            fit = math.floor(minutes * 60 / EPOCH_SECONDS[name])
            rule = (f"{minutes:g} min budget" if FEWEST_EPOCHS <= fit <= profile.training_epochs
                    else f"capped at {profile.training_epochs} epochs" if fit > profile.training_epochs
                    else f"minimum of {FEWEST_EPOCHS} epoch{'s' * (FEWEST_EPOCHS != 1)}")
        else:
            rule = f"{profile.name} profile"
        rows.append({
            "network": name, "epochs": epochs, "patience": settings["patience"],
            "estimated s/epoch": EPOCH_SECONDS[name],
            "estimated minutes": epochs * EPOCH_SECONDS[name] / 60, "rule": rule,
        })
    table = pd.DataFrame(rows).set_index("network")
    table.attrs["total minutes"] = float(table["estimated minutes"].sum())
    table.attrs["remaining minutes"] = float(table["estimated minutes"].drop(list(trained), errors="ignore").sum())
    if profile.images_per_split is not None or profile.comparison_minutes is None:
        table.attrs["note"] = "estimated times are for all of FER-2013 on the 2-core CPU; this profile uses less"
    return table


def train_network(name: str, dataset: FaceDataset, profile: Profile, verbose: int | None = 0):
    """Train (or resume, or load) network ``name`` with its chapter-8 settings."""
    from fer_utils.engine.training import train

    return train(name, dataset, profile=profile, verbose=verbose, **training_settings(name, profile))


# --------------------------------------------------------------------------- scores


@dataclass
class NetworkScores:
    """What chapter 8 keeps of one trained network."""

    network: str
    row: dict
    """The numbers of its row in :func:`comparison_table`."""
    probabilities: dict[str, np.ndarray]
    """``"validation"`` and ``"test"``: its (images, 7) probabilities."""
    history: pd.DataFrame


def inference_images_per_second(model, images: np.ndarray, batch_size: int = 256) -> float:
    """Faces per second ``model`` classifies through the evaluation pipeline, in
    batches of ``batch_size``, after a warm-up batch that builds the prediction
    function (not counted)."""
    model_outputs(model, images[:batch_size], batch_size)
    started = time.perf_counter()
    model_outputs(model, images, batch_size)
    return len(images) / (time.perf_counter() - started)


def score_network(name: str, run, dataset: FaceDataset) -> NetworkScores:
    """Measure trained ``run`` of network ``name`` once and keep the result (see the
    module docstring); later calls read it back. Delete the ``scores-`` files to
    measure again (the inference speed is a wall-clock measurement)."""
    path = artifact_path(f"scores-{name}", dataset, suffix=".json", run=run.directory.name)
    arrays = path.with_suffix(".npz")
    if path.exists() and arrays.exists():
        try:
            with np.load(arrays) as stored:
                probabilities = {split: stored[split] for split in ("validation", "test")}
            return NetworkScores(name, read_json(path, "it is measured again"), probabilities, run.history)
        except (SavedFileError, OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
            warnings.warn(f"{path.name} / {arrays.name}: damaged ({error}); measuring {name} again", DataWarning,
                          stacklevel=2)
            path.unlink(missing_ok=True)
            arrays.unlink(missing_ok=True)
    probabilities = {
        split: model_outputs(run.model, dataset.arrays(split)[0]).astype(np.float64)
        for split in ("validation", "test")
    }
    seconds = run.history["seconds"]
    row = {
        "parameters": int(run.model.count_params()),
        "MFLOPs": forward_flops(run.model) / 1e6,
        "epochs run": int(len(run.history)),
        "kept epoch": int(run.best_epoch),
        "s/epoch": float(seconds.median()),
        "training min": float(seconds.sum() / 60),
        "inference img/s": inference_images_per_second(run.model, dataset.arrays("test")[0]),
    }
    for split, label in (("validation", "PublicTest"), ("test", "PrivateTest")):
        labels = dataset.arrays(split)[1]
        report = per_class_scores(labels, probabilities[split].argmax(axis=1))
        row[f"{label} accuracy"] = float(report.at["accuracy", "f1"])
        row[f"{label} macro-F1"] = float(report.at["macro avg", "f1"])
    replace_atomically(arrays, lambda target: np.savez_compressed(target, **probabilities))
    replace_atomically(path, lambda target: target.write_text(json.dumps(row, indent=1)))
    return NetworkScores(name, row, probabilities, run.history)


def train_and_score(
    dataset: FaceDataset, profile: Profile, networks=None, verbose: int | None = 0, log=None
) -> dict[str, NetworkScores]:
    """Train (or load) and score every network of ``networks`` (default: the
    profile's, :func:`networks_for`), one after another. ``log``: a function that
    receives a line before and after each network (``print`` in a script)."""
    results = {}
    tensorflow_log = logging.getLogger("tensorflow")
    level = tensorflow_log.level
    # Each network builds its own training function, which TensorFlow reports as "retracing" after
    # a few networks: expected here, and not worth a paragraph of warning in the chapter.
    tensorflow_log.setLevel(max(level, logging.ERROR))
    try:
        for name in networks or networks_for(profile):
            results[name] = _train_and_score_one(name, dataset, profile, verbose, log)
    finally:
        tensorflow_log.setLevel(level)
    return results


def _train_and_score_one(name: str, dataset: FaceDataset, profile: Profile, verbose, log) -> NetworkScores:
    if log:
        log(f"{name}: {training_settings(name, profile) or 'profile defaults'}")
    started = time.perf_counter()
    run = train_network(name, dataset, profile, verbose=verbose)
    scored = score_network(name, run, dataset)
    if log:
        row = scored.row
        log(f"{name}: {'loaded' if run.from_cache else 'trained'} in {time.perf_counter() - started:.0f} s, "
            f"{row['epochs run']} epochs, PublicTest {row['PublicTest accuracy']:.3f}, "
            f"PrivateTest {row['PrivateTest accuracy']:.3f}")
    return scored


# --------------------------------------------------------------------------- tables


COLUMNS = (
    "seed", "parameters", "MFLOPs", "epochs run", "kept epoch", "s/epoch", "training min", "inference img/s",
    "PublicTest accuracy", "PrivateTest accuracy", "PrivateTest macro-F1", "seed's accuracy", "seed measured on",
)


WHOLE_NUMBERS = (
    "parameters", "epochs run", "kept epoch", "s/epoch", "inference img/s", "epochs", "patience",
    "estimated s/epoch", "estimated minutes", "parameters (48x48 grey)", "parameters (RAF-DB input)",
    "paper parameters",
)
ONE_DECIMAL = ("MFLOPs", "training min", "MFLOPs (48x48 grey)")


def formats(table: pd.DataFrame) -> dict[str, str]:
    """Display formats for the numeric columns of this module's tables (for
    ``Styler.format``): counts and times as whole numbers with thousands
    separators, FLOPs and minutes with one decimal, scores and shares with three."""
    chosen = {}
    for column in table.columns:
        if not pd.api.types.is_numeric_dtype(table[column]) or pd.api.types.is_bool_dtype(table[column]):
            continue
        chosen[column] = "{:,.0f}" if column in WHOLE_NUMBERS else "{:,.1f}" if column in ONE_DECIMAL else "{:.3f}"
    return chosen


def comparison_table(scores: dict[str, NetworkScores]) -> pd.DataFrame:
    """One row per network: size, cost, speed and scores, with the seed's own
    accuracy and what it was measured on beside ours (:data:`SEED_RESULTS`).
    Sorted by PrivateTest accuracy, best first."""
    if not scores:
        raise ValueError("no scored networks to compare")
    rows = {}
    for name, scored in scores.items():
        seed = SEED_RESULTS.get(name)
        rows[name] = {
            **scored.row, "seed": seed.seed if seed else "-",
            "seed's accuracy": seed.accuracy if seed else np.nan,
            "seed measured on": seed.measured_on if seed else "",
        }
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(COLUMNS))
    table.index.name = "network"
    return table.sort_values("PrivateTest accuracy", ascending=False, kind="stable")


def lc2fer_ablation(scores: dict[str, NetworkScores]) -> pd.DataFrame:
    """Seed 002's Table 2.1 with our numbers: each configuration's S, B and D, its
    feature-map sides and parameters on 48x48 grey faces, its parameters on
    RAF-DB's 100x100 colour faces beside the paper's count, the paper's RAF-DB
    test accuracy, and our PrivateTest accuracy where this profile trained it."""
    from fer_utils.nets.parts import INPUT_SHAPE
    from fer_utils.nets.lc2fer import parameter_table

    ours = parameter_table(INPUT_SHAPE)
    rafdb = parameter_table()
    table = pd.DataFrame({
        "S": ours["S"], "B": ours["B"], "D": ours["D"],
        "feature sizes (48 px)": ours["feature sizes"],
        "parameters (48x48 grey)": ours["parameters"],
        "MFLOPs (48x48 grey)": ours["MFLOPs"],
        "parameters (RAF-DB input)": rafdb["parameters"],
        "paper parameters": rafdb["paper parameters"],
        "paper source": rafdb["paper source"],
        "paper RAF-DB accuracy": rafdb["paper test accuracy %"] / 100,
    })
    table["PrivateTest accuracy"] = [
        scores[f"lc2fer_{key.lower()}"].row["PrivateTest accuracy"] if f"lc2fer_{key.lower()}" in scores
        else np.nan for key in table.index
    ]
    table["trained here"] = [f"lc2fer_{key.lower()}" in scores for key in table.index]
    return table


def ensemble_comparison(scores: dict[str, NetworkScores], dataset: FaceDataset, networks=None):
    """Seed 003's ensembles of the scored networks (default: all of them): each
    network alone, majority vote, soft vote and the weighted average with weights
    fitted on PublicTest, all judged on PrivateTest
    (:func:`fer_utils.engine.ensembles.compare_ensembles`). Returns the table and the weights."""
    names = list(networks or scores)
    return ensembles.compare_ensembles(
        [scores[name].probabilities["validation"] for name in names], dataset.arrays("validation")[1],
        [scores[name].probabilities["test"] for name in names], dataset.arrays("test")[1], names=names,
    )


LC2FER_STEPS = (
    ("lc2fer_c1", "lc2fer_c2", "merging ConvNeXt V2's first two stages (C1 -> C2)"),
    ("lc2fer_c2", "lc2fer_c3", "twice the channels (C2 -> C3)"),
    ("lc2fer_c2", "lc2fer_c4", "the overlapping stride-2 stem (C2 -> C4)"),
    ("lc2fer_c4", "lc2fer_c5", "two middle blocks instead of four (C4 -> C5)"),
    ("lc2fer_c2", "lc2fer_c5", "the overlapping stride-2 stem with fewer middle blocks (C2 -> C5)"),
    ("lc2fer_c5", "lc2fer_c6", "one block per stage instead of two (C5 -> C6)"),
    ("lc2fer_c6", "lc2fer_c8", "narrower channels (C6 -> C8)"),
    ("lc2fer_c6", "lc2fer_c7", "twice the channels (C6 -> C7)"),
)
"""Pairs of LC2FER configurations that differ in one design choice (or two, for C2 -> C5)."""


def findings(table: pd.DataFrame, dataset: FaceDataset, ensemble: pd.DataFrame | None = None) -> list[str]:
    """The chapter's discussion in numbers: sentences computed from
    :func:`comparison_table`'s ``table`` (and :func:`ensemble_comparison`'s
    ``ensemble``), so that they hold whatever the runs produced."""
    accuracy = table["PrivateTest accuracy"]
    best = accuracy.idxmax()
    lines = [f"Most accurate on PrivateTest: {best} ({accuracy[best]:.1%}, {table.at[best, 'parameters']:,} "
             f"parameters, {table.at[best, 's/epoch']:.0f} s per epoch)."]
    close = table[accuracy >= accuracy[best] - 0.02]
    smallest = close["parameters"].idxmin()
    if smallest != best:
        lines.append(f"Within 2 points of it with the fewest parameters: {smallest} ({accuracy[smallest]:.1%}, "
                     f"{table.at[smallest, 'parameters']:,} parameters, "
                     f"{table.at[best, 'parameters'] / table.at[smallest, 'parameters']:.1f} times fewer).")
    floor = majority_accuracy(dataset, "test")
    beaten = int((accuracy > floor).sum())
    lines.append(f"{beaten} of {len(table)} networks beat always answering the most common emotion "
                 f"({floor:.1%}).")
    near_floor = table.index[accuracy < floor + 0.01]
    if len(near_floor):
        lines.append(f"Within 1 point of that answer when their budget ended, so they had learnt next to "
                     f"nothing yet: {', '.join(near_floor)}.")
    if len(table) > 2:
        rho = table["parameters"].rank().corr(accuracy.rank())
        reading = ("more parameters went with higher accuracy" if rho > 0.3
                   else "more parameters went with lower accuracy" if rho < -0.3
                   else "no clear relation between size and accuracy")
        lines.append(f"Rank correlation of parameters and PrivateTest accuracy: {rho:+.2f} ({reading}).")
    convolutional = accuracy.drop("feed_forward", errors="ignore")
    if "feed_forward" in accuracy and len(convolutional):
        lines.append(f"Best convolutional network minus the feed-forward baseline: "
                     f"{_points(convolutional.max() - accuracy['feed_forward'])} (what the convolutions add).")
    for first, second, what in LC2FER_STEPS:
        if first in accuracy and second in accuracy:
            lines.append(f"LC2FER, {what}: {_points(accuracy[second] - accuracy[first])} of PrivateTest accuracy, "
                         f"{table.at[second, 'parameters'] / table.at[first, 'parameters']:.2f} times the parameters.")
    fer = [name for name in table.index if name in SEED_RESULTS and SEED_RESULTS[name].fer2013_test]
    if fer:
        gaps = pd.Series({name: accuracy[name] - SEED_RESULTS[name].accuracy for name in fer})
        lines.append(f"Against the seeds' FER-2013 test accuracies ({', '.join(fer)}): ours differ by "
                     f"{_points(gaps.min())} to {_points(gaps.max())} (median {_points(gaps.median())}).")
    longer = table[table["epochs run"] > 1]
    last = longer.index[longer["kept epoch"] == longer["epochs run"]]
    if len(last):
        lines.append(f"{len(last)} of the {len(longer)} networks that trained more than one epoch kept their "
                     f"last epoch, so their validation loss was still falling when the budget ended: "
                     f"{', '.join(last)}.")
    if ensemble is not None:
        singles = ensemble.loc[[name for name in ensemble.index if name in table.index], "PrivateTest accuracy"]
        for mix in ("soft vote", "weighted average"):
            lines.append(f"Ensemble by {mix}: {ensemble.at[mix, 'PrivateTest accuracy']:.1%} on PrivateTest, "
                         f"{_points(ensemble.at[mix, 'PrivateTest accuracy'] - singles.max())} against the best "
                         f"single network.")
    return lines


def _points(difference: float) -> str:
    """A difference of two accuracies in percentage points: "+1.5 points"."""
    return f"{100 * difference:+.1f} points"


def network_overview(networks) -> pd.DataFrame:
    """Who is who: each network's seed and the first line of its builder's description."""
    from fer_utils.nets.registry import MODELS

    rows = []
    for name in networks:
        seed = SEED_RESULTS.get(name)
        rows.append({
            "network": name, "seed": seed.seed if seed else "-",
            "what it is": MODELS[name].__doc__.strip().splitlines()[0].replace("``", ""),
        })
    return pd.DataFrame(rows).set_index("network")
