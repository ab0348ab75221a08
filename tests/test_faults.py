"""Bad input and faults (issue 21): each gets one clear message naming the file, or a recovery.

Every test builds the bad input itself: damaged cache entries, damaged images,
file-system faults (a file where a folder should be, no permission, a full
disk), damaged model and run files, decompression bombs, and the small things
(blank CSV lines, macOS litter, stray folders, OpenCV's own words, a CSV
without a split, two identical trainings at once). Permissions are simulated
where the tests run as root, whom ``chmod`` does not stop.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import struct
import threading
import time
import warnings
import zipfile
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from builders import make_dataset, tiny_faces, write_image

from fer_utils import cli
from fer_utils.data.labels import EMOTIONS
from fer_utils.data.loaders import load_fer_csv, load_image_folder, load_rafdb, write_fer_csv
from fer_utils.engine import artifacts as engine_artifacts
from fer_utils.engine import training
from fer_utils.engine.artifacts import read_json, replace_atomically, run_lock
from fer_utils.engine.training import train
from fer_utils.errors import DataFormatError, DataWarning, ImageError, SavedFileError, StorageError
from fer_utils.data import image_files
from fer_utils.faces import images as images_module
from fer_utils.faces import reference
from fer_utils.data.image_files import MAX_PIXELS
from fer_utils.faces.images import read_image
from fer_utils.faces.reading import emotion_model, predict_faces

TINY = {"model_options": {"filters": (8, 16)}, "batch_size": 8, "epochs": 1, "verbose": 0}
"""A run that trains in a second or two."""
LABELS = list(range(7)) * 3
SPLITS = ["train"] * 7 + ["validation"] * 7 + ["test"] * 7
AS_ROOT = os.geteuid() == 0
"""chmod does not stop root: there the tests simulate the refusal instead."""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("FER_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def run_data():
    labels = np.tile(np.arange(7), 6)
    return make_dataset(labels, ["train"] * 28 + ["validation"] * 7 + ["test"] * 7, seed=3)


def fer_folder(root: Path) -> Path:
    usage = {"train": "Training", "validation": "PublicTest", "test": "PrivateTest"}
    for i, (label, split, face) in enumerate(zip(LABELS, SPLITS, tiny_faces(len(LABELS)))):
        top = "train" if split == "train" else "test"
        write_image(root / top / EMOTIONS[label] / f"{usage[split]}_{i}.png", face)
    return root


def jpeg(face=None) -> bytes:
    return cv2.imencode(".jpg", tiny_faces(1)[0] if face is None else face)[1].tobytes()


def run_cli(capsys, *argv) -> tuple[int, str]:
    code = cli.main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def refuse(monkeypatch, target, name, path, number=errno.EACCES):
    """Make ``target.name(path, ...)`` fail as the OS would for ``path`` (permission
    denied by default), leaving every other path alone."""
    real = getattr(target, name)

    def failing(self_or_path, *args, **kwargs):
        if Path(os.fspath(self_or_path)) == Path(path):
            raise OSError(number, os.strerror(number), os.fspath(self_or_path))
        return real(self_or_path, *args, **kwargs)

    monkeypatch.setattr(target, name, failing)


# --- 1. damaged cache entries --------------------------------------------------------------


DAMAGE = {
    "truncated": lambda data: data[: len(data) // 2],
    "empty": lambda data: b"",
    "random bytes": lambda data: os.urandom(len(data)),
    "flipped bytes": lambda data: data[:3000] + bytes(255 - b for b in data[3000:3100]) + data[3100:],
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_cache_entry_is_named_deleted_and_rebuilt(damage, tmp_path, cache):
    csv = write_fer_csv(make_dataset(LABELS, SPLITS), tmp_path / "fer2013.csv")
    first = load_fer_csv(csv)
    (entry,) = cache.glob("csv-*.npz")
    entry.write_bytes(DAMAGE[damage](entry.read_bytes()))
    with pytest.warns(DataWarning, match=f"damaged dataset cache entry {entry}.*loading the data again"):
        again = load_fer_csv(csv)
    np.testing.assert_array_equal(again.images, first.images)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rebuilt: the next load is a clean hit
        np.testing.assert_array_equal(load_fer_csv(csv).images, first.images)


def test_a_cache_that_cannot_be_written_is_named_with_its_variable(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    monkeypatch.setenv("FER_CACHE_DIR", str(blocker))
    csv = write_fer_csv(make_dataset(LABELS, SPLITS), tmp_path / "fer2013.csv")
    with pytest.warns(DataWarning, match=f"{blocker} is a file, not a folder \\(from \\$FER_CACHE_DIR"):
        assert len(load_fer_csv(csv)) == len(LABELS)


def test_a_full_disk_leaves_no_partial_cache_file(tmp_path, cache, monkeypatch):
    def full(file, **arrays):
        Path(file).write_bytes(b"half an entry")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(file))

    monkeypatch.setattr("fer_utils.data.cache.np.savez", full)
    csv = write_fer_csv(make_dataset(LABELS, SPLITS), tmp_path / "fer2013.csv")
    with pytest.warns(DataWarning, match="the disk is full .*FER_CACHE_DIR.*loaded without the cache"):
        assert len(load_fer_csv(csv)) == len(LABELS)
    assert list(cache.iterdir()) == []


# --- 2. damaged images in a dataset -----------------------------------------------------------


def test_damaged_images_are_left_out_and_named_also_on_cache_hits(tmp_path, cache, capfd):
    root = fer_folder(tmp_path / "data")
    whole = jpeg()
    (root / "train" / "sad" / "Training_cut.jpg").write_bytes(whole[: len(whole) // 2])
    (root / "train" / "sad" / "Training_empty.png").write_bytes(b"")
    (root / "train" / "fear" / "Training_corrupt.jpg").write_bytes(whole[: len(whole) // 2] + b"\xff\xd9")
    (root / "train" / "fear" / "Training_short.png").write_bytes(_png_header(48, 48))  # too little pixel data
    damaged = ("train/sad/Training_cut.jpg: the JPEG data ends early", "train/sad/Training_empty.png: the file is empty",
               "train/fear/Training_corrupt.jpg: the image data is damaged (Corrupt JPEG data: premature end",
               "train/fear/Training_short.png: the image data is damaged (libpng error: Not enough image data)")
    for attempt in ("fresh", "cache hit"):
        with pytest.warns(DataWarning) as said:
            loaded = load_image_folder(root)
        text = " ".join(str(w.message) for w in said)
        assert "left out 4 damaged image(s)" in text, attempt
        for name in damaged:
            assert name in text, (attempt, name)
        assert len(loaded) == len(LABELS) and not any("Training_c" in s for s in loaded.sources)
    err = capfd.readouterr().err  # libjpeg's and libpng's own words, without a file name, never reach the user
    assert "JPEG" not in err and "libpng" not in err


def test_what_the_decoder_says_about_an_image_it_reads_names_the_image(tmp_path, cache, capfd):
    root = fer_folder(tmp_path / "data")
    whole = jpeg()
    (root / "train" / "happy" / "Training_extra.jpg").write_bytes(whole[:-2] + b"\x00\x00\x00" + whole[-2:])
    with pytest.warns(DataWarning, match=r"reported problems in 1 image\(s\) it still read: "
                                         r"train/happy/Training_extra.jpg \(Corrupt JPEG data"):
        loaded = load_image_folder(root)
    assert len(loaded) == len(LABELS) + 1
    assert "Corrupt JPEG" not in capfd.readouterr().err


def test_rafdb_leaves_damaged_images_out_the_same_way(tmp_path, cache):
    lines = []
    for i in range(14):
        name = f"{'train' if i < 10 else 'test'}_{i:05d}.jpg"
        write_image(tmp_path / "Image" / "aligned" / name.replace(".jpg", "_aligned.jpg"), tiny_faces(1, i, 100)[0])
        lines.append(f"{name} {1 + i % 7}")
    (tmp_path / "EmoLabel").mkdir()
    (tmp_path / "EmoLabel" / "list_patition_label.txt").write_text("\n".join(lines))
    cut = tmp_path / "Image" / "aligned" / "train_00003_aligned.jpg"
    cut.write_bytes(cut.read_bytes()[:300])  # inside the header: not even a scan begins
    with pytest.warns(DataWarning, match="left out 1 damaged image.*train_00003_aligned.jpg: the JPEG data ends early"):
        assert len(load_rafdb(tmp_path)) == 13


# --- 3. operating-system errors ----------------------------------------------------------------


def test_an_artifacts_path_that_is_a_file_is_one_line_naming_it_and_its_variable(tmp_path, monkeypatch, capsys,
                                                                                 run_data):
    blocker = tmp_path / "artifacts"
    blocker.write_text("a file")
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(blocker))
    with pytest.raises(StorageError, match=f"{blocker} is a file, not a folder \\(from \\$FER_ARTIFACTS_DIR"):
        train("small_cnn", run_data, **TINY)
    csv = write_fer_csv(run_data, tmp_path / "faces.csv")
    code, err = run_cli(capsys, "train", "small_cnn", "--data", csv, "--epochs", "1", "--batch-size", "8")
    assert code == 2 and err.startswith("error: cannot create the folder") and "$FER_ARTIFACTS_DIR" in err
    assert err.count("\n") == 1


def test_a_read_only_artifacts_folder_is_named_and_leaves_nothing(artifacts, monkeypatch, run_data):
    artifacts.mkdir()
    run = training.artifact_path("run-small_cnn", run_data, suffix="", profile=None,
                                 config=training.TrainingConfig(model="small_cnn", **{
                                     k: v for k, v in TINY.items() if k != "verbose"}).to_dict())
    if AS_ROOT:
        refuse(monkeypatch, Path, "mkdir", run, errno.EROFS)
    else:
        artifacts.chmod(0o555)
    try:
        with pytest.raises(StorageError, match=f"cannot create the run folder {run}: .*FER_ARTIFACTS_DIR"):
            train("small_cnn", run_data, **TINY)
    finally:
        artifacts.chmod(0o755)
    assert list(artifacts.iterdir()) == []


def _full_disk_on(monkeypatch, name: str, call: int):
    """The ``call``-th atomic write of a file called ``name`` finds the disk full, having written half of it."""
    real, calls = engine_artifacts.replace_atomically, {"n": 0}

    def write(path, writer):
        if Path(path).name == name:
            calls["n"] += 1
            if calls["n"] == call:
                def half_then_full(partial):
                    Path(partial).write_text("{\"epochs_do")
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(partial))
                return real(path, half_then_full)
        return real(path, writer)

    monkeypatch.setattr(training, "replace_atomically", write)


def test_a_full_disk_at_the_first_commit_leaves_no_run_folder(artifacts, monkeypatch, run_data):
    _full_disk_on(monkeypatch, "state.json", call=1)
    with pytest.raises(StorageError, match=r"cannot write .*state.json: the disk is full \(from \$FER_ARTIFACTS_DIR"):
        train("small_cnn", run_data, **TINY)
    assert list(artifacts.iterdir()) == []


def test_a_full_disk_mid_run_keeps_the_last_commit_and_the_run_resumes(artifacts, monkeypatch, run_data):
    _full_disk_on(monkeypatch, "state.json", call=2)
    with pytest.raises(StorageError, match="the disk is full"):
        train("small_cnn", run_data, **{**TINY, "epochs": 2})
    (folder,) = artifacts.iterdir()
    assert not [p.name for p in folder.iterdir() if "partial" in p.name]
    assert json.loads((folder / "state.json").read_text())["epochs_done"] == 1
    monkeypatch.undo()
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(artifacts))
    resumed = train("small_cnn", run_data, **{**TINY, "epochs": 2})
    assert resumed.resumed_at == 1 and list(resumed.history.index) == [1, 2]


def test_a_failed_write_removes_its_partial_file_and_keeps_the_old_one(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old")

    def fails(partial):
        partial.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(partial))

    with pytest.raises(StorageError, match=f"cannot write {target}: the disk is full"):
        replace_atomically(target, fails)
    with pytest.raises(KeyError):  # not a disk error: the same clean-up, the error unchanged
        replace_atomically(target, lambda partial: (partial.write_text("half"), {}["x"]))
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"] and target.read_text() == "old"


def test_a_failed_start_leaves_no_empty_run_folder(artifacts, run_data):
    with pytest.raises(ValueError, match="cannot fill one batch"):
        train("small_cnn", run_data, **{**TINY, "batch_size": 500})
    assert not artifacts.exists() or list(artifacts.iterdir()) == []


def test_an_unreadable_csv_or_folder_is_one_line_naming_it_and_fer_data(tmp_path, monkeypatch, capsys, cache):
    csv = write_fer_csv(make_dataset(LABELS, SPLITS), tmp_path / "fer2013.csv")
    monkeypatch.setenv("FER_DATA", str(csv))
    if AS_ROOT:
        refuse(monkeypatch, Path, "read_bytes", csv)
    else:
        csv.chmod(0)
    code, err = run_cli(capsys, "info")
    assert code == 2 and err == f"error: cannot read {csv}: permission denied (from $FER_DATA={csv})\n"

    root = fer_folder(tmp_path / "folder")
    monkeypatch.setenv("FER_DATA", str(root))
    refuse(monkeypatch, os, "scandir", root / "train")
    code, err = run_cli(capsys, "info")
    assert code == 2 and err.startswith(f"error: cannot read {root / 'train'}: permission denied (from $FER_DATA")


def test_an_unreadable_image_is_named_with_the_others(tmp_path, cache, monkeypatch):
    root = fer_folder(tmp_path)
    locked = root / "train" / "happy" / "Training_3.png"
    refuse(monkeypatch, np, "fromfile", locked)
    with pytest.raises(DataFormatError, match="train/happy/Training_3.png: cannot read .*: permission denied"):
        load_image_folder(root)


# --- 4. damaged model and run files ---------------------------------------------------------------


def _model_archive(tmp_path, name, edit) -> Path:
    """A copy of the shipped model's archive with ``edit(members)`` applied."""
    with zipfile.ZipFile(reference.FOLDER / reference.MODEL_FILE) as archive:
        members = {member: archive.read(member) for member in archive.namelist()}
    edit(members)
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as out:
        for member, data in members.items():
            out.writestr(member, data)
    return path


