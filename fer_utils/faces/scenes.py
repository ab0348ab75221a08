"""Labelled pictures for judging face detectors: where the faces are is known, so a
detector's answer can be scored as faces found, missed and invented.

:func:`labelled_scenes` builds 640x480 frames (a webcam's size) from real faces in
photos that ship with installed packages (scikit-image's astronaut, Eileen
Collins; Matplotlib's Grace Hopper), placed on scikit-image's photos without
people (a cat, coffee, coins, a rocket, bricks, grass, gravel, a horse) at known
boxes, and varied one condition at a time: the face's size, its rotation, the
lighting, two faces in one frame, and frames with no face at all. Positions and
backgrounds are drawn with a seed, so the set is the same on every machine.
:func:`demo_scenes` gives chapter 9's own photos with their faces marked.

:func:`score_detectors` runs detectors over scenes and counts, per scene, the
faces found, missed and invented, with the milliseconds each search took;
:func:`detector_summary` adds them up per detector (and per condition).
A detection finds a true face when its centre lies inside the true box and its
side is between half and twice the true side: detectors draw their boxes a
little differently (the Haar cascade from the brows, BlazeFace from the
forehead), and this rule accepts both while rejecting a box on a neighbour or
one around the whole head and shoulders.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import cv2
import numpy as np
import pandas as pd

from fer_utils.faces.demo import GROUP_GAP, GROUP_SIDE, demo_photos
from fer_utils.faces.images import as_picture

FRAME = (640, 480)
"""Width and height of the labelled frames: a webcam's."""
FACE_BOXES = {
    "astronaut": (176, 68, 100, 100),
    "Grace Hopper": (160, 120, 210, 210),
    "cameraman": (186, 120, 82, 82),
}
"""The face in each single-person demo photo (x, y, width, height), from the brows
to the chin, drawn by hand (a square where the Haar cascade and BlazeFace agree)."""
BACKGROUNDS = ("chelsea", "coffee", "coins", "rocket", "brick", "grass", "gravel", "horse")
"""scikit-image's photos without a person, as backgrounds (the cat and the coins
are there on purpose: round shapes with dark spots tempt a detector)."""
SIZES = (32, 48, 72, 110, 160, 240)
ANGLES = (-45, -30, -15, 15, 30, 45, 90)
LIGHTING = ("dark", "bright", "low contrast", "side light")
SIDE = 120
"""A face's side in the rotation, lighting and two-face scenes."""


@dataclass(frozen=True)
class Scene:
    """A picture whose faces are known."""

    name: str
    picture: np.ndarray
    """RGB, uint8."""
    boxes: np.ndarray
    """The true faces (n, 4: x, y, width, height)."""
    condition: str
    """What the scene varies: ``"size"``, ``"rotation"``, ``"lighting"``, ``"two faces"``,
    ``"no face"``, or ``"photo"`` for chapter 9's own photos."""
    value: str
    """Its setting, such as ``"48 px"``, ``"30°"`` or ``"dark"``."""


@functools.lru_cache(maxsize=None)
def _photo(name: str) -> np.ndarray:
    """One of scikit-image's photos as RGB uint8 (the horse is a black-and-white mask)."""
    import skimage.data

    picture = np.asarray(getattr(skimage.data, name)())
    return as_picture(picture.astype(np.uint8) * 255 if picture.dtype == bool else picture)


def _background(name: str, rng: np.random.Generator) -> np.ndarray:
    """A scikit-image photo scaled to cover a frame, cut at a random place."""
    picture = _photo(name)
    width, height = FRAME
    scale = max(width / picture.shape[1], height / picture.shape[0])
    size = (max(width, round(picture.shape[1] * scale)), max(height, round(picture.shape[0] * scale)))
    picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    left = int(rng.integers(0, size[0] - width + 1))
    top = int(rng.integers(0, size[1] - height + 1))
    return np.ascontiguousarray(picture[top:top + height, left:left + width])


