"""The training recipes: their ingredients, the engine settings they need, the ablation,
accuracy against time, and the reference model that plain Keras opens."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pandas as pd
import pytest

from fer_utils import cli
from fer_utils import figures
from fer_utils.studies import recipes
from fer_utils.faces import reference
from fer_utils.engine.artifacts import artifact_path
from fer_utils.augment.transforms import OnlineAugmentation
from fer_utils.augment.layers import RandomErasing, RandomPaddedCrop
from fer_utils.data.dataset import FaceDataset
from fer_utils.data.labels import EMOTIONS, NUM_CLASSES
from fer_utils.data.loaders import write_fer_csv
from fer_utils.nets.parts import label_names
from fer_utils.nets.plain import small_cnn
from fer_utils.augment.pipeline import evaluation_pipeline, mix_batch, training_pipeline
from fer_utils.config import PROFILES
from fer_utils.nets.portable import custom_layers, in_float32, plain_keras_model
from fer_utils.studies.reference import publish, training_command
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.engine.training import LearningRateCurve, TrainingConfig, compiled_model, make_optimizer, train

from builders import make_dataset

TINY_RESNET = {"widths": [8, 16], "blocks": [1, 1], "stem": 8}
"""The recipes' network at a size that trains an epoch of the demo set in a second."""


def tiny(recipe: str) -> recipes.Recipe:
    """A recipe with the tiny network in place of its own."""
    original = recipes.RECIPES[recipe]
    return dataclasses.replace(original, settings={**original.settings, "model_options": TINY_RESNET,
                                                   "precision": "float32"})


@pytest.fixture(scope="module")
def demo():
    return make_demo_dataset(200, seed=2)


@pytest.fixture
def batch():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (6, 48, 48, 1)).astype(np.float32)


# --------------------------------------------------------------------------- run keys of existing settings


def _key_data() -> FaceDataset:
    images = (np.arange(6 * 48 * 48) % 251).astype(np.uint8).reshape(6, 48, 48)
    return FaceDataset(images=images, labels=np.arange(6, dtype=np.int64) % 7,
                       splits=np.array(["train", "train", "validation", "validation", "test", "test"], dtype="<U10"),
                       sources=np.array([f"k:{i}" for i in range(6)]), name="keys")


OLD_SETTINGS = {
    "model_options": {"filters": (8, 16)}, "epochs": 20, "batch_size": 32, "learning_rate": 5e-4, "patience": None,
    "class_weighting": "balanced", "augmentation": OnlineAugmentation(), "precision": "mixed_bfloat16", "seed": 3,
}


@pytest.mark.parametrize("model, settings, folder, as_dict", [
    ("baseline_cnn", {}, "run-baseline_cnn-e2da11ebcb2f666c",
     "{'model': 'baseline_cnn', 'model_options': {}, 'epochs': 40, 'batch_size': 64, 'learning_rate': 0.001, "
     "'patience': 8, 'class_weighting': None, 'oversample': False, 'augmentation': None, 'loss': 'cross_entropy', "
     "'precision': 'float32', 'jit_compile': False, 'seed': 0}"),
    ("small_cnn", OLD_SETTINGS, "run-small_cnn-4d3016e9c1db598e",
     "{'model': 'small_cnn', 'model_options': {'filters': (8, 16)}, 'epochs': 20, 'batch_size': 32, "
     "'learning_rate': 0.0005, 'patience': None, 'class_weighting': 'balanced', 'oversample': False, "
     "'augmentation': {'flip': True, 'rotation': 0.15707963267948966, 'translation': 0.1, 'zoom': 0.1}, "
     "'loss': 'cross_entropy', 'precision': 'mixed_bfloat16', 'jit_compile': False, "
     "'seed': 3}"),
])
def test_settings_that_existed_before_the_recipes_keep_their_run_folders(model, settings, folder, as_dict):
    """Hard-coded from the engine when the blur setting was removed: settings added
    since must not move the run folder of an earlier configuration (a cached run
    is found, not trained again)."""
    config = TrainingConfig(model=model, **settings)
    assert repr(config.to_dict()) == as_dict
    path = artifact_path(f"run-{model}", _key_data(), suffix="", profile="default", config=config.to_dict())
    assert path.name == folder


