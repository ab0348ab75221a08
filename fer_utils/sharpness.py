"""Matching the sharpness of held-out faces to that of the training faces.

Chapter 1's audit found that, in the shared FER-2013 copy, every training image
is smoothed (roughly a Gaussian blur of three pixels) while no validation or
test image is. A network trained on smooth faces and scored on sharp ones is
scored on a kind of image it never saw. The fix here is the honest one: it
cannot add back detail that the training images lost, so it removes the same
detail from every image the network sees *outside* training, with a Gaussian
blur whose width is measured from the data (:func:`matching_blur`).

The blur lives inside the model, as the :class:`HeldOutBlur` layer, which acts
only in inference mode (the reverse of dropout, which acts only in training). Validation during
training, testing, and any face given to a saved model later (a webcam frame)
are all blurred the same way, and nothing outside the model has to remember
it. On a copy of FER-2013 whose splits are equally sharp the measured width is
0 and the layer is left out.
"""

from __future__ import annotations

import cv2
import keras
import numpy as np

from .audit import pixel_stats
from .dataset import FaceDataset

SHARPNESS_GAP = 0.8
"""Blur is matched only when the training faces' median sharpness is below
this fraction of the held-out faces': smaller gaps are ordinary variation."""
NOISE_BLUR = 1.0
"""Both sides are smoothed by this width (pixels) before measuring: the finest
detail of a JPEG is mostly its 8x8 block noise, which would make re-encoded
blurred faces look sharper than they are (without it the estimate on FER-2013
is 2.65 px, against the 3.5 px that matching blurred copies to their sharp
originals gives (chapter 1's audit); with it, 3.29 px)."""
MAX_SIGMA = 8.0
"""Widest blur searched for (pixels); wider would leave no face in 48x48."""


def gaussian_kernel(sigma: float) -> np.ndarray:
    """Normalised 1-D Gaussian weights reaching three widths on each side."""
    radius = max(1, int(np.ceil(3 * sigma)))
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    return (weights / weights.sum()).astype(np.float32)


def gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Blur ``(N, H, W)`` images with a Gaussian of ``sigma`` pixels (float32 out).

    Borders are mirrored (``symmetric``) so the edges do not darken; the same
    kernel and borders as :class:`HeldOutBlur`, so the two agree.
    """
    if sigma <= 0:
        return images.astype(np.float32)
    kernel = gaussian_kernel(sigma)
    # OpenCV's BORDER_REFLECT repeats the edge pixel, as NumPy's and TensorFlow's "symmetric"
    return np.stack([
        cv2.sepFilter2D(image.astype(np.float32), cv2.CV_32F, kernel, kernel, borderType=cv2.BORDER_REFLECT)
        for image in images
    ]) if len(images) else images.astype(np.float32)


def matching_blur(dataset: FaceDataset, sample: int = 1000, seed: int = 0) -> float:
    """The Gaussian width (pixels) that makes validation faces as smooth as training faces.

    Compares the median sharpness score of the audit (std of the Laplacian over
    std of the image, after :data:`NOISE_BLUR`) of the two splits. Returns 0.0 when the training faces are
    not clearly smoother (see :data:`SHARPNESS_GAP`); otherwise bisects for the
    width at which a seeded sample of validation faces, blurred, has the
    training faces' median score (the score falls steadily with the width).
    """
    rng = np.random.default_rng(seed)

    def median_sharpness(images):
        if len(images) > sample:
            images = images[rng.choice(len(images), sample, replace=False)]
        _, score = pixel_stats(gaussian_blur(images, NOISE_BLUR))
        return float(np.median(score[score > 0]))  # blank frames have no detail to measure

    train_images, _ = dataset.arrays("train")
    held_out, _ = dataset.arrays("validation")
    target, current = median_sharpness(train_images), median_sharpness(held_out)
    if target >= SHARPNESS_GAP * current:
        return 0.0
    held_out = held_out[rng.choice(len(held_out), min(sample, len(held_out)), replace=False)]
    low, high = 0.0, MAX_SIGMA
    for _ in range(12):  # 8 px / 2**12: far finer than the measurement
        middle = (low + high) / 2
        if median_sharpness(gaussian_blur(held_out, middle)) > target:
            low = middle
        else:
            high = middle
    return round((low + high) / 2, 2)


@keras.saving.register_keras_serializable(package="fer_utils")
class HeldOutBlur(keras.layers.Layer):
    """Gaussian blur of ``sigma`` pixels applied in inference mode only.

    In training the input already has the training images' smoothness and
    passes unchanged; everywhere else (validation, testing, prediction) it is
    blurred to match. Input: raw pixels ``(B, H, W, 1)``.
    """

    def __init__(self, sigma: float, **kwargs):
        super().__init__(**kwargs)
        if sigma <= 0:
            raise ValueError(f"HeldOutBlur needs a positive width, got sigma={sigma}")
        self.sigma = float(sigma)
        kernel = gaussian_kernel(self.sigma)
        self._radius = len(kernel) // 2
        self._rows = keras.ops.convert_to_tensor(kernel.reshape(-1, 1, 1, 1))
        self._columns = keras.ops.convert_to_tensor(kernel.reshape(1, -1, 1, 1))

    def call(self, images, training=None):
        if training:
            return images
        r = self._radius
        x = keras.ops.pad(images, [[0, 0], [r, r], [r, r], [0, 0]], mode="symmetric")
        x = keras.ops.conv(x, keras.ops.cast(self._rows, x.dtype))
        return keras.ops.conv(x, keras.ops.cast(self._columns, x.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "sigma": self.sigma}
