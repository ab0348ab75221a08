"""Chapter 9: find the faces in a photo, a video or a webcam and read their expressions.

The pipeline is the one seeds 001, 003 and 004 put in front of their networks:

1. read the picture (a file or an array) as RGB;
2. find faces: OpenCV's Haar cascade (Viola and Jones), with seed 004's eye
   check against false faces as an option, or OpenCV's deep detector when its
   model file is at hand (:class:`HaarDetector`, :class:`DnnDetector`); a
   large picture is searched at a reduced size;
3. crop each face square with a margin, in grey, at the model's input size;
4. let the model give each face its seven probabilities (:class:`Face`).

:func:`predict_faces` does it for one picture and :func:`run_stream` for every
frame of a video file or a camera. Input that cannot be used fails with a
message that names the file and the problem (:class:`~fer_utils.errors.ImageError`,
or ``FileNotFoundError``), never with OpenCV's assertion text; a picture without
a face gives an empty list.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np
import pandas as pd

from fer_utils.errors import ImageError
from fer_utils.faces import reference
from fer_utils.data.labels import DISPLAY_NAMES, EMOTION_COLOURS, EMOTIONS, NUM_CLASSES

MARGIN = 0.1
"""Share of a face box's side added on every side before cropping: the Haar
cascade's box ends at the brows and the chin, FER-2013's faces show a little
more (forehead, cheeks)."""
MAX_SIDE = 1280
"""Pictures with a longer side are searched for faces at this size: a 10,000-pixel
photo then takes as long as an ordinary one, and the faces worth classifying
(48 pixels are enough) are still found."""
FACE_CASCADE = "haarcascade_frontalface_default.xml"
EYE_CASCADE = "haarcascade_eye.xml"
VIDEO_CODECS = {".mp4": "mp4v", ".avi": "MJPG"}
"""Containers :class:`VideoOut` writes, with codecs every OpenCV wheel has."""


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


# --- reading pictures ------------------------------------------------------------


def read_image(path) -> np.ndarray:
    """The picture in file ``path`` as an RGB uint8 array (H, W, 3).

    Any format OpenCV decodes (JPEG, PNG, BMP, TIFF, WebP, ...); grey, alpha and
    16-bit files are converted, and a JPEG's orientation tag is applied. The file
    is read as bytes first, so that a missing, empty or cut-off file gets its own
    message instead of OpenCV's silent ``None`` or its assertion.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ImageError(f"{path}: is a folder, not an image file")
    data = np.fromfile(path, dtype=np.uint8)
    if not data.size:
        raise ImageError(f"{path}: the file is empty (0 bytes)")
    cut = _cut_off(data.tobytes())
    if cut:
        raise ImageError(f"{path}: the {cut} data ends early (a truncated or partly downloaded file)")
    try:
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    except cv2.error as error:
        raise ImageError(f"{path}: OpenCV could not decode it ({_reason(error)})") from None
    if image is None:
        raise ImageError(f"{path}: not an image file OpenCV can read (JPEG, PNG, BMP, TIFF, WebP, ...)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _cut_off(data: bytes) -> str | None:
    """"JPEG" or "PNG" when the file is of that kind but its end marker is missing."""
    if data.startswith(b"\xff\xd8"):  # the last scan (SOS) must be followed by an end of image (EOI)
        return "JPEG" if data.rfind(b"\xff\xd9") < data.rfind(b"\xff\xda") else None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG" if b"IEND" not in data[-64:] else None
    return None


def _reason(error: cv2.error) -> str:
    """OpenCV's own words from an exception, without its source path and line."""
    text = str(error).strip().splitlines()[-1] if str(error).strip() else "unknown error"
    return text.split(") ", 1)[-1] if text.startswith("OpenCV(") else text


def as_picture(image, source: str = "the array") -> np.ndarray:
    """``image`` as an RGB uint8 array (H, W, 3): a path is read with :func:`read_image`;
    an array may be grey (H, W) or (H, W, 1), RGB (H, W, 3) or RGBA (H, W, 4),
    uint8 or float in 0..1 (scikit-image's convention). ``source`` names it in errors."""
    if isinstance(image, (str, Path)):
        return read_image(image)
    array = np.asarray(image)
    if array.size == 0:
        raise ImageError(f"{source}: the picture is empty (shape {array.shape})")
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4))):
        raise ImageError(f"{source}: expected a grey (H, W), RGB (H, W, 3) or RGBA (H, W, 4) picture, got shape {array.shape}")
    if np.issubdtype(array.dtype, np.floating):
        if not (np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1):
            raise ImageError(f"{source}: a float picture must hold values in 0..1")
        array = np.round(array * 255).astype(np.uint8)
    elif array.dtype != np.uint8:
        raise ImageError(f"{source}: expected uint8 pixels (or floats in 0..1), got {array.dtype}")
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(array, cv2.COLOR_RGBA2RGB) if array.shape[-1] == 4 else np.ascontiguousarray(array)


