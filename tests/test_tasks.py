"""tasks.py, the student's way in: `python3 tasks.py lab` opens the chapters in JupyterLab
with the project's kernel. No server is started here: the command is checked, and the
kernel it would start is resolved as JupyterLab resolves it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fer_utils.config import project_root


@pytest.fixture
def tasks(monkeypatch):
    """tasks.py as a module, its set-up of .venv replaced (no install while the tests run)."""
    spec = importlib.util.spec_from_file_location("tasks", project_root() / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []
    python = module.VENV / "bin" / "python"
    monkeypatch.setattr(module, "setup", lambda: calls.append("setup") or python)
    module.setup_calls, module.fake_python = calls, python
    return module


class FakeServer:
    """Popen for JupyterLab: records the call; ``wait`` raises the given interrupts, then returns ``code``."""

    def __init__(self, interrupts: int = 0, code: int = 0):
        self.interrupts, self.code, self.calls = interrupts, code, []

    def __call__(self, command, **kwargs):
        self.calls.append((command, kwargs))
        return self

    def wait(self):
        if self.interrupts:
            self.interrupts -= 1
            raise KeyboardInterrupt
        return self.code


def test_lab_sets_up_the_environment_then_opens_jupyterlab_on_the_notebooks(tasks, monkeypatch):
    server = FakeServer()
    monkeypatch.setattr(subprocess, "Popen", server)
    monkeypatch.setattr(sys, "argv", ["tasks.py", "lab", "--no-browser", "--port", "8899"])
    tasks.main()
    assert tasks.setup_calls == ["setup"]
    [(command, options)] = server.calls
    assert command == [str(tasks.fake_python), "-m", "jupyterlab",
                       f"--ServerApp.root_dir={project_root() / 'notebooks'}", "--no-browser", "--port", "8899"]
    assert options["cwd"] == tasks.ROOT
    env = options["env"]
    assert env["JUPYTER_PREFER_ENV_PATH"] == "1" and env["VIRTUAL_ENV"] == str(tasks.VENV)
    assert env["PATH"].split(os.pathsep)[0] == str(tasks.fake_python.parent)


def test_ctrl_c_is_left_to_jupyterlab_and_its_exit_code_is_passed_on(tasks, monkeypatch):
    server = FakeServer(interrupts=2, code=3)
    monkeypatch.setattr(subprocess, "Popen", server)
    with pytest.raises(SystemExit) as stopped:
        tasks.lab([])
    assert stopped.value.code == 3 and server.interrupts == 0  # waited through both Ctrl-Cs


def test_make_lab_and_the_readme_use_the_task():
    assert "tasks.py lab $(LAB_ARGS)" in (project_root() / "Makefile").read_text()
    readme = (project_root() / "README.md").read_text()
    assert "python3 tasks.py lab" in readme and "jupyter lab notebooks/" not in readme


@pytest.mark.skipif(Path(sys.prefix).resolve() != (project_root() / ".venv").resolve(),
                    reason="the project's kernel is checked from .venv's Python")
def test_the_chapters_kernel_is_the_venvs_python(monkeypatch):
    """The kernel the chapters name (python3), as JupyterLab started by `tasks.py lab` starts it."""
    import nbformat
    from jupyter_client.manager import KernelManager

    names = {nbformat.read(path, as_version=4).metadata.kernelspec["name"]
             for path in sorted((project_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))}
    assert names == {"python3"}
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "1")
    manager = KernelManager(kernel_name="python3")
    assert Path(manager.kernel_spec.resource_dir).resolve().is_relative_to((project_root() / ".venv").resolve())
    assert manager.format_kernel_cmd()[0] == sys.executable