def test_the_new_settings_are_in_the_run_key_only_when_used():
    base = TrainingConfig(model="small_cnn")
    for change in ({"optimizer": "sgd_nesterov"}, {"weight_decay": 0.01}, {"schedule": "cosine"},
                   {"label_smoothing": 0.1}, {"mixup": 0.2}, {"augmentation": OnlineAugmentation(erasing=0.5)},
                   {"augmentation": OnlineAugmentation(crop_padding=4)}):
        changed = TrainingConfig(model="small_cnn", **change).to_dict()
        assert changed != base.to_dict(), change
        assert set(changed) - set(base.to_dict()) <= set(change)
    assert OnlineAugmentation(erasing=0.5).to_dict()["erasing"] == 0.5
    assert "erasing" not in OnlineAugmentation().to_dict()


@pytest.mark.parametrize("settings, message", [
    ({"optimizer": "rmsprop"}, "unknown optimizer"),
    ({"schedule": "step"}, "unknown schedule"),
    ({"optimizer": "adamw"}, "> 0 for adamw"),
    ({"schedule": "cosine", "warmup_epochs": 40}, "warmup_epochs"),
    ({"label_smoothing": 1.0}, "label_smoothing"),
    ({"mixup": 0.2, "loss": "focal"}, "need the cross-entropy loss"),
])
def test_bad_recipe_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**settings)


# --------------------------------------------------------------------------- augmentation


def test_padded_crops_shift_each_face_by_whole_pixels_within_the_padding(batch):
    layer = RandomPaddedCrop(4, seed=1)
    out = np.asarray(layer(batch, training=True))
    shifts = set()
    for original, cropped in zip(batch[..., 0], out[..., 0]):
        padded = np.pad(original, 4, mode="reflect")
        found = [(dy, dx) for dy in range(9) for dx in range(9)
                 if np.array_equal(padded[dy:dy + 48, dx:dx + 48], cropped)]
        assert len(found) == 1, "every output is one window of the mirrored-padded face"
        shifts.add(found[0])
    assert len(shifts) > 1, "each face gets its own shift"
    np.testing.assert_array_equal(np.asarray(layer(batch, training=False)), batch)


def test_random_erasing_changes_pixels_inside_one_box_only(batch):
    faces = np.full((40, 48, 48, 1), 128.0, np.float32)
    out = np.asarray(RandomErasing(1.0, seed=3)(faces, training=True))[..., 0]
    areas = []
    for erased in out:
        changed = erased != 128.0
        rows, columns = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        box = np.zeros_like(changed)
        box[rows.min():rows.max() + 1, columns.min():columns.max() + 1] = True
        np.testing.assert_array_equal(changed, box)  # a rectangle, and nothing outside it
        assert 0 <= erased.min() and erased.max() <= 255
        areas.append(changed.mean())
    assert 0.015 < min(areas) and max(areas) < 0.3 and len(set(areas)) > 5
    half = np.asarray(RandomErasing(0.5, seed=3)(faces, training=True))
    untouched = (half == 128.0).all(axis=(1, 2, 3)).mean()
    assert 0.25 < untouched < 0.75
    np.testing.assert_array_equal(np.asarray(RandomErasing(1.0)(batch, training=False)), batch)
    np.testing.assert_array_equal(np.asarray(RandomErasing(0.0)(batch, training=True)), batch)


def test_the_recipe_augmentation_has_every_transform_and_keeps_the_old_seeds(batch):
    names = [type(layer).__name__ for layer in recipes.RECIPE_AUGMENTATION.layers(5).layers]
    assert names == ["RandomPaddedCrop", "RandomFlip", "RandomRotation", "RandomErasing"]
    old = OnlineAugmentation().layers(5).layers
    assert [layer.seed for layer in old] == [int(s) for s in np.random.SeedSequence(5).generate_state(4)]
    table = recipes.RECIPE_AUGMENTATION.table()
    assert {"Random crop with padding", "Random erasing"} <= set(table.index)
    out = np.asarray(recipes.RECIPE_AUGMENTATION.layers(5)(batch, training=True))
    assert out.shape == batch.shape and not np.allclose(out, batch)


