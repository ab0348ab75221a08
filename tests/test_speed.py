"""The engine's choice of precision: measured per CPU and network, kept, and recorded by the run."""

from __future__ import annotations

import json

import pytest

from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.engine import speed
from fer_utils.engine.training import train
from fer_utils.errors import SavedFileError

TINY = {"model_options": {"filters": (8, 16)}, "batch_size": 32}


def fake_speeds(monkeypatch, float32: float, bfloat16: float) -> list:
    """Replace the timing with fixed rates; returns the list of precisions timed."""
    timed = []

    def rate(model, options, batch_size, precision):
        timed.append(precision)
        return {"float32": float32, "mixed_bfloat16": bfloat16}[precision]

    monkeypatch.setattr(speed, "_speed", rate)
    return timed


@pytest.mark.parametrize("bfloat16, chosen", [(150.0, "mixed_bfloat16"), (105.0, "float32"), (20.0, "float32")])
def test_bfloat16_is_chosen_only_when_clearly_faster(artifacts, monkeypatch, bfloat16, chosen):
    fake_speeds(monkeypatch, 100.0, bfloat16)
    precision, measured = speed.faster_precision("small_cnn", TINY["model_options"], 32)
    assert precision == chosen == measured["chosen"]
    assert measured["images_per_second"] == {"float32": 100.0, "mixed_bfloat16": bfloat16}
    assert measured["model"] == "small_cnn" and measured["batch_size"] == 32 and measured["cpu"]


def test_a_measurement_is_made_once_per_network_and_damage_is_named(artifacts, monkeypatch):
    timed = fake_speeds(monkeypatch, 100.0, 250.0)
    speed.faster_precision("small_cnn", TINY["model_options"], 32)
    assert timed == ["float32", "mixed_bfloat16"]  # a clear verdict (over twice as fast): one round
    assert speed.faster_precision("small_cnn", TINY["model_options"], 32)[0] == "mixed_bfloat16"
    assert len(timed) == 2  # read back, not measured again
    speed.faster_precision("small_cnn", TINY["model_options"], 64)
    assert len(timed) == 4  # another batch size is another measurement

    kept = {json.loads(path.read_text())["batch_size"]: path for path in artifacts.glob("precision-*.json")}
    assert sorted(kept) == [32, 64]
    kept[32].write_text("{not json")
    with pytest.raises(SavedFileError, match=rf"{kept[32].name}.*not valid JSON.*measured again"):
        speed.faster_precision("small_cnn", TINY["model_options"], 32)
    kept[64].write_text(json.dumps({"cpu": "x"}))
    with pytest.raises(SavedFileError, match=rf"{kept[64].name}: no precision chosen"):
        speed.faster_precision("small_cnn", TINY["model_options"], 64)


def test_close_speeds_are_timed_twice(artifacts, monkeypatch):
    timed = fake_speeds(monkeypatch, 100.0, 120.0)
    speed.faster_precision("small_cnn", None, 32)
    assert timed == ["float32", "mixed_bfloat16"] * 2


def test_a_real_measurement_times_both_precisions(artifacts):
    precision, measured = speed.faster_precision("small_cnn", TINY["model_options"], 16)
    assert precision in speed.PRECISIONS
    assert all(rate > 0 for rate in measured["images_per_second"].values())


def test_an_auto_run_records_the_precision_it_trained_under(artifacts, monkeypatch, capsys):
    fake_speeds(monkeypatch, 100.0, 300.0)
    run = train("small_cnn", make_demo_dataset(200, seed=3), epochs=1, precision="auto", verbose=2, **TINY)
    assert run.config.precision == "mixed_bfloat16"
    assert json.loads((run.directory / "config.json").read_text())["precision"] == "mixed_bfloat16"
    assert "precision auto: mixed_bfloat16" in capsys.readouterr().out
    assert run.model.layers[1].dtype_policy.name == "mixed_bfloat16"
