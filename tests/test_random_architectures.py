"""Seed 003's random architecture generator: reproducible, valid for 48x48 faces, trainable by the engine."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from fer_utils.nets.random_residual import ACTIVATIONS, BLOCKS, KERNEL_SIZES, MAX_DOWNSAMPLING, ArchitectureSpec, BlockSpec, draw_architecture, random_residual
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.engine.training import train

SEEDS = range(50)


def test_a_seed_always_draws_the_same_network_and_seeds_differ():
    assert draw_architecture(7) == draw_architecture(7)
    specs = {json.dumps(draw_architecture(seed).to_dict(), sort_keys=True) for seed in SEEDS}
    assert len(specs) == len(SEEDS)


def test_a_spec_survives_json_and_is_a_model_option():
    spec = draw_architecture(11)
    text = json.dumps(spec.to_dict())  # plain JSON types only
    assert ArchitectureSpec.from_dict(json.loads(text)) == spec
    assert spec.seed == 11 and spec.describe().startswith(f"{len(spec.blocks)} blocks")


def test_draws_cover_every_choice_and_stay_valid_for_48x48_faces():
    specs = [draw_architecture(seed) for seed in range(300)]
    blocks = [block for spec in specs for block in spec.blocks]
    assert {len(spec.blocks) for spec in specs} == set(range(BLOCKS[0], BLOCKS[1] + 1))
    assert {block.kernel_size for block in blocks} == set(KERNEL_SIZES)
    assert {block.stride for block in blocks} == {1, 2}
    assert {block.activation for block in blocks} == set(ACTIVATIONS)
    assert {block.dropout > 0 for block in blocks} == {True, False}
    assert {flag for block in blocks for flag in block.batch_norm} == {True, False}
    assert {block.use_bias for block in blocks} == {True, False}
    assert {spec.pooling for spec in specs} == {"average", "max"}
    assert max(sum(block.stride == 2 for block in spec.blocks) for spec in specs) == MAX_DOWNSAMPLING
    assert min(spec.feature_size for spec in specs) == 3  # 46 -> 23 -> 12 -> 6 -> 3, never smaller


@pytest.mark.parametrize("first", range(0, len(SEEDS), 5))
def test_fifty_draws_all_build_with_seven_outputs_and_no_collapsed_maps(first):
    faces = np.random.default_rng(first).integers(0, 256, (3, 48, 48, 1)).astype("float32")
    for seed in SEEDS[first:first + 5]:
        spec = draw_architecture(seed)
        model = random_residual(seed=seed)
        assert model.output_shape == (None, 7)
        for layer in model.layers:  # every feature map is at least 3x3
            shape = layer.output.shape
            if len(shape) == 4:
                assert shape[1] >= 3 and shape[2] >= 3, (seed, layer.name, shape)
        assert model.get_layer(f"block{len(spec.blocks)}_add").output.shape[1] == spec.feature_size
        if seed == first:  # one real forward pass per group: probabilities for each face
            probabilities = keras.ops.convert_to_numpy(model(faces, training=False))
            assert probabilities.shape == (3, 7)
            np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_a_spec_wins_over_the_seed_and_bad_specs_are_refused():
    spec = draw_architecture(4)
    model = random_residual(spec=spec.to_dict(), seed=99)
    assert len([layer for layer in model.layers if layer.name.endswith("_add")]) == len(spec.blocks)
    block = dict(spec.to_dict()["blocks"][0])
    with pytest.raises(ValueError, match="stride must be one of"):
        BlockSpec(**{**block, "stride": 3, "batch_norm": (True, True, True)})
    with pytest.raises(ValueError, match="kernel_size must be a positive odd integer"):
        BlockSpec(**{**block, "kernel_size": 4, "batch_norm": (True, True, True)})
    with pytest.raises(ValueError, match="activation must be one of"):
        ArchitectureSpec.from_dict({**spec.to_dict(), "blocks": [{**block, "activation": "softmax"}]})
    with pytest.raises(ValueError, match="at least one block"):
        ArchitectureSpec.from_dict({**spec.to_dict(), "blocks": []})
    too_many = [{**block, "stride": 2}] * (MAX_DOWNSAMPLING + 1)
    with pytest.raises(ValueError, match="stride-2 blocks"):
        ArchitectureSpec.from_dict({**spec.to_dict(), "blocks": too_many})
    with pytest.raises(ValueError, match="not an architecture spec"):
        ArchitectureSpec.from_dict({"blocks": [{"filters": 8}]})
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        draw_architecture(-1)


@pytest.mark.parametrize("seed", [3, 35])  # two small draws (2 blocks, 12x12 maps)
def test_the_engine_trains_a_random_network(seed, tmp_path, monkeypatch):
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    run = train(
        "random_residual", make_demo_dataset(100, seed=1), model_options={"seed": seed}, epochs=1, batch_size=32,
        verbose=0,
    )
    assert np.isfinite(run.history[["loss", "val_loss"]].to_numpy()).all()
    assert [layer.name for layer in run.model.layers] == [layer.name for layer in random_residual(seed=seed).layers]
    assert run.directory.name.startswith("run-random_residual-")
