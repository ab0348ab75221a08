"""Benchmark: how fast the full FER-2013 loads, from folders and from fer2013.csv.

    FER_DATA=/path/to/fer2013 .venv/bin/python benchmarks/loading.py

Measures, on the real image folders named by ``$FER_DATA`` (or ``--data``):
the folder loader without and with its on-disk cache; a full-size
``fer2013.csv`` written from those images into a temporary folder; the CSV
parser without and with the cache; and, as baselines, the obvious approaches
(a serial image loop, a pandas row-by-row parse). Prints seconds (median of
``--repeat`` runs) and images per second. Not a test: timings vary by machine.
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from fer_utils.data.loaders import load_fer_csv, load_image_folder, write_fer_csv


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def serial_folder_baseline(root: Path) -> np.ndarray:
    """One cv2.imread after another, as a first attempt would do it."""
    files = sorted(glob.glob(str(root / "*" / "*" / "*.jpg")))
    return np.stack([cv2.imread(f, cv2.IMREAD_GRAYSCALE) for f in files])


def pandas_rowwise_baseline(csv: Path) -> np.ndarray:
    """The parse found in most FER-2013 tutorials: split every row's string in Python."""
    table = pd.read_csv(csv)
    return np.stack(
        table["pixels"].apply(lambda row: np.array(row.split(), dtype=np.uint8).reshape(48, 48))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("FER_DATA"), help="FER-2013 image folders")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.data:
        parser.error("give --data or set FER_DATA to the FER-2013 image folders")
    root = Path(args.data)
    rows = []

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["FER_CACHE_DIR"] = str(Path(scratch) / "cache")
        seconds, dataset = timed(lambda: load_image_folder(root, use_cache=False), args.repeat)
        n = len(dataset)
        rows.append(("folders: load_image_folder, no cache", seconds))
        load_image_folder(root)  # fill the cache
        rows.append(("folders: load_image_folder, from cache", timed(lambda: load_image_folder(root), args.repeat)[0]))
        rows.append(("folders: baseline serial cv2.imread loop", timed(lambda: serial_folder_baseline(root), 1)[0]))

        csv = Path(scratch) / "fer2013.csv"
        seconds, _ = timed(lambda: write_fer_csv(dataset, csv), 1)
        print(f"wrote {csv.name}: {csv.stat().st_size / 1e6:.0f} MB, {n:,} rows in {seconds:.1f} s")
        seconds, parsed = timed(lambda: load_fer_csv(csv, use_cache=False), args.repeat)
        assert np.array_equal(parsed.images, dataset.images), "CSV round trip changed the images"
        rows.append(("csv: load_fer_csv, no cache", seconds))
        load_fer_csv(csv)
        rows.append(("csv: load_fer_csv, from cache", timed(lambda: load_fer_csv(csv), args.repeat)[0]))
        seconds, baseline = timed(lambda: pandas_rowwise_baseline(csv), 1)
        assert np.array_equal(baseline, dataset.images)
        rows.append(("csv: baseline pandas row-by-row split", seconds))

    print(f"\n{n:,} images, {os.cpu_count()} CPU cores, median of {args.repeat} runs (baselines: 1 run)\n")
    print(f"{'what':45s} {'seconds':>8s} {'images/s':>10s}")
    for name, seconds in rows:
        print(f"{name:45s} {seconds:8.2f} {n / seconds:10,.0f}")


if __name__ == "__main__":
    main()
