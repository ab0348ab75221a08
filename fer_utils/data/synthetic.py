"""The embedded demo set: synthetic 48x48 grayscale faces for the seven emotions.

Why it exists: every notebook chapter has to run on a fresh clone, without
downloading FER-2013, and the tests have to run anywhere. So this module draws
cartoon faces with OpenCV primitives. Each emotion moves a few facial cues
(brows, eyelids, mouth, nose) roughly the way the Facial Action Coding System
describes it, with a random intensity, so that related emotions (fear and
surprise, anger and disgust, sadness and neutral) overlap. Pose, face shape,
tones, lighting, blur, noise and occluders vary at random, so that a model has
to learn the cues rather than fixed pixel positions.

It is a toy. It shows that code runs and that a model learns *something*; it
says nothing about real faces. Figures and tables made from it carry
``SYNTHETIC_TAG`` (see :mod:`fer_utils.data.dataset`).
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np

from fer_utils.data.dataset import SPLITS, FaceDataset
from fer_utils.data.labels import EMOTIONS, NUM_CLASSES

IMAGE_SIZE = 48
CANVAS = 2 * IMAGE_SIZE
"""Faces are drawn at twice the final size and then shrunk: smoother edges."""

# --- class balance of FER-2013 ----------------------------------------------

FER_TRAIN_COUNTS = (3995, 436, 4097, 7215, 4830, 3171, 4965)
"""Training images per emotion in FER-2013 (28,709 in all)."""

FER_TEST_COUNTS = (958, 111, 1024, 1774, 1247, 831, 1233)
"""PublicTest + PrivateTest images per emotion (7,178 in all). Each of the two
halves (our validation and test splits) gets these proportions."""

FER_SPLIT_SIZES = {"train": 28709, "validation": 3589, "test": 3589}

MIN_IMAGES = 3 * NUM_CLASSES
"""Smallest demo set accepted. From 70 images on, every emotion is in every split."""


# --- the expressions ----------------------------------------------------------


class Cues(NamedTuple):
    """How far each facial feature is moved from the relaxed face."""

    brow_raise: float  # brows up (+) or pulled down (-)
    brow_tilt: float  # inner brow ends up (+, sadness, fear) or down (-, anger)
    eye_open: float  # eye opening; 1 = relaxed, larger = wide eyes
    lid_drop: float  # fraction of the eye hidden by a lowered upper lid
    mouth_width: float  # 1 = relaxed; stretched (>1) or pursed (<1)
    mouth_curve: float  # mouth corners up (+, smile) or down (-)
    mouth_open: float  # jaw drop; 0 = closed lips
    lip_raise: float  # upper lip raised on one side (disgust)
    nose_wrinkle: float  # wrinkles on the nose and beside the nostrils


RELAXED = Cues(0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)

# fmt: off
EMOTION_CUES = {
    #                raise   tilt   eye   lid  width  curve  open   lip  wrinkle
    "angry":    Cues(-0.9, -1.1, 0.85, 0.40, 0.80, -0.20, 0.00, 0.0, 0.2),
    "disgust":  Cues(-0.5, -0.4, 0.75, 0.30, 0.90, -0.45, 0.10, 1.0, 1.0),
    "fear":     Cues(+0.8, +0.8, 1.55, 0.00, 1.20, -0.35, 0.35, 0.0, 0.0),
    "happy":    Cues(+0.1, 0.00, 0.80, 0.05, 1.25, +1.00, 0.40, 0.0, 0.4),
    "sad":      Cues(-0.1, +1.0, 0.85, 0.30, 0.90, -0.75, 0.00, 0.0, 0.0),
    "surprise": Cues(+1.2, +0.1, 1.65, 0.00, 0.70, 0.00, 1.00, 0.0, 0.0),
    "neutral":  RELAXED,
}
# fmt: on
"""The full-intensity expression of each emotion. A sample moves from the relaxed
face towards it by a random intensity (``INTENSITY_RANGE``)."""

INTENSITY_RANGE = (0.35, 1.0)
CUE_JITTER = Cues(0.25, 0.25, 0.12, 0.08, 0.08, 0.15, 0.06, 0.15, 0.15)
"""Standard deviation of the per-sample noise added to every cue: faces differ
even at rest, and weak expressions of neighbouring emotions become confusable."""
CUE_LOW = Cues(-2.0, -2.0, 0.45, 0.0, 0.55, -1.5, 0.0, 0.0, 0.0)
CUE_HIGH = Cues(2.0, 2.0, 2.0, 0.65, 1.5, 1.5, 1.3, 1.5, 1.5)

_FULL = np.array([EMOTION_CUES[name] for name in EMOTIONS])
_RELAXED, _JITTER, _LOW, _HIGH = (np.array(c) for c in (RELAXED, CUE_JITTER, CUE_LOW, CUE_HIGH))

# --- nuisance variation -----------------------------------------------------

ROTATION_DEG = 15.0
SHIFT_PX = 3.0
SCALE_RANGE = (0.9, 1.1)
LIGHT_GRADIENT = 50.0
"""Largest brightness difference (grey levels) across the image from uneven light."""
BLUR_SIGMA = (0.3, 1.0)
NOISE_SIGMA = (2.0, 9.0)
BACKGROUND_CLUTTER = 80.0
"""Spread (grey levels) of the smooth random scenery behind the head. Without it,
unrelated demo faces are so alike that the audit would take them for copies."""
HAIR_CHANCE = 0.7
OCCLUDER_CHANCE = 0.2

# coordinates from -0.5 (left/top) to 0.5 (right/bottom), for the light gradient
_Y, _X = np.mgrid[-0.5 : 0.5 : IMAGE_SIZE * 1j, -0.5 : 0.5 : IMAGE_SIZE * 1j].astype(np.float32)


class _Head(NamedTuple):
    """Where the face sits on the canvas and its grey tones."""

    cx: float
    cy: float
    half_w: float
    half_h: float
    eye_y: float
    skin: float
    ink: float  # brows, lips, eye lines: a darker shade of the skin


def _pt(x: float, y: float) -> tuple[int, int]:
    """Canvas coordinates as the integer pixel OpenCV wants (all are positive)."""
    return int(x + 0.5), int(y + 0.5)


def _poly(xs, ys) -> np.ndarray:
    """Points with coordinates ``xs``, ``ys`` as the int32 (N, 2) array cv2.polylines wants."""
    return (np.array((xs, ys)).T + 0.5).astype(np.int32)


# --- the class plan -----------------------------------------------------------


def _largest_remainder(total: int, weights) -> np.ndarray:
    """Integer shares of ``total`` proportional to ``weights`` that sum exactly to it."""
    quotas = total * np.asarray(weights, dtype=float) / np.sum(weights)
    counts = np.floor(quotas).astype(int)
    by_remainder = np.argsort(counts - quotas, kind="stable")
    counts[by_remainder[: total - counts.sum()]] += 1
    return counts


def _class_plan(n_images: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and splits, in sorted order, following FER-2013's proportions."""
    split_sizes = _largest_remainder(n_images, [FER_SPLIT_SIZES[split] for split in SPLITS])
    labels, splits = [], []
    for split, size in zip(SPLITS, split_sizes):
        counts = _largest_remainder(size, FER_TRAIN_COUNTS if split == "train" else FER_TEST_COUNTS)
        if size >= NUM_CLASSES:  # disgust may round to 0: give it one from the largest class
            for emotion in np.flatnonzero(counts == 0):
                counts[np.argmax(counts)] -= 1
                counts[emotion] = 1
        labels.append(np.repeat(np.arange(NUM_CLASSES), counts))
        splits.append(np.full(size, split))
    return np.concatenate(labels), np.concatenate(splits)


