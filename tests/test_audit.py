"""Tests of fer_utils.data.audit on small generated datasets with planted problems."""

import cv2
import imagehash
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from fer_utils.data import audit
from fer_utils.data.audit import AuditReport, audit_dataset, hamming_pairs, matched_correlation, phash
from fer_utils.data.dataset import FaceDataset
from fer_utils.data.synthetic import make_demo_dataset


def random_face(rng, size=(48, 48)):
    """A sharp random image: a smooth random field plus fine grain.

    Independent draws are unrelated (correlation near 0, pHash distance near
    32), and the grain makes them sharp like a real face crop.
    """
    field = cv2.GaussianBlur(rng.normal(0, 1, size).astype(np.float32), (0, 0), 4)
    field = 120 + 45 * field / field.std()
    grain = rng.normal(0, 10, size)
    return np.clip(field + grain, 0, 255).astype(np.uint8)


def jpeg(img, quality=75):
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def brighter(img, delta=5):
    return np.clip(img.astype(int) + delta, 0, 255).astype(np.uint8)


def blurred(img, sigma=3.5):
    return cv2.GaussianBlur(img, (0, 0), sigma)


def planted_dataset():
    """Distinct images plus one of each planted problem; returns (dataset, expected)."""
    rng = np.random.default_rng(7)
    images, labels, splits = [], [], []

    def add(img, label, split):
        images.append(img)
        labels.append(label)
        splits.append(split)
        return len(images) - 1

    for k in range(30):  # distinct images: must not be reported
        add(random_face(rng), k % 7, ("train", "train", "validation", "test")[k % 4])

    e = {}
    e["blank_black"] = add(np.zeros((48, 48), np.uint8), 0, "train")
    e["blank_black_2"] = add(np.zeros((48, 48), np.uint8), 3, "test")  # identical, but blank
    flat = np.clip(128 + rng.normal(0, 1, (48, 48)), 0, 255).astype(np.uint8)
    e["blank_grey"] = add(flat, 6, "validation")

    a = random_face(rng)
    e["exact"] = (add(a, 1, "train"), add(a.copy(), 1, "train"))
    b = random_face(rng)
    e["jpeg"] = (add(b, 2, "train"), add(jpeg(b), 2, "train"))
    c = random_face(rng)
    e["bright_leak"] = (add(c, 4, "train"), add(brighter(c), 4, "test"))
    d = random_face(rng)
    e["exact_leak"] = (add(d, 5, "train"), add(d.copy(), 5, "test"))
    f = random_face(rng)
    e["jpeg_conflict"] = (add(f, 3, "train"), add(jpeg(f, 90), 4, "train"))
    g = random_face(rng)
    e["exact_conflict"] = (add(g, 0, "validation"), add(g.copy(), 6, "validation"))
    h = random_face(rng)
    e["blur_leak"] = (add(h, 2, "validation"), add(blurred(h), 2, "train"))
    e["blurry_distinct"] = add(blurred(random_face(rng)), 1, "train")

    n = len(images)
    dataset = FaceDataset(
        images=np.stack(images),
        labels=np.array(labels),
        splits=np.array(splits),
        sources=np.array([f"planted.csv:{i}" for i in range(n)]),
        name="planted",
    )
    return dataset, e


@pytest.fixture(scope="module")
def planted():
    dataset, expected = planted_dataset()
    return dataset, expected, audit_dataset(dataset)


def as_sets(groups):
    return {tuple(int(i) for i in g) for g in groups}


def test_blank_images_are_found(planted):
    _, e, report = planted
    assert report.blank.tolist() == sorted([e["blank_black"], e["blank_black_2"], e["blank_grey"]])


def test_only_blurred_images_are_blurry(planted):
    _, e, report = planted
    assert report.blurry.tolist() == sorted([e["blur_leak"][1], e["blurry_distinct"]])


def test_exact_duplicates(planted):
    _, e, report = planted
    # the two identical black images are blank, not duplicates
    assert as_sets(report.exact_groups) == {e["exact"], e["exact_leak"], e["exact_conflict"]}