# --------------------------------------------------------------------------- targets: smoothing and mixup


def _first_batch(images, labels, **options):
    x, y = next(iter(training_pipeline(images, labels, batch_size=16, seed=0, epochs=1, **options)))
    return np.asarray(x), np.asarray(y)


def test_label_smoothing_targets_sum_to_one(demo):
    images, labels = demo.arrays("train")
    _, sparse = _first_batch(images, labels)
    _, soft = _first_batch(images, labels, label_smoothing=0.1)
    assert soft.shape == (16, NUM_CLASSES)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(soft.max(axis=1), 0.9 + 0.1 / 7, atol=1e-6)
    np.testing.assert_allclose(soft.min(axis=1), 0.1 / 7, atol=1e-6)
    np.testing.assert_array_equal(soft.argmax(axis=1), sparse)


def test_mixup_blends_each_face_with_its_neighbour_and_the_targets_alike(demo):
    images, labels = demo.arrays("train")
    plain_x, plain_y = _first_batch(images, labels)
    mixed_x, mixed_y = _first_batch(images, labels, mixup=0.4)
    np.testing.assert_allclose(mixed_y.sum(axis=1), 1.0, atol=1e-6)
    previous = np.roll(np.arange(16), 1)
    checked = 0
    for i in range(16):
        a, b = plain_y[i], plain_y[previous[i]]
        if a == b:
            assert mixed_y[i, a] == pytest.approx(1.0)
            continue
        weight = mixed_y[i, a]
        assert mixed_y[i, b] == pytest.approx(1 - weight, abs=1e-6)
        np.testing.assert_allclose(mixed_x[i], weight * plain_x[i] + (1 - weight) * plain_x[previous[i]], atol=1e-3)
        checked += 1
    assert checked >= 8 and 0 < mixed_y.max(axis=1).min() < 1


def test_mixup_draws_depend_on_the_batch_number_so_a_resumed_run_mixes_alike(demo):
    images, labels = demo.arrays("train")
    whole = list(training_pipeline(images, labels, batch_size=16, seed=0, epochs=2, mixup=0.4))
    resumed = list(training_pipeline(images, labels, batch_size=16, seed=0, epochs=1, first_epoch=1, mixup=0.4))
    steps = len(labels) // 16
    for (x, y), (rx, ry) in zip(whole[steps:], resumed):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(rx))
        np.testing.assert_array_equal(np.asarray(y), np.asarray(ry))
    x, y = np.ones((4, 48, 48, 1), np.float32), np.eye(7, dtype=np.float32)[:4]
    first, again = mix_batch(x, y, 0.2, (1, 2)), mix_batch(x, y, 0.2, (1, 2))
    np.testing.assert_array_equal(np.asarray(first[1]), np.asarray(again[1]))


def test_validation_targets_are_exact_one_hot_rows(demo):
    images, labels = demo.arrays("validation")
    _, targets = next(iter(evaluation_pipeline(images, labels, batch_size=8, one_hot=True)))
    np.testing.assert_array_equal(np.asarray(targets), np.eye(7)[labels[:8]])


# --------------------------------------------------------------------------- optimiser, schedule, loss


def test_warmup_cosine_schedule_values():
    curve = LearningRateCurve(0.1, total_steps=100, warmup_steps=10, shape="cosine")
    values = [float(curve(step)) for step in (0, 4, 9, 10, 55, 100, 150)]
    np.testing.assert_allclose(values, [0.01, 0.05, 0.1, 0.1, 0.05, 0.0, 0.0], atol=1e-7)
    assert np.all(np.diff([float(curve(s)) for s in range(10, 101)]) <= 1e-9)


def test_one_cycle_schedule_values():
    curve = LearningRateCurve(0.1, total_steps=100, warmup_steps=30, shape="one_cycle")
    values = [float(curve(step)) for step in (0, 15, 30, 65, 100)]
    np.testing.assert_allclose(values, [0.004, 0.052, 0.1, 0.05 + 2e-7, 4e-7], rtol=1e-5)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(curve))
    assert float(restored(65)) == pytest.approx(values[3])