def _head(photo: np.ndarray, box, side: int, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """The head around ``box`` in ``photo``, scaled so that the face is ``side`` pixels,
    turned by ``angle`` degrees (counter-clockwise), and a soft round mask that
    keeps the head and a little around it: (patch, mask in 0..1), both square."""
    x, y, width, height = box
    centre = (x + width / 2, y + height / 2)
    scale = side / width
    patch_side = int(round(2.4 * side)) | 1
    turn = cv2.getRotationMatrix2D(centre, angle, scale)
    turn[:, 2] += np.array([patch_side / 2, patch_side / 2]) - centre  # the face's centre to the patch's
    patch = cv2.warpAffine(photo, turn, (patch_side, patch_side), flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC,
                           borderMode=cv2.BORDER_REPLICATE)
    yy, xx = np.mgrid[0:patch_side, 0:patch_side] - (patch_side - 1) / 2
    distance = np.hypot(xx, yy / 1.15) / side  # a little taller than wide, like a head
    mask = np.clip((1.05 - distance) / 0.2, 0, 1)
    return patch, mask


def _place(frame: np.ndarray, patch: np.ndarray, mask: np.ndarray, centre: tuple[int, int]) -> None:
    """Blend ``patch`` into ``frame`` (in place) with its centre at ``centre``, through ``mask``."""
    half = patch.shape[0] // 2
    cx, cy = centre
    top, left = cy - half, cx - half
    rows = slice(max(top, 0), min(top + patch.shape[0], frame.shape[0]))
    columns = slice(max(left, 0), min(left + patch.shape[1], frame.shape[1]))
    piece = (slice(rows.start - top, rows.stop - top), slice(columns.start - left, columns.stop - left))
    alpha = mask[piece][..., None]
    frame[rows, columns] = np.round(alpha * patch[piece] + (1 - alpha) * frame[rows, columns]).astype(np.uint8)


def _lit(frame: np.ndarray, lighting: str) -> np.ndarray:
    """The frame under other light: dark (a third of the light), bright (washed
    out), low contrast (flat grey), or side light (from the left, fading to dark)."""
    values = frame.astype(np.float32)
    if lighting == "dark":
        values = values * 0.3
    elif lighting == "bright":
        values = 255 - (255 - values) * 0.35
    elif lighting == "low contrast":
        values = 128 + (values - 128) * 0.3
    elif lighting == "side light":
        values = values * np.linspace(1.3, 0.15, frame.shape[1])[None, :, None]
    else:
        raise ValueError(f"unknown lighting {lighting!r}; choose one of {', '.join(LIGHTING)}")
    return np.clip(np.round(values), 0, 255).astype(np.uint8)


def _sources() -> dict[str, tuple[np.ndarray, tuple]]:
    photos = demo_photos()
    return {name: (photos[name], FACE_BOXES[name]) for name in ("astronaut", "Grace Hopper")}


def _frame_with_faces(rng, faces: list[tuple[np.ndarray, tuple, int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """A background with ``faces`` ((photo, box, side, angle) each) at random places
    that keep every head inside the frame and apart: the frame and the true boxes."""
    frame = _background(BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))], rng)
    width, height = FRAME
    boxes, centres = [], []
    for photo, box, side, angle in faces:
        reach = int(np.ceil(1.25 * side))  # the mask's half height
        for _ in range(100):
            centre = (int(rng.integers(reach, max(reach + 1, width - reach))),
                      int(rng.integers(reach, max(reach + 1, height - reach))))
            if all(abs(centre[0] - c[0]) > 1.1 * (side + s) for c, s in centres):
                break
        patch, mask = _head(photo, box, side, angle)
        _place(frame, patch, mask, centre)
        centres.append((centre, side))
        boxes.append((centre[0] - side // 2, centre[1] - side // 2, side, side))
    return frame, np.asarray(boxes, np.int64).reshape(-1, 4)


def labelled_scenes(seed: int = 0) -> list[Scene]:
    """The labelled 640x480 frames (see the module's description): 12 for size (faces
    of 32 to 240 pixels), 14 for rotation (-45° to 90°), 8 for lighting, 2 with two
    faces and 4 without a face; each real face is the astronaut's or Grace Hopper's,
    upright and unlit unless the scene varies that."""
    rng = np.random.default_rng(seed)
    sources = _sources()
    scenes = []

    def add(name, condition, value, faces, lighting=None):
        frame, boxes = _frame_with_faces(rng, faces)
        scenes.append(Scene(name, _lit(frame, lighting) if lighting else frame, boxes, condition, value))

    for person, (photo, box) in sources.items():
        for side in SIZES:
            add(f"{person}, {side} px", "size", f"{side} px", [(photo, box, side, 0.0)])
        for angle in ANGLES:
            add(f"{person}, turned {angle}°", "rotation", f"{angle}°", [(photo, box, SIDE, float(angle))])
        for lighting in LIGHTING:
            add(f"{person}, {lighting}", "lighting", lighting, [(photo, box, SIDE, 0.0)], lighting)
    (first, first_box), (second, second_box) = sources.values()
    for number, mirrored in enumerate((False, True), start=1):
        pair = [(first, first_box, SIDE - 20, 0.0), (second, second_box, SIDE - 20, 0.0)]
        if mirrored:
            pair = [(photo[:, ::-1].copy(), (photo.shape[1] - b[0] - b[2], *b[1:]), s, a) for photo, b, s, a in pair]
        add(f"two people {number}", "two faces", "2 faces", pair)
    for number in range(1, 5):
        add(f"no face {number}", "no face", "none", [])
    return scenes


def demo_scenes() -> list[Scene]:
    """Chapter 9's photos (:func:`~fer_utils.faces.demo.demo_photos`) with their faces
    marked: one each in the astronaut, Grace Hopper and the cameraman (small and
    turned away), none among the coins, twelve in the group."""
    photos = demo_photos()
    columns, step = 4, GROUP_SIDE + 2 * GROUP_GAP
    group = [(GROUP_GAP + step * (i % columns), GROUP_GAP + step * (i // columns), GROUP_SIDE, GROUP_SIDE)
             for i in range(12)]
    truth = {**{name: [box] for name, box in FACE_BOXES.items()}, "coins": [], "group": group}
    return [Scene(name, photos[name], np.asarray(truth[name], np.int64).reshape(-1, 4), "photo",
                  f"{len(truth[name])} face{'' if len(truth[name]) == 1 else 's'}") for name in photos]


def match_faces(found: np.ndarray, truth: np.ndarray) -> tuple[int, int, int]:
    """(found, missed, invented) for detected boxes against the true ones (both (n, 4)).

    A detection finds a true face when its centre lies inside the true box and its
    side is between half and twice the true side; each true face is found at most
    once (by the detection whose centre is nearest its own), and each detection
    finds at most one face."""
    found = np.asarray(found, np.float64).reshape(-1, 4)
    truth = np.asarray(truth, np.float64).reshape(-1, 4)
    used = np.zeros(len(found), bool)
    hits = 0
    for x, y, width, height in truth:
        centres = found[:, :2] + found[:, 2:] / 2
        inside = ((centres[:, 0] >= x) & (centres[:, 0] <= x + width) & (centres[:, 1] >= y)
                  & (centres[:, 1] <= y + height))
        side = np.sqrt(found[:, 2] * found[:, 3]) / np.sqrt(width * height)
        candidates = np.flatnonzero(inside & (side >= 0.5) & (side <= 2) & ~used)
        if len(candidates):
            distance = np.hypot(*(centres[candidates] - [x + width / 2, y + height / 2]).T)
            used[candidates[np.argmin(distance)]] = True
            hits += 1
    return hits, len(truth) - hits, len(found) - hits


def score_detectors(detectors: dict, scenes: list[Scene]) -> pd.DataFrame:
    """Each detector on each scene: one row per (detector, scene) with the scene's
    condition and value, its true faces, the faces found, missed and invented, and
    the milliseconds the search took (each detector is run once on the first scene
    before timing, so that loading its model is not counted)."""
    rows = []
    for label, detector in detectors.items():
        if scenes:
            detector.detect(scenes[0].picture)  # warm-up: loads the model, builds the interpreter
        for scene in scenes:
            start = time.perf_counter()
            boxes = detector.detect(scene.picture)
            milliseconds = 1000 * (time.perf_counter() - start)
            hits, missed, invented = match_faces(boxes, scene.boxes)
            rows.append({"detector": label, "scene": scene.name, "condition": scene.condition,
                         "value": scene.value, "faces": len(scene.boxes), "found": hits, "missed": missed,
                         "invented": invented, "ms": milliseconds})
    return pd.DataFrame(rows)


def detector_summary(scores: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """:func:`score_detectors`' rows added up per detector (and per ``by``, a column
    such as ``"condition"``): true faces, found, missed, invented, the share found,
    and the median milliseconds per picture."""
    keys = ["detector"] + ([by] if by else [])
    table = scores.groupby(keys, sort=False).agg(
        faces=("faces", "sum"), found=("found", "sum"), missed=("missed", "sum"), invented=("invented", "sum"),
        ms=("ms", "median"))
    table.insert(4, "found %", (100 * table["found"] / table["faces"].where(table["faces"] > 0)).round(1))
    return table.rename(columns={"ms": "ms per picture"})
