"""Ensembles of full-length recipe runs: the shipped reference model (``cpu_2h``, seed 0) and more seeds.

    nohup nice .venv/bin/fer-utils train --recipe cpu_2h --profile default --epochs 50 --seed 1 \
        --data /path/to/fer2013 > artifacts/logs/cpu_2h-seed1.log 2>&1 &     # first, or let this script train it
    .venv/bin/python benchmarks/recipe_ensemble.py --recipe cpu_2h --seeds 1 2 --data /path/to/fer2013

The ensemble goal of ``docs/recipes.md`` asks for members of the reference
model's strength: the shipped ablation's 20-epoch small networks added nothing
to it. This script trains (or resumes, or loads: each seed is an ordinary run of
the engine, the same run ``fer-utils train --recipe ... --seed N`` makes) the
recipe once per seed in ``--seeds``, then combines those runs and the shipped
reference model, every member predicting with test-time augmentation, by
``fer_utils.studies.recipes.seed_ensemble``: each network alone, the soft vote,
the majority vote and the weighted average (weights fitted on PublicTest), with
95% bootstrap intervals on PrivateTest. It prints the table, the single network
and the ensemble the protocol chooses (on PublicTest), and the training hours
they cost (the card's and each run's own log). Not a test: on the synthetic demo
set (no data found) the numbers mean nothing.
"""

from __future__ import annotations

import argparse
import sys

from fer_utils.config import prefer_onednn

REFERENCE = "reference model (seed 0)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="cpu_2h", help="the reference model's recipe (default cpu_2h)")
    parser.add_argument("--seeds", type=int, nargs="+", required=True, help="seeds of the further runs, e.g. 1 2")
    parser.add_argument("--epochs", type=int, help="epochs of every run (default: the recipe's)")
    parser.add_argument("--data", help="fer2013.csv or a dataset folder (default: $FER_DATA, then data/)")
    parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE, else default)")
    args = parser.parse_args(argv)

    prefer_onednn()  # before TensorFlow is imported
    from fer_utils.config import active_profile
    from fer_utils.data.discovery import load_dataset
    from fer_utils.faces import reference
    from fer_utils.studies import recipes

    recipe = recipes.get_recipe(args.recipe)
    profile = active_profile(args.profile)
    dataset = load_dataset(args.data).sample_per_split(profile.images_per_split)
    print(f"data: {dataset.caption}", flush=True)
    card = reference.card()
    members, hours = {REFERENCE: reference.load_model()}, {REFERENCE: card["training_seconds"] / 3600}
    for seed in args.seeds:
        run = recipes.train_recipe(recipe, dataset, profile, verbose=2, epochs=args.epochs or recipe.epochs,
                                   seed=seed)
        name = f"{recipe.name}, seed {seed}"
        members[name], hours[name] = run, float(run.history["seconds"].sum() / 3600)
        print(f"{name}: {run.directory}, kept epoch {run.best_epoch}, {hours[name]:.2f} h", flush=True)

    ensembles, _ = recipes.seed_ensemble(members, dataset, tta=True, intervals=True)
    print(f"\nevery member with test-time augmentation; {sum(hours.values()):.2f} hours of training in all "
          f"({', '.join(f'{name} {value:.2f}' for name, value in hours.items())}):")
    print(ensembles.to_string(float_format=lambda v: f"{v:.3f}"))
    single, ensemble = recipes.chosen_on_publictest(ensembles, members)
    for what, name in (("single network", single), ("ensemble", ensemble)):
        row = ensembles.loc[name]
        print(f"chosen on PublicTest, {what}: {name}: PublicTest {row['PublicTest accuracy']:.1%}, "
              f"PrivateTest {row['PrivateTest accuracy']:.1%} "
              f"({row['PrivateTest low']:.1%}-{row['PrivateTest high']:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