def test_each_optimizer_and_schedule_is_what_the_settings_say():
    adamw = make_optimizer(TrainingConfig(optimizer="adamw", weight_decay=0.01, schedule="cosine",
                                          warmup_epochs=1, epochs=4), steps_per_epoch=10)
    assert isinstance(adamw, keras.optimizers.AdamW) and adamw.weight_decay == pytest.approx(0.01)
    assert isinstance(adamw._learning_rate, LearningRateCurve) and adamw._learning_rate.total_steps == 40
    assert adamw._learning_rate.warmup_steps == 10
    sgd = make_optimizer(TrainingConfig(optimizer="sgd_nesterov", learning_rate=0.05, weight_decay=5e-4))
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.nesterov and sgd.momentum == pytest.approx(0.9)
    assert float(sgd.learning_rate) == pytest.approx(0.05)
    plain = make_optimizer(TrainingConfig())
    assert type(plain) is keras.optimizers.Adam and plain.weight_decay is None
    with pytest.raises(ValueError, match="steps per epoch"):
        make_optimizer(TrainingConfig(schedule="cosine"))


def test_soft_targets_switch_the_loss_to_categorical_cross_entropy():
    options = {"model": "compact_resnet", "model_options": TINY_RESNET}
    assert compiled_model(TrainingConfig(**options)).loss == "sparse_categorical_crossentropy"
    assert compiled_model(TrainingConfig(**options, label_smoothing=0.1)).loss == "categorical_crossentropy"
    assert compiled_model(TrainingConfig(**options, mixup=0.2)).loss == "categorical_crossentropy"


def test_each_ablation_variant_removes_exactly_its_ingredient():
    variants = recipes.ablation_variants("cpu_2h")
    full = variants.pop(recipes.FULL)
    assert set(variants) == {"- random crops", "- flips", "- rotations", "- random erasing", "- all augmentation",
                             "- label smoothing", "- weight decay", "- schedule (constant rate)",
                             "- early stopping", "+ mixup"}
    configs = {name: TrainingConfig(model="compact_resnet", **settings) for name, settings in variants.items()}
    reference_config = TrainingConfig(model="compact_resnet", **full)
    assert len({json.dumps(c.to_dict(), sort_keys=True) for c in [reference_config, *configs.values()]}) == 11
    assert configs["- random erasing"].augmentation.erasing == 0
    assert configs["- random crops"].augmentation.crop_padding == 0
    assert not configs["- flips"].augmentation.flip and configs["- rotations"].augmentation.rotation == 0
    assert configs["- label smoothing"].label_smoothing == 0 and not configs["- label smoothing"].soft_targets
    assert configs["- schedule (constant rate)"].schedule == "constant"
    assert configs["- weight decay"].optimizer == "adam" and configs["- weight decay"].weight_decay == 0
    assert configs["- early stopping"].patience is None and configs["+ mixup"].mixup == 0.2
    assert {c.epochs for c in configs.values()} == {reference_config.epochs}  # the same budget
    layer_lists = {name: [type(layer).__name__ for layer in c.augmentation.layers(0).layers]
                   for name, c in configs.items() if c.augmentation is not None}
    assert "RandomErasing" not in layer_lists["- random erasing"] and "RandomFlip" not in layer_lists["- flips"]
    gpu = recipes.ablation_variants("full_gpu")
    assert "- mixup" in gpu and "+ mixup" not in gpu and gpu["- SGD Nesterov (Adam instead)"]["learning_rate"] == 1e-3
    assert gpu["- weight decay"]["optimizer"] == "sgd_nesterov" and gpu["- weight decay"]["weight_decay"] == 0


def test_the_ablation_leaves_out_early_stopping_where_it_cannot_stop_the_run():
    # patience 10: it stops after ten epochs without a better val_loss, after epoch 11 at the earliest
    assert recipes.RECIPES["cpu_2h"].settings["patience"] == 10
    assert "- early stopping" in recipes.ablation_variants("cpu_2h", epochs=12)
    for epochs in (11, 5, 1):
        assert "- early stopping" not in recipes.ablation_variants("cpu_2h", epochs=epochs)
    smoke = recipes.ablation_variants("cpu_2h", PROFILES["smoke"], ingredients=["early stopping"])
    assert "- early stopping" not in smoke


