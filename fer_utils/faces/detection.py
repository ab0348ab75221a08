"""Finding faces for chapter 9: OpenCV's Haar cascade (Viola and Jones), with
seed 004's eye check against false faces as an option; MediaPipe's BlazeFace, a
learned detector whose weights ship in the package
(:class:`~fer_utils.faces.blazeface.BlazeFaceDetector`); or OpenCV's deep
detector when its model file is at hand (:class:`HaarDetector`,
:class:`DnnDetector`); a large picture is searched at a reduced size. All give
boxes (n, 4: x, y, width, height) left to right; :func:`make_detector` makes one
by name (the command line's ``--detector``), :func:`compare_detectors` counts and
times them.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from fer_utils.errors import ImageError
from fer_utils.data.image_files import native_messages, opencv_reason
from fer_utils.faces.images import _shrink, grey

MAX_SIDE = 1280
"""Pictures with a longer side are searched for faces at this size: a 10,000-pixel
photo then takes as long as an ordinary one, and the faces worth classifying
(48 pixels are enough) are still found."""
FACE_CASCADE = "haarcascade_frontalface_default.xml"
EYE_CASCADE = "haarcascade_eye.xml"


def _inside(boxes: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Boxes (n, 4) clipped to a picture of ``shape``, without empty ones, left to right."""
    height, width = shape[:2]
    x0 = np.clip(boxes[:, 0], 0, width)
    y0 = np.clip(boxes[:, 1], 0, height)
    x1 = np.clip(boxes[:, 0] + boxes[:, 2], 0, width)
    y1 = np.clip(boxes[:, 1] + boxes[:, 3], 0, height)
    clipped = np.stack([x0, y0, x1 - x0, y1 - y0], axis=1).astype(int).reshape(-1, 4)
    clipped = clipped[(clipped[:, 2] > 0) & (clipped[:, 3] > 0)]
    return clipped[np.lexsort((clipped[:, 1], clipped[:, 0]))]


@functools.lru_cache(maxsize=None)
def cascade(name: str) -> cv2.CascadeClassifier:
    """One of the Haar cascades that ship inside the OpenCV wheel, loaded once."""
    folder = Path(getattr(getattr(cv2, "data", None), "haarcascades", "") or ".")
    path = folder / name
    if not hasattr(cv2, "CascadeClassifier") or not path.is_file():
        raise RuntimeError(
            f"OpenCV {cv2.__version__} has no Haar cascade {name} (the OpenCV 5 wheels ship none); "
            f"install the version requirements.txt pins: pip install -r requirements.txt"
        )
    classifier = cv2.CascadeClassifier(str(path))
    if classifier.empty():
        raise RuntimeError(f"{path}: OpenCV could not load this cascade")
    return classifier


