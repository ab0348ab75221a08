"""The NumPy building blocks against Keras layers holding the same weights."""

from __future__ import annotations

import itertools

import keras
import numpy as np
import pytest
from builders import make_dataset

from fer_utils.nets import blocks
from fer_utils import figures
from fer_utils.config import figures_dir
from fer_utils.nets.plain import baseline_cnn

ATOL = 1e-5
RNG_SEED = 0


def rng(offset: int = 0) -> np.random.Generator:
    return np.random.default_rng(RNG_SEED + offset)


def keras_out(layer, x, **call) -> np.ndarray:
    return np.asarray(layer(x.astype("float32"), **call))


def built(layer, shape, weights=None):
    layer.build(shape)
    if weights is not None:
        layer.set_weights([w.astype("float32") for w in weights])
    return layer


# ------------------------------------------------------------ convolution


CONV_CASES = list(itertools.product(
    [(7, 7), (8, 6)],  # odd and even image sizes
    [(3, 3), (2, 2), (4, 3)],  # odd, even and non-square kernels
    [1, 2],
    ["valid", "same"],
))


@pytest.mark.parametrize("size,kernel_size,stride,padding", CONV_CASES)
def test_conv2d_matches_keras(size, kernel_size, stride, padding):
    generator = rng(1)
    x = generator.normal(size=(2, *size, 3))
    kernel = generator.normal(size=(*kernel_size, 3, 4))
    bias = generator.normal(size=4)
    layer = built(keras.layers.Conv2D(4, kernel_size, strides=stride, padding=padding), x.shape, [kernel, bias])
    expected = keras_out(layer, x)
    ours = blocks.conv2d(x, kernel, bias, stride=stride, padding=padding)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, atol=ATOL, rtol=1e-5)
    assert ours.shape[1:3] == tuple(
        blocks.output_size(n, k, stride, padding) for n, k in zip(size, kernel_size)
    )


def test_conv2d_is_formula_1_on_a_tiny_example():
    x = np.arange(16, dtype=float).reshape(1, 4, 4, 1)
    kernel = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    out = blocks.conv2d(x, kernel)[0, ..., 0]
    # out[u, v] = x[u, v] - x[u + 1, v + 1] = -5 everywhere
    np.testing.assert_array_equal(out, np.full((3, 3), -5.0))


def test_conv2d_without_bias_and_with_one_filter_per_channel_sum():
    x = rng(2).normal(size=(1, 5, 5, 2))
    kernel = rng(3).normal(size=(3, 3, 2, 1))
    both = blocks.conv2d(x, kernel)
    separately = sum(blocks.conv2d(x[..., [c]], kernel[:, :, [c]]) for c in range(2))
    np.testing.assert_allclose(both, separately, atol=1e-12)


# ------------------------------------------------------------ separable convolution


@pytest.mark.parametrize(
    "size,stride,padding,multiplier",
    list(itertools.product([(7, 7), (6, 8)], [1, 2], ["valid", "same"], [1, 2])),
)
def test_separable_conv2d_matches_keras(size, stride, padding, multiplier):
    generator = rng(4)
    x = generator.normal(size=(2, *size, 3))
    depthwise = generator.normal(size=(3, 3, 3, multiplier))
    pointwise = generator.normal(size=(1, 1, 3 * multiplier, 5))
    bias = generator.normal(size=5)
    layer = built(
        keras.layers.SeparableConv2D(5, 3, strides=stride, padding=padding, depth_multiplier=multiplier),
        x.shape, [depthwise, pointwise, bias],
    )
    ours = blocks.depthwise_separable_conv2d(x, depthwise, pointwise, bias, stride=stride, padding=padding)
    np.testing.assert_allclose(ours, keras_out(layer, x), atol=ATOL, rtol=1e-5)


def test_parameter_counts_match_keras():
    conv = built(keras.layers.Conv2D(16, 3), (None, 12, 12, 8))
    separable = built(keras.layers.SeparableConv2D(16, 3, depth_multiplier=2), (None, 12, 12, 8))
    assert blocks.conv_parameters(3, 8, 16) == conv.count_params() == 3 * 3 * 8 * 16 + 16
    assert blocks.separable_parameters(3, 8, 16, depth_multiplier=2) == separable.count_params()
    table = blocks.separable_saving(3, 64, 128)
    assert table["parameters"].tolist() == [73_856, 3 * 3 * 64 + 64 * 128 + 128]


