"""Every setting of the project in one place: the run profiles and the ``FER_*``
environment variables.

One switch, ``FER_PROFILE`` (or the ``profile`` parameter of a notebook's
papermill ``parameters`` cell), picks a :class:`Profile`: how much data and
compute each chapter may use. Every budget a chapter reads is a field of the
profile, so a new profile is one new entry of :data:`PROFILES`:

* ``smoke``: seconds per notebook on small subsets; what CI and nbval run.
* ``default``: the whole report from the real dataset on a 2-core laptop CPU, in at
  most four hours of training from an empty cache and no chapter above 45 minutes
  (``fer-utils report --plan`` shows the plan).
* ``full``: the seeds' own settings, meant for a GPU.

The other variables say where things are: ``FER_DATA`` (the dataset),
``FER_ARTIFACTS_DIR`` (trained runs and cached results), ``FER_CACHE_DIR``
(decoded datasets), ``FER_FIGURES_DIR`` (saved figures) and
``FER_TRANSFER_WEIGHTS`` (ImageNet weights for chapter 8's transfer learning,
never downloaded). A folder that cannot be made or used is reported with the
variable it came from (:func:`origin`, :class:`~fer_utils.errors.StorageError`).
This module imports nothing else of the package but its error classes: every
layer may read it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fer_utils.errors import StorageError, os_error_reason

PROFILE_ENV = "FER_PROFILE"
DEFAULT_PROFILE = "default"
DEMO_PROFILE = "smoke"
"""The profile of a book built on the generated demo set when none is chosen: cartoon faces
teach nothing more at larger budgets, and a fresh clone's first command should take minutes."""
DATA_ENV = "FER_DATA"
ARTIFACTS_ENV = "FER_ARTIFACTS_DIR"
FIGURES_ENV = "FER_FIGURES_DIR"
CACHE_ENV = "FER_CACHE_DIR"
TRANSFER_WEIGHTS_ENV = "FER_TRANSFER_WEIGHTS"
"""A local ImageNet weights file for chapter 8's transfer-learning network."""


@dataclass(frozen=True)
class TuningBudget:
    """How much a search of chapter 6 may train: trials, and the data and epochs of each trial."""

    trials: int
    """Trials of each search (Bayesian, random, grid, the dropout pass, random architectures)."""
    annealing_trials: int
    """Iterations of simulated annealing (seed 004 used 30)."""
    epochs: int
    """Epochs of every trial (no early stopping: each trial gets the same budget)."""
    annealing_epochs: tuple[int, int, int]
    """The epochs dimension of simulated annealing: lowest, highest, step."""
    train_images: int | None
    """Training faces per trial (a stratified sample; ``None``: all)."""
    validation_images: int | None
    """Validation (PublicTest) faces that score a trial (a stratified sample; ``None``: all)."""
    batch_size: int = 64
    batch_sizes: tuple[int, ...] = (32, 64, 128)
    """The batch sizes simulated annealing draws from."""
    repeats: int = 3
    """Seeds the best configuration is trained again with, to show the noise."""
    warm_start: bool = False
    """Every trial starts from the convolutions of chapter 5's trained baseline with a
    fresh dense head, so that a trial of a few hundred steps shows what its
    configuration does instead of the first steps of training from scratch.
    Seed 003's random architectures have no trained trunk to start from, so a
    warm-started chapter leaves their search out."""

    def trials_for(self, strategy: str) -> int:
        """Trials of a search with this strategy (annealing has its own count)."""
        return self.annealing_trials if strategy == "annealing" else self.trials


