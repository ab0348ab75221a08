"""Running the chapters: every notebook in order, with the active profile and data.

Papermill executes each notebook into ``report/build/notebooks/`` and injects
the ``profile`` and ``data`` parameters; a failing cell stops the run with the
notebook and cell named.
"""

from __future__ import annotations

import time
from pathlib import Path

from .paths import project_root
from .profiles import active_profile


def notebook_paths(folder: Path | None = None) -> list[Path]:
    """The chapters, in the order their numbered names give."""
    folder = folder or project_root() / "notebooks"
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def run_notebooks(
    profile: str | None = None, data: str | None = None, output_dir: Path | None = None
) -> list[tuple[Path, float]]:
    """Execute every chapter; returns each executed notebook with its run time in seconds."""
    import papermill  # imported here: the rest of the package does not need Jupyter

    chosen = active_profile(profile)
    output_dir = Path(output_dir or project_root() / "report" / "build" / "notebooks")
    output_dir.mkdir(parents=True, exist_ok=True)
    data = str(Path(data).resolve()) if data else None
    results = []
    for notebook in notebook_paths():
        target = output_dir / notebook.name
        print(f"running {notebook.name} (profile {chosen.name})", flush=True)
        started = time.perf_counter()
        papermill.execute_notebook(
            notebook,
            target,
            parameters={"profile": chosen.name, "data": data},
            cwd=notebook.parent,
            progress_bar=False,
        )
        results.append((target, time.perf_counter() - started))
        print(f"  wrote {target} in {results[-1][1]:.1f} s", flush=True)
    return results
