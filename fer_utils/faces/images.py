"""Pictures for chapter 9: read a photo (a file or an array) as RGB, in grey as
FER-2013's faces are, shrunk for a faster search, and saved again.

Input that cannot be used fails with a message that names the file and the
problem (:class:`~fer_utils.errors.ImageError`, or ``FileNotFoundError``), never
with OpenCV's assertion text: a file is read as bytes, checked (empty, cut off,
larger by its header than :data:`~fer_utils.data.image_files.MAX_PIXELS`, 100
megapixels) and only then decoded, and what the image libraries print while
decoding is caught and attributed to the file
(:func:`~fer_utils.data.image_files.decode_image`, which the dataset loaders use too).
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import cv2
import numpy as np

from fer_utils.config import storage_error
from fer_utils.data.image_files import decode_image, opencv_reason
from fer_utils.errors import DataWarning, ImageError


def read_image(path) -> np.ndarray:
    """The picture in file ``path`` as an RGB uint8 array (H, W, 3).

    Any format OpenCV decodes (JPEG, PNG, BMP, TIFF, WebP, ...); grey, alpha and
    16-bit files are converted, and a JPEG's orientation tag is applied. The file
    is read as bytes first, so that a missing, empty, cut-off or oversized file
    gets its own message instead of OpenCV's silent ``None`` or its assertion;
    what the decoder says about a file it still decodes (libjpeg's "corrupt
    data", for example) is turned into a warning that names the file.
    """
    path = Path(path)
    image, said = decode_image(_read_bytes(path), path, cv2.IMREAD_COLOR)
    if said:
        warnings.warn(f"{path}: the decoder reported: {'; '.join(said)}", DataWarning, stacklevel=2)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _read_bytes(path: Path) -> np.ndarray:
    """The bytes of the image file ``path`` (uint8); a missing file, a folder or a
    file that may not be read is named."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ImageError(f"{path}: is a folder, not an image file")
    if not path.is_file():  # a device (/dev/zero) or a pipe: reading it might never end
        raise ImageError(f"{path}: not a regular file (a device or a pipe), so not an image file")
    try:
        return np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise storage_error(error, path, "read") from None


def as_picture(image, source: str = "the array") -> np.ndarray:
    """``image`` as an RGB uint8 array (H, W, 3): a path is read with :func:`read_image`;
    an array may be grey (H, W) or (H, W, 1), RGB (H, W, 3) or RGBA (H, W, 4),
    uint8 or float in 0..1 (scikit-image's convention). ``source`` names it in errors."""
    if isinstance(image, (str, Path)):
        return read_image(image)
    array = np.asarray(image)
    if array.size == 0:
        raise ImageError(f"{source}: the picture is empty (shape {array.shape})")
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[-1] in (3, 4))):
        raise ImageError(f"{source}: expected a grey (H, W), RGB (H, W, 3) or RGBA (H, W, 4) picture, got shape {array.shape}")
    if np.issubdtype(array.dtype, np.floating):
        if not (np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1):
            raise ImageError(f"{source}: a float picture must hold values in 0..1")
        array = np.round(array * 255).astype(np.uint8)
    elif array.dtype != np.uint8:
        raise ImageError(f"{source}: expected uint8 pixels (or floats in 0..1), got {array.dtype}")
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(array, cv2.COLOR_RGBA2RGB) if array.shape[-1] == 4 else np.ascontiguousarray(array)


def grey(picture: np.ndarray) -> np.ndarray:
    """An RGB picture in grey, as FER-2013's faces are."""
    return cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)


def _shrink(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """``image`` scaled down so that its longer side is at most ``max_side``, and the scale used."""
    scale = min(1.0, max_side / max(image.shape[:2]))
    if scale == 1.0:
        return image, scale
    size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def save_image(picture: np.ndarray, path) -> Path:
    """Write an RGB picture to ``path`` (PNG, JPEG, ... by its suffix)."""
    path = Path(path)
    try:
        ok, encoded = cv2.imencode(path.suffix or ".", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    except cv2.error as error:
        raise ImageError(f"{path}: could not write the picture ({opencv_reason(error)}; use a suffix such as .png "
                         f"or .jpg)") from None
    if not ok:
        raise ImageError(f"{path}: could not write the picture (use a suffix such as .png or .jpg)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        encoded.tofile(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            if path.is_file():
                path.unlink()  # no half-written picture
        raise storage_error(error, path, "write") from None
    return path