@dataclass(frozen=True)
class Profile:
    """A compute budget: every number of images, epochs, trials and networks a chapter uses."""

    name: str
    description: str
    demo_images: int
    """Size of the synthetic demo set used when no dataset is found."""
    images_per_split: int | None
    """Cap on the images a chapter works on per split (a stratified sample; ``None``: every image)."""
    experiment_epochs: int
    """Epochs of each run in the chapters' controlled experiments (chapter 3 onwards)."""
    training_epochs: int
    """Most epochs of a chapter's main training run (early stopping may end it sooner)."""
    tuning: TuningBudget
    """Chapter 6's searches."""
    comparison_lc2fer: tuple[str, ...]
    """The LC2FER configurations chapter 8 trains besides its other networks."""
    comparison_minutes: float | None
    """Chapter 8: the minutes of the 2-core CPU each network may train (its epochs
    from its measured speed, capped at ``training_epochs``); ``None``: see ``comparison_epochs``."""
    comparison_epochs: int | None
    """Chapter 8 without a time budget: this many epochs and no early stopping;
    ``None``: ``training_epochs`` with the engine's early stopping."""
    recipe_epochs: int | None
    """Cap on a recipe's epochs (chapter 10); ``None``: the recipe's own."""
    ablation_ingredients: tuple[str, ...] | None
    """What chapter 10's ablation removes; ``None``: every ingredient of the recipe."""
    timing_batches: int
    """Batches timed when chapter 2 measures the input pipeline's cost."""
    video_frames: int
    """Frames of chapter 9's demo video."""
    comparison_networks: tuple[str, ...] | None = None
    """The networks chapter 8 trains besides its LC2FER configurations; ``None``: every
    one of :data:`fer_utils.studies.architectures.CHAPTER_NETWORKS`."""
    report_minutes: float | None = None
    """Most minutes of training the whole report may plan from an empty cache on the
    2-core CPU (``fer-utils report --plan`` checks it); ``None``: no limit."""
    chapter_minutes: float | None = None
    """The same for any one chapter; ``None``: no limit."""


PROFILES = {
    "smoke": Profile(
        name="smoke",
        description="seconds per notebook on small subsets: what the tests and CI run",
        demo_images=700,
        images_per_split=300,
        experiment_epochs=1,
        training_epochs=2,
        tuning=TuningBudget(
            trials=2, annealing_trials=2, epochs=1, annealing_epochs=(1, 2, 1), train_images=128,
            validation_images=64, batch_size=32, batch_sizes=(16, 32), repeats=2, warm_start=True,
        ),
        comparison_lc2fer=("lc2fer_c6", "lc2fer_c8"),
        comparison_minutes=None,
        comparison_epochs=1,
        recipe_epochs=2,
        ablation_ingredients=("all augmentation", "label smoothing"),
        timing_batches=20,
        video_frames=20,
    ),
    # The default budgets: about three hours of training from an empty cache on the
    # 2-core CPU, no chapter above 45 minutes (`fer-utils report --plan` prints the plan;
    # docs/profiles.md has the table and why each number).
    "default": Profile(
        name="default",
        description="the whole report from the real data on a 2-core laptop CPU",
        demo_images=3589,
        images_per_split=None,
        experiment_epochs=3,  # ch. 3: 3 runs of small_cnn; ch. 10: its ablation's runs
        training_epochs=5,  # the baseline (ch. 4-5) and the tuned network (ch. 6)
        tuning=TuningBudget(
            trials=4, annealing_trials=4, epochs=2, annealing_epochs=(1, 3, 1), train_images=2000,
            validation_images=1000, batch_size=16, batch_sizes=(16, 32, 64), repeats=2, warm_start=True,
        ),
        comparison_networks=("feed_forward", "baseline_cnn", "mini_xception", "random_residual"),
        comparison_lc2fer=("lc2fer_c8",),
        comparison_minutes=10,
        comparison_epochs=None,
        recipe_epochs=3,  # = experiment_epochs: the ablation's full recipe is chapter 10's run
        ablation_ingredients=("all augmentation",),
        timing_batches=100,
        video_frames=100,
        report_minutes=240,
        chapter_minutes=45,
    ),
    "full": Profile(
        name="full",
        description="the seeds' settings, for a GPU",
        demo_images=35887,
        images_per_split=None,
        experiment_epochs=40,
        training_epochs=100,
        tuning=TuningBudget(
            trials=16, annealing_trials=30, epochs=20, annealing_epochs=(10, 40, 5), train_images=None,
            validation_images=None, batch_size=64, batch_sizes=(32, 64, 128), repeats=5,
        ),
        comparison_lc2fer=tuple(f"lc2fer_c{i}" for i in range(1, 9)),
        comparison_minutes=None,
        comparison_epochs=None,
        recipe_epochs=None,
        ablation_ingredients=None,
        timing_batches=100,
        video_frames=100,
    ),
}


