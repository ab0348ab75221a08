"""Benchmark: how fast a training recipe trains on this machine, and what an epoch of FER-2013 costs.

    nice .venv/bin/python benchmarks/recipe_speed.py [--recipe cpu_2h] [--steps 20] [--bfloat16]

Builds and compiles the recipe's network as the training engine does (its
optimiser, schedule, loss and precision; oneDNN on as ``fer-utils train`` sets
it) and times ``--steps`` optimiser steps of its batch size on random 48x48
faces (the content of the faces does not change the arithmetic), after a
3-step warm-up, fed by the plain input pipeline and by the recipe's own
(augmentation, soft targets, mixup), whose work shares the same cores; each
twice, alternating, and the better of the two is kept.
Then it times a prediction of 3,589 faces (one validation pass) and prints the
seconds one epoch of FER-2013 would take: 28,709 training faces in full
batches through the recipe's pipeline, plus the validation pass. That is the
measurement behind a recipe's ``epoch_seconds`` and its epochs.
``--bfloat16`` repeats the network timing under mixed bfloat16 (a recipe whose
precision is ``auto`` is first timed under the one the engine picks here). Not a test:
timings vary with the machine and whatever else runs on it.
"""

from __future__ import annotations

import argparse

from fer_utils.config import prefer_onednn

TRAIN_IMAGES = 28_709
VALIDATION_IMAGES = 3_589


def measure(recipe, steps: int, precision: str | None = None, seed: int = 0) -> dict:
    import keras
    import numpy as np

    from fer_utils.studies.architectures import inference_images_per_second
    from fer_utils.augment.pipeline import training_pipeline
    from fer_utils.engine.speed import AUTO, faster_precision, training_images_per_second
    from fer_utils.engine.training import TrainingConfig, compiled_model

    settings = recipe.training_settings()
    if precision:
        settings["precision"] = precision
    elif settings.get("precision") == AUTO:  # what the engine would train it under here
        settings["precision"] = faster_precision(recipe.model, settings.get("model_options"), settings["batch_size"])[0]
    config = TrainingConfig(model=recipe.model, **settings)
    batch = config.batch_size
    rng = np.random.default_rng(seed)
    faces = rng.integers(0, 256, size=(batch * (steps + 3), 48, 48), dtype=np.uint8)
    labels = rng.integers(0, 7, size=len(faces))
    keras.utils.set_random_seed(seed)
    model = compiled_model(config, steps_per_epoch=TRAIN_IMAGES // batch)
    plain_model = compiled_model(TrainingConfig(model=recipe.model, **{**settings, "label_smoothing": 0.0,
                                                                       "mixup": 0.0}),
                                 steps_per_epoch=TRAIN_IMAGES // batch)
    plain = training_pipeline(faces, labels, batch_size=batch, seed=seed, epochs=1000)
    full = training_pipeline(faces, labels, batch_size=batch, seed=seed, epochs=1000, augmentation=config.augmentation,
                             label_smoothing=config.label_smoothing, mixup=config.mixup)
    network = with_pipeline = 0.0
    for _ in range(2):  # alternated, the better of two: other work on the machine comes and goes
        network = max(network, training_images_per_second(plain_model, plain, steps, batch))
        with_pipeline = max(with_pipeline, training_images_per_second(model, full, steps, batch))
    held_out = rng.integers(0, 256, size=(VALIDATION_IMAGES, 48, 48), dtype=np.uint8)
    predict_seconds = VALIDATION_IMAGES / inference_images_per_second(model, held_out)
    return {
        "recipe": recipe.name, "network": recipe.model, "precision": config.precision,
        "parameters": model.count_params(), "train_images_per_s": network,
        "train_images_per_s_recipe_pipeline": with_pipeline,
        "epoch_seconds": TRAIN_IMAGES // batch * batch / with_pipeline + predict_seconds,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default="cpu_2h", help="a name in fer_utils.studies.recipes.RECIPES (default cpu_2h)")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps (default 20)")
    parser.add_argument("--bfloat16", action="store_true", help="also time the network under mixed bfloat16")
    args = parser.parse_args(argv)
    prefer_onednn()  # before TensorFlow is imported
    from fer_utils.studies.recipes import get_recipe

    recipe = get_recipe(args.recipe)
    for precision in [None, "mixed_bfloat16"] if args.bfloat16 else [None]:
        row = measure(recipe, args.steps, precision)
        print(f"{row['recipe']}: {row['network']} ({row['parameters']:,} parameters, {row['precision']}): "
              f"train {row['train_images_per_s']:.1f} img/s, {row['train_images_per_s_recipe_pipeline']:.1f} img/s "
              f"with the recipe's pipeline; an epoch of FER-2013 with validation: {row['epoch_seconds']:.0f} s; "
              f"{recipe.epochs} epochs: {recipe.epochs * row['epoch_seconds'] / 3600:.2f} h", flush=True)


if __name__ == "__main__":
    main()
