"""The training engine: the one way every chapter (and ``python -m fer_utils train``) trains a network.

``train("baseline_cnn", dataset, profile=PROFILE)`` builds the network, the
``tf.data`` input (:mod:`fer_utils.augment.pipeline`), optional class weights and
online augmentation, compiles it with Adam (or AdamW, or SGD with Nesterov
momentum, at a constant rate or on a warm-up-and-cosine or one-cycle schedule,
with label smoothing or mixup: the ingredients of :mod:`fer_utils.studies.recipes`),
and fits it with early stopping on ``val_loss`` and a best-model checkpoint.
Every run keeps its files in one folder of the artifacts directory
(``artifacts/run-<model>-<key>/``), the key made of the data, the profile and
every setting (:class:`TrainingConfig`):

* ``config.json``: the settings, the profile and the data's caption;
* ``state.json``: the commit point, written last after every epoch: epochs
  done, history, early-stopping and best-checkpoint state, and which
  checkpoint files belong to it;
* ``last-<epoch>.keras``: model *and optimizer* after the last finished epoch;
* ``best-<epoch>.keras``: the model of the epoch with the lowest ``val_loss``
  (seed 000's "checkpointer");
* ``history.csv``: one row per epoch; ``model.keras``: the final (best) model.

Every file is written under a temporary name and renamed, and checkpoints are
named by epoch, so a run killed at any moment leaves a consistent state:
calling ``train`` again with the same arguments resumes after the last
committed epoch, with the optimizer's state, the early-stopping counters and
the data order of an uninterrupted run, and a finished run is simply loaded.
A write that fails (a full disk, a read-only folder) leaves the last committed
state and no temporary file; a run that fails before its first epoch is
committed leaves no folder. One process at a time trains a run: a second
``train`` of the same run says that it is in progress, waits for the first to
finish and loads its result (:func:`~fer_utils.engine.artifacts.run_lock`).
A damaged checkpoint or ``state.json`` is named, with what to do
(:class:`~fer_utils.errors.SavedFileError`).

With more than one accelerator (or several logical CPUs) the run is trained
under ``tf.distribute.MirroredStrategy``; the batch size is per replica.
With a ``TF_CONFIG`` naming several workers (processes, on one machine or
several) it is trained under ``tf.distribute.MultiWorkerMirroredStrategy``:
every worker calls ``train`` with the same arguments and runs the same steps,
and only the chief keeps the run folder (:func:`_train_beside_chief`).
"""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import sys
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from fer_utils.engine.artifacts import (
    artifact_path,
    file_digest,
    load_model_file,
    read_json,
    remove_partial_files,
    remove_run_folder,
    replace_atomically,
    run_lock,
    save_table,
)
from fer_utils.augment.transforms import OnlineAugmentation
from fer_utils.data.dataset import FaceDataset
from fer_utils.engine.evaluation import predict_labels, predict_probabilities
from fer_utils.engine.speed import AUTO, PRECISIONS, faster_precision
from fer_utils.augment.imbalance import class_weights, focal_loss
from fer_utils.nets.registry import MODELS, build_model
from fer_utils.nets.transfer import copy_trunk
from fer_utils.augment.pipeline import evaluation_pipeline, teacher_probabilities, training_pipeline
from fer_utils.config import Profile
from fer_utils.errors import SavedFileError

