"""The report's plan: what each chapter trains, how long that takes on the 2-core CPU, and what is cached.

``fer-utils report --plan`` prints it before anything runs. Every training run
of every chapter (the engine's runs, keras-tuner's trials, chapter 5's plain
``model.fit``) is listed with its network, epochs and training faces, and an
estimate of its minutes on :data:`MACHINE`: the epochs times the network's
seconds per epoch of FER-2013 (:func:`epoch_seconds`), scaled by the share of
FER-2013's 28,709 training faces the run trains on. A run is *cached* when the
engine's folder for exactly its settings (the key the engine itself computes)
holds a finished run; it then loads in seconds and counts toward nothing left.
A finished run's own logged seconds (the ``seconds`` column of its history) are
its *measured* cost, so the estimate and the measurement stand side by side. A
run that several chapters use is counted once, in the first chapter that trains
it: the report runs its chapters in order.

The estimates are upper bounds of training time: every run for all its epochs
(early stopping may end some sooner), every annealing trial at the most epochs it
may draw, and the Bayesian, random and grid searches as if they shared no
configuration (a shared one trains once). Scoring, plotting and each run's
start-up are not counted. A result the repository ships instead of training it
(:func:`committed_results`) is listed apart, with what regenerating it costs and
the command that does it; it does not count toward the report's time.

This module imports TensorFlow only when a plan is made (the engine computes the
run keys), so importing it is quick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fer_utils.config import Profile, project_root
from fer_utils.data.dataset import FaceDataset
from fer_utils.data.synthetic import FER_SPLIT_SIZES

MACHINE = "a 2-core laptop CPU without bfloat16 arithmetic (the project's AMD EPYC), float32, oneDNN on"
"""The machine the estimates are for: the slowest the report is meant for."""
FER2013_TRAINING_FACES = FER_SPLIT_SIZES["train"]
RECIPE_EPOCH_SECONDS = 300.0
"""Seconds one epoch of ``compact_resnet`` with recipe ``cpu_2h``'s augmentation takes on
:data:`MACHINE` (about 100 faces per second: the baseline CNN's 93.5 on the idle CPU, and the
recipe faster than the baseline side by side, ``benchmarks/recipe_speed.py``). On this CPU the
recipe's ``precision="auto"`` trains in float32. A recipe's own ``epoch_seconds`` is for the
machine it was last timed on, which may be faster."""
SMALL_RECIPE_EPOCH_SECONDS = 65.0
"""The same for recipe ``cpu_small``'s 81 k-parameter network, distilled (float32): measured
at about 37 s on an AMD EPYC with AVX-512, where ``cpu_2h`` took 170 s, and scaled by
``cpu_2h``'s 300 / 170 to :data:`MACHINE`."""
CHAPTER_10_RECIPE = "cpu_2h"
"""The recipe chapter 10 trains and ablates."""


SCRATCH_TRIAL = "chosen trial from scratch"
"""Chapter 6's control: the chosen warm-started trial trained again from random weights."""


def epoch_seconds(network: str) -> float:
    """Seconds one engine epoch of ``network`` on all of FER-2013 (and its validation
    faces) takes on :data:`MACHINE`: chapter 8's measured table
    (:data:`fer_utils.studies.architectures.EPOCH_SECONDS`), chapter 3's figure for its
    small CNN and :data:`RECIPE_EPOCH_SECONDS`."""
    from fer_utils.studies import architectures, imbalance_experiment

    known = {**architectures.EPOCH_SECONDS, imbalance_experiment.MODEL: imbalance_experiment.EPOCH_SECONDS,
             "compact_resnet": RECIPE_EPOCH_SECONDS}
    if network not in known:
        raise ValueError(f"no seconds per epoch of {network!r} on the 2-core CPU; measure it with "
                         f"benchmarks/network_speed.py and add it to fer_utils.studies.architectures.EPOCH_SECONDS")
    return known[network]


