#!/usr/bin/env python3
"""The scaling table (issue 11): one base scenario, then its duration, request rate,
long-lived connections and servers each x10 and x100, through build/release/bench/bench_seed.

The base is bench/seed.toml made small: 60 s after a 5 s warm-up, 1,000 pooled requests/s
plus 10,000 long-lived connections at 1 request/s each, 3 servers of 8 workers, with the
keep-alive and client timeouts at 1 h so that long-lived connections stay open. Each row
changes one thing:
  duration      the measured time x10, x100
  rate          every request rate x10, x100, and the workers per server with it (the
                backends' utilisation stays at the base's 23% instead of overflowing)
  long-lived    the connections x10, x100 at the same total rate (so x100 is 1,000,000
                connections at 0.01 requests/s each), run for 50 s + 60 s and 300 s + 300 s
                (warm-up + measured) so that nearly every connection has opened (with its
                first request, due after 1/rate on average) before the end
  servers       x10, x100

Time should grow with simulated requests (ns_per_request about constant) and memory with
open connections. bytes_per_connection is peak RSS over the connections open at the end
(TCP connections of every kind, TIME_WAIT included); marginal_bytes_per_connection is the
growth over the base, per added connection (fixed costs cancel).

usage: python3 bench/scaling.py [--json] [--rows NAME,...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "build" / "release" / "bench" / "bench_seed"
SEED = ROOT / "bench" / "seed.toml"

BASE = {
    "duration": 60,
    "warmup": 5,
    "rate": 1000.0,
    "long_lived": 10_000,
    "long_lived_rate": 1.0,
    "servers": 3,
    "workers": 8,
}


def rows() -> list[tuple[str, dict]]:
    out = [("base", dict(BASE))]
    for k in (10, 100):
        out.append((f"duration x{k}", {**BASE, "duration": BASE["duration"] * k}))
    for k in (10, 100):
        out.append(
            (
                f"rate x{k}",
                {
                    **BASE,
                    "rate": BASE["rate"] * k,
                    "long_lived_rate": BASE["long_lived_rate"] * k,
                    "workers": BASE["workers"] * k,
                },
            )
        )
    for k, warmup, duration in ((10, 50, 60), (100, 300, 300)):
        out.append(
            (
                f"long-lived x{k}",
                {
                    **BASE,
                    "long_lived": BASE["long_lived"] * k,
                    "long_lived_rate": BASE["long_lived_rate"] / k,
                    "warmup": warmup,
                    "duration": duration,
                },
            )
        )
    for k in (10, 100):
        out.append((f"servers x{k}", {**BASE, "servers": BASE["servers"] * k}))
    return out


def run(label: str, p: dict) -> dict:
    args = [
        str(BENCH),
        str(SEED),
        "--label",
        label,
        "--duration",
        f"{p['duration']}s",
        "--warmup",
        f"{p['warmup']}s",
        "--rate",
        str(p["rate"]),
        "--long-lived",
        str(p["long_lived"]),
        "--long-lived-rate",
        str(p["long_lived_rate"]),
        "--servers",
        str(p["servers"]),
        "--workers",
        str(p["workers"]),
        "--keep-alive",
        "1h",
    ]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rows", help="comma-separated row names to run (default: all)")
    opts = ap.parse_args(argv)
    wanted = set(opts.rows.split(",")) if opts.rows else None

    base = None
    if not opts.json:
        print(
            f"{'row':<16} {'requests':>12} {'wall s':>8} {'ns/request':>11} {'connections':>12} "
            f"{'peak RSS MiB':>13} {'B/connection':>13} {'marginal B':>11}"
        )
    for label, params in rows():
        if wanted is not None and label not in wanted and label != "base":
            continue
        r = run(label, params)
        conns = r["connections"]
        row = {
            "row": label,
            "sim_requests": r["sim_requests"],
            "wall_s": r["wall_s"],
            "ns_per_request": r["ns_per_request"],
            "sim_requests_per_s": r["sim_requests_per_s"],
            "connections": conns,
            "peak_rss_bytes": r["peak_rss_bytes"],
            "bytes_per_connection": round(r["peak_rss_bytes"] / conns) if conns else None,
        }
        if base is None:
            base = row
            row["marginal_bytes_per_connection"] = None
        else:
            added = conns - base["connections"]
            grew = row["peak_rss_bytes"] - base["peak_rss_bytes"]
            row["marginal_bytes_per_connection"] = round(grew / added) if added > 1000 else None
        if opts.json:
            print(json.dumps(row), flush=True)
        else:
            marginal = row["marginal_bytes_per_connection"]
            print(
                f"{label:<16} {row['sim_requests']:>12,} {row['wall_s']:>8.2f} "
                f"{row['ns_per_request']:>11.0f} "
                f"{conns:>12,} {row['peak_rss_bytes'] / 2**20:>13.1f} {row['bytes_per_connection']:>13,} "
                f"{'' if marginal is None else format(marginal, ','):>11}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
