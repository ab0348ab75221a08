"""Data-quality audit of a :class:`~fer_utils.data.dataset.FaceDataset`.

None of the source reports checked the data itself. :func:`audit_dataset` looks
for the problems that silently distort a facial-expression benchmark:

* **blank images**: constant or nearly constant images (FER-2013 holds a dozen
  all-black frames) that carry no face but still carry a label;
* **blurry images**: images with almost no fine detail left (a sharpness score
  far below that of an ordinary 48x48 face crop), and splits that are much
  blurrier than the others (:func:`split_sharpness`);
* **exact duplicates**: byte-identical images;
* **near duplicates**: the same photo stored twice with a different encoding,
  brightness, contrast or blur, found with a 64-bit perceptual hash (pHash) and
  confirmed pixel by pixel;
* **leakage**: duplicate groups (exact or near) that span more than one split,
  so that a validation or test image was, in effect, seen during training;
* **label conflicts**: duplicate groups whose members carry different labels.

Everything is vectorised (batched matrix products, chunked XOR + popcount,
sparse connected components); on the 35,887 FER-2013 images the whole audit
takes a few seconds on two CPU cores.

The thresholds below were chosen by looking at real FER-2013 pairs: the
candidate pairs at each Hamming distance (0 to 14) and in each correlation band
were shown side by side (with their difference image) as PNG files, and compared
with how often the two labels agree, a check that needs no eye: unrelated faces
agree 23% of the time, pairs that are plainly one photo 83 to 93% (FER-2013's
label noise keeps it below 100%).

* ``blank_std = 5`` (grey levels): FER-2013 has 12 all-black images (std 0),
  one uniform grey frame (0.6), one almost black frame (4.1) and one almost
  white page (4.5); the least varied real face has a std of 5.8.
* ``blur_sharpness = 0.25``: the sharpness score (std of the Laplacian divided
  by the std of the image) of FER-2013's non-blank faces has a median of 0.85,
  and 99% of them score 0.42 to 1.60 (6 of 35,873 fall below 0.25); the same
  faces Gaussian-blurred by 3.5 pixels, the defect of a FER-2013 re-packaging
  in circulation whose training faces are all blurred, score 0.03 to 0.12.
  :func:`split_sharpness` compares the splits' medians, which catches such a
  re-packaging even where no single face is flagged.
* ``near_threshold = 10`` (bits out of 64): confirmed copies have pHash
  distances of 0 to 6 when re-encoded or brightened and up to 8 to 12 when
  re-cropped or blurred; 10 keeps about 97% of the pairs confirmed at distances
  up to 14, and the candidate list (18,000 pairs on FER-2013, against 80,000 at
  12 and 360,000 at 14) stays cheap to verify. Within it the pixel check, not
  the hash, decides.
* ``min_correlation = 0.80`` for two sharp images: re-encoded, brightened or
  contrast-stretched copies correlate above 0.98; copies of one photo cropped a
  pixel or two differently fall to 0.80 to 0.96 (every pair inspected between
  0.80 and 0.95 was one photo, labels agree 85%); below 0.80 the candidates
  become different people with a similar pose (labels agree about 50%).
* ``min_correlation_blurred = 0.98`` when either image is blurry or the match
  needs a blur of two pixels or more: smoothing removes what tells two faces
  apart, so different faces correlate higher. From 0.98 up the label agreement
  stays at the 83-93% of plain copies (an estimated 97% or more are one photo);
  at 0.95 to 0.97 it drops to 65% (only about two in three are).

The pixel check compares mean-free images in the 2-D DCT domain, where a
Gaussian blur is a simple per-frequency weight. It takes the better of "blur
the first image" and "blur the second" over a grid of blur widths
(``BLUR_SIGMAS``), so a sharp photo and a blurred copy of it are recognised as
one photo, and reports the Pearson correlation of the matched pair, which does
not change with brightness or contrast.

Blank images are left out of the duplicate checks: they are all alike, their
hashes are meaningless, and they are reported (and best removed) on their own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Mapping

import cv2
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from fer_utils.data.dataset import SPLITS, FaceDataset

NEAR_THRESHOLD = 10
"""Default largest pHash Hamming distance (of 64 bits) for a candidate pair."""

MIN_CORRELATION = 0.80
"""Default pixel correlation that confirms a candidate pair of two sharp images."""

MIN_CORRELATION_BLURRED = 0.98
"""Default pixel correlation that confirms a pair that involves blur."""

BLANK_STD = 5.0
"""Default pixel standard deviation (grey levels) below which an image is blank."""

BLUR_SHARPNESS = 0.25
"""Default sharpness score below which an image counts as blurry."""

BLUR_SIGMAS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0)
"""Gaussian blur widths (pixels) the pixel check tries to match two images."""

STRICT_SIGMA = 2.0
"""A match that needs at least this much blur must pass ``min_correlation_blurred``."""

_PRECISION_BITS = 22  # Pillow's fixed-point precision for 8-bit resampling


# ---------------------------------------------------------------- pHash ----


def _lanczos(x: np.ndarray) -> np.ndarray:
    """Pillow's Lanczos-3 kernel."""

    def sinc(v):
        out = np.ones_like(v)
        nz = v != 0
        out[nz] = np.sin(np.pi * v[nz]) / (np.pi * v[nz])
        return out

    return np.where((x >= -3.0) & (x < 3.0), sinc(x) * sinc(x / 3.0), 0.0)