def test_two_stacked_3x3_against_one_5x5_is_54_against_75():
    table = blocks.stacked_versus_single(channels=3)
    assert table.loc["two stacked 3x3", "weights per filter"] == 2 * 3 * 3 * 3 == 54
    assert table.loc["one 5x5", "weights per filter"] == 5 * 5 * 3 == 75
    assert table["receptive field"].tolist() == [5, 5]
    assert table.loc["two stacked 3x3", "weights, 3 filters per layer"] == 162


# ------------------------------------------------------------ pooling, activations, dense


@pytest.mark.parametrize(
    "size,pool,stride,padding",
    list(itertools.product([(7, 7), (8, 6)], [2, 3], [None, 1, 2], ["valid", "same"])),
)
def test_max_pool2d_matches_keras(size, pool, stride, padding):
    x = rng(5).normal(size=(2, *size, 3))
    layer = keras.layers.MaxPooling2D(pool, strides=stride, padding=padding)
    expected = keras_out(layer, x)
    ours = blocks.max_pool2d(x, pool, stride, padding)
    np.testing.assert_allclose(ours, expected, atol=ATOL)
    step = pool if stride is None else stride
    assert ours.shape[1:3] == tuple(blocks.output_size(n, pool, step, padding) for n in size)


def test_max_pool_with_same_padding_ignores_the_border_even_for_negative_inputs():
    x = -np.ones((1, 3, 3, 1))
    np.testing.assert_array_equal(blocks.max_pool2d(x, 2, padding="same"), -np.ones((1, 2, 2, 1)))


def test_relu_matches_keras():
    x = rng(6).normal(size=(4, 5, 5, 2))
    np.testing.assert_allclose(blocks.relu(x), keras_out(keras.layers.ReLU(), x), atol=ATOL)
    assert blocks.relu(np.array([-2.0, 0.0, 3.0])).tolist() == [0.0, 0.0, 3.0]


@pytest.mark.parametrize("activation", [None, "relu", "softmax"])
def test_dense_matches_keras(activation):
    generator = rng(7)
    x, weights, bias = generator.normal(size=(4, 10)), generator.normal(size=(10, 7)), generator.normal(size=7)
    layer = built(keras.layers.Dense(7, activation=activation), x.shape, [weights, bias])
    np.testing.assert_allclose(blocks.dense(x, weights, bias, activation), keras_out(layer, x), atol=ATOL, rtol=1e-5)


def test_softmax_and_the_decision_match_keras():
    scores = rng(8).normal(scale=5, size=(6, 7))
    probabilities = blocks.softmax(scores)
    expected = keras_out(keras.layers.Softmax(), scores)
    np.testing.assert_allclose(probabilities, expected, atol=ATOL)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    decisions = blocks.decide(scores)
    np.testing.assert_array_equal(decisions, blocks.decide(probabilities))
    np.testing.assert_array_equal(decisions, np.argmax(expected, axis=1))
    # formula (4): the chosen score is at least every other score
    assert np.all(scores[np.arange(6), decisions][:, None] >= scores)


