"""Benchmark: what one training epoch of each network of chapter 8 costs on this machine.

    .venv/bin/python benchmarks/network_speed.py [--steps N] [--networks NAME ...] [--json]

For every network (by default chapter 8's, all eight LC2FER configurations
included) it builds and compiles the network as the training engine does
(Adam, batch 64, float32, oneDNN on as ``fer-utils train`` sets it), times
``--steps`` optimiser steps on random 48x48 faces (the content of the faces does
not change the arithmetic) after a 3-step warm-up, and times a prediction of
3,589 faces (one validation pass over PublicTest). From these it prints the
seconds one epoch of the engine would take on FER-2013: 448 training batches
of 64 plus the validation pass. Inference speed is printed too.

These are the measurements behind ``fer_utils.studies.architectures.EPOCH_SECONDS``, from
which the default profile's per-network budgets are derived. The
``baseline_cnn`` row doubles as a control: its epoch time is also known from
chapter 5's engine run. Not a test: timings vary by machine and load.
"""

from __future__ import annotations

import argparse
import json

from fer_utils.config import prefer_onednn

TRAIN_IMAGES = 28_709
VALIDATION_IMAGES = 3_589
BATCH = 64


def measure(name: str, steps: int, seed: int = 0) -> dict:
    import keras
    import numpy as np
    import warnings

    from fer_utils.studies.architectures import inference_images_per_second
    from fer_utils.augment.pipeline import training_pipeline
    from fer_utils.engine.speed import training_images_per_second
    from fer_utils.engine.training import TrainingConfig, compiled_model

    rng = np.random.default_rng(seed)
    faces = rng.integers(0, 256, size=(BATCH * (steps + 3), 48, 48), dtype=np.uint8)
    labels = rng.integers(0, 7, size=len(faces))
    keras.utils.set_random_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the transfer model's "no weights" warning
        model = compiled_model(TrainingConfig(model=name))
    batches = training_pipeline(faces, labels, batch_size=BATCH, seed=seed, epochs=1000)
    train_speed = training_images_per_second(model, batches, steps, BATCH)
    held_out = rng.integers(0, 256, size=(VALIDATION_IMAGES, 48, 48), dtype=np.uint8)
    predict_seconds = VALIDATION_IMAGES / inference_images_per_second(model, held_out)
    epoch = TRAIN_IMAGES // BATCH * BATCH / train_speed + predict_seconds
    return {
        "network": name, "parameters": model.count_params(), "train_images_per_s": round(train_speed, 1),
        "inference_images_per_s": round(VALIDATION_IMAGES / predict_seconds, 1), "epoch_seconds": round(epoch, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per network (default 20)")
    parser.add_argument("--networks", nargs="*", help="networks to time (default: chapter 8's, all LC2FER)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args()
    prefer_onednn()  # before TensorFlow is imported
    from fer_utils.studies.architectures import CHAPTER_NETWORKS, LC2FER_NETWORKS

    names = args.networks or list(dict.fromkeys([*CHAPTER_NETWORKS, *LC2FER_NETWORKS]))
    for name in names:
        row = measure(name, args.steps)
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print(f"{name:20s} {row['parameters']:>11,} parameters  train {row['train_images_per_s']:7.1f} img/s  "
                  f"inference {row['inference_images_per_s']:8.1f} img/s  epoch {row['epoch_seconds']:7.1f} s",
                  flush=True)


if __name__ == "__main__":
    main()