def _resample_matrix(in_size: int, out_size: int) -> np.ndarray:
    """Pillow's fixed-point Lanczos resampling weights as an (out, in) matrix.

    Mirrors ``precompute_coeffs`` and ``normalize_coeffs_8bpc`` of Pillow's
    ``Resample.c``, so that the batched resize below gives the very same pixels
    as ``Image.resize(..., LANCZOS)`` and the hash equals ``imagehash.phash``.
    """
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = 3.0 * filterscale
    matrix = np.zeros((out_size, in_size))
    for xx in range(out_size):
        center = (xx + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size)
        x = np.arange(xmin, xmax)
        w = _lanczos((x - center + 0.5) / filterscale)
        w = w / w.sum()
        w = w * (1 << _PRECISION_BITS)
        matrix[xx, xmin:xmax] = np.trunc(np.where(w < 0, w - 0.5, w + 0.5))
    return matrix


def _clip8(t: np.ndarray) -> np.ndarray:
    """Pillow's rounding of a fixed-point sum back to 0..255 (in place)."""
    t += float(1 << (_PRECISION_BITS - 1))
    t *= 1.0 / float(1 << _PRECISION_BITS)
    np.floor(t, out=t)
    np.clip(t, 0.0, 255.0, out=t)
    return t


def _dct_matrix(n: int, k: int | None = None, orthonormal: bool = False) -> np.ndarray:
    """The first ``k`` rows of the DCT-II matrix of size ``n``.

    Unnormalised it equals ``scipy.fftpack.dct`` (``2 cos(...)``), which
    ``imagehash.phash`` uses.
    """
    k = n if k is None else k
    rows = np.arange(k)[:, None]
    matrix = 2.0 * np.cos(np.pi * rows * (2 * np.arange(n) + 1) / (2 * n))
    if orthonormal:
        matrix *= np.sqrt(1.0 / (2 * n))
        matrix[0] *= np.sqrt(0.5)
    return matrix