def test_softmax_survives_large_scores():
    probabilities = blocks.softmax(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(probabilities, [[0.5, 0.5, 0.0]])


# ------------------------------------------------------------ dropout


def test_dropout_at_inference_is_the_identity_in_both():
    x = rng(9).normal(size=(3, 4, 4, 2))
    np.testing.assert_array_equal(blocks.dropout(x, 0.5, training=False), x)
    np.testing.assert_allclose(keras_out(keras.layers.Dropout(0.5), x, training=False), x, atol=ATOL)


@pytest.mark.parametrize("rate", [0.25, 0.5])
def test_dropout_in_training_scales_survivors_like_keras(rate):
    x = rng(10).uniform(1, 2, size=(200, 500))  # no zeros, so dropped values are identifiable
    ours = blocks.dropout(x, rate, training=True, seed=1)
    theirs = keras_out(keras.layers.Dropout(rate, seed=1), x, training=True)
    for out in (ours, theirs):
        dropped = out == 0
        assert abs(dropped.mean() - rate) < 0.01
        np.testing.assert_allclose(out[~dropped], x[~dropped] / (1 - rate), rtol=1e-5)
        assert abs(out.mean() - x.mean()) < 0.01  # the expectation is kept
    assert not np.array_equal(blocks.dropout(x, rate, True, seed=1), blocks.dropout(x, rate, True, seed=2))


# ------------------------------------------------------------ batch normalisation


def _batch_norm_setup(offset=11):
    generator = rng(offset)
    x = generator.normal(loc=3.0, scale=2.0, size=(8, 5, 5, 4))
    gamma, beta = generator.uniform(0.5, 1.5, 4), generator.normal(size=4)
    moving_mean, moving_variance = generator.normal(size=4), generator.uniform(0.5, 2.0, 4)
    layer = built(keras.layers.BatchNormalization(), x.shape, [gamma, beta, moving_mean, moving_variance])
    return x, (gamma, beta, moving_mean, moving_variance), layer


def test_batch_norm_in_training_uses_batch_statistics_and_updates_moving_averages():
    x, weights, layer = _batch_norm_setup()
    ours, mean, variance = blocks.batch_norm(x, *weights, training=True)
    np.testing.assert_allclose(ours, keras_out(layer, x, training=True), atol=ATOL, rtol=1e-5)
    np.testing.assert_allclose(mean, np.asarray(layer.moving_mean), atol=ATOL)
    np.testing.assert_allclose(variance, np.asarray(layer.moving_variance), atol=ATOL)
    normalised, _, _ = blocks.batch_norm(x, np.ones(4), np.zeros(4), *weights[2:], training=True)
    np.testing.assert_allclose(normalised.mean(axis=(0, 1, 2)), 0, atol=1e-9)
    np.testing.assert_allclose(normalised.std(axis=(0, 1, 2)), 1, atol=1e-3)


def test_batch_norm_at_inference_uses_the_moving_averages():
    x, weights, layer = _batch_norm_setup()
    ours, mean, variance = blocks.batch_norm(x, *weights, training=False)
    np.testing.assert_allclose(ours, keras_out(layer, x, training=False), atol=ATOL, rtol=1e-5)
    np.testing.assert_array_equal(mean, weights[2])
    np.testing.assert_array_equal(variance, weights[3])
    trained, _, _ = blocks.batch_norm(x, *weights, training=True)
    assert np.max(np.abs(trained - ours)) > 0.1, "the two modes differ on the same batch"


def test_batch_norm_trace_shows_the_moving_averages_catching_up():
    images = make_dataset(np.zeros(40, int), ["train"] * 40).images
    trace = blocks.batch_norm_trace(images, batch_size=16, steps=500, every=50)
    training = trace[trace["mode"].str.startswith("training")]
    inference = trace[trace["mode"].str.startswith("inference")].set_index("step")
    assert np.all(np.abs(training["mean"]) < 1e-9)
    assert inference.loc[1, "mean"] > 10  # the first moving averages are still near 0 and 1
    assert abs(inference.loc[500, "mean"]) < 0.2 and abs(inference.loc[500, "std"] - 1) < 0.2


# ------------------------------------------------------------ output size & receptive field


@pytest.mark.parametrize("n,kernel,stride,padding,expected", [
    (48, 3, 1, "valid", 46), (48, 3, 1, "same", 48), (48, 3, 2, "valid", 23),
    (48, 3, 2, "same", 24), (47, 2, 2, "valid", 23), (47, 2, 2, "same", 24), (5, 5, 1, "valid", 1),
])
def test_output_size_formula(n, kernel, stride, padding, expected):
    assert blocks.output_size(n, kernel, stride, padding) == expected
    layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)
    assert layer.compute_output_shape((None, n, n, 1))[1] == expected


def test_receptive_field_of_known_stacks():
    three = blocks.receptive_field_table([(3, 1, "conv")] * 3)
    assert three["receptive field"].tolist() == [3, 5, 7]
    mixed = blocks.receptive_field_table([(3, 1, "conv"), (2, 2, "pool"), (3, 1, "conv")], input_size=10)
    assert mixed["receptive field"].tolist() == [3, 4, 8]
    assert mixed["jump"].tolist() == [1, 2, 2]
    assert mixed["output size"].tolist() == [8, 4, 2]


def test_receptive_fields_walks_a_sequential_model():
    model = keras.Sequential([
        keras.Input((10, 10, 1)), keras.layers.Conv2D(2, 3), keras.layers.BatchNormalization(),
        keras.layers.MaxPooling2D(), keras.layers.Conv2D(2, 3), keras.layers.Flatten(), keras.layers.Dense(3),
    ])
    table = blocks.receptive_fields(model)
    assert table["receptive field"].tolist() == [1, 3, 3, 4, 8]
    assert table["output size"].tolist() == [10, 8, 8, 4, 2]
    assert blocks.receptive_fields(model, pixelwise=False)["receptive field"].tolist() == [1, 3, 4, 8]


