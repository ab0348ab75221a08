"""Keeps figures drawn during a test run (unit tests and nbval) out of figures/."""

import os
import tempfile

from fer_utils.paths import FIGURES_ENV


def pytest_configure(config):
    if not os.environ.get(FIGURES_ENV):
        os.environ[FIGURES_ENV] = tempfile.mkdtemp(prefix="fer-figures-")