def to_gray(images: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W) grey images; colour (N, H, W, 3) is read as RGB.

    Uses Pillow's ITU-R 601-2 luma in fixed point (``Image.convert("L")``).
    """
    images = np.asarray(images)
    if images.ndim == 3:
        return images
    if images.ndim == 4 and images.shape[-1] == 3:
        rgb = images.astype(np.uint32)
        luma = rgb[..., 0] * 19595 + rgb[..., 1] * 38470 + rgb[..., 2] * 7471 + 0x8000
        return (luma >> 16).astype(np.uint8)
    raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, 3), got {images.shape}")


def phash(images: np.ndarray, chunk: int = 512) -> np.ndarray:
    """64-bit DCT perceptual hashes of a batch of images, as uint64.

    Bit for bit the same as ``int(str(imagehash.phash(Image.fromarray(img))), 16)``
    (resize to 32x32 with Pillow's Lanczos filter, 2-D DCT, the 8x8 lowest
    frequencies compared with their median, first bit most significant), but
    about fifteen times faster: the resize and the DCT are batched matrix
    products. The resize runs in float64 on integer weights, where every sum is
    exact, so it reproduces Pillow's fixed-point arithmetic. (Only degenerate
    images whose low DCT coefficients tie exactly, such as a pure horizontal
    ramp, can differ in a bit: there rounding noise breaks the tie.)
    """
    gray = to_gray(images)
    n, h, w = gray.shape
    size = 32
    rows_t = _resample_matrix(w, size).T.copy()  # (w, 32): resizes each row
    cols = _resample_matrix(h, size)  # (32, h): resizes each column
    dct = _dct_matrix(size, 8)  # (8, 32)
    dct_t = dct.T.copy()
    out = np.empty(n, dtype=np.uint64)
    for a in range(0, n, chunk):
        x = gray[a : a + chunk]
        m = len(x)
        t = _clip8(x.reshape(m * h, w).astype(np.float64) @ rows_t).reshape(m, h, size)
        t = _clip8(np.matmul(cols, t))  # (m, 32, 32): the resized images
        low = np.matmul(np.matmul(dct, t), dct_t).reshape(m, 64)
        bits = low > np.median(low, axis=1, keepdims=True)
        out[a : a + m] = np.packbits(bits, axis=1).view(">u8").ravel()
    return out


def hamming_pairs(
    hashes: np.ndarray, threshold: int, rows: int = 64, cols: int = 8192
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs ``i < j`` of 64-bit hashes within ``threshold`` differing bits.

    Tiles the upper triangle of the distance matrix and runs XOR, popcount and
    the comparison in preallocated buffers, so memory stays small (a few MB)
    and no Python loop runs per pair. Returns ``(i, j, distance)``.
    """
    h = np.ascontiguousarray(hashes, dtype=np.uint64)
    n = len(h)
    xor = np.empty(rows * cols, dtype=np.uint64)
    count = np.empty(rows * cols, dtype=np.uint8)
    hit = np.empty(rows * cols, dtype=bool)
    found_i, found_j, found_d = [], [], []
    for a in range(0, n, rows):
        b = min(a + rows, n)
        for c in range(a, n, cols):
            d = min(c + cols, n)
            size = (b - a) * (d - c)
            x = xor[:size].reshape(b - a, d - c)
            k = count[:size].reshape(b - a, d - c)
            np.bitwise_xor(h[a:b, None], h[None, c:d], out=x)
            np.bitwise_count(x, out=k)
            np.less_equal(k, threshold, out=hit[:size].reshape(b - a, d - c))
            flat = np.flatnonzero(hit[:size])
            if len(flat):
                i, j = np.divmod(flat, d - c)
                keep = j + c > i + a
                found_i.append(i[keep] + a)
                found_j.append(j[keep] + c)
                found_d.append(count[flat[keep]])
    if not found_i:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), np.empty(0, dtype=np.uint8)
    return np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_d)


# ------------------------------------------------------- pixel checks ----


