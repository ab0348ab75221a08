"""The machine and software a result was produced on: for the book's appendix,
the reference model's card and the benchmarks' headers."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from fer_utils.config import project_root


def git_commit() -> str:
    """The checked-out commit, marked when the working tree has uncommitted changes."""
    try:
        git = ["git", "-C", str(project_root())]
        commit = subprocess.run([*git, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} (with uncommitted changes)" if dirty else commit


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            return subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True,
                                  text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            pass
    return platform.processor() or platform.machine()


def environment() -> dict:
    """Python, platform, CPU and the version of every package requirements.txt pins."""
    packages = {}
    requirements = project_root() / "requirements.txt"
    lines = requirements.read_text().splitlines() if requirements.exists() else []
    for line in lines:
        name = re.split(r"[=<>!~;\[ ]", line.strip(), maxsplit=1)[0]
        if name and not name.startswith("#"):
            try:
                packages[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                packages[name] = "not installed"
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": f"{cpu_name()}, {os.cpu_count()} logical cores",
        "packages": packages,
    }
