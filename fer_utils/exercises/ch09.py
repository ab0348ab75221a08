"""Chapter 9's exercise: crop a face with a given margin, as the package does.

* 9.1: a square crop around a face box, ``margin`` of its side larger on
  every side, with the border repeated where it leaves the picture, resized to
  48x48; compared with :func:`fer_utils.faces.reading.crop_face` on the
  astronaut photo shipped with scikit-image.
"""

from __future__ import annotations

import numpy as np

from fer_utils.exercises import Verdict, require
from fer_utils.faces.demo import demo_photos
from fer_utils.faces.images import grey
from fer_utils.faces.reading import crop_face

TOLERANCE = 3.0
"""Mean absolute difference in grey levels (0-255) a crop may have: rounding the
square's corner the other way moves it by one pixel."""


def check_crop(answer) -> Verdict:
    """Exercise 9.1: ``answer(grey_picture, box, margin)`` must give the 48x48 crop
    :func:`~fer_utils.faces.reading.crop_face` gives, for boxes inside the photo,
    at its edges and not square, with margins from 0 to 0.3."""
    exercise = "9.1"
    require(callable(answer), exercise, "the answer must be the function itself (no brackets after its name).")
    picture = grey(demo_photos()["astronaut"])
    cases = (((177, 66, 95, 95), 0.1, "the astronaut's face"), ((177, 66, 95, 95), 0.0, "no margin"),
             ((177, 66, 95, 95), 0.3, "a 30% margin"), ((150, 60, 120, 90), 0.1, "a box wider than high"),
             ((0, 0, 80, 80), 0.2, "a box in the top-left corner"),
             ((440, 430, 72, 82), 0.25, "a box at the bottom-right edge"))
    for box, margin, what in cases:
        expected = crop_face(picture, box, margin=margin).astype(np.float64)
        got = answer(picture.copy(), box, margin)
        require(got is not None, exercise, "the function returns None: write its body (it ends with `...` now).")
        got = np.asarray(got, dtype=np.float64)
        require(got.shape == expected.shape, exercise,
                f"for {what} the crop is shaped {got.shape}, not {expected.shape}: resize it to 48x48.")
        difference = float(np.abs(got - expected).mean())
        hint = ("the square's side is the box's longer side times (1 + 2 * margin), centred on the box's centre; "
                "where it leaves the picture repeat the border (cv2.copyMakeBorder with cv2.BORDER_REPLICATE, or "
                "np.pad with mode='edge'), then resize with cv2.INTER_AREA")
        require(difference <= TOLERANCE, exercise,
                f"for {what} (box {box}, margin {margin:g}) the crop differs from crop_face's by {difference:.1f} "
                f"grey levels on average: {hint}.")
    return Verdict(exercise, f"All {len(cases)} crops match crop_face's within {TOLERANCE:g} grey levels.")
