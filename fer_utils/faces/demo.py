"""Chapter 9's pictures to try the pipeline on, all shipped inside installed
packages so that the chapter needs no download: real photos, a group photo of
small faces, the same photo made hard for the Haar cascade, a panning "video"
of a photo, and a "video" of two people walking in from either side.
"""

from __future__ import annotations

import cv2
import numpy as np

from fer_utils.faces.images import as_picture, grey


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


GROUP_SIDE = 80
"""The side of each face in the group photo, in pixels."""
GROUP_GAP = 20
"""The grey space around each face of the group photo, in pixels."""


def group_photo(faces: np.ndarray, columns: int = 4, side: int = GROUP_SIDE, gap: int = GROUP_GAP) -> np.ndarray:
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


def two_people_frames(frames: int, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """``frames`` RGB frames of ``size`` (width, height) in which scikit-image's
    astronaut walks in from the left and Matplotlib's Grace Hopper from the right,
    each photo at 60% of the frame's height, until they stand side by side: a
    video with two faces to follow (:func:`~fer_utils.faces.video.video_table`)."""
    photos = demo_photos()
    width, height = size
    people = []
    for name in ("astronaut", "Grace Hopper"):
        photo = photos[name]
        scale = 0.6 * height / photo.shape[0]
        people.append(cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    left, right = people
    top = (height - left.shape[0]) // 2, (height - right.shape[0]) // 2
    video = []
    for step in np.linspace(0, 1, frames):
        frame = np.full((height, width, 3), 128, np.uint8)
        x_left = round(-0.5 * left.shape[1] + step * (0.5 * width - left.shape[1] + 0.5 * left.shape[1]))
        x_right = round(width - 0.5 * right.shape[1] - step * (0.5 * width - 0.5 * right.shape[1]))
        for picture, x, y in ((left, x_left, top[0]), (right, x_right, top[1])):
            start, stop = max(x, 0), min(x + picture.shape[1], width)
            frame[y:y + picture.shape[0], start:stop] = picture[:, start - x:stop - x]
        video.append(frame)
    return video
