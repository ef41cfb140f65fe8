"""A randomized validation campaign: configurations nobody picked, on the real HAProxy and in teardown.

``teardown validate --random N --seed S`` draws N harness scenarios from :data:`SPACE`, runs
each on the real chain (:func:`.measure.run_once`, ``repeats`` times) and in the simulator
(:func:`.compare.predict`), and compares the same per-request figures with the same verdict
rule as the named scenarios (:func:`.compare.compare_harness`). It prints the pass rate per
metric and the worst misses, each with its draw in one line. The draws are a function of the
seed alone (``random.Random(seed)``), so a campaign can be run again to the byte. With
``draw(..., stratified=True)`` the choices are stratified instead (every block of k draws takes
each of a dimension's k values once), so that even 10 draws meet every mode and arrival kind;
the default keeps the draws that docs/validation.md names. ``python -m
teardown.validation.campaign`` prints the space.

The space covers what shapes teardown: the HTTP mode, http-reuse, prefer-last-server, the
balance algorithm, the proxy's timeouts (0.3-3 s, so that idle timeouts fire within a run of a
few seconds), arrivals (Poisson; on/off bursts whose silences straddle the client-side idle
timeout; a closed loop whose think times do too), the client pool (size 2-32, an idle evictor
off or below or above the proxy's timeout, a stale check), the backends (keep-alive;
close-after-response 0, 1 or 5 ms after writing; their own idle timeout shorter than the
proxy's), 2-4 servers of 1-4 workers, and nolinger. Each real run lasts 3 s (at most 1500
requests); a closed loop gets more clients, and bursts a higher rate, so that a run has about
:data:`MIN_REQUESTS` requests or more.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from teardown.validation import compare as comparing
from teardown.validation import parse_seconds

__all__ = [
    "SPACE",
    "classify",
    "describe",
    "draw",
    "run_campaign",
    "summarise",
    "format_summary",
    "with_validation",
    "write_rows",
]

# Each draw gets at least this many requests per real run on average (a closed loop more clients,
# bursts a higher rate), so that a share or a per-request rate has something to stand on.
MIN_REQUESTS = 60

# The declared space: each dimension, its values (or range) and what it means. draw() reads it.
SPACE: dict[str, tuple[str, Any]] = {
    "proxy.mode": ("choice", ["http-keep-alive", "http-server-close", "server-close+pretend", "httpclose"]),
    "proxy.http_reuse": ("choice", ["never", "safe", "always"]),
    "proxy.prefer_last_server": ("choice", [False, True]),
    "proxy.balance": ("choice", ["roundrobin", "leastconn", "random"]),
    "proxy.timeout.client": ("log-uniform seconds", (0.3, 3.0)),
    "proxy.timeout.server": ("log-uniform seconds", (0.3, 3.0)),
    "proxy.timeout.http_keep_alive": ("log-uniform seconds, or off", (0.3, 3.0)),
    "proxy.nolinger": ("choice", [False, False, False, True]),
    "clients.arrival.kind": ("choice", ["poisson", "onoff", "closed"]),
    "clients.count": ("integer", (2, 16)),
    "clients.pool.max_size": ("integer", (2, 32)),
    "clients.pool.idle_evict": (
        "choice relative to the proxy's client-side timeout",
        ["off", "below", "above"],
    ),
    "clients.pool.validate_after_inactivity": ("choice", ["off", "0.2s", "1s"]),
    "backends.policy": (
        "choice",
        [
            "keep-alive",
            "close-after-response 0ms",
            "close-after-response 1ms",
            "close-after-response 5ms",
            "idle timeout below the proxy's",
        ],
    ),
    "backends.servers": ("integer", (2, 4)),
    "backends.workers": ("integer", (1, 4)),
}


def describe() -> str:
    """The space as text, one dimension a line."""
    return "\n".join(f"{key:42} {kind}: {values}" for key, (kind, values) in SPACE.items())


class _Rng(random.Random):
    """``random.Random`` whose choices from SPACE are stratified: each run of len(values) draws
    of a dimension takes every value once, in a random order. A short campaign (CI's 10 draws)
    then still reaches every mode and arrival kind; a long one has the same marginals."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.strata: dict[str, list[Any]] = {}

    def stratified(self, key: str) -> Any:
        queue = self.strata.setdefault(key, [])
        if not queue:
            values = SPACE[key][1]
            queue.extend(self.sample(values, len(values)))
        return queue.pop()


def _choice(rng: random.Random, key: str) -> Any:
    return rng.stratified(key) if isinstance(rng, _Rng) else rng.choice(SPACE[key][1])


def _log_uniform(rng: random.Random, key: str) -> float:
    lo, hi = SPACE[key][1]
    return round(math.exp(rng.uniform(math.log(lo), math.log(hi))), 3)


def _integer(rng: random.Random, key: str) -> int:
    lo, hi = SPACE[key][1]
    return rng.randint(lo, hi)


def _seconds(x: float) -> str:
    return f"{round(x * 1000)}ms"


def _one(rng: random.Random, duration: float) -> dict[str, Any]:
    """One harness scenario drawn from SPACE."""
    mode = _choice(rng, "proxy.mode")
    proxy: dict[str, Any] = {
        "mode": "http-server-close" if mode == "server-close+pretend" else mode,
        "http_reuse": _choice(rng, "proxy.http_reuse"),
        "prefer_last_server": _choice(rng, "proxy.prefer_last_server"),
        "balance": _choice(rng, "proxy.balance"),
        "nolinger": _choice(rng, "proxy.nolinger"),
    }
    if mode == "server-close+pretend":
        proxy["pretend_keepalive"] = True
    client_t = _log_uniform(rng, "proxy.timeout.client")
    server_t = _log_uniform(rng, "proxy.timeout.server")
    keep_alive = _log_uniform(rng, "proxy.timeout.http_keep_alive") if rng.random() < 0.7 else None
    proxy["timeout"] = {"client": _seconds(client_t), "server": _seconds(server_t), "connect": "2s"}
    if keep_alive is not None:
        proxy["timeout"]["http_keep_alive"] = _seconds(keep_alive)
    idle = keep_alive if keep_alive is not None else client_t  # the client-side idle timeout in force

    kind = _choice(rng, "clients.arrival.kind")
    arrival: dict[str, Any] = {"kind": kind}
    if kind == "poisson":
        arrival["rate"] = round(rng.uniform(20, 150), 1)
    elif kind == "onoff":
        # Silences straddle the idle timeout: half shorter, half longer on average.
        rate, on, off = rng.uniform(50, 200), rng.uniform(0.2, 0.8), idle * rng.uniform(0.5, 2.0)
        # At least MIN_REQUESTS per run on average (capped at what the real client keeps up with).
        rate = min(max(rate, MIN_REQUESTS * (on + off) / (on * duration)), 400.0)
        arrival.update(rate=round(rate, 1), on=_seconds(on), off=_seconds(off))
    else:
        think = idle * rng.uniform(0.3, 1.5)
        arrival.update(think_time=_seconds(think), think_dist="exponential", concurrency=1)
    evict = _choice(rng, "clients.pool.idle_evict")
    pool: dict[str, Any] = {"max_size": _integer(rng, "clients.pool.max_size"), "reuse": "lifo"}
    if evict != "off":
        pool["idle_evict"] = _seconds(
            idle * (rng.uniform(0.3, 0.7) if evict == "below" else rng.uniform(1.3, 2.0))
        )
        pool["evict_interval"] = "50ms"
    pool["validate_after_inactivity"] = _choice(rng, "clients.pool.validate_after_inactivity")
    count = _integer(rng, "clients.count")
    if kind == "closed":  # at least MIN_REQUESTS per run on average: more clients
        count = max(count, math.ceil(MIN_REQUESTS * think / duration))
    clients = {"count": count, "arrival": arrival, "pool": pool}

    policy = _choice(rng, "backends.policy")
    backends: dict[str, Any] = {
        "servers": _integer(rng, "backends.servers"),
        "workers": _integer(rng, "backends.workers"),
    }
    if policy == "keep-alive":
        backends["keep_alive"] = "forever"
    elif policy.startswith("close-after-response"):
        backends["keep_alive"] = "close-after-response"
        backends["close_delay"] = policy.split()[1]
    else:
        # Its own idle timeout, shorter than the proxy's keep of idle server connections.
        backends["keep_alive"] = _seconds(rng.uniform(0.2, 1.0))
    return {
        "proxy": proxy,
        "clients": clients,
        "backends": backends,
        "validation": {"duration": _seconds(duration), "max_requests": 1500, "settle": "0.3s"},
    }


def draw(
    n: int, seed: int, duration: float = 3.0, stratified: bool = False
) -> list[tuple[str, dict[str, Any]]]:
    """``n`` named harness scenarios from SPACE; the same (n, seed, stratified) give the same
    list, and a longer list starts with a shorter one."""
    rng = _Rng(seed) if stratified else random.Random(seed)
    return [(f"r{seed}-{i:03d}", _one(rng, duration)) for i in range(n)]


def _backend_policy(backends: Mapping[str, Any]) -> str:
    ka = backends["keep_alive"]
    if ka == "forever":
        return "keep-alive"
    if ka == "close-after-response":
        return f"close-after-response {backends['close_delay']}"
    return "idle timeout below the proxy's"


def classify(harness: Mapping[str, Any]) -> dict[str, Any]:
    """A draw read back as a point of SPACE (its value for each dimension), so that a test or a
    reader can check which declared values a campaign reached."""
    p, c, b = harness["proxy"], harness["clients"], harness["backends"]
    t, pool = p["timeout"], c["pool"]
    ka = parse_seconds(t["http_keep_alive"]) if "http_keep_alive" in t else None
    idle = ka if ka is not None else parse_seconds(t["client"])
    evict = parse_seconds(pool["idle_evict"]) if "idle_evict" in pool else None
    return {
        "proxy.mode": "server-close+pretend" if p.get("pretend_keepalive") else p["mode"],
        "proxy.http_reuse": p["http_reuse"],
        "proxy.prefer_last_server": p["prefer_last_server"],
        "proxy.balance": p["balance"],
        "proxy.timeout.client": parse_seconds(t["client"]),
        "proxy.timeout.server": parse_seconds(t["server"]),
        "proxy.timeout.http_keep_alive": "off" if ka is None else ka,
        "proxy.nolinger": p["nolinger"],
        "clients.arrival.kind": c["arrival"]["kind"],
        "clients.count": c["count"],
        "clients.pool.max_size": pool["max_size"],
        "clients.pool.idle_evict": "off" if evict is None else ("below" if evict < idle else "above"),
        "clients.pool.validate_after_inactivity": pool["validate_after_inactivity"],
        "backends.policy": _backend_policy(b),
        "backends.servers": b["servers"],
        "backends.workers": b["workers"],
    }


def one_line(harness: Mapping[str, Any]) -> str:
    """A draw in one line, for the misses table."""
    p, c, b = harness["proxy"], harness["clients"], harness["backends"]
    mode = p["mode"] + ("+pretend" if p.get("pretend_keepalive") else "")
    t = p["timeout"]
    parts = [
        mode,
        f"reuse {p['http_reuse']}",
        "pls" if p["prefer_last_server"] else "",
        p["balance"],
        f"client {t['client']} server {t['server']} ka {t.get('http_keep_alive', '-')}",
        "nolinger" if p["nolinger"] else "",
        f"{c['count']} clients {_arrival(c['arrival'])}",
        f"pool {c['pool']['max_size']} evict {c['pool'].get('idle_evict', 'off')}",
        f"check {c['pool']['validate_after_inactivity']}",
        f"backends {b['servers']}x{b['workers']} {_backend_line(b)}",
    ]
    return ", ".join(x for x in parts if x)


def _arrival(a: Mapping[str, Any]) -> str:
    if a["kind"] == "poisson":
        return f"poisson {a['rate']}/s"
    if a["kind"] == "onoff":
        return f"onoff {a['rate']}/s on {a['on']} off {a['off']}"
    return f"closed think {a['think_time']}"


def _backend_line(b: Mapping[str, Any]) -> str:
    if b["keep_alive"] in ("forever", "close-after-response"):
        return _backend_policy(b)
    return f"idle timeout {b['keep_alive']}"


def with_validation(harness: Mapping[str, Any], **keys: str | None) -> dict[str, Any]:
    """``harness`` with the given ``validation.<key>`` set (``haproxy``, ``backend``); a key given
    as None is left as it is. The real run reads them; the simulator ignores them."""
    extra = {k: v for k, v in keys.items() if v is not None}
    return {**harness, "validation": {**harness.get("validation", {}), **extra}}


def run_campaign(
    n: int,
    seed: int,
    repeats: int = 2,
    progress: bool = True,
    haproxy: str | None = None,
    backend: str | None = None,
    stratified: bool = False,
) -> tuple[list[comparing.Row], dict[str, dict[str, Any]]]:
    """Every draw measured and predicted: (rows, the draws by name). ``haproxy`` and ``backend``
    set ``validation.haproxy`` / ``validation.backend`` in every draw. A draw the harness cannot
    run (HAProxy refuses it, a port is taken) is reported on stderr and left out."""
    rows: list[comparing.Row] = []
    draws = dict(draw(n, seed, stratified=stratified))
    started = time.monotonic()
    for k, (name, harness) in enumerate(draws.items(), 1):
        harness = with_validation(harness, haproxy=haproxy, backend=backend)
        try:
            rows.extend(comparing.compare_harness(name, harness, repeats))
        except (RuntimeError, TimeoutError, OSError, ValueError) as error:
            print(f"{name}: not run ({error})", file=sys.stderr)
        if progress:
            elapsed = time.monotonic() - started
            print(
                f"[{k}/{n}] {name} done, {elapsed:.0f} s, about {elapsed / k * (n - k):.0f} s left",
                file=sys.stderr,
                flush=True,
            )
    return rows, draws


def _family(metric: str) -> str:
    """share.requests.server.2 -> share.requests.server.*"""
    head, _, tail = metric.rpartition(".")
    return f"{head}.*" if tail.isdigit() else metric


def _miss(r: comparing.Row) -> float:
    """How far outside its tolerance a row is (<= 1 is within)."""
    half = 0.0 if math.isnan(r.low) else max(r.measured - r.low, r.high - r.measured)
    allowed = max(half, 0.25 * abs(r.measured), 0.03)
    return abs(r.predicted - r.measured) / allowed


def summarise(rows: list[comparing.Row]) -> dict[str, Any]:
    """Pass rate per metric (families of per-server shares together) and overall."""
    per: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        per[_family(r.metric)].append(r.verdict.startswith("ok"))
    total = [ok for oks in per.values() for ok in oks]
    return {
        "overall": (sum(total), len(total)),
        "per_metric": {m: (sum(v), len(v)) for m, v in sorted(per.items())},
    }


def format_summary(rows: list[comparing.Row], draws: Mapping[str, Mapping[str, Any]], worst: int = 12) -> str:
    s = summarise(rows)
    ok, n = s["overall"]
    lines = [f"pass rate: {ok} of {n} compared figures within tolerance ({100 * ok / max(1, n):.1f}%)", ""]
    lines.append(f"{'metric':52} {'passed':>12}")
    for metric, (good, count) in s["per_metric"].items():
        lines.append(f"{metric:52} {good:>5} of {count:<4} ({100 * good / max(1, count):.0f}%)")
    misses = sorted((r for r in rows if not r.verdict.startswith("ok")), key=_miss, reverse=True)[:worst]
    if misses:
        lines += ["", "worst misses (how many tolerances away), with the draw:"]
        for r in misses:
            lines.append(
                f"{r.scenario} {r.metric}: measured {r.measured:.3f} [{r.low:.3f}, {r.high:.3f}], predicted "
                f"{r.predicted:.3f} ({_miss(r):.1f}x)\n    {one_line(draws[r.scenario])}"
            )
    return "\n".join(lines)


def write_rows(rows: list[comparing.Row], draws: Mapping[str, Mapping[str, Any]], path: str) -> None:
    """Rows as CSV (``.csv``) or JSON lines (anything else), each with its draw."""
    records = [{**dataclasses.asdict(r), "draw": one_line(draws[r.scenario])} for r in rows]
    with open(path, "w", newline="") as f:
        if path.endswith(".csv"):
            writer = csv.DictWriter(f, fieldnames=list(records[0]) if records else ["scenario"])
            writer.writeheader()
            writer.writerows(records)
        else:
            for rec in records:
                f.write(json.dumps(rec) + "\n")


if __name__ == "__main__":  # python -m teardown.validation.campaign: print the declared space
    print(describe())
