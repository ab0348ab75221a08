"""Chapter 9: find the faces in a photo, a video or a webcam and read their expressions.

The pipeline is the one seeds 001, 003 and 004 put in front of their networks:

1. read the picture (a file or an array) as RGB (:mod:`~fer_utils.faces.images`);
2. find faces: OpenCV's Haar cascade (Viola and Jones), with seed 004's eye
   check against false faces as an option, or OpenCV's deep detector when its
   model file is at hand (:class:`~fer_utils.faces.detection.HaarDetector`,
   :class:`~fer_utils.faces.detection.DnnDetector`); a large picture is searched
   at a reduced size;
3. crop each face square with a margin, in grey, at the model's input size;
4. let the model give each face its seven probabilities (:class:`Face`).

:func:`predict_faces` does it for one picture, and
:func:`~fer_utils.faces.video.run_stream` for every frame of a video file or a
camera; :func:`annotate` draws the result. Input that cannot be used fails with a
message that names the file and the problem (:class:`~fer_utils.errors.ImageError`,
or ``FileNotFoundError``), never with OpenCV's assertion text; a picture without
a face gives an empty list.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fer_utils.data.labels import DISPLAY_NAMES, EMOTION_COLOURS, EMOTIONS, NUM_CLASSES
from fer_utils.faces import reference
from fer_utils.faces.detection import HaarDetector
from fer_utils.faces.images import as_picture, grey

MARGIN = 0.1
"""Share of a face box's side added on every side before cropping: the Haar
cascade's box ends at the brows and the chin, FER-2013's faces show a little
more (forehead, cheeks)."""
MAX_MARGIN = 1.0
"""The largest margin taken: a crop three times the face box's side."""


