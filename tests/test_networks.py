"""Chapter 8's networks: mini-Xception's exact size, LC2FER and its GRN, seed 004's
networks, transfer learning without downloads, ensembles, and FLOP counts.

Every registered network is also built and run on raw pixels by
tests/test_models.py (``test_every_model_takes_raw_pixels_and_names_its_seven_outputs``).
"""

from __future__ import annotations

import inspect

import keras
import numpy as np
import pytest
from builders import make_dataset

from fer_utils.engine import ensembles
from fer_utils.data.labels import EMOTIONS
from fer_utils.nets.registry import MODELS, build_model
from fer_utils.nets.plain import baseline_cnn
from fer_utils.nets.measure import forward_flops
from fer_utils.nets.parts import label_names
from fer_utils.nets import lc2fer, transfer
from fer_utils.nets.xception import mini_xception
from fer_utils.engine.training import TrainingConfig, train

NEW_NETWORKS = [
    "mini_xception", "residual_separable", *[f"lc2fer_c{i}" for i in range(1, 9)],
    "six_conv_cnn", "feed_forward", "resnet_transfer",
]


def faces(n: int = 3, seed: int = 0, shape=(48, 48, 1)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, *shape)).astype(np.float32)


# --- the registry ------------------------------------------------------------------------------


def test_every_network_is_registered_and_takes_the_engine_options():
    assert list(MODELS)[:2] == ["baseline_cnn", "small_cnn"] and set(NEW_NETWORKS) <= set(MODELS)
    for name in NEW_NETWORKS:
        parameters = inspect.signature(MODELS[name]).parameters
        assert "name" in parameters, name
        assert TrainingConfig(model=name).model == name  # what `train` and the command line check


def test_a_new_network_trains_through_the_engine(tmp_path, monkeypatch):
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path))
    labels = np.arange(96) % 7
    splits = ["train"] * 64 + ["validation"] * 32
    run = train("lc2fer_c8", make_dataset(labels, splits), epochs=1, batch_size=32, verbose=0)
    assert len(run.history) == 1 and np.isfinite(run.history["loss"]).all()
    assert label_names(run.model) == EMOTIONS


@pytest.mark.parametrize("name, options", [
    ("mini_xception", {}),
    ("residual_separable", {}),
    ("lc2fer_c8", {"dropout": 0.1}),
    ("six_conv_cnn", {}),
    ("feed_forward", {}),
])  # and resnet_transfer in test_transfer_loads_local_weights_frozen_and_unfreezes
def test_saved_networks_load_in_safe_mode_and_predict_the_same(tmp_path, name, options):
    assert_round_trip(build_model(name, **options), tmp_path)


def assert_round_trip(model, folder):
    path = folder / f"{model.name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    x = faces()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert label_names(loaded) == EMOTIONS and loaded.count_params() == model.count_params()


# --- mini-Xception and seed 003 ----------------------------------------------------------------


def test_mini_xception_has_exactly_58423_parameters():
    model = mini_xception()
    assert model.count_params() == 58_423
    non_trainable = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    assert non_trainable == 1_472  # the batch norms' moving means and variances
    assert model.get_layer("scores").output.shape == (None, 7)  # the pooled class maps: no dense layer
    assert not any(isinstance(layer, keras.layers.Dense) for layer in model.layers)
    assert model.get_layer("class_maps").output.shape == (None, 3, 3, 7)


def test_residual_separable_follows_seed_003():
    model = build_model("residual_separable")
    separable = [layer for layer in model.layers if isinstance(layer, keras.layers.SeparableConv2D)]
    assert [layer.filters for layer in separable[::2]] == [16, 32, 64, 128, 256]
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)] == [128, 64, 32, 7]
    assert model.get_layer("module5_add").output.shape == (None, 2, 2, 256)


# --- LC2FER ------------------------------------------------------------------------------------


def test_grn_matches_formula_1_in_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 4, 6)).astype(np.float32)
    layer = lc2fer.GlobalResponseNormalization()
    layer.build(x.shape)
    np.testing.assert_allclose(np.asarray(layer(x)), x)  # gamma = beta = 0 at the start: identity
    gamma, beta = rng.normal(size=6).astype(np.float32), rng.normal(size=6).astype(np.float32)
    layer.set_weights([gamma, beta])
    expected = lc2fer.grn_reference(x, gamma, beta)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-5)
    # by hand for one value: channel 0's L2 norm over the map against the channels' mean norm
    norms = np.sqrt((x[0] ** 2).sum(axis=(0, 1)))
    by_hand = gamma[0] * x[0, 1, 2, 0] * norms[0] / (norms.mean() + 1e-6) + beta[0] + x[0, 1, 2, 0]
    assert np.asarray(layer(x))[0, 1, 2, 0] == pytest.approx(by_hand, rel=1e-5)


