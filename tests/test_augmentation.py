"""Augmentation: the seed-000 transforms, flip balancing, offline expansion, online layers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from builders import FER2013_TRAIN_COUNTS, make_dataset, tiny_faces

from fer_utils.augment import transforms as aug
from fer_utils import figures
from fer_utils.config import figures_dir
from fer_utils.data.labels import EMOTIONS
from fer_utils.data.loaders import load_image_folder
from fer_utils.data.synthetic import make_demo_dataset

SIZE = 48
CENTRE = (SIZE - 1) / 2
YY, XX = np.mgrid[0:SIZE, 0:SIZE].astype(float)

RANDOM_STRENGTH = {
    name: 0.5 if transform in (aug.flip_horizontal, aug.flip_vertical) else strength
    for name, (transform, strength) in aug.SEED000_TRANSFORMS.items()
}
"""A strength per transform at which two seeds must give different batches (a flip
probability of 1 would mirror every image whatever the seed)."""
GEOMETRIC = (
    "Translation", "Rotation", "Cropping", "Distortion: zoom", "Distortion: shear", "Distortion: stretch",
)


def rng(seed=0):
    return np.random.default_rng(seed)


def disk(n=1, radius=8.0, cx=CENTRE, cy=CENTRE, value=200):
    """``n`` copies of a bright disk on black, centred on (cx, cy) with sub-pixel precision."""
    image = np.where((XX - cx) ** 2 + (YY - cy) ** 2 <= radius**2, value, 0).astype(np.uint8)
    return np.repeat(image[None], n, axis=0)


def centre_of_mass(images):
    mass = images.astype(float).sum(axis=(1, 2))
    return np.stack([(images * XX).sum(axis=(1, 2)) / mass, (images * YY).sum(axis=(1, 2)) / mass], 1)


def shape_of(images):
    """Area (pixels above half the disk's value) and width/height ratio of each blob."""
    masks = images >= 100
    area = masks.sum(axis=(1, 2))
    spread_x = np.array([XX[m].std() for m in masks])
    spread_y = np.array([YY[m].std() for m in masks])
    return area, spread_x / spread_y


@pytest.fixture(scope="module")
def faces():
    return tiny_faces(16, seed=1)


# ------------------------------------------------------------ every transform


@pytest.mark.parametrize("name", list(aug.SEED000_TRANSFORMS))
def test_transform_contract(name, faces):
    transform, strength = aug.SEED000_TRANSFORMS[name]
    out = transform(faces, strength, rng(0))
    assert out.shape == faces.shape and out.dtype == np.uint8
    assert not np.array_equal(out, faces), "the display strength must change the images"
    assert faces.min() <= out.mean() <= faces.max()
    np.testing.assert_array_equal(transform(faces, 0, rng(0)), faces)
    np.testing.assert_array_equal(transform(faces, strength, rng(7)), transform(faces, strength, rng(7)))
    random_strength = RANDOM_STRENGTH[name]
    first, second = transform(faces, random_strength, rng(1)), transform(faces, random_strength, rng(2))
    assert not np.array_equal(first, second)
    with pytest.raises(ValueError, match="strength"):
        transform(faces, -0.1, rng(0))
    with pytest.raises(ValueError, match="uint8 batch"):
        transform(faces.astype(np.float32), strength, rng(0))


@pytest.mark.parametrize("name", GEOMETRIC)
def test_geometric_transforms_keep_a_constant_image_constant(name):
    """Reflection at the border adds no dark frame, and interpolation no new values."""
    transform, strength = aug.SEED000_TRANSFORMS[name]
    constant = np.full((4, SIZE, SIZE), 173, np.uint8)
    np.testing.assert_array_equal(transform(constant, strength, rng(0)), constant)


def test_translation_moves_the_face_but_keeps_it_whole():
    images = disk(12, radius=5)
    moved = aug.translate(images, 0.15, rng(0))
    shift = centre_of_mass(moved) - centre_of_mass(images)
    assert np.all(np.abs(shift) <= 0.15 * SIZE + 0.5)
    assert np.linalg.norm(shift, axis=1).max() > 2
    np.testing.assert_allclose(moved.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=0.02)


def test_rotation_turns_about_the_centre_within_the_range():
    images = disk(12, radius=4, cx=CENTRE + 14)
    turned = aug.rotate(images, np.deg2rad(20), rng(0))
    dx, dy = (centre_of_mass(turned) - CENTRE).T
    np.testing.assert_allclose(np.hypot(dx, dy), 14, atol=0.5)
    angles = np.rad2deg(np.arctan2(-dy, dx))  # counter-clockwise on screen (y points down)
    assert np.all(np.abs(angles) <= 20.5) and np.abs(angles).max() > 5


def test_horizontal_flip():
    faces = tiny_faces(20, seed=2)
    mirrored = aug.flip_horizontal(faces, 1.0, rng(0))
    np.testing.assert_array_equal(mirrored, faces[:, :, ::-1])
    np.testing.assert_array_equal(aug.flip_horizontal(mirrored, 1.0, rng(0)), faces)
    half = aug.flip_horizontal(faces, 0.5, rng(0))
    flipped = np.array([np.array_equal(h, m) for h, m in zip(half, mirrored)])
    unchanged = np.array([np.array_equal(h, f) for h, f in zip(half, faces)])
    assert np.all(flipped ^ unchanged) and 0 < flipped.sum() < len(faces)


def test_vertical_flip_reverses_the_rows():
    faces = tiny_faces(4, seed=3)
    upside_down = aug.flip_vertical(faces, 1.0, rng(0))
    np.testing.assert_array_equal(upside_down[:, 0], faces[:, -1])
    np.testing.assert_array_equal(upside_down, faces[:, ::-1, :])


def test_cropping_zooms_into_a_window():
    ramp = np.repeat(np.linspace(10, 240, SIZE).round().astype(np.uint8)[None, None, :], SIZE, 1)
    ramps = np.repeat(ramp, 10, axis=0)
    cropped = aug.crop(ramps, 0.35, rng(0))
    assert np.all(np.diff(cropped.astype(int), axis=2) >= 0), "left-to-right order is kept"
    assert np.all(cropped.min(axis=(1, 2)) >= 10) and np.all(cropped.max(axis=(1, 2)) <= 240)
    value_range = cropped.max(axis=(1, 2)).astype(int) - cropped.min(axis=(1, 2))
    assert np.all(value_range <= 230) and value_range.min() < 200  # a narrower window, scaled up


def test_brightness_shifts_every_pixel_of_an_image_alike():
    faces = (100 + tiny_faces(30, seed=4) // 5).astype(np.uint8)  # 100..151: no clipping at 0.2
    brighter = aug.brighten(faces, 0.2, rng(0))
    offsets = brighter.astype(int) - faces
    assert np.all(offsets == offsets[:, :1, :1]), "one offset per image"
    assert np.all(np.abs(offsets) <= 0.2 * 255 + 0.5)
    raised = offsets[:, 0, 0] > 0
    assert 0 < raised.sum() < len(faces)
    assert np.all(brighter[raised].mean(axis=(1, 2)) > faces[raised].mean(axis=(1, 2)))
    white = aug.brighten(np.full((30, SIZE, SIZE), 250, np.uint8), 0.2, rng(0))
    assert white.min() >= 250 - 0.2 * 255 - 1, "bright pixels clip at 255, never wrap to black"


def test_noise_is_zero_mean_with_the_asked_spread():
    grey = np.full((8, SIZE, SIZE), 128, np.uint8)
    noise = aug.add_noise(grey, 0.05, rng(0)).astype(float) - 128
    assert abs(noise.mean()) < 0.5
    assert noise.std() == pytest.approx(0.05 * 255, rel=0.05)
    white = aug.add_noise(np.full((8, SIZE, SIZE), 255, np.uint8), 0.05, rng(0))
    assert white.min() > 128 and (white == 255).mean() > 0.4, "clipped at 255, not wrapped"


def test_zoom_scales_about_the_centre_keeping_proportions():
    images = disk(12, radius=10)
    zoomed = aug.zoom(images, 0.25, rng(0))
    area, aspect = shape_of(zoomed)
    scale = np.sqrt(area / shape_of(images)[0])
    assert np.all((scale > 0.72) & (scale < 1.28)) and scale.min() < 0.9 and scale.max() > 1.1
    np.testing.assert_allclose(aspect, 1, atol=0.05)
    np.testing.assert_allclose(centre_of_mass(zoomed), CENTRE, atol=0.3)


def test_shear_moves_rows_sideways_only():
    stripes = np.repeat(((YY // 4) % 2 * 200).astype(np.uint8)[None], 6, axis=0)
    np.testing.assert_array_equal(aug.shear(stripes, 0.35, rng(0)), stripes)
    columns = np.ascontiguousarray(stripes.transpose(0, 2, 1))
    assert not np.array_equal(aug.shear(columns, 0.35, rng(0)), columns)


def test_stretch_changes_proportions_not_area():
    images = disk(12, radius=10)
    stretched = aug.stretch(images, 0.3, rng(0))
    area, aspect = shape_of(stretched)
    np.testing.assert_allclose(area, shape_of(images)[0], rtol=0.08)
    assert np.abs(aspect - 1).max() > 0.2 and np.all((aspect > 0.45) & (aspect < 1.75))
    np.testing.assert_allclose(centre_of_mass(stretched), CENTRE, atol=0.3)


# --------------------------------------------------------------- flip balance


@pytest.fixture
def small():
    labels = [0, 0, 3, 3, 3, 1, 6, 3, 0, 2]
    splits = ["train"] * 7 + ["validation", "validation", "test"]
    return make_dataset(labels, splits)


def test_flip_balance_on_a_small_set(small):
    balanced = aug.flip_balance(small)
    assert balanced.name == "test set + flips" and len(small) == 10
    counts = balanced.counts()
    assert counts.loc["train"].tolist() == [4, 2, 0, 3, 0, 0, 2, 11]
    assert counts.loc["validation"].tolist() == small.counts().loc["validation"].tolist()
    assert counts.loc["test"].tolist() == small.counts().loc["test"].tolist()
    new = balanced.subset(np.arange(len(small), len(balanced)))
    originals = [0, 1, 5, 6]  # training faces that are not happy, in order
    np.testing.assert_array_equal(new.images, small.images[originals][:, :, ::-1])
    np.testing.assert_array_equal(new.labels, small.labels[originals])
    assert list(new.sources) == [f"made:{i}#hflip" for i in originals]
    np.testing.assert_array_equal(balanced.images[: len(small)], small.images)

    assert aug.flip_balance(small, keep=("happy", "neutral")).counts().loc["train", "total"] == 10
    assert aug.flip_balance(small, keep=()).counts().loc["train", "total"] == 14
    with pytest.raises(ValueError, match="unknown emotions"):
        aug.flip_balance(small, keep=("Happy",))


def test_balancing_table(small):
    table = aug.balancing_table(small, aug.flip_balance(small))
    assert list(table.columns) == ["before", "after", "added"]
    assert table["added"].tolist() == [2, 1, 0, 0, 0, 0, 1, 4]
    assert table.loc["total"].tolist() == [7, 11, 4]


def test_flip_balance_on_the_demo_set():
    demo = make_demo_dataset(350, seed=0)
    balanced = aug.flip_balance(demo)
    before, after = demo.counts(), balanced.counts()
    happy = EMOTIONS.index("happy")
    expected = [c if i == happy else 2 * c for i, c in enumerate(before.loc["train"].iloc[:7])]
    assert after.loc["train"].iloc[:7].tolist() == expected
    assert after.loc[["validation", "test"]].equals(before.loc[["validation", "test"]])
    assert balanced.synthetic and balanced.caption.endswith("(synthetic demo data)")


def test_flip_balance_on_real_fer2013(real_data):
    dataset = load_image_folder(real_data)
    table = aug.balancing_table(dataset, aug.flip_balance(dataset))
    assert table["before"].iloc[:7].tolist() == FER2013_TRAIN_COUNTS
    assert table.loc["Happy", "after"] == 7215
    others = table.drop(index=["Happy", "total"])
    assert (others["after"] == 2 * others["before"]).all()
    assert table.loc["total"].tolist() == [28709, 50203, 21494]


# ---------------------------------------------------------- offline expansion


def test_offline_expansion_quadruples_training_only(small):
    blob = disk(len(small), radius=3, cx=CENTRE + 14)
    dataset = replace(small, images=blob)
    expanded = aug.offline_expansion(dataset)
    counts = expanded.counts()
    assert counts.loc["train"].tolist() == (4 * dataset.counts().loc["train"]).tolist()
    assert counts.loc["validation", "total"] == 2 and counts.loc["test", "total"] == 1
    assert [s.split("#")[1] for s in expanded.sources[10::7]] == ["hflip", "rot+15", "rot-15"]
    mirror, plus, minus = (expanded.images[start : start + 7] for start in (10, 17, 24))
    np.testing.assert_array_equal(mirror, blob[:7, :, ::-1])
    for images, degrees in ((plus, 15), (minus, -15)):
        dx, dy = (centre_of_mass(images) - CENTRE).T
        np.testing.assert_allclose(np.rad2deg(np.arctan2(-dy, dx)), degrees, atol=1)


def test_offline_expansion_on_the_demo_set():
    demo = make_demo_dataset(210, seed=1)
    expanded = aug.offline_expansion(demo)
    assert expanded.counts().loc["train", "total"] == 4 * demo.counts().loc["train", "total"]
    assert expanded.name == "Demo faces + offline expansion"


# -------------------------------------------------------- online augmentation


@pytest.fixture(scope="module")
def batch():
    return (tiny_faces(6, seed=5)[..., None]).astype(np.float32)


def test_online_defaults_are_seed_002s_table():
    settings = aug.OnlineAugmentation()
    values = (settings.flip, settings.rotation, settings.translation, settings.zoom)
    assert values == (True, 0.05 * np.pi, 0.1, 0.1)
    configs = [layer.get_config() for layer in settings.layers(0).layers]
    assert configs[0]["mode"] == "horizontal"
    assert configs[1]["factor"] == pytest.approx((-0.025, 0.025))
    assert (configs[2]["height_factor"], configs[2]["width_factor"]) == (0.1, 0.1)
    assert configs[3]["height_factor"] == 0.1 and configs[3]["width_factor"] is None  # None: same as height
    assert {c.get("fill_mode", "reflect") for c in configs} == {"reflect"}
    table = settings.table()
    assert list(table.index) == ["Horizontal flip", "Rotation", "Translation", "Zoom"]
    assert "0.05π" in table.loc["Rotation", "range"]
    with pytest.raises(ValueError, match="zoom"):
        aug.OnlineAugmentation(zoom=1.0)


def test_online_layers_are_seeded_and_keep_shape_and_range(batch):
    first = np.asarray(aug.OnlineAugmentation().layers(3)(batch, training=True))
    again = np.asarray(aug.OnlineAugmentation().layers(3)(batch, training=True))
    other = np.asarray(aug.OnlineAugmentation().layers(4)(batch, training=True))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    assert first.shape == batch.shape and first.dtype == np.float32
    assert batch.min() - 1e-3 <= first.min() and first.max() <= batch.max() + 1e-3
    assert not np.allclose(first, batch)
    layers = aug.OnlineAugmentation().layers(3)
    calls = [np.asarray(layers(batch, training=True)) for _ in range(2)]
    assert not np.allclose(*calls), "each call draws new augmentations"
    np.testing.assert_array_equal(np.asarray(layers(batch, training=False)), batch)


def test_online_layers_switched_off_are_the_identity(batch):
    off = aug.OnlineAugmentation(flip=False, rotation=0, translation=0, zoom=0)
    np.testing.assert_array_equal(np.asarray(off.layers(0)(batch, training=True)), batch)
    only_flip = aug.OnlineAugmentation(rotation=0, translation=0, zoom=0).layers(0)
    out = np.asarray(only_flip(batch, training=True))
    assert all(np.array_equal(o, b) or np.array_equal(o, b[:, ::-1]) for o, b in zip(out, batch))


# -------------------------------------------------------------------- figures


def test_figures_are_stamped_and_saved():
    demo = make_demo_dataset(140, seed=2)
    drawn = {
        "02_transforms": figures.plot_transforms(demo, n_faces=2),
        "02_flip_balance": figures.plot_flip_balance(demo, aug.flip_balance(demo)),
        "02_augmentation_draws": figures.plot_augmentation_draws(demo, aug.OnlineAugmentation(), n_draws=2, n_faces=2),
    }
    for name, figure in drawn.items():
        assert "synthetic demo data" in figure.texts[-1].get_text()
        figures.save_figure(figure, name)
        assert (figures_dir() / f"{name}.png").is_file()
