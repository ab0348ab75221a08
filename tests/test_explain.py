"""Grad-CAM, the learned features and their t-SNE map, and the figures that show them."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from fer_utils.engine import evaluation, explain
from fer_utils import figures
from fer_utils.nets.parts import EmotionProbabilities
from fer_utils.nets.plain import baseline_cnn
from fer_utils.data.synthetic import make_demo_dataset


@pytest.fixture(scope="module")
def faces():
    return make_demo_dataset(40, seed=5)


def _head(x, inputs, name):
    scores = keras.layers.Dense(7, name="scores")(keras.layers.Flatten()(x))
    return keras.Model(inputs, EmotionProbabilities(name="emotion")(scores), name=name)


def test_gradcam_maps_have_the_face_size_and_lie_in_0_1(tiny_model, faces):
    heatmaps = explain.gradcam(tiny_model, faces.images[:5])
    assert heatmaps.shape == (5, 48, 48) and heatmaps.dtype == np.float32
    assert heatmaps.min() >= 0 and heatmaps.max() <= 1
    assert all(h.max() in (0.0, 1.0) for h in heatmaps)  # each map scaled by its own peak
    np.testing.assert_allclose(explain.gradcam(tiny_model, faces.images[:5, ..., None]), heatmaps, atol=1e-6)


def test_gradcam_depends_on_the_emotion_explained(tiny_model, faces):
    images = faces.images[:5]
    angry, happy = explain.gradcam(tiny_model, images, classes=0), explain.gradcam(tiny_model, images, classes=3)
    assert np.abs(angry - happy).max() > 0.1
    predicted = evaluation.predict_labels(tiny_model, images)
    np.testing.assert_allclose(explain.gradcam(tiny_model, images), explain.gradcam(tiny_model, images, predicted),
                               atol=1e-6)  # by default each face's predicted emotion


def test_gradcam_follows_its_formula_on_known_weights():
    """One 1x1 convolution with two channels (x and x/2), then the scores: Grad-CAM's
    channel weights are the mean score weights of each channel, and the map is the
    rectified weighted sum of the channels, at full resolution (no resizing)."""
    inputs = keras.Input((48, 48, 1))
    x = keras.layers.Rescaling(1 / 255)(inputs)
    convolution = keras.layers.Conv2D(2, 1, use_bias=False, name="conv")
    model = _head(convolution(x), inputs, "known")
    convolution.set_weights([np.array([1.0, 0.5]).reshape(1, 1, 1, 2)])
    weights = np.random.default_rng(0).normal(size=(48 * 48 * 2, 7))
    model.get_layer("scores").set_weights([weights, np.zeros(7)])
    images = np.random.default_rng(1).integers(0, 256, (3, 48, 48), dtype=np.uint8)
    for emotion in (0, 4):
        channel_weights = weights[:, emotion].reshape(48, 48, 2).mean(axis=(0, 1))
        maps = images[..., None] / 255 * np.array([1.0, 0.5])
        expected = np.maximum(maps @ channel_weights, 0)
        peaks = expected.max(axis=(1, 2), keepdims=True)
        expected = np.divide(expected, peaks, out=np.zeros_like(expected), where=peaks > 0)
        np.testing.assert_allclose(explain.gradcam(model, images, classes=emotion), expected, atol=1e-5)


def test_the_default_layer_is_the_last_spatial_map_before_pooling(tiny_model):
    chosen = tiny_model.get_layer(explain.gradcam_layer(tiny_model))
    assert isinstance(chosen, keras.layers.ReLU) and chosen.output.shape[1:3] == (24, 24)  # not the 12x12 pooling
    baseline = baseline_cnn()
    chosen = baseline.get_layer(explain.gradcam_layer(baseline))
    assert isinstance(chosen, keras.layers.BatchNormalization) and chosen.output.shape[1:3] == (12, 12)
    inputs = keras.Input((48, 48, 1))
    left = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    right = keras.layers.Conv2D(4, 1)(inputs)
    merged = keras.layers.Add(name="merge")([left, right])
    branched = _head(keras.layers.MaxPooling2D()(merged), inputs, "branched")
    assert explain.gradcam_layer(branched) == "merge"


def test_a_named_layer_can_be_explained_and_bad_requests_are_refused(tiny_model, faces):
    images = faces.images[:3]
    first = tiny_model.get_layer(index=2).name  # the first convolution, 48x48
    assert explain.gradcam(tiny_model, images, classes=3, layer=first).shape == (3, 48, 48)
    with pytest.raises(ValueError, match="has no layer 'nowhere'"):
        explain.gradcam(tiny_model, images, layer="nowhere")
    with pytest.raises(ValueError, match="not \\(batch, h, w, channels\\)"):
        explain.gradcam(tiny_model, images, layer="scores")
    with pytest.raises(ValueError, match="2 classes for 3 faces"):
        explain.gradcam(tiny_model, images, classes=[0, 1])
    with pytest.raises(ValueError, match="classes must lie in 0..6"):
        explain.gradcam(tiny_model, images, classes=7)


def test_a_model_without_convolutions_is_named_in_the_error(faces):
    inputs = keras.Input((48, 48, 1))
    flat = _head(keras.layers.Rescaling(1 / 255)(inputs), inputs, "feed_forward")
    with pytest.raises(ValueError, match="model 'feed_forward' has no convolution layer"):
        explain.gradcam(flat, faces.images[:2])
    backbone_input = keras.Input((48, 48, 1))
    pooled = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(4, 3)(backbone_input))
    backbone = keras.Model(backbone_input, pooled, name="backbone")
    with pytest.raises(ValueError, match="'transfer' has no .* nested model 'backbone' pools its feature maps inside"):
        explain.gradcam(_head(backbone(inputs), inputs, "transfer"), faces.images[:2])


def test_penultimate_features_are_what_the_scores_layer_reads(tiny_model, faces):
    images = faces.images[:6]
    features = explain.penultimate_features(tiny_model, images)
    assert features.shape == (6, 12 * 12 * 16)
    kernel, bias = tiny_model.get_layer("scores").get_weights()
    scores = features @ kernel + bias
    softmax = np.exp(scores - scores.max(axis=1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(axis=1, keepdims=True),
                               evaluation.predict_probabilities(tiny_model, images), atol=1e-5)


@pytest.fixture
def one_thread():
    """t-SNE's OpenMP threads busy-wait for each other; on a CPU that another job
    keeps busy that turns a second into half a minute."""
    with threadpool_limits(1):
        yield


def test_tsne_embedding_is_seeded_and_works_on_small_samples(one_thread):
    features = np.random.default_rng(0).normal(size=(30, 80))
    features[15:] += 4  # two groups
    embedding = explain.tsne_embedding(features, seed=1)
    assert embedding.shape == (30, 2)
    np.testing.assert_allclose(explain.tsne_embedding(features, seed=1), embedding)
    centres = embedding[:15].mean(axis=0), embedding[15:].mean(axis=0)
    spread = max(embedding[:15].std(axis=0).max(), embedding[15:].std(axis=0).max())
    assert np.linalg.norm(centres[0] - centres[1]) > 2 * spread  # the groups stay apart
    assert explain.tsne_embedding(features[:5, :3]).shape == (5, 2)
    with pytest.raises(ValueError, match=r"features must be shaped \(n, d\) with n >= 4"):
        explain.tsne_embedding(features[:3])


def test_explanation_figures_are_drawn(tiny_model, faces):
    embedding = np.random.default_rng(0).normal(size=(len(faces), 2))
    tsne = figures.plot_tsne(faces, embedding, faces.labels)
    assert tsne.axes[0].get_legend() is not None
    images = faces.images[:3]
    grid = figures.plot_gradcam_grid(faces, images, explain.gradcam(tiny_model, images, [0, 3, 6]), [0, 3, 6])
    assert [ax.get_title() for ax in grid.axes[:3]] == ["Angry", "Happy", "Neutral"]
    with pytest.raises(ValueError, match=r"embedding must be shaped \(40, 2\)"):
        figures.plot_tsne(faces, embedding[:5], faces.labels)
    with pytest.raises(ValueError, match="one heatmap and one class per face"):
        figures.plot_gradcam_grid(faces, images, np.zeros((2, 48, 48)), [0, 3, 6])
