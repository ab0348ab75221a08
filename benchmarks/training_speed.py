"""Benchmark: how fast does the training engine train the baseline CNN on this machine?

    FER_DATA=/path/to/fer2013 .venv/bin/python benchmarks/training_speed.py [--batches N]

Trains seed 000's baseline CNN on the training split (the demo set without
FER_DATA) and reports images per second for:

* ``engine``: the engine as shipped (fer_utils.engine.training: tf.data pipeline with
  online augmentation, float32, no XLA, batch 64), with TensorFlow's default
  choice of oneDNN (off on AMD CPUs), as in the notebooks;
* ``oneDNN``: the same with ``TF_ENABLE_ONEDNN_OPTS=1``, what ``fer-utils train``
  sets;
* ``naive``: what a student would write: NumPy arrays scaled to 0..1 and a
  Python generator that flips and shifts every image of every batch (the
  pattern of Keras 2's ``ImageDataGenerator``), fed to ``model.fit``;
* the engine with one change each: ``mixed_bfloat16``, XLA (``jit_compile``),
  batch 128, and one thread per core for TensorFlow's thread pools.

Each variant runs in a fresh interpreter (precision policies and thread pools
are process-wide), one after the other, so the ratios come from one session.
``--batches`` sets the timed steps (default: one epoch, 448 batches of 64);
a warm-up fit of 3 steps first compiles the training function. It also prints
the arithmetic rate reached, from the network's multiply-adds (training counted
as three forward passes), against this CPU's peak estimated from its clock,
cores and vector width. Not a test: timings vary by machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

VARIANTS = {
    "engine": {},
    "oneDNN": {"environment": {"TF_ENABLE_ONEDNN_OPTS": "1"}},
    "naive": {},
    "mixed_bfloat16": {"precision": "mixed_bfloat16"},
    "xla": {"jit_compile": True},
    "batch 128": {"batch_size": 128},
    "1 thread per core": {"threads": True},
}


def peak_gflops() -> tuple[float, str]:
    """Estimated fp32 peak: cores x clock x FLOP per cycle (two FMA units x vector lanes x 2)."""
    text = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    mhz = [float(line.split(":")[1]) for line in text.splitlines() if line.startswith("cpu MHz")]
    lanes = 16 if "avx512f" in text else 8 if "avx2" in text else 4
    cores = os.cpu_count() or 1
    ghz = max(mhz) / 1000 if mhz else 2.5
    peak = cores * ghz * 2 * lanes * 2
    return peak, f"{cores} cores x {ghz:.2f} GHz x {2 * lanes * 2} FLOP/cycle ({'AVX-512' if lanes == 16 else 'AVX2'})"


def measure(variant: str, data: str | None, batches: int) -> dict:
    """One variant, in this process: images per second over ``batches`` timed steps."""
    options = dict(VARIANTS[variant])
    options.pop("environment", None)  # applied by main() when it started this process
    if options.pop("threads", False):
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(os.cpu_count())
        tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    import numpy as np

    from fer_utils.augment.transforms import OnlineAugmentation
    from fer_utils.data.discovery import load_dataset
    from fer_utils.nets.measure import forward_flops
    from fer_utils.augment.pipeline import training_pipeline
    from fer_utils.engine.speed import training_images_per_second
    from fer_utils.engine.training import TrainingConfig, compiled_model

    dataset = load_dataset(data)
    images, labels = dataset.arrays("train")
    config = TrainingConfig(model="baseline_cnn", **options)
    keras.utils.set_random_seed(0)
    model = compiled_model(config)
    batch = config.batch_size
    if variant == "naive":
        x = images[..., None].astype(np.float32)  # the float copy of the whole set a student makes
        rng = np.random.default_rng(0)

        def batches_forever():
            while True:
                order = rng.permutation(len(x))
                for start in range(0, len(order) - batch + 1, batch):
                    chosen = x[order[start:start + batch]].copy()
                    for i in range(len(chosen)):  # per-image Python augmentation
                        if rng.random() < 0.5:
                            chosen[i] = chosen[i, :, ::-1]
                        chosen[i] = np.roll(chosen[i], rng.integers(-4, 5, size=2), axis=(0, 1))
                    yield chosen, labels[order[start:start + batch]]

        stream = batches_forever()
    else:
        epochs = 2 + batches * 64 // len(labels)  # enough for the warm-up and the timed steps
        stream = training_pipeline(
            images, labels, batch_size=batch, seed=0, augmentation=OnlineAugmentation(), epochs=epochs
        )
    rate = training_images_per_second(model, stream, batches * 64 // batch, batch)
    return {
        "variant": variant, "images_per_second": rate,
        "forward_flops": forward_flops(model), "dataset": dataset.caption,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("FER_DATA"))
    parser.add_argument("--batches", type=int, default=448, help="timed batches of 64 images per variant")
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(measure(args.variant, args.data, args.batches)))
        return

    results = []
    for variant in VARIANTS:
        command = [sys.executable, __file__, "--variant", variant, "--batches", str(args.batches)]
        if args.data:
            command += ["--data", args.data]
        environment = {**os.environ, **VARIANTS[variant].get("environment", {})}
        child = subprocess.run(command, capture_output=True, text=True, env=environment)
        if child.returncode:
            print(f"{variant}: failed\n{child.stderr[-2000:]}")
            continue
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(f"measured {variant}: {results[-1]['images_per_second']:.1f} images/s", flush=True)

    peak, how = peak_gflops()
    engine = next(r["images_per_second"] for r in results if r["variant"] == "engine")
    print(f"\n{results[0]['dataset']}; {args.batches * 64:,} training images timed per variant")
    print(f"{'variant':20s} {'images/s':>9s} {'x engine':>9s} {'GFLOP/s':>8s} {'% of peak':>9s}")
    for r in results:
        gflops = 3 * r["forward_flops"] * r["images_per_second"] / 1e9
        print(f"{r['variant']:20s} {r['images_per_second']:9.1f} {r['images_per_second'] / engine:9.2f} "
              f"{gflops:8.1f} {100 * gflops / peak:8.0f}%")
    print(f"\npeak estimate {peak:.0f} GFLOP/s: {how}")
    print(f"forward pass {results[0]['forward_flops'] / 1e6:.0f} MFLOP per image; training counted as 3x")


if __name__ == "__main__":
    main()