def test_the_smoke_ablation_removes_one_augmentation_and_one_loss_setting_and_adds_mixup():
    smoke = recipes.ablation_variants("cpu_2h", PROFILES["smoke"])
    assert list(smoke) == [recipes.FULL, "- all augmentation", "- label smoothing", "+ mixup"]
    assert len(recipes.ablation_variants("cpu_2h")) == 11  # without a profile: every ingredient it uses
    assert list(recipes.ablation_variants("cpu_2h", PROFILES["default"])) == [
        recipes.FULL, *(f"- {name}" for name in PROFILES["default"].ablation_ingredients), "+ mixup"]
    assert list(recipes.ablation_variants("cpu_2h", PROFILES["smoke"], ingredients=["flips"])) == [
        recipes.FULL, "- flips", "+ mixup"]


def test_recipe_settings_follow_the_profile_and_keep_the_warmup_share():
    recipe = recipes.RECIPES["full_gpu"]
    assert recipe.training_settings(PROFILES["full"])["epochs"] == 200
    smoke = recipe.training_settings(PROFILES["smoke"])
    assert smoke["epochs"] == 2 and smoke["warmup_epochs"] == pytest.approx(5 * 2 / 200)
    assert recipe.training_settings(epochs=100)["warmup_epochs"] == pytest.approx(2.5)
    assert recipes.RECIPES["cpu_2h"].command == "fer-utils train --recipe cpu_2h --profile default --epochs 50"
    assert recipes.RECIPES["full_gpu"].command == "fer-utils train --recipe full_gpu --profile full"
    with pytest.raises(ValueError, match="unknown recipe"):
        recipes.get_recipe("fast")


def test_the_settings_table_spells_out_every_setting_of_the_profile():
    table = recipes.settings_table("cpu_2h", PROFILES["smoke"])
    assert table.index[0] == "network" and table.at["network", "value"] == "compact_resnet"
    assert table.at["epochs", "value"] == "2" and table.at["optimizer", "value"] == "adamw"
    assert table.at["augmentation: rotation", "value"] == "up to 10 degrees"
    assert table.at["augmentation: crop_padding", "value"] == "4" and "augmentation" not in table.index
    full = recipes.settings_table("full_gpu")
    assert full.at["epochs", "value"] == "200" and full.at["mixup", "value"] == "0.2"
    assert "mixup" not in table.index  # cpu_2h leaves it at the engine's default


# --------------------------------------------------------------------------- training the recipes