@dataclass(frozen=True)
class Face:
    """One face found in a picture and what the model reads in it."""

    box: tuple[int, int, int, int]
    """x, y (top-left corner), width and height in the picture's pixels."""
    probabilities: np.ndarray
    """The seven emotions' probabilities, in :data:`fer_utils.data.labels.EMOTIONS` order."""
    crop: np.ndarray
    """The grey face exactly as the model saw it (for example 48x48)."""

    @property
    def label(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def emotion(self) -> str:
        return EMOTIONS[self.label]

    @property
    def probability(self) -> float:
        """The probability of the top emotion."""
        return float(self.probabilities[self.label])

    def to_dict(self) -> dict:
        """The face as plain JSON values: box, top emotion and its probability, all seven."""
        x, y, width, height = self.box
        return {
            "box": {"x": x, "y": y, "width": width, "height": height},
            "emotion": self.emotion,
            "probability": round(self.probability, 6),
            "probabilities": {e: round(float(p), 6) for e, p in zip(EMOTIONS, self.probabilities)},
        }


def crop_face(grey_picture: np.ndarray, box, size: tuple[int, int] = (48, 48), margin: float = MARGIN) -> np.ndarray:
    """The face in ``box`` as a model wants it: a square around the box's centre,
    ``margin`` of its side larger on every side, resized to ``size`` (height, width).
    Where the square leaves the picture its border is repeated, so a face at the
    edge is never squashed. ``margin`` must lie in 0..:data:`MAX_MARGIN`."""
    _check_margin(margin)
    x, y, width, height = (int(v) for v in box)
    side = max(1, round(max(width, height) * (1 + 2 * margin)))
    left, top = round(x + width / 2 - side / 2), round(y + height / 2 - side / 2)
    rows, columns = grey_picture.shape[:2]
    window = grey_picture[max(top, 0):min(top + side, rows), max(left, 0):min(left + side, columns)]
    pads = (max(0, -top), max(0, top + side - rows), max(0, -left), max(0, left + side - columns))
    if any(pads):
        window = cv2.copyMakeBorder(window, *pads, cv2.BORDER_REPLICATE)
    return cv2.resize(window, size[::-1], interpolation=cv2.INTER_AREA)


def _check_margin(margin: float) -> None:
    """Refuse a margin outside 0..:data:`MAX_MARGIN` (a huge one would ask for
    a crop larger than any memory)."""
    if not 0 <= margin <= MAX_MARGIN:
        raise ValueError(f"margin must be between 0 and {MAX_MARGIN:g} (a share of the face box's side), "
                         f"got {margin:g}")


def emotion_model(model=None):
    """The network that reads the faces: the reference model shipped in the package
    (``None`` or ``"reference"``), a loaded ``keras.Model``, the path of a
    ``.keras`` file (a run's ``artifacts/run-*/model.keras``), or of a network
    exported by ``fer-utils export`` (``.onnx``, run by ONNX Runtime; ``.tflite``,
    run by LiteRT; :class:`~fer_utils.engine.export.ExportedModel`, also accepted
    loaded). It must take grey faces (H, W, 1) of raw 0-255 pixels and output seven
    probabilities, as every network of this package does."""
    from fer_utils.engine.export import ExportedModel

    if model is None or (isinstance(model, str) and model == reference.NAME):
        model = reference.load_model()
    elif isinstance(model, (str, Path)):
        path = Path(model)
        if path.suffix.lower() not in (".keras", ".onnx", ".tflite"):
            raise ValueError(f"{model!r} is neither {reference.NAME!r} (the shipped model) nor a .keras, .onnx "
                             f"or .tflite file")
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such model file")
        model = reference.load_model(path) if path.suffix.lower() == ".keras" else ExportedModel(path)
    elif not isinstance(model, ExportedModel):
        import keras

        if not isinstance(model, keras.Model):
            raise ValueError(f"{model!r} is not a model: give 'reference', a keras.Model or a model file")
    shape = tuple(model.input_shape[1:])
    if len(shape) != 3 or shape[-1] != 1 or tuple(model.output_shape[1:]) != (NUM_CLASSES,):
        raise ValueError(
            f"model {model.name!r} takes {shape} and outputs {tuple(model.output_shape[1:])}; "
            f"faces need grey (H, W, 1) inputs and {NUM_CLASSES} probabilities"
        )
    return model


def classify(model, crops: np.ndarray) -> np.ndarray:
    """The model's probabilities (n, 7) for grey faces (n, H, W).

    One direct call on the batch: the evaluation pipeline (``tf.data``) that
    scores thousands of test faces costs more to set up than a webcam frame's
    one face takes to classify."""
    if not len(crops):
        return np.zeros((0, NUM_CLASSES), np.float32)
    return np.asarray(model.predict_on_batch(crops[..., None]), dtype=np.float32)


def model_input_size(model) -> tuple[int, int]:
    """(height, width) of the faces ``model`` takes."""
    return tuple(int(v) for v in model.input_shape[1:3])


def predict_faces(picture, model=None, detector=None, margin: float = MARGIN) -> list[Face]:
    """Every face in ``picture`` (a path or an array, see
    :func:`~fer_utils.faces.images.as_picture`) with its box, its emotion and all
    seven probabilities; an empty list when no face is found. ``model``: see
    :func:`emotion_model`; ``detector``: a :class:`~fer_utils.faces.detection.HaarDetector`
    (the default) or :class:`~fer_utils.faces.detection.DnnDetector`."""
    _check_margin(margin)
    return _read_faces(as_picture(picture), emotion_model(model), detector or HaarDetector(), margin)[0]


def _read_faces(picture: np.ndarray, model, detector, margin: float) -> tuple[list[Face], float, float]:
    """The faces of an RGB picture, and the seconds detection and classification took."""
    start = time.perf_counter()
    boxes = detector.detect(picture)
    found = time.perf_counter()
    grey_picture = grey(picture)
    size = model_input_size(model)
    crops = np.stack([crop_face(grey_picture, box, size, margin) for box in boxes]) if len(boxes) \
        else np.zeros((0, *size), np.uint8)
    probabilities = classify(model, crops)
    faces = [Face(tuple(int(v) for v in box), p, crop) for box, p, crop in zip(boxes, probabilities, crops)]
    return faces, found - start, time.perf_counter() - found


def annotate(picture: np.ndarray, faces: list[Face], colours: dict | None = None) -> np.ndarray:
    """A copy of the RGB ``picture`` with a box around each face, labelled with its
    top emotion and probability ("Happy 83%"), in the emotion's colour of the
    report's figures (``colours``: emotion display name to RGB in 0..1)."""
    colours = colours or EMOTION_COLOURS
    out = picture.copy()
    thickness = max(1, round(max(picture.shape[:2]) / 400))
    for face in faces:
        x, y, width, height = face.box
        name = DISPLAY_NAMES[face.label]
        colour = tuple(int(255 * c) for c in colours[name][:3])
        cv2.rectangle(out, (x, y), (x + width - 1, y + height - 1), colour, thickness, cv2.LINE_AA)
        text = f"{name} {face.probability:.0%}"
        scale = float(np.clip(width / 160, 0.4, 3.0))
        (text_width, text_height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
        top = y - text_height - baseline - 2 * thickness
        top = top if top >= 0 else y + height  # no room above: write the label under the box
        cv2.rectangle(out, (x, top), (x + text_width + 2 * thickness, top + text_height + baseline + 2 * thickness),
                      colour, cv2.FILLED)
        ink = (0, 0, 0) if sum(colour) > 380 else (255, 255, 255)
        cv2.putText(out, text, (x + thickness, top + text_height + thickness), cv2.FONT_HERSHEY_SIMPLEX, scale,
                    ink, thickness, cv2.LINE_AA)
    return out
