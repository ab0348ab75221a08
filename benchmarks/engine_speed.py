"""Benchmark: the training engine against plain ``model.fit``, float32 against mixed bfloat16, XLA on and off.

    FER_DATA=/path/to/fer2013 nice .venv/bin/python benchmarks/engine_speed.py [--model compact_resnet] [--images 6400]

Trains one network for two epochs on the same faces (``--images`` of each
split, a stratified seeded sample; the demo set without FER_DATA) in five
ways, each in a fresh interpreter (precision policies and XLA are
process-wide), one after the other in one run:

* ``plain fit``: the network compiled as the engine compiles it, trained by
  ``model.fit`` on float32 NumPy arrays of the same faces, shuffled by Keras,
  with the validation arrays: what a Keras tutorial does;
* ``engine``: :func:`fer_utils.engine.training.train` with the same settings
  and no augmentation, float32, no XLA: its ``tf.data`` pipeline, its
  per-epoch checkpoints, history and state files included;
* ``engine, mixed bfloat16`` and ``engine, XLA``: the engine with that one change;
* ``engine, auto``: the engine choosing the precision itself
  (:func:`fer_utils.engine.speed.faster_precision`), to show what it picks here;
  its run is the one an earlier variant trained under that precision, read
  back from the run folder (marked "cached"), so its speed is that variant's.

Each is timed by its second epoch (training and validation; the first
builds the functions), as images per second, and printed with the ratios
the engine's choices rest on: engine / plain fit (the engine must not be
slower), mixed bfloat16 / float32 and XLA / no XLA, with the CPU's name:
the ratios differ between an AMD EPYC without bfloat16 arithmetic and an
Intel Xeon with AMX. Not a test: timings vary with the machine and with
whatever else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import keras

VARIANTS = {
    "plain fit": {},
    "engine": {},
    "engine, mixed bfloat16": {"precision": "mixed_bfloat16"},
    "engine, XLA": {"jit_compile": True},
    "engine, auto": {"precision": "auto"},
}
RATIOS = (
    ("engine / plain fit", "engine", "plain fit"),
    ("mixed bfloat16 / float32", "engine, mixed bfloat16", "engine"),
    ("XLA / no XLA", "engine, XLA", "engine"),
)


def measure(variant: str, model: str, data: str | None, images: int, batch_size: int) -> dict:
    """One variant, in this process: training images per second in its second epoch."""
    import numpy as np

    from fer_utils.data.discovery import load_dataset
    from fer_utils.engine.training import TrainingConfig, compiled_model, train

    dataset = load_dataset(data).sample_per_split(images, seed=0)
    train_images, train_labels = dataset.arrays("train")
    settings = {"epochs": 2, "batch_size": batch_size, "patience": None, **VARIANTS[variant]}
    if variant == "plain fit":
        keras.utils.set_random_seed(0)
        network = compiled_model(TrainingConfig(model=model, **settings))
        as_float = lambda faces: faces[..., None].astype(np.float32)  # noqa: E731
        timer = EpochTimer()
        network.fit(as_float(train_images), train_labels, batch_size=batch_size, epochs=2, shuffle=True,
                    validation_data=(as_float(dataset.arrays("validation")[0]), dataset.arrays("validation")[1]),
                    callbacks=[timer], verbose=0)
        seconds, precision = timer.seconds[-1], "float32"
    else:
        run = train(model, dataset, verbose=0, **settings)
        seconds, precision = float(run.history["seconds"].iloc[-1]), run.config.precision
        if run.from_cache:  # "auto" chose a precision an earlier variant trained: its run, read back
            precision += " (cached)"
    # what an epoch trains: the engine keeps only full batches, fit a partial last one too
    trained = len(train_labels) // batch_size * batch_size if variant != "plain fit" else len(train_labels)
    return {"variant": variant, "precision": precision, "images_per_second": trained / seconds,
            "dataset": dataset.caption}


class EpochTimer(keras.callbacks.Callback):
    """Each epoch's wall time (training and validation), as the engine logs it."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("FER_DATA") or None)
    parser.add_argument("--model", default="compact_resnet", help="a registered network (default compact_resnet)")
    parser.add_argument("--images", type=int, default=6400, help="faces of each split (default 6400)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure(args.variant, args.model, args.data, args.images, args.batch_size)))
        return

    from fer_utils.machine import cpu_name

    results = {}
    with tempfile.TemporaryDirectory() as artifacts:  # fresh runs, and a fresh choice of precision
        for variant in VARIANTS:
            command = [sys.executable, __file__, "--variant", variant, "--model", args.model,
                       "--images", str(args.images), "--batch-size", str(args.batch_size)]
            if args.data:
                command += ["--data", args.data]
            child = subprocess.run(command, capture_output=True, text=True,
                                   env={**os.environ, "FER_ARTIFACTS_DIR": artifacts, "TF_ENABLE_ONEDNN_OPTS": "1"})
            if child.returncode:
                sys.exit(f"{variant}: failed\n{child.stderr[-2000:]}")
            results[variant] = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"measured {variant}: {results[variant]['images_per_second']:.1f} images/s", flush=True)

    print(f"\n{args.model}, batch {args.batch_size}, on {results['engine']['dataset']}; CPU: {cpu_name()}, "
          f"{os.cpu_count()} logical cores")
    print(f"{'variant':24s} {'precision':>24s} {'images/s':>9s}")
    for variant, row in results.items():
        print(f"{variant:24s} {row['precision']:>24s} {row['images_per_second']:9.1f}")
    print()
    for name, top, bottom in RATIOS:
        print(f"{name:26s} {results[top]['images_per_second'] / results[bottom]['images_per_second']:5.2f}")


if __name__ == "__main__":
    main()
