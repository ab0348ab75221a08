"""Shared fixtures: isolated caches, a world without data, and the real data when given."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REAL_DATA_ENV = "FER_DATA"


@pytest.fixture(autouse=True)
def isolated_outputs(tmp_path_factory, monkeypatch):
    """Keep the tests' caches, figures and artifacts out of the user's folders."""
    monkeypatch.setenv("FER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("FER_FIGURES_DIR", str(tmp_path_factory.getbasetemp() / "figures"))
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path_factory.getbasetemp() / "artifacts"))


@pytest.fixture
def no_real_data(monkeypatch, tmp_path):
    """A world without a dataset: no FER_DATA, and a project root with an empty data/."""
    monkeypatch.delenv("FER_DATA", raising=False)
    (tmp_path / "fer_utils").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def real_data() -> Path:
    """The real FER-2013 folder named by $FER_DATA, or a visible skip."""
    location = os.environ.get(REAL_DATA_ENV)
    if not location or not Path(location).is_dir():
        pytest.skip(f"real FER-2013 not available: set {REAL_DATA_ENV} to its folder")
    return Path(location)


@pytest.fixture(autouse=True)
def close_figures():
    """Figures a test drew are closed after it, so hundreds of tests do not pile them up."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="module")
def tiny_model():
    """A small CNN with seeded random weights: enough to exercise code that runs a model."""
    import keras

    from fer_utils.nets.plain import small_cnn

    keras.utils.set_random_seed(0)
    return small_cnn(filters=(8, 16))