def _system_call(members):
    members["config.json"] = json.dumps({"module": "os", "class_name": "function", "config": "system",
                                         "registered_name": None}).encode()


def _lambda_layer(members):
    config = json.loads(members["config.json"])
    layer = config["config"]["layers"][1]
    layer.update(module="keras.layers", class_name="Lambda", registered_name=None)
    layer["config"] = {"name": layer["config"]["name"], "function": {
        "class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None}}}
    members["config.json"] = json.dumps(config).encode()


BAD_MODELS = {
    "truncated": (lambda tmp: _cut(tmp), "not a Keras archive"),
    "random bytes": (lambda tmp: _write(tmp, os.urandom(4000)), "not a Keras archive"),
    "empty": (lambda tmp: _write(tmp, b""), "the file is empty"),
    "HDF5 inside": (lambda tmp: _write(tmp, b"\x89HDF\r\n\x1a\n" + bytes(100)), "an HDF5 \\(.h5\\) file"),
    "no config.json": (lambda tmp: _model_archive(tmp, "m.keras", lambda m: m.pop("config.json")), "no config.json"),
    "config not JSON": (lambda tmp: _model_archive(tmp, "m.keras", lambda m: m.update({"config.json": b"{x"})),
                        "the archive is damaged"),
    "os.system": (lambda tmp: _model_archive(tmp, "m.keras", _system_call), "names os.system, from outside Keras"),
    "lambda layer": (lambda tmp: _model_archive(tmp, "m.keras", _lambda_layer), "Keras cannot rebuild the model"),
}


def _write(tmp_path, data) -> Path:
    (tmp_path / "m.keras").write_bytes(data)
    return tmp_path / "m.keras"


def _cut(tmp_path) -> Path:
    data = (reference.FOLDER / reference.MODEL_FILE).read_bytes()
    return _write(tmp_path, data[: len(data) // 2])


@pytest.mark.parametrize("kind", BAD_MODELS)
def test_a_bad_model_file_is_named_with_what_is_wrong_and_what_to_do(kind, tmp_path, capsys):
    make, message = BAD_MODELS[kind]
    path = make(tmp_path)
    with pytest.raises(SavedFileError, match=message) as caught:
        emotion_model(path)
    assert str(caught.value).startswith(f"{path}: ") and "save the model again" in str(caught.value)
    assert "File not found" not in str(caught.value)
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), tiny_faces(1)[0])
    code, err = run_cli(capsys, "predict", photo, "--model", path)
    assert code == 2 and err.startswith(f"error: {path}: ") and err.count("\n") == 1


def test_a_damaged_run_file_names_it_and_says_to_delete_the_run_folder(artifacts, run_data):
    run = train("small_cnn", run_data, **TINY)
    model = run.directory / "model.keras"
    good = model.read_bytes()
    model.write_bytes(good[:1000])
    with pytest.raises(SavedFileError, match=f"{model}: not a Keras archive.*delete the run folder {run.directory}"):
        train("small_cnn", run_data, **TINY)
    model.write_bytes(good)
    state = run.directory / "state.json"
    state.write_text(state.read_text()[:40])
    with pytest.raises(SavedFileError, match=f"{state}: not valid JSON .*delete the run folder {run.directory}"):
        train("small_cnn", run_data, **TINY)
    state.write_text(json.dumps({"finished": True}))
    with pytest.raises(SavedFileError, match=f"{state}: not a training run's state \\(no epochs_done, history"):
        train("small_cnn", run_data, **TINY)
    assert state.exists(), "a damaged run is named, never deleted behind the user's back"


def test_a_missing_checkpoint_is_named_with_the_state_that_names_it(artifacts, run_data):
    run = train("small_cnn", run_data, **TINY)
    (run.directory / "model.keras").unlink()
    with pytest.raises(SavedFileError, match="model.keras: missing, although .*state.json names it; delete the run"):
        train("small_cnn", run_data, **TINY)


def test_a_file_system_without_locks_goes_on_with_a_notice(tmp_path, monkeypatch, capsys):
    def no_locks(*args):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(engine_artifacts.fcntl, "flock", no_locks)
    with run_lock(tmp_path / "run") as new:
        assert new
    assert "cannot lock it (No locks available); going on unlocked" in capsys.readouterr().err


def test_json_files_are_read_with_their_name_in_every_error(tmp_path):
    for content, message in ((b"", "the file is empty"), (b"\xff\xfe\x00", "not a JSON text file"),
                             (b"[1, 2]", "holds a JSON list, not an object"), (b'{"a": ', "not valid JSON")):
        (tmp_path / "state.json").write_bytes(content)
        with pytest.raises(SavedFileError, match=f"{tmp_path / 'state.json'}: {message}.*; do this"):
            read_json(tmp_path / "state.json", "do this")
    assert read_json(tmp_path / "missing.json", "do this") == {}


def test_orphan_partial_files_of_a_killed_write_are_removed(artifacts, run_data):
    run = train("small_cnn", run_data, **TINY)
    orphan = run.directory / ".last-3.4242.partial.keras"
    orphan.write_bytes(b"half a checkpoint")
    assert train("small_cnn", run_data, **TINY).from_cache
    assert not orphan.exists()


# --- 5. decompression bombs -------------------------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path, tiny_model, capsys):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header(30_000, 30_000))
    assert bomb.stat().st_size < 2_000
    started = time.perf_counter()
    with pytest.raises(ImageError, match=f"{bomb}: the picture is 30000x30000 pixels \\(900 megapixels\\), more "
                                         f"than the {MAX_PIXELS // 10**6} megapixels"):
        predict_faces(bomb, tiny_model)
    assert time.perf_counter() - started < 1, "refused before decoding"
    code, err = run_cli(capsys, "predict", bomb)
    assert code == 2 and "30000x30000" in err


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".webp", ".tiff", ".pgm"])
def test_the_size_limit_reads_every_format_s_header(suffix, tmp_path, monkeypatch):
    path = tmp_path / f"photo{suffix}"
    cv2.imwrite(str(path), np.full((30, 40), 99, np.uint8))
    assert read_image(path).shape == (30, 40, 3)
    monkeypatch.setattr(image_files, "MAX_PIXELS", 30 * 40 - 1)
    with pytest.raises(ImageError, match="40x30 pixels"):
        read_image(path)


