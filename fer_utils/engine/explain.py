"""Looking inside a trained network: Grad-CAM heatmaps and t-SNE maps of its features.

Grad-CAM (Selvaraju et al. 2017) asks which parts of a face raised the score of
one emotion: the gradient of that emotion's score with respect to the last
spatial feature maps, averaged over the map, weights each channel; the
weighted sum of the channels, with its negative part cut off, is the heatmap.
t-SNE draws the features the network's last layer reads (one point per face)
in two dimensions, so you can see which emotions it keeps apart and which it
mixes up. Both work for the functional models of :mod:`fer_utils.nets.registry`; Grad-CAM
needs feature maps at the model's top level, so it refuses, with the reason, a
model whose nested backbone pools its maps inside (the transfer model).
"""

from __future__ import annotations

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.metrics import silhouette_samples
from sklearn.neighbors import NearestNeighbors

from fer_utils.data.labels import DISPLAY_NAMES
from fer_utils.engine.evaluation import as_faces, as_labels, model_outputs

_PASS_THROUGH = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D, keras.layers.Dropout)
"""Layers that only coarsen or copy the map before them: Grad-CAM reads the map they take."""


def gradcam_layer(model: keras.Model) -> str:
    """The layer Grad-CAM reads by default: the last one with a 4-D (spatial) output
    at or after the first convolution-like layer (one with a kernel, or a nested
    backbone model), skipping trailing pooling and dropout, which would only
    coarsen the map (12x12 instead of 6x6 in the baseline CNN). In a model with
    branches the last spatial layer is where they have merged again."""
    spatial = [layer for layer in model.layers if len(layer.output.shape) == 4]
    first_convolution = next(
        (i for i, layer in enumerate(spatial) if hasattr(layer, "kernel_size") or isinstance(layer, keras.Model)),
        None,
    )
    if first_convolution is None:
        nested = [layer.name for layer in model.layers if isinstance(layer, keras.Model)]
        inside = f"; nested model {nested[0]!r} pools its feature maps inside, out of reach" if nested else ""
        raise ValueError(
            f"model {model.name!r} has no convolution layer with a spatial output, so Grad-CAM has no "
            f"feature map to read{inside}"
        )
    candidates = [layer for layer in spatial[first_convolution:] if not isinstance(layer, _PASS_THROUGH)]
    return candidates[-1].name


def _scores(model: keras.Model):
    """The emotion scores before the softmax (Grad-CAM's y^c), or the output if there is no ``scores`` layer."""
    names = {layer.name for layer in model.layers}
    return model.get_layer("scores").output if "scores" in names else model.outputs[0]


def gradcam(
    model: keras.Model, images: np.ndarray, classes=None, layer: str | None = None, batch_size: int = 64
) -> np.ndarray:
    """Grad-CAM heatmaps (n, H, W) in [0, 1], resized (bilinear) to the input faces.

    ``images`` are raw 0-255 faces (n, 48, 48) or (n, 48, 48, 1). ``classes``
    is the emotion to explain: ``None`` for each face's predicted emotion, one
    integer for all faces, or one per face. ``layer`` names the feature maps to
    read (default :func:`gradcam_layer`). Each map is divided by its own
    maximum; a face where no region raises the score gets an all-zero map.
    """
    faces = as_faces(images)
    layer = layer or gradcam_layer(model)
    known = [existing.name for existing in model.layers]
    if layer not in known:
        raise ValueError(f"model {model.name!r} has no layer {layer!r}; it has {known}")
    maps = model.get_layer(layer).output
    if len(maps.shape) != 4:
        raise ValueError(f"layer {layer!r} of model {model.name!r} outputs {maps.shape}, not (batch, h, w, channels)")
    probe = keras.Model(model.inputs, [maps, _scores(model)])
    if classes is not None:
        classes = np.asarray(classes)
        classes = as_labels(np.full(len(faces), classes) if classes.ndim == 0 else classes, "classes")
        if len(classes) != len(faces):
            raise ValueError(f"{len(classes)} classes for {len(faces)} faces")
    heatmaps = []
    for start in range(0, len(faces), batch_size):
        x = tf.convert_to_tensor(faces[start:start + batch_size, ..., None], tf.float32)
        with tf.GradientTape() as tape:
            features, scores = probe(x, training=False)
            targets = tf.argmax(scores, axis=1) if classes is None else classes[start:start + batch_size]
            chosen = tf.gather(scores, targets, axis=1, batch_dims=1)
        gradients = tf.cast(tape.gradient(chosen, features), tf.float32)
        weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
        heatmaps.append(tf.nn.relu(tf.reduce_sum(weights * tf.cast(features, tf.float32), axis=-1, keepdims=True)))
    heatmaps = tf.image.resize(tf.concat(heatmaps, 0), faces.shape[1:], method="bilinear")[..., 0].numpy()
    peaks = heatmaps.max(axis=(1, 2), keepdims=True)
    return np.divide(heatmaps, peaks, out=np.zeros_like(heatmaps), where=peaks > 0).clip(0, 1)