LOSSES = ("cross_entropy", "focal")
OPTIMIZERS = ("adam", "adamw", "sgd_nesterov")
SCHEDULES = ("constant", "cosine", "one_cycle")
NESTEROV_MOMENTUM = 0.9
ONE_CYCLE_DIVISOR = 25.0
"""A one-cycle schedule starts at the peak rate over this and ends at it over this times 1e4 (fastai's defaults)."""


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides a run's result; its hash names the run's folder."""

    model: str = "baseline_cnn"
    model_options: dict = field(default_factory=dict)
    """Keyword arguments of the model's builder (for example ``dense_units``)."""
    epochs: int = 40
    batch_size: int = 64
    """Images per replica and step; the global batch is this times the replicas."""
    learning_rate: float = 1e-3
    patience: int | None = 8
    """Epochs without a lower ``val_loss`` before stopping; ``None``: never stop early."""
    class_weighting: str | None = None
    """``"balanced"`` for scikit-learn's balanced class weights (chapter 3)."""
    oversample: bool = False
    augmentation: OnlineAugmentation | None = None
    loss: str = "cross_entropy"
    precision: str = "float32"
    """``"float32"`` or ``"mixed_bfloat16"``; or ``"auto"``, which :func:`train`
    replaces by the faster of the two here (:func:`fer_utils.engine.speed.faster_precision`)
    before the run is named, so a run's folder and files name the precision it trained under."""
    jit_compile: bool = False
    """XLA compilation. Off: on this project's 2-core CPU it did not train the
    baseline faster (benchmarks/training_speed.py), and Keras' default, "auto",
    would switch it on."""
    seed: int = 0
    optimizer: str = "adam"
    """``"adam"``, ``"adamw"`` (decoupled ``weight_decay``, which it needs) or
    ``"sgd_nesterov"`` (momentum 0.9, Nesterov)."""
    weight_decay: float = 0.0
    """Decoupled weight decay (Keras applies it to every weight, batch-norm scales included)."""
    schedule: str = "constant"
    """The learning rate over the run: ``"constant"`` (``learning_rate``), ``"cosine"``
    (linear warm-up to ``learning_rate``, then a cosine to 0) or ``"one_cycle"``
    (see :class:`LearningRateCurve`); both schedules span ``epochs``."""
    warmup_epochs: float = 0.0
    """Epochs of the schedule's rise to ``learning_rate``."""
    label_smoothing: float = 0.0
    """Train on soft targets ``(1 - ε) one_hot + ε / 7`` (:func:`fer_utils.augment.pipeline.soft_targets`)."""
    mixup: float = 0.0
    """Alpha of mixup's Beta distribution (:func:`fer_utils.augment.pipeline.mix_batch`); 0: off."""
    teacher: str | None = None
    """Knowledge distillation: the ``.keras`` file of a trained network (a run's
    ``model.keras``, the shipped reference model) whose probabilities for the
    training images, softened at ``temperature``, become part of every target."""
    distillation: float = 0.0
    """The teacher's share of each target (0: no teacher)."""
    temperature: float = 1.0
    """Softens the teacher's probabilities (:func:`fer_utils.augment.pipeline.teacher_probabilities`)."""
    initial_weights: str | None = None
    """Warm start: the ``.keras`` file of a trained network of the same trunk whose
    convolutional layers this run starts from; its dense head starts from fresh
    random weights (:func:`fer_utils.nets.transfer.copy_trunk`). Chapter 6's short
    trials start from chapter 5's baseline this way, so that a few hundred steps
    tell configurations apart."""

    ADDED = {
        "optimizer": "adam", "weight_decay": 0.0, "schedule": "constant", "warmup_epochs": 0.0,
        "label_smoothing": 0.0, "mixup": 0.0, "teacher": None, "distillation": 0.0, "temperature": 1.0,
        "initial_weights": None,
    }
    """Fields added after runs were first cached, with the values that leave them
    out of :meth:`to_dict`: a run's key (its folder's name) is made from that
    dict, so every configuration that existed before keeps its folder."""

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; choose one of {', '.join(MODELS)}")
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        if self.precision not in (*PRECISIONS, AUTO):
            raise ValueError(f"unknown precision {self.precision!r}; choose one of {', '.join(PRECISIONS)} or {AUTO}")
        if self.class_weighting not in (None, "balanced"):
            raise ValueError(f"class_weighting must be None or 'balanced', got {self.class_weighting!r}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError(f"epochs and batch_size must be positive, got {self.epochs} and {self.batch_size}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}")
        if self.weight_decay < 0 or (self.optimizer == "adamw" and not self.weight_decay):
            raise ValueError(f"weight_decay must be >= 0, and > 0 for adamw; got {self.weight_decay}")
        if not 0 <= self.warmup_epochs < self.epochs and self.schedule != "constant":
            raise ValueError(f"warmup_epochs must be in [0, epochs), got {self.warmup_epochs} of {self.epochs}")
        if not 0 <= self.label_smoothing < 1 or self.mixup < 0:
            raise ValueError(f"label_smoothing must be in [0, 1) and mixup >= 0, "
                             f"got {self.label_smoothing} and {self.mixup}")
        if not 0 <= self.distillation <= 1 or (self.distillation > 0) != (self.teacher is not None):
            raise ValueError(f"distillation must be in [0, 1], and above 0 exactly when a teacher is named; got "
                             f"{self.distillation} with teacher {self.teacher!r}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if self.soft_targets and self.loss != "cross_entropy":
            raise ValueError(f"label smoothing, mixup and distillation need the cross-entropy loss, not {self.loss!r}")

    @property
    def soft_targets(self) -> bool:
        """Whether training uses soft targets (label smoothing, mixup or a teacher's) instead of integer labels."""
        return bool(self.label_smoothing or self.mixup or self.distillation)

    def to_dict(self) -> dict:
        """Every setting as plain values (the augmentation as its own dict); the
        :data:`ADDED` fields only where they differ from their defaults."""
        values = asdict(self)
        if self.augmentation is not None:
            values["augmentation"] = self.augmentation.to_dict()
        return {k: v for k, v in values.items() if k not in self.ADDED or v != self.ADDED[k]}


@dataclass
class TrainingRun:
    """A trained network with its history and where its files are."""

    model: keras.Model
    """The best epoch's model (lowest ``val_loss``), compiled."""
    history: pd.DataFrame
    """One row per epoch: loss, accuracy, val_loss, val_accuracy, learning_rate, seconds."""
    config: TrainingConfig
    directory: Path
    replicas: int
    resumed_at: int | None
    """The epoch this call resumed after, ``None`` when it started afresh or loaded a finished run."""
    from_cache: bool

    @property
    def best_epoch(self) -> int:
        return int(self.history["val_loss"].idxmin())

    def accuracy(self, dataset: FaceDataset, split: str) -> float:
        """Share of the images of ``split`` whose emotion the model gets right."""
        images, labels = dataset.arrays(split)
        return float(np.mean(predict_labels(self.model, images) == labels))


def train(
    model: str, dataset: FaceDataset, *, profile: Profile | None = None, verbose: int | None = None, **settings
) -> TrainingRun:
    """Train (or resume, or load) network ``model`` on ``dataset``'s train split.

    ``settings`` are :class:`TrainingConfig` fields; ``epochs`` defaults to the
    profile's ``training_epochs``. ``verbose`` is Keras' (1: a progress bar,
    2: a line per epoch); by default a bar in a terminal and lines elsewhere.
    """
    if verbose is None:
        verbose = 1 if sys.stdout.isatty() else 2
    if settings.get("precision") == AUTO:
        if cluster_workers() > 1:
            raise ValueError("precision 'auto' measures this machine's speed, so the workers of $TF_CONFIG's "
                             "cluster could choose differently (and the measurement would run TensorFlow before "
                             "their strategy exists): give 'float32' or 'mixed_bfloat16'")
        settings["precision"], measured = faster_precision(model, settings.get("model_options"),
                                                           settings.get("batch_size", TrainingConfig.batch_size))
        if verbose:
            speeds = ", ".join(f"{name} {rate:.0f}" for name, rate in measured["images_per_second"].items())
            print(f"precision auto: {settings['precision']} (images/s training {model} on {measured['cpu']}: {speeds})")
    config = training_config(model, profile, **settings)
    profile_name = profile.name if profile else None
    directory = run_directory(config, dataset, profile_name)
    if not _writes_run_folder():
        return _train_beside_chief(config, dataset, profile_name, directory, verbose)
    with run_lock(directory, what=f"training {model}"):
        remove_partial_files(directory)  # left by a run killed mid-write
        try:
            state = _read_json(directory / "state.json")
            _agree_on_state(state, directory)
            if state.get("finished"):
                return TrainingRun(
                    model=_load_checkpoint(directory, "model.keras"),
                    history=_history_frame(state["history"]),
                    config=config, directory=directory, replicas=state["replicas"], resumed_at=None,
                    from_cache=True,
                )
            return _fit(config, dataset, profile_name, directory, state, verbose)
        except BaseException:
            if not (directory / "state.json").exists():  # nothing committed: a failed start leaves no folder
                remove_run_folder(directory)
            raise


def is_finished(model: str, dataset: FaceDataset, *, profile: Profile | None = None, **settings) -> bool:
    """Whether :func:`train` with the same arguments would load a finished run instead of
    training: what a chapter tells its reader before a long cell. Trains and times nothing,
    so ``precision`` must be a precision, not ``"auto"``."""
    if settings.get("precision") == AUTO:
        raise ValueError("precision 'auto' is chosen by timing this machine: give the precision the run used")
    directory = run_directory(training_config(model, profile, **settings), dataset, profile.name if profile else None)
    state = read_json(directory / "state.json", f"delete {directory} to train {model} again")
    return bool(state.get("finished"))


def training_config(model: str, profile: Profile | None = None, **settings) -> TrainingConfig:
    """The settings :func:`train` trains ``model`` with in ``profile``: ``epochs``
    defaults to the profile's ``training_epochs``."""
    if profile is not None:
        settings.setdefault("epochs", profile.training_epochs)
    return TrainingConfig(model=model, **settings)


def run_directory(config: TrainingConfig, dataset: FaceDataset, profile: str | None) -> Path:
    """The folder of the run of ``config`` on ``dataset`` in ``profile``: named by the
    data, the profile and every setting, a teacher and initial weights by their file's
    content (the same file anywhere on disk is the same run)."""
    key = config.to_dict()
    for name in ("teacher", "initial_weights"):
        if key.get(name):
            key[name] = file_digest(key[name])
    return artifact_path(f"run-{config.model}", dataset, suffix="", profile=profile, config=key)


def distribution_strategy() -> tf.distribute.Strategy:
    """``MultiWorkerMirroredStrategy`` when ``$TF_CONFIG`` names a cluster of several
    workers (:func:`cluster_workers`); otherwise ``MirroredStrategy`` over all GPUs if
    there are several, else over the logical CPUs if there are several; otherwise
    TensorFlow's default strategy."""
    if cluster_workers() > 1:
        return _multi_worker_strategy(os.environ["TF_CONFIG"])
    devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    if len(devices) > 1:
        return tf.distribute.MirroredStrategy([device.name for device in devices])
    return tf.distribute.get_strategy()


def cluster_workers() -> int:
    """How many training processes ``$TF_CONFIG`` names (its ``chief`` and ``worker``
    tasks; 0 without the variable). Read without starting TensorFlow's runtime, which
    must not run before a multi-worker strategy exists; checked, because a malformed
    value would otherwise fail deep inside TensorFlow or make this a lone run."""
    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return 0
    problem = "its JSON does not parse"
    try:
        config = json.loads(text)
        problem = 'it needs a "cluster" of jobs, each a list of "host:port", and a "task" with a "type" and an "index"'
        cluster, task = config["cluster"], config["task"]
        jobs = {job: cluster[job] for job in ("chief", "worker") if job in cluster}
        if not all(isinstance(hosts, list) for hosts in jobs.values()):
            raise TypeError(problem)
        if not 0 <= int(task["index"]) < len(cluster.get(task["type"], [])):
            problem = f"its task {task} is not one of the cluster's {cluster}"
            raise IndexError(problem)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        raise ValueError(f"$TF_CONFIG: not a TensorFlow cluster ({problem}): {text!r}") from None
    return sum(len(hosts) for hosts in jobs.values())


@functools.cache
def _multi_worker_strategy(tf_config: str) -> tf.distribute.Strategy:
    """One strategy per process and cluster: TensorFlow configures its collective
    operations once, before the first operation runs, and refuses a second time."""
    return _MultiWorkerStrategy()


class _MultiWorkerStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """TensorFlow's multi-worker strategy with the two reductions Keras 3's ``fit``
    asks of it made possible (keras-team/keras#20585: ``fit`` fails without them).

    * ``fit`` reduces its first batch, an ``(images, labels)`` pair, to learn the
      shapes it builds the model with; this strategy reduces one value at a time,
      so the pair is reduced part by part.
    * ``fit`` averages each step's metrics over the replicas "along axis 0", but a
      metric is a scalar per replica: a scalar is averaged over the replicas
      themselves, which is what ``fit`` does on one machine.
    """

    def reduce(self, reduce_op, value, axis):
        reduce_one = super().reduce

        def reduce_part(part):
            scalar = all(getattr(v, "shape", None) is not None and v.shape.rank == 0
                         for v in self.experimental_local_results(part))
            return reduce_one(reduce_op, part, None if scalar else axis)

        return tf.nest.map_structure(reduce_part, value)


def _writes_run_folder() -> bool:
    """Whether this process keeps the run's files: it trains alone, or it is its
    cluster's chief (task ``chief``, else ``worker`` 0, as TensorFlow decides)."""
    return cluster_workers() < 2 or distribution_strategy().extended.should_checkpoint


def _agree_on_state(state: dict, directory: Path) -> None:
    """Under several workers, stop every one of them with the same error unless all
    train the same run (its folder's name: the data and every setting) from the same
    committed state (epochs done, finished or not).

    Otherwise a worker with other data, or one that does not see the chief's run
    folder (another machine without a shared artifacts folder) and starts afresh
    beside a chief that resumes or loads a finished run, would train other steps
    than the rest, or the cluster would wait for each other forever.
    """
    if cluster_workers() < 2:
        return
    strategy = distribution_strategy()
    mark = [zlib.crc32(directory.name.encode()), 2 * state.get("epochs_done", -1) + bool(state.get("finished"))]

    def own_mark():
        return tf.constant([mark], tf.int64)

    @tf.function(autograph=False)
    def every_mark():
        return strategy.gather(strategy.run(own_mark), axis=0)

    runs, marks = every_mark().numpy().T.tolist()
    if len(set(runs)) > 1:
        raise ValueError(f"{directory.name}: the workers of $TF_CONFIG's cluster were asked for different runs "
                         "(other data or other settings); start every worker with the same data and the same call")
    if len(set(marks)) > 1:
        seen = ", ".join(sorted({"nothing" if m < 0 else f"{m // 2} epochs{' (finished)' if m % 2 else ''}"
                                 for m in marks}))
        raise SavedFileError(
            f"{directory}: the workers of $TF_CONFIG's cluster find different states of this run ({seen}); "
            "give every machine the same artifacts folder ($FER_ARTIFACTS_DIR on a shared mount), "
            f"or {_remedy(directory)} on every machine"
        )


def _train_beside_chief(
    config: TrainingConfig, dataset: FaceDataset, profile: str | None, directory: Path, verbose: int
) -> TrainingRun:
    """A non-chief worker of a multi-worker cluster: the chief's steps, from the chief's
    committed state, with its own files in a temporary folder that it deletes.

    TensorFlow's convention for multi-worker Keras: every worker saves what the chief
    saves (saving a model may read variables collectively, so a worker that skipped
    it would stall the others), but only the chief's files are kept. The worker reads
    the run folder (``state.json`` and the checkpoints it names) without locking or
    writing it; the chief holds the lock.
    """
    state = _read_json(directory / "state.json")
    _agree_on_state(state, directory)
    if state.get("finished"):
        return TrainingRun(
            model=_load_checkpoint(directory, "model.keras"), history=_history_frame(state["history"]),
            config=config, directory=directory, replicas=state["replicas"], resumed_at=None, from_cache=True,
        )
    with tempfile.TemporaryDirectory(prefix=f"{directory.name}-worker-") as scratch:
        scratch = Path(scratch)
        for name in {state.get("best_checkpoint"), state.get("last_checkpoint")} - {None}:
            shutil.copyfile(_checked_file(directory, name), scratch / name)
        run = _fit(config, dataset, profile, scratch, state, verbose)
    run.directory = directory
    return run


def _fit(
    config: TrainingConfig, dataset: FaceDataset, profile: str | None, directory: Path, state: dict, verbose: int
) -> TrainingRun:
    strategy = distribution_strategy()
    replicas = strategy.num_replicas_in_sync
    global_batch = config.batch_size * replicas
    train_images, train_labels = dataset.arrays("train")
    if len(train_labels) < global_batch:
        raise ValueError(
            f"{dataset.name}: {len(train_labels)} training images cannot fill one batch of {global_batch} "
            f"({config.batch_size} per replica x {replicas} replicas)"
        )
    resumed_at = state.get("epochs_done")
    if resumed_at is None:
        state = {
            "epochs_done": 0, "history": [], "best_val_loss": math.inf, "best_checkpoint": None,
            "last_checkpoint": None, "early_stopping": None, "replicas": replicas,
        }
        replace_atomically(directory / "config.json", lambda path: _write_json(
            path, {**config.to_dict(), "profile": profile, "dataset": dataset.caption}
        ))
    steps_per_epoch = len(train_labels) // global_batch
    with strategy.scope():
        if state["last_checkpoint"]:
            model = _load_checkpoint(directory, state["last_checkpoint"])
        else:
            keras.utils.set_random_seed(config.seed)
            model = compiled_model(config, steps_per_epoch=steps_per_epoch)
            if config.initial_weights:
                copy_trunk(load_model_file(config.initial_weights, "name a model.keras that training wrote",
                                           compile=False), model, config.initial_weights)
    early_stopping = (
        _ResumableEarlyStopping(config.patience, state["early_stopping"]) if config.patience is not None else None
    )
    recorder = _RunRecorder(directory, state, early_stopping, config.seed)
    start = state["epochs_done"]
    stopped = bool(state["early_stopping"] and state["early_stopping"]["stopped"])
    if start < config.epochs and not stopped:
        train_stream = training_pipeline(
            train_images, train_labels, batch_size=global_batch, seed=config.seed,
            augmentation=config.augmentation, oversample=config.oversample,
            epochs=config.epochs - start, first_epoch=start,
            label_smoothing=config.label_smoothing, mixup=config.mixup,
            teacher_targets=_teacher_targets(config, train_images), distillation=config.distillation,
        ).with_options(_SHARD_BY_DATA)
        model.fit(
            train_stream,
            validation_data=evaluation_pipeline(
                *dataset.arrays("validation"), batch_size=global_batch, one_hot=config.soft_targets
            ).with_options(_SHARD_BY_DATA),
            epochs=config.epochs, initial_epoch=start, steps_per_epoch=steps_per_epoch,
            class_weight=class_weights(train_labels) if config.class_weighting else None,
            callbacks=[early_stopping, recorder] if early_stopping else [recorder],
            shuffle=False,  # the training pipeline orders each epoch itself
            verbose=verbose,
        )
    with strategy.scope():  # no best checkpoint only if every val_loss was NaN: keep the last
        best = _load_checkpoint(directory, state["best_checkpoint"] or state["last_checkpoint"])
    replace_atomically(directory / "model.keras", best.save)
    state["finished"] = True
    _commit(directory, state)
    return TrainingRun(
        model=best, history=_history_frame(state["history"]), config=config, directory=directory,
        replicas=replicas, resumed_at=resumed_at or None, from_cache=False,
    )


def _teacher_targets(config: TrainingConfig, train_images: np.ndarray) -> np.ndarray | None:
    """The teacher's softened probabilities for every training image, or ``None`` without a teacher."""
    if config.teacher is None:
        return None
    teacher = load_model_file(config.teacher, "name a model.keras that training or fer-utils publish wrote")
    return teacher_probabilities(predict_probabilities(teacher, train_images), config.temperature)


def _data_sharding() -> tf.data.Options:
    """How several workers share a pipeline: every worker builds the same one (the
    same arrays, the same seeded order) and keeps its replicas' slices of each
    global batch (``DATA``), so a step of the cluster sees the images of one
    process's step. ``AUTO`` would look for input files to share out, find none in
    these in-memory pipelines and fall back to ``DATA`` with a warning; ``OFF``
    would give every worker the whole global batch, each image once per worker."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return options


_SHARD_BY_DATA = _data_sharding()


def compiled_model(config: TrainingConfig, steps_per_epoch: int | None = None) -> keras.Model:
    """The network of ``config``, built under its precision and compiled as the engine
    compiles it (also what the speed benchmarks time). A learning-rate schedule
    needs ``steps_per_epoch`` (optimiser steps in an epoch) to know its length."""
    if config.precision == AUTO:
        raise ValueError(f"precision {AUTO!r} is resolved by train(); compile under one of {', '.join(PRECISIONS)}")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(config.precision)
    try:
        model = build_model(config.model, **config.model_options)
    finally:
        keras.config.set_dtype_policy(previous)
    if config.soft_targets:
        loss = "categorical_crossentropy"  # rows of target probabilities; "accuracy" then compares argmaxes
    else:
        loss = focal_loss() if config.loss == "focal" else "sparse_categorical_crossentropy"
    model.compile(
        optimizer=make_optimizer(config, steps_per_epoch),
        loss=loss,
        metrics=["accuracy"],
        jit_compile=config.jit_compile,
    )
    return model


def make_optimizer(config: TrainingConfig, steps_per_epoch: int | None = None) -> keras.optimizers.Optimizer:
    """The optimiser of ``config`` with its learning rate or schedule (:func:`learning_rate_curve`)."""
    rate = learning_rate_curve(config, steps_per_epoch)
    decay = config.weight_decay or None
    if config.optimizer == "sgd_nesterov":
        return keras.optimizers.SGD(rate, momentum=NESTEROV_MOMENTUM, nesterov=True, weight_decay=decay)
    if config.optimizer == "adamw":
        return keras.optimizers.AdamW(rate, weight_decay=config.weight_decay)
    return keras.optimizers.Adam(rate, weight_decay=decay)


def learning_rate_curve(config: TrainingConfig, steps_per_epoch: int | None = None):
    """``config.learning_rate`` itself for the constant schedule, else a
    :class:`LearningRateCurve` over the run's ``epochs * steps_per_epoch`` steps."""
    if config.schedule == "constant":
        return config.learning_rate
    if not steps_per_epoch or steps_per_epoch < 1:
        raise ValueError(f"the {config.schedule} schedule needs the optimiser steps per epoch, got {steps_per_epoch}")
    return LearningRateCurve(
        config.learning_rate, total_steps=config.epochs * steps_per_epoch,
        warmup_steps=round(config.warmup_epochs * steps_per_epoch), shape=config.schedule,
    )


@keras.saving.register_keras_serializable(package="fer_utils")
class LearningRateCurve(keras.optimizers.schedules.LearningRateSchedule):
    """The learning rate at each optimiser step: a rise over ``warmup_steps`` to
    ``peak``, then a cosine fall until ``total_steps`` (and flat after it).

    * ``"cosine"``: the rise is linear from ``peak / warmup_steps`` (the first
      step) to ``peak``; the fall ends at 0 (Loshchilov and Hutter's cosine
      annealing, with the warm-up large batches and Adam-type optimisers like).
    * ``"one_cycle"``: Smith's one cycle as fastai runs it: a half-cosine rise
      from ``peak / 25`` to ``peak``, then a half-cosine fall to ``peak / 25 / 1e4``;
      with a rise of about 30% of the run, high rates early explore and the long
      fall settles.

    A rate that depends only on the step survives an interrupted run: the step
    count is saved with the optimiser, so a resumed run continues the curve.
    """

    def __init__(self, peak: float, total_steps: int, warmup_steps: int = 0, shape: str = "cosine"):
        if shape not in SCHEDULES[1:]:
            raise ValueError(f"shape must be one of {', '.join(SCHEDULES[1:])}, got {shape!r}")
        if peak <= 0 or total_steps < 1 or not 0 <= warmup_steps < total_steps:
            raise ValueError(f"need peak > 0 and 0 <= warmup_steps < total_steps, "
                             f"got {peak}, {warmup_steps}, {total_steps}")
        self.peak, self.total_steps, self.warmup_steps = float(peak), int(total_steps), int(warmup_steps)
        self.shape = shape

    def __call__(self, step):
        ops = keras.ops
        step = ops.cast(step, "float32")
        warmup, total = float(self.warmup_steps), float(self.total_steps)
        if self.shape == "one_cycle":
            start, end = self.peak / ONE_CYCLE_DIVISOR, self.peak / ONE_CYCLE_DIVISOR / 1e4
            rise = start + (self.peak - start) * 0.5 * (1.0 - ops.cos(math.pi * step / max(warmup, 1.0)))
        else:
            end = 0.0
            rise = self.peak * (step + 1.0) / max(warmup, 1.0)
        progress = ops.clip((step - warmup) / max(total - warmup, 1.0), 0.0, 1.0)
        fall = end + (self.peak - end) * 0.5 * (1.0 + ops.cos(math.pi * progress))
        return ops.where(step < warmup, rise, fall)

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps, "warmup_steps": self.warmup_steps,
                "shape": self.shape}