def test_stochastic_depth_drops_whole_samples_in_training_only():
    layer = lc2fer.StochasticDepth(0.5, seed=3)
    x = np.ones((64, 2, 2, 3), np.float32)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    dropped = np.asarray(layer(x, training=True))
    per_sample = dropped.reshape(64, -1)
    assert set(np.unique(per_sample)) == {0.0, 2.0}  # kept samples are scaled by 1 / (1 - rate)
    assert (per_sample == per_sample[:, :1]).all()  # a sample is dropped as a whole
    assert 10 < (per_sample[:, 0] == 0).sum() < 54


@pytest.mark.parametrize("key", list(lc2fer.CONFIGURATIONS))
def test_every_lc2fer_configuration_builds_for_fer2013_and_rafdb(key):
    config = lc2fer.CONFIGURATIONS[key]
    grey = lc2fer.lc2fer(key)
    rgb = lc2fer.lc2fer(key, input_shape=lc2fer.RAFDB_INPUT_SHAPE)
    assert grey.input_shape == (None, 48, 48, 1) and rgb.input_shape == (None, 100, 100, 3)
    assert grey.output_shape == rgb.output_shape == (None, 7)
    kernel = config.downsampling[0][0]
    assert rgb.count_params() - grey.count_params() == kernel * kernel * 2 * config.dims[0]  # the stem only
    blocks = [layer for layer in grey.layers if isinstance(layer, lc2fer.GlobalResponseNormalization)]
    assert len(blocks) == sum(config.blocks)
    if key in lc2fer.PAPER_PARAMETERS:
        assert rgb.count_params() == pytest.approx(lc2fer.PAPER_PARAMETERS[key][0], rel=0.02)


def test_lc2fer_colour_input_is_rgb_pixels():
    model = lc2fer.lc2fer_c8(input_shape=(100, 100, 3))
    probabilities = model.predict(faces(2, shape=(100, 100, 3)), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="to nothing"):
        lc2fer.lc2fer("c1", input_shape=(16, 16, 1))
    with pytest.raises(ValueError, match="unknown LC2FER configuration 'c9'"):
        lc2fer.lc2fer("c9")


def test_parameter_table_sets_counts_beside_the_paper():
    table = lc2fer.parameter_table(configurations=["c2", "c5"])
    assert list(table.index) == ["C2", "C5"]
    assert table.at["C2", "paper parameters"] == 1.9e6 and table.at["C2", "paper source"] == "stated"
    assert np.isnan(table.at["C5", "paper parameters"])  # the paper gives none for C5
    assert table.at["C2", "ratio to paper"] == pytest.approx(1.0, abs=0.02)
    assert table.at["C5", "feature sizes"] == "[49, 16, 8]"


# --- seed 004 ----------------------------------------------------------------------------------


def test_seed_004_networks():
    cnn = build_model("six_conv_cnn")
    kinds = [type(layer).__name__ for layer in cnn.layers]
    assert kinds.count("Conv2D") == 6 and kinds.count("MaxPooling2D") == 3
    assert kinds[kinds.index("Conv2D") + 1] == "BatchNormalization"  # after the ReLU inside the conv
    assert cnn.get_layer("conv1").activation is keras.activations.relu
    ff = build_model("feed_forward")
    dense = [layer for layer in ff.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.input.shape[-1] for layer in dense] == [2304, 1024, 512, 256, 128]
    assert [layer.units for layer in dense] == [1024, 512, 256, 128, 7]
    assert all(isinstance(layer.kernel_initializer, keras.initializers.GlorotUniform) for layer in dense[:-1])
    assert ff.count_params() == 3_050_247


def test_transfer_without_weights_warns_and_still_builds():
    with pytest.warns(UserWarning, match="no ImageNet weights given.*weights_path"):
        model = build_model("resnet_transfer")
    backbone = model.get_layer("backbone")
    assert backbone.trainable and backbone.input_shape == (None, 64, 64, 3)
    assert model.input_shape == (None, 48, 48, 1) and model.output_shape == (None, 7)


