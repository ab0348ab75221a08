"""Class weights, balanced resampling and the focal loss for FER-2013's imbalance."""

from __future__ import annotations


import keras
import numpy as np
import pytest
from builders import FER2013_TRAIN_COUNTS, make_dataset

from fer_utils.augment import imbalance
from fer_utils import figures
from fer_utils.augment.imbalance import FocalLoss, class_balanced_weights, class_weight_table, class_weights, focal_loss, oversample_indices, oversampling_weights
from fer_utils.data.labels import DISPLAY_NAMES
from fer_utils.config import figures_dir

FER_TRAIN = np.repeat(np.arange(7), FER2013_TRAIN_COUNTS)
SMALL = np.repeat(np.arange(7), [1, 2, 3, 4, 5, 6, 7])  # 28 labels


def test_class_weights_follow_the_balanced_formula():
    weights = class_weights(SMALL)
    assert list(weights) == list(range(7))
    assert all(type(k) is int and type(v) is float for k, v in weights.items())
    by_hand = [28 / (7 * count) for count in [1, 2, 3, 4, 5, 6, 7]]
    np.testing.assert_allclose(list(weights.values()), by_hand)
    assert weights[0] == pytest.approx(4.0) and weights[6] == pytest.approx(4 / 7)


def test_class_weights_on_fer2013_training_counts():
    weights = class_weights(FER_TRAIN)
    assert weights[1] == pytest.approx(28709 / (7 * 436)) == pytest.approx(9.4066, abs=1e-4)
    assert weights[3] == pytest.approx(0.5684, abs=1e-4)
    assert max(weights, key=weights.get) == 1 and min(weights, key=weights.get) == 3


@pytest.mark.parametrize(
    "function", [class_weights, class_balanced_weights, oversampling_weights]
)
def test_a_missing_class_is_named(function):
    no_disgust = SMALL[SMALL != 1]
    arguments = (no_disgust,)
    with pytest.raises(ValueError, match="no images of disgust"):
        function(*arguments)


def test_labels_outside_the_label_set_are_refused():
    with pytest.raises(ValueError, match=r"0\.\.6"):
        class_weights(np.append(SMALL, 7))
    with pytest.raises(ValueError, match="integer"):
        class_weights(SMALL.astype(float))


def test_class_weight_table_shows_labellings_side_by_side():
    flipped = np.repeat(np.arange(7), [2 * c if i != 3 else c for i, c in enumerate(FER2013_TRAIN_COUNTS)])
    table = class_weight_table(raw=FER_TRAIN, flip_balanced=flipped)
    assert table.shape == (7, 4)
    assert list(table.index) == list(DISPLAY_NAMES)
    assert list(table.columns) == [
        ("raw", "count"), ("raw", "weight"), ("flip_balanced", "count"), ("flip_balanced", "weight")
    ]
    assert table[("raw", "count")].tolist() == FER2013_TRAIN_COUNTS
    assert table.loc["Happy", ("flip_balanced", "count")] == 7215
    np.testing.assert_allclose(table[("flip_balanced", "weight")], list(class_weights(flipped).values()))
    # flipping every class but happy shrinks the gap between disgust and happy
    assert table.loc["Disgust", ("flip_balanced", "weight")] < table.loc["Disgust", ("raw", "weight")]
    assert table.loc["Happy", ("flip_balanced", "weight")] > table.loc["Happy", ("raw", "weight")]
    with pytest.raises(ValueError, match="at least one"):
        class_weight_table()


def test_oversampling_weights_give_each_class_a_seventh():
    p = oversampling_weights(FER_TRAIN)
    assert p.shape == FER_TRAIN.shape and p.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(np.bincount(FER_TRAIN, weights=p), np.full(7, 1 / 7))
    assert p[FER_TRAIN == 1].min() == p[FER_TRAIN == 1].max() > p[FER_TRAIN == 3].max()


def test_oversample_indices_are_balanced_valid_and_seeded():
    drawn = oversample_indices(FER_TRAIN, 70_000, rng=5)
    assert drawn.shape == (70_000,) and drawn.min() >= 0 and drawn.max() < len(FER_TRAIN)
    shares = np.bincount(FER_TRAIN[drawn], minlength=7) / len(drawn)
    np.testing.assert_allclose(shares, 1 / 7, atol=0.01)
    # every disgust image is repeated, many happy images are not drawn at all
    assert len(np.unique(drawn[FER_TRAIN[drawn] == 1])) == 436
    assert len(np.unique(drawn[FER_TRAIN[drawn] == 3])) < 7215
    np.testing.assert_array_equal(drawn, oversample_indices(FER_TRAIN, 70_000, rng=5))
    assert not np.array_equal(drawn, oversample_indices(FER_TRAIN, 70_000, rng=6))
    odd = np.bincount(SMALL[oversample_indices(SMALL, 23, np.random.default_rng(0))], minlength=7)
    assert odd.sum() == 23 and odd.max() - odd.min() == 1
    # the draw is shuffled, not grouped by class
    assert len(set(FER_TRAIN[drawn[:50]])) == 7


