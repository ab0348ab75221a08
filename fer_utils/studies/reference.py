"""Publishing a finished training run as the reference model that ships in the
package (:mod:`fer_utils.faces.reference`): its network in built-in Keras layers,
scored on the data it was trained on, with its card and training log.
``fer-utils publish RUN_FOLDER`` calls :func:`publish`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from fer_utils import __version__
from fer_utils.config import PROFILES, storage_error
from fer_utils.data.dataset import SPLIT_TO_USAGE, dataset_digest
from fer_utils.data.discovery import find_data, load_dataset
from fer_utils.data.labels import DISPLAY_NAMES
from fer_utils.engine.artifacts import artifact_path, load_model_file, read_json, replace_atomically
from fer_utils.engine.evaluation import metrics_summary, predict_probabilities
from fer_utils.engine.training import TrainingConfig
from fer_utils.faces.reference import CARD_FILE, CARD_MARKDOWN, FOLDER, MODEL_FILE, TRAINING_LOG
from fer_utils.machine import environment
from fer_utils.nets.portable import in_float32, plain_keras_model
from fer_utils.studies.recipes import matching_recipe

CLI_SETTINGS = ("epochs", "batch_size", "seed")
"""The training settings the ``train`` command takes as options (besides the profile)."""
PLAIN_TOLERANCE = 1e-5
"""Largest difference in any probability allowed between the trained network and
its built-in-layers copy (float32 sums in another order differ by about 1e-7)."""



def training_command(settings: dict, profile: str | None) -> str:
    """The command that trains a run with ``settings`` (its ``config.json``) in
    ``profile``: the ``train`` command where its options suffice, else the
    call of :func:`fer_utils.engine.training.train`."""

    model = settings["model"]
    recipe = matching_recipe(settings, PROFILES[profile] if profile else None)
    if recipe is not None and profile:
        return (f"fer-utils train --recipe {recipe.name} --profile {profile} --epochs {settings['epochs']} "
                f"--batch-size {settings['batch_size']} --seed {settings['seed']}")
    defaults = {**TrainingConfig.ADDED, **TrainingConfig(model=model).to_dict()}  # every setting
    others = {k: v for k, v in settings.items() if k in defaults and k != "model"
              and k not in CLI_SETTINGS and v != defaults[k]}
    if profile and not others:
        return (f"fer-utils train {model} --profile {profile} --epochs {settings['epochs']} "
                f"--batch-size {settings['batch_size']} --seed {settings['seed']}")
    arguments = {**{k: settings[k] for k in CLI_SETTINGS}, **others}
    chosen = f", profile=PROFILES[{profile!r}]" if profile else ""
    shown = {k: f"OnlineAugmentation(**{v!r})" if k == "augmentation" and isinstance(v, dict) else repr(v)
             for k, v in arguments.items()}
    return f"fer_utils.engine.training.train({model!r}, dataset{chosen}, " + \
        ", ".join(f"{k}={v}" for k, v in shown.items()) + ")"


def run_profile(run: Path, settings: dict, dataset) -> tuple[str | None, object]:
    """The profile a run was trained in (its ``config.json`` records it) and that
    profile's share of ``dataset``. ``ValueError`` when the folder's name (the
    training engine's key) does not come out of that data, profile and
    settings: the run was trained on other data."""
    profile = settings.get("profile")
    if profile is not None and profile not in PROFILES:
        raise ValueError(f"{run / 'config.json'}: unknown profile {profile!r}")
    sample = dataset.sample_per_split(PROFILES[profile].images_per_split) if profile else dataset
    config = {k: v for k, v in settings.items() if k not in ("profile", "dataset")}
    if artifact_path(f"run-{config['model']}", sample, suffix="", profile=profile, config=config).name != run.name:
        raise ValueError(f"{run}: not trained on {dataset.caption} in the profile its config.json names "
                         f"({profile}); pass the data it was trained on with --data")
    return profile, sample


def publish(run, data=None, folder: Path = FOLDER) -> dict:
    """Make the finished training run in folder ``run`` (``artifacts/run-*/``) the
    reference model in ``folder``: its network without optimizer state, scored on
    the validation (PublicTest) and test (PrivateTest) split of the data it was
    trained on (``data``: a path, else ``$FER_DATA``, else ``data/``), with
    ``card.json`` and ``card.md``. Returns the card."""

    run = Path(run)
    state_file, settings_file = run / "state.json", run / "config.json"
    if not (state_file.is_file() and settings_file.is_file() and (run / MODEL_FILE).is_file()):
        raise FileNotFoundError(f"{run}: not a training run's folder (no state.json, config.json and {MODEL_FILE})")
    remedy = f"the run folder is damaged: delete {run} and train the run again"
    state, settings = read_json(state_file, remedy), read_json(settings_file, remedy)
    if not state.get("finished"):
        raise ValueError(f"{run}: the run has not finished; finish it with the command that started it")
    location, _ = find_data(data)
    dataset = load_dataset(data)
    if dataset.synthetic:
        raise ValueError("no dataset found: a reference model is scored on real data (pass --data or set FER_DATA)")
    profile, dataset = run_profile(run, settings, dataset)

    trained = load_model_file(run / MODEL_FILE, remedy, compile=False)
    model = plain_keras_model(trained)
    images, _ = dataset.arrays("validation")
    sample = images[:256]
    # the layer swap must not change a probability; a bfloat16 network's float32 copy is the yardstick
    difference = float(np.abs(predict_probabilities(model, sample)
                              - predict_probabilities(in_float32(trained), sample)).max())
    if difference > PLAIN_TOLERANCE:
        raise ValueError(f"{run}: the built-in-layers copy differs from the trained network by {difference:.2g} "
                         f"(more than {PLAIN_TOLERANCE:g}) in a probability")
    scores = {}
    for split in ("validation", "test"):
        images, labels = dataset.arrays(split)
        summary = metrics_summary(labels, predict_probabilities(model, images))
        scores[SPLIT_TO_USAGE[split]] = {
            "images": summary["images"],
            "accuracy": summary["accuracy"], "accuracy_ci": summary["accuracy_ci"],
            "macro_f1": summary["macro_f1"], "macro_f1_ci": summary["macro_f1_ci"],
            "recall": {e: summary["per_class"][e]["recall"] for e in DISPLAY_NAMES},
        }
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise storage_error(error, folder, "create the folder") from None
    replace_atomically(folder / MODEL_FILE, model.save)  # never compiled: no optimizer state
    env = environment()
    history = state["history"]
    finished = datetime.fromtimestamp(state_file.stat().st_mtime)
    record = {
        "model": settings["model"],
        "parameters": int(trained.count_params()),
        "loads_with": "keras.models.load_model(path): built-in Keras layers only, safe mode, no fer_utils",
        "input": "grey faces {}x{}, raw 0-255 pixels".format(*model.input_shape[1:3]),
        "labels": list(DISPLAY_NAMES),
        "file": MODEL_FILE,
        "file_bytes": (folder / MODEL_FILE).stat().st_size,
        "command": training_command(settings, profile),
        "profile": profile,
        "settings": {k: v for k, v in settings.items() if k not in ("dataset", "profile")},
        "data": {
            "name": dataset.name, "folder": location.name if location else None,
            "digest": dataset_digest(dataset), "images": {SPLIT_TO_USAGE[s]: int((dataset.splits == s).sum())
                                                    for s in ("train", "validation", "test")},
        },
        "run": run.name,
        "trained": finished.date().isoformat(),
        "epochs": len(history),
        "best_epoch": min(history, key=lambda row: row["val_loss"])["epoch"],
        "training_seconds": round(sum(row.get("seconds", 0.0) for row in history), 1),
        "hardware": f"{env['cpu']} (the publishing machine: runs do not record theirs)",
        "software": {"python": env["python"], "fer_utils": __version__,
                     **{k: env["packages"].get(k) for k in ("tensorflow-cpu", "keras")}},
        "published": datetime.now().date().isoformat(),
        "scores": scores,
    }
    replace_atomically(folder / TRAINING_LOG, lambda path: pd.DataFrame(history).to_csv(path, index=False))
    replace_atomically(folder / CARD_FILE, lambda path: path.write_text(json.dumps(record, indent=1) + "\n"))
    replace_atomically(folder / CARD_MARKDOWN, lambda path: path.write_text(card_markdown(record)))
    return record


def card_markdown(record: dict) -> str:
    """The card as a short Markdown page."""
    images = record["data"]["images"]
    hours = record["training_seconds"] / 3600
    lines = [
        f"# Reference model: {record['model']}", "",
        "The network `fer-utils predict` and `fer_utils.faces` use unless given another. "
        "Written by `fer-utils publish`; do not edit by hand.", "",
        "| | |", "|:--|:--|",
        f"| network | `{record['model']}`, {record['parameters']:,} parameters; input: {record['input']} |",
        f"| file | `{record['file']}`, {record['file_bytes'] / 1e6:.1f} MB, no optimizer state |",
        f"| training command | `{record['command']}` |",
        f"| data | {record['data']['name']} (folder `{record['data']['folder']}`, digest "
        f"`{record['data']['digest']}`): " + ", ".join(f"{n:,} {s}" for s, n in images.items()) + " |",
        f"| trained | finished {record['trained']}: {record['epochs']} epochs, kept epoch {record['best_epoch']}, "
        f"{hours:.1f} h of training; every epoch in `{TRAINING_LOG}` |",
        f"| hardware | {record['hardware']} |",
        f"| software | " + ", ".join(f"{k} {v}" for k, v in record["software"].items()) + " |",
        f"| published | {record['published']}, from `{record['run']}` |", "",
        "It uses built-in Keras layers only: open it with plain `keras.models.load_model(path)` (safe mode, "
        "no `fer_utils` needed) or `fer_utils.faces.reference.load_model()`. Input: raw 0-255 grey faces "
        "(n, 48, 48, 1); output: the probabilities of the emotions below, in this order: "
        + ", ".join(record["labels"]) + ".", "",
        "| split | faces | accuracy (95% CI) | macro-F1 (95% CI) |", "|:--|--:|:--|:--|",
    ]
    for split, s in record["scores"].items():
        lines.append(
            f"| {split} | {s['images']:,} | {s['accuracy']:.3f} ({s['accuracy_ci'][0]:.3f}-{s['accuracy_ci'][1]:.3f}) "
            f"| {s['macro_f1']:.3f} ({s['macro_f1_ci'][0]:.3f}-{s['macro_f1_ci'][1]:.3f}) |"
        )
    splits = list(record["scores"])
    lines += ["", "Recall per emotion (the share of each emotion's faces it names correctly):", "",
              "| emotion | " + " | ".join(splits) + " |", "|:--|" + "--:|" * len(splits)]
    for emotion in record["labels"]:
        lines.append(f"| {emotion} | " + " | ".join(f"{record['scores'][s]['recall'][emotion]:.3f}" for s in splits) + " |")
    return "\n".join(lines) + "\n"
