"""Measured on the real HAProxy versus predicted by teardown, scenario by scenario.

For each validation scenario (``measure.SCENARIOS``) this runs the real chain ``repeats``
times (``measure.measure``), runs the simulator on the identically configured scenario
with as many seeds, and compares per-request figures:

- client failures by type, per request started;
- backend resets (ECONNRESET seen by backend applications), per request completed;
- server-side connections per request;
- each server's share of requests;
- after a backend restart (``backends.events``), the restarted server's share of requests in
  the window from its return plus ``rise`` x ``interval`` to the end of arrivals
  (``share.after_restart.server.<i>``, :func:`.measure.restart_windows`).

A scenario with events is simulated on the real run's timeline: no warm-up, the validation
duration, the events at the same times, clients starting with empty pools as the real ones
do, and more seeds (:data:`EVENT_SEEDS`), each run being short; the simulator's share comes
from its time series in 100 ms bins.

A prediction passes when it lies within the widest of: the measured 95% interval, +-25% of
the measured mean, and +-3 percentage points (all these figures are fractions of requests).
One that does not is "differs", and fails `teardown validate` and the tests.
Loopback delays are tiny and the real processes take time of their own, so the simulated
network uses 25 us one-way delays and the proxy 20 us of processing.
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from teardown.validation import measure as measuring

__all__ = [
    "COMPARED",
    "EVENT_SEEDS",
    "Row",
    "compare",
    "main",
    "predict",
    "to_teardown_scenario",
]

# Per-request figures compared, with how the simulator's metrics give them.
COMPARED = (
    "client.eof_before_response",
    "client.reset_on_read",
    "client.reset_on_write",
    "client.http_5xx",
    "backend.resets_per_request",
    "connections.server_side.per_request",
)

LOOPBACK_DELAY = "25us"
EVENT_SEEDS = 12  # simulator seeds per scenario (each run lasts seconds, as the real one does)
BIN = 0.1  # seconds: the simulator's time-series bin for windows after a restart


def to_teardown_scenario(harness: Mapping[str, Any], duration: str | None = None) -> dict[str, Any]:
    """The simulator's scenario for a harness scenario (its keys mostly are the simulator's).

    ``duration`` overrides the real run's (``validation.duration``)."""
    sc = measuring.merge(measuring.DEFAULTS, harness)
    clients, pool, arrival = sc["clients"], sc["clients"]["pool"], sc["clients"]["arrival"]
    backends, proxy = sc["backends"], sc["proxy"]
    service = backends["service_time"]
    mean = service.get("mean", "0s")
    if measuring.parse_seconds(mean) in (None, 0, 0.0):
        mean = "50us"  # the Python backends take about that long to answer
    ka = backends["keep_alive"]
    out: dict[str, Any] = {
        # The real run's timeline: clients start with empty pools, nothing is warmed up, and
        # the run lasts as long as the real load. Connection set-up is a large part of a run
        # of a few seconds; a long warmed-up simulation undercounts it (docs/validation.md).
        "sim": {"duration": duration or sc["validation"]["duration"], "warmup": "0s"},
        "network": {"client_proxy_delay": LOOPBACK_DELAY, "proxy_backend_delay": LOOPBACK_DELAY},
        "clients": {
            "count": clients["count"],
            "retries": clients["retries"],
            "request_size": clients["request_size"],
            "response_size": clients["response_size"],
            "arrival": {k: arrival[k] for k in ("kind", "rate", "think_time", "concurrency") if k in arrival},
            "pool": {
                k: pool[k]
                for k in (
                    "max_size",
                    "reuse",
                    "idle_evict",
                    "evict_interval",
                    "validate_after_inactivity",
                    "max_lifetime",
                )
            },
        },
        "proxy": {k: copy.deepcopy(v) for k, v in proxy.items() if k != "nolinger"},
        "backends": {
            "servers": backends["servers"],
            "workers": backends["workers"],
            "keep_alive": ka,
            "close_delay": backends["close_delay"],
            "service_time": {
                "dist": "constant" if service.get("dist", "constant") == "constant" else service["dist"],
                "mean": mean,
            },
        },
    }
    if proxy.get("nolinger") in (True, "both", "client", "server"):
        out["proxy"]["nolinger"] = True
    check = backends["health_check"]
    out["backends"]["health_check"] = {k: check[k] for k in ("interval", "rise", "fall") if k in check}
    if backends["events"]:
        # The real run's timeline: events at the same times from a cold start, no warm-up.
        out["sim"] = {"duration": sc["validation"]["duration"], "warmup": "0s", "timeseries_bin": f"{BIN}s"}
        out["backends"]["events"] = copy.deepcopy(backends["events"])
    return out


