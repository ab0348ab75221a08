"""Keeps what a test run writes out of figures/ and artifacts/: the unit tests' files and
those of the chapters tests/test_report.py executes (their kernels inherit these variables).
"""

import os
import tempfile

from fer_utils.config import ARTIFACTS_ENV
from fer_utils.config import FIGURES_ENV


def pytest_configure(config):
    for variable in (FIGURES_ENV, ARTIFACTS_ENV):
        if not os.environ.get(variable):
            os.environ[variable] = tempfile.mkdtemp(prefix="fer-test-")