# --- drawing -------------------------------------------------------------------
# Scalar draws go through ``_between`` and ``_sign``: ``rng.random()`` costs a
# third of ``rng.uniform(a, b)``, which matters at ~40 draws per face.


def _between(rng: np.random.Generator, low: float, high: float) -> float:
    return low + (high - low) * rng.random()


def _sign(rng: np.random.Generator) -> float:
    return 1.0 if rng.random() < 0.5 else -1.0


def _sample_cues(emotion: int, rng: np.random.Generator) -> Cues:
    """The emotion's cues at a random intensity, plus a little per-face jitter."""
    intensity = _between(rng, *INTENSITY_RANGE)
    values = _RELAXED + intensity * (_FULL[emotion] - _RELAXED)
    values += rng.standard_normal(len(values)) * _JITTER
    return Cues(*np.clip(values, _LOW, _HIGH).tolist())


def _draw_background(rng: np.random.Generator, tone: float) -> np.ndarray:
    """A canvas of the given mean tone with smooth blotches, like an out-of-focus room."""
    coarse = rng.standard_normal((7, 7)).astype(np.float32) * BACKGROUND_CLUTTER
    scenery = tone + cv2.resize(coarse, (CANVAS, CANVAS), interpolation=cv2.INTER_CUBIC)
    scenery = 255 - np.abs(255 - np.abs(scenery))  # fold back into 0..255: no flat clipped areas
    return np.clip(scenery, 0, 255).astype(np.uint8)


