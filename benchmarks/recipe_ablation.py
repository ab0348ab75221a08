"""Ablation of a training recipe: the recipe in full, and once without each ingredient, at the same budget.

    nohup nice .venv/bin/python benchmarks/recipe_ablation.py --recipe cpu_2h --data /path/to/fer2013 \
        --profile default --epochs 3 > artifacts/logs/ablation-cpu_2h.out 2>&1 &
    .venv/bin/python benchmarks/recipe_ablation.py --recipe cpu_2h --dry-run     # the runs and their cost

Trains (or resumes, or loads: every run is an ordinary run of the training
engine, cached under its settings) the variants of
``fer_utils.studies.recipes.ablation_variants``: the full recipe, ``- X`` for each
ingredient X the recipe uses (or those named with ``--ingredients``) and
``+ mixup`` when it has none, all with the same epochs (``--epochs``, default
the recipe's). Then prints one row per variant: PublicTest and PrivateTest
accuracy of the kept epoch and the difference to the full recipe in
percentage points, a last row scoring the full recipe with test-time
augmentation, which ingredients helped or hurt beyond the 95% interval of one
accuracy (``fer_utils.studies.recipes.ablation_findings``), and how good the full
recipe's run was after 15, 30, 60 and 120 minutes of training
(``fer_utils.studies.recipes.time_curve``).

The dry run prints the cost from the recipe's ``epoch_seconds``: ``cpu_2h`` at its
own 50 epochs is about 1.5 hours a run on a CPU with bfloat16 arithmetic (AMX), so
an ablation of four ingredients, five runs, takes most of a day; ``--epochs 3``
is chapter 10's budget in the default profile (its ``recipe_epochs``), so the
chapter loads those runs, every variant judged alike but none finished.
Not a test: on the synthetic demo set (no data found) the numbers mean nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fer_utils.config import prefer_onednn


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="cpu_2h", help="a name in fer_utils.studies.recipes.RECIPES (default cpu_2h)")
    parser.add_argument("--data", help="fer2013.csv or a dataset folder (default: $FER_DATA, then data/)")
    parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE, else default)")
    parser.add_argument("--epochs", type=int, help="epochs of every run (default: the recipe's)")
    parser.add_argument("--ingredients", nargs="*", help="only remove these (default: every one the recipe uses)")
    parser.add_argument("--no-tta", action="store_true", help="leave out the test-time augmentation row")
    parser.add_argument("--csv", type=Path, help="also write the table here")
    parser.add_argument("--dry-run", action="store_true", help="list the runs and their estimated time only")
    args = parser.parse_args(argv)

    prefer_onednn()  # before TensorFlow is imported
    from fer_utils.studies import recipes
    from fer_utils.data.discovery import load_dataset
    from fer_utils.config import active_profile

    recipe = recipes.get_recipe(args.recipe)
    profile = active_profile(args.profile)
    variants = recipes.ablation_variants(recipe, profile, epochs=args.epochs, ingredients=args.ingredients)
    epochs = variants[recipes.FULL]["epochs"]
    print(f"recipe {recipe.name}: {recipe.description}")
    print(f"profile {profile.name}, {len(variants)} runs of {epochs} epochs: {', '.join(variants)}")
    if recipe.epoch_seconds:
        hours = len(variants) * epochs * recipe.epoch_seconds / 3600
        print(f"estimated {hours:.1f} h at {recipe.epoch_seconds:.0f} s per epoch of all of FER-2013 "
              f"(finished runs load in seconds)")
    if args.dry_run:
        return 0

    dataset = load_dataset(args.data).sample_per_split(profile.images_per_split)
    print(f"data: {dataset.caption}", flush=True)
    table = recipes.ablation(recipe, dataset, profile, epochs=args.epochs, ingredients=args.ingredients,
                             tta=not args.no_tta, verbose=2, log=lambda line: print(line, flush=True))
    print("\nablation (accuracy of the kept epoch; changes: the row minus the full recipe, in percentage points):")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    for line in recipes.ablation_findings(table, dataset):
        print("*", line)
    print("\ntraining minutes per run:", ", ".join(f"{k} {v:.0f}" for k, v in table.attrs["minutes"].items()))
    full = recipes.train_recipe(recipe, dataset, profile, epochs=epochs)
    print("\nthe full recipe after 15, 30, 60 and 120 minutes of training (from its per-epoch wall time):")
    print(recipes.time_curve(full.history).to_string(float_format=lambda v: f"{v:.3f}"))
    if args.csv:
        table.to_csv(args.csv)
        print(f"\nwritten {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
