"""Chapter 9's faces in moving pictures: video files and cameras read frame by
frame (:func:`open_video`), labelled videos written (:class:`VideoOut`,
:func:`write_video`), the frame loop that finds, reads and draws the faces of
every frame and times each step (:func:`process_frames`, :func:`run_stream`,
:class:`StreamStats`), a video turned into a table of its faces' emotions over
time (:func:`video_table`, ``fer-utils video``), and a live window for the
webcam (:func:`live_window`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np
import pandas as pd

from fer_utils.data.labels import EMOTIONS
from fer_utils.errors import ImageError
from fer_utils.faces.detection import HaarDetector
from fer_utils.faces.tracking import FaceTracker
from fer_utils.data.image_files import native_messages, opencv_log
from fer_utils.faces.reading import MARGIN, Face, _read_faces, annotate, _check_margin, emotion_model

VIDEO_CODECS = {".mp4": "mp4v", ".avi": "MJPG"}
"""Containers :class:`VideoOut` writes, with codecs every OpenCV wheel has."""


def open_video(source) -> cv2.VideoCapture:
    """A video file (its path) or a camera (its index, 0 for the first) opened for reading."""
    if isinstance(source, (int, np.integer)):
        with native_messages():  # OpenCV's and FFmpeg's own complaints: the message below says it
            capture = cv2.VideoCapture(int(source))
        if not capture.isOpened():
            raise ImageError(f"camera {source}: could not be opened (no camera with that index, "
                             f"or another program is using it)")
        return capture
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video file")
    with native_messages() as output:
        capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        said = [line for line in output.lines if not opencv_log(line)]
        raise ImageError(f"{path}: not a video OpenCV can read (MP4, AVI, MKV, ... in a codec its FFmpeg knows)"
                         + (f"; FFmpeg: {said[0].split('] ', 1)[-1]}" if said else ""))
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
    _check_margin(margin)
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


TABLE_COLUMNS = ("time", "frame", "track", "x", "y", "width", "height", *EMOTIONS, "emotion", "probability")
"""The columns of :func:`video_table`: seconds from the video's start, frame number
(0 first), track number, the face box in pixels, the seven probabilities, the top
emotion and its probability."""


def video_table(source, model=None, detector=None, margin: float = MARGIN, every: int = 1,
                max_frames: int | None = None, progress: bool = True) -> pd.DataFrame:
    """Every face of every frame of a video as a table (:data:`TABLE_COLUMNS`): one
    row per face and frame, with the face's track across frames
    (:class:`~fer_utils.faces.tracking.FaceTracker`), so a person's emotions can be
    followed over time (``table[table.track == 1].set_index("time")[EMOTIONS]``).

    ``source`` is a video file's path, a camera's index or a list of RGB frames
    (timed at 25 frames a second); ``every``: read every that many frames (the
    others are skipped, still counted in ``frame`` and ``time``); ``max_frames``:
    stop after that many frames of the video. A progress bar counts the frames
    (a terminal's text bar, a notebook's widget; ``progress=False`` hides it).
    A frame without a face gives no row."""
    from tqdm.auto import tqdm

    if every < 1:
        raise ValueError(f"every must be 1 or more (read every n-th frame), got {every}")
    _check_margin(margin)
    model, detector = emotion_model(model), detector or HaarDetector()
    capture, fps, total = None, 25.0, None
    if isinstance(source, (str, Path, int, np.integer)):
        capture = open_video(source)
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        frames = _frames(capture, max_frames)
        where = str(source)
    else:
        frames = list(source)[:max_frames]
        total, where = len(frames), "frames"
    if total is not None and max_frames is not None:
        total = min(total, max_frames)
    tracker, rows = FaceTracker(), []
    try:
        with tqdm(frames, total=total, desc=Path(where).name, unit="frame", disable=not progress) as bar:
            for number, picture in enumerate(bar):
                if number % every:
                    continue
                found = _read_faces(picture, model, detector, margin)[0]
                for track, face in zip(tracker.update([face.box for face in found]), found):
                    rows.append((number / fps, number, track, *face.box, *face.probabilities.tolist(),
                                 face.emotion, face.probability))
    finally:
        if capture is not None:
            capture.release()
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    return table.astype({name: "int64" for name in ("frame", "track", "x", "y", "width", "height")})


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