def _draw_head(canvas: np.ndarray, rng: np.random.Generator, background: float) -> _Head:
    """Hair, neck, ears and the face oval; returns the geometry the features use."""
    half_w = CANVAS * _between(rng, 0.29, 0.34)
    half_h = half_w * _between(rng, 1.15, 1.35)
    cx, cy = CANVAS / 2, CANVAS / 2 + _between(rng, 0, 4)
    skin = min(max(background + _sign(rng) * _between(rng, 35, 100), 80), 225)
    head = _Head(cx, cy, half_w, half_h, cy - 0.12 * half_h, skin, skin * _between(rng, 0.25, 0.5))

    hair = None
    if rng.random() < HAIR_CHANCE:
        hair = _between(rng, 10, 90) if rng.random() < 0.8 else _between(rng, 150, 230)
        hair_axes = _pt(half_w * _between(rng, 1.05, 1.2), half_h * _between(rng, 0.95, 1.1))
        cv2.ellipse(canvas, _pt(cx, cy - 0.15 * half_h), hair_axes, 0, 0, 360, hair, -1)
    neck = (_pt(cx - 0.55 * half_w, cy), _pt(cx + 0.55 * half_w, CANVAS))
    cv2.rectangle(canvas, *neck, skin * 0.85, -1)
    for side in (-1, 1):
        ear = _pt(cx + side * half_w, head.eye_y + 0.1 * half_h)
        cv2.ellipse(canvas, ear, _pt(0.16 * half_w, 0.22 * half_h), 0, 0, 360, skin * 0.92, -1)
    cv2.ellipse(canvas, _pt(cx, cy), _pt(half_w, half_h), 0, 0, 360, skin, -1)
    if hair is not None:  # the fringe: a cap over the top of the forehead
        fringe = _pt(half_w, half_h * _between(rng, 0.3, 0.45))
        cv2.ellipse(canvas, _pt(cx, cy - 0.62 * half_h), fringe, 0, 180, 360, hair, -1)
    return head


def _draw_eyes(canvas: np.ndarray, head: _Head, cues: Cues, rng: np.random.Generator) -> None:
    """Wide eyes show white around the iris (surprise, fear); a lowered lid hides its top."""
    half_w = 0.21 * head.half_w
    half_h = 0.085 * head.half_h * cues.eye_open
    white = min(255.0, head.skin + _between(rng, 35, 80))
    iris_r = 0.45 * half_w
    gaze = _between(rng, -0.2, 0.2) * half_w
    for side in (-1, 1):
        x, y = head.cx + side * 0.4 * head.half_w, head.eye_y
        cv2.ellipse(canvas, _pt(x, y), _pt(half_w, half_h), 0, 0, 360, white, -1)
        iris_axes = _pt(iris_r, min(iris_r, half_h))
        cv2.ellipse(canvas, _pt(x + gaze, y), iris_axes, 0, 0, 360, head.ink * 0.6, -1)
        cv2.ellipse(canvas, _pt(x, y), _pt(half_w, half_h), 0, 180, 360, head.ink, 2)
        if cues.lid_drop > 0.05:
            lid_y = y - half_h + 2 * half_h * cues.lid_drop
            lid = (_pt(x - half_w - 1, y - half_h - 3), _pt(x + half_w + 1, lid_y))
            cv2.rectangle(canvas, *lid, head.skin, -1)
            cv2.line(canvas, _pt(x - half_w, lid_y), _pt(x + half_w, lid_y), head.ink, 2)


def _draw_brows(canvas: np.ndarray, head: _Head, cues: Cues, rng: np.random.Generator) -> None:
    """Brows move up and down as a whole (raise) and pivot at their inner ends (tilt)."""
    base_y = head.eye_y - 0.22 * head.half_h - cues.brow_raise * 0.08 * head.half_h
    inner_y = base_y - cues.brow_tilt * 0.08 * head.half_h
    outer_y = base_y + cues.brow_tilt * 0.02 * head.half_h
    inner_x = (0.14 + 0.04 * min(cues.brow_tilt, 0)) * head.half_w  # frowning pulls them together
    outer_x = 0.68 * head.half_w
    arch = 0.04 * head.half_h * (1 + max(cues.brow_raise, 0))
    thickness = 3 + int(3 * rng.random())
    ys = (inner_y, (inner_y + outer_y) / 2 - arch, outer_y)
    for side in (-1, 1):
        xs = [head.cx + side * x for x in (inner_x, (inner_x + outer_x) / 2, outer_x)]
        cv2.polylines(canvas, [_poly(xs, ys)], False, head.ink, thickness)
    if cues.brow_raise > 0.7:  # raised brows fold the forehead
        half_len = 0.35 * head.half_w
        for k in (1, 2):
            y = base_y - arch - 0.1 * k * head.half_h
            fold = head.skin * 0.8
            cv2.line(canvas, _pt(head.cx - half_len, y), _pt(head.cx + half_len, y), fold, 1)


