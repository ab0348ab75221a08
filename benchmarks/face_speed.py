"""Benchmark: is chapter 9's face pipeline real-time on this CPU?

    .venv/bin/python benchmarks/face_speed.py [--frames N] [--model reference|FILE.keras]

On 640x480 frames with one face (Matplotlib's portrait of Grace Hopper sliding
across a grey frame, fer_utils.faces.reading.panning_frames), with the shipped reference
model unless told otherwise, it measures

* the detector's latency per frame: OpenCV's Haar cascade with its default
  settings, searching the whole frame, a copy halved to 320 pixels, and with
  seed 004's eye check; and the webcam command's settings (320 pixels, steps of
  1.2, faces of at least 60 pixels, as a face near a webcam is);
* the classifier's latency per face: one face per call (one person in front of
  a webcam) and per face in a batch of eight (a group photo);
* frames per second of the whole loop (decoding an MP4 file, finding, reading,
  drawing: fer_utils.faces.reading.run_stream) with each detector setting, against the
  25 frames/s that seeds 000 and 001 call real-time.

Latencies are medians over every frame (the 90th percentile beside them), after
a warm-up. Other programs running on the machine slow every wall-clock number,
so the script prints the load average first and, beside each wall time, the CPU
time this process spent (all its threads together), which other programs do not
inflate: with the machine to itself, a step takes about its CPU time, or less
where OpenCV and TensorFlow spread it over several cores. Not a test: timings
vary by machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from fer_utils import faces
from fer_utils.machine import cpu_name

TARGET_FPS = 25.0
DETECTORS = {
    "Haar, whole frame (640 px)": faces.HaarDetector(max_side=640),
    "Haar, searched at 320 px": faces.HaarDetector(max_side=320),
    "Haar + eye check (640 px)": faces.HaarDetector(max_side=640, min_eyes=1),
    "Haar, 320 px, steps 1.2, >= 60 px": faces.HaarDetector(max_side=320, scale_factor=1.2, min_size=60),
}


def milliseconds(timings: list[tuple[float, float]]) -> str:
    """Median wall time (90th percentile) and median CPU time of (wall, cpu) pairs in seconds."""
    wall, cpu = 1000 * np.asarray(timings).T
    return f"{np.median(wall):7.1f} ms (90%: {np.percentile(wall, 90):6.1f}), CPU {np.median(cpu):6.1f} ms"


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
    args = parser.parse_args()

    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical cores; load average before starting: {load}")
    model = faces.emotion_model(args.model)
    frames = faces.panning_frames(faces.demo_photos()["Grace Hopper"], args.frames)
    height, width = frames[0].shape[:2]
    print(f"model: {model.name} ({model.count_params():,} parameters); {len(frames)} frames of {width}x{height}\n")

    boxes = DETECTORS["Haar, whole frame (640 px)"].detect(frames[0])
    crop = faces.crop_face(faces.grey(frames[0]), boxes[0], faces.model_input_size(model))
    for batch in (1, 8):
        faces.classify(model, np.repeat(crop[None], batch, axis=0))  # warm-up: builds the predict function
    print("latency per 640x480 frame, finding faces:")
    for label, detector in DETECTORS.items():
        detector.detect(frames[0])
        found = [len(detector.detect(frame)) for frame in frames[:3]]
        print(f"  {label:34s} {milliseconds(timings(detector.detect, frames))}"
              f"   faces per frame: {found}")
    print("latency per face, reading the emotion:")
    group = np.repeat(crop[None], 8, axis=0)
    one = timings(lambda _: faces.classify(model, crop[None]), frames)
    eight = [(wall / 8, cpu / 8) for wall, cpu in timings(lambda _: faces.classify(model, group), frames)]
    print(f"  {'one face per call':28s} {milliseconds(one)}")
    print(f"  {'in a batch of 8 faces':28s} {milliseconds(eight)}")

    print(f"\nwhole loop on an MP4 file (decode, find, read, draw), target {TARGET_FPS:.0f} frames/s:")
    with tempfile.TemporaryDirectory() as folder:
        video = faces.write_video(frames, Path(folder) / "pan.mp4")
        for label, detector in DETECTORS.items():
            cpu = time.process_time()
            stats = faces.run_stream(video, model, detector)
            cpu = (time.process_time() - cpu) / stats.frames
            verdict = "real-time" if stats.fps >= TARGET_FPS else f"{stats.fps / TARGET_FPS:.0%} of real-time"
            print(f"  {label:34s} {stats.fps:6.1f} frames/s ({verdict}); per frame "
                  f"{1000 * stats.detect_seconds / stats.frames:.1f} ms finding, "
                  f"{1000 * stats.classify_seconds / stats.frames:.1f} ms reading, "
                  f"{stats.faces / stats.frames:.2f} faces; CPU {1000 * cpu:.1f} ms per frame "
                  f"(at most {1 / cpu:.0f} frames/s on one free core)")


if __name__ == "__main__":
    main()
