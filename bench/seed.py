#!/usr/bin/env python3
"""The seed benchmark (issue 11): bench/seed.toml through build/release/bench/bench_seed.

Reports wall time, simulated requests per wall second (every request started in the run,
warm-up included), events per wall second and peak RSS; the best of --repeat runs (the
machine is shared, so the fastest run is the least disturbed one).

  --quick       5 simulated minutes after a 1-minute warm-up instead of the file's hour
  --callgrind   also instructions per simulated request under valgrind: the difference
                between a 5 s and a 12 s run after the same 5 s warm-up, so that start-up
                and warm-up cancel out (stable on a noisy machine, unlike wall time)
  --paths       also the paths users take, alternating with bench_seed on the same window:
                `teardown run` (the CLI's own run wall, and its whole process) and `td.run`
                in a Python process (wall around the call: scenario in, result out), both
                from the .venv that scripts/setup installs (issue 19: they should agree)
  --json        one JSON object per line

usage: python3 bench/seed.py [--quick] [--repeat N] [--callgrind] [--paths] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "build" / "release" / "bench" / "bench_seed"
SEED = ROOT / "bench" / "seed.toml"


def run(args: list[str]) -> dict:
    out = subprocess.run([str(BENCH), str(SEED), *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
# td.run timed inside one Python process: conversion in and out included, import excluded.
TD_RUN = """
import json, sys, time
import teardown as td
sc = td.Scenario.from_toml(sys.argv[1])
window = json.loads(sys.argv[2])
if window:
    sc = sc.with_(window)
t = time.perf_counter()
r = td.run(sc)
wall = time.perf_counter() - t
print(json.dumps({"wall_s": wall, "sim_requests": int(r.metrics["requests.started"])}))
"""


def window_keys(window: list[str]) -> dict[str, str]:
    """bench_seed's --duration/--warmup as scenario keys."""
    names = {"--duration": "sim.duration", "--warmup": "sim.warmup"}
    return {names[window[i]]: window[i + 1] for i in range(0, len(window), 2)}


def run_cli(window: list[str]) -> dict:
    """`teardown run --json`: the run's own wall and the whole process's."""
    sets = [arg for k, v in window_keys(window).items() for arg in ("--set", f"{k}={v}")]
    t = time.perf_counter()
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "teardown"), "run", str(SEED), "--json", *sets],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    process = time.perf_counter() - t
    return {"wall_s": float(json.loads(out)["wall_seconds"]), "process_s": process}


def run_td(window: list[str]) -> dict:
    out = subprocess.run(
        [str(VENV_PYTHON), "-c", TD_RUN, str(SEED), json.dumps(window_keys(window))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def instructions(duration: str) -> tuple[int, int]:
    """(instructions, simulated requests) of one run under callgrind."""
    proc = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            str(BENCH),
            str(SEED),
            "--duration",
            duration,
            "--warmup",
            "5s",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    refs = int(re.search(r"refs:\s+([\d,]+)", proc.stderr).group(1).replace(",", ""))
    return refs, int(json.loads(proc.stdout.strip().splitlines()[-1])["sim_requests"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--repeat", type=int, default=None, help="runs; the best is reported (default 3, quick 5)"
    )
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--paths", action="store_true")
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args(argv)

    window = ["--duration", "5m", "--warmup", "1m"] if opts.quick else []
    repeat = opts.repeat or (5 if opts.quick else 3)
    runs, cli_runs, td_runs = [], [], []
    for _ in range(repeat):  # alternating, so that a disturbance hits every path alike
        runs.append(run(window + ["--label", "seed-quick" if opts.quick else "seed"]))
        if opts.paths:
            cli_runs.append(run_cli(window))
            td_runs.append(run_td(window))
    best = min(runs, key=lambda r: r["wall_s"])
    row = {
        k: best[k]
        for k in (
            "label",
            "sim_s",
            "wall_s",
            "sim_requests",
            "sim_requests_per_s",
            "events",
            "events_per_s",
            "events_per_request",
            "ns_per_request",
            "peak_rss_bytes",
        )
    }
    row["runs"] = repeat
    row["wall_s_all"] = [r["wall_s"] for r in runs]
    if opts.paths:
        row["cli_wall_s"] = min(r["wall_s"] for r in cli_runs)
        row["cli_process_s"] = min(r["process_s"] for r in cli_runs)
        row["td_run_wall_s"] = min(r["wall_s"] for r in td_runs)
    if opts.callgrind:
        short, long_ = instructions("5s"), instructions("12s")
        row["instructions_per_request"] = round((long_[0] - short[0]) / (long_[1] - short[1]))
    if opts.json:
        print(json.dumps(row))
    else:
        print(
            f"{row['label']}: {row['sim_requests']:,} requests in {row['sim_s']:g} simulated s, "
            f"best of {repeat}: {row['wall_s']:.3f} s wall"
        )
        print(
            f"  {row['sim_requests_per_s'] / 1e6:.2f} M simulated requests/s, "
            f"{row['events_per_s'] / 1e6:.1f} M events/s ({row['events_per_request']:.2f} per request), "
            f"{row['ns_per_request']:.0f} ns per request, peak RSS {row['peak_rss_bytes'] / 2**20:.1f} MiB"
        )
        print("  wall of every run: " + ", ".join(f"{w:.3f}" for w in row["wall_s_all"]))
        if opts.callgrind:
            print(f"  {row['instructions_per_request']} instructions per simulated request (callgrind)")
        if opts.paths:
            base = row["wall_s"]
            print(
                f"  teardown run: {row['cli_wall_s']:.3f} s run wall ({row['cli_wall_s'] / base:.2f}x bench_seed), "
                f"{row['cli_process_s']:.3f} s whole process"
            )
            print(f"  td.run: {row['td_run_wall_s']:.3f} s ({row['td_run_wall_s'] / base:.2f}x bench_seed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
