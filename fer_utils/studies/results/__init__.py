"""Results measured beyond a profile's budget, shipped with the package for chapter 10 to read.

Chapter 10's own ablation trains at the profile's budget, a few epochs, at
which no variant of a recipe has finished learning, so its table shows what an
ingredient does early in training. The ablation that says what an ingredient
buys runs every variant at a budget where the full recipe comes within about
two points of its final accuracy, and takes hours of the 2-core CPU. So
``benchmarks/recipe_ablation.py --result FILE`` measures it once, together with
the ensemble of its networks and the shipped reference model, and writes one
JSON file here: the command, the machine, the date, the commit, the data and
its digest, every run's accuracies, training minutes and per-epoch history, and
the ensemble's table. Chapter 10 reads it with :func:`read_ablation`;
``fer-utils report --plan`` lists it apart from the training the chapters do,
with the hours it takes to regenerate. The script's log lies beside the file
(same name, ``.log``).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fer_utils.errors import SavedFileError

FOLDER = Path(__file__).resolve().parent
ABLATION_FILE = "ablation-cpu_small-20.json"
"""The shipped ablation: recipe ``cpu_small`` at 20 epochs a run."""
REMEDY = ("reinstall fer_utils (pip install --force-reinstall .), or measure it again with "
          "benchmarks/recipe_ablation.py --result")
KIND = "recipe ablation"


@dataclass(frozen=True)
class MeasuredAblation:
    """A shipped ablation and ensemble, as :func:`read_ablation` reads them."""

    path: Path
    recipe: str
    epochs: int
    command: str
    machine: str
    """The CPU's name and the precision the runs trained in."""
    date: str
    commit: str
    data: dict
    """The dataset's caption, digest and images per split."""
    table: pd.DataFrame
    """:func:`fer_utils.studies.recipes.ablation_table`'s table; ``attrs["minutes"]`` per row."""
    ensembles: pd.DataFrame
    """:func:`fer_utils.engine.ensembles.compare_ensembles`' table, with PrivateTest intervals."""
    member_minutes: dict
    """Training minutes of each ensemble member (the reference model's from its card)."""
    histories: dict
    """Each run's history (epoch, seconds, val_loss, val_accuracy), by the table's row names."""

    @property
    def caption(self) -> str:
        """What a table of this result names as its data (``figures.captioned``)."""
        return (f"{self.data['caption']}, digest {self.data['digest']}; shipped result of {self.date}, "
                f"{self.machine}")

    @property
    def validation_faces(self) -> int:
        return int(self.data["images"]["PublicTest"])

    def source(self) -> str:
        """Where the numbers come from, in lines a chapter prints above them."""
        minutes = self.table.attrs["minutes"]
        trained = sum(value for name, value in minutes.items() if name != "+ test-time augmentation")
        return "\n".join([
            f"shipped result: {self.path.name} (fer_utils/studies/results/), measured {self.date} at commit "
            f"{self.commit}",
            f"command: {self.command}",
            f"machine: {self.machine}",
            f"data: {self.data['caption']}, digest {self.data['digest']}, "
            + ", ".join(f"{split} {count:,}" for split, count in self.data["images"].items()),
            f"training: {len(minutes) - ('+ test-time augmentation' in minutes)} runs of {self.epochs} epochs, "
            f"{trained / 60:.2f} hours in all",
        ])

    def findings(self) -> list[str]:
        """:func:`fer_utils.studies.recipes.ablation_findings` of this result."""
        from fer_utils.studies.recipes import findings_on

        return findings_on(self.table, self.validation_faces)


def write_ablation(path, recipe: str, epochs: int, table: pd.DataFrame, runs: dict, dataset,
                   ensembles: pd.DataFrame, member_minutes: dict, command: str, precision: str) -> Path:
    """Write an ablation (``table`` from :func:`fer_utils.studies.recipes.score_ablation`
    over ``runs``) and its ensemble to ``path``, atomically."""
    from fer_utils.data.dataset import dataset_digest
    from fer_utils.engine.artifacts import replace_atomically
    from fer_utils.machine import cpu_name, git_commit

    rows = {}
    for name, row in table.iterrows():
        run = runs.get(name)
        rows[name] = {"PublicTest accuracy": float(row["PublicTest accuracy"]),
                      "PrivateTest accuracy": float(row["PrivateTest accuracy"]),
                      "minutes": float(table.attrs["minutes"][name]),
                      "kept epoch": None if run is None else int(run.best_epoch)}
    record = {
        "kind": KIND, "recipe": recipe, "epochs": int(epochs), "command": command,
        "machine": f"{cpu_name()}, {precision}", "date": datetime.date.today().isoformat(), "commit": git_commit(),
        "data": {"caption": dataset.caption, "digest": dataset_digest(dataset),
                 "images": {split: int(len(dataset.arrays(key)[1]))
                            for split, key in (("Training", "train"), ("PublicTest", "validation"),
                                               ("PrivateTest", "test"))}},
        "ablation": rows,
        "ensembles": json.loads(ensembles.to_json(orient="index")),
        "member_minutes": {name: float(value) for name, value in member_minutes.items()},
        "histories": {name: json.loads(run.history.reset_index()[["epoch", "seconds", "val_loss", "val_accuracy"]]
                                       .to_json(orient="records")) for name, run in runs.items()},
    }
    path = Path(path)
    replace_atomically(path, lambda target: target.write_text(json.dumps(record, indent=1) + "\n"))
    return path


def read_ablation(path=None) -> MeasuredAblation:
    """The shipped ablation (or the one written to ``path``). A missing, damaged or
    foreign file raises :class:`~fer_utils.errors.SavedFileError` naming it."""
    from fer_utils.engine.artifacts import read_json
    from fer_utils.studies.recipes import ablation_table

    path = Path(path) if path is not None else FOLDER / ABLATION_FILE
    if not path.is_file():
        raise SavedFileError(f"{path}: no such result file; {REMEDY}")
    record = read_json(path, REMEDY)
    missing = [key for key in ("kind", "recipe", "epochs", "command", "machine", "date", "commit", "data",
                               "ablation", "ensembles", "member_minutes", "histories") if key not in record]
    if missing or record["kind"] != KIND:
        raise SavedFileError(f"{path}: not a {KIND} result (" + (f"no {', '.join(missing)}" if missing else
                             f"kind {record['kind']!r}") + f"); {REMEDY}")
    try:
        table = ablation_table(record["ablation"])
        table.attrs["minutes"] = {name: float(row["minutes"]) for name, row in record["ablation"].items()}
        ensembles = pd.DataFrame.from_dict(record["ensembles"], orient="index").rename_axis("ensemble")
        histories = {name: pd.DataFrame(rows).set_index("epoch") for name, rows in record["histories"].items()}
        int(record["data"]["images"]["PublicTest"])
    except (KeyError, TypeError, ValueError) as error:
        raise SavedFileError(f"{path}: a {KIND} result with a damaged table ({type(error).__name__}: {error}); "
                             f"{REMEDY}") from None
    return MeasuredAblation(
        path=path, recipe=record["recipe"], epochs=int(record["epochs"]), command=record["command"],
        machine=record["machine"], date=record["date"], commit=record["commit"], data=record["data"], table=table,
        ensembles=ensembles, member_minutes=record["member_minutes"], histories=histories,
    )