def test_a_bomb_in_a_dataset_folder_is_named(tmp_path, cache):
    root = fer_folder(tmp_path)
    (root / "train" / "angry" / "Training_bomb.png").write_bytes(_png_header(30_000, 30_000))
    with pytest.raises(DataFormatError, match="train/angry/Training_bomb.png: the picture is 30000x30000"):
        load_image_folder(root)


# --- 6. small things --------------------------------------------------------------------------------


def test_csv_line_numbers_count_blank_lines(tmp_path, cache):
    pixels = " ".join(["7"] * 2304)
    path = tmp_path / "fer2013.csv"
    path.write_text(f"emotion,pixels,Usage\n\n0,{pixels},Training\n   \n\n3,{pixels},PublicTest\r\n"
                    f"\n9,{pixels},Training\n")
    with pytest.raises(DataFormatError, match="line 8: emotion '9'"):
        load_fer_csv(path)
    path.write_text(path.read_text().replace("\n9,", "\n6,"))
    assert list(load_fer_csv(path).sources) == ["fer2013.csv:3", "fer2013.csv:6", "fer2013.csv:8"]


@pytest.mark.parametrize("content, message", [
    (lambda text: gzip.compress(text.encode()), "a gzip-compressed file, not a CSV text; unpack it first"),
    (lambda text: b"\x00" * 64, "not a CSV text file \\(it holds binary data\\)"),
    (lambda text: text.encode("utf-16"), None),  # as some spreadsheets save it: read
    (lambda text: "\ufeff".encode() + text.encode(), None),  # a byte-order mark: read
], ids=["gzip", "binary", "utf-16", "bom"])
def test_csv_files_of_another_kind_are_named_or_read(content, message, tmp_path, cache):
    text = write_fer_csv(make_dataset(LABELS, SPLITS), tmp_path / "made.csv").read_text()
    path = tmp_path / "fer2013.csv"
    path.write_bytes(content(text))
    if message is None:
        assert len(load_fer_csv(path)) == len(LABELS)
    else:
        with pytest.raises(DataFormatError, match=f"{path}: {message}"):
            load_fer_csv(path)


