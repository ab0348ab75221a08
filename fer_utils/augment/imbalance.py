"""Ways to keep a classifier from ignoring FER-2013's rare classes.

FER-2013's training split holds 7,215 happy faces but only 436 disgusted ones.
A network trained on it as it is gets most of its loss from the common classes
and learns that "disgust" is rarely worth predicting. Three standard remedies,
all offered here, change how much each class contributes to training:

* **Class weights** (:func:`class_weights`, :func:`class_balanced_weights`)
  multiply each sample's loss by a weight of its class, passed to
  ``model.fit(class_weight=...)``. The data and the epoch stay as they are, so
  this is the cheapest remedy and the first to try. Its drawback: a rare class
  is seen just as rarely, only with larger gradients, so very large weights
  (disgust gets about 9.4) make training noisier and can overshoot, making the
  model predict the rare class too often. The class-balanced variant of Cui et
  al. tempers the weights for exactly this reason.
* **Oversampling** (:func:`oversampling_weights`, :func:`oversample_indices`,
  and the training pipeline) draw the training stream so that every class comes
  up equally often, repeating rare images. Every batch then holds all classes
  and the gradients stay of ordinary size, but the few rare images are seen
  many times each, so the model can memorise them; it pays off together with
  data augmentation, which makes every repetition a slightly different image.
* **Focal loss** (:func:`focal_loss`) weights each *sample* by how badly the
  model still gets it, ``(1 - p)^gamma``, instead of by its class. Easy
  examples, which in an imbalanced set are mostly from the common classes,
  fade out of the loss on their own as training goes on. It needs no class
  counts and also helps with hard examples inside common classes (a frowning
  but neutral face); its optional ``alpha`` combines it with class weights.

Whatever the remedy, judge it on per-class recall or macro-F1 on the
validation split: accuracy alone rewards ignoring the rare classes.
"""

from __future__ import annotations


import keras
import numpy as np
import pandas as pd
from keras import ops
from sklearn.utils.class_weight import compute_class_weight

from fer_utils.data.labels import DISPLAY_NAMES, EMOTIONS, NUM_CLASSES


