"""Ablation of a training recipe: the recipe in full, and once without each ingredient, at the same budget.

    nohup nice .venv/bin/python benchmarks/recipe_ablation.py --recipe cpu_2h --data /path/to/fer2013 \
        --profile default --epochs 3 > artifacts/logs/ablation-cpu_2h.out 2>&1 &
    .venv/bin/python benchmarks/recipe_ablation.py --recipe cpu_2h --dry-run     # the runs and their cost

The shipped result chapter 10 reads (``fer_utils.studies.results``), the small
recipe at 20 epochs a run, half its own 40 (``docs/recipes.md`` compares the two)::

    nohup nice .venv/bin/python benchmarks/recipe_ablation.py --recipe cpu_small --profile default --epochs 20 \
        --ingredients "all augmentation" distillation "schedule (constant rate)" --additions "label smoothing" \
        --data /path/to/fer2013 --result fer_utils/studies/results/ablation-cpu_small-20.json \
        > fer_utils/studies/results/ablation-cpu_small-20.log 2>&1 &

Trains (or resumes, or loads: every run is an ordinary run of the training
engine, cached under its settings) the variants of
``fer_utils.studies.recipes.ablation_variants``: the full recipe, ``- X`` for each
ingredient X the recipe uses (or those named with ``--ingredients``) and
``+ X`` for each of ``--additions`` it lacks (default mixup), all with the same epochs (``--epochs``, default
the recipe's). Then prints one row per variant: PublicTest and PrivateTest
accuracy of the kept epoch and the difference to the full recipe in
percentage points, a last row scoring the full recipe with test-time
augmentation, which ingredients helped or hurt beyond the 95% interval of one
accuracy (``fer_utils.studies.recipes.ablation_findings``), and how good the full
recipe's run was after 15, 30, 60 and 120 minutes of training
(``fer_utils.studies.recipes.time_curve``). With ``--result`` it then combines
the ablation's networks and the shipped reference model into ensembles, every
member with test-time augmentation, and writes both tables, with the command,
machine, data digest and every run's history, as one JSON file.

The dry run prints the cost from the recipe's ``epoch_seconds``: ``cpu_2h`` at its
own 50 epochs is about 1.5 hours a run on a CPU with bfloat16 arithmetic (AMX), so
an ablation of four ingredients, five runs, takes most of a day; ``--epochs 3``
is chapter 10's budget in the default profile (its ``recipe_epochs``), so the
chapter loads those runs, every variant judged alike but none finished.
Not a test: on the synthetic demo set (no data found) the numbers mean nothing.
"""

from __future__ import annotations

import argparse
import shlex
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
    parser.add_argument("--additions", nargs="*", default=["mixup"],
                        help="ingredients the recipe lacks, tried added (default: mixup)")
    parser.add_argument("--no-tta", action="store_true", help="leave out the test-time augmentation row")
    parser.add_argument("--csv", type=Path, help="also write the table here")
    parser.add_argument("--result", type=Path,
                        help="also combine the ablation's networks and the shipped reference model into ensembles "
                             "(with TTA) and write both as a shipped result (fer_utils.studies.results), e.g. "
                             "fer_utils/studies/results/ablation-cpu_small-20.json")
    parser.add_argument("--dry-run", action="store_true", help="list the runs and their estimated time only")
    args = parser.parse_args(argv)

    prefer_onednn()  # before TensorFlow is imported
    from fer_utils.studies import recipes
    from fer_utils.data.discovery import load_dataset
    from fer_utils.config import active_profile

    recipe = recipes.get_recipe(args.recipe)
    profile = active_profile(args.profile)
    variants = recipes.ablation_variants(recipe, profile, epochs=args.epochs, ingredients=args.ingredients,
                                        additions=args.additions)
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
    runs = recipes.ablation_runs(recipe, dataset, profile, epochs=args.epochs, ingredients=args.ingredients,
                                 additions=args.additions, verbose=2, log=lambda line: print(line, flush=True))
    table = recipes.score_ablation(runs, dataset, tta=not args.no_tta)
    print("\nablation (accuracy of the kept epoch; changes: the row minus the full recipe, in percentage points):")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    for line in recipes.ablation_findings(table, dataset):
        print("*", line)
    print("\ntraining minutes per run:", ", ".join(f"{k} {v:.0f}" for k, v in table.attrs["minutes"].items()))
    print("\nthe full recipe after 15, 30, 60 and 120 minutes of training (from its per-epoch wall time):")
    print(recipes.time_curve(runs[recipes.FULL].history).to_string(float_format=lambda v: f"{v:.3f}"))
    if args.csv:
        table.to_csv(args.csv)
        print(f"\nwritten {args.csv}")
    if args.result:
        write_result(args, recipe, profile, dataset, runs, table)
    return 0


def write_result(args, recipe, profile, dataset, runs, table) -> None:
    """The ablation's networks and the shipped reference model as ensembles (every member
    with test-time augmentation), then both tables as a shipped result."""
    from fer_utils.faces import reference
    from fer_utils.studies import recipes, results

    card = reference.card()
    members = {"reference model (cpu_2h)": reference.load_model(), **{f"ablation: {k}": v for k, v in runs.items()}}
    minutes = {"reference model (cpu_2h)": card["training_seconds"] / 60,
               **{f"ablation: {k}": float(v.history["seconds"].sum() / 60) for k, v in runs.items()}}
    ensembles, _ = recipes.seed_ensemble(members, dataset, tta=True, intervals=True)
    print(f"\nensembles of the ablation's networks and the shipped reference model, every member with TTA "
          f"({sum(minutes.values()) / 60:.2f} hours of training in all):")
    print(ensembles.to_string(float_format=lambda v: f"{v:.3f}"))
    epochs = runs[recipes.FULL].config.epochs
    command = shlex.join(["python", "benchmarks/recipe_ablation.py", "--recipe", recipe.name, "--profile",
                          profile.name, "--epochs", str(epochs),
                          *(["--ingredients", *args.ingredients] if args.ingredients is not None else []),
                          "--additions", *args.additions, "--data", "/path/to/fer2013", "--result", str(args.result)])
    path = results.write_ablation(args.result, recipe.name, epochs, table, runs, dataset, ensembles, minutes,
                                  command, runs[recipes.FULL].config.precision)
    print(f"\nwritten {path}")


if __name__ == "__main__":
    sys.exit(main())
