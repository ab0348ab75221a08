"""Chapter 9's applications: the learned face detector (BlazeFace) beside the Haar
cascade on labelled pictures, exported models (ONNX, TFLite float and int8),
videos turned into tables with tracked faces, and the commands behind them."""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pandas as pd
import pytest
import skimage.data

from fer_utils import cli
from fer_utils import faces
from fer_utils.data.labels import EMOTIONS
from fer_utils.engine import export

ASTRONAUT_FACE = faces.FACE_BOXES["astronaut"]


@pytest.fixture(scope="module")
def astronaut():
    return skimage.data.astronaut()


@pytest.fixture(scope="module")
def scenes():
    return faces.labelled_scenes(seed=0)


@pytest.fixture(scope="module")
def scores(scenes):
    """BlazeFace on every scene; the Haar cascade (slower) on the turned faces and the frames without one."""
    blazeface = {"blazeface": faces.make_detector("blazeface"), "blazeface-full": faces.make_detector("blazeface-full")}
    some = [scene for scene in scenes if scene.condition in ("rotation", "no face")]
    return pd.concat([faces.score_detectors(blazeface, scenes),
                      faces.score_detectors({"haar": faces.make_detector("haar")}, some)])


# --- BlazeFace ---------------------------------------------------------------------------


def test_blazeface_finds_the_astronaut_and_nothing_in_a_blank_picture(astronaut):
    for model in ("short", "full"):
        boxes, scores = faces.BlazeFaceDetector(model).detect_scored(astronaut)
        assert boxes.shape == (1, 4) and scores.shape == (1,) and 0.5 <= scores[0] <= 1
        assert faces.match_faces(boxes, [ASTRONAUT_FACE]) == (1, 0, 0)
        assert faces.BlazeFaceDetector(model).detect(np.full((480, 640, 3), 90, np.uint8)).shape == (0, 4)


def test_blazeface_boxes_follow_the_picture_at_any_size_and_shape(astronaut):
    """The picture is shrunk with its aspect kept: a face in a wide frame lands where it is."""
    frame = np.full((480, 1280, 3), 128, np.uint8)
    frame[:, 700:1212] = astronaut[16:496]
    (x, y, w, h), = faces.BlazeFaceDetector("full").detect(frame)
    ax, ay, aw, ah = ASTRONAUT_FACE
    assert abs(x + w / 2 - (700 + ax + aw / 2)) < 20 and abs(y + h / 2 - (ay - 16 + ah / 2)) < 25


