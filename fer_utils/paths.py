"""Where the project keeps its figures, located the same way from notebooks, tests and the CLI."""

from __future__ import annotations

import os
from pathlib import Path

FIGURES_ENV = "FER_FIGURES_DIR"


def project_root() -> Path:
    """The checkout this code runs in: the nearest folder above the working
    directory (or above this package) holding both ``fer_utils/`` and ``notebooks/``.
    Falls back to the working directory for an installed copy used elsewhere."""
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "fer_utils").is_dir() and (folder / "notebooks").is_dir():
                return folder
    return Path.cwd()


def figures_dir() -> Path:
    """``$FER_FIGURES_DIR``, else ``figures/`` of the project (created on demand)."""
    folder = Path(os.environ.get(FIGURES_ENV) or project_root() / "figures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
