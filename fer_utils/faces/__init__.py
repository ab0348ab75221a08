"""Faces in ordinary photos and videos: finding them, reading their emotion with
the shipped reference model (:mod:`~fer_utils.faces.reference`) or any saved
network, and drawing the result.

* :mod:`~fer_utils.faces.images`: reading pictures (files or arrays) as RGB, in
  grey, saving them;
* :mod:`~fer_utils.faces.detection`: the Haar-cascade and DNN face detectors, and
  every detector by name (:func:`make_detector`);
* :mod:`~fer_utils.faces.blazeface`: MediaPipe's BlazeFace, a learned detector whose
  weights ship in the package;
* :mod:`~fer_utils.faces.scenes`: labelled pictures (faces at known boxes, sizes,
  rotations and lighting) and scoring detectors on them: faces found, missed, invented;
* :mod:`~fer_utils.faces.reading`: the pipeline itself, from a picture to its
  faces' emotions (:func:`predict_faces`), and drawing them;
* :mod:`~fer_utils.faces.video`: video files, cameras, the frame loop, and a video as
  a table of its faces' emotions over time (:func:`video_table`);
* :mod:`~fer_utils.faces.tracking`: following a face from frame to frame;
* :mod:`~fer_utils.faces.demo`: pictures that ship with installed packages to try it on.

The public names of these modules are available here as well
(``from fer_utils import faces; faces.predict_faces(...)``). Networks exported to
ONNX or TFLite (:mod:`fer_utils.engine.export`) read faces as a ``.keras`` file does.
"""

from fer_utils.faces import reference
from fer_utils.faces.blazeface import BLAZEFACE_FOLDER, BLAZEFACE_MODELS, BlazeFaceDetector, anchors, weighted_nms
from fer_utils.faces.demo import (
    GROUP_GAP,
    GROUP_SIDE,
    demo_photos,
    group_photo,
    hard_versions,
    panning_frames,
    two_people_frames,
)
from fer_utils.faces.detection import (
    DETECTOR_NAMES,
    EYE_CASCADE,
    FACE_CASCADE,
    MAX_SIDE,
    WEBCAM_DETECTOR,
    DnnDetector,
    HaarDetector,
    cascade,
    compare_detectors,
    make_detector,
)
from fer_utils.faces.images import as_picture, grey, read_image, save_image
from fer_utils.faces.reading import (
    MARGIN,
    MAX_MARGIN,
    Face,
    annotate,
    classify,
    crop_face,
    emotion_model,
    model_input_size,
    predict_faces,
)
from fer_utils.faces.scenes import (
    ANGLES,
    BACKGROUNDS,
    FACE_BOXES,
    FRAME,
    LIGHTING,
    SIDE,
    SIZES,
    Scene,
    demo_scenes,
    detector_summary,
    labelled_scenes,
    match_faces,
    score_detectors,
)
from fer_utils.faces.tracking import FaceTracker, distances
from fer_utils.faces.video import (
    TABLE_COLUMNS,
    VIDEO_CODECS,
    StreamStats,
    VideoOut,
    live_window,
    open_video,
    process_frames,
    run_stream,
    video_table,
    write_video,
)

__all__ = [
    # pictures
    "as_picture", "grey", "read_image", "save_image",
    # finding faces
    "DETECTOR_NAMES", "EYE_CASCADE", "FACE_CASCADE", "MAX_SIDE", "WEBCAM_DETECTOR", "DnnDetector", "HaarDetector",
    "cascade", "compare_detectors", "make_detector",
    "BLAZEFACE_FOLDER", "BLAZEFACE_MODELS", "BlazeFaceDetector", "anchors", "weighted_nms",
    # judging detectors on labelled pictures
    "ANGLES", "BACKGROUNDS", "FACE_BOXES", "FRAME", "LIGHTING", "SIDE", "SIZES", "Scene", "demo_scenes",
    "detector_summary", "labelled_scenes", "match_faces", "score_detectors",
    # reading their expressions, drawing them
    "MARGIN", "MAX_MARGIN", "Face", "annotate", "classify", "crop_face", "emotion_model", "model_input_size", "predict_faces",
    # videos and cameras
    "TABLE_COLUMNS", "VIDEO_CODECS", "StreamStats", "VideoOut", "live_window", "open_video", "process_frames",
    "run_stream", "video_table", "write_video", "FaceTracker", "distances",
    # pictures to try it on
    "GROUP_GAP", "GROUP_SIDE", "demo_photos", "group_photo", "hard_versions", "panning_frames", "two_people_frames",
    # the shipped model
    "reference",
]
