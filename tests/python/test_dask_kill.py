"""Crash safety on Dask: a worker process killed (SIGKILL) in the middle of a sweep loses no row
and duplicates none. The scheduler reruns the tasks the dead worker held, its nanny starts a
new worker, and the sweep ends with exactly one row per point x replication, equal to a serial
run's, in the returned frame and in the --out file alike."""

from __future__ import annotations

import os
import signal
import threading
import time

import pandas as pd
import pytest
from teardown.results_store import open_store
from teardown.sweep import sweep

distributed = pytest.importorskip("distributed")

# Runs of a few tenths of a second each: long enough for the kill to land on a busy worker.
BASE = {
    "sim": {"duration": "300s", "warmup": "5s"},
    "clients": {"count": 10, "arrival": {"rate": 1000.0}, "pool": {"max_size": 2}},
    "proxy": {"timeout": {"http_keep_alive": "1s"}},
}
GRID = {
    "proxy.timeout.http_keep_alive": ["200ms", "500ms", "2s"],
    "clients.pool.idle_evict": ["off", "250ms"],
}
REPLICATIONS = 2
RUNS = 3 * 2 * REPLICATIONS


def rows_in(path) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.strip()) if path.exists() else 0


@pytest.mark.timeout(300)
def test_a_worker_killed_mid_sweep_loses_and_duplicates_no_row(tmp_path):
    serial = sweep(BASE, grid=GRID, replications=REPLICATIONS, progress=False)
    out = tmp_path / "rows.jsonl"
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    )
    killed: list[int] = []
    try:
        with distributed.Client(cluster) as client:
            pids_before = client.run(os.getpid)  # worker address -> worker process id
            assert len(pids_before) == 2

            def kill_one_worker_mid_sweep() -> None:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    done = rows_in(out)
                    if 2 <= done <= RUNS - 4:  # some rows in, several runs still to go
                        pid = sorted(pids_before.values())[0]
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        return
                    time.sleep(0.01)

            killer = threading.Thread(target=kill_one_worker_mid_sweep, daemon=True)
            killer.start()
            rows = sweep(BASE, grid=GRID, replications=REPLICATIONS, executor=client, out=out, progress=False)
            killer.join(timeout=5)
            assert killed, "the sweep ended before a worker could be killed"
            # The nanny replaced the dead worker process.
            client.wait_for_workers(2, timeout=60)
            pids_after = client.run(os.getpid)
            assert killed[0] not in pids_after.values()
    finally:
        cluster.close()

    keys = list(zip(rows["point"], rows["replication"], strict=True))
    assert len(keys) == RUNS and len(set(keys)) == RUNS
    pd.testing.assert_frame_equal(rows.drop(columns="wall_s"), serial.drop(columns="wall_s"))

    # The file holds every row exactly once too, each a complete row.
    stored = pd.DataFrame(open_store(out).read())
    assert len(stored) == RUNS
    assert not stored.duplicated(["point", "replication"]).any()
    stored = stored.sort_values(["point", "replication"]).reset_index(drop=True)
    for column in ("client.failure_ratio", "requests.started", "scenario_hash"):
        assert stored[column].tolist() == serial[column].tolist()
