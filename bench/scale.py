#!/usr/bin/env python3
"""The scale table (issue 19, item 4): 10 million long-lived connections, 1,000 servers, a
simulated day at 20,000 requests/s, each at 3-4 sizes with the growth law fitted, through
build/release/bench/bench_seed (which runs under the resource guard's default limit, 80% of
physical memory, and reports the guard's estimate beside the measured peak).

Cases (every run starts from bench/seed.toml):
  long-lived   0.1, 1, 3 and 10 million long-lived connections at 0.01 requests/s each,
               250 s warm-up + 250 s: a connection opens with its first request (after an
               exponential gap of mean 100 s), so 99.3% are open at the end. Timeouts 1 h (a
               connection's gaps are far shorter), the proxy's maxconn raised to the
               connections (bench_seed does), 1,000 pooled requests/s, 3 servers of 64
               workers (26% busy at 10 million). Laws: peak RSS against connections, CPU time
               per request against log10(connections) (the state outgrows the caches).
  servers      the seed's load (20,000 requests/s) over 3, 10, 100 and 1,000 servers of 8
               workers, 1 min warm-up + 5 min. Laws: peak RSS and CPU time per request against
               servers.
  servers-leastconn, servers-random, servers-source, servers-static-rr
               the same with that balance algorithm, 10 s + 1 min. While every server is up at
               one weight with no maxconn, each picks without a view of every server
               (Proxy::balance); otherwise the view is built per pick, O(servers) per request.
  duration     the seed scenario for 1 h, 4 h and 24 h after its 1 min warm-up (the day:
               about 1.7 billion requests, 12 minutes on a quiet core, 30 on a busy VM). Laws: CPU
               time against simulated time; peak RSS grows only by the time series.

The table is Markdown, ready for bench/README.md; each row carries the 1-minute load average
before and after it (the machine is shared), and the run's CPU time beside its wall time: with
other jobs on the cores, CPU time is the steadier figure, and the laws are fitted to it. Runs go
one at a time: the 10-million row needs about 2.2 GiB.

usage: python3 bench/scale.py [--cases long-lived,servers,servers-leastconn,duration,...] [--no-day]
                              [--hours 1,4,24] [--json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(os.environ.get("TEARDOWN_BENCH_SEED", ROOT / "build" / "release" / "bench" / "bench_seed"))
SEED = ROOT / "bench" / "seed.toml"
MIB = 2**20

LONG_LIVED = [100_000, 1_000_000, 3_000_000, 10_000_000]
SERVERS = [3, 10, 100, 1000]
HOURS = [1, 4, 24]


def long_lived_args(n: int) -> list[str]:
    return ["--long-lived", str(n), "--long-lived-rate", "0.01", "--rate", "1000", "--warmup", "250s",
            "--duration", "250s", "--servers", "3", "--workers", "64", "--keep-alive", "1h"]


def server_args(n: int) -> list[str]:
    return ["--servers", str(n), "--warmup", "1m", "--duration", "5m"]


def balanced_by(algorithm: str):
    def args(n: int) -> list[str]:
        return ["--servers", str(n), "--balance", algorithm, "--warmup", "10s", "--duration", "1m"]
    return args


def duration_args(hours: int) -> list[str]:
    return ["--duration", f"{hours}h"]


CASES = {
    # name: (sizes, the size's unit, bench_seed arguments)
    "long-lived": (LONG_LIVED, "connections", long_lived_args),
    "servers": (SERVERS, "servers", server_args),
    "servers-leastconn": (SERVERS, "servers", balanced_by("leastconn")),
    "servers-random": (SERVERS, "servers", balanced_by("random")),
    "servers-source": (SERVERS, "servers", balanced_by("source")),
    "servers-static-rr": (SERVERS, "servers", balanced_by("static-rr")),
    "duration": (HOURS, "h", duration_args),
}


def run(label: str, args: list[str]) -> dict:
    load_before = os.getloadavg()[0]
    out = subprocess.run(
        ["nice", "-n", "10", str(BENCH), str(SEED), "--label", label, *args],
        check=True, capture_output=True, text=True,
    ).stdout
    r = json.loads(out.strip().splitlines()[-1])
    r["load"] = (load_before, os.getloadavg()[0])
    return r


def cpu_ns(r: dict) -> float:
    """CPU nanoseconds per simulated request."""
    return 1e9 * r["cpu_s"] / r["sim_requests"]


def fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares y = a + b*x; returns a, b and the largest residual relative to y."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    a = my - b * mx
    worst = max(abs(y - (a + b * x)) / y for x, y in zip(xs, ys)) if n else 0.0
    return a, b, worst


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
        mem_gib = int(mem.split()[1]) / 2**20
    except (OSError, StopIteration):
        mem_gib = 0.0
    return f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB, {platform.system()} {platform.release()}"


def commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def per_unit(case: str, r: dict, first: dict | None, size: float, first_size: float) -> str:
    if case == "long-lived":
        return f"{r['peak_rss_bytes'] / r['connections']:,.0f} B per open connection"
    if case.startswith("servers") and first is not None and size > first_size:
        grew = r["peak_rss_bytes"] - first["peak_rss_bytes"]
        return f"{grew / (size - first_size):,.0f} B per added server"
    return ""


def laws(case: str, sizes: list[float], rows: list[dict]) -> list[str]:
    if len(rows) < 2:
        return []
    rss = [r["peak_rss_bytes"] for r in rows]
    out = []
    if case == "long-lived":
        conns = [float(r["connections"]) for r in rows]
        a, b, worst = fit(conns, rss)
        out.append(f"peak RSS = {a / MIB:.1f} MiB + {b:.0f} B x open connections (largest residual {worst:.1%})")
        # Time is requests times a cost per request that grows as the state outgrows the caches.
        a, b, worst = fit([math.log10(c) for c in conns], [cpu_ns(r) for r in rows])
        out.append(f"CPU time per simulated request = {a:.0f} ns + {b:.0f} ns x log10(open connections) "
                   f"(largest residual {worst:.1%}); the run's requests grow with the connections "
                   f"(each makes ~5)")
    elif case.startswith("servers"):
        a, b, worst = fit(sizes, rss)
        out.append(f"peak RSS = {a / MIB:.1f} MiB + {b:,.0f} B x servers (largest residual {worst:.1%})")
        a, b, worst = fit(sizes, [cpu_ns(r) for r in rows])
        out.append(f"CPU time per simulated request = {a:.0f} ns + {b:.3f} ns x servers (largest residual {worst:.1%})")
    elif case == "duration":
        secs = [r["sim_s"] for r in rows]
        a, b, worst = fit(secs, [r["cpu_s"] for r in rows])
        out.append(f"CPU time = {a:.1f} s + {b * 3600:.1f} s per simulated hour (largest residual {worst:.1%})")
        out.append(f"peak RSS from {min(rss) / MIB:.1f} to {max(rss) / MIB:.1f} MiB over "
                   f"{min(secs) / 3600:.2f}-{max(secs) / 3600:.2f} simulated hours")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", default="long-lived,servers,servers-leastconn,duration", help="comma-separated, from: " + ", ".join(CASES))
    ap.add_argument("--no-day", action="store_true", help="the duration case without the 24 h run")
    ap.add_argument("--hours", help="the duration case's simulated hours, comma-separated (default: 1,4,24)")
    ap.add_argument("--json", action="store_true", help="one JSON line per run, no table")
    opts = ap.parse_args(argv)
    chosen = opts.cases.split(",")
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        ap.error(f"unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}")

    if not opts.json:
        given = sys.argv[1:] if argv is None else argv
        print(f"Command: `{' '.join(['./scripts/bench', 'scale', *given])}`")
        print(f"Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; commit {commit()}; "
              f"machine: {machine()}")
        print()
        print("| case | size | simulated | requests | wall s | CPU s | simulated requests per CPU s | CPU ns/request "
              "| peak RSS MiB | per unit | guard estimate MiB (x peak) | load before/after |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    summary = []
    for case in chosen:
        sizes, unit, make_args = CASES[case]
        if case == "duration" and opts.hours:
            sizes = [int(h) for h in opts.hours.split(",")]
        if case == "duration" and opts.no_day:
            sizes = [h for h in sizes if h < 24]
        rows = []
        for size in sizes:
            r = run(f"{case} {size}", make_args(size))
            first = rows[0] if rows else None
            rows.append(r)
            if opts.json:
                print(json.dumps({"case": case, "size": size, **r}), flush=True)
                continue
            est = r["estimated_memory_bytes"]
            print(
                f"| {case} | {size:,} {unit} | {r['sim_s']:,.0f} s | {r['sim_requests']:,.0f} | {r['wall_s']:.2f} "
                f"| {r['cpu_s']:.2f} | {r['sim_requests'] / r['cpu_s']:,.0f} | {cpu_ns(r):,.0f} "
                f"| {r['peak_rss_bytes'] / MIB:,.1f} "
                f"| {per_unit(case, r, first, size, sizes[0])} | {est / MIB:,.1f} ({est / r['peak_rss_bytes']:.2f}) "
                f"| {r['load'][0]:.1f} / {r['load'][1]:.1f} |",
                flush=True,
            )
        summary += [f"- {case}: {law}" for law in laws(case, [float(s) for s in sizes], rows)]
    if not opts.json and summary:
        print()
        print("Growth laws (least squares over the rows above):")
        print()
        print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
