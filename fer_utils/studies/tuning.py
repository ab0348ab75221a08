"""Chapter 6: hyperparameter tuning, with keras-tuner's searches and the training engine's runs.

Every search is a keras-tuner tuner (:class:`EngineTuner`, a ``keras_tuner.Tuner``)
whose ``run_trial`` turns the trial's hyperparameters into training-engine
settings and trains through :func:`fer_utils.engine.training.train`, so a trial is an
ordinary engine run: cached by its settings, resumable after a kill, seeded. The
tuner reports the run's best ``val_loss`` (the objective, minimised: the epoch
seed 000's checkpointer keeps) and that epoch's ``val_accuracy``; keras-tuner
keeps the trials, resumes the search and chooses what to try next.

The searches of the chapter (:func:`chapter_searches`), each with the same number
of trials and the same training budget per trial (:class:`TuningBudget`). Where
the budget is short (``warm_start``), every trial starts from the convolutions of
chapter 5's trained baseline with a fresh dense head (:func:`warm_start_weights`),
so that its few hundred steps show what its configuration does to a network that
already sees faces; from scratch, such trials all sat at the class shares:

* ``bayesian``, ``random``, ``grid``: seed 000's space (§3.2), learning rate
  1e-4 to 4e-4 in steps of 1e-4 and the first dense layer of the baseline CNN
  from 128 to 1024 units in powers of two, searched by keras-tuner's Bayesian
  optimisation, random search and grid search. They train the same network with
  the same settings, so a configuration that two of them try is trained once
  (the engine's cache) and compared on equal terms;
* ``bayesian_dropout``: seed 000's second pass, the lower learning rate (1e-4)
  and a dropout after the dense layer, Bayesian optimisation over its rate and
  the dense units;
* ``annealing``: seed 004's simulated annealing (§3.2) over learning rate, epochs
  and batch size (:class:`SimulatedAnnealingOracle`);
* ``random_architecture``: seed 003's random network generator
  (:mod:`fer_utils.nets.random_residual`), its seed searched at random; only
  where trials train from scratch, since a drawn network has no trained trunk.

Where the state lives: ``<artifacts>/tuning-<profile>-<dataset digest>/<search>-<key>/``
(keras-tuner's own project folder: ``oracle.json``, ``tuner0.json``,
``trial_*/trial.json``), the key made of the search's space and settings, the
budget per trial and the seed. Running a search again reloads its finished
trials instead of training them; asking for more trials (``max_trials``) adds
only the new ones; a search killed mid-trial starts again with that trial,
whose engine run resumes after its last finished epoch.

A trial whose loss becomes NaN or infinite is recorded as failed
(``TrialStatus.FAILED``, with the reason as its message) and the search goes on;
keras-tuner stops a search after three failures in a row.

Distributed tuning: the tuners are built without a ``tuner_id``, so keras-tuner's
``KERASTUNER_TUNER_ID``, ``KERASTUNER_ORACLE_IP`` and ``KERASTUNER_ORACLE_PORT``
turn a search into its chief/worker mode unchanged: the chief's oracle hands out
the trials and keeps the search's state, each worker trains the trials it is
given through the engine (tests/test_distributed.py runs a chief and two workers;
docs/tuning.md says how to run them on several machines).
"""

from __future__ import annotations

import hashlib
import inspect
import io
import itertools
import json
import math
import os
import time
import warnings
import zlib
from contextlib import redirect_stdout
from dataclasses import asdict, dataclass, field, fields

import keras_tuner
import numpy as np
import pandas as pd
import threadpoolctl
from keras_tuner.engine.trial import TrialStatus
from keras_tuner.src.distribute.utils import has_chief_oracle, is_chief_oracle
from keras_tuner.oracles import BayesianOptimizationOracle, GridSearchOracle, RandomSearchOracle
from sklearn.exceptions import ConvergenceWarning

from fer_utils.engine import training
from fer_utils.config import artifacts_dir
from fer_utils.data.dataset import dataset_digest
from fer_utils.engine.artifacts import file_digest
from fer_utils.data.dataset import FaceDataset, stratified_sample
from fer_utils.config import Profile, TuningBudget, active_profile
from fer_utils.nets.random_residual import draw_architecture

OBJECTIVE = keras_tuner.Objective("val_loss", direction="min")
"""What every search minimises: the validation loss of the epoch the checkpointer keeps."""
STRATEGIES = ("bayesian", "random", "grid", "annealing")
_ENDED = (TrialStatus.COMPLETED, TrialStatus.FAILED)
ARCHITECTURE = "architecture"
"""The hyperparameter that names a random network by its seed (model option ``seed``)."""
_ENGINE_SETTINGS = frozenset(f.name for f in fields(training.TrainingConfig)) - {"model", "model_options"}
"""Hyperparameters with these names are engine settings; any other is a model option."""


# --- budgets --------------------------------------------------------------------------


def tuning_budget(profile: Profile | str) -> TuningBudget:
    """The tuning budget of a profile (or profile name).

    * ``smoke``: 2 trials per search (2 annealing steps), 1 epoch on 128
      training and 64 validation faces, warm-started like ``default`` so that
      CI runs the chapter as the default profile does. The images cost little;
      each trial's fixed start-up does (building, tracing and checkpointing
      the network: 5-20 s on a 2-core CPU), so the five searches take a few
      minutes there.
    * ``default``: the searches within chapter 6's share of the default
      profile's time (``fer-utils report --plan`` prints it). 4 trials per search
      and 4 annealing steps, 2 epochs per trial of batch 16 (250 steps) on a
      stratified 2,000 of FER-2013's 28,709 training faces, scored on a
      stratified 1,000 of the 3,589 PublicTest faces, every trial warm-started
      from chapter 5's baseline. Why: the baseline CNN trains at about 60-110
      images/s on such a CPU, so one epoch of the full training split takes 4-8
      minutes and a seed-000-sized search (tens of trials of tens of epochs)
      would take days; and on the genuine data every such trial trained from
      scratch ended at or below the loss of answering the class shares (so did
      4,000-6,000 faces at batch 32), which ranks nothing. The Bayesian, random
      and grid searches share the engine's runs, so their 12 trials cost about
      9 runs; with the dropout pass, annealing (4 each) and the 2 noise repeats
      about 19. The trials rank how configurations adapt a trained trunk in a
      few hundred steps, not how they train from scratch to convergence:
      chapter 6 retrains the chosen one from scratch to test that.
    * ``full``: for a GPU: 16 trials per search (the whole grid), 30 annealing
      steps (seed 004), 20 epochs on all images.
    """
    return (profile if isinstance(profile, Profile) else active_profile(str(profile))).tuning