def _draw_nose(canvas: np.ndarray, head: _Head, cues: Cues) -> None:
    """Bridge and nostrils; for disgust, wrinkles across the bridge and beside the nostrils."""
    shade = head.skin * 0.72
    tip_y = head.cy + 0.24 * head.half_h
    bridge = (_pt(head.cx, head.eye_y + 0.08 * head.half_h), _pt(head.cx + 2, tip_y - 3))
    cv2.line(canvas, *bridge, shade, 2)
    nostrils = _pt(0.17 * head.half_w, 0.06 * head.half_h)
    cv2.ellipse(canvas, _pt(head.cx, tip_y), nostrils, 0, 0, 180, shade, 2)
    if cues.nose_wrinkle > 0.25:
        crease = head.skin * (1 - 0.35 * min(cues.nose_wrinkle, 1.0))
        half_len = 0.1 * head.half_w
        for k in range(1 + int(cues.nose_wrinkle * 2)):
            y = head.eye_y + (0.06 + 0.07 * k) * head.half_h
            cv2.line(canvas, _pt(head.cx - half_len, y), _pt(head.cx + half_len, y), crease, 2)
        for side in (-1, 1):
            start = _pt(head.cx + side * 0.22 * head.half_w, tip_y - 2)
            end = _pt(head.cx + side * 0.38 * head.half_w, head.cy + 0.48 * head.half_h)
            cv2.line(canvas, start, end, crease, 2)


_LIP_X = np.linspace(-1.0, 1.0, 13)
"""Points along the mouth, corner to corner, and three profiles along it: how far
each point moves when the corners lift, when the jaw opens (an oval) and when the
upper lip is raised (most in the middle)."""
_CORNER_LIFT = _LIP_X**2
_JAW_DROP = np.sqrt(1 - _LIP_X**2)
_LIP_BULGE = 1 - _LIP_X**2


def _draw_mouth(canvas: np.ndarray, head: _Head, cues: Cues, rng: np.random.Generator) -> None:
    """Lips as two curves: corners lifted or dropped, opened as an oval, one side raised."""
    xs = head.cx + 0.34 * head.half_w * cues.mouth_width * _LIP_X
    middle = head.cy + 0.52 * head.half_h - cues.mouth_curve * 0.14 * head.half_h * _CORNER_LIFT
    opening = cues.mouth_open * 0.24 * head.half_h
    sneer = cues.lip_raise * 0.1 * head.half_h * _LIP_BULGE * (0.5 + 0.5 * _sign(rng) * _LIP_X)
    upper = middle - 0.3 * opening * _JAW_DROP - sneer
    thickness = 2 + int(3 * rng.random())
    if opening > 2.0:
        lower = middle + opening * _JAW_DROP
        around = np.concatenate((xs, xs[::-1]))  # along the upper lip, back along the lower
        lips = _poly(around, np.concatenate((upper, lower[::-1])))
        cv2.fillPoly(canvas, [lips], head.ink * 0.5)
        if cues.mouth_curve > 0.3:  # a broad smile shows the upper teeth
            teeth = upper + 0.45 * (lower - upper)
            band = _poly(around, np.concatenate((upper, teeth[::-1])))
            cv2.fillPoly(canvas, [band], min(255.0, head.skin + 60))
        cv2.polylines(canvas, [lips], True, head.ink, thickness)
    else:
        cv2.polylines(canvas, [_poly(xs, upper)], False, head.ink, thickness)


def _draw_occluder(canvas: np.ndarray, head: _Head, rng: np.random.Generator) -> None:
    """Glasses, a hand or some object in front of the face, as in real photos."""
    kind = rng.random()
    if kind < 1 / 3:  # dark glasses: a bar across the eyes
        half = _between(rng, 0.08, 0.14) * head.half_h
        top_left = _pt(head.cx - 0.95 * head.half_w, head.eye_y - half)
        bottom_right = _pt(head.cx + 0.95 * head.half_w, head.eye_y + half)
        cv2.rectangle(canvas, top_left, bottom_right, _between(rng, 0, 100), -1)
    elif kind < 2 / 3:  # a hand on the cheek or chin
        x = head.cx + _between(rng, -0.8, 0.8) * head.half_w
        y = head.cy + _between(rng, 0.3, 1.0) * head.half_h
        axes = _pt(_between(rng, 0.25, 0.4) * head.half_w, _between(rng, 0.35, 0.55) * head.half_h)
        tone = head.skin * _between(rng, 0.8, 1.1)
        cv2.ellipse(canvas, _pt(x, y), axes, _between(rng, 0, 180), 0, 360, tone, -1)
    else:  # any object poking into the picture
        x, y = _between(rng, 0, CANVAS), _between(rng, 0, CANVAS)
        w, h = _between(rng, 0.15, 0.35) * CANVAS, _between(rng, 0.15, 0.35) * CANVAS
        cv2.rectangle(canvas, _pt(x, y), _pt(x + w, y + h), _between(rng, 0, 255), -1)


