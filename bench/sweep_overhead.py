#!/usr/bin/env python3
"""Sweep overhead (issue 19, item 2): what a run of a sweep costs outside the engine.

A sweep of 1,000 points (a 25 x 40 grid of the request rate and the keep-alive timeout, one
replication each) of a tiny scenario: 10 clients, 2 servers, one simulated second and no
warm-up, so that the engine's own time per run (``Result.wall_seconds``, measured first by
running every point once through ``td.run``) is a small part of the whole. The sweep runs
through ``td.sweep`` serially, with 2 worker processes and on a 2-worker Dask LocalCluster on
127.0.0.1 (started and warmed before the timing: starting a cluster is not a sweep's work;
starting the process pool is, and is timed). The configurations alternate, --rounds times,
and each figure is the best round (the machine is shared); the load average (1 minute) before
each timed sweep is reported as the range over the rounds.

Figures per configuration: wall time, rows per second, and the cost per run outside the
engine: wall x workers / runs - engine time per run (worker-seconds per run, so that two
workers are not credited with halving it). A fourth configuration writes the rows to a
.jsonl file as ``--out`` does (each row flushed and fsynced). The first round's wall time is
shown too: for processes it includes starting the forkserver, which imports teardown once.

--profile adds a cProfile breakdown of the serial sweep by stage (cumulative profiled time
per run: the profiler inflates Python code more than compiled code, so read it as shares),
and the pickled size of what goes to a worker and back per run.

usage: python bench/sweep_overhead.py [--rounds 3] [--points 1000] [--profile] [--json]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pickle
import pstats
import sys
import tempfile
import time

BASE = {
    "sim": {"duration": "1s", "warmup": "0s"},
    "clients": {"count": 10, "arrival": {"rate": 20.0}},
    "backends": {"servers": 2},
}


def grid(points: int) -> dict[str, list]:
    """A rates x keep-alive grid of ``points`` points (40 timeouts per rate, fewer when small)."""
    timeouts = min(40, points)
    rates = max(1, points // timeouts)
    return {
        "clients.arrival.rate": [10.0 + i for i in range(rates)],
        "proxy.timeout.http_keep_alive": [f"{100 + 50 * i}ms" for i in range(timeouts)],
    }


def engine_seconds(td, base: dict, axes: dict[str, list]) -> tuple[float, int]:
    """Total engine time (Result.wall_seconds) of every point run once, and the run count."""
    scenario = td.Scenario(base)
    total, runs = 0.0, 0
    for rate in axes["clients.arrival.rate"]:
        for timeout in axes["proxy.timeout.http_keep_alive"]:
            point = scenario.with_({"clients.arrival.rate": rate, "proxy.timeout.http_keep_alive": timeout})
            total += td.run(point).wall_seconds
            runs += 1
    return total, runs


def timed(td, axes, executor, jobs, out) -> tuple[float, int]:
    start = time.perf_counter()
    frame = td.sweep(BASE, grid=axes, replications=1, executor=executor, jobs=jobs, out=out, progress=False)
    wall = time.perf_counter() - start
    if out is not None:
        os.remove(out)
    return wall, len(frame)


STAGES = [
    # (label, file suffix, function name): cumulative time of that function under cProfile
    ("whole sweep", "teardown/sweep.py", "sweep"),
    ("  plan: every point checked, seeded, hashed", "teardown/sweep.py", "make_plan"),
    ("    memory check per point", "teardown/sweep.py", "check_memory"),
    ("    Scenario.with_ (copy + check)", "teardown/scenario.py", "with_"),
    ("    Scenario.to_dict (deep copy)", "teardown/scenario.py", "to_dict"),
    ("  runs (executor)", "teardown/executors.py", "run_task"),
    ("    td.run", "teardown/api.py", "run"),
    ("      scenario checked again", "teardown/scenario.py", "as_scenario"),
    (
        "      _core.run_checked (engine + result to dict)",
        "~",
        "<built-in method teardown._core.run_checked>",
    ),
    ("      Result._from_core", "teardown/result.py", "_from_core"),
    ("  rows (Plan.row)", "teardown/sweep.py", "row"),
    ("  DataFrame (Plan.frame)", "teardown/sweep.py", "frame"),
]


def profile(td, axes, runs: int) -> list[dict]:
    profiler = cProfile.Profile()
    profiler.runcall(td.sweep, BASE, grid=axes, replications=1, progress=False)
    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    out = []
    for label, suffix, name in STAGES:
        cumulative = sum(v[3] for (f, _, n), v in stats.items() if n == name and f.endswith(suffix))
        out.append(
            {
                "stage": label.strip(),
                "indent": len(label) - len(label.lstrip()),
                "profiled_ms_per_run": round(cumulative / runs * 1e3, 4),
            }
        )
    return out


def pickled_sizes(td) -> dict[str, int]:
    """Bytes pickled per run: what a worker is sent and what it sends back."""
    import importlib

    executors, sweep = (importlib.import_module(f"teardown.{m}") for m in ("executors", "sweep"))
    plan = sweep.make_plan(td.Scenario(BASE), [sweep.Design({}, "base")], 1, None)
    task = next(iter(plan.tasks.values()))
    return {
        "task_bytes": len(pickle.dumps(task)),
        "output_bytes": len(pickle.dumps(executors.run_task(task))),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args(argv)

    import teardown as td
    from dask.distributed import Client, LocalCluster

    axes = grid(opts.points)
    engine, runs = engine_seconds(td, td.Scenario(BASE).to_dict(), axes)
    engine_ms = engine / runs * 1e3
    print(
        f"teardown from {os.path.dirname(td.__file__)}; {runs} runs, engine {engine_ms:.3f} ms per run "
        "(Result.wall_seconds)",
        file=sys.stderr,
    )

    scratch = tempfile.mkdtemp(prefix="sweep-overhead-")
    # (name, executor: None for the Dask client, jobs, workers, results file or None)
    configs = [
        ("serial", "serial", None, 1, None),
        ("serial, rows to .jsonl", "serial", None, 1, os.path.join(scratch, "rows.jsonl")),
        ("processes", "processes", 2, 2, None),
        ("dask LocalCluster", None, None, 2, None),
    ]
    walls: dict[str, list[float]] = {name: [] for name, *_ in configs}
    loads: dict[str, list[float]] = {name: [] for name, *_ in configs}
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        where = client.run(lambda: __import__("teardown").__file__)  # imported before the timing
        print(f"Dask workers import {sorted(set(where.values()))}", file=sys.stderr)
        for _ in range(opts.rounds):
            for name, executor, jobs, _workers, out in configs:
                loads[name].append(os.getloadavg()[0])
                wall, rows = timed(td, axes, executor if executor else client, jobs, out)
                assert rows == runs, (rows, runs)
                walls[name].append(wall)
    os.rmdir(scratch)

    results = []
    for name, _executor, _jobs, workers, _out in configs:
        wall = min(walls[name])
        results.append(
            {
                "executor": name,
                "workers": workers,
                "runs": runs,
                "wall_s": round(wall, 3),
                "rows_per_s": round(runs / wall),
                "wall_ms_per_row": round(wall / runs * 1e3, 3),
                "outside_engine_ms_per_run": round(wall * workers / runs * 1e3 - engine_ms, 3),
                "engine_ms_per_run": round(engine_ms, 3),
                # the first round of processes includes starting the forkserver and its import of teardown
                "first_round_wall_s": round(walls[name][0], 3),
                "load_1min": [round(min(loads[name]), 2), round(max(loads[name]), 2)],
            }
        )
    for r in results:
        if opts.json:
            print(json.dumps(r))
        else:
            print(
                f"{r['executor']:<22} x{r['workers']}: {r['wall_s']:7.3f} s  {r['rows_per_s']:6d} rows/s  "
                f"{r['outside_engine_ms_per_run']:6.3f} ms/run outside the engine "
                f"(engine {r['engine_ms_per_run']:.3f})  first round {r['first_round_wall_s']:.3f} s  "
                f"load {r['load_1min'][0]}-{r['load_1min'][1]}"
            )
    if opts.profile:
        stages = profile(td, axes, runs)
        sizes = pickled_sizes(td)
        if opts.json:
            print(json.dumps({"profile": stages, **sizes}))
        else:
            print("\nserial sweep under cProfile, cumulative ms per run:")
            for s in stages:
                print(
                    f"  {' ' * s['indent']}{s['stage']:<{52 - s['indent']}} {s['profiled_ms_per_run']:8.3f}"
                )
            print(
                f"pickled per run: task {sizes['task_bytes']} B to the worker, "
                f"output {sizes['output_bytes']} B back"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
