"""Where the runs of a sweep execute: serially, on threads, on processes, or on a Dask cluster.

Every executor runs the same function, :func:`run_task`, on the same :class:`Task` values and
yields its outputs as they complete; the sweep puts them back in order. Nothing about a run
depends on where it ran, so results are identical whatever the executor and job count.

- ``"serial"``: in this process, one after the other.
- ``"threads"``: a thread pool; ``teardown.run`` releases the GIL, so threads run in parallel.
- ``"processes"``: a process pool started with ``forkserver`` (``spawn`` where that does not
  exist), never ``fork``: forking a process that has threads is unsafe.
- Dask: a ``distributed.Client``, or a scheduler address such as ``"tcp://10.0.0.5:8786"``
  (a client is connected for the sweep and closed after). Workers need teardown installed.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator, Sequence
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
    """Run one task; what goes into its row besides the plan: metrics, build, wall time."""
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
        "teardown_version": _version_info.version(),
        "git_commit": _version_info.git_commit(),
        "wall_s": time.perf_counter() - started,
    }


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
                f"or a scheduler address like 'tcp://host:8786', got {executor!r}"
            )
        if executor == "serial" and jobs not in (None, 1):
            raise _bad(
                "jobs",
                f"jobs={jobs} needs executor='threads' or 'processes' (serial runs one at a time)"
            )
        return
    if not _is_dask_client(executor):
        raise _bad(
            "executor",
            f"executor must be a name, a scheduler address or a distributed.Client, got {executor!r}"
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
        with futures.ThreadPoolExecutor(max_workers=jobs or os.cpu_count()) as pool:
            yield from _as_completed(pool, tasks)
    elif executor == "processes":
        with futures.ProcessPoolExecutor(
            max_workers=jobs or os.cpu_count(), mp_context=_safe_context()
        ) as pool:
            yield from _as_completed(pool, tasks)
    else:
        with _dask_client(executor) as client:
            yield from _dask_as_completed(client, tasks)


def _as_completed(pool: futures.Executor, tasks: Sequence[Task]) -> Iterator[dict[str, Any]]:
    pending = [pool.submit(run_task, task) for task in tasks]
    try:
        for done in futures.as_completed(pending):
            yield done.result()
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


def _dask_as_completed(client: Any, tasks: Sequence[Task]) -> Iterator[dict[str, Any]]:
    from distributed import as_completed

    pending = client.map(run_task, tasks, pure=False)
    try:
        for _, output in as_completed(pending, with_results=True):
            yield output
    finally:
        client.cancel(pending)
