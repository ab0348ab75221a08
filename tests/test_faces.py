"""Chapter 9: faces found in photos and videos, their emotions, bad input, the
shipped reference model and how a run is published, the predict and webcam commands."""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path

import cv2
import keras
import numpy as np
import pandas as pd
import pytest
import skimage.data

from fer_utils import cli
from fer_utils import faces
from fer_utils.faces import reference
from fer_utils import figures
from fer_utils.studies.reference import publish, training_command
from fer_utils.data.discovery import load_dataset
from fer_utils.errors import ImageError
from fer_utils.data.labels import EMOTIONS
from fer_utils.data.loaders import write_fer_csv
from fer_utils.config import PROFILES
from fer_utils.engine.training import train

from builders import make_dataset

ASTRONAUT_FACE = (177, 66, 95, 95)
"""Where the Haar cascade finds Eileen Collins' face in scikit-image's astronaut (x, y, w, h)."""


@pytest.fixture(scope="module")
def astronaut():
    return skimage.data.astronaut()


@pytest.fixture(scope="module")
def model_file(tiny_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    tiny_model.save(path)
    return path


def write_test_video(path, frames: int, size=(320, 240), fps: float = 10.0):
    """A video of the astronaut's face drifting right, written with OpenCV's own writer."""
    picture = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        window = picture[20:20 + size[1], 60 + 4 * i:60 + 4 * i + size[0]]
        writer.write(np.ascontiguousarray(window))
    writer.release()
    return path


def overlap(box, other) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    (x, y, w, h), (u, v, s, t) = box, other
    width = max(0, min(x + w, u + s) - max(x, u))
    height = max(0, min(y + h, v + t) - max(y, v))
    return width * height / (w * h + s * t - width * height)


# --- the package ----------------------------------------------------------------------


def test_the_package_re_exports_each_modules_public_names():
    """Notebooks call ``faces.predict_faces(...)``: every public name of the modules is in ``faces.__all__``."""
    from fer_utils.faces import blazeface, demo, detection, images, reading, scenes, tracking, video

    modules = (images, detection, blazeface, reading, video, tracking, scenes, demo)
    assert [name for name in faces.__all__ if not hasattr(faces, name)] == []
    assert faces.predict_faces is reading.predict_faces and faces.run_stream is video.run_stream
    defined = set()
    for module in modules:
        for node in ast.parse(Path(module.__file__).read_text()).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                defined.update(target.id for target in node.targets)
    assert {name for name in defined if not name.startswith("_")} == set(faces.__all__) - {"reference"}


# --- finding and reading faces -------------------------------------------------------


def test_a_photo_gives_each_face_a_box_an_emotion_and_seven_probabilities(astronaut, tiny_model):
    found = faces.predict_faces(astronaut, tiny_model)
    assert len(found) == 1
    face = found[0]
    assert overlap(face.box, ASTRONAUT_FACE) > 0.8
    x, y, w, h = face.box
    assert 0 <= x and 0 <= y and x + w <= 512 and y + h <= 512
    assert face.probabilities.shape == (7,) and (face.probabilities >= 0).all()
    assert face.probabilities.sum() == pytest.approx(1.0, abs=1e-5)
    assert face.emotion == EMOTIONS[int(face.probabilities.argmax())]
    assert face.crop.shape == (48, 48) and face.crop.dtype == np.uint8
    record = face.to_dict()
    assert json.loads(json.dumps(record)) == record
    assert set(record["probabilities"]) == set(EMOTIONS)


def test_grey_float_and_file_inputs_give_the_same_face(astronaut, tiny_model, tmp_path):
    grey = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    path = tmp_path / "astronaut.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    for picture in (grey, grey[..., None], grey / 255.0, path, str(path)):
        found = faces.predict_faces(picture, tiny_model)
        assert len(found) == 1 and overlap(found[0].box, ASTRONAUT_FACE) > 0.8, type(picture)


def test_a_blank_picture_has_no_face(tiny_model):
    assert faces.predict_faces(np.full((240, 320), 128, np.uint8), tiny_model) == []


def test_faces_cut_by_the_border_stay_inside_and_unsquashed(astronaut, tiny_model):
    corner = astronaut[100:, 200:]  # the face's top-left part is cut off
    for face in faces.predict_faces(corner, tiny_model, margin=0.3):
        x, y, w, h = face.box
        assert 0 <= x and 0 <= y and x + w <= corner.shape[1] and y + h <= corner.shape[0]
        assert face.crop.shape == (48, 48)
    ramp = np.tile(np.arange(100, dtype=np.uint8), (100, 1))
    crop = faces.crop_face(ramp, (-10, -10, 40, 40), size=(20, 20), margin=0.0)
    assert crop.shape == (20, 20)
    assert (crop[:, 0] == crop[0, 0]).all(), "the left border is repeated, not stretched"


def test_several_faces_are_found_left_to_right():
    lfw = (skimage.data.lfw_subset()[:8] * 255).astype(np.uint8)  # the first 100 are faces
    tiles = [cv2.copyMakeBorder(cv2.resize(f, (80, 80)), 20, 20, 20, 20, cv2.BORDER_CONSTANT, value=128)
             for f in lfw]
    group = np.vstack([np.hstack(tiles[:4]), np.hstack(tiles[4:])])
    boxes = faces.HaarDetector().detect(cv2.cvtColor(group, cv2.COLOR_GRAY2RGB))
    assert 6 <= len(boxes) <= 8
    assert list(boxes[:, 0]) == sorted(boxes[:, 0])


def test_the_eye_check_removes_false_faces_and_keeps_real_ones(astronaut):
    coins = cv2.cvtColor(skimage.data.coins(), cv2.COLOR_GRAY2RGB)
    assert len(faces.HaarDetector().detect(coins)) >= 3, "coins look like faces to the cascade"
    assert len(faces.HaarDetector(min_eyes=1).detect(coins)) == 0
    assert len(faces.HaarDetector(min_eyes=1).detect(astronaut)) == 1


def test_fewer_neighbours_find_more_and_a_large_minimum_size_finds_none(astronaut):
    strict = faces.HaarDetector(min_neighbors=5).detect(astronaut)
    loose = faces.HaarDetector(min_neighbors=1, scale_factor=1.05).detect(astronaut)
    assert len(loose) > len(strict) == 1
    assert len(faces.HaarDetector(min_size=200).detect(astronaut)) == 0


@pytest.mark.parametrize("settings", [{"scale_factor": 1.0}, {"min_neighbors": -1}, {"min_size": 0},
                                      {"min_eyes": 3}, {"max_side": 10}])
def test_bad_detector_settings_are_refused(settings):
    with pytest.raises(ValueError, match="must|need"):
        faces.HaarDetector(**settings)


def test_a_10000_pixel_photo_is_searched_at_a_reduced_size(astronaut, tmp_path, tiny_model):
    huge = np.zeros((10_000, 10_000, 3), np.uint8)
    huge[2000:7120, 3000:8120] = cv2.resize(astronaut, (5120, 5120), interpolation=cv2.INTER_LINEAR)
    start = time.perf_counter()
    boxes = faces.HaarDetector().detect(huge)
    assert time.perf_counter() - start < 60
    expected = tuple(round(10 * v) for v in ASTRONAUT_FACE)
    expected = (expected[0] + 3000, expected[1] + 2000, *expected[2:])
    assert len(boxes) == 1 and overlap(boxes[0], expected) > 0.7
    path = tmp_path / "huge.png"
    cv2.imwrite(str(path), np.zeros((10_000, 10_000), np.uint8))
    assert faces.predict_faces(path, tiny_model) == []


def test_detectors_are_compared_by_faces_found_and_time(astronaut):
    blank = np.full((100, 100, 3), 200, np.uint8)
    detectors = {"default": faces.HaarDetector(), "large faces only": faces.HaarDetector(min_size=300)}
    table, boxes = faces.compare_detectors(detectors, {"astronaut": astronaut, "blank": blank})
    assert table[["astronaut", "blank"]].to_dict() == {"astronaut": {"default": 1, "large faces only": 0},
                                                       "blank": {"default": 0, "large faces only": 0}}
    assert (table["ms"] > 0).all()
    assert boxes["default", "astronaut"].shape == (1, 4) and boxes["default", "blank"].shape == (0, 4)


# --- pictures to try it on --------------------------------------------------------------


def test_the_demo_photos_ship_with_installed_packages():
    photos = faces.demo_photos()
    assert set(photos) == {"astronaut", "Grace Hopper", "cameraman", "coins", "group"}
    for picture in photos.values():
        assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[2] == 3
    assert photos["group"].shape == (3 * 120, 4 * 120, 3), "twelve faces of 80 px with 20 px around each"


def test_hard_versions_show_where_the_cascade_misses(astronaut):
    hard = faces.hard_versions(astronaut)
    found = {name: len(faces.HaarDetector().detect(picture)) for name, picture in hard.items()}
    assert found["mirrored"] == 1, "the control is still found"
    assert found["turned 30°"] == found["an eighth of the size"] == 0
    assert {picture.shape for picture in hard.values()} == {astronaut.shape}


def test_panning_frames_move_across_the_photo_and_feed_the_loop(astronaut, tiny_model):
    frames = faces.panning_frames(astronaut, 4, size=(320, 240))
    assert [frame.shape for frame in frames] == [(240, 320, 3)] * 4
    assert not np.array_equal(frames[0], frames[-1])
    largest = []
    stats = faces.process_frames(frames, tiny_model, on_frame=lambda _, found, __: largest.append(
        max((face.box for face in found), key=lambda box: box[2])))
    assert stats.frames == 4 and stats.faces >= 4
    assert [box[0] for box in largest] == sorted(box[0] for box in largest), "the face moves right with the photo"


# --- bad input ------------------------------------------------------------------------


def _jpeg(picture) -> bytes:
    return cv2.imencode(".jpg", picture)[1].tobytes()


BAD_FILES = {
    "not an image": (b"name,emotion\nanna,happy\n", "not an image file"),
    "truncated JPEG": (None, "JPEG data ends early"),
    "truncated PNG": (None, "PNG data ends early"),
    "empty file": (b"", "empty"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_each_bad_file_gets_a_message_naming_it(kind, astronaut, tmp_path, tiny_model):
    content, message = BAD_FILES[kind]
    if kind == "truncated JPEG":
        content = _jpeg(astronaut)[:20_000]
    elif kind == "truncated PNG":
        content = cv2.imencode(".png", astronaut)[1].tobytes()[:50_000]
    path = tmp_path / f"{kind.replace(' ', '_')}.{'png' if 'PNG' in kind else 'jpg'}"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=message) as error:
        faces.predict_faces(path, tiny_model)
    assert str(path) in str(error.value) and "OpenCV(" not in str(error.value)


def test_a_missing_file_and_a_folder_are_named(tmp_path, tiny_model):
    with pytest.raises(FileNotFoundError, match=re.escape(f"{tmp_path / 'nobody.jpg'}: no such file")):
        faces.predict_faces(tmp_path / "nobody.jpg", tiny_model)
    with pytest.raises(ImageError, match="is a folder"):
        faces.read_image(tmp_path)


@pytest.mark.parametrize("array, message", [
    (np.zeros((0, 10), np.uint8), "empty"),
    (np.zeros((10, 10, 2), np.uint8), "shape"),
    (np.full((10, 10), 2.0), "0..1"),
    (np.zeros((10, 10), np.int16), "int16"),
])
def test_unusable_arrays_are_refused_clearly(array, message, tiny_model):
    with pytest.raises(ImageError, match=message):
        faces.predict_faces(array, tiny_model)


def test_only_grey_seven_emotion_models_are_taken(tmp_path):
    colour = keras.Sequential([keras.Input((48, 48, 3)), keras.layers.Flatten(), keras.layers.Dense(7)])
    with pytest.raises(ValueError, match=r"grey \(H, W, 1\)"):
        faces.emotion_model(colour)
    with pytest.raises(ValueError, match="neither"):
        faces.emotion_model(str(tmp_path / "model.h5"))
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        faces.emotion_model(tmp_path / "missing.keras")


# --- the DNN detector -------------------------------------------------------------------


class _FakeSsd:
    """Stands in for OpenCV's SSD face network: answers with fixed detections."""

    def __init__(self, rows):
        self.rows = np.asarray(rows, np.float32).reshape(1, 1, -1, 7)

    def setInput(self, blob):
        assert blob.shape == (1, 3, 300, 300)

    def forward(self):
        return self.rows


def test_the_dnn_detector_turns_ssd_output_into_boxes(tmp_path, monkeypatch):
    model = tmp_path / "face.caffemodel"
    model.write_bytes(b"weights")
    rows = [[0, 1, 0.9, 0.1, 0.2, 0.3, 0.6],   # kept
            [0, 1, 0.2, 0.5, 0.5, 0.7, 0.7],   # below the confidence
            [0, 1, 0.8, 0.8, -0.1, 1.2, 0.4]]  # reaches outside: clipped
    monkeypatch.setattr(cv2.dnn, "readNet", lambda *args: _FakeSsd(rows))
    boxes = faces.DnnDetector(model).detect(np.zeros((200, 400, 3), np.uint8))
    assert boxes.tolist() == [[40, 40, 80, 80], [320, 0, 80, 80]]


def test_the_dnn_detector_names_a_missing_or_broken_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.caffemodel"):
        faces.DnnDetector(tmp_path / "nowhere.caffemodel")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not a network")
    with pytest.raises(ImageError, match="broken.onnx: OpenCV cannot load it") as error:
        faces.DnnDetector(broken)
    assert "OpenCV(" not in str(error.value)


# --- video ---------------------------------------------------------------------------------


def test_the_frame_loop_reads_every_frame_of_a_video(tmp_path, tiny_model):
    video = write_test_video(tmp_path / "clip.avi", frames=12)
    seen = []
    stats = faces.run_stream(video, tiny_model, on_frame=lambda frame, found, _: seen.append((frame.shape, len(found))))
    assert stats.frames == len(seen) == 12
    assert all(shape == (240, 320, 3) for shape, _ in seen)
    assert sum(n for _, n in seen) == stats.faces >= 10, "the face is in every frame"
    assert stats.fps > 0 and stats.detect_seconds > 0 and stats.classify_seconds > 0
    assert faces.run_stream(video, tiny_model, max_frames=5).frames == 5
    assert faces.run_stream(video, tiny_model, on_frame=lambda *_: False).frames == 1


def test_videos_and_cameras_that_cannot_be_opened_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="gone.mp4"):
        faces.open_video(tmp_path / "gone.mp4")
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(ImageError, match="notes.mp4: not a video"):
        faces.open_video(text)
    with pytest.raises(ImageError, match="camera 97"):
        faces.open_video(97)


def test_written_videos_read_back_frame_for_frame(tmp_path):
    frames = [np.full((64, 96, 3), 40 * i, np.uint8) for i in range(5)]
    path = faces.write_video(frames, tmp_path / "grey.mp4", fps=5)
    capture = cv2.VideoCapture(str(path))
    read = []
    while (frame := capture.read())[0]:
        read.append(frame[1])
    assert len(read) == 5 and read[0].shape == (64, 96, 3)
    assert abs(float(read[3].mean()) - 120) < 8
    with pytest.raises(ValueError, match=".mp4 or .avi"):
        faces.VideoOut(tmp_path / "clip.gif")


def test_without_a_display_the_live_window_says_what_to_do(monkeypatch):
    import matplotlib

    def no_gui(*args):
        raise cv2.error("The function is not implemented")

    monkeypatch.setattr(cv2, "namedWindow", no_gui)
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "agg")
    with pytest.raises(RuntimeError, match="no window can be shown.*--out"):
        faces.live_window()