def test_receptive_fields_of_the_baseline_and_of_a_dilated_kernel():
    table = blocks.receptive_fields(baseline_cnn(), pixelwise=False)
    assert table["receptive field"].tolist() == [1, 3, 5, 6, 10, 12, 20, 28, 32]
    assert table["output size"].tolist() == [48, 48, 48, 24, 24, 12, 12, 12, 6]
    dilated = keras.Sequential([keras.Input((9, 9, 1)), keras.layers.Conv2D(1, 3, dilation_rate=2)])
    assert blocks.receptive_fields(dilated)["receptive field"].tolist() == [1, 5]


def test_receptive_fields_refuses_branching_models():
    inputs = keras.Input((8, 8, 1))
    a = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    b = keras.layers.Conv2D(2, 1)(inputs)
    model = keras.Model(inputs, keras.layers.Add()([a, b]))
    with pytest.raises(ValueError, match="chain"):
        blocks.receptive_fields(model)


# ------------------------------------------------------------ feature maps


@pytest.fixture(scope="module")
def tiny_model():
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    x = keras.layers.Conv2D(3, 3, padding="same", name="first")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(4, 3, activation="relu", name="second")(x)
    x = keras.layers.Conv2D(5, 3, name="third")(x)
    return keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))


def test_feature_maps_are_the_layers_outputs_for_a_raw_face(tiny_model):
    face = make_dataset([0], ["train"]).images[0]
    maps = blocks.feature_maps(tiny_model, face, ["first", "second"])
    assert list(maps) == ["first", "second"]
    assert maps["first"].shape == (48, 48, 3) and maps["second"].shape == (22, 22, 4)
    kernel, bias = tiny_model.get_layer("first").get_weights()
    by_hand = blocks.conv2d(face[None, ..., None] / 255, kernel, bias, padding="same")[0]
    np.testing.assert_allclose(maps["first"], by_hand, atol=ATOL)
    default = blocks.feature_maps(tiny_model, face[..., None])
    assert list(default) == ["first", "second"]  # the first and the middle convolution


def test_feature_maps_name_what_is_wrong(tiny_model):
    face = make_dataset([0], ["train"]).images[0]
    with pytest.raises(ValueError, match="no layer"):
        blocks.feature_maps(tiny_model, face, ["nope"])
    with pytest.raises(ValueError, match="one face"):
        blocks.feature_maps(tiny_model, face[:40])


# ------------------------------------------------------------ bad input


def test_bad_inputs_are_refused_with_a_clear_message():
    x = np.zeros((1, 5, 5, 2))
    with pytest.raises(ValueError, match="batch of images"):
        blocks.conv2d(np.zeros((5, 5)), np.zeros((3, 3, 1, 1)))
    with pytest.raises(ValueError, match="expects 2 input channel"):
        blocks.conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 1)))
    with pytest.raises(ValueError, match="kernel must be shaped"):
        blocks.conv2d(x, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="padding"):
        blocks.conv2d(x, np.zeros((3, 3, 2, 1)), padding="full")
    with pytest.raises(ValueError, match="does not fit"):
        blocks.conv2d(x, np.zeros((7, 7, 2, 1)))
    with pytest.raises(ValueError, match="stride"):
        blocks.conv2d(x, np.zeros((3, 3, 2, 1)), stride=0)
    with pytest.raises(ValueError, match="bias"):
        blocks.conv2d(x, np.zeros((3, 3, 2, 4)), bias=np.zeros(3))
    with pytest.raises(ValueError, match="batch of images"):
        blocks.max_pool2d(np.zeros((5, 5, 1)))
    with pytest.raises(ValueError, match="channel"):
        blocks.depthwise_separable_conv2d(x, np.zeros((3, 3, 3, 1)), np.zeros((1, 1, 3, 2)))
    with pytest.raises(ValueError, match="pointwise"):
        blocks.depthwise_separable_conv2d(x, np.zeros((3, 3, 2, 1)), np.zeros((3, 3, 2, 2)))
    with pytest.raises(ValueError, match="expect 10 inputs"):
        blocks.dense(np.zeros((2, 9)), np.zeros((10, 3)))
    with pytest.raises(ValueError, match="flatten"):
        blocks.dense(np.zeros((2, 3, 3)), np.zeros((9, 3)))
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        blocks.dropout(x, 1.0, training=True)
    with pytest.raises(ValueError, match="shape"):
        blocks.batch_norm(x, np.ones(3), np.zeros(2), np.zeros(2), np.ones(2), training=True)


# ------------------------------------------------------------ figures


