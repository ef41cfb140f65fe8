#!/usr/bin/env python3
"""Issue 11 item 3: teardown and the SimPy peer model on bench/seed.toml, side by side.

Both run the same scenario file for the same simulated time (warm-up + duration) in one
invocation; the figure is simulated requests per wall second of each (every request started
in the run, warm-up included, over the wall time of the simulation itself) and their ratio.
Each model runs `--repeat` times, one run at a time; the median wall time is taken.

The SimPy model runs in two forms (`--workers both`, the default): with each backend worker
loop a `simpy.Resource`, as issue 11 describes the peer ("workers as resources"; about the
issue's 60,000 simulated requests/s here), and with a lighter resource built on SimPy events
(peer_simpy.Loop), which is about 1.5x faster: the strongest SimPy yardstick we know. Both
ratios are printed; the target (>= 30x) is stated against the first.

teardown runs through, in this order of preference: --teardown-run PATH, the release driver
build/release/teardown-run, the Python API (`teardown.run`), then the scikit-build Release
driver build/py/teardown-run. `--python` takes the path users take (issue 19): `teardown.run`
in this process, its wall time measured around the call (scenario in, Result out).

usage: python bench/peer_compare.py [--duration 25s] [--warmup 5s] [--repeat 3] [--python] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import peer_simpy  # noqa: E402  (the sibling file)

SEED_TOML = HERE / "seed.toml"
DRIVERS = [ROOT / "build" / "release" / "teardown-run"]
FALLBACK_DRIVERS = [ROOT / "build" / "py" / "teardown-run"]


def with_sim_window(text: str, duration: str, warmup: str) -> str:
    """The scenario text with [sim] duration and warmup replaced (inserted if absent)."""
    lines = text.splitlines()
    out: list[str] = []
    table = None
    seen = set()

    def add_missing():
        if table == "sim":
            for key, value in (("duration", duration), ("warmup", warmup)):
                if key not in seen:
                    out.append(f'{key} = "{value}"')
                    seen.add(key)

    for line in lines:
        header = re.match(r"\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            add_missing()
            table = header.group(1).strip()
            out.append(line)
            continue
        key = re.match(r"\s*(duration|warmup)\s*=", line)
        if table == "sim" and key:
            out.append(f'{key.group(1)} = "{duration if key.group(1) == "duration" else warmup}"')
            seen.add(key.group(1))
            continue
        out.append(line)
    add_missing()
    if "sim" not in {m.strip() for m in re.findall(r"^\s*\[([^\[\]]+)\]", text, re.M)}:
        out = ["[sim]", f'duration = "{duration}"', f'warmup = "{warmup}"', ""] + out
    return "\n".join(out) + "\n"


def pick_teardown(explicit: str | None, python: bool = False):
    """How teardown will run: ("driver", path) or ("python", module)."""
    if python:
        import teardown

        return "python", teardown
    if explicit:
        return "driver", Path(explicit)
    for path in DRIVERS:
        if path.is_file():
            return "driver", path
    try:
        import teardown

        if callable(getattr(teardown, "run", None)):
            return "python", teardown
    except ImportError:
        pass
    for path in FALLBACK_DRIVERS:
        if path.is_file():
            return "driver", path
    raise SystemExit(
        "peer_compare: no teardown to run: build it (./scripts/setup --preset release) or install the "
        "Python package, or pass --teardown-run PATH"
    )


def run_teardown(how, scenario_path: str) -> dict:
    kind, what = how
    if kind == "python":
        t0 = time.perf_counter()
        result = what.run(scenario_path)
        elapsed = time.perf_counter() - t0
        return {
            "requests": int(result.invariants["requests_started"]),
            "wall_s": elapsed,  # around the call: reading the scenario, the run, the Result
            "events": int(result.events),
        }
    t0 = time.perf_counter()
    proc = subprocess.run([str(what), scenario_path], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"peer_compare: {what} failed ({proc.returncode}):\n{proc.stderr}")
    events = re.search(r"^events (\d+) in ([0-9.]+) s wall", proc.stdout, re.M)
    started = re.search(r"^invariants: started (\d+)", proc.stdout, re.M)
    if not events or not started:
        raise SystemExit(f"peer_compare: unexpected output from {what}:\n{proc.stdout[-2000:]}")
    wall = float(events.group(2))
    # The driver prints its wall time to 10 ms; below 50 ms take the process's own time.
    return {
        "requests": int(started.group(1)),
        "wall_s": wall if wall >= 0.05 else elapsed,
        "events": int(events.group(1)),
    }


def _shown(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def median_run(runs: list[dict]) -> dict:
    walls = sorted(r["wall_s"] for r in runs)
    out = dict(runs[0])
    out["wall_s"] = statistics.median(walls)
    out["sim_requests_per_s"] = out["requests"] / out["wall_s"]
    out["walls_s"] = [round(w, 4) for w in walls]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=SEED_TOML)
    ap.add_argument("--duration", default="25s", help="measured simulated time (default 25s)")
    ap.add_argument("--warmup", default="5s", help="simulated warm-up, included in the rate (default 5s)")
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs of each model; the median wall time (default 3)"
    )
    ap.add_argument(
        "--workers",
        choices=("both", "resource", "loop"),
        default="both",
        help="the SimPy model's worker loops: simpy.Resource, the light loop, or both (default both)",
    )
    ap.add_argument("--teardown-run", help="path of a teardown-run driver to use")
    ap.add_argument(
        "--python", action="store_true", help="run teardown through teardown.run (the installed package)"
    )
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    args = ap.parse_args(argv)
    duration, warmup = peer_simpy.seconds(args.duration), peer_simpy.seconds(args.warmup)

    text = args.scenario.read_text()
    scenario = peer_simpy.tomllib.loads(text)
    how = pick_teardown(args.teardown_run, args.python)
    variants = ["resource", "loop"] if args.workers == "both" else [args.workers]
    td_runs: list[dict] = []
    sp_runs: dict[str, list[dict]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory(prefix="peer_") as tmp:
        td_path = Path(tmp) / args.scenario.name
        td_path.write_text(with_sim_window(text, args.duration, args.warmup))
        for _ in range(max(1, args.repeat)):  # one at a time, alternating
            td_runs.append(run_teardown(how, str(td_path)))
            for v in variants:
                sp_runs[v].append(peer_simpy.run(scenario, duration=duration, warmup=warmup, workers=v))
    td = median_run(td_runs)
    source = "teardown.run (Python)" if how[0] == "python" else _shown(how[1])
    if not args.json:
        print(
            f"{args.scenario.name}: {duration + warmup:g} s simulated ({warmup:g} s warm-up), "
            f"median of {len(td_runs)}"
        )
        print(
            f"  teardown ({source}): {td['requests']} requests in {td['wall_s']:.3f} s wall: "
            f"{td['sim_requests_per_s']:,.0f} simulated requests/s"
        )
    for v in variants:
        sp = median_run(sp_runs[v])
        ratio = td["sim_requests_per_s"] / sp["sim_requests_per_s"]
        row = {
            "benchmark": "peer",
            "scenario": str(args.scenario),
            "sim_duration_s": duration + warmup,
            "warmup_s": warmup,
            "teardown_sim_requests_per_s": td["sim_requests_per_s"],
            "simpy_sim_requests_per_s": sp["sim_requests_per_s"],
            "ratio": ratio,
            "workers": sp["workers"],
            "teardown": {
                "via": source,
                "requests": td["requests"],
                "wall_s": td["wall_s"],
                "walls_s": td["walls_s"],
                "events": td["events"],
            },
            "simpy": {
                "version": sp["simpy_version"],
                "workers": sp["workers"],
                "requests": sp["requests"],
                "failed": sp["failed"],
                "server_connections_opened": sp["server_connections_opened"],
                "wall_s": sp["wall_s"],
                "walls_s": sp["walls_s"],
            },
        }
        if args.json:
            print(json.dumps(row))
            continue
        what = {
            "resource": "workers as simpy.Resource, the peer issue 11 describes",
            "loop": "workers as a lighter event-built resource, the fastest SimPy form we have",
        }[v]
        target = " (target >= 30x)" if v == "resource" else ""
        print(
            f"  simpy {sp['simpy_version']} ({what}): {sp['requests']} requests in "
            f"{sp['wall_s']:.2f} s wall: {sp['sim_requests_per_s']:,.0f} simulated requests/s: "
            f"ratio {ratio:.1f}x{target}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