def test_near_duplicates(planted):
    _, e, report = planted
    assert as_sets(report.near_groups) == {
        e["jpeg"], e["bright_leak"], e["jpeg_conflict"], e["blur_leak"]
    }
    assert set(report.kinds) == {"exact", "near"}
    assert len(report.groups) == 7
    pairs = set(zip(report.near_pairs.i.tolist(), report.near_pairs.j.tolist()))
    assert pairs == {e["jpeg"], e["bright_leak"], e["jpeg_conflict"], e["blur_leak"]}
    assert (report.near_pairs.correlation >= 0.8).all()


def test_leakage(planted):
    _, e, report = planted
    assert as_sets(report.leak_groups) == {e["bright_leak"], e["exact_leak"], e["blur_leak"]}
    assert report.validation_in_train.tolist() == [e["blur_leak"][0]]
    assert report.test_in_train.tolist() == sorted([e["bright_leak"][1], e["exact_leak"][1]])
    assert report.test_in_validation.tolist() == []


def test_label_conflicts(planted):
    _, e, report = planted
    assert as_sets(report.conflict_groups) == {e["jpeg_conflict"], e["exact_conflict"]}


def test_distinct_images_survive_the_pixel_check():
    """With every pair a candidate, only the planted copies are confirmed."""
    dataset, e = planted_dataset()
    everything = audit_dataset(dataset, near_threshold=64)
    assert everything.params["candidate_pairs"] > 500
    default = audit_dataset(dataset)
    assert as_sets(everything.groups) == as_sets(default.groups)


def test_summary_table(planted):
    _, _, report = planted
    table = report.summary()
    assert list(table.columns) == ["check", "groups", "images", "explanation"]
    rows = table.set_index("check")
    assert rows.loc["blank images", "images"] == 3
    assert pd.isna(rows.loc["blank images", "groups"])
    assert rows.loc["exact duplicates", ["groups", "images"]].tolist() == [3, 6]
    assert rows.loc["near duplicates", ["groups", "images"]].tolist() == [4, 8]
    assert rows.loc["leakage train-validation", ["groups", "images"]].tolist() == [1, 1]
    assert rows.loc["leakage train-test", ["groups", "images"]].tolist() == [2, 2]
    assert rows.loc["leakage validation-test", ["groups", "images"]].tolist() == [0, 0]
    assert rows.loc["label conflicts", ["groups", "images"]].tolist() == [2, 4]
    assert table["explanation"].str.len().min() > 10
    assert "planted" in str(report)


def test_groups_table(planted):
    dataset, e, report = planted
    table = report.groups_table()
    assert list(table.columns) == [
        "group", "kind", "size", "indices", "splits", "labels", "sources", "leak", "conflict"
    ]
    assert len(table) == 7
    row = table[table["indices"].apply(tuple) == e["blur_leak"]].iloc[0]
    assert row["kind"] == "near"
    assert row["splits"] == ["validation", "train"]
    assert row["labels"] == [2, 2]
    assert row["sources"] == [f"planted.csv:{i}" for i in e["blur_leak"]]
    assert row["leak"] and not row["conflict"]
    kinds = dict(zip(table["indices"].apply(tuple), table["kind"]))
    assert kinds[e["exact_leak"]] == "exact"
    assert table["conflict"].sum() == 2


def test_report_is_frozen(planted):
    _, _, report = planted
    assert isinstance(report, AuditReport)
    with pytest.raises(AttributeError):
        report.blank = np.array([0])


def test_empty_dataset_is_refused():
    empty = FaceDataset(
        images=np.zeros((0, 48, 48), np.uint8),
        labels=np.zeros(0, int),
        splits=np.zeros(0, "<U5"),
        sources=np.zeros(0, "<U5"),
        name="nothing-here",
    )
    with pytest.raises(ValueError, match="nothing-here"):
        audit_dataset(empty)


def test_tiny_datasets():
    one = FaceDataset(np.zeros((1, 48, 48), np.uint8), np.zeros(1, int), np.array(["train"]),
                      np.array(["a"]), name="one")
    report = audit_dataset(one)
    assert report.blank.tolist() == [0]
    assert report.groups == () and report.exact_groups == ()
    assert report.summary()["images"].tolist()[2:] == [0] * 6
    assert len(report.groups_table()) == 0


def test_bad_threshold_is_refused(planted):
    dataset, _, _ = planted
    with pytest.raises(ValueError, match="near_threshold"):
        audit_dataset(dataset, near_threshold=65)


