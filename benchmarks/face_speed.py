"""Benchmark: is chapter 9's face pipeline real-time on this CPU, with which detector and model format?

    .venv/bin/python benchmarks/face_speed.py [--frames N] [--model reference|FILE.keras] [--data PATH]

A video file stands in for the camera: 640x480 frames with one face (Matplotlib's
portrait of Grace Hopper sliding across a grey frame,
fer_utils.faces.demo.panning_frames), written as MP4 and read back by the
webcam's own loop (fer_utils.faces.video.run_stream: decode, find, read, draw).
The model (the shipped reference model unless told otherwise) is first exported
to ONNX and TFLite, float and int8 (fer_utils.engine.export; the int8 ranges come
from training faces of --data / $FER_DATA, else of the synthetic demo set). It
then prints, in one run:

* each detector's latency per 640x480 frame: OpenCV's Haar cascade on the whole
  frame and with the webcam's Haar settings (320 px, steps of 1.2, faces of at
  least 60 px), and BlazeFace's short- and full-range models;
* each model format's latency per face, one face per call (a webcam's case);
* frames per second of the whole loop for every detector and model format,
  against the 25 frames/s that seeds 000 and 001 call real-time.

Latencies are medians over every frame (the 90th percentile beside them), after
a warm-up. Other programs running on the machine slow every wall-clock number,
so the script prints the load average first and, beside each loop, the CPU
time this process spent per frame (all its threads together), which other
programs do not inflate. Not a test: timings vary by machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from fer_utils import faces
from fer_utils.data.discovery import load_dataset
from fer_utils.engine.export import export_model, load_exported, representative_faces
from fer_utils.machine import cpu_name

TARGET_FPS = 25.0
DETECTORS = {
    "Haar, whole frame (640 px)": faces.HaarDetector(max_side=640),
    "Haar, webcam settings (320 px)": faces.WEBCAM_DETECTOR,
    "BlazeFace short range": faces.make_detector("blazeface"),
    "BlazeFace full range": faces.make_detector("blazeface-full"),
}


def milliseconds(timings: list[tuple[float, float]]) -> str:
    """Median wall time (90th percentile) and median CPU time of (wall, cpu) pairs in seconds."""
    wall, cpu = 1000 * np.asarray(timings).T
    return f"{np.median(wall):7.2f} ms (90%: {np.percentile(wall, 90):6.2f}), CPU {np.median(cpu):6.2f} ms"


def timings(call, items) -> list[tuple[float, float]]:
    """Wall and CPU time of ``call`` on each item."""
    times = []
    for item in items:
        wall, cpu = time.perf_counter(), time.process_time()
        call(item)
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150, help="frames of the test video (default 150: 6 s at 25/s)")
    parser.add_argument("--model", default="reference", help="'reference' (shipped) or a .keras file")
    parser.add_argument("--data", help="dataset for the int8 ranges (default: $FER_DATA, data/, else synthetic)")
    args = parser.parse_args()

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical cores; load average before starting: {load}")
    model = faces.emotion_model(args.model)
    frames = faces.panning_frames(faces.demo_photos()["Grace Hopper"], args.frames)
    height, width = frames[0].shape[:2]
    print(f"model: {model.name} ({model.count_params():,} parameters); {len(frames)} frames of {width}x{height}")

    with tempfile.TemporaryDirectory() as folder:
        dataset = load_dataset(args.data)
        files = export_model(model, folder, model.name, representative=representative_faces(dataset))
        models = {"keras": model, **{kind: load_exported(path) for kind, path in files.items()}}
        print(f"exported to {', '.join(files)} (int8 ranges from {dataset.caption})\n")

        print("latency per 640x480 frame, finding faces:")
        for label, detector in DETECTORS.items():
            detector.detect(frames[0])
            found = [len(detector.detect(frame)) for frame in frames[:3]]
            print(f"  {label:32s} {milliseconds(timings(detector.detect, frames))}   faces per frame: {found}")

        boxes = faces.HaarDetector(max_side=640).detect(frames[0])
        crop = faces.crop_face(faces.grey(frames[0]), boxes[0], faces.model_input_size(model))
        print("latency per face, reading the emotion (one face per call):")
        for kind, runner in models.items():
            faces.classify(runner, crop[None])  # warm-up: builds Keras' predict function, sizes the interpreter
            print(f"  {kind:32s} {milliseconds(timings(lambda _: faces.classify(runner, crop[None]), frames))}")

        print(f"\nwhole loop on an MP4 file (decode, find, read, draw), frames/s; target {TARGET_FPS:.0f}:")
        video = faces.write_video(frames, Path(folder) / "pan.mp4")
        fps, cpu_ms = {}, {}
        for label, detector in DETECTORS.items():
            for kind, runner in models.items():
                cpu = time.process_time()
                stats = faces.run_stream(video, runner, detector)
                fps[label, kind] = stats.fps
                cpu_ms[label, kind] = 1000 * (time.process_time() - cpu) / stats.frames
    table = pd.Series(fps).unstack()[list(models)].reindex(list(DETECTORS))
    cpu_table = pd.Series(cpu_ms).unstack()[list(models)].reindex(list(DETECTORS))
    with pd.option_context("display.width", 200):
        print(table.round(1).to_string())
        print("\nCPU time per frame (ms, all threads of this process):")
        print(cpu_table.round(1).to_string())
    best = table.stack().idxmax()
    print(f"\nfastest: {best[0]} with the {best[1]} model, {table.loc[best]:.1f} frames/s "
          f"({'real-time' if table.loc[best] >= TARGET_FPS else 'below real-time'}); "
          f"load average now: {', '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    main()