def test_an_archive_or_a_device_is_named(tmp_path, capsys):
    (tmp_path / "fer2013.zip").write_bytes(b"PK\x03\x04")
    code, err = run_cli(capsys, "info", "--data", tmp_path / "fer2013.zip")
    assert code == 2 and "an archive; unpack it first" in err
    with pytest.raises(ImageError, match="/dev/zero: not a regular file"):
        read_image("/dev/zero")  # would be read for ever


def test_macos_litter_is_skipped_with_a_warning(tmp_path, cache):
    root = fer_folder(tmp_path)
    (root / "train" / "happy" / "._Training_3.png").write_bytes(b"\x00\x05\x16\x07 resource fork")
    (root / "train" / "happy" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "__MACOSX" / "train").mkdir(parents=True)
    with pytest.warns(DataWarning, match=r"skipped 3 entries .*__MACOSX, train/happy/.DS_Store, "
                                         r"train/happy/._Training_3.png"):
        assert len(load_image_folder(root)) == len(LABELS)


def test_a_folder_beside_the_split_folders_is_named_alone(tmp_path, cache):
    root = fer_folder(tmp_path)
    (root / "extra" / "happy").mkdir(parents=True)
    with pytest.raises(DataFormatError, match=r"folder\(s\) extra beside the split folder\(s\) test, train") as caught:
        load_image_folder(root)
    assert "unknown emotion" not in str(caught.value)


