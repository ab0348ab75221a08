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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (FileNotFoundError, ValueError) as error:  # bad data or arguments: no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
