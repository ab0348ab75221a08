"""Every figure of the book: one style, one module per chapter.

* :mod:`~fer_utils.figures.style`: the look, the data stamp, tables (:func:`styled`, :func:`captioned`),
  :func:`save_figure`;
* :mod:`~fer_utils.figures.dataset` (chapter 1), :mod:`~fer_utils.figures.augmentation` (2),
  :mod:`~fer_utils.figures.imbalance` (3), :mod:`~fer_utils.figures.blocks` (4),
  :mod:`~fer_utils.figures.training` (5), :mod:`~fer_utils.figures.tuning` (6),
  :mod:`~fer_utils.figures.evaluation` (7), :mod:`~fer_utils.figures.architectures` (8),
  :mod:`~fer_utils.figures.faces` (9), :mod:`~fer_utils.figures.recipe` (10).

Every ``plot_*`` function draws where it is told, like scikit-learn's
``Display.plot``: on ``ax`` when it draws one panel, in ``fig`` (a Figure or a
SubFigure) when it draws several, on a new figure when that is None; it returns
the figure. Saving is the caller's step::

    from fer_utils import figures

    fig = figures.plot_class_counts(dataset)
    figures.save_figure(fig, "01_class_counts")
"""

from fer_utils.figures.architectures import plot_architecture_bubbles
from fer_utils.figures.augmentation import (
    plot_augmentation_draws,
    plot_augmentation_strengths,
    plot_flip_balance,
    plot_transforms,
)
from fer_utils.figures.blocks import (
    plot_batch_norm_modes,
    plot_block_steps,
    plot_convolution_example,
    plot_feature_maps,
    plot_stride_padding,
)
from fer_utils.figures.dataset import (
    plot_audit_examples,
    plot_brightness,
    plot_class_counts,
    plot_example_faces,
    plot_mean_faces,
    plot_sharpness,
)
from fer_utils.figures.evaluation import (
    SHORT_NAMES,
    plot_confusion_matrix,
    plot_gradcam_grid,
    plot_misclassified,
    plot_reliability,
    plot_tsne,
)
from fer_utils.figures.faces import (
    PhotoSource, plot_crops, plot_detections, plot_face_probabilities, plot_faces, plot_video_emotions,
)
from fer_utils.figures.imbalance import plot_class_weights, plot_recall_by_strategy
from fer_utils.figures.recipe import plot_accuracy_vs_time, styled_ablation
from fer_utils.figures.style import (
    DPI, PALETTE, SPLIT_TITLES, Table, captioned, photos_as_jpeg, save_figure, stamp, styled, use_style,
)
from fer_utils.figures.training import plot_learning_curves, plot_training_curves
from fer_utils.figures.tuning import plot_search_progress

__all__ = [
    # the style, tables, saving
    "DPI", "PALETTE", "SHORT_NAMES", "SPLIT_TITLES", "PhotoSource", "Table", "captioned", "photos_as_jpeg", "save_figure",
    "stamp", "styled", "use_style",
    # chapter 1
    "plot_audit_examples", "plot_brightness", "plot_class_counts", "plot_example_faces", "plot_mean_faces",
    "plot_sharpness",
    # chapters 2 to 4
    "plot_augmentation_draws", "plot_augmentation_strengths", "plot_flip_balance", "plot_transforms",
    "plot_class_weights", "plot_recall_by_strategy",
    "plot_batch_norm_modes", "plot_block_steps", "plot_convolution_example", "plot_feature_maps",
    "plot_stride_padding",
    # chapters 5 to 7
    "plot_learning_curves", "plot_training_curves",
    "plot_search_progress",
    "plot_confusion_matrix", "plot_gradcam_grid", "plot_misclassified", "plot_reliability", "plot_tsne",
    # chapters 8 to 10
    "plot_architecture_bubbles",
    "plot_crops", "plot_detections", "plot_face_probabilities", "plot_faces", "plot_video_emotions",
    "plot_accuracy_vs_time", "styled_ablation",
]