def _random_softmax(n: int = 64, seed: int = 0):
    """Integer labels and random softmax outputs of a 7-class classifier."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, (n, 7))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return rng.integers(0, 7, n), probs.astype("float32")


def _per_sample(loss, labels, probs) -> np.ndarray:
    """The loss of every sample, before Keras averages them over the batch."""
    return keras.ops.convert_to_numpy(loss.call(keras.ops.convert_to_tensor(labels), keras.ops.convert_to_tensor(probs)))


def test_focal_loss_with_gamma_zero_is_cross_entropy():
    y, probs = _random_softmax()
    cross_entropy = keras.losses.SparseCategoricalCrossentropy()
    assert float(focal_loss(gamma=0.0)(y, probs)) == pytest.approx(float(cross_entropy(y, probs)), rel=1e-6)
    # labels shaped (batch, 1), as some pipelines deliver them, give the same loss
    assert float(focal_loss(gamma=0.0)(y[:, None], probs)) == pytest.approx(float(cross_entropy(y, probs)), rel=1e-6)
    np.testing.assert_allclose(_per_sample(focal_loss(0.0), y, probs), -np.log(probs[np.arange(64), y]), rtol=1e-5)


def test_focal_loss_discounts_confident_correct_predictions():
    y, probs = _random_softmax(seed=1)
    p_true = probs[np.arange(len(y)), y]
    ce = _per_sample(focal_loss(0.0), y, probs)
    focal = _per_sample(focal_loss(gamma=2.0), y, probs)
    np.testing.assert_allclose(focal / ce, (1 - p_true) ** 2, rtol=1e-4)
    confident = np.array([[0.01, 0.01, 0.01, 0.94, 0.01, 0.01, 0.01]], dtype="float32")
    unsure = np.array([[0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1]], dtype="float32")
    ratio_confident = _per_sample(focal_loss(), np.array([3]), confident) / _per_sample(focal_loss(0.0), np.array([3]), confident)
    ratio_unsure = _per_sample(focal_loss(), np.array([3]), unsure) / _per_sample(focal_loss(0.0), np.array([3]), unsure)
    assert ratio_confident[0] == pytest.approx(0.06**2, rel=1e-3) and ratio_unsure[0] == pytest.approx(0.36, rel=1e-3)


def test_focal_loss_alpha_weights_each_sample_by_its_class():
    y, probs = _random_softmax(seed=2)
    alpha = class_weights(FER_TRAIN)
    weighted = _per_sample(focal_loss(alpha=alpha), y, probs)
    plain = _per_sample(focal_loss(), y, probs)
    np.testing.assert_allclose(weighted, plain * np.array(list(alpha.values()))[y], rtol=1e-5)
    with pytest.raises(ValueError, match="3 class weights for 7 classes"):
        focal_loss(alpha=[1.0, 2.0, 3.0])(y, probs)
    with pytest.raises(ValueError, match="non-negative"):
        focal_loss(alpha=[-1.0] * 7)
    with pytest.raises(ValueError, match="gamma"):
        focal_loss(gamma=-1)


def test_focal_loss_survives_serialisation():
    loss = focal_loss(gamma=1.5, alpha=[1, 2, 3, 4, 5, 6, 7])
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(restored, FocalLoss) and restored is not loss
    assert (restored.gamma, restored.alpha) == (1.5, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    y, probs = _random_softmax(seed=3)
    assert float(restored(y, probs)) == pytest.approx(float(loss(y, probs)))


def test_a_model_compiled_with_focal_loss_saves_and_reloads(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(7, activation="softmax")])
    model.compile(optimizer="sgd", loss=focal_loss(gamma=3.0, alpha=[0.5] * 7))
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    y = np.arange(8) % 7
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "tiny.keras")
    reloaded = keras.models.load_model(tmp_path / "tiny.keras")
    assert isinstance(reloaded.loss, FocalLoss) and reloaded.loss.gamma == 3.0
    assert reloaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0), rel=1e-5)


def test_class_balanced_weights_between_no_weighting_and_inverse_frequency():
    equal = class_balanced_weights(FER_TRAIN, beta=0.0)
    assert list(equal) == list(range(7)) and list(equal.values()) == pytest.approx([1.0] * 7)
    default = class_balanced_weights(FER_TRAIN)
    assert sum(default.values()) == pytest.approx(7.0)
    order = np.argsort(FER2013_TRAIN_COUNTS)  # fewest images first
    assert np.all(np.diff(np.array(list(default.values()))[order]) < 0)
    # milder than the balanced weights, and proportional to them as beta -> 1
    balanced = np.array(list(class_weights(FER_TRAIN).values()))
    assert default[1] / default[3] < balanced[1] / balanced[3]
    near_one = np.array(list(class_balanced_weights(FER_TRAIN, beta=1 - 1e-9).values()))
    np.testing.assert_allclose(near_one, balanced * 7 / balanced.sum(), rtol=1e-4)
    with pytest.raises(ValueError, match="beta"):
        class_balanced_weights(FER_TRAIN, beta=1.0)


def test_plot_class_weights_draws_and_saves_the_figure():
    dataset = make_dataset(SMALL, ["train"] * len(SMALL))
    table = class_weight_table(raw=SMALL, doubled=np.concatenate([SMALL, SMALL[SMALL < 3]]))
    fig = figures.plot_class_weights(dataset, table)
    figures.save_figure(fig, "03_class_weights")
    assert (figures_dir() / "03_class_weights.png").is_file()
    ax = fig.axes[0]
    assert len(ax.patches) == 14
    assert [t.get_text() for t in ax.get_xticklabels()] == ["raw", "doubled"]
    assert "4.00" in {t.get_text() for t in ax.texts}
    assert fig.texts[-1].get_text() == "data: test set"


def test_module_docstring_compares_the_remedies():
    for remedy in ("Class weights", "Oversampling", "Focal loss"):
        assert remedy in imbalance.__doc__