class _ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras' early stopping on ``val_loss``, starting from a saved count when resuming."""

    def __init__(self, patience: int, saved: dict | None):
        super().__init__(monitor="val_loss", patience=patience)
        self._saved = saved

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self._saved:
            self.wait, self.best = self._saved["wait"], self._saved["best"]

    def snapshot(self) -> dict:
        return {"wait": self.wait, "best": self.best, "stopped": bool(self.model.stop_training)}


class _RunRecorder(keras.callbacks.Callback):
    """After every epoch: the history, the best and the last checkpoint, then the commit.

    Runs after early stopping (it comes later in the callback list), so the
    committed state includes this epoch's early-stopping decision.
    """

    def __init__(self, directory: Path, state: dict, early_stopping: _ResumableEarlyStopping | None, seed: int):
        super().__init__()
        self.directory, self.state, self.early_stopping, self.seed = directory, state, early_stopping, seed

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()
        _reseed_random_layers(self.model, self.seed, epoch)

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1
        row = {"epoch": done, **{k: float(v) for k, v in (logs or {}).items()}}
        row["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        row["seconds"] = time.perf_counter() - self._started
        state, stale = self.state, []
        state["history"].append(row)
        if row["val_loss"] < state["best_val_loss"]:
            stale.append(state["best_checkpoint"])
            state["best_val_loss"], state["best_checkpoint"] = row["val_loss"], f"best-{done}.keras"
            replace_atomically(self.directory / state["best_checkpoint"], self.model.save)
        stale.append(state["last_checkpoint"])
        state["last_checkpoint"] = f"last-{done}.keras"
        replace_atomically(self.directory / state["last_checkpoint"], self.model.save)
        state["epochs_done"] = done
        state["early_stopping"] = self.early_stopping.snapshot() if self.early_stopping else None
        save_table(_history_frame(state["history"]), self.directory / "history.csv")
        _commit(self.directory, state)
        for name in stale:  # only once the new state no longer points at them
            if name and name not in (state["best_checkpoint"], state["last_checkpoint"]):
                (self.directory / name).unlink(missing_ok=True)


def _reseed_random_layers(model: keras.Model, seed: int, epoch: int) -> None:
    """Set the random state of every dropout-like layer from ``(seed, epoch)``.

    Keras does not restore these states when it loads a checkpoint, so a resumed
    run would otherwise drop different units than an uninterrupted one.
    """
    states = [v for v in model.non_trainable_variables if v.path.endswith("seed_generator_state")]
    values = np.random.SeedSequence((seed, epoch)).generate_state(len(states))
    for state, value in zip(states, values):
        state.assign(np.asarray([value, 0], dtype=state.dtype))


def _commit(directory: Path, state: dict) -> None:
    replace_atomically(directory / "state.json", lambda path: _write_json(path, state))


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=1, default=str))


