#!/usr/bin/env python3
"""Sweep scaling (issue 11): one 16-point sweep of bench/seed.toml through td.sweep with one
worker process, with two, and through a Dask LocalCluster of two worker processes.

The 16 points are a 4 x 4 grid of the pooled request rate and the proxy's keep-alive
timeout, one replication each; every run is 120 simulated seconds after a 10 s warm-up
(about 1.4 s of work), so that starting the worker processes is small against the work
(with 40 s runs the speed-up with two processes was 1.65, with 120 s 2.0). The speed-up is
the one-process wall time over each other's. Run it on an idle machine: on two cores any
other load shows up directly in the two-job figures.

usage: .venv/bin/python bench/sweep_scaling.py [--json] [--duration 120s] [--warmup 10s]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "bench" / "seed.toml"

GRID = {
    "clients.arrival.rate": [7000.0, 8000.0, 9000.0, 10000.0],
    "proxy.timeout.http_keep_alive": ["5s", "10s", "20s", "40s"],
}


def timed_sweep(td, base, executor, jobs) -> float:
    start = time.perf_counter()
    frame = td.sweep(base, grid=GRID, replications=1, executor=executor, jobs=jobs, progress=False)
    wall = time.perf_counter() - start
    assert len(frame) == 16, len(frame)
    return wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--duration", default="120s")
    ap.add_argument("--warmup", default="10s")
    opts = ap.parse_args(argv)

    import teardown as td

    base = td.load(str(SEED)).to_dict()
    base["sim"]["duration"] = opts.duration
    base["sim"]["warmup"] = opts.warmup

    results = []
    one = timed_sweep(td, base, "processes", 1)
    results.append({"executor": "processes", "jobs": 1, "wall_s": round(one, 3), "speedup": 1.0})
    two = timed_sweep(td, base, "processes", 2)
    results.append(
        {"executor": "processes", "jobs": 2, "wall_s": round(two, 3), "speedup": round(one / two, 3)}
    )

    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: __import__("teardown"))  # imports in the workers are not the sweep's work
        dask = timed_sweep(td, base, client, None)
    results.append(
        {
            "executor": "dask LocalCluster",
            "jobs": 2,
            "wall_s": round(dask, 3),
            "speedup": round(one / dask, 3),
        }
    )

    for r in results:
        if opts.json:
            print(json.dumps(r))
        else:
            print(f"{r['executor']:<20} jobs {r['jobs']}: {r['wall_s']:7.2f} s  speed-up {r['speedup']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
