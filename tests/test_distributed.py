"""Beyond one process: the engine under ``MultiWorkerMirroredStrategy`` (``TF_CONFIG``) and a
keras-tuner search with a chief and two workers (``KERASTUNER_*``), all on localhost, each
ending with what one process gives.

The processes of a cluster wait for each other, so one that fails can leave the others
waiting forever: every process runs in a process group of its own, and :class:`Cluster`
kills every group still running when a test leaves it (passed, failed or interrupted).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest

from fer_utils.config import PROFILES
from fer_utils.data.synthetic import make_demo_dataset
from fer_utils.engine.training import cluster_workers, train
from fer_utils.studies import tuning
from fer_utils.studies.tuning import Search, TuningBudget, make_tuner, run_search, trials_table

SLOW_ONLY = pytest.mark.slow  # each starts two or three Python processes with TensorFlow: 30-90 s on 2 cores
LIMIT = 240
"""Seconds a cluster may run before it is killed and the test fails (they need well under half)."""
GRACE = 30
"""Seconds the others get to finish once one process of a cluster has failed (they may wait for it forever)."""
TOLERANCE = 1e-4
"""Relative difference allowed between the histories of two workers and of one process with two
replicas. Both sum the same gradients of the same images in float32, but the workers add them in a
ring across processes and the process adds its two devices' directly: sums in another order differ
in the last bits (about 1e-7 here), and training carries the difference on. A wrong split of the
data (every worker training on the whole global batch) moves the loss by percents."""


class Ended(NamedTuple):
    returncode: int | None
    """``None``: it was still running, and was killed."""
    stdout: str
    stderr: str

    def result(self) -> dict:
        """What the script printed on its ``RESULT`` line."""
        lines = [line for line in self.stdout.splitlines() if line.startswith("RESULT ")]
        assert self.returncode == 0 and lines, f"exit {self.returncode}: {self.stderr[-3000:]}"
        return json.loads(lines[-1].removeprefix("RESULT "))


class Cluster(contextlib.AbstractContextManager):
    """Processes started together, their output in files under ``logs``; leaving the
    ``with`` block kills every one still running, with its children."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.processes: dict[str, subprocess.Popen] = {}
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, command: list[str], environment: dict) -> None:
        with open(self.logs / f"{name}.out", "w") as out, open(self.logs / f"{name}.err", "w") as err:
            self.processes[name] = subprocess.Popen(
                command, env=environment, stdout=out, stderr=err, start_new_session=True
            )

    def wait(self) -> dict[str, Ended]:
        """Every process's end: all finish, or one fails and the others get :data:`GRACE`
        seconds, or :data:`LIMIT` passes; the ones still running are killed."""
        deadline, failed_at = time.monotonic() + LIMIT, None
        while any(process.poll() is None for process in self.processes.values()):
            now = time.monotonic()
            if failed_at is None and any(process.returncode for process in self.processes.values()):
                failed_at = now
            if now > deadline or (failed_at is not None and now > failed_at + GRACE):
                break
            time.sleep(0.2)
        self._kill()
        return {
            name: Ended(process.returncode if process.returncode != -signal.SIGKILL else None,
                        (self.logs / f"{name}.out").read_text(), (self.logs / f"{name}.err").read_text())
            for name, process in self.processes.items()
        }

    def _kill(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def __exit__(self, *exc):
        self._kill()


def free_ports(count: int) -> list[int]:
    """``count`` different TCP ports of localhost that nothing listens on (bound at once so
    that they differ, and released for the processes to take)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for each in sockets:
            each.bind(("127.0.0.1", 0))
        return [each.getsockname()[1] for each in sockets]
    finally:
        for each in sockets:
            each.close()


def environment(folder: Path, **extra) -> dict:
    """The environment of a launched process: its own artifacts, cache and temporary
    folders under ``folder``, no GPU (two processes on one machine would share it),
    and none of the caller's cluster settings."""
    inherited = {k: v for k, v in os.environ.items() if k != "TF_CONFIG" and not k.startswith("KERASTUNER_")}
    for name in ("artifacts", "cache", "tmp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        **inherited, "FER_ARTIFACTS_DIR": str(folder / "artifacts"), "FER_CACHE_DIR": str(folder / "cache"),
        "TMPDIR": str(folder / "tmp"), "CUDA_VISIBLE_DEVICES": "-1", **extra,
    }


def tf_config(ports: list[int], index: int) -> str:
    return json.dumps({"cluster": {"worker": [f"127.0.0.1:{port}" for port in ports]},
                       "task": {"type": "worker", "index": index}})


def history(result: dict) -> pd.DataFrame:
    return pd.DataFrame(result["history"]).set_index("epoch")


# --- the engine under MultiWorkerMirroredStrategy -----------------------------------------------

TRAIN_SCRIPT = """
    import json, os, sys
    if sys.argv[1] == "two-replicas":  # one process, two logical CPUs: MirroredStrategy
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from fer_utils.data.synthetic import make_demo_dataset
    from fer_utils.engine import training
    if sys.argv[1] == "die-after-first-epoch":  # as if killed right after the first commit
        commit = training._RunRecorder.on_epoch_end
        def commit_and_die(self, epoch, logs=None):
            commit(self, epoch, logs)
            os._exit(3)
        training._RunRecorder.on_epoch_end = commit_and_die
    epochs = 3 if sys.argv[1] == "three-epochs" else 2
    run = training.train("small_cnn", make_demo_dataset(400, seed=2), epochs=epochs, batch_size=16,
                         model_options={"filters": (8, 16)}, verbose=0)
    print("RESULT", json.dumps({
        "history": run.history.drop(columns="seconds").reset_index().to_dict("list"), "replicas": run.replicas,
        "directory": str(run.directory), "resumed_at": run.resumed_at, "from_cache": run.from_cache,
        "strategy": type(training.distribution_strategy()).__name__,
    }))
"""


def launch_workers(cluster: Cluster, script: Path, folders: tuple[Path, Path], *modes: str) -> None:
    """Two workers, each with its folder and its mode (by default both plain workers)."""
    ports = free_ports(2)
    for index, (folder, mode) in enumerate(zip(folders, modes or ("worker", "worker"))):
        cluster.start(f"worker{index}", [sys.executable, str(script), mode],
                      environment(folder, TF_CONFIG=tf_config(ports, index)))


@pytest.fixture(scope="module")
def engine_script(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scripts") / "train.py"
    path.write_text(textwrap.dedent(TRAIN_SCRIPT))
    return path


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, engine_script):
    """Two workers on one shared folder, and beside them one process with two replicas."""
    folder = tmp_path_factory.mktemp("two-workers")
    with Cluster(folder / "logs") as cluster:
        launch_workers(cluster, engine_script, (folder, folder))
        cluster.start("alone", [sys.executable, str(engine_script), "two-replicas"], environment(folder / "alone"))
        ended = cluster.wait()
    return folder, {name: end.result() for name, end in ended.items()}


@SLOW_ONLY
def test_two_workers_train_as_one_process_with_two_replicas(two_workers):
    folder, results = two_workers
    chief, other, alone = results["worker0"], results["worker1"], results["alone"]
    assert chief["strategy"] == "_MultiWorkerStrategy" and alone["strategy"] == "MirroredStrategy"
    assert chief["replicas"] == other["replicas"] == alone["replicas"] == 2
    pd.testing.assert_frame_equal(history(other), history(chief))  # both report the cluster's numbers
    assert list(history(chief).index) == [1, 2] and chief["resumed_at"] is None and not chief["from_cache"]
    pd.testing.assert_frame_equal(history(chief), history(alone), rtol=TOLERANCE)

    runs = list((folder / "artifacts").iterdir())  # only the chief wrote: one run, its files complete
    assert [str(run) for run in runs] == [chief["directory"]] == [other["directory"]]
    state = json.loads((runs[0] / "state.json").read_text())
    assert state["finished"] and state["epochs_done"] == 2 and state["replicas"] == 2
    names = {path.name for path in runs[0].iterdir()}
    assert {"config.json", "history.csv", "model.keras", "last-2.keras"} <= names
    assert not [name for name in names if "partial" in name]
    saved = pd.read_csv(runs[0] / "history.csv", index_col="epoch").drop(columns="seconds")
    pd.testing.assert_frame_equal(saved, history(chief), check_dtype=False)
    assert not list((folder / "tmp").iterdir())  # the other worker removed its temporary folder


@SLOW_ONLY
def test_a_killed_cluster_resumes_and_ends_as_an_uninterrupted_one(two_workers, engine_script, tmp_path):
    with Cluster(tmp_path / "logs-killed") as cluster:
        launch_workers(cluster, engine_script, (tmp_path, tmp_path), *["die-after-first-epoch"] * 2)
        killed = cluster.wait()
    assert [end.returncode for end in killed.values()] == [3, 3], killed["worker0"].stderr[-3000:]
    (state,) = (tmp_path / "artifacts").glob("*/state.json")
    assert json.loads(state.read_text())["epochs_done"] == 1

    with Cluster(tmp_path / "logs-resumed") as cluster:
        launch_workers(cluster, engine_script, (tmp_path, tmp_path))
        resumed = {name: end.result() for name, end in cluster.wait().items()}
    assert resumed["worker0"]["resumed_at"] == resumed["worker1"]["resumed_at"] == 1
    uninterrupted = history(two_workers[1]["worker0"])
    pd.testing.assert_frame_equal(history(resumed["worker0"]), uninterrupted, rtol=TOLERANCE)
    assert json.loads(state.read_text())["finished"]


@SLOW_ONLY
def test_workers_that_see_different_states_of_a_run_stop_with_one_error(two_workers, engine_script, tmp_path):
    """A worker without the chief's files (another machine, no shared folder) must not
    train beside a chief that loads the finished run: both stop, saying why."""
    shutil.copytree(two_workers[0] / "artifacts", tmp_path / "chief" / "artifacts")
    with Cluster(tmp_path / "logs") as cluster:
        launch_workers(cluster, engine_script, (tmp_path / "chief", tmp_path / "other"))
        ended = cluster.wait()
    for end in ended.values():
        assert end.returncode not in (0, None), end.stdout[-2000:]
        assert "find different states of this run (2 epochs (finished), nothing)" in end.stderr
        assert "shared mount" in end.stderr
    (run,) = (tmp_path / "chief" / "artifacts").iterdir()
    assert json.loads((run / "state.json").read_text())["finished"]  # the chief's run is untouched


@SLOW_ONLY
def test_workers_asked_for_different_runs_stop_before_training(engine_script, tmp_path):
    with Cluster(tmp_path / "logs") as cluster:
        launch_workers(cluster, engine_script, (tmp_path, tmp_path), "worker", "three-epochs")
        ended = cluster.wait()
    for end in ended.values():
        assert end.returncode not in (0, None), end.stdout[-2000:]
        assert "asked for different runs (other data or other settings)" in end.stderr
    assert not list((tmp_path / "artifacts").iterdir())  # a failed start leaves no run folder


@pytest.mark.parametrize("value, problem", [
    ("{not json", "JSON does not parse"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}}', '"task"'),
    ('{"cluster": {"worker": "a:1"}, "task": {"type": "worker", "index": 0}}', "list"),
    ('{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 2}}', "not one of"),
])
def test_a_malformed_tf_config_is_named(monkeypatch, value, problem):
    monkeypatch.setenv("TF_CONFIG", value)
    with pytest.raises(ValueError, match=r"\$TF_CONFIG") as error:
        cluster_workers()
    assert problem in str(error.value)