def test_a_dataset_one_level_down_is_pointed_at(tmp_path, cache):
    fer_folder(tmp_path / "fer2013")
    with pytest.raises(DataFormatError, match=f"unknown emotion folder.*fer2013 \\(it holds a dataset itself: "
                                              f"pass {tmp_path / 'fer2013'}\\)"):
        load_image_folder(tmp_path)


def test_opencv_s_own_words_never_reach_the_user(tmp_path, tiny_model, capfd):
    gif = tmp_path / "broken.gif"
    gif.write_bytes(b"GIF89a\x01\x00\x01\x00" + bytes(20))
    with pytest.raises(ImageError) as caught:
        predict_faces(gif, tiny_model)
    err = capfd.readouterr().err
    for text in (str(caught.value), err):
        assert "OpenCV(" not in text and "Assertion" not in text and ".cpp" not in text
    with pytest.raises(ImageError, match="could not write the picture") as caught:
        images_module.save_image(np.zeros((4, 4, 3), np.uint8), tmp_path / "out.unknown")
    assert "OpenCV(" not in str(caught.value) and ".cpp" not in str(caught.value)
    with pytest.raises(ValueError, match="margin must be between 0 and 1"):
        predict_faces(np.zeros((64, 64, 3), np.uint8), tiny_model, margin=1e6)  # once an allocation failure


