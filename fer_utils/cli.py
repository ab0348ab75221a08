"""The command line: ``python -m fer_utils`` or the installed ``fer-utils`` script."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .dataset import SPLITS
from .discovery import find_data, load_dataset
from .labels import DISPLAY_NAMES
from .report import BOOK_NAME


def info(args) -> int:
    """Where the data came from, and images per split and emotion."""
    location, how = find_data(args.data)
    dataset = load_dataset(args.data)
    counts = dataset.counts()
    if args.json:
        summary = {
            "dataset": dataset.name,
            "synthetic": dataset.synthetic,
            "location": str(location) if location else None,
            "chosen_by": how,
            "images": len(dataset),
            "counts": {
                split: {e: int(counts.at[split, e]) for e in DISPLAY_NAMES}
                for split in SPLITS
                if split in counts.index
            },
        }
        print(json.dumps(summary, indent=2))
        return 0
    print(f"dataset:   {dataset.caption}")
    print(f"location:  {location or dataset.origin} ({how})")
    print(f"images:    {len(dataset):,}\n")
    print(counts.to_string())
    return 0


def report(args) -> int:
    """Execute every notebook in order, then export them as one book: report/build/NAME.pdf and .html."""
    from .report import export_book, run_notebooks

    if not args.export_only:
        results = run_notebooks(profile=args.profile, data=args.data)
        print(f"executed {len(results)} notebooks in {sum(t for _, t in results):.0f} s")
    try:
        export_book(name=args.name, hide_code=args.hide_code)
    except RuntimeError as error:  # a failed cell, pandoc or XeLaTeX: the message says where
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def models(args) -> int:
    """Every network ``train`` accepts, with its parameter count."""
    from .models import model_catalogue

    catalogue = model_catalogue()
    if args.json:
        print(json.dumps(catalogue.reset_index().to_dict(orient="records"), indent=2))
    else:
        print(catalogue.to_string())
    return 0


def train(args) -> int:
    """Train (or resume, or load) a network on the profile's share of the data; print its scores.

    Switches TensorFlow's oneDNN kernels on unless the user chose otherwise:
    TensorFlow enables them only on some Intel CPUs, and on this project's AMD
    laptop CPU they trained the baseline CNN 1.6 times faster
    (benchmarks/training_speed.py). The engine feeds only full training
    batches, which is what made oneDNN abort (DESIGN.md). Notebooks keep
    TensorFlow's default, because oneDNN announces itself on stderr in a way no
    setting silences.
    """
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")  # before TensorFlow is imported below
    from .profiles import active_profile
    from .training import train as train_model

    profile = active_profile(args.profile)
    dataset = profile.sample(load_dataset(args.data))
    settings = {"seed": args.seed}
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    if args.batch_size is not None:
        settings["batch_size"] = args.batch_size
    run = train_model(args.model, dataset, profile=profile, verbose=args.verbose, **settings)
    how = "loaded a finished run" if run.from_cache else (
        f"resumed after epoch {run.resumed_at}" if run.resumed_at else "trained"
    )
    print(f"{args.model} on {dataset.caption}, profile {profile.name}: {how}")
    print(f"run folder: {run.directory}")
    print(f"epochs: {len(run.history)}, best epoch {run.best_epoch}, replicas {run.replicas}, "
          f"held-out blur {run.input_blur} px")
    for split in ("validation", "test"):
        if split in set(dataset.splits):
            print(f"{split} accuracy: {run.accuracy(dataset, split):.4f}")
    return 0


def evaluate(args) -> int:
    """Score a network on the validation or the test split of the profile's data.

    ``MODEL`` is a name the ``models`` command lists (its training run with the
    ``train`` command's defaults, loaded when finished, trained otherwise) or a
    saved ``.keras`` file. ``--json`` prints one object:

    * ``model`` (str): MODEL as given; ``source`` (str): the ``.keras`` file scored;
    * ``dataset`` (str): the data's caption, tagged for the synthetic demo set;
      ``synthetic`` (bool); ``profile`` (str); ``split`` ("validation" or "test");
    * ``tta`` (bool): probabilities averaged over 7 views per face;
    * ``images`` (int): faces scored;
    * ``accuracy``, ``macro_f1`` (float) with ``accuracy_ci``, ``macro_f1_ci``
      ([low, high]): 95% percentile bootstrap, 1000 resamples, seed 0;
    * ``weighted_f1`` (float); ``nll`` (float): mean cross-entropy;
      ``ece`` (float): expected calibration error over 15 bins;
    * ``labels`` (list of 7 str): emotion order of ``per_class`` and the matrix;
    * ``per_class``: {emotion: {``precision``, ``recall``, ``f1`` (float),
      ``support``, ``predicted`` (int)}}; precision is 0 where ``predicted`` is 0;
    * ``confusion_matrix`` (7 lists of 7 int): rows true, columns predicted.
    """
    from .evaluation import (
        HUMAN_ACCURACY, HUMAN_ACCURACY_SPREAD, confusion_matrix, metrics_summary, per_class_scores,
        predict_probabilities,
    )
    from .profiles import active_profile

    profile = active_profile(args.profile)
    dataset = profile.sample(load_dataset(args.data))
    images, labels = dataset.arrays(args.split)
    if not len(labels):
        raise ValueError(f"{dataset.caption} has no {args.split} images")
    model, source = _model_to_evaluate(args.model, dataset, profile, verbose=0 if args.json else None)
    probabilities = predict_probabilities(model, images, tta=args.tta)
    summary = {
        "model": args.model, "source": str(source), "dataset": dataset.caption, "synthetic": dataset.synthetic,
        "profile": profile.name, "split": args.split, "tta": args.tta, **metrics_summary(labels, probabilities),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    predicted = probabilities.argmax(axis=1)
    low, high = summary["accuracy_ci"]
    f1_low, f1_high = summary["macro_f1_ci"]
    print(f"{args.model} ({source}) on {dataset.caption}, profile {profile.name}")
    print(f"{args.split}: {len(labels):,} faces{', test-time augmentation' if args.tta else ''}")
    print(f"accuracy: {summary['accuracy']:.4f} (95% CI {low:.4f}-{high:.4f}); "
          f"humans: {HUMAN_ACCURACY:.0%} ± {HUMAN_ACCURACY_SPREAD:.0%}")
    print(f"macro F1: {summary['macro_f1']:.4f} (95% CI {f1_low:.4f}-{f1_high:.4f})")
    print(f"NLL: {summary['nll']:.4f}, ECE: {summary['ece']:.4f}\n")
    print(per_class_scores(labels, predicted).round(3).to_string())
    print("\nconfusion matrix (rows true, columns predicted):")
    print(confusion_matrix(labels, predicted).to_string())
    return 0


def _model_to_evaluate(model: str, dataset, profile, verbose: int | None):
    """The network ``evaluate`` scores and the ``.keras`` file it comes from."""
    from .models import MODELS

    if model in MODELS:
        from .training import train as train_model

        run = train_model(model, dataset, profile=profile, verbose=verbose)
        return run.model, run.directory / "model.keras"
    path = Path(model)
    if path.suffix != ".keras":
        raise ValueError(f"{model!r} is neither a network name ({', '.join(MODELS)}) nor a .keras file")
    if not path.is_file():
        raise FileNotFoundError(f"no model file {path}")
    import keras

    return keras.models.load_model(path), path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fer-utils", description="Facial expression recognition report helpers."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    info_parser = commands.add_parser("info", help="dataset found, counts per split and class")
    info_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    info_parser.add_argument("--json", action="store_true", help="machine-readable output")
    info_parser.set_defaults(run=info)

    report_parser = commands.add_parser("report", help="run every notebook, then build the PDF and HTML book")
    report_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    report_parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE)")
    report_parser.add_argument("--export-only", action="store_true",
                               help="only rebuild the book from report/build/notebooks/ (no execution)")
    report_parser.add_argument("--hide-code", action="store_true", help="leave the code cells' input out")
    report_parser.add_argument("--name", default=BOOK_NAME, help=f"file name of the book (default {BOOK_NAME})")
    report_parser.set_defaults(run=report)

    models_parser = commands.add_parser("models", help="networks that train accepts, with parameter counts")
    models_parser.add_argument("--json", action="store_true", help="machine-readable output")
    models_parser.set_defaults(run=models)

    train_parser = commands.add_parser("train", help="train a network (resumes an interrupted run)")
    train_parser.add_argument("model", help="a name listed by the models command")
    train_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    train_parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE)")
    train_parser.add_argument("--epochs", type=int, help="most epochs (default: the profile's)")
    train_parser.add_argument("--batch-size", type=int, help="images per replica and step (default 64)")
    train_parser.add_argument("--seed", type=int, default=0, help="seed of data order, augmentation and weights")
    train_parser.add_argument("--verbose", type=int, choices=(0, 1, 2), help="Keras verbosity (default: bar in a terminal)")
    train_parser.set_defaults(run=train)

    evaluate_parser = commands.add_parser("evaluate", help="score a network: accuracy, F1, calibration, confusions")
    evaluate_parser.add_argument("model", help="a name listed by the models command, or a .keras file")
    evaluate_parser.add_argument("--split", choices=("validation", "test"), default="test",
                                 help="PublicTest (validation) or PrivateTest (test, the default)")
    evaluate_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    evaluate_parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE)")
    evaluate_parser.add_argument("--tta", action="store_true", help="average over flipped and cropped views")
    evaluate_parser.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate_parser.set_defaults(run=evaluate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (FileNotFoundError, ValueError) as error:  # bad data or arguments: no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
