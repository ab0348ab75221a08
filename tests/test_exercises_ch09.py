"""Chapter 9's exercise check: the worked solution passes, wrong crops get a hint."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from fer_utils.exercises import WrongAnswer, ch09


def crop(grey_picture, box, margin):
    x, y, w, h = box
    side = round(max(w, h) * (1 + 2 * margin))
    left, top = round(x + w / 2 - side / 2), round(y + h / 2 - side / 2)
    rows, columns = grey_picture.shape
    padded = np.pad(grey_picture, ((side, side), (side, side)), mode="edge")
    window = padded[top + side:top + 2 * side, left + side:left + 2 * side]
    return cv2.resize(window, (48, 48), interpolation=cv2.INTER_AREA)


def without_margin(grey_picture, box, margin):
    return crop(grey_picture, box, 0.0)


def squashed(grey_picture, box, margin):
    x, y, w, h = box
    return cv2.resize(grey_picture[y:y + h, x:x + w], (48, 48), interpolation=cv2.INTER_AREA)


def test_the_solution_passes():
    assert "9.1: right" in repr(ch09.check_crop(crop))


@pytest.mark.parametrize("wrong, hint", [
    (without_margin, "differs from crop_face"),
    (squashed, "differs from crop_face"),
    (lambda g, box, margin: g[:10, :10], "resize it to 48x48"),
    (lambda g, box, margin: None, "returns None"),
])
def test_wrong_crops_get_a_hint(wrong, hint):
    with pytest.raises(WrongAnswer, match=hint):
        ch09.check_crop(wrong)
