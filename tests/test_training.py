"""The training engine: run files, caching, resume after a kill, seeds, saved models, scale-out."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pandas as pd
import pytest

from fer_utils.data.labels import EMOTIONS
from fer_utils.data.loaders import write_fer_csv
from fer_utils.nets.parts import label_names
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.engine.training import TrainingConfig, train

TINY = {"model_options": {"filters": (8, 16)}, "batch_size": 32, "verbose": 0}
"""A network and batch small enough that an epoch of the demo set takes a second."""


@pytest.fixture(scope="module")
def demo():
    return make_demo_dataset(400, seed=2)


def comparable(history: pd.DataFrame) -> pd.DataFrame:
    return history.drop(columns="seconds")  # wall-clock time is the one thing allowed to differ


def test_a_run_writes_its_files_and_is_loaded_the_second_time(artifacts, demo, monkeypatch):
    run = train("small_cnn", demo, epochs=2, **TINY)
    assert not run.from_cache and run.resumed_at is None and run.replicas == 1
    assert list(run.history.index) == [1, 2]
    assert set(run.history.columns) >= {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate", "seconds"}
    names = {path.name for path in run.directory.iterdir()}
    assert {"config.json", "state.json", "history.csv", "model.keras", "last-2.keras"} <= names
    assert f"best-{run.best_epoch}.keras" in names
    assert not [name for name in names if "partial" in name]  # no temporary file left behind
    assert len([name for name in names if name.startswith("best-")]) == 1  # stale checkpoints removed
    state = json.loads((run.directory / "state.json").read_text())
    assert state["finished"] and state["epochs_done"] == 2

    monkeypatch.setattr("fer_utils.engine.training._fit", lambda *a, **k: pytest.fail("trained again"))
    again = train("small_cnn", demo, epochs=2, **TINY)
    assert again.from_cache and again.directory == run.directory
    pd.testing.assert_frame_equal(again.history, run.history)
    images, _ = demo.arrays("validation")
    np.testing.assert_allclose(
        again.model.predict(images[:8, ..., None].astype(np.float32), verbose=0),
        run.model.predict(images[:8, ..., None].astype(np.float32), verbose=0), rtol=1e-6,
    )


def test_every_setting_changes_the_run_folder(artifacts, demo):
    first = train("small_cnn", demo, epochs=1, **TINY)
    assert train("small_cnn", demo, epochs=1, seed=1, **TINY).directory != first.directory
    assert train("small_cnn", demo, epochs=1, class_weighting="balanced", **TINY).directory != first.directory
    assert len(list(artifacts.iterdir())) == 3


def test_seeded_runs_give_the_same_history(tmp_path, monkeypatch, demo):
    histories = []
    for attempt in ("first", "second"):
        monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / attempt))
        histories.append(train("small_cnn", demo, epochs=3, patience=None, **TINY).history)
    pd.testing.assert_frame_equal(comparable(histories[0]), comparable(histories[1]), rtol=1e-6)
    assert histories[0]["loss"].iloc[-1] < histories[0]["loss"].iloc[0]  # it did learn


def test_early_stopping_ends_a_run_and_keeps_the_best_epoch(artifacts, demo):
    run = train("small_cnn", demo, epochs=30, patience=1, learning_rate=0.05, **TINY)
    assert len(run.history) < 30
    assert run.best_epoch == run.history["val_loss"].idxmin()
    images, labels = demo.arrays("validation")
    loss, _ = run.model.evaluate(images[..., None].astype(np.float32), labels, verbose=0)
    assert loss == pytest.approx(run.history["val_loss"].min(), rel=1e-4)  # the best model, not the last


def test_a_killed_run_resumes_and_ends_as_an_uninterrupted_one(tmp_path, demo):
    data = write_fer_csv(demo, tmp_path / "demo.csv")
    command = [
        sys.executable, "-m", "fer_utils", "train", "small_cnn", "--data", str(data),
        "--profile", "smoke", "--epochs", "6", "--batch-size", "16", "--verbose", "0",
    ]

    def environment(name):
        return {**os.environ, "FER_ARTIFACTS_DIR": str(tmp_path / name)}

    subprocess.run(command, env=environment("whole"), check=True, capture_output=True)
    killed = subprocess.Popen(command, env=environment("killed"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done_at_kill = 0
    deadline = time.monotonic() + 300
    while killed.poll() is None and time.monotonic() < deadline:
        states = list((tmp_path / "killed").glob("*/state.json"))
        if states:
            done_at_kill = json.loads(states[0].read_text())["epochs_done"]
            if done_at_kill >= 2:
                killed.send_signal(signal.SIGKILL)
                break
        time.sleep(0.02)
    killed.wait()
    assert killed.returncode == -signal.SIGKILL and 2 <= done_at_kill < 6, "the run was not killed mid-way"

    resumed = subprocess.run(command, env=environment("killed"), check=True, capture_output=True, text=True)
    assert "resumed after epoch" in resumed.stdout
    whole, after_kill = (
        pd.read_csv(next((tmp_path / name).glob("*/history.csv")), index_col="epoch") for name in ("whole", "killed")
    )
    assert list(after_kill.index) == list(whole.index) == [1, 2, 3, 4, 5, 6]
    pd.testing.assert_frame_equal(comparable(after_kill), comparable(whole), rtol=1e-6)


def test_saved_model_takes_raw_pixels_and_names_its_outputs(artifacts, demo):
    run = train("small_cnn", demo, epochs=1, **TINY)
    loaded = keras.models.load_model(run.directory / "model.keras")
    assert label_names(loaded) == EMOTIONS
    probabilities = loaded.predict(np.full((3, 48, 48, 1), 200.0, np.float32), verbose=0)
    assert probabilities.shape == (3, 7)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"loss": "hinge"}, "unknown loss 'hinge'"),
        ({"precision": "float16"}, "unknown precision 'float16'"),
        ({"class_weighting": "inverse"}, "class_weighting must be None or 'balanced'"),
        ({"epochs": 0}, "epochs and batch_size must be positive"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**settings)


def test_unknown_model_and_oversized_batch_are_refused(artifacts, demo):
    with pytest.raises(ValueError, match="unknown model 'resnet'; choose one of"):
        train("resnet", demo, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="cannot fill one batch of 4096"):
        train("small_cnn", demo, epochs=1, batch_size=4096, verbose=0)


def _run_script(tmp_path, script: str, **environment) -> subprocess.CompletedProcess:
    """Run ``script`` in a fresh interpreter (with extra ``environment`` variables):
    device set-up must precede TensorFlow's start, and a backend abort must fail
    the test instead of killing pytest."""
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script))
    env = {**os.environ, "FER_ARTIFACTS_DIR": str(tmp_path / "artifacts"), **environment}
    return subprocess.run([sys.executable, str(path)], env=env, capture_output=True, text=True, timeout=600)


def test_two_logical_cpus_train_under_mirrored_strategy(tmp_path):
    result = _run_script(tmp_path, """
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import numpy as np
        from fer_utils.data.synthetic import make_demo_dataset
        from fer_utils.engine.training import distribution_strategy, train
        assert type(distribution_strategy()).__name__ == "MirroredStrategy"
        demo = make_demo_dataset(400, seed=2)
        run = train("small_cnn", demo, epochs=2, batch_size=16, model_options={"filters": (8, 16)}, verbose=0)
        print("replicas", run.replicas, "epochs", len(run.history), "finite", bool(np.isfinite(run.history["loss"]).all()))
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "replicas 2 epochs 2 finite True" in result.stdout


def test_mini_xception_survives_a_partial_last_batch_with_onednn_on(tmp_path):
    """Regression test for the oneDNN abort (DESIGN.md, known hazards): the
    mini-Xception network trained, with oneDNN switched on as ``fer-utils train``
    does, on a training set that is not a multiple of the batch size."""
    result = _run_script(tmp_path, """
        from fer_utils.data.synthetic import make_demo_dataset
        from fer_utils.engine.training import train

        demo = make_demo_dataset(1000, seed=4)
        train_size = int((demo.splits == "train").sum())
        assert train_size % 64, train_size
        run = train("mini_xception", demo, epochs=2, batch_size=64, verbose=0)
        print("trained", len(run.history), "epochs on", train_size, "images")
    """, TF_ENABLE_ONEDNN_OPTS="1")
    assert result.returncode == 0, f"training aborted ({result.returncode}): {result.stderr[-3000:]}"
    assert "trained 2 epochs" in result.stdout