def tuning_data(dataset: FaceDataset, budget: TuningBudget, seed: int = 0) -> FaceDataset:
    """The faces a search trains and scores on: stratified samples of the train and
    validation splits of the budget's sizes. The test split is left out: tuning
    never looks at it."""
    caps = {"train": budget.train_images, "validation": budget.validation_images}
    for split in caps:
        if not np.any(dataset.splits == split):
            raise ValueError(f"{dataset.name}: no {split} images to tune with")
    return stratified_sample(dataset, caps, seed)


# --- search spaces ----------------------------------------------------------------------


def stepped(name: str, low: float, high: float, step: float) -> tuple:
    """``low, low + step, ..., high``: a dimension given by its range and step, checked.

    Integers stay integers; floats are rounded to 12 significant digits so that
    ``stepped("learning_rate", 1e-4, 4e-4, 1e-4)`` gives exactly 0.0003, not
    0.00030000000000000003.
    """
    for label, value in (("minimum", low), ("maximum", high), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name}: the {label} must be a finite number, got {value!r}")
    if step <= 0:
        raise ValueError(f"{name}: the step must be positive, got {step}")
    if low > high:
        raise ValueError(f"{name}: empty range, the minimum {low} is above the maximum {high}")
    count = math.floor((high - low) / step + 1e-9) + 1
    if not math.isclose(low + (count - 1) * step, high, rel_tol=1e-9, abs_tol=1e-12):
        raise ValueError(f"{name}: the maximum {high} is not a whole number of steps of {step} from {low}")
    if all(isinstance(value, int) for value in (low, high, step)):
        return tuple(range(low, high + 1, step))
    return tuple(float(f"{low + i * step:.12g}") for i in range(count))