@dataclass(frozen=True)
class HaarDetector:
    """OpenCV's Haar-cascade face detector (Viola and Jones, 2001), whose frontal-face
    model ships inside the OpenCV wheel: no download, and it runs on any CPU.

    It slides a 24x24 window over the grey picture at sizes growing by
    ``scale_factor`` (1.1: 10% a step; smaller steps find more sizes, slowly) and
    keeps places where at least ``min_neighbors`` overlapping windows fired
    (fewer finds more faces and more false ones). Faces smaller than
    ``min_size`` pixels are not searched for. ``min_eyes`` > 0 keeps only faces
    in whose upper part the eye cascade finds that many eyes: seed 004's check
    against false faces, which also drops real faces with closed eyes, glasses
    or a turned head. Pictures longer than ``max_side`` are searched at that size.
    """

    scale_factor: float = 1.1
    min_neighbors: int = 5
    min_size: int = 30
    min_eyes: int = 0
    max_side: int = MAX_SIDE

    def __post_init__(self):
        if not self.scale_factor > 1:
            raise ValueError(f"scale_factor must be above 1 (the window must grow), got {self.scale_factor}")
        if self.min_neighbors < 0 or self.min_size < 1 or self.min_eyes not in (0, 1, 2) or self.max_side < 24:
            raise ValueError(
                f"need min_neighbors >= 0, min_size >= 1, min_eyes 0, 1 or 2 and max_side >= 24; got "
                f"{self.min_neighbors}, {self.min_size}, {self.min_eyes}, {self.max_side}"
            )

    def detect(self, picture: np.ndarray) -> np.ndarray:
        """Face boxes (n, 4: x, y, width, height) in the RGB ``picture``'s pixels, left to right."""
        small, scale = _shrink(grey(picture), self.max_side)
        side = max(1, round(self.min_size * scale))
        found = cascade(FACE_CASCADE).detectMultiScale(
            small, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors, minSize=(side, side)
        )
        boxes = np.asarray(found, dtype=np.int64).reshape(-1, 4)
        if self.min_eyes:
            boxes = boxes[[self.eyes(small, box) >= self.min_eyes for box in boxes]].reshape(-1, 4)
        return _inside(np.round(boxes / scale).astype(np.int64), picture.shape)

    @staticmethod
    def eyes(grey_picture: np.ndarray, box) -> int:
        """How many eyes (at most two) the eye cascade finds in the upper 60% of a face box."""
        x, y, width, height = (int(v) for v in box)
        upper = grey_picture[y:y + round(0.6 * height), x:x + width]
        side = max(1, width // 8)
        return min(2, len(cascade(EYE_CASCADE).detectMultiScale(upper, 1.1, 3, minSize=(side, side))))


WEBCAM_DETECTOR = HaarDetector(scale_factor=1.2, min_size=60, max_side=320)
"""The ``webcam`` command's settings: a face in front of a webcam is large, so a
640x480 frame is searched at half size, in coarser steps, for faces of at least
60 pixels; on the project's 2-core CPU that makes the search several times faster
than the default settings (benchmarks/face_speed.py)."""


DETECTOR_NAMES = ("haar", "blazeface", "blazeface-full")
"""What :func:`make_detector` (and ``--detector``) accepts: OpenCV's Haar cascade,
BlazeFace's short-range model (faces near the camera) and its full-range model
(smaller faces, as in group photos)."""


def make_detector(name: str = "haar", **settings):
    """The detector called ``name`` (one of :data:`DETECTOR_NAMES`) with ``settings``:
    :class:`HaarDetector`'s for ``"haar"``,
    :class:`~fer_utils.faces.blazeface.BlazeFaceDetector`'s (``min_score``,
    ``overlap``, ``threads``) for the BlazeFace models."""
    if name == "haar":
        return HaarDetector(**settings)
    if name in ("blazeface", "blazeface-full"):
        from fer_utils.faces.blazeface import BlazeFaceDetector

        return BlazeFaceDetector(model="full" if name.endswith("full") else "short", **settings)
    raise ValueError(f"unknown face detector {name!r}; choose one of {', '.join(DETECTOR_NAMES)}")


class DnnDetector:
    """OpenCV's deep face detector, an SSD network, from local model files.

    Give the paths of OpenCV's ``res10_300x300_ssd_iter_140000.caffemodel`` and
    its ``deploy.prototxt`` (or the TensorFlow version,
    ``opencv_face_detector_uint8.pb`` with ``opencv_face_detector.pbtxt``): it
    finds turned and partly hidden faces that the Haar cascade misses. Nothing is
    downloaded here; OpenCV's ``samples/dnn/face_detector`` folder says where to
    get the files once. Boxes below ``confidence`` are dropped.
    """

    def __init__(self, model, config=None, confidence: float = 0.5, input_size: int = 300,
                 mean: tuple[float, float, float] = (104.0, 177.0, 123.0)):
        self.model = Path(model)
        for path in (self.model, *([Path(config)] if config else [])):
            if not path.is_file():
                raise FileNotFoundError(f"{path}: no such face-detector file")
        if not 0 < confidence < 1:
            raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
        try:
            with native_messages():  # OpenCV's log repeats the error below in its own words
                self.net = cv2.dnn.readNet(str(self.model), str(config) if config else "")
        except cv2.error as error:
            raise ImageError(f"{self.model}: OpenCV cannot load it as a face detector ({opencv_reason(error)})") from None
        self.confidence, self.input_size, self.mean = confidence, input_size, mean

    def detect(self, picture: np.ndarray) -> np.ndarray:
        """Face boxes (n, 4: x, y, width, height) in the RGB ``picture``'s pixels, left to right."""
        height, width = picture.shape[:2]
        size = (self.input_size, self.input_size)
        bgr = cv2.resize(cv2.cvtColor(picture, cv2.COLOR_RGB2BGR), size, interpolation=cv2.INTER_AREA)
        self.net.setInput(cv2.dnn.blobFromImage(bgr, 1.0, size, self.mean))
        try:
            output = np.asarray(self.net.forward())
        except cv2.error as error:
            raise ImageError(f"{self.model}: the network failed on a picture ({opencv_reason(error)})") from None
        if output.size % 7 or output.shape[-1] != 7:
            raise ImageError(f"{self.model}: outputs shape {output.shape}, not an SSD detector's (1, 1, N, 7)")
        rows = output.reshape(-1, 7)
        rows = rows[rows[:, 2] >= self.confidence]
        corners = np.clip(rows[:, 3:7], 0, 1) * [width, height, width, height]
        boxes = np.round(np.column_stack([corners[:, :2], corners[:, 2:] - corners[:, :2]])).astype(np.int64)
        return _inside(boxes, picture.shape)


def compare_detectors(detectors: dict, pictures: dict) -> tuple[pd.DataFrame, dict]:
    """Faces each detector finds in each picture, and its search time over all of
    them: a table (one row per detector, one column per picture, then ``ms``)
    and the boxes, keyed by (detector, picture)."""
    rows, boxes = {}, {}
    for label, detector in detectors.items():
        start = time.perf_counter()
        for name, picture in pictures.items():
            boxes[label, name] = detector.detect(picture)
        rows[label] = {**{name: len(boxes[label, name]) for name in pictures},
                       "ms": 1000 * (time.perf_counter() - start)}
    return pd.DataFrame(rows).T.rename_axis("detector"), boxes
