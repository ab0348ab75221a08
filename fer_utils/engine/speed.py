"""Training speed: how it is measured, and the faster precision for this CPU.

Mixed bfloat16 halves the bytes every layer moves. CPUs with bfloat16 arithmetic
(Intel's AMX and AVX-512 BF16) can run it faster than float32; CPUs without it
(the AMD EPYC cores this project also runs on) emulate it, several times slower.
How much it gains also depends on the network, so the engine does not read CPU
flags: a run that asks for ``precision="auto"`` trains under whichever of the
two :func:`faster_precision` measured faster for its network on this CPU. The
measurement is kept in the artifacts folder, one small JSON file per CPU model,
TensorFlow version, network and batch size, so it is made once.
"""

from __future__ import annotations

import hashlib
import json
import time

import keras
import numpy as np
import tensorflow as tf

from fer_utils.config import artifacts_dir
from fer_utils.engine.artifacts import read_json, replace_atomically
from fer_utils.errors import SavedFileError
from fer_utils.machine import cpu_name
from fer_utils.nets.registry import build_model

AUTO = "auto"
"""The precision setting that :func:`faster_precision` resolves."""
PRECISIONS = ("float32", "mixed_bfloat16")
BFLOAT16_MARGIN = 1.1
"""Mixed bfloat16 is chosen only when it trains at least this many times faster:
within timing noise float32 wins, since it is the exact one."""
TIMED_STEPS = 12


def training_images_per_second(model: keras.Model, batches, steps: int, batch_size: int) -> float:
    """Training speed of a compiled ``model``: images per second over ``steps``
    optimiser steps on ``batches`` (a ``tf.data`` pipeline or a generator of
    ``(x, y)`` batches of ``batch_size``), after a short fit that builds the
    training function, which is not counted."""
    model.fit(batches, steps_per_epoch=3, epochs=1, verbose=0, shuffle=False)  # the pipeline orders itself
    started = time.perf_counter()
    model.fit(batches, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
    return steps * batch_size / (time.perf_counter() - started)


def faster_precision(model: str, model_options: dict | None = None, batch_size: int = 64) -> tuple[str, dict]:
    """The faster precision for training network ``model`` here, and the
    measurement behind the choice: images per second under each precision,
    the CPU and TensorFlow version. Read from the artifacts folder when this
    CPU has measured it before, else measured now and kept."""
    options = dict(model_options or {})
    identity = {"cpu": cpu_name(), "tensorflow": tf.__version__, "model": model, "model_options": options,
                "batch_size": batch_size}
    key = hashlib.sha1(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    path = artifacts_dir() / f"precision-{key}.json"
    remedy = "delete it and it is measured again"
    measured = read_json(path, remedy)
    if not measured:
        speeds = {precision: 0.0 for precision in PRECISIONS}
        for _ in range(2):  # alternated, the better of two: other work on the machine comes and goes
            for precision in PRECISIONS:
                speeds[precision] = max(speeds[precision], _speed(model, options, batch_size, precision))
            if not 0.5 < speeds["mixed_bfloat16"] / speeds["float32"] < 2:
                break  # a clear verdict needs no second look
        faster = speeds["mixed_bfloat16"] >= BFLOAT16_MARGIN * speeds["float32"]
        measured = {**identity, "images_per_second": speeds,
                    "chosen": "mixed_bfloat16" if faster else "float32"}
        replace_atomically(path, lambda partial: partial.write_text(json.dumps(measured, indent=2) + "\n"))
    if measured.get("chosen") not in PRECISIONS:
        raise SavedFileError(f"{path}: no precision chosen in this measurement; {remedy}")
    return measured["chosen"], measured


def _speed(model: str, options: dict, batch_size: int, precision: str) -> float:
    """Images per second of plain Adam training steps of ``model`` under ``precision``, on random faces."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        network = build_model(model, **options)
    finally:
        keras.config.set_dtype_policy(previous)
    network.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=False)
    rng = np.random.default_rng(0)
    faces = rng.integers(0, 256, size=(batch_size, 48, 48, 1)).astype("float32")
    labels = rng.integers(0, 7, size=batch_size)
    batches = tf.data.Dataset.from_tensors((faces, labels)).repeat()
    return training_images_per_second(network, batches, TIMED_STEPS, batch_size)
