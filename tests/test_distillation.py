"""Knowledge distillation: a teacher's softened probabilities as part of every training target."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from fer_utils.augment.pipeline import soft_targets, teacher_probabilities, training_pipeline
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.engine.training import TrainingConfig, train
from fer_utils.faces import reference
from fer_utils.nets.registry import build_model
from fer_utils.studies import recipes

TINY = {"model_options": {"filters": (8, 16)}, "batch_size": 16, "verbose": 0}


@pytest.fixture(scope="module")
def demo():
    return make_demo_dataset(200, seed=4)


def test_softening_keeps_the_ranking_and_flattens_the_rows():
    probabilities = np.array([[0.7, 0.2, 0.05, 0.02, 0.01, 0.01, 0.01], [0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1]])
    np.testing.assert_allclose(teacher_probabilities(probabilities, 1.0), probabilities, rtol=1e-5)
    soft = teacher_probabilities(probabilities, 3.0)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-6)
    assert (soft.argmax(axis=1) == probabilities.argmax(axis=1)).all()
    assert (soft.max(axis=1) < probabilities.max(axis=1)).all()  # flatter: the small probabilities rise
    np.testing.assert_allclose(soft[0, 0] / soft[0, 1], (0.7 / 0.2) ** (1 / 3), rtol=1e-5)
    assert np.isfinite(teacher_probabilities(np.eye(7)[:2], 2.0)).all()  # exact zeros are no trouble
    with pytest.raises(ValueError, match="temperature must be positive"):
        teacher_probabilities(probabilities, 0.0)


def test_each_target_blends_its_own_image_s_teacher_row(demo):
    images, labels = demo.arrays("train")
    rng = np.random.default_rng(0)
    teacher = rng.dirichlet(np.ones(7), size=len(labels)).astype(np.float32)
    position = {image.astype(np.float32).tobytes(): i for i, image in enumerate(images)}
    assert len(position) == len(images)  # every demo face is different: a batch image names its index
    stream = training_pipeline(images, labels, batch_size=16, seed=1, label_smoothing=0.1,
                               teacher_targets=teacher, distillation=0.7)
    checked = 0
    for x, y in stream.take(3):
        for face, target in zip(np.asarray(x), np.asarray(y)):
            i = position[face[..., 0].tobytes()]
            expected = 0.3 * np.asarray(soft_targets(labels[i:i + 1], 0.1))[0] + 0.7 * teacher[i]
            np.testing.assert_allclose(target, expected, rtol=1e-5)
            checked += 1
    assert checked == 48


@pytest.mark.parametrize("settings, message", [
    ({"distillation": 0.5}, "exactly when teacher targets are given"),
    ({"distillation": 1.5, "teacher_targets": np.full((1, 7), 1 / 7)}, "distillation must be in"),
    ({"distillation": 0.5, "teacher_targets": np.full((3, 7), 1 / 7)}, "one row of 7 probabilities per image"),
])
def test_bad_teacher_targets_are_refused(demo, settings, message):
    images, labels = demo.arrays("train")
    with pytest.raises(ValueError, match=message):
        training_pipeline(images, labels, batch_size=16, seed=0, **settings)


@pytest.mark.parametrize("settings, message", [
    ({"distillation": 0.5}, "above 0 exactly when a teacher is named"),
    ({"teacher": "model.keras"}, "above 0 exactly when a teacher is named"),
    ({"teacher": "model.keras", "distillation": 0.5, "temperature": 0.0}, "temperature must be positive"),
    ({"teacher": "model.keras", "distillation": 0.5, "loss": "focal"}, "need the cross-entropy loss"),
])
def test_bad_distillation_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**settings)


def test_a_student_learns_from_a_teacher_file_named_by_its_content(artifacts, demo, tmp_path):
    teacher_run = train("small_cnn", demo, epochs=1, **TINY)
    teacher = tmp_path / "teacher.keras"
    shutil.copy(teacher_run.directory / "model.keras", teacher)
    student = train("small_cnn", demo, epochs=1, teacher=str(teacher), distillation=0.7, temperature=2.0, **TINY)
    assert student.config.soft_targets and student.model.loss == "categorical_crossentropy"
    recorded = json.loads((student.directory / "config.json").read_text())
    assert recorded["teacher"] == str(teacher) and recorded["distillation"] == 0.7
    assert "teacher" not in TrainingConfig().to_dict()  # runs without a teacher keep their folders

    moved = tmp_path / "elsewhere" / "same-teacher.keras"
    moved.parent.mkdir()
    shutil.copy(teacher, moved)
    again = train("small_cnn", demo, epochs=1, teacher=str(moved), distillation=0.7, temperature=2.0, **TINY)
    assert again.from_cache and again.directory == student.directory  # the same content: the same run

    other = train("small_cnn", demo, epochs=2, **TINY)
    different = train("small_cnn", demo, epochs=1, teacher=str(other.directory / "model.keras"),
                      distillation=0.7, temperature=2.0, **TINY)
    assert different.directory != student.directory

    with pytest.raises(FileNotFoundError, match="missing.keras: no such file"):
        train("small_cnn", demo, epochs=1, teacher=str(tmp_path / "missing.keras"), distillation=0.5, **TINY)


def test_the_small_recipe_distils_the_shipped_reference_model():
    recipe = recipes.RECIPES["cpu_small"]
    settings = recipe.training_settings()
    assert settings["teacher"] == str(reference.FOLDER / reference.MODEL_FILE)
    assert build_model(recipe.model, **settings["model_options"]).count_params() <= 100_000
    assert recipes.settings_table("cpu_small").at["teacher", "value"] == recipes.REFERENCE_TEACHER
    removed = recipes.ablation_variants("cpu_small", ingredients=["distillation"])["- distillation"]
    assert removed["distillation"] == 0 and removed["teacher"] is None
    assert "- distillation" not in recipes.ablation_variants("cpu_2h", ingredients=["distillation"])