def active_profile(name: str | None = None) -> Profile:
    """The profile named here, else by ``$FER_PROFILE``, else ``default``."""
    chosen = name or os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
    try:
        return PROFILES[chosen.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown profile {chosen!r} (from {'argument' if name else PROFILE_ENV}); "
            f"choose one of {', '.join(PROFILES)}"
        ) from None


def project_root() -> Path:
    """The checkout this code runs in: the nearest folder above the working
    directory (or above this package) holding both ``fer_utils/`` and ``notebooks/``.
    Falls back to the working directory for an installed copy used elsewhere."""
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "fer_utils").is_dir() and (folder / "notebooks").is_dir():
                return folder
    return Path.cwd()


FOLDER_DEFAULTS = {
    DATA_ENV: lambda: project_root() / "data",
    ARTIFACTS_ENV: lambda: project_root() / "artifacts",
    CACHE_ENV: lambda: Path.home() / ".cache" / "fer_utils",
    FIGURES_ENV: lambda: project_root() / "figures",
}
"""Where each folder variable points when it is unset."""


def folder_setting(variable: str) -> Path:
    """The folder ``$variable`` names, else its default (:data:`FOLDER_DEFAULTS`)."""
    return Path(os.environ.get(variable) or FOLDER_DEFAULTS[variable]())


def artifacts_dir() -> Path:
    """``$FER_ARTIFACTS_DIR``, else ``artifacts/`` in the project (git-ignored); created on demand."""
    return _made_folder(folder_setting(ARTIFACTS_ENV))


def cache_dir() -> Path:
    """``$FER_CACHE_DIR``, else ``~/.cache/fer_utils``: decoded datasets, shared by every checkout."""
    return folder_setting(CACHE_ENV)


def figures_dir() -> Path:
    """``$FER_FIGURES_DIR``, else ``figures/`` of the project; created on demand."""
    return _made_folder(folder_setting(FIGURES_ENV))


def _made_folder(folder: Path) -> Path:
    """``folder``, created if missing; a :class:`~fer_utils.errors.StorageError` naming
    it and its variable when it cannot be (a file of that name, no permission)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise storage_error(error, folder, "create the folder") from None
    return folder


def origin(path) -> str | None:
    """Where the folder holding ``path`` comes from, for messages: ``"from
    $FER_ARTIFACTS_DIR=/x"``, or ``"the default of $FER_CACHE_DIR"`` when the
    variable is unset; ``None`` outside the data, artifacts, cache and figures folders."""
    path = Path(path).absolute()
    found = []
    for variable in FOLDER_DEFAULTS:
        value = os.environ.get(variable)
        folder = folder_setting(variable).absolute()
        if path == folder or folder in path.parents:
            found.append((len(folder.parts), variable, value, folder))
    if not found:
        return None
    _, variable, value, folder = max(found)
    return f"from ${variable}={value}" if value else f"{folder} is the default of ${variable}, which is unset"


def storage_error(error: OSError, path=None, action: str = "write") -> StorageError:
    """``error``, raised while trying to ``action`` ``path``, as one line: the path,
    the problem in words and where the path's folder comes from (:func:`origin`)."""
    if isinstance(error, StorageError):
        return error
    path = Path(path if path is not None else (os.fsdecode(error.filename) if error.filename else "?"))
    where = origin(path)
    message = f"cannot {action} {path}: {os_error_reason(error, path)}" + (f" ({where})" if where else "")
    return StorageError(message, error.errno, path)


def prefer_onednn() -> None:
    """Switch TensorFlow's oneDNN kernels on for what starts TensorFlow after this
    call (this process, or the notebook kernels it launches), unless the user chose.

    TensorFlow enables them by default only on some Intel CPUs; on this project's
    2-core AMD laptop CPU they trained the baseline CNN faster
    (benchmarks/training_speed.py). The engine feeds only full training batches,
    which is what made oneDNN abort (DESIGN.md). Interactive notebooks keep
    TensorFlow's default: oneDNN announces itself on stderr in a way no setting
    silences, and only a kernel started without fd capture keeps that notice out
    of the notebook (see ``book.run_notebooks``).
    """
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