def pixel_stats(gray: np.ndarray, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Per image: pixel standard deviation and sharpness.

    Sharpness is the std of the 4-neighbour Laplacian divided by the std of the
    image: free of scale, brightness and contrast, high for images with edges
    and texture, low for smooth ones, 0 for constant images.
    """
    n = len(gray)
    std = np.empty(n)
    sharp = np.empty(n)
    for a in range(0, n, chunk):
        x = gray[a : a + chunk].astype(np.float32)
        lap = (
            x[:, :-2, 1:-1] + x[:, 2:, 1:-1] + x[:, 1:-1, :-2] + x[:, 1:-1, 2:]
            - 4.0 * x[:, 1:-1, 1:-1]
        )
        s = x.reshape(len(x), -1).std(axis=1)
        std[a : a + chunk] = s
        sharp[a : a + chunk] = lap.reshape(len(x), -1).std(axis=1) / np.maximum(s, 1e-6)
    return std, sharp


SPLIT_SHARPNESS_GAP = 0.8
"""A split whose median sharpness is below this fraction of the sharpest split's is
flagged: the splits then hold different kinds of image (for example one split
blurred by a re-packager), and a network trained on one is tested on another."""


def split_sharpness(dataset: FaceDataset, sample: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The data-quality check across splits: per split, the median sharpness
    (:func:`pixel_stats`) of a seeded sample of its non-blank images, its ratio to
    the sharpest split's, and whether it falls below :data:`SPLIT_SHARPNESS_GAP`."""
    rng = np.random.default_rng(seed)
    rows = {}
    for split in (s for s in SPLITS if np.any(dataset.splits == s)):
        members = np.flatnonzero(dataset.splits == split)
        if len(members) > sample:
            members = np.sort(rng.choice(members, sample, replace=False))
        std, sharpness = pixel_stats(to_gray(dataset.images[members]))
        rows[split] = {"images measured": len(members), "median sharpness": float(np.median(sharpness[std >= BLANK_STD]))}
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("split")
    table["share of the sharpest"] = table["median sharpness"] / table["median sharpness"].max()
    table["much blurrier"] = table["share of the sharpest"] < SPLIT_SHARPNESS_GAP
    return table


def blurred_split(dataset: FaceDataset, split: str = "train", sigma: float = 3.5) -> FaceDataset:
    """A copy of ``dataset`` whose ``split`` is Gaussian-blurred by ``sigma`` pixels:
    the defect of a FER-2013 re-packaging in circulation (its training faces blurred
    by about 3.5 px, its test faces sharp), made on purpose to show that
    :func:`split_sharpness` catches it."""
    images = dataset.images.copy()
    for i in np.flatnonzero(dataset.splits == split):
        images[i] = cv2.GaussianBlur(images[i], (0, 0), sigma, borderType=cv2.BORDER_REFLECT).reshape(images[i].shape)
    return replace(dataset, images=images, name=f"{dataset.name}, {split} blurred by {sigma:g} px on purpose")


def _dct_coefficients(gray: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Orthonormal 2-D DCT of the images, flattened (m, H*W), float32, DC set to 0.

    Zeroing the DC term makes the images mean-free, so inner products of these
    vectors are covariances.
    """
    m, h, w = gray.shape
    ch = _dct_matrix(h, orthonormal=True).astype(np.float32)
    cw_t = _dct_matrix(w, orthonormal=True).T.astype(np.float32).copy()
    out = np.empty((m, h * w), dtype=np.float32)
    for a in range(0, m, chunk):
        x = gray[a : a + chunk].astype(np.float32)
        k = len(x)
        t = (x.reshape(k * h, w) @ cw_t).reshape(k, h, w)  # rows transformed
        np.matmul(ch, t, out=out[a : a + k].reshape(k, h, w))  # then columns
    out[:, 0] = 0.0
    return out


def _blur_weights(h: int, w: int, sigmas) -> np.ndarray:
    """Frequency response (H*W, S) of Gaussian blurs in the DCT-II basis."""
    fy = (np.pi * np.arange(h) / h) ** 2
    fx = (np.pi * np.arange(w) / w) ** 2
    freq = (fy[:, None] + fx[None, :]).ravel()
    return np.exp(-0.5 * np.asarray(sigmas)[None, :] ** 2 * freq[:, None]).astype(np.float32)


def matched_correlation(
    gray: np.ndarray, i: np.ndarray, j: np.ndarray, sigmas=BLUR_SIGMAS, chunk: int = 4096
) -> tuple[np.ndarray, np.ndarray]:
    """Best correlation of images ``i[k]`` and ``j[k]`` after matching their blur.

    For each pair, one image (either one) is blurred with each Gaussian width in
    ``sigmas`` and the Pearson correlation with the other is taken; the best
    value and the blur width that gave it are returned. ``sigma = 0`` is the
    plain correlation, so identical and brightness- or contrast-shifted copies
    score 1. The blur is applied in the DCT domain (symmetric borders).
    """
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    best = np.full(len(i), -1.0)
    best_sigma = np.zeros(len(i))
    if len(i) == 0:
        return best, best_sigma
    used, inverse = np.unique(np.concatenate([i, j]), return_inverse=True)
    coef = _dct_coefficients(gray[used])
    ci, cj = inverse[: len(i)], inverse[len(i) :]
    _, h, w = gray.shape
    weights = _blur_weights(h, w, sigmas)
    weights_sq = weights * weights
    sigmas = np.asarray(sigmas, dtype=float)
    energy = np.einsum("ij,ij->i", coef, coef)
    for a in range(0, len(i), chunk):
        ai, aj = ci[a : a + chunk], cj[a : a + chunk]
        x, y = coef[ai], coef[aj]
        cov = (x * y) @ weights
        x2 = (x * x) @ weights_sq
        y2 = (y * y) @ weights_sq
        ex, ey = energy[ai][:, None], energy[aj][:, None]
        tiny = np.float32(1e-12)
        r_blur_x = cov / np.sqrt(np.maximum(x2 * ey, tiny))
        r_blur_y = cov / np.sqrt(np.maximum(ex * y2, tiny))
        r = np.maximum(r_blur_x, r_blur_y)
        k = np.argmax(r, axis=1)
        best[a : a + chunk] = r[np.arange(len(k)), k]
        best_sigma[a : a + chunk] = sigmas[k]
    return np.minimum(best, 1.0), best_sigma


# -------------------------------------------------------------- report ----


def _groups_of(component: np.ndarray) -> list[np.ndarray]:
    """Index arrays (ascending) of the components with at least two members,
    ordered by their smallest index."""
    order = np.argsort(component, kind="stable")
    ordered = component[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    big = ends - starts > 1
    groups = [order[a:b] for a, b in zip(starts[big], ends[big])]
    return sorted(groups, key=lambda g: g[0])


@dataclass(frozen=True, eq=False)
class AuditReport:
    """What :func:`audit_dataset` found; all indices refer to the dataset.

    ``groups`` are disjoint duplicate groups (connected components of "is a
    copy of"), ``kinds[g]`` is ``"exact"`` when all members of group ``g`` are
    byte-identical and ``"near"`` otherwise. ``exact_groups`` are the classes of
    byte-identical images; each lies inside one group (a near group may contain
    exact groups). ``near_pairs`` lists the confirmed near-duplicate pairs of
    distinct images with their Hamming distance, correlation and matched blur.
    """

    dataset_name: str
    n_images: int
    blank: np.ndarray
    blurry: np.ndarray
    exact_groups: tuple
    groups: tuple
    kinds: tuple
    near_pairs: pd.DataFrame = field(repr=False)
    labels: np.ndarray = field(repr=False)
    splits: np.ndarray = field(repr=False)
    sources: np.ndarray = field(repr=False)
    params: Mapping = field(default_factory=dict)
    seconds: float = 0.0

    # ---- derived findings

    @property
    def near_groups(self) -> tuple:
        return tuple(g for g, k in zip(self.groups, self.kinds) if k == "near")

    @property
    def leak_groups(self) -> tuple:
        """Groups whose members lie in more than one split."""
        return tuple(g for g in self.groups if len(set(self.splits[g])) > 1)

    def leaked(self, split: str, into: str = "train") -> np.ndarray:
        """Indices of ``split`` images that have a copy in split ``into``.

        ``leaked("validation")`` and ``leaked("test")`` are the held-out images
        that a model trained on ``train`` has, in effect, already seen.
        """
        out = [g[self.splits[g] == split] for g in self.groups if np.any(self.splits[g] == into)]
        return np.sort(np.concatenate(out)) if out else np.empty(0, dtype=np.int64)

    @property
    def validation_in_train(self) -> np.ndarray:
        return self.leaked("validation", "train")

    @property
    def test_in_train(self) -> np.ndarray:
        return self.leaked("test", "train")

    @property
    def test_in_validation(self) -> np.ndarray:
        return self.leaked("test", "validation")

    @property
    def conflict_groups(self) -> tuple:
        """Groups whose members carry more than one label."""
        return tuple(g for g in self.groups if len(set(self.labels[g].tolist())) > 1)

    # ---- tables

    def summary(self) -> pd.DataFrame:
        """One row per check: how many groups and images it found, and why it matters.

        Columns ``check``, ``groups`` (missing for the per-image checks),
        ``images`` and ``explanation``. For the leakage rows ``images`` counts
        the held-out images that have a copy in the other split.
        """

        def images_in(groups):
            return int(sum(len(g) for g in groups))

        blurry_by_split = ", ".join(
            f"{s} {int(np.sum(self.splits[self.blurry] == s))}/{int(np.sum(self.splits == s))}"
            for s in ("train", "validation", "test")
            if np.any(self.splits == s)
        )
        leak_tv = [g for g in self.groups if {"train", "validation"} <= set(self.splits[g])]
        leak_tt = [g for g in self.groups if {"train", "test"} <= set(self.splits[g])]
        leak_vt = [g for g in self.groups if {"validation", "test"} <= set(self.splits[g])]
        p = self.params
        rows = [
            ("blank images", len(self.blank), len(self.blank),
             f"pixel std below {p.get('blank_std')} grey levels: no face, but a label"),
            ("blurry images", len(self.blurry), len(self.blurry),
             f"sharpness below {p.get('blur_sharpness')} (per split: {blurry_by_split}); "
             "little fine detail left; blur that differs between splits means training "
             "and testing on different kinds of image"),
            ("exact duplicates", len(self.exact_groups), images_in(self.exact_groups),
             "byte-identical images (blank images excluded)"),
            ("near duplicates", len(self.near_groups), images_in(self.near_groups),
             "same photo re-encoded, brightened or blurred (pHash distance "
             f"<= {p.get('near_threshold')}, confirmed by pixel correlation)"),
            ("leakage train-validation", len(leak_tv), len(self.validation_in_train),
             "validation images with a copy in train (images = validation images)"),
            ("leakage train-test", len(leak_tt), len(self.test_in_train),
             "test images with a copy in train (images = test images)"),
            ("leakage validation-test", len(leak_vt), len(self.test_in_validation),
             "test images with a copy in validation (images = test images)"),
            ("label conflicts", len(self.conflict_groups), images_in(self.conflict_groups),
             "duplicate groups whose copies carry different labels"),
        ]
        table = pd.DataFrame(rows, columns=["check", "groups", "images", "explanation"])
        # blank and blurry are per-image findings: they form no groups
        table["groups"] = pd.array([pd.NA, pd.NA] + table["groups"].tolist()[2:], dtype="Int64")
        return table

    def groups_table(self) -> pd.DataFrame:
        """One row per duplicate group: id, kind, size, indices, splits, labels, sources."""
        rows = []
        for gid, (g, kind) in enumerate(zip(self.groups, self.kinds)):
            splits = self.splits[g].tolist()
            labels = self.labels[g].tolist()
            rows.append({
                "group": gid,
                "kind": kind,
                "size": len(g),
                "indices": g.tolist(),
                "splits": splits,
                "labels": [int(v) for v in labels],
                "sources": self.sources[g].tolist(),
                "leak": len(set(splits)) > 1,
                "conflict": len(set(labels)) > 1,
            })
        columns = ["group", "kind", "size", "indices", "splits", "labels", "sources", "leak",
                   "conflict"]
        return pd.DataFrame(rows, columns=columns)

    def __str__(self) -> str:
        return (f"Audit of {self.dataset_name} ({self.n_images} images, "
                f"{self.seconds:.1f} s)\n{self.summary().to_string(index=False)}")


def audit_dataset(
    dataset: FaceDataset,
    near_threshold: int = NEAR_THRESHOLD,
    *,
    min_correlation: float = MIN_CORRELATION,
    min_correlation_blurred: float = MIN_CORRELATION_BLURRED,
    blank_std: float = BLANK_STD,
    blur_sharpness: float = BLUR_SHARPNESS,
) -> AuditReport:
    """Audit ``dataset`` for blank, blurry and duplicated images, leakage and conflicts.

    ``near_threshold``: largest pHash Hamming distance of a candidate
    near-duplicate pair (0..64). A candidate is confirmed when the correlation
    of the two images after matching their blur (:func:`matched_correlation`)
    reaches ``min_correlation``, or ``min_correlation_blurred`` when either
    image is blurry or the match needs a blur of ``STRICT_SIGMA`` pixels or
    more. See the module docstring for how the defaults were chosen.
    """
    start = time.perf_counter()
    n = len(dataset)
    if n == 0:
        raise ValueError(f"audit_dataset: dataset {dataset.name!r} has no images")
    if not 0 <= near_threshold <= 64:
        raise ValueError(f"near_threshold must lie in 0..64, got {near_threshold}")
    for name, value in (("min_correlation", min_correlation),
                        ("min_correlation_blurred", min_correlation_blurred)):
        if not 0.0 < value <= 1.0:
            raise ValueError(f"{name} must lie in (0, 1], got {value}")

    gray = to_gray(dataset.images)
    std, sharp = pixel_stats(gray)
    is_blank = std < blank_std
    is_blurry = (sharp < blur_sharpness) & ~is_blank

    # exact duplicates: identical bytes (of the original, possibly colour, images)
    raw = np.ascontiguousarray(dataset.images).reshape(n, -1)
    keys = raw.view(np.dtype((np.void, raw.shape[1]))).ravel()
    _, first, byte_class = np.unique(keys, return_index=True, return_inverse=True)
    byte_class = byte_class.ravel()
    representative = first[byte_class]  # lowest index with the same bytes
    usable = ~is_blank
    exact_edges = np.flatnonzero(usable & (representative != np.arange(n)))

    # near duplicates: pHash candidates among distinct non-blank images, then pixel check
    reps = np.flatnonzero(usable & (representative == np.arange(n)))
    hashes = phash(gray[reps])
    ci, cj, dist = hamming_pairs(hashes, near_threshold)
    pi, pj = reps[ci], reps[cj]
    corr, sigma = matched_correlation(gray, pi, pj)
    strict = is_blurry[pi] | is_blurry[pj] | (sigma >= STRICT_SIGMA)
    confirmed = corr >= np.where(strict, min_correlation_blurred, min_correlation)
    pi, pj = pi[confirmed], pj[confirmed]
    near_pairs = pd.DataFrame({
        "i": pi, "j": pj, "hamming": dist[confirmed].astype(int),
        "correlation": corr[confirmed], "blur_sigma": sigma[confirmed],
    })

    # groups: connected components of exact and near edges
    src = np.concatenate([exact_edges, pi])
    dst = np.concatenate([representative[exact_edges], pj])
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    groups = _groups_of(component)
    kinds = tuple("exact" if len(set(byte_class[g].tolist())) == 1 else "near" for g in groups)
    exact_groups = _groups_of(np.where(usable, byte_class, n + np.arange(n)))

    params = {
        "near_threshold": near_threshold, "min_correlation": min_correlation,
        "min_correlation_blurred": min_correlation_blurred, "blank_std": blank_std,
        "blur_sharpness": blur_sharpness, "candidate_pairs": int(len(ci)),
    }
    return AuditReport(
        dataset_name=dataset.name,
        n_images=n,
        blank=np.flatnonzero(is_blank),
        blurry=np.flatnonzero(is_blurry),
        exact_groups=tuple(exact_groups),
        groups=tuple(groups),
        kinds=kinds,
        near_pairs=near_pairs,
        labels=np.asarray(dataset.labels),
        splits=np.asarray(dataset.splits),
        sources=np.asarray(dataset.sources),
        params=params,
        seconds=time.perf_counter() - start,
    )