def _class_counts(labels) -> np.ndarray:
    """Images per class of a label array, refusing labels outside FER-2013's 0..6."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be a 1-D integer array, got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise ValueError(f"labels must lie in 0..{NUM_CLASSES - 1}")
    return np.bincount(labels, minlength=NUM_CLASSES)


def _require_every_class(counts: np.ndarray) -> None:
    """A class without images can be neither weighted nor resampled: say which one."""
    missing = [EMOTIONS[c] for c in np.flatnonzero(counts == 0)]
    if missing:
        raise ValueError(
            f"no images of {', '.join(missing)} in the labels; every one of the "
            f"{NUM_CLASSES} emotions needs at least one to balance the classes"
        )


def class_weights(labels) -> dict[int, float]:
    """The "balanced" weight of each class, in the form ``model.fit(class_weight=...)`` wants.

    The weight of class c is ``n_samples / (n_classes * count_c)``: a class of
    average size gets 1, a class half that size 2, and every class then adds
    the same total weight to an epoch's loss. Computed by scikit-learn's
    ``compute_class_weight('balanced', ...)``, as in the seed report, and
    returned as ``{class index: weight}`` with Python ``int`` keys 0..6 in
    label order and ``float`` values, because Keras expects exactly that.

    Raises a ValueError naming the emotion when a class has no images, instead
    of scikit-learn's message about the classes not matching.
    """
    labels = np.asarray(labels)
    _require_every_class(_class_counts(labels))
    weights = compute_class_weight("balanced", classes=np.arange(NUM_CLASSES), y=labels)
    return {int(c): float(w) for c, w in enumerate(weights)}


def class_weight_table(**named_labels) -> pd.DataFrame:
    """Counts and balanced class weights of several labellings, side by side.

    Each keyword names one label array, for example
    ``class_weight_table(raw=train_labels, flip_balanced=augmented_labels)``
    to show how the seed report's flip augmentation of the non-happy classes
    changes the weights. Rows are the emotions (display names); the columns
    are a two-level index ``(labelling, "count" | "weight")``.
    """
    if not named_labels:
        raise ValueError("give at least one labelling, e.g. class_weight_table(raw=labels)")
    columns = {}
    for name, labels in named_labels.items():
        columns[(name, "count")] = _class_counts(labels)
        columns[(name, "weight")] = list(class_weights(labels).values())
    table = pd.DataFrame(columns, index=pd.Index(DISPLAY_NAMES, name="emotion"))
    table.columns.names = ["labelling", None]
    return table


def oversampling_weights(labels) -> np.ndarray:
    """Per-sample probabilities under which every class is drawn equally often.

    Sample i gets ``1 / (n_classes * count of its class)``. The probabilities
    sum to 1 and those of each class to ``1 / n_classes``, so drawing samples
    with them (``rng.choice(len(labels), p=...)``, or any weighted sampler)
    yields each emotion 1/7 of the time, rare ones by repetition.
    """
    counts = _class_counts(labels)
    _require_every_class(counts)
    return 1.0 / (NUM_CLASSES * counts[np.asarray(labels)])


def oversample_indices(labels, n: int, rng) -> np.ndarray:
    """``n`` sample indices, shuffled, with the classes as equal as ``n`` allows.

    Each class gets ``n // 7`` draws, the remainder going to randomly chosen
    classes one draw each, so class counts differ by at most one rather than
    by random fluctuation. Within a class the images are drawn with
    replacement. ``rng`` is a seed or a ``numpy.random.Generator``; the same
    seed gives the same indices.
    """
    counts = _class_counts(labels)
    _require_every_class(counts)
    rng = np.random.default_rng(rng)
    per_class = np.full(NUM_CLASSES, n // NUM_CLASSES)
    per_class[rng.choice(NUM_CLASSES, size=n % NUM_CLASSES, replace=False)] += 1
    members = [np.flatnonzero(np.asarray(labels) == c) for c in range(NUM_CLASSES)]
    drawn = np.concatenate([rng.choice(m, size=k) for m, k in zip(members, per_class)])
    return rng.permutation(drawn)


def class_balanced_weights(labels, beta: float = 0.999) -> dict[int, float]:
    """Class weights from the "effective number of samples" (Cui et al., CVPR 2019).

    Extra images of a class add less and less new information, so a class of
    ``n_c`` images counts as ``(1 - beta^n_c) / (1 - beta)`` effective images,
    and its weight is the inverse, ``(1 - beta) / (1 - beta^n_c)``, rescaled so
    the weights sum to the number of classes. ``beta`` moves between no
    reweighting (``beta = 0``: all weights 1) and inverse class frequency
    (``beta -> 1``: proportional to :func:`class_weights`); 0.999 gives
    milder weights than the balanced ones, whose large disgust weight can make
    training unstable. Returned as the ``{class index: weight}`` dict Keras
    takes, and usable as the ``alpha`` of :func:`focal_loss`.
    """
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"beta must lie in [0, 1), got {beta}")
    counts = _class_counts(labels)
    _require_every_class(counts)
    weights = (1.0 - beta) / (1.0 - beta ** counts.astype(float))
    weights *= NUM_CLASSES / weights.sum()
    return {int(c): float(w) for c, w in enumerate(weights)}


@keras.saving.register_keras_serializable(package="fer_utils")
class FocalLoss(keras.losses.Loss):
    """Focal loss (Lin et al., ICCV 2017) for integer labels and softmax outputs.

    With ``p`` the predicted probability of the true class, the loss of a
    sample is ``-alpha[y] * (1 - p)^gamma * log(p)``: cross-entropy scaled
    down for samples the model already gets right, by the factor
    ``(1 - p)^gamma``. ``gamma = 0`` without ``alpha`` is exactly sparse
    categorical cross-entropy (the same clipping is used). ``alpha`` holds
    optional per-class weights, an array in class order or a ``{class: weight}``
    dict such as :func:`class_balanced_weights` returns.

    Registered with Keras under ``fer_utils>FocalLoss``, so a model saved
    with it reloads with ``keras.models.load_model`` once this module is imported.
    """

    def __init__(self, gamma=2.0, alpha=None, name="focal_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        if gamma < 0:
            raise ValueError(f"gamma must be non-negative, got {gamma}")
        if isinstance(alpha, dict):
            alpha = [alpha[c] for c in sorted(alpha)]
        if alpha is not None:
            alpha = np.asarray(alpha, dtype=float)
            if alpha.ndim != 1 or np.any(alpha < 0) or not np.all(np.isfinite(alpha)):
                raise ValueError("alpha must be a 1-D array of non-negative class weights")
            alpha = alpha.tolist()
        self.gamma = float(gamma)
        self.alpha = alpha

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        if len(y_true.shape) == len(y_pred.shape):
            y_true = ops.squeeze(y_true, axis=-1)
        cross_entropy = ops.sparse_categorical_crossentropy(y_true, y_pred)
        p_true = ops.exp(-cross_entropy)
        loss = ops.power(1.0 - p_true, self.gamma) * cross_entropy
        if self.alpha is not None:
            if y_pred.shape[-1] is not None and y_pred.shape[-1] != len(self.alpha):
                raise ValueError(
                    f"alpha has {len(self.alpha)} class weights for {y_pred.shape[-1]} classes"
                )
            loss = loss * ops.take(ops.convert_to_tensor(self.alpha, dtype=loss.dtype), y_true)
        return loss

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma, "alpha": self.alpha}


def focal_loss(gamma: float = 2.0, alpha=None) -> FocalLoss:
    """A :class:`FocalLoss` for ``model.compile(loss=...)``.

    ``gamma = 2`` is the value Lin et al. found best; higher values discount
    easy samples more strongly. See :class:`FocalLoss` for ``alpha``.
    """
    return FocalLoss(gamma=gamma, alpha=alpha)
