"""Helpers for the notebook report on facial expression recognition with CNNs.

The package is layered; each layer imports only the ones above it in this list:

* :mod:`~fer_utils.config` and :mod:`~fer_utils.errors`: profiles, ``FER_*``
  settings, the package's errors;
* :mod:`~fer_utils.data`: labels, the dataset, its loaders, cache and audit;
* :mod:`~fer_utils.augment`: transforms, Keras augmentation layers, class
  imbalance, the tf.data input pipeline;
* :mod:`~fer_utils.nets`: NumPy building blocks, shared network parts, one
  module per network family, the registry;
* :mod:`~fer_utils.engine`: training runs, evaluation, explanation, ensembles;
* :mod:`~fer_utils.faces`: faces in photos and videos, the shipped reference model;
* :mod:`~fer_utils.studies`: the experiments the chapters run;
* :mod:`~fer_utils.figures`: one plotting style, one module per chapter;
* :mod:`~fer_utils.book` and :mod:`~fer_utils.cli`: building the report, the command line.

:mod:`~fer_utils.machine` describes the computer a result was produced on.
"""

import os

# TensorFlow's C++ start-up notices (CPU features, oneDNN) would land in every
# notebook's output; warnings and errors still show. A user's own setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from fer_utils.config import active_profile  # noqa: E402
from fer_utils.data.dataset import FaceDataset  # noqa: E402
from fer_utils.data.discovery import chapter_data, load_dataset  # noqa: E402
from fer_utils.data.labels import DISPLAY_NAMES, EMOTIONS  # noqa: E402

__version__ = "0.1.0"
__all__ = ["DISPLAY_NAMES", "EMOTIONS", "FaceDataset", "active_profile", "chapter_data", "load_dataset"]