def grey(picture: np.ndarray) -> np.ndarray:
    """An RGB picture in grey, as FER-2013's faces are."""
    return cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)


def _shrink(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """``image`` scaled down so that its longer side is at most ``max_side``, and the scale used."""
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale == 1.0:
        return image, scale
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


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


# --- finding faces ----------------------------------------------------------------


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
            self.net = cv2.dnn.readNet(str(self.model), str(config) if config else "")
        except cv2.error as error:
            raise ImageError(f"{self.model}: OpenCV cannot load it as a face detector ({_reason(error)})") from None
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
            raise ImageError(f"{self.model}: the network failed on a picture ({_reason(error)})") from None
        if output.size % 7 or output.shape[-1] != 7:
            raise ImageError(f"{self.model}: outputs shape {output.shape}, not an SSD detector's (1, 1, N, 7)")
        rows = output.reshape(-1, 7)
        rows = rows[rows[:, 2] >= self.confidence]
        corners = np.clip(rows[:, 3:7], 0, 1) * [width, height, width, height]
        boxes = np.round(np.column_stack([corners[:, :2], corners[:, 2:] - corners[:, :2]])).astype(np.int64)
        return _inside(boxes, picture.shape)


# --- reading expressions -------------------------------------------------------------


def crop_face(grey_picture: np.ndarray, box, size: tuple[int, int] = (48, 48), margin: float = MARGIN) -> np.ndarray:
    """The face in ``box`` as a model wants it: a square around the box's centre,
    ``margin`` of its side larger on every side, resized to ``size`` (height, width).
    Where the square leaves the picture its border is repeated, so a face at the
    edge is never squashed."""
    x, y, width, height = (int(v) for v in box)
    side = max(1, round(max(width, height) * (1 + 2 * margin)))
    left, top = round(x + width / 2 - side / 2), round(y + height / 2 - side / 2)
    rows, columns = grey_picture.shape[:2]
    window = grey_picture[max(top, 0):min(top + side, rows), max(left, 0):min(left + side, columns)]
    pads = (max(0, -top), max(0, top + side - rows), max(0, -left), max(0, left + side - columns))
    if any(pads):
        window = cv2.copyMakeBorder(window, *pads, cv2.BORDER_REPLICATE)
    return cv2.resize(window, size[::-1], interpolation=cv2.INTER_AREA)


def emotion_model(model=None):
    """The network that reads the faces: the reference model shipped in the package
    (``None`` or ``"reference"``), a loaded ``keras.Model``, or the path of a
    ``.keras`` file (a run's ``artifacts/run-*/model.keras``). It must take grey
    faces (H, W, 1) of raw 0-255 pixels and output seven probabilities, as every
    network of this package does."""
    import keras

    if model is None or (isinstance(model, str) and model == reference.NAME):
        model = reference.load_model()
    elif not isinstance(model, keras.Model):
        path = Path(model)
        if path.suffix != ".keras":
            raise ValueError(f"{model!r} is neither {reference.NAME!r} (the shipped model) nor a .keras file")
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such model file")
        model = reference.load_model(path)
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
    """Every face in ``picture`` (a path or an array, see :func:`as_picture`) with
    its box, its emotion and all seven probabilities; an empty list when no face
    is found. ``model``: see :func:`emotion_model`; ``detector``: a
    :class:`HaarDetector` (the default) or :class:`DnnDetector`."""
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


# --- pictures to try it on ------------------------------------------------------------


def demo_photos() -> dict[str, np.ndarray]:
    """Real photos that ship inside installed packages (RGB), so the chapter needs
    no download: scikit-image's astronaut (Eileen Collins), cameraman and coins,
    Matplotlib's Grace Hopper, and a group of faces from scikit-image's LFW sample."""
    import matplotlib.cbook
    import matplotlib.image
    import skimage.data

    hopper = matplotlib.image.imread(matplotlib.cbook.get_sample_data("grace_hopper.jpg"))
    return {
        "astronaut": skimage.data.astronaut(),
        "Grace Hopper": as_picture(hopper),
        "cameraman": as_picture(skimage.data.camera()),
        "coins": as_picture(skimage.data.coins()),
        "group": group_photo(skimage.data.lfw_subset()[:12]),
    }


def group_photo(faces: np.ndarray, columns: int = 4, side: int = 80, gap: int = 20) -> np.ndarray:
    """Small face crops (n, H, W; uint8, or floats in 0..1) laid out like a class
    photo, ``side`` pixels each with a grey ``gap`` around them: a picture with
    several faces (the Haar cascade needs a little background around a face)."""
    tiles = [cv2.copyMakeBorder(cv2.resize(grey(as_picture(face)), (side, side), interpolation=cv2.INTER_CUBIC),
                                gap, gap, gap, gap, cv2.BORDER_CONSTANT, value=128) for face in faces]
    tiles += [np.full_like(tiles[0], 128)] * (-len(tiles) % columns)
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    return as_picture(np.vstack(rows))


def hard_versions(picture: np.ndarray) -> dict[str, np.ndarray]:
    """The same photo made harder in the ways that make a Haar cascade miss faces:
    mirrored (as a control), turned by 30 and by 90 degrees, darkened to a flat
    quarter of its contrast, and shrunk to an eighth (faces below ``min_size``)."""
    height, width = picture.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), 30, 1.0)
    small = cv2.resize(picture, (width // 8, height // 8), interpolation=cv2.INTER_AREA)
    canvas = np.full_like(picture, 128)
    canvas[:small.shape[0], :small.shape[1]] = small
    return {
        "mirrored": picture[:, ::-1].copy(),
        "turned 30°": cv2.warpAffine(picture, turn, (width, height), borderMode=cv2.BORDER_REPLICATE),
        "turned 90°": np.ascontiguousarray(np.rot90(picture)),
        "dark and flat": (picture * 0.25 + 20).astype(np.uint8),
        "an eighth of the size": canvas,
    }


def panning_frames(picture: np.ndarray, frames: int, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """``frames`` RGB frames of ``size`` (width, height) in which ``picture``, scaled
    to the frame's height, slides from the left edge to the right across a grey
    background, like a person walking past a camera: a video with the same whole
    faces in every frame, for the frame loop and the speed benchmark."""
    width, height = size
    scale = min(height / picture.shape[0], width / picture.shape[1])
    photo = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    top, room = (height - photo.shape[0]) // 2, width - photo.shape[1]
    video = []
    for x in np.linspace(0, room, frames).round().astype(int):
        frame = np.full((height, width, 3), 128, np.uint8)
        frame[top:top + photo.shape[0], x:x + photo.shape[1]] = photo
        video.append(frame)
    return video


# --- drawing ---------------------------------------------------------------------------


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


def save_image(picture: np.ndarray, path) -> Path:
    """Write an RGB picture to ``path`` (PNG, JPEG, ... by its suffix)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        written = cv2.imwrite(str(path), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    except cv2.error as error:
        raise ImageError(f"{path}: could not write the picture ({_reason(error)})") from None
    if not written:
        raise ImageError(f"{path}: could not write the picture (use a suffix such as .png or .jpg)")
    return path


# --- video files and cameras -------------------------------------------------------------


def open_video(source) -> cv2.VideoCapture:
    """A video file (its path) or a camera (its index, 0 for the first) opened for reading."""
    if isinstance(source, (int, np.integer)):
        capture = cv2.VideoCapture(int(source))
        if not capture.isOpened():
            raise ImageError(f"camera {source}: could not be opened (no camera with that index, "
                             f"or another program is using it)")
        return capture
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video file")
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise ImageError(f"{path}: not a video OpenCV can read (MP4, AVI, MKV, ... in a codec its FFmpeg knows)")
    return capture


class VideoOut:
    """A video file written frame by frame from RGB frames (MP4 or AVI, by the
    suffix), sized by the first frame; use it in a ``with`` block."""

    def __init__(self, path, fps: float = 25.0):
        self.path, self.fps = Path(path), fps
        if self.path.suffix.lower() not in VIDEO_CODECS:
            raise ValueError(f"{self.path}: write videos as {' or '.join(VIDEO_CODECS)}")
        self.writer = None

    def write(self, frame: np.ndarray) -> None:
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            codec = cv2.VideoWriter_fourcc(*VIDEO_CODECS[self.path.suffix.lower()])
            self.writer = cv2.VideoWriter(str(self.path), codec, self.fps, (frame.shape[1], frame.shape[0]))
            if not self.writer.isOpened():
                raise ImageError(f"{self.path}: OpenCV could not open it for writing")
        self.writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.writer is not None:
            self.writer.release()


def write_video(frames: Iterable[np.ndarray], path, fps: float = 25.0) -> Path:
    """Write RGB frames of one size as a video file (.mp4 or .avi)."""
    with VideoOut(path, fps) as out:
        for frame in frames:
            out.write(frame)
    return Path(path)


@dataclass
class StreamStats:
    """What :func:`run_stream` measured."""

    frames: int = 0
    faces: int = 0
    seconds: float = 0.0
    """Wall time of the whole loop: reading, finding, classifying, drawing, showing."""
    detect_seconds: float = 0.0
    classify_seconds: float = 0.0

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0


def process_frames(
    frames: Iterable[np.ndarray], model=None, detector=None, margin: float = MARGIN,
    on_frame: Callable[[np.ndarray, list[Face], StreamStats], bool | None] | None = None,
) -> StreamStats:
    """The frame loop of a video or a webcam: for each RGB frame, find and classify
    its faces, draw them, and hand the labelled frame, its faces and the running
    statistics to ``on_frame``; stop when the frames end or ``on_frame`` returns
    False. The statistics time every step, getting the frames included."""
    model, detector = emotion_model(model), detector or HaarDetector()
    stats = StreamStats()
    start = time.perf_counter()
    for picture in frames:
        found, detecting, classifying = _read_faces(picture, model, detector, margin)
        stats.frames += 1
        stats.faces += len(found)
        stats.detect_seconds += detecting
        stats.classify_seconds += classifying
        stats.seconds = time.perf_counter() - start
        if on_frame is not None and on_frame(annotate(picture, found), found, stats) is False:
            break
    stats.seconds = time.perf_counter() - start
    return stats


def run_stream(source, model=None, detector=None, margin: float = MARGIN, max_frames: int | None = None,
               on_frame=None) -> StreamStats:
    """:func:`process_frames` on the frames of ``source``, a video file's path or a
    camera's index, until the video ends, after ``max_frames``, or when
    ``on_frame`` returns False."""
    model = emotion_model(model)  # loaded before the camera starts
    capture = open_video(source)
    try:
        return process_frames(_frames(capture, max_frames), model, detector, margin, on_frame)
    finally:
        capture.release()


def _frames(capture: cv2.VideoCapture, max_frames: int | None):
    """The frames of an opened video or camera, as RGB."""
    count = 0
    while max_frames is None or count < max_frames:
        ok, frame = capture.read()
        if not ok:
            return
        count += 1
        yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def live_window(title: str = "fer-utils webcam") -> Callable[[np.ndarray], bool]:
    """A window that shows RGB frames as they come: ``show(frame)`` returns False
    once the user pressed q or Esc, or closed the window.

    OpenCV's own window where OpenCV has a GUI (the ``opencv-python`` wheel);
    the project pins the smaller headless wheel, so otherwise a Matplotlib
    window, which needs an interactive backend (a desktop session).
    """
    try:
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)
    except cv2.error:
        return _matplotlib_window(title)

    def show(frame: np.ndarray) -> bool:
        cv2.imshow(title, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        key = cv2.waitKey(1) & 0xFF
        return key not in (ord("q"), 27) and cv2.getWindowProperty(title, cv2.WND_PROP_VISIBLE) >= 1

    return show


def _matplotlib_window(title: str) -> Callable[[np.ndarray], bool]:
    import matplotlib
    import matplotlib.pyplot as plt

    backend = matplotlib.get_backend().lower()
    if backend in ("agg", "pdf", "ps", "svg", "cairo", "template") or "inline" in backend:
        raise RuntimeError(
            f"no window can be shown here: this OpenCV has no GUI and Matplotlib's backend is {backend!r} "
            f"(no desktop session); run it on a desktop, or use --out FILE.mp4 / --no-window"
        )
    plt.ion()
    figure, ax = plt.subplots(num=title)
    ax.set_axis_off()
    state = {"image": None, "pressed": False}
    figure.canvas.mpl_connect("key_press_event", lambda event: state.update(pressed=event.key in ("q", "escape")))

    def show(frame: np.ndarray) -> bool:
        if state["image"] is None:
            state["image"] = ax.imshow(frame)
        else:
            state["image"].set_data(frame)
        plt.pause(0.001)
        return plt.fignum_exists(figure.number) and not state["pressed"]

    return show