def test_the_cpu_recipe_trains_through_the_engine(demo):
    run = recipes.train_recipe(tiny("cpu_2h"), demo, epochs=2, batch_size=16)
    assert list(run.history.index) == [1, 2] and np.isfinite(run.history["val_loss"]).all()
    assert run.history["learning_rate"].iloc[-1] < 1e-6  # the cosine ended
    assert run.config.soft_targets and run.config.optimizer == "adamw"
    stored = json.loads((run.directory / "config.json").read_text())
    assert stored["augmentation"]["erasing"] == 0.5 and stored["label_smoothing"] == 0.1
    state = json.loads((run.directory / "state.json").read_text())
    resumable = keras.models.load_model(run.directory / state["last_checkpoint"])  # what a resumed run continues
    assert isinstance(resumable.optimizer._learning_rate, LearningRateCurve)
    assert int(resumable.optimizer.iterations) == 2 * (len(demo.arrays("train")[1]) // 16)
    again = recipes.train_recipe(tiny("cpu_2h"), demo, epochs=2, batch_size=16)
    assert again.from_cache and again.directory == run.directory


def test_the_full_gpu_recipe_builds_and_runs_a_few_steps(demo):
    """The GPU recipe cannot run here; its real network, precision, optimiser, schedule,
    augmentation, smoothing and mixup are built and trained for two steps."""
    recipe = recipes.RECIPES["full_gpu"]
    config = TrainingConfig(model=recipe.model, **recipe.training_settings(epochs=2, batch_size=8))
    model = compiled_model(config, steps_per_epoch=1)
    assert 10e6 < model.count_params() < 12e6
    assert model.get_layer("scores").dtype_policy.name == "mixed_bfloat16"
    assert model.output.dtype == "float32" and isinstance(model.optimizer, keras.optimizers.SGD)
    images, labels = demo.arrays("train")
    stream = training_pipeline(images[:16], labels[:16], batch_size=8, seed=0, augmentation=config.augmentation,
                               label_smoothing=config.label_smoothing, mixup=config.mixup, epochs=1)
    history = model.fit(stream, epochs=1, verbose=0, shuffle=False).history
    assert np.isfinite(history["loss"][0]) and int(model.optimizer.iterations) == 2


def test_train_command_takes_a_recipe(no_real_data, capsys):
    code = cli.main(["train", "--recipe", "cpu_2h", "--profile", "smoke", "--epochs", "1", "--verbose", "0"])
    out = capsys.readouterr().out
    assert code == 0 and "compact_resnet (recipe cpu_2h)" in out and "test accuracy" in out
    assert cli.main(["train", "--recipe", "nope", "--profile", "smoke"]) == 2
    assert cli.main(["train", "--profile", "smoke"]) == 2
    assert "name a network" in capsys.readouterr().err


def test_a_recipe_run_is_recognised_for_its_card():
    recipe = recipes.RECIPES["cpu_2h"]
    settings = json.loads(json.dumps({**TrainingConfig(model=recipe.model, **recipe.training_settings(
        seed=2)).to_dict(), "profile": "default", "dataset": "x"}))
    assert recipes.matching_recipe(settings, PROFILES["default"]) is recipe
    assert training_command(settings, "default") == (
        "fer-utils train --recipe cpu_2h --profile default --epochs 50 --batch-size 64 --seed 2")
    assert recipes.matching_recipe({**settings, "mixup": 0.3}, PROFILES["default"]) is None
    command = training_command({**settings, "mixup": 0.3}, "default")
    assert command.startswith("fer_utils.engine.training.train('compact_resnet', dataset, profile=PROFILES['default'], ")
    assert "mixup=0.3" in command and "optimizer='adamw'" in command and "label_smoothing=0.1" in command


# --------------------------------------------------------------------------- ablation and time


def test_the_ablation_table_on_tiny_data(demo):
    table = recipes.ablation(tiny("cpu_2h"), demo, epochs=1, ingredients=["flips"])
    runs = recipes.ablation_runs(tiny("cpu_2h"), demo, epochs=1, ingredients=["flips"])
    assert list(runs) == [recipes.FULL, "- flips", "+ mixup"]
    assert not runs["- flips"].config.augmentation.flip and runs["+ mixup"].config.mixup == 0.2
    assert table.at["- flips", "PublicTest accuracy"] == runs["- flips"].accuracy(demo, "validation")
    assert list(table.index) == [recipes.FULL, "- flips", "+ mixup", "+ test-time augmentation"]
    changes = [recipes.CHANGE_COLUMNS["PublicTest"], recipes.CHANGE_COLUMNS["PrivateTest"]]
    assert list(table.columns) == ["PublicTest accuracy", "PrivateTest accuracy", *changes]
    assert all("this row minus full recipe" in column for column in changes)
    assert table.loc[recipes.FULL, changes].tolist() == [0.0, 0.0]
    assert ((table["PrivateTest accuracy"] >= 0) & (table["PrivateTest accuracy"] <= 1)).all()
    row = table.loc["- flips"]
    assert row[recipes.CHANGE_COLUMNS["PrivateTest"]] == pytest.approx(
        100 * (row["PrivateTest accuracy"] - table.at[recipes.FULL, "PrivateTest accuracy"]))
    assert set(table.attrs["minutes"]) == set(table.index)


def test_ablation_findings_weigh_each_ingredient_against_the_interval_of_one_accuracy():
    faces = make_dataset(np.arange(2500) % 7, ["validation"] * 2500)  # at 40%: 1.96 * sqrt(.4 * .6 / 2500) = 1.9
    public = {recipes.FULL: 0.40, "- random crops": 0.43, "- label smoothing": 0.37, "- flips": 0.41, "+ mixup": 0.37,
              "+ test-time augmentation": 0.425, "- schedule (constant rate)": 0.39}
    table = recipes.ablation_table({name: {"PublicTest accuracy": accuracy, "PrivateTest accuracy": 0.4}
                                    for name, accuracy in public.items()})
    lines = recipes.ablation_findings(table, faces)
    assert "1.9 points" in lines[0] and "2,500 faces" in lines[0]
    assert lines[1] == ("Helped at this budget (lower without it, higher with it): label smoothing (without it "
                        "-3.0 points), test-time augmentation (with it +2.5 points).")
    assert lines[2] == ("Hurt at this budget (higher without it, lower with it): random crops (without it "
                        "+3.0 points), mixup (with it -3.0 points).")
    assert lines[3] == "No evidence either way: schedule (without it -1.0 points), flips (without it +1.0 points)."
    change = table[recipes.CHANGE_COLUMNS["PublicTest"]]  # every number printed is the table's own, sign included
    assert change["- random crops"] == pytest.approx(3.0) and change["+ mixup"] == pytest.approx(-3.0)


def test_time_curve_reads_the_kept_epoch_at_each_mark():
    history = pd.DataFrame({
        "epoch": [1, 2, 3, 4, 5], "seconds": [600.0] * 5, "val_loss": [1.5, 1.2, 1.3, 1.1, 1.15],
        "val_accuracy": [0.3, 0.4, 0.45, 0.5, 0.52],
    }).set_index("epoch")
    curve = recipes.time_curve(history, minutes=(5, 15, 30, 60))
    assert curve["epochs"].tolist() == [0, 1, 3, 5]
    assert curve["kept epoch"].tolist()[1:] == [1, 2, 4]
    assert curve["PublicTest accuracy"].tolist()[1:] == [0.3, 0.4, 0.5] and np.isnan(curve.at[5, "PublicTest accuracy"])
    assert curve["finished"].tolist() == [False, False, False, True]
    assert recipes.budget_epochs(120, 300) == 24 and recipes.budget_epochs(1, 300) == 1


def test_budget_curve_and_the_accuracy_time_figure(demo):
    budgets = recipes.budget_curve(tiny("cpu_2h"), demo, minutes=(1, 2), epoch_seconds=60)
    assert budgets["epochs"].tolist() == [1, 2] and budgets["training minutes"].gt(0).all()
    run = recipes.train_recipe(tiny("cpu_2h"), demo, epochs=2)
    figure = figures.plot_accuracy_vs_time(demo, {"cpu_2h (tiny)": run.history}, budgets, marks=(1, 2))
    assert "synthetic demo data" in figure.texts[-1].get_text()


def test_recipe_scores_and_seed_ensemble(demo):
    run = recipes.train_recipe(tiny("cpu_2h"), demo, epochs=1)
    scores = recipes.recipe_scores(run, demo)
    assert list(scores.index) == ["single view", "with TTA"] and scores.shape[1] == 4
    other = recipes.train_recipe(tiny("cpu_2h"), demo, epochs=1, seed=1)
    table, weights = recipes.seed_ensemble({"seed 0": run, "seed 1": other}, demo, tta=False)
    assert "soft vote" in table.index and weights.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- plain-Keras reference weights


PLAIN_LOAD = """
    import sys
    import numpy as np
    import keras
    model = keras.models.load_model(sys.argv[1], safe_mode=True, compile=False)
    assert not [name for name in sys.modules if name.startswith("fer_utils")]
    np.save(sys.argv[3], model.predict(np.load(sys.argv[2]), verbose=0))
    print("input", model.input_shape)
"""


def _plain_predictions(tmp_path, model_file, faces) -> np.ndarray:
    """``model_file``'s predictions for ``faces``, from a fresh interpreter that
    imports Keras and nothing of fer_utils."""
    script, inputs, outputs = tmp_path / "load.py", tmp_path / "faces.npy", tmp_path / "out.npy"
    script.write_text(textwrap.dedent(PLAIN_LOAD))
    np.save(inputs, faces)
    result = subprocess.run([sys.executable, str(script), str(model_file), str(inputs), str(outputs)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "input (None, 48, 48, 1)" in result.stdout
    return np.load(outputs)


def test_the_plain_copy_predicts_as_the_trained_network_and_loads_without_fer_utils(tmp_path):
    keras.utils.set_random_seed(0)
    trained = small_cnn(filters=(8, 16))
    trained.get_layer("scores").set_weights([w * 20 for w in trained.get_layer("scores").get_weights()])
    copy = plain_keras_model(trained)
    assert custom_layers(trained) == ["emotion"] and custom_layers(copy) == []
    faces = np.random.default_rng(2).integers(0, 256, (64, 48, 48, 1)).astype(np.float32)
    expected = trained.predict(faces, verbose=0)
    assert np.abs(copy.predict(faces, verbose=0) - expected).max() < 1e-5
    assert expected.max(axis=1).min() < 0.9 and expected.max() > 0.5  # not a flat output: the test can fail
    copy.save(tmp_path / "plain.keras")
    assert np.abs(_plain_predictions(tmp_path, tmp_path / "plain.keras", faces) - expected).max() < 1e-5
    assert label_names(copy) == EMOTIONS


def test_a_bfloat16_network_is_copied_to_compute_in_float32():
    keras.utils.set_random_seed(0)
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        trained = small_cnn(filters=(8, 16))
    finally:
        keras.config.set_dtype_policy("float32")
    assert trained.get_layer("scores").dtype_policy.name == "mixed_bfloat16"
    copy = plain_keras_model(trained)
    assert {layer.dtype_policy.name for layer in copy.layers} == {"float32"}
    assert trained.get_layer("scores").dtype_policy.name == "mixed_bfloat16"  # the original is left as it was
    np.testing.assert_allclose(copy.predict(faces := np.random.default_rng(3).integers(0, 256, (16, 48, 48, 1))
                                            .astype(np.float32), verbose=0),
                               in_float32(trained).predict(faces, verbose=0), atol=1e-6)
    for mine, theirs in zip(copy.weights, trained.weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))  # float32 weights, carried over exactly
    faces = np.random.default_rng(2).integers(0, 256, (32, 48, 48, 1)).astype(np.float32)
    assert np.abs(copy.predict(faces, verbose=0) - trained.predict(faces, verbose=0)).max() < 0.05  # bf16 rounding


def test_the_plain_copy_refuses_layers_it_cannot_replace():
    @keras.saving.register_keras_serializable(package="test_recipes")
    class Double(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    inputs = keras.Input((48, 48, 1))
    model = keras.Model(inputs, keras.layers.Dense(7, activation="softmax")(keras.layers.Flatten()(Double()(inputs))))
    with pytest.raises(ValueError, match="not a built-in Keras layer"):
        plain_keras_model(model)


def test_a_published_run_opens_with_plain_keras(tmp_path, monkeypatch):
    labels = np.tile(np.arange(7), 12)
    data = write_fer_csv(make_dataset(labels, ["train"] * 56 + ["validation"] * 14 + ["test"] * 14, seed=4),
                         tmp_path / "faces.csv")
    from fer_utils.data.discovery import load_dataset

    dataset = load_dataset(data)
    run = train("small_cnn", dataset, epochs=1, batch_size=8, model_options={"filters": [8, 16]}, verbose=0)
    record = publish(run.directory, data=data, folder=tmp_path / "published")
    images, test_labels = dataset.arrays("test")
    expected = run.model.predict(images[..., None].astype(np.float32), verbose=0)
    published = tmp_path / "published" / "model.keras"
    plain = _plain_predictions(tmp_path, published, images[..., None].astype(np.float32))
    assert np.abs(plain - expected).max() < 1e-5
    assert record["scores"]["PrivateTest"]["accuracy"] == pytest.approx(np.mean(plain.argmax(1) == test_labels))
    assert "plain `keras.models.load_model(path)`" in (tmp_path / "published" / "card.md").read_text()


def test_the_shipped_reference_model_opens_with_plain_keras(tmp_path):
    faces = np.random.default_rng(3).integers(0, 256, (8, 48, 48, 1)).astype(np.float32)
    plain = _plain_predictions(tmp_path, reference.FOLDER / reference.MODEL_FILE, faces)
    np.testing.assert_allclose(plain.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(plain, reference.load_model().predict(faces, verbose=0), atol=1e-6)