def estimated_minutes(network: str, epochs: int, faces: int, runs: int = 1) -> float:
    """Minutes ``runs`` runs of ``epochs`` epochs of ``network`` on ``faces`` training faces take on :data:`MACHINE`."""
    return runs * epochs * epoch_seconds(network) * faces / FER2013_TRAINING_FACES / 60


@dataclass
class PlannedRun:
    """One row of the plan: a run (or ``count`` alike runs, a search's trials) of one chapter."""

    chapter: int
    run: str
    network: str
    epochs: int
    """Epochs of each run (at most: early stopping may end it sooner)."""
    faces: int
    """Training faces per epoch."""
    count: int = 1
    minutes: float = 0.0
    """Estimated minutes of all ``count`` runs from an empty cache (0 when another chapter's row counts them)."""
    finished: int = 0
    """How many of the ``count`` runs are finished in the artifacts folder."""
    measured_seconds: float | None = None
    """The finished runs' own logged seconds (each engine run counted once in the plan); ``None``: none finished."""
    trained_in: int | None = None
    """The chapter whose row counts this run, when an earlier row (or chapter) trains it."""
    note: str = ""

    @property
    def remaining_minutes(self) -> float:
        """Estimated minutes of the runs not finished yet."""
        return self.minutes * (self.count - self.finished) / self.count if self.count else 0.0

    @property
    def cached(self) -> str:
        """``yes``, ``no``, ``k of n`` (a search's finished trials) or the chapter that trains it."""
        if self.trained_in is not None:
            return f"ch. {self.trained_in}"
        if self.finished >= self.count:
            return "yes"
        return f"{self.finished} of {self.count}" if self.finished else "no"


@dataclass(frozen=True)
class CommittedResult:
    """A result the repository ships instead of training it while the report runs."""

    chapter: int
    what: str
    files: tuple[str, ...]
    """Where it lies, relative to the repository root."""
    command: str
    """What regenerates it."""
    minutes: float
    """Estimated minutes of training to regenerate it on :data:`MACHINE`."""
    measured_seconds: float | None
    """The logged seconds of the run that produced it, where its log gives them."""

    def line(self) -> str:
        measured = f"; its log: {self.measured_seconds / 3600:.1f} hours" if self.measured_seconds else ""
        return (f"ch. {self.chapter}: {self.what} ({', '.join(self.files)}): committed result, "
                f"{self.minutes / 60:.1f} hours to regenerate with `{self.command}`{measured}")


def committed_results() -> list[CommittedResult]:
    """The results the chapters read from the repository instead of training them:
    chapter 9's reference model (its card gives the command, the epochs and the
    training log's seconds) and chapter 10's ablation at a budget that finishes
    (:mod:`fer_utils.studies.results`)."""
    from fer_utils.engine.artifacts import read_json
    from fer_utils.errors import SavedFileError
    from fer_utils.faces import reference

    path = reference.FOLDER / reference.CARD_FILE
    card = read_json(path, "reinstall fer_utils, or publish a run again with `fer-utils publish`")
    missing = [key for key in ("model", "epochs", "command", "run", "data") if key not in card]
    if missing:
        raise SavedFileError(f"{path}: not a reference model's card (no {', '.join(missing)}); reinstall fer_utils")
    root = project_root()
    files = tuple(str(_relative(reference.FOLDER / name, root)) for name in (reference.MODEL_FILE, reference.CARD_FILE))
    faces = card["data"].get("images", {}).get("Training", FER2013_TRAINING_FACES)
    return [CommittedResult(
        chapter=9, what=f"reference model ({card['model']}, {card['epochs']} epochs)", files=files,
        command=f"{card['command']}, then fer-utils publish artifacts/{card['run']}",
        minutes=estimated_minutes(card["model"], int(card["epochs"]), faces),
        measured_seconds=card.get("training_seconds"),
    ), _shipped_ablation(root)]


