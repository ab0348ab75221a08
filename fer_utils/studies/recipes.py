"""Named training recipes: what the literature on FER-2013 says works, as settings of the engine.

A recipe is a network and a set of :class:`~fer_utils.engine.training.TrainingConfig`
settings under a name, trained by the one engine like every other run::

    fer-utils train --recipe cpu_2h --profile default --epochs 50      # the 2-core CPU, at most 2 hours
    fer-utils train --recipe cpu_small --profile default --epochs 40   # 81 k parameters, distilled
    fer-utils train --recipe full_gpu --profile full       # a GPU, the long schedule

Its ingredients, each of which the best published single networks on FER-2013
use (Khaireddin and Chen 2021, a VGG variant; Pham et al. 2020, ResNet and
masking networks; :mod:`fer_utils.studies.published` says on which split and
protocol each measured its number):

* a compact ResNet (:func:`fer_utils.nets.resnet.compact_resnet`);
* augmentation: random crops with 4 pixels of (mirrored) padding, horizontal
  flips, rotations of up to 10 degrees, random erasing of a rectangle in half
  of the faces (:class:`~fer_utils.augment.transforms.OnlineAugmentation`);
* label smoothing 0.1 (FER-2013's labels are disputed a third of the time), and
  for the long schedule mixup (:mod:`fer_utils.augment.pipeline`);
* AdamW with a warm-up and cosine schedule on the CPU (it converges in few
  epochs); SGD with Nesterov momentum, weight decay 5e-4 and the same
  schedule over 200 epochs on a GPU (what the VGG and ResNet papers use);
* early stopping on PublicTest (the validation loss, measured on exact one-hot
  targets), the best epoch kept;
* the faster precision for the CPU it runs on, measured (``precision="auto"``,
  :func:`fer_utils.engine.speed.faster_precision`): mixed bfloat16 on Intel
  CPUs with AMX, float32 on CPUs without bfloat16 arithmetic, where bfloat16
  is emulated and several times slower; the GPU recipe uses bfloat16;
* for the small network, knowledge distillation (Hinton et al. 2015): the
  reference model's probabilities, softened, as part of every target.

Test-time augmentation (:func:`fer_utils.engine.evaluation.predict_probabilities`
with ``tta=True``) and ensembles (:mod:`fer_utils.engine.ensembles`) come after
training; :func:`recipe_scores` and :func:`seed_ensemble` apply them to recipe runs.

Every ingredient has to earn its place: :func:`ablation` trains the recipe once
in full and once without each ingredient, at the same budget, and tabulates
PublicTest and PrivateTest accuracy (``benchmarks/recipe_ablation.py``).
:func:`time_curve` reads how good a run was after 15, 30, 60 and 120 minutes
of training from its per-epoch wall time, and :func:`budget_curve` trains one
run per budget, each with its schedule fitted to its budget.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
import dataclasses
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from fer_utils.augment.transforms import OnlineAugmentation
from fer_utils.data.dataset import FaceDataset
from fer_utils.config import Profile
from fer_utils.engine.speed import AUTO

RECIPE_AUGMENTATION = OnlineAugmentation(
    flip=True, rotation=float(np.deg2rad(10)), translation=0.0, zoom=0.0, crop_padding=4, erasing=0.5
)
"""Random crops with 4 px of padding, flips, rotations up to 10 degrees, random erasing in half of the faces."""

REFERENCE_TEACHER = "reference"
"""A recipe's ``teacher`` setting that stands for the shipped reference model's file."""

TIME_MARKS = (15, 30, 60, 120)
"""Minutes of training at which :func:`time_curve` reads a run."""


@dataclass(frozen=True)
class Recipe:
    """A named network and engine settings (every field of
    :class:`~fer_utils.engine.training.TrainingConfig` but ``model``)."""

    name: str
    description: str
    model: str
    settings: dict = field(default_factory=dict)
    profile: str = "default"
    """The profile the recipe is meant for (its documented command uses it)."""
    epoch_seconds: float | None = None
    """Measured or estimated seconds per epoch of all of FER-2013 on the machine it is meant for."""

    @property
    def epochs(self) -> int:
        return int(self.settings["epochs"])

    @property
    def command(self) -> str:
        """The command that trains it at its own epochs (a profile may cap a recipe's
        epochs for its chapters, ``recipe_epochs``; ``--epochs`` overrides the cap)."""
        from fer_utils.config import PROFILES

        cap = PROFILES[self.profile].recipe_epochs
        epochs = f" --epochs {self.epochs}" if cap is not None and cap < self.epochs else ""
        return f"fer-utils train --recipe {self.name} --profile {self.profile}{epochs}"

    def training_settings(self, profile: Profile | None = None, epochs: int | None = None, **overrides) -> dict:
        """``train``'s keyword arguments for this recipe (a fresh copy).

        ``epochs`` replaces the recipe's; in the ``smoke`` profile the run is cut
        to the profile's few epochs. The warm-up keeps its share of the run, so
        the schedule keeps its shape at any length. ``overrides`` replace any
        other setting.
        """
        settings = copy.deepcopy(self.settings)
        if epochs is None and profile is not None and profile.recipe_epochs is not None:
            epochs = min(self.epochs, profile.recipe_epochs)
        if epochs is not None and epochs != self.epochs:
            settings["epochs"] = int(epochs)
            if settings.get("warmup_epochs"):
                settings["warmup_epochs"] = round(settings["warmup_epochs"] * epochs / self.epochs, 3)
        settings.update(overrides)
        if settings.get("teacher") == REFERENCE_TEACHER:
            from fer_utils.faces import reference

            settings["teacher"] = str(reference.FOLDER / reference.MODEL_FILE)
        return settings


RECIPES: dict[str, Recipe] = {
    "cpu_2h": Recipe(
        name="cpu_2h",
        description="compact ResNet (1.2 M parameters), strong augmentation, label smoothing, AdamW with a "
                    "warm-up and cosine schedule, early stopping: about 2 hours on a 2-core CPU",
        model="compact_resnet",
        settings={
            "epochs": 50, "batch_size": 64, "learning_rate": 1e-3, "patience": 10,
            "augmentation": RECIPE_AUGMENTATION,
            "optimizer": "adamw", "weight_decay": 0.01, "schedule": "cosine", "warmup_epochs": 2.0,
            "label_smoothing": 0.1, "precision": "auto",
        },
        profile="default",
        epoch_seconds=90.0,
    ),
    "cpu_small": Recipe(
        name="cpu_small",
        description="a compact ResNet of 81 k parameters (16, 32, 64 channels), the same augmentation and "
                    "schedule, distilled from the shipped reference model: its probabilities, softened at "
                    "temperature 2, make up 70% of every target",
        model="compact_resnet",
        settings={
            "model_options": {"widths": [16, 32, 64], "dropout": 0.1},
            "epochs": 40, "batch_size": 64, "learning_rate": 2e-3, "patience": 10,
            "augmentation": RECIPE_AUGMENTATION,
            "optimizer": "adamw", "weight_decay": 0.01, "schedule": "cosine", "warmup_epochs": 2.0,
            "teacher": REFERENCE_TEACHER, "distillation": 0.7, "temperature": 2.0, "precision": "auto",
        },
        profile="default",
    ),
    "full_gpu": Recipe(
        name="full_gpu",
        description="ResNet-18 for 48x48 faces (11 M parameters), the same augmentation, label smoothing and "
                    "mixup, SGD with Nesterov momentum and weight decay, 200 epochs of warm-up and cosine, "
                    "bfloat16: for a GPU",
        model="compact_resnet",
        settings={
            "model_options": {"widths": [64, 128, 256, 512], "blocks": [2, 2, 2, 2]},
            "epochs": 200, "batch_size": 64, "learning_rate": 0.05, "patience": 30,
            "augmentation": RECIPE_AUGMENTATION,
            "optimizer": "sgd_nesterov", "weight_decay": 5e-4, "schedule": "cosine", "warmup_epochs": 5.0,
            "label_smoothing": 0.1, "mixup": 0.2, "precision": "mixed_bfloat16",
        },
        profile="full",
    ),
}
"""The recipes ``fer-utils train --recipe NAME`` knows. ``cpu_2h``'s 50 epochs
come from its speed (``epoch_seconds``, ``benchmarks/recipe_speed.py``): on an
Intel Xeon with AMX its network, augmentation included, trained 327 faces/s
under mixed bfloat16, 90 s per epoch of FER-2013's 28,709 faces with
validation, so 50 epochs fit in 2 hours with room for other work on the
machine. On an AMD EPYC without bfloat16 arithmetic it trains in float32 at
about 100 faces/s, 300 s per epoch: there the same 50 epochs take about four
hours, and ``--epochs 24`` keeps it within two. ``full_gpu`` has not been run
(no GPU here); it is tested to build and train a few steps."""


def get_recipe(name: str) -> Recipe:
    try:
        return RECIPES[name]
    except KeyError:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}") from None


def settings_table(recipe: str | Recipe, profile: Profile | None = None) -> pd.DataFrame:
    """What the recipe sets, one row per engine setting, in the given profile (the
    network's name first, the augmentation spelt out transform by transform);
    what it leaves out keeps the engine's default (chapter 5's plain training)."""
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    settings = {**recipe.training_settings(profile), **{k: v for k, v in recipe.settings.items() if k == "teacher"}}
    rows = {"network": recipe.model}
    for name, value in settings.items():
        if name == "augmentation" and value is not None:
            for transform, amount in dataclasses.asdict(value).items():
                if transform == "rotation":
                    amount = f"up to {np.degrees(amount):.3g} degrees"
                rows[f"augmentation: {transform}"] = amount
        else:
            rows[name] = value
    shown = [f"{v:g}" if isinstance(v, float) else str(v) for v in rows.values()]
    return pd.DataFrame({"value": shown}, index=pd.Index(rows, name="setting"))


def train_recipe(recipe: str | Recipe, dataset: FaceDataset, profile: Profile | None = None, model: str | None = None,
                 verbose: int | None = 0, **overrides):
    """Train (or resume, or load) ``recipe`` on ``dataset`` with the engine.
    ``model`` puts another registered network in place of the recipe's (its
    model options are then dropped); ``overrides`` are engine settings."""
    from fer_utils.engine.training import train

    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    settings = recipe.training_settings(profile, **overrides)
    if model is not None and model != recipe.model:
        settings.pop("model_options", None)
    return train(model or recipe.model, dataset, profile=profile, verbose=verbose, **settings)


def matching_recipe(settings: dict, profile: Profile | None) -> Recipe | None:
    """The recipe whose settings (with ``settings``' epochs, batch size and seed)
    ``settings`` are, as a run's ``config.json`` records them; ``None`` if none."""
    import json

    from fer_utils.engine.training import TrainingConfig

    plain = lambda value: json.loads(json.dumps(value))  # noqa: E731  (tuples -> lists, as in config.json)
    recorded = {k: v for k, v in settings.items() if k not in ("profile", "dataset")}
    for recipe in RECIPES.values():
        if recipe.model != settings.get("model"):
            continue
        chosen_here = ("batch_size", "seed", "precision") if recipe.settings.get("precision") == AUTO else (
            "batch_size", "seed")
        ours = recipe.training_settings(profile, epochs=settings.get("epochs"),
                                        **{k: settings[k] for k in chosen_here if k in settings})
        if plain(TrainingConfig(model=recipe.model, **ours).to_dict()) == plain(recorded):
            return recipe
    return None


# --------------------------------------------------------------------------- the ablation


def _without_augmentation_field(name: str, off) -> Callable[[dict], dict | None]:
    def remove(settings: dict) -> dict | None:
        augmentation = settings.get("augmentation")
        if augmentation is None or getattr(augmentation, name) == off:
            return None
        return {**settings, "augmentation": replace(augmentation, **{name: off})}
    return remove


def _without(**changes) -> Callable[[dict], dict | None]:
    """Removal by setting ``changes``; the first one's setting says whether the recipe uses the ingredient."""
    first = next(iter(changes))

    def remove(settings: dict) -> dict | None:
        if settings.get(first, _engine_default(first)) == changes[first]:
            return None
        return {**settings, **changes}
    return remove


def _engine_default(name: str):
    from dataclasses import MISSING, fields

    from fer_utils.engine.training import TrainingConfig

    chosen = next(f for f in fields(TrainingConfig) if f.name == name)
    return chosen.default if chosen.default is not MISSING else chosen.default_factory()


def _adam_instead(settings: dict) -> dict | None:
    """SGD with Nesterov momentum replaced by the engine's Adam at its rate, 1e-3 (SGD's
    rate would be far too high for Adam). AdamW is Adam with weight decay: see
    the ``weight decay`` ingredient."""
    if settings.get("optimizer", "adam") != "sgd_nesterov":
        return None
    return {**settings, "optimizer": "adam", "weight_decay": 0.0, "learning_rate": 1e-3}


def _no_early_stopping(settings: dict) -> dict | None:
    """``None`` also when early stopping cannot act within the run: it stops after
    ``patience`` epochs without a better validation loss, so after epoch
    ``patience + 1`` at the earliest, and cannot shorten a run of fewer than
    ``patience + 2`` epochs. Both runs keep their best epoch, so training
    without it would repeat the full recipe's run exactly."""
    patience = settings.get("patience", _engine_default("patience"))
    if patience is None or patience + 2 > settings["epochs"]:
        return None
    return {**settings, "patience": None}


def _no_weight_decay(settings: dict) -> dict | None:
    if not settings.get("weight_decay"):
        return None
    optimizer = settings.get("optimizer", "adam")
    return {**settings, "weight_decay": 0.0, "optimizer": "adam" if optimizer == "adamw" else optimizer}


INGREDIENTS: dict[str, Callable[[dict], dict | None]] = {
    "random crops": _without_augmentation_field("crop_padding", 0),
    "flips": _without_augmentation_field("flip", False),
    "rotations": _without_augmentation_field("rotation", 0.0),
    "random erasing": _without_augmentation_field("erasing", 0.0),
    "all augmentation": lambda s: {**s, "augmentation": None} if s.get("augmentation") is not None else None,
    "label smoothing": _without(label_smoothing=0.0),
    "mixup": _without(mixup=0.0),
    "distillation": _without(distillation=0.0, teacher=None, temperature=1.0),
    "weight decay": _no_weight_decay,
    "SGD Nesterov (Adam instead)": _adam_instead,
    "schedule (constant rate)": _without(schedule="constant", warmup_epochs=0.0),
    "early stopping": _no_early_stopping,
}
"""Each ingredient's removal: a function from a recipe's settings to the same
settings without it, or ``None`` when the recipe does not use it (or, for
early stopping, when it cannot act within the run's epochs)."""

ADDITIONS: dict[str, Callable[[dict], dict | None]] = {
    "mixup": lambda s: None if s.get("mixup") else {**s, "mixup": 0.2},
    "label smoothing": lambda s: None if s.get("label_smoothing") else {**s, "label_smoothing": 0.1},
}
"""Ingredients a recipe may lack, tried the other way round (``+ mixup``; ``+ label
smoothing`` for ``cpu_small``, whose distilled targets are soft already);
test-time augmentation is scored, not trained (:func:`ablation`'s ``tta``)."""

FULL = "full recipe"
SCORED_SPLITS = (("PublicTest", "validation"), ("PrivateTest", "test"))
"""How the tables name the splits they score, and the dataset's names for them."""
CHANGE_COLUMNS = {split: f"{split}: this row minus full recipe (points)" for split, _ in SCORED_SPLITS}
"""The ablation table's difference columns, per split: the row's accuracy minus the
full recipe's, in percentage points. A row ``- X`` is the recipe without X (a
positive number: accuracy rose without it), a row ``+ X`` the recipe with X
added (a positive number: accuracy rose with it)."""


def ablation_variants(recipe: str | Recipe, profile: Profile | None = None, epochs: int | None = None,
                      ingredients: Iterable[str] | None = None, additions: Iterable[str] = ("mixup",)) -> dict:
    """``{row name: settings}``: the full recipe, then ``"- X"`` for each of its
    ingredients ``X`` (those named, else the profile's ``ablation_ingredients``,
    else all of :data:`INGREDIENTS` it uses) and ``"+ X"`` for each of
    ``additions`` it lacks; all at the same epochs."""
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    full = recipe.training_settings(profile, epochs=epochs)
    variants = {FULL: full}
    if ingredients is None:
        ingredients = (profile.ablation_ingredients if profile is not None else None) or INGREDIENTS
    for name in ingredients:
        if name not in INGREDIENTS:
            raise ValueError(f"unknown ingredient {name!r}; choose from {', '.join(INGREDIENTS)}")
        changed = INGREDIENTS[name](full)
        if changed is not None:
            variants[f"- {name}"] = changed
    for name in additions:
        if name not in ADDITIONS:
            raise ValueError(f"cannot add {name!r}; choose from {', '.join(ADDITIONS)}")
        changed = ADDITIONS[name](full)
        if changed is not None:
            variants[f"+ {name}"] = changed
    return variants


def ablation_runs(recipe: str | Recipe, dataset: FaceDataset, profile: Profile | None = None,
                  epochs: int | None = None, ingredients: Iterable[str] | None = None,
                  additions: Iterable[str] = ("mixup",), verbose: int | None = 0,
                  log: Callable[[str], None] | None = None) -> dict:
    """Train every :func:`ablation_variants` run (the engine caches each, so an
    interrupted ablation goes on where it stopped): ``{row name: run}``. The runs
    are ordinary trained networks, ready for an ensemble as well as the table."""
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    runs = {}
    for name, settings in ablation_variants(recipe, profile, epochs, ingredients, additions).items():
        if log:
            log(f"{name}: {settings['epochs']} epochs")
        runs[name] = _train_variant(recipe, dataset, profile, settings, verbose)
    return runs


def ablation(recipe: str | Recipe, dataset: FaceDataset, profile: Profile | None = None, epochs: int | None = None,
             ingredients: Iterable[str] | None = None, additions: Iterable[str] = ("mixup",), tta: bool = True,
             verbose: int | None = 0, log: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The ablation's table over :func:`ablation_runs`.

    One row per variant: ``PublicTest accuracy`` and ``PrivateTest accuracy`` of
    the kept epoch, and :data:`CHANGE_COLUMNS`, what the row's change does to
    accuracy in percentage points (its accuracy minus the full recipe's): for
    ``- X`` what removing X does (negative: X helped), for ``+ X`` what adding X
    does (positive: X helped). Decide on PublicTest; PrivateTest is for reporting.
    With ``tta`` a last row, ``+ test-time augmentation``, scores the full
    recipe's run with TTA (nothing is trained for it). ``attrs["minutes"]``
    holds each run's training minutes.
    """
    runs = ablation_runs(recipe, dataset, profile, epochs, ingredients, additions, verbose, log)
    return score_ablation(runs, dataset, tta)


def score_ablation(runs: dict, dataset: FaceDataset, tta: bool = True) -> pd.DataFrame:
    """:func:`ablation`'s table from runs :func:`ablation_runs` has already
    trained or loaded (so a notebook that also needs the runs loads them once)."""
    from fer_utils.engine.evaluation import predict_probabilities

    rows = {name: {f"{split} accuracy": run.accuracy(dataset, key) for split, key in SCORED_SPLITS}
            for name, run in runs.items()}
    minutes = {name: float(run.history["seconds"].sum() / 60) for name, run in runs.items()}
    if tta:
        for split, key in SCORED_SPLITS:
            images, labels = dataset.arrays(key)
            rows.setdefault("+ test-time augmentation", {})[f"{split} accuracy"] = float(
                np.mean(predict_probabilities(runs[FULL].model, images, tta=True).argmax(axis=1) == labels)
            )
        minutes["+ test-time augmentation"] = minutes[FULL]
    table = ablation_table(rows)
    table.attrs["minutes"] = minutes
    return table


def _train_variant(recipe: Recipe, dataset, profile, settings: dict, verbose):
    from fer_utils.engine.training import train

    return train(recipe.model, dataset, profile=profile, verbose=verbose, **settings)


def ablation_table(accuracies: dict[str, dict[str, float]]) -> pd.DataFrame:
    """The ablation's table from ``{row: {"PublicTest accuracy": a, "PrivateTest accuracy": b}}``
    (the full recipe's row named :data:`FULL`): the accuracies and, in
    :data:`CHANGE_COLUMNS`, each row's accuracy minus the full recipe's in
    percentage points (``- X``: without X; ``+ X``: with X added)."""
    table = pd.DataFrame.from_dict(accuracies, orient="index")[["PublicTest accuracy", "PrivateTest accuracy"]]
    if FULL not in table.index:
        raise ValueError(f"the ablation needs the {FULL!r} row to compare with")
    for split, _ in SCORED_SPLITS:
        table[CHANGE_COLUMNS[split]] = 100 * (table[f"{split} accuracy"] - table.at[FULL, f"{split} accuracy"])
    table.index.name = "recipe (- without X, + with X)"
    return table


def ablation_findings(table: pd.DataFrame, dataset: FaceDataset) -> list[str]:
    """The ablation read in sentences computed from :func:`ablation`'s ``table``, so
    they hold whatever the runs produced. Each number is the table's own PublicTest
    change, with its sign: ``without it`` for a ``- X`` row (negative: X helped),
    ``with it`` for a ``+ X`` row (positive: X helped). An ingredient counts only
    beyond the 95% interval of one accuracy on the PublicTest faces (1.96 binomial
    standard errors at the full recipe's accuracy)."""
    return findings_on(table, len(dataset.arrays("validation")[1]))


def findings_on(table: pd.DataFrame, faces: int) -> list[str]:
    """:func:`ablation_findings` for an ablation scored on ``faces`` PublicTest faces
    (a shipped result's, :mod:`fer_utils.studies.results`, whose faces are not loaded)."""
    full = table.at[FULL, "PublicTest accuracy"]
    margin = 100 * 1.96 * math.sqrt(full * (1 - full) / faces)
    changes = table[CHANGE_COLUMNS["PublicTest"]].drop(FULL)
    removed = pd.Series({name: name.startswith("- ") for name in changes.index})
    effects = changes.where(~removed, -changes).sort_values(ascending=False, kind="stable")  # > 0: it helped
    lines = [f"An ingredient counts when it moves PublicTest accuracy by more than {margin:.1f} points, "
             f"the 95% interval of one accuracy on {faces:,} faces. Each number is the table's change: "
             f"the recipe without the ingredient (or with it, for one the recipe lacks) minus the full recipe."]
    for chosen, reading in ((effects > margin, "Helped at this budget (lower without it, higher with it)"),
                            (effects < -margin, "Hurt at this budget (higher without it, lower with it)"),
                            (effects.abs() <= margin, "No evidence either way")):
        names = effects.index[chosen]
        if len(names):
            listed = ", ".join(f"{_ingredient_name(name)} ({'without' if removed[name] else 'with'} it "
                               f"{changes[name]:+.1f} points)" for name in names)
            lines.append(f"{reading}: {listed}.")
    return lines


def _ingredient_name(variant: str) -> str:
    """The ingredient an ablation row is about: ``- schedule (constant rate)`` is
    about the schedule, whose removal the parenthesis describes."""
    return variant[2:].split(" (")[0]


# --------------------------------------------------------------------------- scores, TTA and ensembles


def recipe_scores(run, dataset: FaceDataset) -> pd.DataFrame:
    """A run's PublicTest and PrivateTest accuracy and macro-F1, without and with
    test-time augmentation (one row each)."""
    from fer_utils.engine.evaluation import metrics_summary, predict_probabilities

    rows = {}
    for tta in (False, True):
        row = {}
        for split, key in SCORED_SPLITS:
            images, labels = dataset.arrays(key)
            summary = metrics_summary(labels, predict_probabilities(run.model, images, tta=tta), n_resamples=200)
            row[f"{split} accuracy"], row[f"{split} macro-F1"] = summary["accuracy"], summary["macro_f1"]
        rows["with TTA" if tta else "single view"] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("prediction")


def seed_ensemble(runs, dataset: FaceDataset, tta: bool = True,
                  intervals: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`fer_utils.engine.ensembles.compare_ensembles` over trained ``runs`` (a
    ``{name: run}`` dict, say the recipe with seeds 0, 1 and 2, or with other
    networks; a Keras model, such as the shipped reference model, stands for
    itself), each predicting with test-time augmentation when ``tta``."""
    from fer_utils.engine.ensembles import compare_ensembles
    from fer_utils.engine.evaluation import predict_probabilities

    models = [getattr(run, "model", run) for run in runs.values()]
    (validation_images, validation_labels), (test_images, test_labels) = (
        dataset.arrays("validation"), dataset.arrays("test"))
    return compare_ensembles(
        [predict_probabilities(model, validation_images, tta=tta) for model in models], validation_labels,
        [predict_probabilities(model, test_images, tta=tta) for model in models], test_labels,
        names=list(runs), intervals=intervals,
    )


def chosen_on_publictest(ensembles: pd.DataFrame, members: Iterable[str]) -> tuple[str, str]:
    """The single network and the ensemble with the highest PublicTest accuracy in
    :func:`seed_ensemble`'s table: the choice the protocol allows, which
    PrivateTest then reports (choosing the best on PrivateTest would inflate it)."""
    public = ensembles["PublicTest accuracy"]
    singles = public[[name for name in ensembles.index if name in set(members)]]
    return singles.idxmax(), public.drop(singles.index).dropna().idxmax()


# --------------------------------------------------------------------------- accuracy against training time


def time_curve(history: pd.DataFrame, minutes: Iterable[float] = TIME_MARKS) -> pd.DataFrame:
    """How good a run was after each of ``minutes`` of training, from its history
    (one row per epoch with ``seconds``, ``val_loss`` and ``val_accuracy``).

    Per mark: the epochs finished by then, their minutes, the epoch the
    checkpointer would have kept by then (the lowest validation loss so far)
    and its PublicTest accuracy. A mark after the run's end reads the end and
    says so (``finished`` True). Within one run the learning-rate schedule is
    fitted to the whole run, so early marks understate what a run planned for
    that budget reaches: :func:`budget_curve` trains one.
    """
    if "seconds" not in history or history.empty:
        raise ValueError("the history needs a 'seconds' column and at least one epoch")
    elapsed = history["seconds"].cumsum() / 60
    rows = []
    for mark in minutes:
        done = history[elapsed <= mark + 1e-9]
        if done.empty:
            rows.append({"minutes": mark, "epochs": 0, "training minutes": 0.0, "kept epoch": None,
                         "PublicTest accuracy": float("nan"), "finished": False})
            continue
        kept = int(done["val_loss"].idxmin())
        rows.append({"minutes": mark, "epochs": len(done), "training minutes": float(elapsed.loc[done.index[-1]]),
                     "kept epoch": kept, "PublicTest accuracy": float(done.at[kept, "val_accuracy"]),
                     "finished": len(done) == len(history)})
    return pd.DataFrame(rows).set_index("minutes")


def budget_epochs(minutes: float, epoch_seconds: float) -> int:
    """Whole epochs of ``epoch_seconds`` that fit ``minutes``: chapter 8's
    :func:`fer_utils.studies.architectures.budget_epochs`, at least one and without a cap."""
    from fer_utils.studies.architectures import budget_epochs as epochs_that_fit

    return epochs_that_fit(epoch_seconds, minutes, most=math.inf, fewest=1)


def budget_curve(recipe: str | Recipe, dataset: FaceDataset, profile: Profile | None = None,
                 minutes: Iterable[float] = TIME_MARKS, epoch_seconds: float | None = None,
                 verbose: int | None = 0) -> pd.DataFrame:
    """The recipe trained once per budget of ``minutes``, each run's schedule
    spanning its own epochs (:func:`budget_epochs` of ``epoch_seconds``, by
    default the recipe's measured cost): PublicTest and PrivateTest accuracy
    and the minutes each run really took. The longest budget is the recipe's
    own run when the epochs agree (the engine's cache then loads it)."""
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    epoch_seconds = epoch_seconds or recipe.epoch_seconds
    if not epoch_seconds:
        raise ValueError(f"recipe {recipe.name!r} has no measured epoch_seconds; pass epoch_seconds")
    rows = []
    for mark in minutes:
        epochs = budget_epochs(mark, epoch_seconds)
        run = _train_variant(recipe, dataset, profile, recipe.training_settings(profile, epochs=epochs), verbose)
        rows.append({"minutes": mark, "epochs": epochs, "training minutes": float(run.history["seconds"].sum() / 60),
                     "PublicTest accuracy": run.accuracy(dataset, "validation"),
                     "PrivateTest accuracy": run.accuracy(dataset, "test")})
    return pd.DataFrame(rows).set_index("minutes")
