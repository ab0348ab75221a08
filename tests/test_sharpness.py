"""Matching held-out faces to the training faces' sharpness: the blur, its width, the layer."""

from __future__ import annotations

import dataclasses

import cv2
import keras
import numpy as np
import pytest

from fer_utils.sharpness import HeldOutBlur, gaussian_blur, gaussian_kernel, matching_blur
from fer_utils.synthetic import make_demo_dataset


@pytest.fixture(scope="module")
def demo():
    return make_demo_dataset(700, seed=3)


def test_kernel_is_normalised_symmetric_and_three_widths_wide():
    kernel = gaussian_kernel(2.0)
    assert len(kernel) == 2 * 6 + 1
    assert kernel.sum() == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(kernel, kernel[::-1])


def test_blur_agrees_with_opencv_inside_the_image(demo):
    images = demo.images[:4]
    ours = gaussian_blur(images, 1.5)
    theirs = np.stack([cv2.GaussianBlur(i.astype(np.float32), (13, 13), 1.5) for i in images])
    inner = (slice(None), slice(8, -8), slice(8, -8))  # the borders are handled differently
    np.testing.assert_allclose(ours[inner], theirs[inner], atol=0.05)
    assert np.array_equal(gaussian_blur(images, 0), images.astype(np.float32))  # zero width: identity


def test_layer_blurs_in_inference_only_and_survives_saving(tmp_path, demo):
    images = demo.images[:3, ..., None].astype(np.float32)
    inputs = keras.Input((48, 48, 1))
    model = keras.Model(inputs, HeldOutBlur(1.5)(inputs))
    np.testing.assert_array_equal(model(images, training=True).numpy(), images)
    inferred = model.predict(images, verbose=0)
    np.testing.assert_allclose(inferred[..., 0], gaussian_blur(demo.images[:3], 1.5), atol=1e-3)
    model.save(tmp_path / "blur.keras")
    loaded = keras.models.load_model(tmp_path / "blur.keras")
    np.testing.assert_allclose(loaded.predict(images, verbose=0), inferred, atol=1e-5)
    with pytest.raises(ValueError, match="positive width"):
        HeldOutBlur(0.0)


@pytest.mark.parametrize("sigma", [1.5, 3.0])
def test_matching_blur_recovers_the_blur_of_the_training_split(demo, sigma):
    train = demo.splits == "train"
    images = demo.images.copy()
    images[train] = np.round(gaussian_blur(images[train], sigma)).astype(np.uint8)
    measured = matching_blur(dataclasses.replace(demo, images=images))
    assert measured == pytest.approx(sigma, rel=0.25)


def test_equally_sharp_splits_need_no_blur(demo):
    assert matching_blur(demo) == 0.0
