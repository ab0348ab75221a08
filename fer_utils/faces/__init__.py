"""Faces in ordinary photos and videos: finding them, reading their emotion with
the shipped reference model (:mod:`~fer_utils.faces.reference`) or any saved
network, and drawing the result."""

from fer_utils.faces.reading import *  # noqa: F401,F403