def test_opencv_errors_are_put_in_words():
    for call, expected in ((lambda: cv2.cvtColor(np.zeros((0, 0), np.uint8), cv2.COLOR_GRAY2RGB), "check inside"),
                           (lambda: cv2.imencode(".nope", np.zeros((2, 2), np.uint8)), "encoder")):
        with pytest.raises(cv2.error) as caught:
            call()
        words = image_files.opencv_reason(caught.value)
        assert expected in words and "OpenCV(" not in words and "(-" not in words


def test_a_csv_without_usage_says_it_was_split_with_a_seed(tmp_path, cache):
    path = tmp_path / "train.csv"
    write_fer_csv(make_dataset(LABELS * 4, ["train"] * 84), path)
    path.write_text("".join(line.rpartition(",")[0] + "\n" for line in path.read_text().splitlines()))
    for attempt in ("fresh", "cache hit"):
        with pytest.warns(DataWarning, match=f"{path}: no Usage column, so the 84 rows were split 80/10/10 .*seed 0"):
            load_fer_csv(path)


def test_a_second_identical_training_waits_and_loads_the_first_ones_result(artifacts, monkeypatch, run_data,
                                                                           capsys):
    started, release, fits = threading.Event(), threading.Event(), []
    real_fit = training._fit

    def held_fit(*args, **kwargs):
        fits.append(1)
        started.set()
        assert release.wait(120)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(training, "_fit", held_fit)
    runs = {}
    first = threading.Thread(target=lambda: runs.update(first=train("small_cnn", run_data, **TINY)))
    second = threading.Thread(target=lambda: runs.update(second=train("small_cnn", run_data, **TINY)))
    first.start()
    assert started.wait(60)
    second.start()
    said, deadline = "", time.monotonic() + 60
    while "in progress" not in said and time.monotonic() < deadline:
        said += capsys.readouterr().err
        time.sleep(0.05)
    release.set()
    first.join(120), second.join(120)
    assert "training small_cnn is in progress elsewhere" in said and f"pid {os.getpid()}" in said
    assert len(fits) == 1, "the second call trained again"
    assert not runs["first"].from_cache and runs["second"].from_cache
    assert runs["second"].directory == runs["first"].directory


def test_a_waiter_whose_owner_removed_the_folder_makes_it_again(tmp_path):
    folder = tmp_path / "run"
    entered = threading.Event()

    def waiter():
        with run_lock(folder) as new:
            entered.set()
            assert new and (folder / ".lock").exists()

    with run_lock(folder):
        thread = threading.Thread(target=waiter)
        thread.start()
        time.sleep(0.3)
        assert not entered.is_set()
        engine_artifacts.remove_run_folder(folder)
    thread.join(10)
    assert entered.is_set()