def test_the_shipped_blazeface_models_are_the_published_ones():
    for name, side, _, digest in faces.BLAZEFACE_MODELS.values():
        data = (faces.BLAZEFACE_FOLDER / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest
    assert len(faces.anchors("short")) == 896 and len(faces.anchors("full")) == 2304
    assert (faces.BLAZEFACE_FOLDER / "NOTICE.md").is_file()


def test_weighted_nms_merges_one_face_and_keeps_two_apart():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    merged, scores = faces.weighted_nms(boxes, np.array([0.9, 0.6, 0.8], np.float32), overlap=0.3)
    assert scores.tolist() == pytest.approx([0.9, 0.8])
    assert merged[0] == pytest.approx([0.4, 0.4, 10.4, 10.4])  # the score-weighted mean of the two
    assert merged[1].tolist() == [50, 50, 60, 60]


@pytest.mark.parametrize("settings", [{"model": "huge"}, {"min_score": 0}, {"overlap": 1.5}])
def test_bad_blazeface_settings_are_refused(settings):
    with pytest.raises(ValueError):
        faces.BlazeFaceDetector(**settings)


def test_detectors_are_made_by_name():
    assert faces.make_detector("haar", min_size=50) == faces.HaarDetector(min_size=50)
    assert faces.make_detector("blazeface") == faces.BlazeFaceDetector("short")
    assert faces.make_detector("blazeface-full", min_score=0.7) == faces.BlazeFaceDetector("full", min_score=0.7)
    with pytest.raises(ValueError, match="choose one of haar, blazeface, blazeface-full"):
        faces.make_detector("mtcnn")


# --- the labelled set ----------------------------------------------------------------------


def test_the_labelled_set_is_seeded_and_its_faces_lie_in_the_frame(scenes):
    assert len(scenes) == 40 and sum(len(s.boxes) for s in scenes) == 38
    again = faces.labelled_scenes(seed=0)
    assert all(np.array_equal(a.picture, b.picture) and np.array_equal(a.boxes, b.boxes) for a, b in zip(scenes, again))
    other = faces.labelled_scenes(seed=1)
    assert not all(np.array_equal(a.boxes, b.boxes) for a, b in zip(scenes, other))
    width, height = faces.FRAME
    for scene in scenes:
        assert scene.picture.shape == (height, width, 3) and scene.picture.dtype == np.uint8
        x, y, w, h = scene.boxes.T if len(scene.boxes) else np.zeros((4, 0))
        assert (x >= 0).all() and (y >= 0).all() and (x + w <= width).all() and (y + h <= height).all()
    conditions = pd.Series([s.condition for s in scenes]).value_counts().to_dict()
    assert conditions == {"rotation": 14, "size": 12, "lighting": 8, "no face": 4, "two faces": 2}


def test_a_detection_finds_a_face_by_its_centre_and_size():
    truth = [(100, 100, 100, 100)]
    assert faces.match_faces([(110, 90, 100, 110)], truth) == (1, 0, 0)  # a little off, a little larger
    assert faces.match_faces([(0, 0, 60, 60)], truth) == (0, 1, 1)  # centre outside the face
    assert faces.match_faces([(140, 140, 20, 20)], truth) == (0, 1, 1)  # an eye, not the face
    assert faces.match_faces([(50, 50, 200, 200), (60, 60, 190, 190)], truth) == (1, 0, 1)  # one face, found once
    assert faces.match_faces(np.zeros((0, 4)), truth) == (0, 1, 0)
    assert faces.match_faces([(0, 0, 10, 10)], np.zeros((0, 4))) == (0, 0, 1)


def test_blazeface_finds_turned_faces_that_the_cascade_misses(scores):
    summary = faces.detector_summary(scores, by="condition")
    found = summary["found"].unstack()
    assert found.loc["blazeface", "rotation"] >= 12 and found.loc["haar", "rotation"] <= 6
    total = faces.detector_summary(scores)
    assert total.loc["blazeface-full", "found %"] >= 90
    assert total.loc[["blazeface", "blazeface-full"], "invented"].sum() <= 2
    assert (total.loc[["blazeface", "blazeface-full"], "faces"] == 38).all()
    assert (total["found"] + total["missed"] == total["faces"]).all()
    assert list(total.columns) == ["faces", "found", "missed", "invented", "found %", "ms per picture"]


def test_chapter_9s_photos_carry_their_faces():
    photos = {scene.name: scene for scene in faces.demo_scenes()}
    assert {name: len(scene.boxes) for name, scene in photos.items()} == {
        "astronaut": 1, "Grace Hopper": 1, "cameraman": 1, "coins": 0, "group": 12}
    group = photos["group"]
    found = faces.HaarDetector().detect(group.picture)
    assert faces.match_faces(found, group.boxes)[0] >= 10, "the cascade finds most of the LFW faces"
    for name in ("astronaut", "Grace Hopper"):
        assert faces.match_faces(faces.HaarDetector().detect(photos[name].picture), photos[name].boxes) == (1, 0, 0)


# --- tracking and videos as tables -------------------------------------------------------------


def test_faces_keep_their_track_while_they_move():
    tracker = faces.FaceTracker(patience=2)
    assert tracker.update([(0, 0, 50, 50), (200, 0, 50, 50)]) == [1, 2]
    assert tracker.update([(205, 2, 50, 50), (6, 1, 50, 50)]) == [2, 1]  # order of the boxes does not matter
    assert tracker.update([(10, 2, 50, 50)]) == [1]  # face 2 missed once
    assert tracker.update([(14, 3, 50, 50), (212, 4, 50, 50)]) == [1, 2]  # and back within patience
    for _ in range(3):
        tracker.update([(14, 3, 50, 50)])
    assert tracker.update([(212, 4, 50, 50), (400, 300, 40, 40)]) == [3, 4], "gone too long: new numbers"
    assert faces.distances([(0, 0, 10, 10)], [(30, 40, 10, 10)]).tolist() == [[5.0]]
    jumpy = faces.FaceTracker()
    assert jumpy.update([(0, 0, 50, 50)]) == [1] and jumpy.update([(45, 0, 50, 50)]) == [1], "no overlap needed"
    assert jumpy.update([(45, 0, 100, 100)]) == [2], "twice the size: another face"


def test_a_video_becomes_one_row_per_face_and_frame(tmp_path, tiny_model, capfd):
    frames = faces.two_people_frames(12, size=(320, 240))
    video = faces.write_video(frames, tmp_path / "two.avi", fps=10)
    table = faces.video_table(video, tiny_model, faces.make_detector("blazeface-full"))
    assert list(table.columns) == list(faces.TABLE_COLUMNS)
    assert "frame" in capfd.readouterr().err, "a progress bar counts the frames"
    assert table["frame"].between(0, 11).all() and np.allclose(table["time"], table["frame"] / 10)
    assert np.allclose(table[list(EMOTIONS)].sum(axis=1), 1, atol=1e-5)
    assert (table["emotion"] == np.array(EMOTIONS)[table[list(EMOTIONS)].to_numpy().argmax(axis=1)]).all()
    last = table[table["frame"] == 11].sort_values("x")
    assert len(last) == 2 and last["track"].nunique() == 2, "both people in the last frame, told apart"
    for _, rows in table.groupby("track"):
        assert rows["frame"].is_monotonic_increasing and rows["frame"].is_unique


def test_a_video_table_can_skip_frames_stop_early_and_take_frames(tmp_path, tiny_model, astronaut, capfd):
    frames = faces.panning_frames(astronaut, 6, size=(320, 240))
    table = faces.video_table(frames, tiny_model, every=2, progress=False)
    assert capfd.readouterr().err == ""
    assert sorted(table["frame"].unique()) == [0, 2, 4] and np.allclose(table["time"], table["frame"] / 25)
    assert table["track"].nunique() == 1
    assert faces.video_table(frames, tiny_model, max_frames=1, progress=False)["frame"].tolist() == [0]
    empty = faces.video_table([np.zeros((240, 320, 3), np.uint8)], tiny_model, progress=False)
    assert empty.empty and list(empty.columns) == list(faces.TABLE_COLUMNS)
    with pytest.raises(ValueError, match="every"):
        faces.video_table(frames, tiny_model, every=0)


def test_the_video_command_writes_a_csv_table(tmp_path, tiny_model, capsys):
    model = tmp_path / "tiny.keras"
    tiny_model.save(model)
    video = faces.write_video(faces.panning_frames(skimage.data.astronaut(), 5, size=(320, 240)), tmp_path / "a.avi")
    out = tmp_path / "out" / "table.csv"
    assert cli.main(["video", str(video), "--csv", str(out), "--model", str(model)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == list(faces.TABLE_COLUMNS) and len(table) == 5
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{video}: 5 face rows in 5 frames with a face, 1 tracks; wrote {out}"
    assert lines[1].startswith("  track 1: 0.00-0.16 s, 5 frames, mostly ")
    assert cli.main(["video", str(tmp_path / "none.mp4"), "--csv", str(out)]) == 2


def test_video_emotions_are_plotted_per_track(tiny_model, tmp_path):
    from fer_utils import figures

    table = faces.video_table(faces.two_people_frames(6, size=(320, 240)), tiny_model,
                              faces.make_detector("blazeface-full"), progress=False)
    fig = figures.plot_video_emotions(figures.PhotoSource("test frames"), table)
    assert len([ax for ax in fig.axes if ax.lines]) == table["track"].nunique()
    empty = figures.plot_video_emotions(figures.PhotoSource("test frames"), table.iloc[:0])
    assert empty.axes[0].texts


# --- exported models --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tiny_model, tmp_path_factory):
    """The tiny model as ONNX, TFLite and int8 TFLite, with faces to check them on."""
    rng = np.random.default_rng(0)
    calibration = rng.integers(0, 256, (32, 48, 48), dtype=np.uint8)
    folder = tmp_path_factory.mktemp("exported")
    files = export.export_model(tiny_model, folder, "tiny", representative=calibration)
    return files


def test_every_format_is_written_and_named(exported):
    assert {kind: path.name for kind, path in exported.items()} == {
        "onnx": "tiny.onnx", "tflite": "tiny.tflite", "tflite-int8": "tiny-int8.tflite"}
    assert exported["tflite-int8"].stat().st_size < 0.5 * exported["tflite"].stat().st_size


def test_exported_models_predict_as_keras_does(exported, tiny_model):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (40, 48, 48), dtype=np.uint8)
    labels = tiny_model.predict_on_batch(images[..., None].astype(np.float32)).argmax(1)
    table = export.compare_formats(tiny_model, exported, images, labels, batch_size=16, single=5)
    assert list(table.index) == ["keras", "onnx", "tflite", "tflite-int8"]
    assert (table.loc[["onnx", "tflite"], "max |Δp|"] < 1e-4).all()
    assert (table.loc[["keras", "onnx", "tflite"], "top-1 agreement"] == 1).all()
    assert table.loc["tflite-int8", "max |Δp|"] < 0.2 and table.loc["tflite-int8", "top-1 agreement"] >= 0.7
    assert table.loc["keras", "accuracy"] == 1
    assert (table["images/s (batch)"] > 0).all() and (table["ms per face (one at a time)"] > 0).all()
    for kind, path in exported.items():
        model = export.load_exported(path)
        assert model.input_shape == (None, 48, 48, 1) and model.output_shape == (None, 7)
        assert model.predict(images[:3]).shape == (3, 7) and model.predict(np.tile(images, (2, 1, 1))).shape == (80, 7)


def test_exported_models_read_faces_like_the_keras_model(exported, tiny_model, astronaut):
    expected = faces.predict_faces(astronaut, tiny_model)
    for path in exported.values():
        found = faces.predict_faces(astronaut, path)
        assert [f.box for f in found] == [f.box for f in expected]
        assert np.abs(found[0].probabilities - expected[0].probabilities).max() < 0.2


def test_bad_exported_files_are_named(tmp_path):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a network")
    with pytest.raises(ValueError, match="broken.onnx: ONNX Runtime cannot load it"):
        faces.emotion_model(broken)
    with pytest.raises(FileNotFoundError, match="missing.tflite"):
        faces.emotion_model(tmp_path / "missing.tflite")
    with pytest.raises(ValueError, match="int8 TFLite model needs representative faces"):
        export.export_model(None, tmp_path, formats=["tflite-int8"])
    with pytest.raises(ValueError, match="unknown export format"):
        export.export_model(None, tmp_path, formats=["coreml"])


def test_predict_and_webcam_run_an_exported_model(exported, astronaut, tmp_path, capsys):
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(astronaut, cv2.COLOR_RGB2BGR))
    assert cli.main(["predict", str(photo), "--model", str(exported["tflite-int8"]), "--detector", "blazeface"]) == 0
    assert capsys.readouterr().out.startswith(f"{photo} (512x512): 1 face")
    video = faces.write_video(faces.panning_frames(astronaut, 4, size=(320, 240)), tmp_path / "pan.avi")
    assert cli.main(["webcam", "--video", str(video), "--no-window", "--model", str(exported["onnx"])]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"{video}: 4 frames, 4 faces")


def test_the_export_command_writes_and_checks_every_format(tiny_model, tmp_path, capsys, no_real_data):
    model = tmp_path / "tiny.keras"
    tiny_model.save(model)
    out = tmp_path / "exported"
    assert cli.main(["export", str(model), "--out", str(out), "--faces", "64", "--calibration", "50"]) == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["tiny-int8.tflite", "tiny.onnx", "tiny.tflite"]
    assert "tiny on 64 test faces of" in printed and "SYNTHETIC" in printed.upper()
    for row in ("keras", "onnx", "tflite", "tflite-int8"):
        assert any(line.startswith(row + " ") for line in printed.splitlines())
    assert cli.main(["export", str(out / "tiny.onnx")]) == 2


# --- progress bars --------------------------------------------------------------------------


def test_a_progress_bar_reaches_the_terminal_while_native_messages_are_collected(capfd):
    """The first load of a dataset decodes images while the decoders' messages are
    collected from standard error: the bar must still be seen, and not be taken for
    a decoder's message."""
    import os

    from fer_utils.data.image_files import native_messages, progress_bar

    with progress_bar(3, "reading faces", "image", delay=0) as bar:
        with native_messages() as printed:
            bar.update(3)
            os.write(2, b"libpng warning: iCCP: known incorrect sRGB profile\n")
    err = capfd.readouterr().err
    assert "reading faces" in err and "3/3" in err
    assert printed.lines == ["libpng warning: iCCP: known incorrect sRGB profile"]
    with progress_bar(3, "quick", "image") as bar:  # under a second: no bar at all
        bar.update(3)
    assert capfd.readouterr().err == ""