def test_colour_images():
    rng = np.random.default_rng(3)
    grey = [random_face(rng) for _ in range(6)]
    colour = np.stack([np.repeat(g[..., None], 3, axis=2) for g in grey])
    colour[5] = colour[0]
    colour[4] = np.repeat(jpeg(grey[1])[..., None], 3, axis=2)
    dataset = FaceDataset(colour, np.zeros(6, int), np.array(["train"] * 6),
                          np.array([str(i) for i in range(6)]), name="colour")
    report = audit_dataset(dataset)
    assert as_sets(report.exact_groups) == {(0, 5)}
    assert as_sets(report.near_groups) == {(1, 4)}


# ---------------------------------------------------------------- helpers ----


def reference_phash(img):
    return int(str(imagehash.phash(Image.fromarray(img))), 16)


@pytest.mark.parametrize("size", [(48, 48), (40, 64), (100, 90)])
def test_phash_matches_imagehash(size):
    rng = np.random.default_rng(size[0])
    images = [random_face(rng, size) for _ in range(12)]
    images.append(rng.integers(0, 256, size, dtype=np.uint8))  # white noise
    images.append(jpeg(images[0]))
    drawn = np.full(size, 200, np.uint8)  # a drawn cartoon face
    h, w = size
    cv2.ellipse(drawn, (w // 2, h // 2), (w // 3, h * 2 // 5), 0, 0, 360, 120, -1)
    cv2.circle(drawn, (w // 3, h * 2 // 5), max(2, w // 12), 30, -1)
    cv2.circle(drawn, (w * 2 // 3, h * 2 // 5), max(2, w // 12), 30, -1)
    cv2.line(drawn, (w // 3, h * 2 // 3), (w * 2 // 3, h * 2 // 3 + 3), 60, 2)
    images.append(drawn)
    batch = np.stack(images)
    ours = phash(batch, chunk=5)  # several chunks
    assert ours.dtype == np.uint64
    assert ours.tolist() == [reference_phash(img) for img in images]


def test_phash_of_colour_matches_imagehash():
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (4, 48, 48, 3), dtype=np.uint8)
    images = cv2.GaussianBlur(images.reshape(4 * 48, 48, 3), (0, 0), 2).reshape(4, 48, 48, 3)
    assert phash(images).tolist() == [reference_phash(img) for img in images]


def test_hamming_pairs_matches_brute_force():
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**63, 300, dtype=np.int64).astype(np.uint64)
    hashes[100:150] = hashes[:50] ^ (np.uint64(1) << rng.integers(0, 64, 50).astype(np.uint64))
    hashes[200] = hashes[10]
    bits = np.unpackbits(hashes.view(np.uint8).reshape(-1, 8), axis=1).astype(int)
    dist = (bits[:, None, :] != bits[None, :, :]).sum(axis=2)
    for threshold in (0, 1, 24):
        want = {(i, j) for i, j in zip(*np.nonzero(dist <= threshold)) if i < j}
        i, j, d = hamming_pairs(hashes, threshold, rows=7, cols=33)  # odd tiles
        assert set(zip(i.tolist(), j.tolist())) == want
        assert np.array_equal(d, dist[i, j])
    empty = hamming_pairs(hashes[:1], 10)
    assert all(len(x) == 0 for x in empty)


def test_matched_correlation_ignores_brightness_and_blur():
    rng = np.random.default_rng(1)
    a, b = random_face(rng), random_face(rng)
    images = np.stack([a, brighter(a, 20), blurred(a, 3.0), b])
    corr, sigma = matched_correlation(images, np.array([0, 2, 0]), np.array([1, 0, 3]))
    assert corr[0] > 0.99 and sigma[0] == 0
    assert corr[1] > 0.98 and 2.0 <= sigma[1] <= 4.0
    assert corr[2] < 0.5


def test_the_split_check_catches_a_split_blurred_on_purpose():
    demo = make_demo_dataset(700, seed=0)
    assert not audit.split_sharpness(demo)["much blurrier"].any()
    blurred = audit.blurred_split(demo, "train", sigma=3.5)
    table = audit.split_sharpness(blurred)
    assert table["much blurrier"].tolist() == [True, False, False]
    assert table.at["train", "share of the sharpest"] < 0.5
    untouched = blurred.splits != "train"
    np.testing.assert_array_equal(blurred.images[untouched], demo.images[untouched])
    assert "blurred by 3.5 px on purpose" in blurred.name
