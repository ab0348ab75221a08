"""``python -m fer_utils.reference RUN_FOLDER [--data PATH]``: publish a training run as the shipped reference model."""

import argparse
import sys

from . import FOLDER, card_markdown, publish


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fer_utils.reference",
        description="Score a finished training run and ship it as the package's reference model.",
    )
    parser.add_argument("run", help="the run's folder, artifacts/run-<model>-<key>")
    parser.add_argument("--data", help="the dataset it was trained on (default: $FER_DATA, data/)")
    parser.add_argument("--to", default=FOLDER, help=f"where to write model.keras and the card (default {FOLDER})")
    args = parser.parse_args(argv)
    try:
        record = publish(args.run, data=args.data, folder=args.to)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"published {record['run']} to {args.to} ({record['file_bytes'] / 1e6:.1f} MB)\n")
    print(card_markdown(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
