"""Benchmark: is augmentation ever the bottleneck of training on this CPU?

    FER_DATA=/path/to/fer2013 .venv/bin/python benchmarks/input_pipeline.py

Measures, on the training split (the demo set without FER_DATA):
the plain training pipeline, the same with seed 002's online augmentation, with
oversampling, seed 004's offline expansion (time to build, memory it takes),
and the training speed of the baseline CNN (seed 000) and of the small CNN of
the experiments, all at batch 64. Augmentation is no bottleneck when the
augmented pipeline delivers images faster than the network consumes them.
Not a test: timings vary by machine.
"""

from __future__ import annotations

import argparse
import os

import keras

from fer_utils.augment.transforms import OnlineAugmentation
from fer_utils.data.discovery import load_dataset
from fer_utils.studies.imbalance_experiment import augmentation_costs
from fer_utils.augment.pipeline import images_per_second, training_pipeline
from fer_utils.engine.speed import training_images_per_second
from fer_utils.engine.training import TrainingConfig, compiled_model

BATCH = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("FER_DATA"))
    parser.add_argument("--batches", type=int, default=100, help="batches per measurement")
    args = parser.parse_args()
    dataset = load_dataset(args.data)
    images, labels = dataset.arrays("train")
    print(f"{dataset.caption}: {len(images):,} training images, {os.cpu_count()} CPU cores, batch {BATCH}\n")

    rows = []
    for what, options in (
        ("pipeline, no augmentation", {}),
        ("pipeline + oversampling", {"oversample": True}),
        ("pipeline + augmentation + oversampling", {"augmentation": OnlineAugmentation(), "oversample": True}),
    ):
        pipeline = training_pipeline(images, labels, batch_size=BATCH, seed=0, **options)
        rows.append((what, images_per_second(pipeline, args.batches), 0.0))

    costs = augmentation_costs(dataset, args.batches, BATCH)  # online augmentation and offline expansion
    online, offline = costs.iloc[0], costs.iloc[1]
    rows.append(("pipeline + online augmentation (seed 002)", online["images/s"], 0.0))
    rows.append((f"offline expansion (seed 004): +{int(offline['images']):,} images", offline["images/s"], offline["extra memory MB"]))

    steps = min(args.batches, 40)
    for name in ("small_cnn", "baseline_cnn"):
        keras.utils.set_random_seed(0)
        model = compiled_model(TrainingConfig(model=name))
        pipeline = training_pipeline(images, labels, batch_size=BATCH, seed=0, epochs=2)
        rate = training_images_per_second(model, pipeline, steps, BATCH)
        rows.append((f"training {name} ({model.count_params():,} parameters)", rate, 0.0))

    print(f"{'what':55s} {'images/s':>10s} {'extra MB':>9s}")
    for what, rate, megabytes in rows:
        print(f"{what:55s} {rate:10,.0f} {megabytes:9.0f}")


if __name__ == "__main__":
    main()
