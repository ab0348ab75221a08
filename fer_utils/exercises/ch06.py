"""Chapter 6's exercises: a search space for keras-tuner, and what a grid costs.

* 6.1: a keras-tuner ``build_model(hp)`` over seed 000's space (learning rate
  1e-4 to 4e-4, dense units 128 to 1024), checked against the chapter's
  :data:`~fer_utils.studies.tuning.SEED_000_LEARNING_RATES` and
  :data:`~fer_utils.studies.tuning.SEED_000_DENSE_UNITS`;
* 6.2: the number of trials a grid search needs for a space, compared with
  :func:`fer_utils.studies.tuning.grid_trials` on the chapter's searches.
"""

from __future__ import annotations

import math

import keras
import keras_tuner

from fer_utils.config import TuningBudget, active_profile
from fer_utils.exercises import Verdict, require
from fer_utils.studies import tuning

SPACE = {"learning_rate": tuning.SEED_000_LEARNING_RATES, "dense_units": tuning.SEED_000_DENSE_UNITS}
"""Seed 000's space (§3.2), what exercise 6.1 asks for."""
PROBE = {"learning_rate": 3e-4, "dense_units": 512}
"""Values the check sets before it calls the answer a second time."""


def _learning_rate(model: keras.Model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _dense_units(model: keras.Model) -> int | None:
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    return dense[0].units if dense else None


def _built(answer, hp, exercise: str) -> keras.Model:
    model = answer(hp)
    require(model is not None, exercise, "build_model returns None: write its body (it ends with `...` now).")
    require(isinstance(model, keras.Model), exercise,
            f"build_model must return a Keras model, got {type(model).__name__}.")
    require(isinstance(getattr(model, "optimizer", None), keras.optimizers.Adam), exercise,
            "compile the model with keras.optimizers.Adam(learning_rate) before returning it, as the engine does.")
    return model


def check_build_model(answer) -> Verdict:
    """Exercise 6.1: ``answer(hp)`` must declare ``learning_rate`` and ``dense_units`` as
    ``hp.Choice`` over seed 000's values and return the baseline CNN with that
    dense layer, compiled with Adam at that learning rate."""
    exercise = "6.1"
    require(callable(answer), exercise, "the answer must be the function itself (no brackets after its name).")
    hp = keras_tuner.HyperParameters()
    model = _built(answer, hp, exercise)
    declared = {p.name: p for p in hp.space}
    require(set(declared) == set(SPACE), exercise,
            f"the space declares {sorted(declared) or 'nothing'}; declare exactly {sorted(SPACE)} with hp.Choice.")
    for name, values in SPACE.items():
        parameter = declared[name]
        require(type(parameter).__name__ == "Choice", exercise,
                f"declare {name} with hp.Choice(name, values): a grid over listed values, as in section 6.1.")
        got = sorted(parameter.values)
        require(len(got) == len(values) and all(math.isclose(a, b) for a, b in zip(got, values)), exercise,
                f"{name} takes {got}; seed 000's values are {list(values)}.")
    first = {name: hp.values[name] for name in SPACE}
    require(_dense_units(model) == first["dense_units"] and math.isclose(_learning_rate(model), first["learning_rate"],
                                                                         rel_tol=1e-6), exercise,
            f"with {first} the model has a dense layer of {_dense_units(model)} units and learning rate "
            f"{_learning_rate(model):g}: pass the values hp.Choice returns to baseline_cnn and to Adam.")
    hp.values.update(PROBE)  # what an oracle does before it builds the next trial's model
    model = _built(answer, hp, exercise)
    require(_dense_units(model) == PROBE["dense_units"]
            and math.isclose(_learning_rate(model), PROBE["learning_rate"], rel_tol=1e-6), exercise,
            f"with the values set to {PROBE} the model has {_dense_units(model)} dense units and learning rate "
            f"{_learning_rate(model):g}: use the values hp.Choice returns, not fixed numbers.")
    return Verdict(exercise, f"build_model declares seed 000's {tuning.grid_trials(SPACE)} combinations and builds "
                             "the network each trial asks for.")


def _spaces(budget: TuningBudget) -> dict[str, dict]:
    spaces = {name: search.space for name, search in tuning.chapter_searches(budget).items()}
    spaces.setdefault(tuning.ARCHITECTURE_SEARCH, {tuning.ARCHITECTURE: tuning.ARCHITECTURE_SEEDS})
    spaces["one value"] = {"learning_rate": (1e-3,)}
    spaces["three dimensions"] = {"a": (1, 2), "b": (1, 2, 3), "c": ("x", "y", "z", "w", "v")}
    return spaces


def check_grid_trials(answer, budget: TuningBudget | None = None) -> Verdict:
    """Exercise 6.2: ``answer(space)`` must give the number of trials a grid search
    over ``space`` (each hyperparameter's values) needs to try every combination."""
    exercise = "6.2"
    require(callable(answer), exercise, "the answer must be the function itself (no brackets after its name).")
    spaces = _spaces(budget or active_profile().tuning)
    for name, space in spaces.items():
        got = answer(space)
        require(got is not None, exercise, "grid_trials returns None: write its body (it ends with `...` now).")
        expected = tuning.grid_trials(space)
        added = sum(len(values) for values in space.values())
        require(not (got == added and added != expected), exercise,
                f"for {name} the answer adds the numbers of values ({added}); a grid tries every value of "
                f"one hyperparameter with every value of the others, so multiply them.")
        require(got == expected, exercise,
                f"for {name} ({', '.join(f'{k}: {len(v)} values' for k, v in space.items())}) the answer says "
                f"{got}, which is not the number of combinations.")
    return Verdict(exercise, f"The grid sizes of {len(spaces)} spaces are right, seed 000's "
                             f"{tuning.grid_trials(SPACE)} among them.")