def _shipped_ablation(root: Path) -> CommittedResult:
    """Chapter 10's shipped ablation: its runs' epochs at :data:`SMALL_RECIPE_EPOCH_SECONDS`."""
    from fer_utils.studies import results

    result = results.read_ablation()
    minutes = {name: value for name, value in result.table.attrs["minutes"].items()
               if name != "+ test-time augmentation"}
    faces = result.data["images"]["Training"]
    seconds = {"cpu_2h": RECIPE_EPOCH_SECONDS, "cpu_small": SMALL_RECIPE_EPOCH_SECONDS}[result.recipe]
    return CommittedResult(
        chapter=10, what=f"ablation of {result.recipe}, {len(minutes)} runs of {result.epochs} epochs, and its "
                         "ensemble with the reference model",
        files=(str(_relative(result.path, root)), str(_relative(result.path.with_suffix(".log"), root))),
        command=result.command,
        minutes=len(minutes) * result.epochs * seconds * faces / FER2013_TRAINING_FACES / 60,
        measured_seconds=60 * sum(minutes.values()),
    )


def _relative(path: Path, root: Path) -> Path:
    try:
        return path.relative_to(root)
    except ValueError:
        return path


@dataclass
class ReportPlan:
    """Every chapter's runs in one profile on one dataset, and the committed results apart."""

    profile: Profile
    data: str
    """The dataset's caption and size."""
    runs: list[PlannedRun]
    committed: list[CommittedResult]
    notebooks: dict[int, str]
    """Each chapter's notebook, by number."""

    @property
    def total_minutes(self) -> float:
        """Estimated minutes from an empty cache: the sum of the rows."""
        return sum(run.minutes for run in self.runs)

    @property
    def remaining_minutes(self) -> float:
        """Estimated minutes of what is not cached yet."""
        return sum(run.remaining_minutes for run in self.runs)

    def table(self) -> pd.DataFrame:
        """One row per planned run."""
        rows = [{
            "ch.": run.chapter, "run": run.run, "network": run.network, "epochs": run.epochs, "faces": run.faces,
            "runs": run.count, "est. min": run.minutes, "cached": run.cached, "left min": run.remaining_minutes,
            "measured min": math.nan if run.measured_seconds is None else run.measured_seconds / 60, "note": run.note,
        } for run in self.runs]
        return pd.DataFrame(rows, columns=["ch.", "run", "network", "epochs", "faces", "runs", "est. min",
                                           "cached", "left min", "measured min", "note"])

    def chapters(self) -> pd.DataFrame:
        """Per chapter: its notebook, estimated and remaining minutes, the measured minutes
        of its finished runs, and whether the estimate is within the profile's limit."""
        numbers = sorted(set(self.notebooks) | {run.chapter for run in self.runs})
        rows = []
        for number in numbers:
            mine = [run for run in self.runs if run.chapter == number]
            measured = [run.measured_seconds for run in mine if run.measured_seconds is not None]
            minutes = sum(run.minutes for run in mine)
            limit = self.profile.chapter_minutes
            rows.append({
                "ch.": number, "notebook": self.notebooks.get(number, ""), "est. min": minutes,
                "left min": sum(run.remaining_minutes for run in mine),
                "measured min": sum(measured) / 60 if measured else math.nan,
                "within limit": "" if limit is None else ("yes" if minutes <= limit else "NO"),
            })
        return pd.DataFrame(rows).set_index("ch.")

    def over_limits(self) -> list[str]:
        """What the estimates exceed of the profile's ``report_minutes`` and ``chapter_minutes``, in words."""
        problems = []
        if self.profile.report_minutes is not None and self.total_minutes > self.profile.report_minutes:
            problems.append(f"the report plans {self.total_minutes:.0f} minutes, more than the profile's "
                            f"{self.profile.report_minutes:g}")
        if self.profile.chapter_minutes is not None:
            for number, minutes in self.chapters()["est. min"].items():
                if minutes > self.profile.chapter_minutes:
                    problems.append(f"chapter {number} plans {minutes:.0f} minutes, more than the profile's "
                                    f"{self.profile.chapter_minutes:g}")
        return problems

    def text(self) -> str:
        """The plan as the terminal shows it."""
        number = lambda value: "-" if pd.isna(value) else f"{value:.1f}"  # noqa: E731
        runs = self.table().drop(columns="note")
        formats = {column: number for column in ("est. min", "left min", "measured min")}
        chapters = self.chapters()
        limits = ""
        if self.profile.report_minutes is not None or self.profile.chapter_minutes is not None:
            problems = self.over_limits()
            limits = (f"\nthe profile's limits: {self.profile.report_minutes or '-'} minutes in all, "
                      f"{self.profile.chapter_minutes or '-'} per chapter: "
                      + ("; ".join(problems) if problems else "the estimates are within them"))
        notes = sorted({run.note for run in self.runs if run.note})
        lines = [
            f"plan of the report, profile {self.profile.name} ({self.profile.description})",
            f"data: {self.data}",
            f"estimated minutes of training on {MACHINE}; upper bounds (every epoch, every trial); "
            "cached runs load in seconds; measured: the finished runs' own logged seconds",
            "",
            runs.to_string(index=False, formatters=formats, na_rep="-"),
            "",
            chapters.to_string(formatters=formats, na_rep="-"),
            "",
            f"total: {self.total_minutes:.1f} minutes ({self.total_minutes / 60:.1f} hours) from an empty cache; "
            f"{self.remaining_minutes:.1f} minutes ({self.remaining_minutes / 60:.1f} hours) left to train" + limits,
        ]
        if notes:
            lines += ["", "notes:", *(f"  {note}" for note in notes)]
        if self.committed:
            lines += ["", "committed results, not counted above:", *(f"  {result.line()}" for result in self.committed)]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The plan as plain values (``--json``)."""
        chapters = self.chapters()
        return {
            "profile": self.profile.name, "data": self.data, "machine": MACHINE,
            "total_minutes": self.total_minutes, "remaining_minutes": self.remaining_minutes,
            "limits": {"report_minutes": self.profile.report_minutes, "chapter_minutes": self.profile.chapter_minutes},
            "over_limits": self.over_limits(),
            "chapters": [{
                "chapter": int(number), "notebook": row["notebook"], "minutes": row["est. min"],
                "remaining_minutes": row["left min"],
                "measured_minutes": None if math.isnan(row["measured min"]) else row["measured min"],
                "runs": [{
                    "run": run.run, "network": run.network, "epochs": run.epochs, "faces": run.faces,
                    "count": run.count, "minutes": run.minutes, "finished": run.finished,
                    "remaining_minutes": run.remaining_minutes, "measured_seconds": run.measured_seconds,
                    "trained_in": run.trained_in, "note": run.note,
                } for run in self.runs if run.chapter == number],
            } for number, row in chapters.iterrows()],
            "committed": [{
                "chapter": result.chapter, "what": result.what, "files": list(result.files),
                "command": result.command, "minutes": result.minutes, "measured_seconds": result.measured_seconds,
            } for result in self.committed],
        }


def report_plan(profile: Profile, dataset: FaceDataset) -> ReportPlan:
    """The plan of every chapter in ``profile`` on ``dataset`` (all of it, as
    :func:`fer_utils.data.discovery.load_dataset` gives it): trains nothing, reads
    the artifacts folder."""
    planner = _Planner(profile, dataset)
    for chapter in (planner.chapter_3, planner.chapter_4, planner.chapter_5, planner.chapter_6,
                    planner.chapter_7, planner.chapter_8, planner.chapter_10):
        chapter()
    return ReportPlan(profile=profile, data=f"{dataset.caption}, {len(dataset):,} images", runs=planner.runs,
                      committed=committed_results(), notebooks=chapter_notebooks())


def chapter_notebooks() -> dict[int, str]:
    """The chapters' notebooks by number (``notebooks/NN_name.ipynb``)."""
    folder = project_root() / "notebooks"
    return {int(path.name[:2]): path.stem for path in sorted(folder.glob("[0-9][0-9]_*.ipynb"))}