def _photograph(canvas: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shrink to 48x48, then pose, uneven light, blur and sensor noise."""
    image = cv2.resize(canvas, (IMAGE_SIZE, IMAGE_SIZE), interpolation=cv2.INTER_AREA)
    angle, scale = _between(rng, -ROTATION_DEG, ROTATION_DEG), _between(rng, *SCALE_RANGE)
    pose = cv2.getRotationMatrix2D((IMAGE_SIZE / 2, IMAGE_SIZE / 2), angle, scale)
    pose[:, 2] += (_between(rng, -SHIFT_PX, SHIFT_PX), _between(rng, -SHIFT_PX, SHIFT_PX))
    image = cv2.warpAffine(image, pose, (IMAGE_SIZE, IMAGE_SIZE), borderMode=cv2.BORDER_REPLICATE)
    direction, strength = _between(rng, 0, 2 * np.pi), _between(rng, 0, LIGHT_GRADIENT)
    image = image + (strength * np.cos(direction) * _X + strength * np.sin(direction) * _Y)
    image = cv2.GaussianBlur(image, (0, 0), _between(rng, *BLUR_SIGMA))
    noise = rng.standard_normal(image.shape, dtype=np.float32)
    # image + sigma * noise, rounded and clipped to 0..255 by OpenCV in one step
    return cv2.addWeighted(image, 1.0, noise, _between(rng, *NOISE_SIGMA), 0.0, dtype=cv2.CV_8U)


def draw_face(emotion: int, rng: np.random.Generator) -> np.ndarray:
    """One synthetic 48x48 uint8 face showing ``emotion`` (0..6, FER-2013 order).

    All randomness comes from ``rng``, so a seeded generator gives the same face.
    """
    if emotion not in range(NUM_CLASSES):
        raise ValueError(f"emotion must be an integer in 0..{NUM_CLASSES - 1}, got {emotion!r}")
    cues = _sample_cues(emotion, rng)
    background = _between(rng, 15, 240)
    canvas = _draw_background(rng, background)
    head = _draw_head(canvas, rng, background)
    _draw_eyes(canvas, head, cues, rng)
    _draw_brows(canvas, head, cues, rng)
    _draw_nose(canvas, head, cues)
    _draw_mouth(canvas, head, cues, rng)
    if rng.random() < OCCLUDER_CHANCE:
        _draw_occluder(canvas, head, rng)
    return _photograph(canvas, rng)


def make_demo_dataset(n_images: int = 3589, seed: int = 0) -> FaceDataset:
    """The demo set: ``n_images`` synthetic faces split and balanced like FER-2013.

    Training, validation and test sizes follow FER-2013's 28709 : 3589 : 3589, the
    emotions within each split follow FER-2013's class counts (so disgust is rare),
    and samples are shuffled so the splits interleave as in the real CSV. The same
    ``seed`` always gives the same dataset, bit for bit.
    """
    if isinstance(n_images, bool) or not isinstance(n_images, (int, np.integer)):
        raise ValueError(f"n_images must be an integer, got {n_images!r}")
    if n_images < MIN_IMAGES:
        raise ValueError(
            f"n_images must be at least {MIN_IMAGES} (3 splits x {NUM_CLASSES} emotions), "
            f"got {n_images}"
        )
    rng = np.random.default_rng(seed)
    labels, splits = _class_plan(int(n_images))
    order = rng.permutation(len(labels))
    labels, splits = labels[order].astype(np.int64), splits[order]
    images = np.empty((len(labels), IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    for i, emotion in enumerate(labels):
        images[i] = draw_face(int(emotion), rng)
    sources = np.array([f"demo:{i:06d}" for i in range(len(labels))])
    return FaceDataset(
        images=images,
        labels=labels,
        splits=splits,
        sources=sources,
        name="Demo faces",
        origin=f"generated by fer_utils.data.synthetic (seed={seed})",
        synthetic=True,
    )