def test_workers_are_counted_from_tf_config(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert cluster_workers() == 0
    monkeypatch.setenv("TF_CONFIG", tf_config([1], 0))
    assert cluster_workers() == 1  # a cluster of one: trained as without TF_CONFIG
    monkeypatch.setenv("TF_CONFIG", json.dumps({
        "cluster": {"chief": ["a:1"], "worker": ["b:2", "c:3"], "evaluator": ["d:4"]},
        "task": {"type": "evaluator", "index": 0}}))
    assert cluster_workers() == 3  # an evaluator does not train


def test_a_cluster_refuses_the_precision_each_machine_would_measure(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", tf_config([1, 2], 0))
    with pytest.raises(ValueError, match="precision 'auto'.*give 'float32' or 'mixed_bfloat16'"):
        train("small_cnn", make_demo_dataset(40, seed=2), epochs=1, precision="auto", verbose=0)


# --- keras-tuner's chief and workers -------------------------------------------------------------

BUDGET = TuningBudget(
    trials=4, annealing_trials=4, epochs=1, annealing_epochs=(1, 3, 1), train_images=48, validation_images=24,
    batch_size=16, batch_sizes=(8, 16), repeats=2,
)
GRID = Search("tiny", "grid", {"learning_rate": (1e-3, 2e-3, 3e-3, 4e-3)}, model="small_cnn",
              fixed={"model_options": {"filters": (4,)}})
SEARCH_SCRIPT = """
    import json, os, sys, time
    from pathlib import Path
    from fer_utils.config import PROFILES
    from fer_utils.data.synthetic import make_demo_dataset
    from fer_utils.studies import tuning
    from fer_utils.studies.tuning import Search, TuningBudget, run_search, trials_table

    BUDGET = TuningBudget(**json.loads(sys.argv[2]))
    GRID = Search("tiny", "grid", {"learning_rate": (1e-3, 2e-3, 3e-3, 4e-3)}, model="small_cnn",
                  fixed={"model_options": {"filters": (4,)}})
    if tuning.tuning_role() == "worker":
        # Each worker holds its first trial until the other has one too, so that both
        # take part however fast either starts; then every trial is announced.
        started, train = Path(sys.argv[1]), tuning.training.train
        mine = started / os.environ["KERASTUNER_TUNER_ID"]
        def announced_train(*args, **settings):
            if not mine.exists():
                mine.touch()
                while len(list(started.iterdir())) < 2:
                    time.sleep(0.1)
            print("TRIAL", settings["learning_rate"], flush=True)
            return train(*args, **settings)
        tuning.training.train = announced_train
    tuner = run_search(GRID, make_demo_dataset(200, seed=5), PROFILES["smoke"], budget=BUDGET)
    if tuning.tuning_role() == "chief":
        print("RESULT", trials_table(tuner).drop(columns="wall_seconds").to_json(orient="records"))
"""


def comparable_trials(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["wall_seconds", "train_seconds"], errors="ignore").reset_index(drop=True)


@SLOW_ONLY
@pytest.mark.filterwarnings("ignore:getName\\(\\) is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:currentThread\\(\\) is deprecated:DeprecationWarning")
def test_a_chief_and_two_workers_search_as_one_process_does(tmp_path, monkeypatch):
    assert BUDGET.trials_for("grid") == len(GRID.space["learning_rate"])
    script, started = tmp_path / "search.py", tmp_path / "started"
    script.write_text(textwrap.dedent(SEARCH_SCRIPT))
    started.mkdir()
    (port,) = free_ports(1)
    shared = tmp_path / "cluster"
    with Cluster(tmp_path / "logs") as cluster:
        for name in ("chief", "tuner0", "tuner1"):
            cluster.start(name, [sys.executable, str(script), str(started), json.dumps(asdict(BUDGET))],
                          environment(shared, KERASTUNER_TUNER_ID=name, KERASTUNER_ORACLE_IP="127.0.0.1",
                                      KERASTUNER_ORACLE_PORT=str(port)))
        for name in ("TF_CONFIG", "KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path / "alone"))
        demo = make_demo_dataset(200, seed=5)
        alone = trials_table(run_search(GRID, demo, PROFILES["smoke"], budget=BUDGET))  # meanwhile, in this process
        ended = cluster.wait()

    chief = pd.DataFrame(ended["chief"].result())
    assert (chief["status"] == "COMPLETED").all() and len(chief) == 4
    assert list(chief["learning_rate"]) == list(alone["learning_rate"]) == list(GRID.space["learning_rate"])
    pd.testing.assert_frame_equal(comparable_trials(chief)[["val_loss", "val_accuracy", "best_epoch"]],
                                  comparable_trials(alone)[["val_loss", "val_accuracy", "best_epoch"]], rtol=1e-5)

    trained = {}
    for name in ("tuner0", "tuner1"):
        assert ended[name].returncode == 0, ended[name].stderr[-3000:]
        trained[name] = [float(line.split()[1]) for line in ended[name].stdout.splitlines() if line.startswith("TRIAL")]
    assert trained["tuner0"] and trained["tuner1"]  # both workers trained
    assert sorted(trained["tuner0"] + trained["tuner1"]) == list(GRID.space["learning_rate"])  # each trial once
    assert len(list((shared / "artifacts").glob("run-small_cnn-*"))) == 4  # the trials' engine runs

    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(shared / "artifacts"))  # the chief kept the search's state
    monkeypatch.setattr("fer_utils.engine.training._fit", lambda *a, **k: pytest.fail("trained again"))
    reloaded = trials_table(make_tuner(GRID, demo, PROFILES["smoke"], budget=BUDGET))
    pd.testing.assert_frame_equal(comparable_trials(reloaded), comparable_trials(chief), check_dtype=False)


def test_the_tuning_role_and_who_may_overwrite_a_search(monkeypatch, tmp_path):
    monkeypatch.setenv("FER_ARTIFACTS_DIR", str(tmp_path))
    for name in ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert tuning.tuning_role() is None
    demo = make_demo_dataset(200, seed=5)
    folder = Path(make_tuner(GRID, demo, PROFILES["smoke"], budget=BUDGET).project_dir)
    (folder / "kept").touch()
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", str(free_ports(1)[0]))
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "tuner1")
    assert tuning.tuning_role() == "worker"
    make_tuner(GRID, demo, PROFILES["smoke"], budget=BUDGET, overwrite=True)
    assert (folder / "kept").exists()  # a worker never deletes the chief's search
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "chief")
    assert tuning.tuning_role() == "chief"
    make_tuner(GRID, demo, PROFILES["smoke"], budget=BUDGET, overwrite=True)
    assert not (folder / "kept").exists()


def test_a_distributed_launch_of_the_chapter_names_one_search(monkeypatch, capsys):
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", "8000")
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "tuner0")
    with pytest.raises(SystemExit):
        tuning.main(["--profile", "smoke"])
    assert "one search per launch: give the same --search NAME" in capsys.readouterr().err
