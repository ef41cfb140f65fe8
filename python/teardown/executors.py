"""Where the runs of a sweep execute: serially, on threads, on processes, or on a Dask cluster.

Every executor runs the same function, :func:`run_task`, on the same :class:`Task` values and
yields its outputs as they complete; the sweep puts them back in order. Nothing about a run
depends on where it ran, so results are identical whatever the executor and job count.

Pools and Dask get the tasks in batches (:func:`run_batch`, one round trip for many runs): the
first runs go one to a batch, which times them; later batches hold about ``BATCH_SECONDS`` of
runs, and never more than a share of what is left per worker, so that the last batches stay
small and every worker finishes at about the same time. A run longer than ``BATCH_SECONDS``
always travels alone, so a batch never holds back much finished work from the results file.
``BATCHES_PER_WORKER`` batches per worker are in flight; a Dask cluster's workers are counted
again as each batch comes back.

- ``"serial"``: in this process, one after the other.
- ``"threads"``: a thread pool; ``teardown.run`` releases the GIL, so threads run in parallel.
- ``"processes"``: a process pool started with ``forkserver`` (``spawn`` where that does not
  exist), never ``fork``: forking a process that has threads is unsafe.
- Dask: a ``distributed.Client``, or a scheduler address such as ``"tcp://10.0.0.5:8786"``
  (a client is connected for the sweep and closed after). Workers need teardown installed.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import teardown
from teardown import _version_info
from teardown.errors import ConfigError
from teardown.scenario import ScenarioLike

LOCAL_EXECUTORS = ("serial", "threads", "processes")
CONNECT_TIMEOUT = "30s"  # to reach a Dask scheduler
# The work a batch is sized to once runs are timed: a task's round trip (about 1 ms to a
# process, a few ms through Dask) is then about 1% of it.
BATCH_SECONDS = 0.2
BATCHES_PER_WORKER = 2  # in flight: one running, one queued behind it, so no worker waits for a round trip


@dataclass(frozen=True)
class Task:
    """One run of a sweep: a point, a replication, and the full scenario to run."""

    point: int
    replication: int
    seed: int
    scenario: ScenarioLike  # checked (a Scenario: run as it is), with this replication's sim.seed
    scenario_hash: str
    max_memory: int | str | None = "auto"  # the run's memory limit, as td.run takes it


def run_task(task: Task) -> dict[str, Any]:
    """Run one task; what goes into its row besides the plan: metrics, warnings, build, wall time."""
    started = time.perf_counter()
    try:
        result = teardown.run(task.scenario, max_memory=task.max_memory)
    except Exception as error:
        raise RuntimeError(
            f"sweep point {task.point} replication {task.replication} failed: {error}"
        ) from error
    return {
        "point": task.point,
        "replication": task.replication,
        "metrics": {name: float(value) for name, value in result.metrics.items()},
        "warnings": result.warnings,
        "teardown_version": _version_info.version(),
        "git_commit": _version_info.git_commit(),
        "wall_s": time.perf_counter() - started,
    }


def run_batch(tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """Run several tasks in one call (one round trip to a worker); their outputs in task order."""
    return [run_task(task) for task in tasks]


def check_executor(executor: Any, jobs: int | None) -> None:
    """Raise ``ConfigError`` (a ValueError) for an executor or job count that cannot work, before
    anything runs."""
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise _bad("jobs", f"jobs must be a positive integer, got {jobs!r}")
    if isinstance(executor, str):
        if executor.startswith(("tcp://", "tls://", "ucx://", "inproc://")):
            return
        if executor not in LOCAL_EXECUTORS:
            raise _bad(
                "executor",
                f"executor must be one of {', '.join(LOCAL_EXECUTORS)}, a distributed.Client "
                f"or a scheduler address like 'tcp://host:8786', got {executor!r}",
            )
        if executor == "serial" and jobs not in (None, 1):
            raise _bad(
                "jobs", f"jobs={jobs} needs executor='threads' or 'processes' (serial runs one at a time)"
            )
        return
    if not _is_dask_client(executor):
        raise _bad(
            "executor",
            f"executor must be a name, a scheduler address or a distributed.Client, got {executor!r}",
        )


def _bad(path: str, message: str) -> ConfigError:
    return ConfigError([{"path": path, "message": message, "where": ""}])


def execute(
    tasks: Sequence[Task], executor: Any = "serial", jobs: int | None = None
) -> Iterator[dict[str, Any]]:
    """Run every task on the executor; yield each output of :func:`run_task` as it completes.

    On an error or when the consumer stops early, tasks not yet started are cancelled.
    """
    check_executor(executor, jobs)
    if not tasks:
        return
    if executor == "serial":
        yield from map(run_task, tasks)
    elif executor == "threads":
        workers = jobs or os.cpu_count() or 1
        with futures.ThreadPoolExecutor(max_workers=workers) as pool:
            yield from _pool_batches(pool, tasks, workers)
    elif executor == "processes":
        workers = jobs or os.cpu_count() or 1
        with futures.ProcessPoolExecutor(max_workers=workers, mp_context=_safe_context()) as pool:
            yield from _pool_batches(pool, tasks, workers)
    else:
        with _dask_client(executor) as client:
            yield from _dask_batches(client, tasks)


class Batches:
    """Cuts tasks into batches as results come back (see the module's docstring)."""

    def __init__(self, tasks: Sequence[Task], workers: int) -> None:
        self.todo = deque(tasks)
        self.workers = max(1, workers)
        self.timed_seconds = 0.0  # the runs' own wall time so far, and how many runs
        self.timed_runs = 0

    def __bool__(self) -> bool:
        return bool(self.todo)

    def next(self) -> list[Task]:
        """The next batch: one task until a run is timed, then about BATCH_SECONDS of runs."""
        size = 1
        if self.timed_runs:
            per_run = max(self.timed_seconds / self.timed_runs, 1e-9)
            size = max(1, int(BATCH_SECONDS / per_run))
        size = min(size, math.ceil(len(self.todo) / (self.workers * BATCHES_PER_WORKER)))
        return [self.todo.popleft() for _ in range(size)]

    def done(self, outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Take note of a finished batch's run times; its outputs, for the caller to pass on."""
        self.timed_seconds += sum(output["wall_s"] for output in outputs)
        self.timed_runs += len(outputs)
        return outputs

    def stream(
        self,
        submit: Callable[[list[Task]], None],
        completed: Callable[[], Iterator[Any]],
        count_workers: Callable[[], int] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Keep BATCHES_PER_WORKER batches per worker in flight until every task is handed out.

        ``submit(batch)`` starts ``run_batch(batch)`` on a worker; ``completed()`` iterates over
        the started futures as they finish. ``count_workers``, when given, is asked again as
        each batch comes back (a cluster may gain workers during a sweep).
        """
        in_flight = 0
        for future in itertools.chain([None], completed()):
            outputs = []
            if future is not None:
                in_flight -= 1
                outputs = self.done(future.result())
                if count_workers is not None:
                    self.workers = max(1, count_workers())
            while self and in_flight < self.workers * BATCHES_PER_WORKER:
                submit(self.next())
                in_flight += 1
            yield from outputs


def _pool_batches(pool: futures.Executor, tasks: Sequence[Task], workers: int) -> Iterator[dict[str, Any]]:
    pending: set[futures.Future] = set()

    def completed() -> Iterator[futures.Future]:
        while pending:
            finished, _ = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
            for future in finished:
                pending.discard(future)
                yield future

    try:
        yield from Batches(tasks, workers).stream(
            lambda batch: pending.add(pool.submit(run_batch, batch)), completed
        )
    finally:
        for future in pending:
            future.cancel()


def _safe_context() -> multiprocessing.context.BaseContext:
    """forkserver (the children fork from a clean, single-threaded server) or spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["teardown"])
        return context
    return multiprocessing.get_context("spawn")


def _is_dask_client(executor: Any) -> bool:
    try:
        from distributed import Client
    except ImportError:
        return False
    return isinstance(executor, Client)


@contextmanager
def _dask_client(executor: Any) -> Iterator[Any]:
    """The given client, or a client connected to the given scheduler address and closed after."""
    if not isinstance(executor, str):
        yield executor
        return
    try:
        from distributed import Client
    except ImportError as error:
        raise ImportError(
            "running on a Dask scheduler needs the 'distributed' package: pip install 'teardown[dask]'"
        ) from error
    try:
        client = Client(executor, timeout=CONNECT_TIMEOUT)
    except OSError as error:
        raise ConnectionError(f"cannot reach the Dask scheduler at {executor}: {error}") from None
    try:
        yield client
    finally:
        client.close()


def _dask_batches(client: Any, tasks: Sequence[Task]) -> Iterator[dict[str, Any]]:
    from distributed import as_completed

    def count_workers() -> int:
        return sum(client.nthreads().values())

    pending = as_completed()
    submitted = []

    def submit(batch: list[Task]) -> None:
        future = client.submit(run_batch, batch, pure=False)
        submitted.append(future)
        pending.add(future)

    try:
        yield from Batches(tasks, count_workers()).stream(submit, lambda: pending, count_workers)
    finally:
        client.cancel([future for future in submitted if not future.done()])
