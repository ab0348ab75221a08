"""Check the reference model's card: load the shipped weights with plain Keras and re-measure them.

    FER_DATA=/path/to/fer2013 .venv/bin/python benchmarks/reference_accuracy.py [--model FILE.keras]

Loads ``fer_utils/faces/reference/model.keras`` (or ``--model``) with nothing but
``keras.models.load_model`` in safe mode, before anything of ``fer_utils`` is
imported, so it proves that the file needs no package code. Then reads
FER-2013 (through ``fer_utils``' loader, with its cache), feeds the model the
raw 0-255 PrivateTest and PublicTest faces, computes accuracy and macro-F1
with scikit-learn (not with the package's metrics), and prints them beside
the numbers of ``card.json``. About a minute on the 2-core CPU. Exits with 1
when a measured accuracy differs from the card's by more than half a point.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "fer_utils" / "faces" / "reference"
TOLERANCE = 0.005


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=FOLDER / "model.keras", help="the .keras file to check")
    parser.add_argument("--card", type=Path, help="its card.json (default: the one beside the model)")
    parser.add_argument("--data", help="FER-2013 (default: $FER_DATA, then data/)")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    import keras
    import numpy as np

    model = keras.models.load_model(args.model, safe_mode=True, compile=False)
    if any(name.startswith("fer_utils") for name in sys.modules):
        raise RuntimeError("fer_utils was imported before the model was loaded; the check would prove nothing")
    print(f"{args.model}: loaded with plain keras.models.load_model (safe mode), input {model.input_shape}, "
          f"{model.count_params():,} weights")

    from sklearn.metrics import accuracy_score, f1_score

    from fer_utils.data.dataset import SPLIT_TO_USAGE
    from fer_utils.data.discovery import load_dataset

    dataset = load_dataset(args.data)
    if dataset.synthetic:
        print("error: no FER-2013 found (set FER_DATA or pass --data); the card was measured on the real data",
              file=sys.stderr)
        return 2
    card = json.loads((args.card or args.model.with_name("card.json")).read_text())
    rows, failed = [], False
    for split in ("test", "validation"):
        images, labels = dataset.arrays(split)
        probabilities = model.predict(images[..., None].astype(np.float32), batch_size=256, verbose=0)
        predicted = probabilities.argmax(axis=1)
        measured = {"accuracy": accuracy_score(labels, predicted),
                    "macro_f1": f1_score(labels, predicted, average="macro", zero_division=0)}
        usage = SPLIT_TO_USAGE[split]
        claimed = card["scores"][usage]
        for metric in ("accuracy", "macro_f1"):
            rows.append((usage, metric, len(labels), claimed[metric], measured[metric]))
        failed |= abs(measured["accuracy"] - claimed["accuracy"]) > TOLERANCE
    print(f"data: {dataset.caption}; card: {card['model']}, {card['parameters']:,} parameters, "
          f"run {card['run']}, trained {card['trained']}\n")
    print(f"{'split':<12} {'metric':<9} {'faces':>6} {'card':>7} {'measured':>9} {'diff':>8}")
    for usage, metric, count, claimed, measured in rows:
        print(f"{usage:<12} {metric:<9} {count:>6,} {claimed:>7.4f} {measured:>9.4f} {measured - claimed:>+8.4f}")
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    if failed:
        print(f"error: a measured accuracy differs from the card's by more than {TOLERANCE:.1%}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