def penultimate_features(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """What the final ``scores`` layer reads for each face (n, d): the learned
    features, one row per face, in inference mode, flattened where that is a
    map (mini-Xception's scores pool its class maps)."""
    if "scores" not in {layer.name for layer in model.layers}:
        raise ValueError(f"model {model.name!r} has no 'scores' layer, whose input are the features")
    extractor = keras.Model(model.inputs, model.get_layer("scores").input)
    features = model_outputs(extractor, images, batch_size)
    return features.reshape(len(features), -1)


def tsne_embedding(
    features: np.ndarray, seed: int = 0, pca_dimensions: int = 50, perplexity: float = 30.0
) -> np.ndarray:
    """Two coordinates per face (n, 2) from a t-SNE map of ``features``.

    PCA first reduces the features to ``pca_dimensions`` (the usual advice for
    t-SNE: it removes noise and saves time); ``seed`` fixes PCA's and t-SNE's
    randomness, so the map is the same on every run. The perplexity (about the
    number of neighbours each point keeps close) is capped at (n - 1) / 3 so
    small samples work too.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 4:
        raise ValueError(f"features must be shaped (n, d) with n >= 4, got {features.shape}")
    dimensions = min(pca_dimensions, *features.shape)
    reduced = PCA(dimensions, random_state=seed).fit_transform(features)
    tsne = TSNE(2, perplexity=min(perplexity, (len(features) - 1) / 3), init="pca", random_state=seed)
    return tsne.fit_transform(reduced)


def class_separation(embedding: np.ndarray, labels: np.ndarray, neighbours: int = 10) -> pd.DataFrame:
    """How well a map (a t-SNE embedding, or any features) keeps each emotion apart,
    one row per emotion present, best separated first:

    * ``faces``: the emotion's points;
    * ``silhouette``: the mean silhouette of its points (from -1 to 1: near 1, a
      point is much closer to its own emotion than to the nearest other one; near
      0 or below, it sits among other emotions);
    * ``same-emotion neighbours``: the share of each point's ``neighbours``
      nearest points that have its emotion, beside ``chance``, the share that
      emotion has of all points (what a map that ignored emotions would give).
    """
    embedding, labels = np.asarray(embedding, dtype=np.float64), as_labels(labels)
    if embedding.ndim != 2 or len(embedding) != len(labels):
        raise ValueError(f"need one row of coordinates per label: {embedding.shape} for {len(labels)} labels")
    present = np.unique(labels)
    if len(present) < 2 or len(labels) <= neighbours:
        raise ValueError(f"need at least two emotions and more than {neighbours} points, got "
                         f"{len(present)} emotions and {len(labels)} points")
    silhouette = silhouette_samples(embedding, labels)
    _, nearest = NearestNeighbors(n_neighbors=neighbours + 1).fit(embedding).kneighbors(embedding)
    same = (labels[nearest[:, 1:]] == labels[:, None]).mean(axis=1)  # the first neighbour is the point itself
    table = pd.DataFrame({
        "faces": [int(np.sum(labels == e)) for e in present],
        "silhouette": [float(silhouette[labels == e].mean()) for e in present],
        "same-emotion neighbours": [float(same[labels == e].mean()) for e in present],
        "chance": [float(np.mean(labels == e)) for e in present],
    }, index=pd.Index([DISPLAY_NAMES[e] for e in present], name="emotion"))
    return table.sort_values("silhouette", ascending=False, kind="stable")


def upper_half_share(heatmaps: np.ndarray) -> np.ndarray:
    """The share of each heatmap's heat (n, H, W, as :func:`gradcam` gives them) in
    the upper half of the face, the rows above the middle (eyes and brows in a
    FER-2013 face; the lower half holds the nose and the mouth). An odd middle row
    counts half to each. A map without heat gives NaN."""
    heatmaps = np.asarray(heatmaps, dtype=np.float64)
    if heatmaps.ndim != 3:
        raise ValueError(f"heatmaps must be shaped (n, height, width), got {heatmaps.shape}")
    rows = heatmaps.sum(axis=2)
    height = rows.shape[1]
    weight = np.where(np.arange(height) < height // 2, 1.0, 0.0)
    if height % 2:
        weight[height // 2] = 0.5
    total = rows.sum(axis=1)
    return np.divide(rows @ weight, total, out=np.full(len(total), np.nan), where=total > 0)
