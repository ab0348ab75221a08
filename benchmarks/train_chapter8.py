"""Train every network of chapter 8, one after another, for the notebook to load.

    nohup nice .venv/bin/python benchmarks/train_chapter8.py --data /path/to/fer2013 \
        > artifacts/logs/chapter8-default.out 2>&1 &
    tail -f artifacts/logs/chapter8-default.log

Trains (or resumes, or loads) each network of ``fer_utils.studies.architectures.networks_for``
with its chapter-8 budget in the chosen profile (``default`` unless ``--profile``
or ``$FER_PROFILE`` says otherwise), through the training engine, so every run
lands in the engine's cache under exactly the key that
``notebooks/08_architectures.ipynb`` asks for, and scores it once
(``architectures.score_network``). Killed at any point, it continues where it
stopped when started again with the same arguments: finished networks are
loaded, an interrupted one resumes after its last finished epoch.

Everything printed (the plan, Keras' line per epoch, each network's scores and,
at the end, the chapter's table, ensembles and findings) also goes to
``artifacts/logs/chapter8-<profile>.log`` (``--log`` moves it; the file is
appended to). ``--dry-run`` prints the plan and its estimated time and trains
nothing (it still loads the data, to see which runs are finished). oneDNN is switched on as ``fer-utils train`` does
(:func:`fer_utils.prefer_onednn`).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

from fer_utils.config import prefer_onednn


class Tee:
    """Writes to the terminal (if any) and to a log file, flushing every write."""

    def __init__(self, stream, log):
        self.stream, self.log = stream, log

    def write(self, text):
        for target in (self.stream, self.log):
            try:
                target.write(text)
                target.flush()
            except (OSError, ValueError):  # a closed terminal under nohup
                pass
        return len(text)

    def flush(self):
        for target in (self.stream, self.log):
            try:
                target.flush()
            except (OSError, ValueError):
                pass

    def isatty(self):
        return False  # Keras then prints one line per epoch instead of a progress bar


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE, else default)")
    parser.add_argument("--data", help="fer2013.csv or a dataset folder (default: $FER_DATA, then data/)")
    parser.add_argument("--networks", nargs="*", help="only these networks (default: all of the profile's)")
    parser.add_argument("--log", type=Path, help="log file (default: artifacts/logs/chapter8-<profile>.log)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and its estimated time only")
    args = parser.parse_args()

    prefer_onednn()  # before TensorFlow is imported
    from fer_utils.studies import architectures
    from fer_utils.config import artifacts_dir
    from fer_utils.config import active_profile

    profile = active_profile(args.profile)
    networks = tuple(args.networks or architectures.networks_for(profile))
    log_path = args.log or artifacts_dir() / "logs" / f"chapter8-{profile.name}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("a", encoding="utf-8")
    sys.stdout = Tee(sys.__stdout__, log_file)
    sys.stderr = Tee(sys.__stderr__, log_file)

    def log(line: str) -> None:
        print(f"[{datetime.now():%Y-%m-%d %H:%M:%S}] {line}", flush=True)

    from fer_utils.data.discovery import load_dataset

    dataset = load_dataset(args.data, profile).sample_per_split(profile.images_per_split)
    trained = [name for name in networks if architectures.is_trained(name, dataset, profile)]
    budgets = architectures.budget_table(profile, networks, trained=trained)
    budgets["trained already"] = [name in trained for name in budgets.index]
    log(f"chapter 8, profile {profile.name}: {len(networks)} networks; data: {dataset.caption}, "
        f"{len(dataset):,} images; log {log_path}")
    print(budgets.to_string(float_format=lambda value: f"{value:.1f}"), flush=True)
    log(f"estimated at most {budgets.attrs['remaining minutes'] / 60:.1f} hours of training on the 2-core CPU "
        f"for the {len(networks) - len(trained)} networks not trained yet (all {len(networks)}: "
        f"{budgets.attrs['total minutes'] / 60:.1f} hours; early stopping can end runs sooner)")
    if args.dry_run:
        return 0

    import warnings
    if architectures.transfer_weights() is None:
        log("resnet_transfer: no ImageNet weights file found, so it trains from scratch (not transfer learning)")
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the transfer model's missing-weights warning, logged above
        scores = architectures.train_and_score(dataset, profile, networks, verbose=2, log=log)
    log(f"all {len(scores)} networks done in {(time.perf_counter() - started) / 3600:.2f} hours")

    import pandas as pd

    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 60):
        table = architectures.comparison_table(scores)
        print(table.to_string(float_format=lambda value: f"{value:.3f}"), flush=True)
        ensemble, _ = architectures.ensemble_comparison(scores, dataset)
        print(ensemble.to_string(float_format=lambda value: f"{value:.3f}"), flush=True)
        for line in architectures.findings(table, dataset, ensemble):
            print("*", line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