def powers_of_two(name: str, low: int, high: int) -> tuple[int, ...]:
    """``low, 2 low, 4 low, ..., high`` (seed 000's dense units: 128 to 1024), checked."""
    for label, value in (("minimum", low), ("maximum", high)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value & (value - 1):
            raise ValueError(f"{name}: the {label} must be a power of two, got {value!r}")
    if low > high:
        raise ValueError(f"{name}: empty range, the minimum {low} is above the maximum {high}")
    return tuple(2**k for k in range(low.bit_length() - 1, high.bit_length()))


@dataclass(frozen=True)
class Search:
    """One search of the chapter: a strategy over a space of settings.

    ``space`` maps each hyperparameter to its values, in increasing order (a
    tuple, or a ``range`` for the random networks' seeds). A hyperparameter named
    like a :class:`~fer_utils.engine.training.TrainingConfig` field (``learning_rate``,
    ``epochs``, ``batch_size``...) is that engine setting; ``architecture`` is a
    random network's seed (model option ``seed``); any other name is an option of
    the model's builder (``dense_units``, ``dense_dropout``). ``fixed`` holds the
    settings every trial shares (an engine setting, or ``model_options``).
    ``steps`` (simulated annealing only): how many positions in its list of
    values a hyperparameter may move per step; ``None`` draws it afresh.
    """

    name: str
    strategy: str
    space: dict
    model: str = "baseline_cnn"
    fixed: dict = field(default_factory=dict)
    steps: dict = field(default_factory=dict)
    description: str = ""

    def __post_init__(self):
        if self.strategy not in STRATEGIES:
            raise ValueError(f"{self.name}: unknown strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}")
        if not isinstance(self.space, dict) or not self.space:
            raise ValueError(f"{self.name}: the search space is empty; give at least one hyperparameter and its values")
        for name, values in self.space.items():
            _check_dimension(self.name, name, values)
        overlap = set(self.space) & set(self.fixed)
        if overlap:
            raise ValueError(f"{self.name}: {', '.join(sorted(overlap))} both searched and fixed")
        unknown = set(self.steps) - set(self.space)
        if unknown:
            raise ValueError(f"{self.name}: steps given for {', '.join(sorted(unknown))}, which is not in the space")
        for name, step in self.steps.items():
            if step is not None and (isinstance(step, bool) or not isinstance(step, int) or step < 1):
                raise ValueError(f"{self.name}: the step of {name} must be a positive number of positions or None")

    def hyperparameters(self) -> keras_tuner.HyperParameters:
        """The space as keras-tuner hyperparameters: ``Choice`` (ordered) per tuple, ``Int`` per range."""
        hp = keras_tuner.HyperParameters()
        for name, values in self.space.items():
            if isinstance(values, range):
                hp.Int(name, values.start, values[-1], step=values.step)
            else:
                hp.Choice(name, list(values), ordered=not isinstance(values[0], str))
        return hp

    def settings(self, values: dict, budget: TuningBudget, seed: int, initial_weights: str | None = None) -> dict:
        """The keyword arguments of ``train`` for one trial's ``values`` (starting from
        ``initial_weights``, a warm start's ``.keras`` file, if given)."""
        settings = {"epochs": budget.epochs, "batch_size": budget.batch_size, "patience": None, "seed": seed}
        if initial_weights is not None:
            settings["initial_weights"] = str(initial_weights)
        options = dict(self.fixed.get("model_options", {}))
        for name, value in {**self.fixed, **values}.items():
            if name == "model_options":
                continue
            if name == ARCHITECTURE:
                options["seed"] = int(value)
            elif name in _ENGINE_SETTINGS:
                settings[name] = value
            else:
                options[name] = value
        settings["model_options"] = options
        return settings

    def key(self) -> dict:
        """Everything about the search that decides its trials' results (not the trial count)."""
        space = {
            name: {"range": [values.start, values.stop, values.step]} if isinstance(values, range) else list(values)
            for name, values in self.space.items()
        }
        return {
            "strategy": self.strategy, "model": self.model, "space": space, "fixed": self.fixed, "steps": self.steps,
        }


def _check_dimension(search: str, name: str, values) -> None:
    where = f"{search}: hyperparameter {name!r}"
    if isinstance(values, range):
        if not len(values):
            raise ValueError(f"{where} has no values (empty range)")
        return
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ValueError(f"{where}: give its values as a tuple or a range, got {values!r}")
    if not len(values):
        raise ValueError(f"{where} has no values")
    kinds = {type(value) for value in values}
    if len(kinds) > 1 or not kinds <= {int, float, str, bool}:
        raise ValueError(f"{where}: values must all be int, all float, all str or all bool; got {list(values)!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"{where} lists a value twice: {list(values)!r}")
    if kinds <= {int, float} and list(values) != sorted(values):
        raise ValueError(f"{where}: numeric values must be in increasing order, got {list(values)!r}")


SEED_000_LEARNING_RATES = stepped("learning_rate", 1e-4, 4e-4, 1e-4)
SEED_000_DENSE_UNITS = powers_of_two("dense_units", 128, 1024)
DENSE_DROPOUTS = stepped("dense_dropout", 0.1, 0.5, 0.1)
ANNEALING_LEARNING_RATES = stepped("learning_rate", 1e-4, 1e-3, 1e-4)
ARCHITECTURE_SEEDS = range(100_000)
ARCHITECTURE_SEARCH = "random_architecture"


def chapter_searches(budget: TuningBudget) -> dict[str, Search]:
    """The chapter's searches, by name, in the order the chapter runs them: six, or
    five where the budget's trials are warm-started (no random architectures)."""
    seed_000 = {"learning_rate": SEED_000_LEARNING_RATES, "dense_units": SEED_000_DENSE_UNITS}
    searches = [
        Search("bayesian", "bayesian", seed_000, description="Bayesian optimisation over seed 000's space"),
        Search("random", "random", seed_000, description="random search over seed 000's space"),
        Search("grid", "grid", seed_000, description="grid search over seed 000's space, in order"),
        Search(
            "bayesian_dropout", "bayesian", {"dense_units": SEED_000_DENSE_UNITS, "dense_dropout": DENSE_DROPOUTS},
            fixed={"learning_rate": 1e-4},
            description="seed 000's second pass: learning rate 1e-4, dropout after the dense layer",
        ),
        Search(
            "annealing", "annealing",
            {
                "learning_rate": ANNEALING_LEARNING_RATES,
                "epochs": stepped("epochs", *budget.annealing_epochs),
                "batch_size": tuple(budget.batch_sizes),
            },
            steps={"learning_rate": 2, "epochs": 1, "batch_size": None},
            description="seed 004's simulated annealing over learning rate, epochs and batch size",
        ),
        Search(
            ARCHITECTURE_SEARCH, "random", {ARCHITECTURE: ARCHITECTURE_SEEDS}, model="random_residual",
            fixed={"learning_rate": 1e-3}, description="seed 003's random residual separable networks",
        ),
    ]
    left_out = {ARCHITECTURE_SEARCH} if budget.warm_start else set()
    return {search.name: search for search in searches if search.name not in left_out}


# --- oracles ------------------------------------------------------------------------------


class _BayesianOracle(BayesianOptimizationOracle):
    """keras-tuner's Bayesian optimisation, without repeats.

    On a small discrete space (seed 000's has 16 points) the Gaussian process
    often proposes a point already tried; a repeat would teach it nothing, so a
    random untried point takes its place (the search stops when none is left).
    The Gaussian process is fitted with one BLAS thread (its matrices have a few
    dozen rows; on a busy 2-core CPU more threads made a proposal several times
    slower) and without scikit-learn's convergence warnings, which a length
    scale at its bound raises on such small, coarse spaces.
    """

    def populate_space(self, trial_id):
        with threadpoolctl.threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            response = super().populate_space(trial_id)
        if response["status"] == TrialStatus.RUNNING and self._duplicate(response["values"]):
            values = self._random_values()
            if values is None:
                return {"status": TrialStatus.STOPPED, "values": None}
            response = {"status": TrialStatus.RUNNING, "values": values}
        return response


class ResumableGridOracle(GridSearchOracle):
    """keras-tuner's grid search, able to resume.

    keras-tuner 1.4.8's grid oracle keeps its place in the grid in attributes it
    does not save (keras-team/keras-tuner#1055), so a reloaded grid search fails
    or stops early. This one walks the same order (the first value of every
    hyperparameter first, the last hyperparameter changing fastest) and takes
    the first combination not yet tried, which it can always tell from the
    oracle's saved state.
    """

    def populate_space(self, trial_id):
        space = self.get_space().space
        for combination in itertools.product(*(list(hp.values) for hp in space)):
            values = {hp.name: value for hp, value in zip(space, combination)}
            if not self._duplicate(values):
                return {"status": TrialStatus.RUNNING, "values": values}
        return {"status": TrialStatus.STOPPED, "values": None}


class SimulatedAnnealingOracle(keras_tuner.Oracle):
    """Simulated annealing (seed 004 §3.2) as a keras-tuner oracle.

    The space is a list of values per hyperparameter (keras-tuner ``Choice`` or
    ``Int``). The first trial is ``start`` (by default the middle value of every
    hyperparameter). Each later trial is a neighbour of the *current* point:
    every hyperparameter with a step ``s`` in ``steps`` moves by a random number
    of positions between ``-s`` and ``+s`` (clipped at the ends of its list),
    every hyperparameter with step ``None`` is drawn afresh from its values (as
    seed 004 drew the batch size), and a neighbour not tried before is preferred.

    When a trial has finished, the Metropolis criterion decides whether it
    becomes the current point: always if its objective ``f`` is better,
    otherwise with probability ``exp(-(f - f_current) / T_k)``, where the
    temperature falls geometrically with the number ``k`` of decisions made,
    ``T_k = initial_temperature * cooling**k``. With the defaults (0.1 and 0.85)
    a trial whose ``val_loss`` is 0.05 worse than the current one is accepted
    with probability 0.61 at the first decision, 0.21 at the eighth (the last of
    the default budget), 0.08 at the eleventh and practically never (2e-6) from
    the 21st on, so seed 004's 30 iterations end as a pure descent; a failed
    trial is never accepted.

    Random draws come from ``(seed, trial number)``, so a search is reproducible
    and a reloaded one continues exactly; decisions are made when the next
    trial is requested (and by :meth:`decisions`), in the order trials ended.
    """

    def __init__(
        self, objective=None, max_trials=30, hyperparameters=None, steps=None, start=None,
        initial_temperature: float = 0.1, cooling: float = 0.85, seed=None, **kwargs,
    ):
        if hyperparameters is None or not hyperparameters.space:
            raise ValueError("simulated annealing needs its search space up front (hyperparameters=...)")
        if not initial_temperature > 0:
            raise ValueError(f"the initial temperature must be positive, got {initial_temperature}")
        if not 0 < cooling <= 1:
            raise ValueError(f"the cooling factor must lie in (0, 1], got {cooling}")
        super().__init__(
            objective=objective, max_trials=max_trials, hyperparameters=hyperparameters, seed=seed, **kwargs
        )
        names = [hp.name for hp in hyperparameters.space]
        unknown = (set(steps or {}) | set(start or {})) - set(names)
        if unknown:
            raise ValueError(f"steps or start name {', '.join(sorted(unknown))}, not in the space {names}")
        self.steps = dict(steps or {})
        self.start = dict(start or {})
        self.initial_temperature, self.cooling = float(initial_temperature), float(cooling)
        self.current_id: str | None = None
        self.current_score: float | None = None
        self._decisions: list[dict] = []

    def temperature(self, k: int) -> float:
        """The temperature of the ``k``-th decision (from 0)."""
        return self.initial_temperature * self.cooling**k

    def _dimensions(self) -> list[tuple[str, list]]:
        return [(hp.name, list(hp.values)) for hp in self.hyperparameters.space]

    def _start_values(self) -> dict:
        values = {}
        for name, options in self._dimensions():
            values[name] = self.start.get(name, options[len(options) // 2])
            if values[name] not in options:
                raise ValueError(f"the start value {values[name]!r} of {name} is not one of its values {options}")
        return values

    def populate_space(self, trial_id):
        self._decide_pending()
        if not self.start_order:
            return {"status": TrialStatus.RUNNING, "values": self._start_values()}
        base = self.trials[self.current_id].hyperparameters.values if self.current_id else self._start_values()
        values = self._neighbour(dict(base), len(self.start_order))
        if values is None:
            return {"status": TrialStatus.STOPPED, "values": None}
        return {"status": TrialStatus.RUNNING, "values": values}

    def _neighbour(self, base: dict, number: int) -> dict | None:
        rng = np.random.default_rng([self.seed, number, 0])
        revisit = None
        for _ in range(100):
            proposal = {}
            for name, options in self._dimensions():
                step = self.steps.get(name, 1)
                if step is None:
                    proposal[name] = options[int(rng.integers(len(options)))]
                else:
                    here = options.index(base[name])
                    proposal[name] = options[int(np.clip(here + rng.integers(-step, step + 1), 0, len(options) - 1))]
            if proposal == base:
                continue
            if not self._duplicate(proposal):
                return proposal
            revisit = revisit or proposal
        return revisit  # every nearby point was tried: revisit one (the engine has its run)

    def _decide_pending(self) -> None:
        decided = {entry["trial_id"] for entry in self._decisions}
        sign = 1.0 if self.objective.direction == "min" else -1.0
        for trial_id in self.end_order:
            if trial_id in decided:
                continue
            trial = self.trials[trial_id]
            k = len(self._decisions)
            temperature = self.temperature(k)
            score = trial.score if trial.status == TrialStatus.COMPLETED else None
            entry = {
                "trial_id": trial_id, "step": k, "temperature": temperature,
                "value": np.nan if score is None else float(score),
                "current": np.nan if self.current_score is None else float(self.current_score),
                "delta": np.nan, "probability": 0.0, "accepted": False,
            }
            if score is None or not math.isfinite(score):
                entry["note"] = "failed trial: rejected"
            elif self.current_id is None:
                entry.update(probability=1.0, accepted=True, note="first point")
            else:
                delta = sign * (score - self.current_score)
                probability = 1.0 if delta <= 0 else math.exp(-delta / temperature)
                draw = np.random.default_rng([self.seed, k, 1]).random()
                entry.update(delta=delta, probability=probability, accepted=bool(draw < probability))
                entry["note"] = (
                    "better" if delta <= 0 else "worse, accepted" if entry["accepted"] else "worse, rejected"
                )
            if entry["accepted"]:
                self.current_id, self.current_score = trial_id, float(score)
            self._decisions.append(entry)

    def decisions(self) -> pd.DataFrame:
        """One row per finished trial: temperature, its value, the current value, the
        acceptance probability and whether it was accepted."""
        self._decide_pending()
        columns = ["trial_id", "step", "temperature", "value", "current", "delta", "probability", "accepted", "note"]
        return pd.DataFrame(self._decisions, columns=columns)

    def get_state(self):
        state = super().get_state()
        state.update(
            current_id=self.current_id, current_score=self.current_score,
            decisions=json.loads(json.dumps(self._decisions, default=float)),
        )
        return state

    def set_state(self, state):
        super().set_state(state)
        self.current_id, self.current_score = state["current_id"], state["current_score"]
        self._decisions = list(state["decisions"])


def oracle_seed(search: Search, seed: int) -> int:
    """The oracle's seed: from the search's name and ``seed``, so that two searches draw
    different random points. (keras-tuner seeds its n-th draw with ``seed + n`` and
    reads 0 as "no seed", so nearby or zero seeds would repeat or lose a sequence.)"""
    return 1 + zlib.crc32(f"{search.name}:{seed}".encode()) % 1_000_000_000


def make_oracle(search: Search, max_trials: int, seed: int = 0) -> keras_tuner.Oracle:
    """The keras-tuner oracle of ``search``'s strategy over its space."""
    if isinstance(max_trials, bool) or not isinstance(max_trials, int) or max_trials < 1:
        raise ValueError(f"max_trials must be a positive integer, got {max_trials!r}")
    common = {
        "objective": OBJECTIVE, "max_trials": max_trials, "hyperparameters": search.hyperparameters(),
        "seed": oracle_seed(search, seed),
    }
    if search.strategy == "bayesian":
        return _BayesianOracle(num_initial_points=3, **common)
    if search.strategy == "random":
        return RandomSearchOracle(**common)
    if search.strategy == "grid":
        return ResumableGridOracle(**common)
    return SimulatedAnnealingOracle(steps=search.steps, **common)


# --- the tuner ------------------------------------------------------------------------------


class EngineTuner(keras_tuner.Tuner):
    """A keras-tuner tuner whose trials are training-engine runs.

    ``tuner.search(data)`` runs the search on ``data`` (a :class:`FaceDataset`,
    normally :func:`tuning_data`); everything else (the oracle, saving, reloading,
    the best trials) is keras-tuner's.
    """

    def __init__(
        self, oracle: keras_tuner.Oracle, search: Search, profile: Profile | None, budget: TuningBudget,
        seed: int = 0, verbose: bool = False, initial_weights: str | None = None, **kwargs,
    ):
        self.search_plan, self.profile, self.budget, self.seed = search, profile, budget, seed
        self.initial_weights = initial_weights
        self.verbose = verbose
        self._last: dict = {}
        self._data: FaceDataset | None = None
        super().__init__(oracle=oracle, **kwargs)  # no tuner_id: KERASTUNER_TUNER_ID decides it

    def trial_settings(self, values: dict) -> dict:
        """The engine settings of a trial's hyperparameter ``values``."""
        return self.search_plan.settings(values, self.budget, self.seed, self.initial_weights)

    def run_trial(self, trial, data: FaceDataset, *args, **kwargs) -> dict:
        values = dict(trial.hyperparameters.values)
        if set(values) != set(self.search_plan.space):
            raise keras_tuner.errors.FatalValueError(
                f"{self.search_plan.name}: trial {trial.trial_id} has hyperparameters {sorted(values)}, "
                f"this search has {sorted(self.search_plan.space)} (another search's oracle?)"
            )
        self._last = {"values": values, "trial_id": trial.trial_id}
        started = time.perf_counter()
        run = training.train(
            self.search_plan.model, data, profile=self.profile, verbose=0, **self.trial_settings(values)
        )
        history = run.history
        broken = ~np.isfinite(history[["loss", "val_loss"]].to_numpy(dtype=float)).all(axis=1)
        if broken.any():
            epoch = int(history.index[np.argmax(broken)])
            message = (
                f"{self.search_plan.name} trial {trial.trial_id} diverged: the loss became NaN or infinite "
                f"in epoch {epoch} with {_describe(values)}; recorded as a failed trial"
            )
            self._last["failed"] = message
            raise keras_tuner.errors.FailedTrialError(message)
        metrics = {
            **kept_scores(run),
            "best_epoch": float(run.best_epoch),
            "train_seconds": float(history["seconds"].sum()),
            "wall_seconds": time.perf_counter() - started,
        }
        self._last["metrics"] = metrics
        return metrics

    def load_model(self, trial):
        """The trial's trained network (the engine loads its cached run)."""
        if self._data is None:
            raise ValueError("load_model needs the search's data: call search(tuning_data(...)) first")
        values = dict(trial.hyperparameters.values)
        return training.train(
            self.search_plan.model, self._data, profile=self.profile, verbose=0, **self.trial_settings(values)
        ).model

    def search(self, data: FaceDataset, *args, **kwargs):
        """Run the search on ``data``, with a progress bar over its trials (tqdm: a
        widget in a notebook, a text bar in a terminal; reloaded trials count as done)."""
        from tqdm.auto import tqdm

        self._data = data
        total = getattr(self.oracle, "max_trials", None)
        done = sum(t.status in _ENDED for t in getattr(self.oracle, "trials", {}).values())
        with tqdm(total=total, initial=min(done, total or done), desc=f"{self.search_plan.name} trials",
                  unit="trial") as self._bar:
            try:
                return super().search(data, *args, **kwargs)
            finally:
                self._bar = None

    def on_trial_end(self, trial):
        super().on_trial_end(trial)
        bar = getattr(self, "_bar", None)
        if bar is not None:
            bar.update(1)
        if self.verbose and self._last.get("trial_id") == trial.trial_id:
            (bar.write if bar is not None else print)(self._progress_line())

    def _progress_line(self) -> str:
        head = f"{self.search_plan.name} trial {self._last['trial_id']}: {_describe(self._last['values'])}"
        if "failed" in self._last:
            return f"{head} -> failed (loss NaN or infinite)"
        metrics = self._last.get("metrics", {})
        if not metrics:
            return f"{head} -> failed"
        return (
            f"{head} -> val_loss {metrics['val_loss']:.4f}, val_accuracy {metrics['val_accuracy']:.1%} "
            f"({metrics['train_seconds']:.0f} s of training)"
        )


def tuning_directory(dataset: FaceDataset, profile: Profile | None) -> str:
    """The folder of every search on ``dataset`` in ``profile``: ``<artifacts>/tuning-<profile>-<digest>``."""
    return str(artifacts_dir() / f"tuning-{profile.name if profile else 'none'}-{dataset_digest(dataset)}")


def project_name(search: Search, budget: TuningBudget, seed: int, initial_weights: str | None = None) -> str:
    """``<search name>-<key>``: the key changes with the space, the budget per trial, the seed
    and the content of the warm start's file, not with the number of trials (more trials
    continue the same search)."""
    per_trial = {k: v for k, v in asdict(budget).items() if k not in ("trials", "annealing_trials", "repeats")}
    key = {"search": search.key(), "budget": per_trial, "seed": seed}
    if initial_weights is not None:
        key["initial_weights"] = file_digest(initial_weights)
    key = json.dumps(key, sort_keys=True, default=str)
    return f"{search.name}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"


def make_tuner(
    search: Search, dataset: FaceDataset, profile: Profile | None, *, budget: TuningBudget | None = None,
    seed: int = 0, max_trials: int | None = None, overwrite: bool = False, verbose: bool = False,
    initial_weights: str | None = None,
) -> EngineTuner:
    """The tuner of ``search`` on ``dataset`` (the whole dataset: its digest names the
    folder), reloading its finished trials unless ``overwrite``. A warm-started budget
    needs ``initial_weights`` (:func:`warm_start_weights`), any other budget refuses it.
    A worker of a distributed search (:func:`tuning_role`) never deletes the folder: the
    chief owns the search's state, and ``overwrite`` there would delete it under the chief."""
    budget = budget or tuning_budget(profile)
    if budget.warm_start != (initial_weights is not None):
        raise ValueError(
            f"{search.name}: this budget's trials start from a trained network; give initial_weights, the "
            f"model.keras of chapter 5's baseline (warm_start_weights)" if budget.warm_start else
            f"{search.name}: this budget's trials train from scratch, so initial_weights={initial_weights!r} "
            "would not be used; give a budget with warm_start=True to start from it")
    _check_model_options(search)
    oracle = make_oracle(search, budget.trials_for(search.strategy) if max_trials is None else max_trials, seed)
    with redirect_stdout(io.StringIO()):  # keras-tuner prints "Reloading Tuner from ..."; we say it below
        tuner = EngineTuner(
            oracle, search, profile, budget, seed, verbose=verbose, initial_weights=initial_weights,
            directory=tuning_directory(dataset, profile),
            project_name=project_name(search, budget, seed, initial_weights),
            overwrite=overwrite and tuning_role() != "worker",
        )
    finished = [t for t in getattr(tuner.oracle, "trials", {}).values() if t.status in _ENDED]
    if verbose and finished:
        print(f"{search.name}: {len(finished)} finished trials reloaded from {tuner.project_dir}")
    return tuner


def tuning_role() -> str | None:
    """This process's part in a distributed search, as keras-tuner reads it from
    ``KERASTUNER_*``: ``"chief"`` (its oracle hands out the trials), ``"worker"``
    (it trains them), or ``None`` (a search in one process)."""
    if not has_chief_oracle():
        return None
    return "chief" if is_chief_oracle() else "worker"


def run_search(
    search: Search, dataset: FaceDataset, profile: Profile | None, *, budget: TuningBudget | None = None,
    seed: int = 0, max_trials: int | None = None, overwrite: bool = False, verbose: bool = False,
    initial_weights: str | None = None,
) -> EngineTuner:
    """Run (or resume, or reload) ``search`` on the budget's sample of ``dataset``; returns the tuner."""
    budget = budget or tuning_budget(profile)
    tuner = make_tuner(
        search, dataset, profile, budget=budget, seed=seed, max_trials=max_trials, overwrite=overwrite,
        verbose=verbose, initial_weights=initial_weights,
    )
    tuner.search(tuning_data(dataset, budget, seed=seed), verbose=0)
    return tuner


def run_chapter(
    dataset: FaceDataset, profile: Profile, *, seed: int = 0, verbose: bool = True,
    names: tuple[str, ...] | None = None,
) -> dict[str, EngineTuner]:
    """Every search of the chapter (or those ``names``), in order; returns the tuners by name.
    A warm-started budget first trains (or loads) chapter 5's baseline."""
    budget = tuning_budget(profile)
    searches = chapter_searches(budget)
    chosen = names or tuple(searches)
    unknown = set(chosen) - set(searches)
    if unknown:
        raise ValueError(f"unknown searches {sorted(unknown)}; choose from {', '.join(searches)}")
    start = warm_start_weights(dataset, profile, verbose=2 if verbose else 0) if budget.warm_start else None
    return {
        name: run_search(searches[name], dataset, profile, budget=budget, seed=seed, verbose=verbose,
                         initial_weights=start)
        for name in chosen
    }


WARM_START_MODEL = "baseline_cnn"
"""The network whose chapter-5 run warm-started trials start from (the searches' network)."""


def warm_start_weights(dataset: FaceDataset, profile: Profile, *, verbose: int = 0) -> str:
    """The ``model.keras`` of chapter 5's baseline on ``dataset`` in ``profile``, which
    warm-started trials start from: trained here first if chapter 5 has not run."""
    return str(training.train(WARM_START_MODEL, dataset, profile=profile, verbose=verbose).directory / "model.keras")


def _check_model_options(search: Search) -> None:
    """Refuse, before any training, a model that is not registered or an option its builder lacks."""
    from fer_utils.nets.registry import MODELS  # at call time: the registry may have grown since this module was imported

    builder = MODELS.get(search.model)
    if builder is None:
        raise ValueError(f"{search.name}: unknown model {search.model!r}; choose one of {', '.join(MODELS)}")
    names = {*search.space, *search.fixed} - _ENGINE_SETTINGS - {"model_options"}
    options = {"seed" if name == ARCHITECTURE else name for name in names} | set(search.fixed.get("model_options", {}))
    unknown = options - set(inspect.signature(builder).parameters)
    if unknown:
        raise ValueError(f"{search.name}: {search.model} has no option {', '.join(sorted(unknown))}")


def _describe(values: dict) -> str:
    return ", ".join(
        f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}" for name, value in values.items()
    )


# --- results --------------------------------------------------------------------------------


def trials_table(tuner: EngineTuner) -> pd.DataFrame:
    """One row per trial, in the order they started: status, hyperparameters, val_loss,
    val_accuracy, best epoch, training and wall seconds, and a note (why a trial
    failed, or which network a random architecture was)."""
    oracle = tuner.oracle
    rows = []
    for number, trial_id in enumerate(oracle.start_order, start=1):
        trial = oracle.trials[trial_id]
        row = {"search": tuner.search_plan.name, "trial": number, "trial_id": trial_id, "status": trial.status}
        row.update(trial.hyperparameters.values)
        for metric in ("val_loss", "val_accuracy", "best_epoch", "train_seconds", "wall_seconds"):
            row[metric] = (
                float(trial.metrics.get_last_value(metric))
                if trial.status == TrialStatus.COMPLETED and trial.metrics.exists(metric) else np.nan
            )
        row["note"] = _note(trial)
        rows.append(row)
    return pd.DataFrame(rows)


def _note(trial) -> str:
    if trial.status == TrialStatus.FAILED and trial.message:
        lines = [line for line in trial.message.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else ""
        return last.split("Error: ", 1)[-1]
    if ARCHITECTURE in trial.hyperparameters.values:
        return draw_architecture(int(trial.hyperparameters.values[ARCHITECTURE])).describe()
    return ""


def _configuration(row: pd.Series, space: dict) -> str:
    text = _describe({name: row[name] for name in space})
    if ARCHITECTURE in space:
        text += f" ({draw_architecture(int(row[ARCHITECTURE])).describe()})"
    return text


def search_summary(tuners: dict[str, EngineTuner]) -> pd.DataFrame:
    """One row per search: trials run and failed, the best configuration, its
    val_loss and val_accuracy, and the time: ``train s`` is what the trials'
    runs took to train, ``wall s`` what the search took in this process (less
    where runs came from the engine's cache)."""
    rows = {}
    for name, tuner in tuners.items():
        table = trials_table(tuner)
        done = table[table["status"].isin(_ENDED)] if len(table) else table
        completed = table[table["status"] == TrialStatus.COMPLETED] if len(table) else table
        row = {"strategy": tuner.search_plan.strategy, "trials": len(done),
               "failed": int((done["status"] == TrialStatus.FAILED).sum()) if len(done) else 0}
        if len(completed):
            best = completed.loc[completed["val_loss"].idxmin()]
            row.update({
                "best configuration": _configuration(best, tuner.search_plan.space),
                "best val_loss": best["val_loss"], "best val_accuracy": best["val_accuracy"],
            })
        else:
            row.update({"best configuration": "", "best val_loss": np.nan, "best val_accuracy": np.nan})
        row["train s"] = float(completed["train_seconds"].sum()) if len(completed) else 0.0
        row["wall s"] = float(completed["wall_seconds"].sum()) if len(completed) else 0.0
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("search")


def search_progress(tuners: dict[str, EngineTuner]) -> pd.DataFrame:
    """Long table, one row per search and trial: the trial's val_loss (NaN if it
    failed) and the best val_loss so far, what :func:`fer_utils.figures.plot_search_progress` draws."""
    frames = []
    for name, tuner in tuners.items():
        table = trials_table(tuner)
        if not len(table):
            continue
        table = table[table["status"].isin(_ENDED)]
        best = table["val_loss"].fillna(np.inf).cummin().replace(np.inf, np.nan)
        frames.append(pd.DataFrame({
            "search": name, "trial": np.arange(1, len(table) + 1), "val_loss": table["val_loss"].to_numpy(),
            "best_so_far": best.to_numpy(),
        }))
    if not frames:
        return pd.DataFrame(columns=["search", "trial", "val_loss", "best_so_far"])
    return pd.concat(frames, ignore_index=True)


def best_trial(tuners: dict[str, EngineTuner]) -> dict:
    """The chosen configuration: the completed trial with the lowest val_loss over
    all searches, with its search, values, scores and engine settings."""
    best = None
    for name, tuner in tuners.items():
        for trial in tuner.oracle.get_best_trials(1):
            if trial.status == TrialStatus.COMPLETED and (best is None or trial.score < best[1].score):
                best = (name, trial, tuner)
    if best is None:
        raise ValueError("no search has a completed trial yet")
    name, trial, tuner = best
    values = dict(trial.hyperparameters.values)
    return {
        "search": name, "trial_id": trial.trial_id, "values": values, "model": tuner.search_plan.model,
        "val_loss": float(trial.metrics.get_last_value("val_loss")),
        "val_accuracy": float(trial.metrics.get_last_value("val_accuracy")),
        "settings": tuner.trial_settings(values),
    }


def train_chosen(chosen: dict, dataset: FaceDataset, profile: Profile, *, verbose: int = 0) -> training.TrainingRun:
    """Train the chosen configuration (:func:`best_trial`) like chapter 5's baseline:
    on every training face of ``dataset`` for the profile's epochs, with its early
    stopping, seed and batch size. Only the configuration comes from the trial (what
    its search searched or fixed, such as the learning rate or the network), not the
    trial's budget (its epochs, faces and warm start). The engine caches the run, so chapter 7 gets the same network
    by calling this again."""
    return training.train(chosen["model"], dataset, profile=profile, verbose=verbose, **chosen_settings(chosen))


def chosen_settings(chosen: dict) -> dict:
    """The engine settings :func:`train_chosen` trains ``chosen`` with: the trial's
    configuration without its budget, the warm start included, so the chosen network
    trains from scratch like the baseline (the report's plan also needs this, to find the run)."""
    budget_only = {"epochs", "patience", "seed", "batch_size", "initial_weights"} - (set(chosen["values"]) - {"epochs"})
    return {k: v for k, v in chosen["settings"].items() if k not in budget_only}


def repeat_best(
    tuner: EngineTuner, dataset: FaceDataset, seeds: tuple[int, ...] | None = None
) -> pd.DataFrame:
    """Train the search's best configuration again with other seeds, on the same data
    and budget: one row per seed (the search's own seed first) with its val_loss and
    val_accuracy. The spread (:func:`noise_table`) is how far two trials may differ
    by chance alone."""
    best = tuner.oracle.get_best_trials(1)
    if not best or best[0].status != TrialStatus.COMPLETED:
        raise ValueError(f"{tuner.search_plan.name}: no completed trial to repeat")
    values = dict(best[0].hyperparameters.values)
    seeds = seeds if seeds is not None else tuple(tuner.seed + i for i in range(1, tuner.budget.repeats + 1))
    data = tuning_data(dataset, tuner.budget, seed=tuner.seed)
    rows = []
    for seed in (tuner.seed, *[s for s in seeds if s != tuner.seed]):
        settings = {**tuner.trial_settings(values), "seed": seed}
        run = training.train(tuner.search_plan.model, data, profile=tuner.profile, verbose=0, **settings)
        rows.append({"seed": seed, **kept_scores(run), "best_epoch": run.best_epoch})
    table = pd.DataFrame(rows).set_index("seed")
    table.attrs["configuration"] = _describe(values)
    return table


def trial_from_scratch(chosen: dict, dataset: FaceDataset, profile: Profile) -> dict:
    """The chosen trial (:func:`best_trial`) trained again without its warm start: the
    same configuration, faces, budget and seed from random weights. Its ``val_loss`` and
    ``val_accuracy`` (of the epoch the checkpointer keeps) show what the warm start adds."""
    settings = {name: value for name, value in chosen["settings"].items() if name != "initial_weights"}
    data = tuning_data(dataset, tuning_budget(profile), seed=settings["seed"])
    return kept_scores(training.train(chosen["model"], data, profile=profile, verbose=0, **settings))


def kept_scores(run: training.TrainingRun) -> dict:
    """``val_loss`` and ``val_accuracy`` of the epoch the run's checkpointer kept: a trial's score."""
    best = run.history.loc[run.best_epoch]
    return {"val_loss": float(best["val_loss"]), "val_accuracy": float(best["val_accuracy"])}


def noise_table(repeats: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation, min, max and range of val_loss and val_accuracy over the repeats."""
    metrics = repeats[["val_loss", "val_accuracy"]]
    table = metrics.agg(["mean", "std", "min", "max"])
    table.loc["range"] = table.loc["max"] - table.loc["min"]
    return table


def grid_trials(space: dict) -> int:
    """Trials a grid search needs to try every combination of ``space`` (a
    :class:`Search`'s space: each hyperparameter's values, a tuple or a range):
    the product of the numbers of values."""
    if not space:
        raise ValueError("the search space is empty")
    return math.prod(len(values) for values in space.values())


@dataclass(frozen=True)
class NoiseVerdict:
    """Whether the searches' best trials differ by more than seeds alone make the same
    configuration differ (:func:`noise_verdict`); ``str()`` says it in a sentence."""

    ranking: pd.Series
    """Each search's best val_loss, best first."""
    noise: float
    """Range of val_loss when the chosen configuration is trained with other seeds."""
    seeds: int
    beaten: int
    """Searches whose best trial is more than ``noise`` behind the best search's."""

    @property
    def lead(self) -> float:
        """How far the best search is ahead of the second (NaN with one search)."""
        return float(self.ranking.iloc[1] - self.ranking.iloc[0]) if len(self.ranking) > 1 else math.nan

    @property
    def spread(self) -> float:
        """Best val_loss of the worst search minus that of the best."""
        return float(self.ranking.iloc[-1] - self.ranking.iloc[0])

    @property
    def ranked(self) -> bool:
        """Whether the best search is ahead of the second by more than the noise."""
        return len(self.ranking) > 1 and self.lead > self.noise

    def __str__(self) -> str:
        noise = f"the {self.noise:.3f} by which {self.seeds} seeds alone move the chosen configuration's val_loss"
        if len(self.ranking) < 2:
            return "Only one search has a finished trial: there is nothing to rank."
        best, second = self.ranking.index[:2]
        if self.spread <= self.noise:
            return (f"The best trials of all {len(self.ranking)} searches lie within {self.spread:.3f} of each "
                    f"other, no more than {noise}: the table does not rank the strategies.")
        if not self.ranked:
            return (f"{best} leads {second} by {self.lead:.3f}, within {noise}: the top of the table is a tie; "
                    f"only the {self.beaten} search(es) more than that behind {best} found clearly worse "
                    "configurations.")
        return (f"{best} leads the next search, {second}, by {self.lead:.3f}, more than {noise}; "
                f"with {self.seeds} seeds that yardstick is itself rough.")


def noise_verdict(summary: pd.DataFrame, repeats: pd.DataFrame) -> NoiseVerdict:
    """Compare the gaps between the searches' best trials (:func:`search_summary`)
    with the spread of the same configuration over seeds (:func:`repeat_best`)."""
    ranking = summary["best val_loss"].dropna().astype(float).sort_values()
    if ranking.empty:
        raise ValueError("no search has a completed trial yet")
    if len(repeats) < 2:
        raise ValueError("the noise needs at least two seeds of the chosen configuration")
    noise = float(repeats["val_loss"].max() - repeats["val_loss"].min())
    beaten = int(((ranking - ranking.iloc[0]) > noise).sum())
    return NoiseVerdict(ranking=ranking, noise=noise, seeds=len(repeats), beaten=beaten)


def annealing_log(tuner: EngineTuner) -> pd.DataFrame:
    """The Metropolis decisions of a simulated-annealing search, with each trial's values."""
    oracle = tuner.oracle
    if not isinstance(oracle, SimulatedAnnealingOracle):
        raise ValueError(f"{tuner.search_plan.name} is not a simulated-annealing search")
    log = oracle.decisions()
    values = pd.DataFrame([oracle.trials[trial_id].hyperparameters.values for trial_id in log["trial_id"]])
    return pd.concat([log, values], axis=1)


def main(argv: list[str] | None = None) -> None:
    """Chapter 6 without the notebook, for a long run in the background: every search,
    the noise repeats, the chosen trial from random weights (where trials are
    warm-started), the chosen configuration's full training and the baseline's.
    The notebook then loads all of it from the cache in seconds::

        nohup .venv/bin/python -m fer_utils.studies.tuning --profile default > tuning.log 2>&1 &

    ``--search NAME`` runs only that search (and may be repeated). On the machines of
    a distributed search (``KERASTUNER_*`` set) it runs exactly one search, one per
    launch, and stops there: with several, a worker that finishes one search early
    would ask the chief, still serving it, for a trial of the next and be told to stop.
    """
    import argparse

    from fer_utils.data.discovery import chapter_data

    parser = argparse.ArgumentParser(prog="python -m fer_utils.studies.tuning", description=(
        "Chapter 6 without the notebook: every search, the noise repeats, and the full training of the "
        "chosen configuration and of the baseline, all cached for the notebook."))
    parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE, then default)")
    parser.add_argument("--data", help="fer2013.csv or a dataset folder (default: $FER_DATA, then data/)")
    parser.add_argument("--search", action="append", metavar="NAME",
                        help="run only this search (repeatable); exactly one on the machines of a distributed search")
    args = parser.parse_args(argv)
    role = tuning_role()
    if role and len(args.search or ()) != 1:
        parser.error(f"KERASTUNER_TUNER_ID={os.environ['KERASTUNER_TUNER_ID']} makes this a distributed search, "
                     "which runs one search per launch: give the same --search NAME to the chief and every worker")
    profile, dataset = chapter_data(args.profile, args.data)
    tuners = run_chapter(dataset, profile, verbose=True, names=tuple(args.search) if args.search else None)
    if role == "chief":
        print(search_summary(tuners).to_string())
    if role:  # the rest (noise repeats, full training) runs afterwards in one process, from the reloaded search
        return
    chosen = best_trial(tuners)
    print(f"chosen: {chosen['search']} trial {chosen['trial_id']}, {_describe(chosen['values'])}")
    print(noise_verdict(search_summary(tuners), repeat_best(tuners[chosen["search"]], dataset)))
    if tuning_budget(profile).warm_start:
        print(f"the chosen trial from random weights: {trial_from_scratch(chosen, dataset, profile)}")
    tuned = train_chosen(chosen, dataset, profile, verbose=2)
    training.train("baseline_cnn", dataset, profile=profile, verbose=2)
    print(f"tuned network trained: {len(tuned.history)} epochs, in {tuned.directory}")


if __name__ == "__main__":
    main()
