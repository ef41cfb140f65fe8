"""The same sweep gives the same rows whatever runs it: serial, threads or processes, any job count."""

from __future__ import annotations

import pandas as pd
import pytest
import teardown as td
from sweep_fixtures import BASE, GRID  # noqa: E402
from teardown import executors
from teardown.executors import Task, execute
from teardown.sweep import sweep


def without_wall_time(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.drop(columns="wall_s")


@pytest.fixture(scope="module")
def serial_rows() -> pd.DataFrame:
    return sweep(BASE, grid=GRID, replications=2, progress=False)


@pytest.mark.parametrize(
    ("executor", "jobs"),
    [("serial", 1), ("threads", 1), ("threads", 2), ("processes", 1), ("processes", 2)],
)
def test_every_local_executor_gives_identical_rows(serial_rows, executor, jobs):
    rows = sweep(BASE, grid=GRID, replications=2, executor=executor, jobs=jobs, progress=False)
    pd.testing.assert_frame_equal(without_wall_time(rows), without_wall_time(serial_rows))


def test_threads_run_sweeps_in_parallel_with_other_threads_work(serial_rows):
    """td.run releases the GIL: many threads on few cores still finish every run, in order."""
    rows = sweep(BASE, grid=GRID, replications=2, executor="threads", jobs=8, progress=False)
    assert rows[["point", "replication"]].equals(serial_rows[["point", "replication"]])


def test_execute_yields_each_task_once_whatever_the_completion_order():
    scenario = td.Scenario(BASE)
    tasks = [Task(p, 0, 1, scenario.to_dict(), scenario.hash()) for p in range(6)]
    outputs = list(execute(tasks, "threads", 3))
    assert sorted(o["point"] for o in outputs) == list(range(6))
    assert {o["metrics"]["requests.started"] for o in outputs} == {outputs[0]["metrics"]["requests.started"]}


def test_a_failing_run_names_its_point(monkeypatch):
    real_run = td.run

    def fail(scenario, **kwargs):
        if scenario["backends"]["workers"] == 2:
            raise RuntimeError("the model broke")
        return real_run(scenario, **kwargs)

    monkeypatch.setattr(td, "run", fail)
    with pytest.raises(RuntimeError, match="sweep point 1 replication 0 failed: the model broke"):
        sweep(BASE, points=[{}, {"backends.workers": 2}], replications=1, progress=False)


@pytest.mark.parametrize(
    ("executor", "jobs", "message"),
    [
        ("gpu", None, "executor must be one of serial, threads, processes"),
        ("serial", 4, "jobs=4 needs executor='threads' or 'processes'"),
        ("threads", 0, "jobs must be a positive integer"),
        (42, None, "executor must be a name, a scheduler address or a distributed.Client"),
    ],
)
def test_unusable_executors_are_refused(executor, jobs, message):
    with pytest.raises(ValueError, match=message):
        executors.check_executor(executor, jobs)


def test_processes_never_fork_a_threaded_parent():
    assert executors._safe_context().get_start_method() in ("forkserver", "spawn")