# --- drawing --------------------------------------------------------------------------------


def test_annotation_draws_on_a_copy_around_the_face(astronaut, tiny_model):
    found = faces.predict_faces(astronaut, tiny_model)
    drawn = faces.annotate(astronaut, found)
    assert drawn.shape == astronaut.shape and not np.shares_memory(drawn, astronaut)
    x, y, w, h = found[0].box
    changed = (drawn != astronaut).any(axis=2)
    assert changed[y + h // 2, x] and changed[y + h - 1, x + w // 2], "the box's left and bottom edges"
    assert not changed[y + h // 2, x + w // 2], "the face itself stays visible"
    assert changed[max(0, y - 5), x + 5], "the label above the box"


def test_face_figures_are_drawn_and_saved(astronaut, tiny_model, tmp_path_factory):
    found = faces.predict_faces(astronaut, tiny_model)
    source = figures.PhotoSource("scikit-image astronaut")
    folder = tmp_path_factory.getbasetemp() / "figures"
    figures.save_figure(figures.plot_faces(source, astronaut, found), "test_faces")
    figures.save_figure(figures.plot_face_probabilities(source, found), "test_probabilities")
    empty = figures.plot_face_probabilities(figures.PhotoSource("drawn", synthetic=True), [])
    figures.save_figure(empty, "test_none")
    assert any("no face found" in text.get_text() for ax in empty.axes for text in ax.texts)
    panels = {"default": (astronaut, faces.HaarDetector().detect(astronaut)), "nothing": (astronaut, [])}
    figure = figures.plot_detections(source, panels)
    figures.save_figure(figure, "test_detections")
    assert [ax.get_title() for ax in figure.axes[:2]] == ["default\n1 face", "nothing\n0 faces"]
    for name in ("test_faces", "test_probabilities", "test_none", "test_detections"):
        assert (folder / f"{name}.png").stat().st_size > 1000


# --- the shipped reference model and publishing a run ----------------------------------------


def test_the_reference_model_ships_with_its_card():
    record = reference.card()
    path = reference.FOLDER / record["file"]
    assert path.stat().st_size == record["file_bytes"] < 8_000_000, "a few MB, no optimizer state"
    for key in ("command", "data", "trained", "training_seconds", "hardware", "published", "settings"):
        assert record[key], key
    assert record["command"].startswith("fer-utils train ")
    for split in ("PublicTest", "PrivateTest"):
        scores = record["scores"][split]
        assert 0.3 < scores["accuracy"] < 1 and 0 < scores["macro_f1"] < 1
        assert len(scores["recall"]) == 7
    assert "PrivateTest" in (reference.FOLDER / reference.CARD_MARKDOWN).read_text()
    model = reference.load_model()
    assert model.input_shape == (None, 48, 48, 1) and getattr(model, "optimizer", None) is None


@pytest.fixture
def tiny_run(tmp_path, monkeypatch):
    """A finished smoke-profile run of the small CNN, trained as `train` would, on a CSV of drawn faces."""
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    labels = np.tile(np.arange(7), 12)
    dataset = make_dataset(labels, ["train"] * 56 + ["validation"] * 14 + ["test"] * 14, seed=4)
    data = write_fer_csv(dataset, tmp_path / "reading.csv")
    profile = PROFILES["smoke"]
    run = train("small_cnn", load_dataset(data).sample_per_split(profile.images_per_split), profile=profile, epochs=1, batch_size=8,
                seed=0, verbose=0)
    return run, data


def test_publishing_a_run_writes_a_small_model_and_its_card(tiny_run, tmp_path):
    run, data = tiny_run
    record = publish(run.directory, data=data, folder=tmp_path / "published")
    assert record["command"] == "fer-utils train small_cnn --profile smoke --epochs 1 --batch-size 8 --seed 0"
    assert record["profile"] == "smoke" and record["epochs"] == 1 and record["run"] == run.directory.name
    assert record["data"]["images"] == {"Training": 56, "PublicTest": 14, "PrivateTest": 14}
    published = tmp_path / "published" / "model.keras"
    assert published.stat().st_size < 0.6 * (run.directory / "model.keras").stat().st_size
    images, labels = load_dataset(data).sample_per_split(PROFILES["smoke"].images_per_split).arrays("test")
    original = faces.classify(run.model, images)
    assert np.allclose(faces.classify(reference.load_model(published), images), original, atol=1e-5)
    assert record["scores"]["PrivateTest"]["accuracy"] == pytest.approx(np.mean(original.argmax(1) == labels))
    assert json.loads((tmp_path / "published" / "card.json").read_text()) == record
    assert "`fer-utils train small_cnn" in (tmp_path / "published" / "card.md").read_text()
    log = pd.read_csv(tmp_path / "published" / "training_log.csv")
    assert len(log) == record["epochs"] and {"epoch", "val_accuracy", "seconds"} <= set(log.columns)
    assert log["seconds"].sum() == pytest.approx(record["training_seconds"], abs=0.1)


def test_publishing_refuses_runs_it_cannot_vouch_for(tiny_run, tmp_path):
    run, data = tiny_run
    other = write_fer_csv(make_dataset(np.tile(np.arange(7), 12), ["train"] * 56 + ["validation"] * 14
                                       + ["test"] * 14, seed=9), tmp_path / "other.csv")
    with pytest.raises(ValueError, match="not trained on"):
        publish(run.directory, data=other, folder=tmp_path / "x")
    state = json.loads((run.directory / "state.json").read_text())
    (run.directory / "state.json").write_text(json.dumps({**state, "finished": False}))
    with pytest.raises(ValueError, match="has not finished"):
        publish(run.directory, data=data, folder=tmp_path / "x")
    with pytest.raises(FileNotFoundError, match="not a training run"):
        publish(tmp_path, data=data, folder=tmp_path / "x")


def test_the_training_command_falls_back_to_python_for_other_settings():
    settings = {"model": "small_cnn", "epochs": 3, "batch_size": 64, "seed": 1, "class_weighting": "balanced",
                "learning_rate": 0.001}
    assert training_command(settings, "default") == (
        "fer_utils.engine.training.train('small_cnn', dataset, profile=PROFILES['default'], epochs=3, batch_size=64, "
        "seed=1, class_weighting='balanced')"
    )


# --- the commands ----------------------------------------------------------------------------


def test_predict_prints_one_json_line_per_photo(astronaut, model_file, tmp_path, capsys):
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(_jpeg(astronaut)[:5000])
    out = tmp_path / "labelled.png"
    code = cli.main(["predict", str(photo), str(broken), "--model", str(model_file), "--json", "--out", str(out)])
    assert code == 2, "one photo could not be read"
    first, second = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert first["file"] == str(photo) and (first["width"], first["height"]) == (512, 512)
    (face,) = first["faces"]
    assert set(face) == {"box", "emotion", "probability", "probabilities"}
    box = face["box"]
    assert 0 <= box["x"] < box["x"] + box["width"] <= 512 and 0 <= box["y"] < box["y"] + box["height"] <= 512
    assert list(face["probabilities"]) == list(EMOTIONS)
    assert sum(face["probabilities"].values()) == pytest.approx(1.0, abs=1e-4)
    assert face["probability"] == max(face["probabilities"].values())
    assert second["file"] == str(broken) and str(broken) in second["error"]
    assert cv2.imread(str(tmp_path / "labelled-astronaut.png")).shape == (512, 512, 3)


def test_predict_uses_the_shipped_model_without_any_data(astronaut, tmp_path, capsys, no_real_data):
    photo = tmp_path / "astronaut.jpg"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    assert cli.main(["predict", str(photo)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{photo} (512x512): 1 face" and lines[1].startswith("  face 1 at x=")


def test_webcam_runs_a_video_file_and_prints_frames_per_second(model_file, tmp_path, capsys):
    video = write_test_video(tmp_path / "clip.avi", frames=12)
    out = tmp_path / "labelled.avi"
    code = cli.main(["webcam", "--video", str(video), "--no-window", "--model", str(model_file), "--out", str(out)])
    assert code == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert summary.startswith(f"{video}: 12 frames") and "frames/s" in summary
    assert int(cv2.VideoCapture(str(out)).get(cv2.CAP_PROP_FRAME_COUNT)) == 12


def test_webcam_searches_with_its_own_detector_settings():
    args = cli.build_parser().parse_args(["webcam"])
    assert args.camera == 0 and args.video is None
    assert cli._detector(args) == faces.BlazeFaceDetector("short"), "the faster detector by default"
    assert cli._detector(cli.build_parser().parse_args(["webcam", "--detector", "haar"])) == faces.WEBCAM_DETECTOR
    assert cli._detector(cli.build_parser().parse_args(["predict", "x.jpg"])) == faces.HaarDetector()
    assert cli._detector(cli.build_parser().parse_args(["predict", "x.jpg", "--detector", "blazeface-full",
                                                        "--min-score", "0.7"])) == faces.BlazeFaceDetector("full", 0.7)


def test_webcam_names_a_video_it_cannot_read(tmp_path, model_file, capsys):
    assert cli.main(["webcam", "--video", str(tmp_path / "none.avi"), "--no-window", "--model", str(model_file)]) == 2
    assert "none.avi: no such video file" in capsys.readouterr().err
