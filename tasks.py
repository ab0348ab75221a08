#!/usr/bin/env python3
"""Set up and run the project with nothing installed but Python 3.11.

    python3 tasks.py report   # set up .venv, run every notebook, build report/build/fer-report.pdf/.html
    python3 tasks.py report --export-only   # only rebuild the PDF/HTML from the executed notebooks
    python3 tasks.py test     # set up .venv, then the full test suite (smoke profile), as CI runs it
    python3 tasks.py test --quick   # the quick subset: pytest -m "not slow"
    python3 tasks.py setup    # only create/update .venv
    python3 tasks.py lab      # set up .venv, then open the chapters (notebooks/) in JupyterLab

`test` runs pytest with FER_PROFILE=smoke; anything after `test` (or after
`--quick`) goes to pytest. The two test commands are, in .venv's pytest:

    FER_PROFILE=smoke .venv/bin/python -m pytest                  # full: what CI runs
    FER_PROFILE=smoke .venv/bin/python -m pytest -m "not slow"    # quick

The full run executes every chapter exactly once (tests/test_report.py: one
test per code cell, with the checks nbval made, and the smoke-profile book
built from that same run) besides the unit tests. The quick subset leaves out
the tests marked `slow`: executing the chapters, building the book, and the
unit tests that take more than a few seconds (tests/conftest.py lists them).
`-k 02_augmentation` executes only that chapter.

`lab` starts .venv's JupyterLab on notebooks/; its kernel "Python 3" (the
chapters' kernel, `python3`) is .venv's Python. Anything after `lab` goes to
`jupyter lab` (`--no-browser`, `--port 8899`, ...); Ctrl-C twice stops it.

The virtual environment lives in .venv/ inside the checkout. It is (re)installed
from requirements.txt whenever that file changes, so a pull that changes a pin
takes effect on the next run. Only the standard library is used here.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
NOTEBOOKS = ROOT / "notebooks"
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / "requirements.sha1"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def setup() -> Path:
    """Create .venv and install requirements.txt plus this package (editable)."""
    if sys.version_info[:2] < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    wanted = hashlib.sha1(REQUIREMENTS.read_bytes() + (ROOT / "pyproject.toml").read_bytes())
    if venv_python().exists() and STAMP.exists() and STAMP.read_text() == wanted.hexdigest():
        return venv_python()
    if not venv_python().exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    python = str(venv_python())
    run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([python, "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)])
    run([python, "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(ROOT)])
    STAMP.write_text(wanted.hexdigest())
    return venv_python()


def run(command: list[str], env: dict | None = None) -> None:
    print("$", " ".join(command), flush=True)
    result = subprocess.run(command, cwd=ROOT, env=env)
    if result.returncode:
        sys.exit(result.returncode)


def lab_command(python: Path, extra: list[str]) -> tuple[list[str], dict[str, str]]:
    """The command that opens JupyterLab on notebooks/ with the project's kernel, and its environment.

    The chapters name the kernel ``python3``. Run by .venv's Python, JupyterLab
    finds that kernel in .venv first (``JUPYTER_PREFER_ENV_PATH``, ahead of any
    ``python3`` kernel in the user's own Jupyter folders) and starts it with its
    own interpreter, so the kernel is .venv's Python with the pinned packages and
    fer_utils. .venv's scripts come first on the PATH (``!fer-utils info`` in a cell).
    """
    command = [str(python), "-m", "jupyterlab", f"--ServerApp.root_dir={NOTEBOOKS}", *extra]
    env = {
        **os.environ,
        "VIRTUAL_ENV": str(VENV),
        "PATH": os.pathsep.join([str(python.parent), os.environ.get("PATH", "")]),
        "JUPYTER_PREFER_ENV_PATH": "1",
    }
    return command, env


def lab(extra: list[str]) -> None:
    """Set up .venv if needed, then JupyterLab in the foreground until it stops."""
    command, env = lab_command(setup(), extra)
    print("$", " ".join(command), flush=True)
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    while True:
        try:
            code = server.wait()
            break
        except KeyboardInterrupt:  # Jupyter has it too: it asks, and a second Ctrl-C stops it and its kernels
            continue
    if code:
        sys.exit(code)


def main() -> None:
    task = sys.argv[1] if len(sys.argv) > 1 else "help"
    extra = sys.argv[2:]
    if task == "setup":
        setup()
    elif task == "lab":
        lab(extra)
    elif task == "report":
        run([str(setup()), "-m", "fer_utils", "report", *extra])
    elif task == "test":
        env = {**os.environ, "FER_PROFILE": "smoke"}
        if "--quick" in extra:
            extra = ["-m", "not slow", *(arg for arg in extra if arg != "--quick")]
        run([str(setup()), "-m", "pytest", *extra], env=env)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
