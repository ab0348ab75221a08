"""The command line: ``python -m fer_utils`` or the installed ``fer-utils`` script."""

from __future__ import annotations

import argparse
import json
import sys

from .dataset import SPLITS
from .discovery import find_data, load_dataset
from .labels import DISPLAY_NAMES


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
    """Execute every notebook in order (the PDF/HTML export builds on this)."""
    from .report import run_notebooks

    results = run_notebooks(profile=args.profile, data=args.data)
    print(f"executed {len(results)} notebooks in {sum(t for _, t in results):.0f} s")
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
    """Train (or resume, or load) a network on the profile's share of the data; print its scores."""
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fer-utils", description="Facial expression recognition report helpers."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    info_parser = commands.add_parser("info", help="dataset found, counts per split and class")
    info_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    info_parser.add_argument("--json", action="store_true", help="machine-readable output")
    info_parser.set_defaults(run=info)

    report_parser = commands.add_parser("report", help="execute every notebook in order")
    report_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    report_parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE)")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (FileNotFoundError, ValueError) as error:  # bad data or arguments: no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