def test_transfer_loads_local_weights_frozen_and_unfreezes(tmp_path):
    options = {"backbone": "mobilenet_v2", "image_size": 32}
    with pytest.warns(UserWarning):
        source = transfer.resnet_transfer(**options)
    weights = tmp_path / "backbone.weights.h5"
    source.get_layer("backbone").save_weights(weights)
    model = transfer.resnet_transfer(weights_path=str(weights), **options)  # no warning: weights given
    for mine, theirs in zip(model.get_layer("backbone").weights, source.get_layer("backbone").weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
    head = [w.path for w in model.trainable_weights]
    assert head == ["scores/kernel", "scores/bias"]  # frozen by default once weights are loaded
    assert_round_trip(model, tmp_path)  # the nested backbone and its inference-mode call survive saving
    assert transfer.unfreeze_backbone(model, layers=10) > 2
    bn = [layer for layer in model.get_layer("backbone").layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert not any(layer.trainable for layer in bn)
    with pytest.raises(FileNotFoundError, match="no weights file"):
        transfer.resnet_transfer(weights_path=str(tmp_path / "missing.h5"), **options)


# --- ensembles ---------------------------------------------------------------------------------

LABELS = np.array([0, 1, 2, 0, 1, 2])


def onehot(labels, confidence=0.9, classes=3):
    p = np.full((len(labels), classes), (1 - confidence) / (classes - 1))
    p[np.arange(len(labels)), labels] = confidence
    return p


def test_fitted_weights_favour_the_perfect_model():
    perfect = onehot(LABELS)
    wrong = onehot((LABELS + 1) % 3)
    uniform = np.full((6, 3), 1 / 3)
    weights = ensembles.fit_weights([wrong, perfect, uniform], LABELS)
    assert weights.sum() == pytest.approx(1.0) and (weights >= 0).all()
    assert weights.argmax() == 1 and weights[1] > 0.99


def test_fitted_weights_beat_equal_weights_on_their_own_split():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 200)
    good = np.where(rng.random(200) < 0.8, labels, rng.integers(0, 3, 200))
    fair = np.where(rng.random(200) < 0.5, labels, rng.integers(0, 3, 200))
    stacked = [onehot(good, 0.7), onehot(fair, 0.7)]
    weights = ensembles.fit_weights(stacked, labels)
    assert weights[0] > weights[1]
    fitted = ensembles.log_loss(ensembles.weighted_average(stacked, weights), labels)
    assert fitted <= ensembles.log_loss(ensembles.soft_vote(stacked), labels) + 1e-9


def test_votes_and_averages():
    a = np.array([[0.6, 0.4, 0.0], [0.2, 0.3, 0.5]])
    b = np.array([[0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    c = np.array([[0.5, 0.1, 0.4], [0.9, 0.05, 0.05]])
    np.testing.assert_allclose(ensembles.soft_vote([a, b]), (a + b) / 2)
    np.testing.assert_allclose(ensembles.weighted_average([a, b], [3, 1]), 0.75 * a + 0.25 * b)
    np.testing.assert_array_equal(ensembles.majority_vote([a, b, c]), [0, 2])  # votes 2:1 and 2:1
    np.testing.assert_array_equal(ensembles.majority_vote([a, b]), [1, 2])  # 1:1 tie -> higher mean probability
    with pytest.raises(ValueError, match="non-negative"):
        ensembles.weighted_average([a, b], [1, -1])


def test_compare_ensembles_fits_on_public_and_reports_private():
    names = ["wrong", "perfect"]
    validation = [onehot((LABELS + 1) % 3), onehot(LABELS)]
    test_labels = LABELS[::-1]
    test = [onehot((test_labels + 1) % 3), onehot(test_labels)]
    table, weights = ensembles.compare_ensembles(validation, LABELS, test, test_labels, names)
    assert list(table.index) == [*names, "majority vote", "soft vote", "weighted average"]
    assert table.at["weighted average", "PrivateTest accuracy"] == 1.0
    assert table.at["wrong", "PrivateTest accuracy"] == 0.0
    assert table.at["perfect", "weight"] == pytest.approx(weights[1]) and weights[1] > 0.99


# --- FLOPs -------------------------------------------------------------------------------------


def test_forward_flops_of_the_baseline_by_hand():
    multiply_adds = (
        48 * 48 * 9 * (1 * 32 + 32 * 64) + 24 * 24 * 9 * 64 * 64 + 12 * 12 * 9 * (64 * 128 + 128 * 128)
        + 4608 * 128 + 128 * 7
    )
    assert forward_flops(baseline_cnn()) == 2 * multiply_adds


def test_forward_flops_counts_separable_depthwise_dense_maps_and_nested_models():
    inner_in = keras.Input((4, 4, 5))
    inner = keras.Model(inner_in, keras.layers.Conv2D(2, 1)(inner_in))
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.SeparableConv2D(4, 3, strides=2, padding="same")(inputs)  # -> 4x4x4
    x = keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(x)  # -> 4x4x8
    x = keras.layers.Dense(5)(x)  # on every position
    model = keras.Model(inputs, inner(x))
    expected = 16 * (9 * 3 + 3 * 4) + 16 * 9 * 4 * 2 + 16 * 8 * 5 + 16 * 5 * 2
    assert forward_flops(model) == 2 * expected