def _per_request(m: Mapping[str, float]) -> dict[str, float]:
    started = max(1.0, float(m.get("requests.started", 0)))
    completed = max(1.0, float(m.get("requests.completed", 0)))
    out = {k: float(m.get(k, 0)) / started for k in COMPARED[:4]}
    out["backend.resets_per_request"] = float(m.get("backend.resets", 0)) / completed
    out["connections.server_side.per_request"] = float(m.get("connections.server_side.per_request", 0))
    return out


def predict(harness: Mapping[str, Any], replications: int = 3) -> dict[str, dict[str, float]]:
    """The simulator's per-request figures: mean and 95% interval over seeds."""
    import teardown as td

    base = td.Scenario.from_dict(to_teardown_scenario(harness))
    windows = measuring.restart_windows(harness)
    runs = []
    for seed in range(1, replications + 1):
        r = td.run(base.with_({"sim.seed": seed}))
        row = _per_request(r.metrics)
        for srv in r.per_server.itertuples():
            row[f"share.requests.server.{srv.server}"] = float(srv.request_share)
        row.update(_shares_after_restart(r.timeseries, windows))
        runs.append(row)
    return measuring.summarise(runs)


def _shares_after_restart(ts: Any, windows: Mapping[int, tuple[float, float, float]]) -> dict[str, float]:
    """Each restarted server's share of requests over its window, from the time series (bins
    whose start lies in [start, end); the window bounds are whole bins)."""
    out: dict[str, float] = {}
    for server, (_, start, end) in windows.items():
        eps = 1e-6
        inside = ts[(ts.time_s >= start - eps) & (ts.time_s < end - eps)]
        total = float(inside.requests.sum())
        if total > 0:
            mine = float(inside[inside.server == server].requests.sum())
            out[f"share.after_restart.server.{server}"] = mine / total
    return out


_SHARES = ("share.requests.server.", "share.after_restart.server.")


def _measured_per_request(raw: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    runs = []
    for m in raw:
        row = _per_request(
            {**m, "connections.server_side.per_request": m.get("connections.server_side.per_request", 0)}
        )
        row.update({k: v for k, v in m.items() if k.startswith(_SHARES)})
        runs.append(row)
    return measuring.summarise(runs)


def _has_events(harness: Mapping[str, Any]) -> bool:
    return bool(harness.get("backends", {}).get("events"))


@dataclass
class Row:
    scenario: str
    metric: str
    measured: float
    low: float
    high: float
    predicted: float
    verdict: str  # "ok" or "differs"


def _verdict(measured: float, low: float, high: float, predicted: float) -> str:
    half = 0.0 if math.isnan(low) else max(measured - low, high - measured)
    allowed = max(half, 0.25 * abs(measured), 0.03)
    return "ok" if abs(predicted - measured) <= allowed else "differs"


def compare(name: str, repeats: int = 3) -> list[Row]:
    """Measure scenario `name` on the real HAProxy and compare with the prediction."""
    harness = measuring.SCENARIOS[name]
    raw = [measuring.run_once(harness, seed) for seed in range(repeats)]
    measured = _measured_per_request(raw)
    predicted = predict(harness, replications=EVENT_SEEDS)
    rows = []
    for metric in sorted(set(measured) & set(predicted)):
        m = measured[metric]
        p = predicted[metric]["mean"]
        rows.append(
            Row(name, metric, m["mean"], m["lo"], m["hi"], p, _verdict(m["mean"], m["lo"], m["hi"], p))
        )
    return rows


def format_table(rows: list[Row]) -> str:
    lines = [f"{'scenario':22} {'metric':38} {'measured (95% CI)':>26} {'predicted':>10}  verdict"]
    for r in rows:
        ci = "" if math.isnan(r.low) else f" [{r.low:.3f}, {r.high:.3f}]"
        lines.append(
            f"{r.scenario:22} {r.metric:38} {r.measured:>8.3f}{ci:>18} {r.predicted:>10.3f}  {r.verdict}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="teardown validate",
        description="Measure scenarios on the real HAProxy and compare with teardown.",
    )
    parser.add_argument(
        "scenarios", nargs="*", help=f"scenario names (default: all of {', '.join(measuring.SCENARIOS)})"
    )
    parser.add_argument("-r", "--repeats", type=int, default=3, help="real runs per scenario (default 3)")
    args = parser.parse_args(argv)
    names = args.scenarios or list(measuring.SCENARIOS)
    unknown = [n for n in names if n not in measuring.SCENARIOS]
    if unknown:
        print(
            f"teardown validate: unknown scenario(s) {unknown}; known: {list(measuring.SCENARIOS)}",
            file=sys.stderr,
        )
        return 2
    rows: list[Row] = []
    for name in names:
        rows.extend(compare(name, args.repeats))
        print(format_table([r for r in rows if r.scenario == name]), flush=True)
    ok = sum(r.verdict == "ok" for r in rows)
    print(f"\n{ok} of {len(rows)} predictions within tolerance")
    return 1 if ok < len(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
