"""Helpers for the notebook report on facial expression recognition with CNNs.

The notebooks import what they need from the submodules, whose names say what
they hold: ``labels``, ``dataset``, ``loaders``, ``discovery``, ``synthetic``,
``profiles``, ``describe``, ``audit``, ``plots``, ``report``.
"""

from .dataset import FaceDataset
from .discovery import load_dataset
from .labels import DISPLAY_NAMES, EMOTIONS
from .profiles import active_profile

__version__ = "0.1.0"
__all__ = ["DISPLAY_NAMES", "EMOTIONS", "FaceDataset", "active_profile", "load_dataset"]
