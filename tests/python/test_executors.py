"""The same sweep gives the same rows whatever runs it: serial, threads or processes, any job count."""

from __future__ import annotations

from collections import deque

import pandas as pd
import pytest
import teardown as td
from sweep_fixtures import BASE, GRID  # noqa: E402
from teardown import executors
from teardown.executors import Batches, Task, execute
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


@pytest.mark.parametrize(("executor", "jobs"), [("serial", None), ("threads", 1)])
def test_a_failing_run_names_its_point(monkeypatch, executor, jobs):
    """Serially, and in the middle of a batch (threads run the same batches as processes)."""
    real_run = td.run

    def fail(scenario, **kwargs):
        if scenario["backends"]["workers"] == 2:
            raise RuntimeError("the model broke")
        return real_run(scenario, **kwargs)

    monkeypatch.setattr(td, "run", fail)
    points = [{}] * 5 + [{"backends.workers": 2}] + [{}] * 5
    with pytest.raises(RuntimeError, match="sweep point 5 replication 0 failed: the model broke"):
        sweep(BASE, points=points, replications=1, executor=executor, jobs=jobs, progress=False)


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


# --- batches --------------------------------------------------------------------------------


def fake_tasks(n: int) -> list[Task]:
    return [Task(i, 0, 1, {}, "") for i in range(n)]


def test_batches_time_the_first_runs_alone_then_hold_about_batch_seconds_of_runs(monkeypatch):
    monkeypatch.setattr(executors, "BATCH_SECONDS", 0.1)
    batches = Batches(fake_tasks(1000), workers=2)
    first = [batches.next() for _ in range(4)]
    assert [len(b) for b in first] == [1, 1, 1, 1]  # nothing timed yet
    batches.done([{"wall_s": 0.01}, {"wall_s": 0.03}])  # 20 ms a run: 5 runs make 0.1 s
    assert len(batches.next()) == 5


def test_the_last_batches_shrink_so_that_every_worker_finishes_together():
    batches = Batches(fake_tasks(100), workers=2)
    batches.done([{"wall_s": 1e-6}])  # runs so short that only the share of what is left limits a batch
    sizes = []
    while batches:
        sizes.append(len(batches.next()))
    assert sizes[0] == 25  # a quarter of what is left: two workers, two batches each in flight
    assert sizes == sorted(sizes, reverse=True) and sizes[-4:] == [1, 1, 1, 1]
    assert sum(sizes) == 100


def test_a_run_longer_than_a_batch_travels_alone():
    batches = Batches(fake_tasks(50), workers=1)
    batches.done([{"wall_s": 2 * executors.BATCH_SECONDS}])
    assert all(len(batches.next()) == 1 for _ in range(10))


def test_batches_hand_out_every_task_once_in_plan_order():
    tasks = fake_tasks(37)
    batches = Batches(tasks, workers=3)
    handed = []
    while batches:
        batch = batches.next()
        handed += batch
        batches.done([{"wall_s": 0.001} for _ in batch])
    assert handed == tasks


def test_batches_in_flight_follow_a_cluster_that_gains_workers():
    """Two batches per worker in flight; the count is asked again as each batch comes back."""
    queue: deque = deque()
    seen = []

    class Done:
        def __init__(self, batch):
            self.batch = batch

        def result(self):
            return [{"wall_s": 1.0} for _ in self.batch]  # long runs: one to a batch

    def completed():
        while queue:
            seen.append(len(queue))
            yield queue.popleft()

    batches = Batches(fake_tasks(40), workers=1)
    outputs = list(batches.stream(lambda batch: queue.append(Done(batch)), completed, lambda: 3))
    assert len(outputs) == 40
    assert seen[0] == 2 and max(seen) == 6


@pytest.mark.parametrize(("executor", "jobs"), [("processes", 2), ("threads", 2)])
def test_a_sweep_run_in_batches_gives_the_serial_rows(monkeypatch, executor, jobs):
    """Many short runs: after the first, each worker call runs several; the rows do not change."""
    sizes = []
    next_batch = Batches.next
    monkeypatch.setattr(Batches, "next", lambda self: sizes.append(len(b := next_batch(self))) or b)
    rows = sweep(BASE, grid=GRID, replications=6, executor=executor, jobs=jobs, progress=False)
    assert max(sizes) > 1 and sum(sizes) == 4 * 6
    serial = sweep(BASE, grid=GRID, replications=6, progress=False)
    pd.testing.assert_frame_equal(without_wall_time(rows), without_wall_time(serial))
