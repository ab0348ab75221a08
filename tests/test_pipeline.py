"""The tf.data input pipeline: seeded per epoch, and held-out data untouched."""

from __future__ import annotations

import numpy as np
import pytest
from builders import tiny_faces

from fer_utils.augment.transforms import OnlineAugmentation
from fer_utils.augment.pipeline import evaluation_pipeline, training_pipeline

IMAGES = tiny_faces(100, seed=3)
LABELS = np.repeat(np.arange(7), [40, 4, 10, 20, 10, 8, 8])


def batches(dataset, n=None):
    out = []
    for i, (x, y) in enumerate(dataset):
        if n is not None and i == n:
            break
        out.append((x.numpy(), y.numpy()))
    return out


def test_evaluation_batches_are_every_image_untouched_and_in_order():
    got = batches(evaluation_pipeline(IMAGES, LABELS, batch_size=32))
    assert [len(y) for _, y in got] == [32, 32, 32, 4]  # the partial last batch is kept
    images = np.concatenate([x for x, _ in got])
    assert images.shape == (100, 48, 48, 1) and images.dtype == np.float32
    np.testing.assert_array_equal(images[..., 0], IMAGES.astype(np.float32))
    np.testing.assert_array_equal(np.concatenate([y for _, y in got]), LABELS)


def test_training_batches_are_full_shuffled_and_seeded():
    first = batches(training_pipeline(IMAGES, LABELS, batch_size=32, seed=1))
    assert [len(y) for _, y in first] == [32, 32, 32]  # drop_remainder: no partial batch
    again = batches(training_pipeline(IMAGES, LABELS, batch_size=32, seed=1))
    other = batches(training_pipeline(IMAGES, LABELS, batch_size=32, seed=2))
    for (x1, y1), (x2, y2) in zip(first, again):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(first[0][1], other[0][1])
    assert not np.array_equal(first[0][1], LABELS[:32])  # shuffled
    # without augmentation, every training image is one of the originals, unchanged
    originals = {image.tobytes() for image in IMAGES.astype(np.float32)}
    assert all(image[..., 0].tobytes() in originals for x, _ in first for image in x)


def test_each_epoch_draws_a_new_order_and_a_resumed_stream_repeats_it():
    three = batches(training_pipeline(IMAGES, LABELS, batch_size=32, seed=1, epochs=3))
    assert len(three) == 9
    assert not np.array_equal(three[0][1], three[3][1])  # epoch 2 is not epoch 1 again
    from_second = batches(training_pipeline(IMAGES, LABELS, batch_size=32, seed=1, epochs=2, first_epoch=1))
    for (x1, y1), (x2, y2) in zip(three[3:], from_second):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)


def test_augmentation_changes_training_images_reproducibly():
    augmentation = OnlineAugmentation()
    plain = batches(training_pipeline(IMAGES, LABELS, batch_size=32, seed=4), 2)
    first = batches(training_pipeline(IMAGES, LABELS, batch_size=32, seed=4, augmentation=augmentation), 2)
    again = batches(training_pipeline(IMAGES, LABELS, batch_size=32, seed=4, augmentation=augmentation), 2)
    for (x_plain, y_plain), (x1, y1), (x2, _) in zip(plain, first, again):
        np.testing.assert_array_equal(y1, y_plain)  # same order, same labels
        np.testing.assert_array_equal(x1, x2)  # same seed, same augmentation
        assert np.abs(x1 - x_plain).mean() > 1.0  # but the pixels moved
        assert x1.min() >= 0 and x1.max() <= 255


def test_oversampling_balances_the_classes_of_an_epoch():
    many = np.repeat(np.arange(7), [700, 40, 100, 200, 100, 80, 80])
    images = np.zeros((len(many), 48, 48), np.uint8)
    epoch = batches(training_pipeline(images, many, batch_size=100, seed=0, oversample=True))
    counts = np.bincount(np.concatenate([y for _, y in epoch]), minlength=7)
    assert counts.sum() == 1300 and counts.max() - counts.min() <= 1
    two = batches(training_pipeline(images, many, batch_size=100, seed=0, oversample=True, epochs=2))
    assert not np.array_equal(two[0][1], two[13][1])  # a new draw every epoch
    np.testing.assert_array_equal(two[0][1], epoch[0][1])  # the same seed, the same draw


@pytest.mark.parametrize(
    "images, labels, batch, message",
    [
        (IMAGES.astype(np.float32), LABELS, 8, "expected uint8 images"),
        (IMAGES, LABELS[:5], 8, "100 images but 5 labels"),
        (IMAGES, LABELS, 101, "batch size 101 does not fit 100 images"),
        (IMAGES[:0], LABELS[:0], 8, "batch size 8 does not fit 0 images"),
    ],
)
def test_bad_pipeline_inputs_are_refused(images, labels, batch, message):
    with pytest.raises(ValueError, match=message):
        training_pipeline(images, labels, batch_size=batch, seed=0)