def _remedy(directory: Path) -> str:
    return f"delete the run folder {directory} to train the run again from the start"


STATE_KEYS = ("epochs_done", "history", "best_val_loss", "best_checkpoint", "last_checkpoint", "early_stopping",
              "replicas")
"""What a committed ``state.json`` holds (and ``finished`` once the run is done)."""


def _read_json(path: Path) -> dict:
    """The run's committed state (``{}`` before the first commit), checked for every key it needs."""
    state = read_json(path, _remedy(path.parent))
    missing = [key for key in STATE_KEYS if key not in state]
    if state and missing:
        raise SavedFileError(f"{path}: not a training run's state (no {', '.join(missing)}); "
                             f"{_remedy(path.parent)}")
    return state


def _load_checkpoint(directory: Path, name: str) -> keras.Model:
    """A model file of the run in ``directory``, checked (:func:`~fer_utils.engine.artifacts.load_model_file`)."""
    return load_model_file(_checked_file(directory, name), _remedy(directory))


def _checked_file(directory: Path, name: str) -> Path:
    """The path of a file that the run's ``state.json`` names, which must exist."""
    path = directory / str(name)
    if not path.is_file():
        raise SavedFileError(f"{path}: missing, although {directory / 'state.json'} names it; {_remedy(directory)}")
    return path


def _history_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).set_index("epoch")