def _training_faces(data: FaceDataset) -> int:
    return int((data.splits == "train").sum())


class _Planner:
    """Builds the rows chapter by chapter, remembering which chapter trains each run first."""

    def __init__(self, profile: Profile, dataset: FaceDataset):
        self.profile, self.dataset = profile, dataset
        self.sample = dataset.sample_per_split(profile.images_per_split)  # what chapter_data gives the chapters
        self.runs: list[PlannedRun] = []
        self.owners: dict = {}
        """Run key (its candidate folders, or a name for a run not yet known) -> the chapter that trains it."""
        self.counted: set[Path] = set()
        """Run folders whose logged seconds a row already counts."""
        self.search_row: tuple = ()
        """Chapter 6's searches in one row for chapter 7: networks, epochs, faces, trials."""
        self.tuned: tuple = ()
        """Chapter 6's tuned network: its key and network."""

    # --- the engine's runs -------------------------------------------------------------

    def folders(self, network: str, data: FaceDataset, settings: dict) -> tuple[Path, ...]:
        """The engine's folder for ``train(network, data, profile=..., **settings)``; with
        ``precision="auto"`` one per precision it may choose (the choice is this machine's)."""
        from fer_utils.engine.speed import AUTO, PRECISIONS
        from fer_utils.engine.training import run_directory, training_config

        choices = [{**settings, "precision": p} for p in PRECISIONS] if settings.get("precision") == AUTO \
            else [settings]
        return tuple(run_directory(training_config(network, self.profile, **choice), data, self.profile.name)
                     for choice in choices)

    def logged_seconds(self, folders) -> float | None:
        """The logged seconds of the finished run in one of ``folders`` (0 when a row
        counts them already); ``None`` when none is finished."""
        from fer_utils.engine.artifacts import read_json

        for folder in folders:
            state = read_json(folder / "state.json", f"delete {folder} to train the run again")
            if state.get("finished"):
                if folder in self.counted:
                    return 0.0
                self.counted.add(folder)
                return float(sum(row.get("seconds", 0.0) for row in state.get("history", [])))
        return None

    def add(self, chapter: int, what: str, network: str, data: FaceDataset, settings: dict, note: str = "") -> None:
        """An engine run of ``chapter``, counted here unless an earlier row trains it."""
        folders = self.folders(network, data, settings)
        epochs = {"epochs": self.profile.training_epochs, **settings}["epochs"]
        self.add_known(chapter, what, network, int(epochs), _training_faces(data), folders, note)

    def add_known(self, chapter: int, what: str, network: str, epochs: int, faces: int, key, note: str = "",
                  folders=None) -> None:
        """A run whose ``key`` says which run it is (its folders, or a name while it is not
        known yet); its cache is read from ``folders`` (by default the key)."""
        if key in self.owners:
            self.runs.append(PlannedRun(chapter, what, network, epochs, faces, trained_in=self.owners[key]))
            return
        self.owners[key] = chapter
        folders = key if folders is None else folders
        seconds = self.logged_seconds(folders) if folders else None
        self.runs.append(PlannedRun(chapter, what, network, epochs, faces,
                                    minutes=estimated_minutes(network, epochs, faces),
                                    finished=int(seconds is not None), measured_seconds=seconds, note=note))

    # --- the chapters -------------------------------------------------------------------

    def chapter_3(self) -> None:
        """Three runs of the small CNN, one per way of balancing the classes."""
        from fer_utils.studies import imbalance_experiment as study

        for strategy in study.IMBALANCE_STRATEGIES:
            folder = study.run_folder(strategy, self.sample, self.profile)
            self.add_known(3, f"imbalance: {strategy}", study.MODEL, self.profile.experiment_epochs,
                           _training_faces(self.sample), (folder,))

    def baseline(self, chapter: int) -> None:
        """Chapter 5's baseline CNN: chapter 4 trains it first, later chapters load it."""
        self.add(chapter, "baseline CNN", "baseline_cnn", self.sample, {})

    def chapter_4(self) -> None:
        self.baseline(4)

    def chapter_5(self) -> None:
        """The plain ``model.fit`` of section 5.2 (every training face, a tuning trial's epochs;
        never cached), then the engine's baseline."""
        epochs = self.profile.tuning.epochs
        faces = _training_faces(self.sample) // 64 * 64  # the chapter keeps whole batches of 64
        self.runs.append(PlannedRun(5, "plain model.fit", "baseline_cnn", epochs, faces,
                                    minutes=estimated_minutes("baseline_cnn", epochs, faces),
                                    note="plain model.fit is not cached: it trains on every execution"))
        self.baseline(5)

    def chapter_6(self) -> None:
        """The searches' trials, the noise repeats, the chosen configuration retrained, the baseline."""
        from fer_utils.studies import tuning

        profile = self.profile
        budget = tuning.tuning_budget(profile)
        searches = tuning.chapter_searches(budget)
        data = tuning.tuning_data(self.sample, budget, seed=0)
        faces = _training_faces(data)
        directory = Path(tuning.tuning_directory(self.sample, profile))
        start = self.warm_start(tuning, budget)
        complete = True
        for name, search in searches.items():
            trials = budget.trials_for(search.strategy)
            epochs = budget.annealing_epochs[1] if search.strategy == "annealing" else budget.epochs
            ended, seconds = (0, None) if budget.warm_start and start is None else self.trials(
                directory / tuning.project_name(search, budget, 0, start), search, budget, data, start)
            complete &= ended >= trials
            self.runs.append(PlannedRun(
                6, f"search {name}", search.model, epochs, faces, count=trials,
                minutes=estimated_minutes(search.model, epochs, faces, trials), finished=min(ended, trials),
                measured_seconds=seconds,
                note="search trials: at most; a configuration two searches share trains once",
            ))
        self.search_row = (", ".join(sorted({s.model for s in searches.values()})), budget.epochs, faces,
                           sum(budget.trials_for(s.strategy) for s in searches.values()))
        chosen, tuners = self.chosen(tuning, searches, budget, start) if complete else (None, None)
        everyone = _training_faces(self.sample)
        if chosen is None:
            costliest = max({search.model for search in searches.values()}, key=epoch_seconds)
            most_epochs = max(budget.epochs, budget.annealing_epochs[1] if budget.annealing_trials else 0)
            unknown = "not chosen yet: estimated with the costliest network and most epochs the searches try"
            self.runs.append(PlannedRun(6, "noise repeats", costliest, most_epochs, faces, count=budget.repeats,
                                        minutes=estimated_minutes(costliest, most_epochs, faces, budget.repeats),
                                        note=unknown))
            if budget.warm_start:
                self.runs.append(PlannedRun(6, SCRATCH_TRIAL, costliest, most_epochs, faces, note=unknown,
                                            minutes=estimated_minutes(costliest, most_epochs, faces)))
            self.tuned = ("tuned network", costliest)
            self.add_known(6, "tuned network", costliest, profile.training_epochs, everyone, "tuned network",
                           note=unknown, folders=())
        else:
            tuner = tuners[chosen["search"]]
            settings = tuner.trial_settings(chosen["values"])
            epochs = int(settings["epochs"])
            logged = [self.logged_seconds(self.folders(chosen["model"], data, {**settings, "seed": tuner.seed + i}))
                      for i in range(1, budget.repeats + 1)]  # repeat_best's seeds
            done = [seconds for seconds in logged if seconds is not None]
            self.runs.append(PlannedRun(
                6, "noise repeats", chosen["model"], epochs, faces, count=budget.repeats,
                minutes=estimated_minutes(chosen["model"], epochs, faces, budget.repeats),
                finished=len(done), measured_seconds=sum(done) if done else None,
            ))
            if budget.warm_start:
                cold = {name: value for name, value in settings.items() if name != "initial_weights"}
                self.add_known(6, SCRATCH_TRIAL, chosen["model"], epochs, faces,
                               self.folders(chosen["model"], data, cold))
            folders = self.folders(chosen["model"], self.sample, tuning.chosen_settings(chosen))
            self.tuned = (folders, chosen["model"])
            self.add_known(6, "tuned network", chosen["model"], profile.training_epochs, everyone, folders)
        self.baseline(6)

    def warm_start(self, tuning, budget) -> str | None:
        """The file warm-started trials start from (chapter 5's baseline), if the budget
        warm-starts and that run has finished; else ``None``."""
        if not budget.warm_start:
            return None
        model = self.folders(tuning.WARM_START_MODEL, self.sample, {})[0] / "model.keras"
        return str(model) if model.is_file() else None

    def trials(self, project: Path, search, budget, data: FaceDataset, start: str | None) -> tuple[int, float | None]:
        """How many trials of the search in ``project`` (warm-started from ``start``) have
        ended (completed or failed), and the logged seconds of the completed trials' runs."""
        from keras_tuner.engine.trial import TrialStatus

        from fer_utils.engine.artifacts import read_json

        ended, seconds = 0, None
        for path in sorted(project.glob("trial_*/trial.json")):
            trial = read_json(path, f"delete {project} to run the search again")
            if trial.get("status") not in (TrialStatus.COMPLETED, TrialStatus.FAILED):
                continue
            ended += 1
            if trial["status"] == TrialStatus.COMPLETED:
                values = trial.get("hyperparameters", {}).get("values", {})
                logged = self.logged_seconds(self.folders(search.model, data,
                                                          search.settings(values, budget, 0, start)))
                if logged is not None:
                    seconds = (seconds or 0.0) + logged
        return ended, seconds

    def chosen(self, tuning, searches: dict, budget, start: str | None) -> tuple[dict | None, dict | None]:
        """The configuration the finished searches choose, and their tuners (reloaded, not run)."""
        tuners = {name: tuning.make_tuner(search, self.sample, self.profile, budget=budget, initial_weights=start)
                  for name, search in searches.items()}
        try:
            return tuning.best_trial(tuners), tuners
        except ValueError:  # every trial failed: chapter 6 stops there
            return None, None

    def chapter_7(self) -> None:
        """Chapter 6's searches, tuned network and baseline, all loaded."""
        networks, epochs, faces, trials = self.search_row
        self.runs.append(PlannedRun(7, "chapter 6's searches", networks, epochs, faces, count=trials, trained_in=6))
        key, network = self.tuned
        self.add_known(7, "tuned network", network, self.profile.training_epochs, _training_faces(self.sample), key)
        self.baseline(7)

    def chapter_8(self) -> None:
        """Each network of the comparison with its budget (the baseline too: an equal budget)."""
        from fer_utils.studies import architectures

        for name in architectures.networks_for(self.profile):
            self.add(8, name, name, self.sample, architectures.training_settings(name, self.profile))

    def chapter_10(self) -> None:
        """The recipe's run, its ablation's runs and the baseline."""
        from fer_utils.studies import recipes

        recipe = recipes.get_recipe(CHAPTER_10_RECIPE)
        self.add(10, f"recipe {recipe.name}", recipe.model, self.sample, recipe.training_settings(self.profile))
        for name, settings in recipes.ablation_variants(recipe, self.profile,
                                                        epochs=self.profile.experiment_epochs).items():
            self.add(10, f"ablation: {name}", recipe.model, self.sample, settings)
        self.baseline(10)
