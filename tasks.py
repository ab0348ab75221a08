#!/usr/bin/env python3
"""Set up and run the project with nothing installed but Python 3.11.

    python3 tasks.py report   # set up .venv, run every notebook, build report/build/fer-report.pdf/.html
    python3 tasks.py report --export-only   # only rebuild the PDF/HTML from the executed notebooks
    python3 tasks.py test     # set up .venv, then run the unit tests and nbval (smoke profile)
    python3 tasks.py setup    # only create/update .venv

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


def main() -> None:
    task = sys.argv[1] if len(sys.argv) > 1 else "help"
    extra = sys.argv[2:]
    if task == "setup":
        setup()
    elif task == "report":
        run([str(setup()), "-m", "fer_utils", "report", *extra])
    elif task == "test":
        env = {**os.environ, "FER_PROFILE": "smoke"}
        run([str(setup()), "-m", "pytest", *extra], env=env)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
