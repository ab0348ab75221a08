"""Image files read safely: every image the package decodes, a photo of chapter 9
(:func:`fer_utils.faces.images.read_image`) or a face of a dataset folder
(:mod:`fer_utils.data.loaders`), goes through :func:`decode_image`.

Its bytes are checked before anything is decoded: an empty file, one whose data
ends early (a truncated download), and one whose header announces more than
:data:`MAX_PIXELS` pixels (a decompression bomb) are refused with a message that
names the file. What the image libraries (libjpeg, libpng) and OpenCV print
while decoding is caught (:func:`native_messages`) and attributed to the file:
a decoder saying the data is damaged refuses the image, anything else it says
comes back to the caller to warn with the file's name. OpenCV's exceptions are
put in words (:func:`opencv_reason`), never shown with their assertion text.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import sys
import tempfile
import threading
import warnings
from typing import Iterator

import cv2
import numpy as np

from fer_utils.errors import DamagedImageError, ImageError

MAX_PIXELS = 100_000_000
"""The largest picture read, in pixels (100 megapixels: a 12,000 x 8,000 panorama
passes). The size is read from the file's header before anything is decoded, so
a small file that claims to be 30,000 x 30,000 (a "decompression bomb": under
1 MB of PNG, 900 megapixels and several GB once decoded and converted) is refused
at once, with no memory spent. Shrink larger pictures before reading them."""
DAMAGE_WORDS = ("premature end", "not enough image data", "crc error", "truncated", "read error")
"""What libjpeg and libpng say about data that is cut off or corrupt: a picture
they say it of is refused as damaged (:class:`~fer_utils.errors.DamagedImageError`)."""


def decode_image(
    data: np.ndarray, path, flag: int = cv2.IMREAD_COLOR, capture: bool = True
) -> tuple[np.ndarray, list[str]]:
    """Decode the bytes ``data`` of image file ``path`` with OpenCV (``flag``: for
    example ``cv2.IMREAD_GRAYSCALE``), after checking them: empty or cut off
    (:class:`~fer_utils.errors.DamagedImageError`), larger than :data:`MAX_PIXELS`
    by its header, or undecodable (:class:`~fer_utils.errors.ImageError`).
    Returns the image and, with ``capture``, what the image libraries printed
    while decoding it (:func:`native_messages`); when they said the data is
    damaged (:data:`DAMAGE_WORDS`), the image is refused as damaged instead
    (:func:`judge_messages`). Without ``capture`` the caller collects that itself
    (the dataset loaders decode in threads, inside one :func:`native_messages`)."""
    if not data.size:
        raise DamagedImageError(f"{path}: the file is empty (0 bytes)")
    raw = data.tobytes()
    cut = _cut_off(raw)
    if cut:
        raise DamagedImageError(f"{path}: the {cut} data ends early (a truncated or partly downloaded file)")
    check_size(raw, path)
    with (native_messages() if capture else contextlib.nullcontext(NativeOutput())) as output:
        try:
            image = cv2.imdecode(data, flag)
        except cv2.error as error:
            image, failure = None, opencv_reason(error)
        else:
            failure = None
    said = [line for line in output.lines if not opencv_log(line)]
    if image is None:
        judge_messages(path, said)  # "not enough image data": damaged, not foreign
        detail = failure or (said[0] if said else None)
        raise ImageError(f"{path}: not an image file OpenCV can read (JPEG, PNG, BMP, TIFF, WebP, ...)"
                         + (f": {detail}" if detail else ""))
    return image, judge_messages(path, said)


def check_size(data: bytes, path) -> None:
    """Refuse an image whose header gives it no pixels or more than :data:`MAX_PIXELS`,
    before it is decoded."""
    size = image_size(data, path)
    if size is None:
        return  # a format read here by OpenCV alone: its own limit (2^30 pixels) applies
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageError(f"{path}: the file's header gives the picture no pixels ({width}x{height})")
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"{path}: the picture is {width}x{height} pixels ({width * height / 1e6:,.0f} megapixels), more than "
            f"the {MAX_PIXELS / 1e6:,.0f} megapixels read here; shrink it first (faces need no more than a few "
            f"thousand pixels a side)"
        )


def image_size(data: bytes, path="the image") -> tuple[int, int] | None:
    """(width, height) from an image file's header without decoding it: PNG, JPEG,
    GIF, BMP and WebP read here, other formats with Pillow (which decodes nothing
    either); ``None`` when neither knows the format."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data.startswith(b"\xff\xd8"):
            return _jpeg_size(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data.startswith(b"BM") and len(data) >= 26:
            if struct.unpack("<I", data[14:18])[0] == 12:  # OS/2 bitmap header
                return struct.unpack("<HH", data[18:22])
            width, height = struct.unpack("<ii", data[18:26])
            return width, abs(height)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp_size(data)
    except struct.error:
        return None  # too short for its header: OpenCV will refuse it
    return _pillow_size(data, path)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of the first frame header (SOF marker) of a JPEG."""
    i = 2
    while i + 9 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        if marker in (0xD9, 0xDA):
            return None
        i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _pillow_size(data: bytes, path) -> tuple[int, int] | None:
    """The size Pillow reads from the header (TIFF, PNM, JPEG 2000, ...), if Pillow knows the format."""
    try:
        from PIL import Image
    except ImportError:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as picture:
                return picture.size
    except Image.DecompressionBombError:  # beyond twice Pillow's limit, which is above ours
        raise ImageError(f"{path}: the picture is larger than Pillow's decompression-bomb limit, more than the "
                         f"{MAX_PIXELS / 1e6:,.0f} megapixels read here; shrink it first") from None
    except Exception:  # noqa: BLE001  (not a format Pillow knows: OpenCV decides)
        return None


_capturing = threading.RLock()


class NativeOutput:
    """What C libraries printed to standard error during a :func:`native_messages` block."""

    def __init__(self, fd: int | None = None):
        self._fd, self._read = fd, 0
        self.lines: list[str] = []
        """Every line printed (complete once the block has ended)."""

    def take(self) -> list[str]:
        """The lines printed since the last call (they are kept in :attr:`lines` too):
        inside the block, what one step printed."""
        if self._fd is None:
            return []
        size = os.fstat(self._fd).st_size
        if size <= self._read:
            return []
        text = os.pread(self._fd, size - self._read, self._read).decode("utf-8", "replace")
        self._read = size
        new = [line.strip() for line in text.splitlines() if line.strip()]
        self.lines += new
        return new


@contextlib.contextmanager
def native_messages() -> Iterator[NativeOutput]:
    """Collect what C libraries (libjpeg, libpng, FFmpeg, OpenCV's own log) write
    to the process's standard error during the block, instead of letting it reach
    the user without the name of the file it is about (:class:`NativeOutput`).
    One block at a time (a lock); where standard error cannot be redirected,
    nothing is collected."""
    with _capturing:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError, AttributeError):
            saved = None
        if saved is None:
            yield NativeOutput()
            return
        with tempfile.TemporaryFile() as sink:
            output = NativeOutput(sink.fileno())
            os.dup2(sink.fileno(), 2)
            try:
                yield output
            finally:
                os.dup2(saved, 2)
                os.close(saved)
                output.take()


@contextlib.contextmanager
def progress_bar(total: int, desc: str, unit: str, delay: float = 1.0, **options):
    """A progress bar (``tqdm.auto``: a widget in a notebook, a text bar in a
    terminal) that still reaches the terminal while :func:`native_messages`
    collects the process's standard error: its text goes to a copy of the
    standard-error descriptor made before any redirection. It appears only once
    the step has taken ``delay`` seconds, so a small file loads without one (and
    without a line in front of an error message). ``options`` are tqdm's."""
    from tqdm.auto import tqdm

    stream = None
    if "ipykernel" not in sys.modules:  # in a notebook the bar is a widget and writes nothing to stderr
        with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
            if sys.stderr.fileno() == 2:
                sys.stderr.flush()
                stream = os.fdopen(os.dup(2), "w", buffering=1)
    try:
        with tqdm(total=total, desc=desc, unit=unit, file=stream, delay=delay, **options) as bar:
            yield bar
    finally:
        if stream is not None:
            stream.close()


def judge_messages(path, said: list[str]) -> list[str]:
    """What the decoders printed about image ``path``, without OpenCV's own log:
    a :class:`~fer_utils.errors.DamagedImageError` when they say its data is
    damaged (:data:`DAMAGE_WORDS`), else the lines, for a warning naming the file."""
    said = [line for line in said if not opencv_log(line)]
    damage = [line for line in said if any(word in line.lower() for word in DAMAGE_WORDS)]
    if damage:
        raise DamagedImageError(f"{path}: the image data is damaged ({damage[0]})")
    return said


def opencv_log(line: str) -> bool:
    """Whether a captured line is OpenCV's own log (``[ WARN:0@...]``, ``[ERROR:...]``), never shown."""
    return line.startswith("[") and ("WARN:" in line[:12] or "ERROR:" in line[:12] or "INFO:" in line[:12])


def _cut_off(data: bytes) -> str | None:
    """"JPEG" or "PNG" when the file is of that kind but its end marker is missing."""
    if data.startswith(b"\xff\xd8"):  # the last scan (SOS) must be followed by an end of image (EOI)
        end = data.rfind(b"\xff\xd9")
        return "JPEG" if end < 0 or end < data.rfind(b"\xff\xda") else None
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG" if b"IEND" not in data[-64:] else None
    return None


_OPENCV_ERROR = re.compile(r"error: \((-?\d+):([^)]*)\) (.*?)(?: in function '([^']*)')?$")


def opencv_reason(error: cv2.error) -> str:
    """What went wrong in an OpenCV exception, in words: never its source path,
    line number or assertion text (``(-215:Assertion failed) !_src.empty()``)."""
    text = " ".join(str(error).split())
    match = _OPENCV_ERROR.search(text)
    if not match:
        return text or "unknown error"
    _, kind, detail, function = match.groups()
    if "memory" in kind.lower() or "allocate" in detail.lower():
        return "not enough memory"
    if function == "validateInputImageSize":
        return "the picture is larger than OpenCV reads"
    if "assert" in kind.lower():
        return f"a check inside OpenCV's {function or 'code'} failed"
    return detail or kind.strip()
