"""Helpers for the notebook report on facial expression recognition with CNNs.

The notebooks import what they need from the submodules, whose names say what
they hold: data (``labels``, ``dataset``, ``loaders``, ``cache``, ``discovery``,
``synthetic``, ``profiles``), chapter logic (``describe``, ``audit``,
``augmentation`` with ``augmentation_layers``, ``imbalance``, ``pipeline``,
``blocks``, ``sharpness``), networks (``models`` with the registry,
``network_parts``, ``networks``, ``random_architectures``, ``ensembles``),
training and judging (``training``, ``recipes``, ``tuning``, ``evaluation``,
``explain``, ``experiments``, ``artifacts``),
applications (``faces``, and ``reference``, the shipped model), presentation
(``plots``) and running (``report``, ``cli``).
"""

import os

# TensorFlow's C++ start-up notices (CPU features, oneDNN) would land in every
# notebook's output; warnings and errors still show. A user's own setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def prefer_onednn() -> None:
    """Switch TensorFlow's oneDNN kernels on for what starts TensorFlow after this
    call (this process, or the notebook kernels it launches), unless the user chose.

    TensorFlow enables them by default only on some Intel CPUs; on this project's
    2-core AMD laptop CPU they trained the baseline CNN 1.6 times faster
    (benchmarks/training_speed.py). The engine feeds only full training batches,
    which is what made oneDNN abort (DESIGN.md). Interactive notebooks keep
    TensorFlow's default: oneDNN announces itself on stderr in a way no setting
    silences, and only a kernel started without fd capture keeps that notice out
    of the notebook (see ``report.run_notebooks``).
    """
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

from .dataset import FaceDataset  # noqa: E402
from .discovery import load_dataset  # noqa: E402
from .labels import DISPLAY_NAMES, EMOTIONS  # noqa: E402
from .profiles import active_profile  # noqa: E402

__version__ = "0.1.0"
__all__ = ["DISPLAY_NAMES", "EMOTIONS", "FaceDataset", "active_profile", "load_dataset"]