def test_chapter_4_figures_are_drawn_stamped_and_saved(tiny_model):
    dataset = make_dataset(np.arange(7).repeat(3), ["train"] * 21)
    face = dataset.images[0]
    kernel = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    x = face[None, ..., None] / 255
    ours = blocks.conv2d(x, kernel[..., None, None], padding="same")
    maps = blocks.feature_maps(tiny_model, face)
    trace = blocks.batch_norm_trace(dataset.images, batch_size=8, steps=30)
    drawn = {
        "04_convolution": figures.plot_convolution_example(dataset, face, kernel, ours, ours + 1e-7),
        "04_block_steps": figures.plot_block_steps(dataset, face, kernel),
        "04_stride_padding": figures.plot_stride_padding(dataset, face, kernel),
        "04_batch_norm_modes": figures.plot_batch_norm_modes(dataset, trace),
        "04_feature_maps": figures.plot_feature_maps(dataset, face, maps, channels=4, columns=2),
    }
    for name, figure in drawn.items():
        assert figure.texts[-1].get_text() == "data: test set"
        figures.save_figure(figure, name)
        assert (figures_dir() / f"{name}.png").is_file()
    titles = [ax.get_title() for ax in drawn["04_stride_padding"].axes]
    assert "stride 2, 'valid'\n⌊(48 − 3) / 2⌋ + 1 = 23" in titles


# --------------------------------------------------------------- reading feature maps


def _test_face() -> np.ndarray:
    """A smooth synthetic face: a bright oval on a dark ground, with some texture."""
    y, x = np.mgrid[:48, :48]
    oval = ((x - 24) / 16) ** 2 + ((y - 24) / 20) ** 2 < 1
    return np.clip(60 + 120 * oval + rng(5).normal(0, 8, (48, 48)), 0, 255)


def test_named_kernels_are_3x3_and_edges_sum_to_zero():
    assert all(k.shape == (3, 3) for k in blocks.KERNELS.values())
    assert blocks.KERNELS["vertical edges (Sobel)"].sum() == 0 == blocks.KERNELS["outline (Laplacian)"].sum()
    assert np.isclose(blocks.KERNELS["blur (Gaussian)"].sum(), 1) and blocks.KERNELS["identity"].sum() == 1
    assert (blocks.KERNELS["sharpen"] - blocks.CENTRE).sum() == 0


def test_map_resemblance_tells_brightness_from_edges():
    face = _test_face()
    x = face[None, ..., None] / 255
    maps = {"hand-made": np.concatenate([
        blocks.relu(blocks.conv2d(x, blocks.KERNELS[name][:, :, None, None], padding="same"))[0]
        for name in ("blur (Gaussian)", "vertical edges (Sobel)", "horizontal edges (Sobel)")
    ] + [np.zeros((48, 48, 1))], axis=-1)}
    table = blocks.map_resemblance(face, maps)
    assert list(table["follows"]) == ["brightness", "edges", "edges", "silent"]
    assert table.loc[("hand-made", 1), "edge"] == "vertical, brighter left"
    assert table.loc[("hand-made", 2), "edge"] == "horizontal, brighter above"
    assert table.loc[("hand-made", 1), "edge r"] > 0.95
    counts = blocks.resemblance_counts(table)
    assert counts.loc["hand-made"].to_dict() == {"brightness": 1, "edges": 2, "neither": 0, "silent": 1}


def test_map_resemblance_shrinks_the_face_to_smaller_maps_and_says_neither_for_noise():
    face = _test_face()
    pooled = blocks.max_pool2d(face[None, ..., None] / 255, 2)[0]
    noise = rng(6).normal(size=(24, 24, 1))
    table = blocks.map_resemblance(face, {"pooled": np.concatenate([pooled, noise], axis=-1)})
    assert list(table["follows"]) == ["brightness", "neither"]
    with pytest.raises(ValueError, match="whole factor"):
        blocks.map_resemblance(face, {"odd": np.ones((7, 7, 1))})
    with pytest.raises(ValueError, match="height, width, channels"):
        blocks.map_resemblance(face, {"flat": np.ones((48, 48))})


def test_map_resemblance_of_a_network_has_a_row_per_channel():
    maps = blocks.feature_maps(baseline_cnn(), _test_face().astype("uint8"))
    table = blocks.map_resemblance(_test_face(), maps)
    assert len(table) == sum(m.shape[-1] for m in maps.values())
    counts = blocks.resemblance_counts(table)
    assert list(counts.index) == list(maps) and counts.sum(axis=1).tolist() == [m.shape[-1] for m in maps.values()]
