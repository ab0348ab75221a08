"""Benchmark: the face detectors side by side on pictures whose faces are known.

    .venv/bin/python benchmarks/detectors.py [--seed S]

Runs OpenCV's Haar cascade (default settings, and the webcam's: 320 px, steps
of 1.2, faces of at least 60 px) and MediaPipe's BlazeFace (short- and
full-range models, weights in the package) in one run on

* the labelled set (fer_utils.faces.scenes.labelled_scenes): 40 frames of
  640x480 with 38 real faces (scikit-image's astronaut, Matplotlib's Grace
  Hopper) at known boxes, sizes, rotations and lighting, and 4 frames without a
  face, built with a seed;
* chapter 9's photos (fer_utils.faces.scenes.demo_scenes): the astronaut, Grace
  Hopper, the cameraman, the coins and the group of twelve.

It prints faces found, missed and invented per detector, found per condition
and setting, and the median milliseconds per picture (per 640x480 frame on the
labelled set). Timings vary with the machine and its load; the counts do not.
"""

from __future__ import annotations

import argparse
import os

import pandas as pd

from fer_utils import faces
from fer_utils.machine import cpu_name

DETECTORS = {
    "Haar (1.1, 5)": faces.make_detector("haar"),
    "Haar, webcam settings": faces.WEBCAM_DETECTOR,
    "BlazeFace short": faces.make_detector("blazeface"),
    "BlazeFace full": faces.make_detector("blazeface-full"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the labelled set (default 0)")
    args = parser.parse_args()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"CPU: {cpu_name()}, {os.cpu_count()} logical cores; load average before starting: {load}\n")
    scenes = faces.labelled_scenes(args.seed)
    scores = faces.score_detectors(DETECTORS, scenes)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"labelled set (seed {args.seed}): {len(scenes)} frames of 640x480, "
              f"{sum(len(s.boxes) for s in scenes)} faces")
        print(faces.detector_summary(scores).round(1).to_string())
        print("\nfound per condition and setting:")
        found = scores.pivot_table(index=["condition", "value"], columns="detector", values="found", aggfunc="sum",
                                   sort=False)[list(DETECTORS)]
        found.insert(0, "faces", scores[scores.detector == next(iter(DETECTORS))].groupby(
            ["condition", "value"], sort=False)["faces"].sum())
        print(found.to_string())
        photos = faces.score_detectors(DETECTORS, faces.demo_scenes())
        print("\nchapter 9's photos:")
        print(faces.detector_summary(photos).round(1).to_string())
        print("\nfound / invented per photo:")
        table = photos.assign(result=photos.found.astype(str) + " / " + photos.invented.astype(str))
        table = table.pivot(index="scene", columns="detector", values="result")[list(DETECTORS)]
        table.insert(0, "faces", photos.groupby("scene", sort=False)["faces"].first())
        print(table.loc[[s.name for s in faces.demo_scenes()]].to_string())


if __name__ == "__main__":
    main()
