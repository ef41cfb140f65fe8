"""Run one validation scenario end to end on the real HAProxy and report measured metrics.

A scenario is a dict with the keys of docs/scenario.md (``clients``,
``proxy``, ``backends``), read as real wall-clock time, plus a ``validation``
table that bounds the run::

    [validation]
    duration = "4s"        # wall time of the load (arrivals stop after it)
    max_requests = 2000    # arrivals stop after this many requests
    repeats = 3            # runs for mean and 95 % interval
    settle = "0.3s"        # wait after the last response before reading counters
    capture = true         # count segments on lo (teardown.validation.wire); needs tshark and root
    haproxy = "/path/to/haproxy"   # the binary to run (default: haproxy on PATH, /usr/sbin)
    backend = "python"     # or "netty", "node": the real backends (.netty, .node)
    client = "python"      # or a real library: "apache-httpclient-4.5", "okhttp-3",
                           # "jdk-httpclient-17" (.javaclient); its defaults replace the
                           # scenario keys they govern (.libraries)

``sim``/``network`` keys are ignored (loopback has its own delays). Missing keys
take the small, fast defaults in :data:`DEFAULTS`, not the simulator's.

``[[backends.events]]`` (``at`` from the start of the load, ``server``, ``action`` =
``restart`` | ``down`` | ``up``, ``downtime``) act on the real backends during the load:
a restart closes every connection the server holds and its listener, so connects are
refused for ``downtime``; then it listens again (:meth:`.BackendServer.restart`).

Metrics (counts over the load, read before teardown): ``requests.started``,
``.completed``, ``.failed``, ``.in_flight``; ``client.<kind>`` for each failure kind
of :mod:`.client` and ``client.errno.<kind>.<ERRNO>``; ``client.failed_on_reused``,
``client.failed_reuse_gap_min`` (s); ``backend.resets`` (ECONNRESET seen by backend
applications on connections that carried a request), ``backend.resets_no_request``,
``backend.resets_per_request`` (per completed request); ``connections.client_side.opened``
(client connects; with a Java client, HAProxy's frontend count) and ``.per_request`` (per
request started), ``connections.server_side.opened`` (backend connections that
carried a request; health checks excluded), ``connections.server_side.per_request``
(per completed request); ``share.requests.server.<i>`` (of requests served by the
backends) and ``skew.requests.max_over_mean``; ``share.after_restart.server.<i>`` for a
server that restarts (or comes ``up``) during the load: its share of the requests served in
the window from its return plus ``rise`` x ``interval`` of the health checks (when HAProxy
has surely marked it up again) to the end of arrivals (:func:`restart_windows`), with
``restart.server.<i>.down_s`` / ``.up_s``, when its listener really closed and reopened
(seconds from the start of the load); ``haproxy.*`` deltas of ``show stat``
(backend ``connect``, ``reuse``, ``wretr``...); ``host.tcp.*`` deltas of the kernel
counters of this network namespace: ``out_rsts`` (RST segments sent by any socket,
all directions), ``abort_on_data`` (Linux TCPAbortOnData: close with SO_LINGER 0, or
data after close), ``abort_on_close`` (close with unread data), ``abort_on_linger``.

CLI: ``python -m teardown.validation.measure --scenario NAME|file.toml [-r R]``.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from teardown.validation import parse_seconds, wire
from teardown.validation.backends import BackendCluster, BackendPolicy
from teardown.validation.client import (
    FAILURE_KINDS,
    ClientConfig,
    ClientStats,
    ConnectionPool,
    Evictor,
    run_closed,
    run_onoff,
    run_poisson,
)
from teardown.validation.haproxy import HAProxy, free_port, render_config
from teardown.validation.javaclient import JavaClientRun
from teardown.validation.libraries import apply as apply_libraries
from teardown.validation.netty import NettyCluster
from teardown.validation.node import NodeCluster

__all__ = ["DEFAULTS", "SCENARIOS", "merge", "restart_windows", "run_once", "measure", "main"]

DEFAULTS: dict[str, Any] = {
    "clients": {
        "count": 4,
        "retries": 0,
        "request_size": 512,
        "response_size": 2048,
        "arrival": {
            "kind": "poisson",
            "rate": 100.0,
            "think_time": "1s",
            "think_dist": "exponential",
            "think_spread": 0.5,
            "concurrency": 1,
            "on": "1s",
            "off": "1s",
        },
        "pool": {
            "max_size": 4,
            "reuse": "lifo",
            "idle_evict": "off",
            "evict_interval": "0.1s",
            "validate_after_inactivity": "off",
            "max_lifetime": "off",
        },
    },
    "proxy": {
        # No "version": the binary's own (haproxy.detect_version); compare maps it to a preset.
        "mode": "http-keep-alive",
        "balance": "roundrobin",
        "timeout": {"client": "10s", "server": "10s", "connect": "2s"},
    },
    "backends": {
        "servers": 2,
        "workers": 2,
        "keep_alive": "forever",
        "close_delay": "0s",
        "response_size": None,
        "service_time": {"dist": "constant", "mean": "0s"},
        "health_check": {"enabled": True, "interval": "2s", "rise": 2, "fall": 3},
        "events": [],
    },
    "validation": {"duration": "4s", "max_requests": 2000, "repeats": 3, "settle": "0.3s", "capture": True},
}

# Exponential think times: the simulator's closed loop draws the same distribution, so the
# measured and predicted stale-reuse rates are comparable (docs/sources.md §13).
_KA_1S = {
    "proxy": {"mode": "http-keep-alive", "timeout": {"http_keep_alive": "1s"}},
    "clients": {"count": 12, "arrival": {"kind": "closed", "think_time": "1s", "think_dist": "exponential"}},
}
_SCL = {
    "proxy": {"mode": "http-server-close"},
    "backends": {"keep_alive": "close-after-response", "close_delay": "5ms"},
    "clients": {"arrival": {"kind": "poisson", "rate": 80.0}},
}

# LAB-E2E bullet 7: server 0 restarts (down 1 s) 2 s into a 7 s load. Fast health checks
# (200 ms, rise 2, fall 2) so its return fits in the run. 80 clients, Poisson arrivals: each
# client's idle evictor closes its pooled connection when a gap exceeds 1.5 s, so client
# connections are renewed at random, about every 5 s each.
_RESTART = {
    "clients": {
        "count": 80,
        "arrival": {"kind": "poisson", "rate": 100.0},
        "pool": {"max_size": 2, "idle_evict": "1.5s", "evict_interval": "0.1s"},
    },
    "backends": {
        "health_check": {"interval": "200ms", "rise": 2, "fall": 2},
        "events": [{"at": "2s", "server": 0, "action": "restart", "downtime": "1s"}],
    },
    "validation": {"duration": "7s"},
}
# Pinned client connections. `option redispatch`: a connect refused by the dead server before
# the checks mark it down goes to another server, as the simulator's retries do; without it
# HAProxy retries the same server 1 s later (see restart-pinned-retry).
_PINNED = {"prefer_last_server": True, "http_reuse": "never", "redispatch": True}

SCENARIOS: dict[str, dict[str, Any]] = {
    # LAB-E2E bullet 1: stale reuse after the 1 s keep-alive timeout -> EOF, not reset.
    "ka-stale": _KA_1S,
    "ka-stale-evict": {**_KA_1S, "clients": {**_KA_1S["clients"], "pool": {"idle_evict": "0.5s"}}},
    # LAB-E2E bullet 2: client-side nolinger -> FIN then RST -> next write EPIPE.
    # (nolinger on both sides, as the simulator's proxy.nolinger sets it; the client side decides.)
    "ka-nolinger-client": {**_KA_1S, "proxy": {**_KA_1S["proxy"], "nolinger": True}},
    # LAB-E2E bullet 4: server-close vs a backend closing after write, with / without delay.
    "scl-close-delay": _SCL,
    "scl-close-nodelay": {**_SCL, "backends": {**_SCL["backends"], "close_delay": "0s"}},
    "scl-pretend-ka": {
        "proxy": {"mode": "http-server-close", "pretend_keepalive": True},
        "clients": {"arrival": {"kind": "poisson", "rate": 80.0}},
    },
    # LAB-E2E bullets 3 and 6: 2.x keep-alive resets, prefer-last-server with http-reuse never.
    "ka-poisson": {"clients": {"arrival": {"kind": "poisson", "rate": 100.0}}},
    "ka-prefer-last-never": {
        "proxy": {"prefer_last_server": True, "http_reuse": "never"},
        "clients": {"arrival": {"kind": "poisson", "rate": 100.0}},
    },
    "httpclose": {"proxy": {"mode": "httpclose"}, "clients": {"arrival": {"kind": "poisson", "rate": 80.0}}},
    # LAB-E2E bullet 7: the restarted server's share once it is back. Pinned client connections
    # (prefer-last-server + http-reuse never) under roundrobin and leastconn; the same without
    # redispatch; plain 2.6 keep-alive. Two are known model gaps (compare.KNOWN_GAPS).
    "restart-rr-pinned": {**_RESTART, "proxy": {**_PINNED, "balance": "roundrobin"}},
    "restart-lc-pinned": {**_RESTART, "proxy": {**_PINNED, "balance": "leastconn"}},
    "restart-pinned-retry": {**_RESTART, "proxy": {**_PINNED, "redispatch": False}},
    "restart-rr-keepalive": {**_RESTART, "proxy": {"balance": "roundrobin"}},
}


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base`` (tables merge, other values replace)."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _sampler(
    dist: str, mean: float, spread: float = 0.5, sigma: float = 1.0
) -> Callable[[random.Random], float]:
    """A draw function for constant / exponential / uniform / lognormal times with the given mean."""
    if mean <= 0 or dist == "constant":
        return lambda rng: mean
    if dist == "exponential":
        return lambda rng: rng.expovariate(1.0 / mean)
    if dist == "uniform":
        return lambda rng: rng.uniform(mean * (1 - spread), mean * (1 + spread))
    if dist == "lognormal":
        mu = math.log(mean) - sigma * sigma / 2
        return lambda rng: rng.lognormvariate(mu, sigma)
    raise ValueError(f"unknown distribution {dist!r}")


def _backend_policy(sc: Mapping[str, Any]) -> BackendPolicy:
    b, st = sc["backends"], sc["backends"]["service_time"]
    ka = b["keep_alive"]
    keep_alive: str | float = ka
    if ka not in ("forever", "close-after-response"):
        keep_alive = float(parse_seconds(ka) or 0)
    return BackendPolicy(
        keep_alive=keep_alive,
        close_delay=parse_seconds(b["close_delay"]) or 0.0,
        service_time=_sampler(
            st.get("dist", "constant"),
            parse_seconds(st.get("mean", 0)) or 0.0,
            sigma=float(st.get("sigma", 1.0)),
        ),
        response_size=int(b.get("response_size") or sc["clients"]["response_size"]),
    )


def _client_config(sc: Mapping[str, Any], port: int) -> ClientConfig:
    c, p = sc["clients"], sc["clients"]["pool"]
    return ClientConfig(
        port=port,
        max_size=int(p["max_size"]),
        reuse=str(p["reuse"]),
        idle_evict=parse_seconds(p["idle_evict"]),
        evict_interval=parse_seconds(p["evict_interval"]) or 0.1,
        validate_after_inactivity=parse_seconds(p["validate_after_inactivity"]),
        max_lifetime=parse_seconds(p["max_lifetime"]),
        retries=int(c["retries"]),
        request_size=int(c["request_size"]),
    )


def _tcp_counters() -> dict[str, int]:
    """Host TCP counters of this network namespace (/proc/net/snmp and netstat)."""
    out: dict[str, int] = {}
    for path, prefix in (("/proc/net/snmp", "Tcp:"), ("/proc/net/netstat", "TcpExt:")):
        try:
            lines = [ln.split() for ln in open(path) if ln.startswith(prefix)]
        except OSError:
            continue
        if len(lines) >= 2:
            pairs = zip(lines[0][1:], lines[1][1:], strict=False)
            out.update({k: int(v) for k, v in pairs if v.lstrip("-").isdigit()})
    return out


def _cluster(sc: Mapping[str, Any], seed: int) -> BackendCluster | NettyCluster:
    """The real backends ``validation.backend`` names."""
    backend = sc["validation"].get("backend", "python")
    if backend == "netty":  # the real Netty 4 server (teardown.validation.netty)
        return NettyCluster.from_scenario(sc, seed=seed)
    if backend == "node":  # Node's http.Server (teardown.validation.node)
        return NodeCluster.from_scenario(sc, seed=seed)
    if backend == "python":
        b = sc["backends"]
        return BackendCluster(int(b["servers"]), _backend_policy(sc), int(b["workers"]), seed=seed)
    raise ValueError(f"validation.backend: {backend!r} is not one of 'python', 'netty', 'node'")


def _python_load(sc: Mapping[str, Any], pools: list[ConnectionPool], seed: int) -> Any:
    """Run the Python client's load loop the scenario's arrival process names."""
    v, a = sc["validation"], sc["clients"]["arrival"]
    duration = parse_seconds(v["duration"]) or 4.0
    if a["kind"] == "poisson":
        return run_poisson(pools, float(a["rate"]), int(v["max_requests"]), duration, seed)
    if a["kind"] == "onoff":
        return run_onoff(
            pools,
            float(a["rate"]),
            parse_seconds(a["on"]) or 1.0,
            parse_seconds(a["off"]) or 1.0,
            int(v["max_requests"]),
            duration,
            seed,
        )
    if a["kind"] == "closed":
        think = _sampler(a["think_dist"], parse_seconds(a["think_time"]) or 0.0, float(a["think_spread"]))
        return run_closed(pools, think, int(a["concurrency"]), int(v["max_requests"]), duration, seed)
    raise ValueError(f"clients.arrival.kind: {a['kind']!r} is not supported by the validation runner")


def run_once(scenario: Mapping[str, Any], seed: int = 0) -> dict[str, float]:
    """Run ``scenario`` once on the real HAProxy and return its measured metrics."""
    sc = merge(DEFAULTS, apply_libraries(scenario))
    v, c = sc["validation"], sc["clients"]
    library = str(v.get("client", "python"))
    cluster = _cluster(sc, seed)
    haproxy: HAProxy | None = None
    timers: list[Any] = []
    pools: list[ConnectionPool] = []
    evictor: Evictor | None = None
    java: JavaClientRun | None = None
    capture: wire.Capture | None = None
    wire_metrics: dict[str, float] = {}
    try:
        cluster.start()
        port, haproxy = _start_haproxy(sc, cluster.ports)
        stats = ClientStats()
        if library != "python":  # a real library (teardown.validation.javaclient), its JVM up first
            java = JavaClientRun(sc, library, port, seed)
            java.start()
        else:
            cfg = _client_config(sc, port)
            pools = [ConnectionPool(cfg, stats) for _ in range(int(c["count"]))]
            if cfg.idle_evict is not None:
                evictor = Evictor(pools, cfg.idle_evict, cfg.evict_interval)
                evictor.start()
        capture = wire.start([port, *cluster.ports], enabled=bool(v.get("capture", True)))
        tcp0, stat0 = _tcp_counters(), _haproxy_totals(haproxy)
        events = _events(sc)
        wall0 = time.time()
        t0 = time.monotonic()
        timers = cluster.schedule(events)
        if java is not None:
            load, stats, _ = java.run()
        else:
            load = _python_load(sc, pools, seed)
        time.sleep(parse_seconds(v["settle"]) or 0.0)
        wall1 = time.time()
        backend = cluster.snapshot()
        tcp1, stat1 = _tcp_counters(), _haproxy_totals(haproxy)
        servers = haproxy.server_stats()
        after = _restart_metrics(sc, cluster.request_times(), cluster.transitions(), t0)
        if capture is not None:
            wire_metrics = wire.analyse(capture, port, cluster.ports, wall0, wall1)
    finally:
        if capture is not None:
            capture.close()
        for t in timers:
            t.cancel()
        if evictor is not None:
            evictor.stop()
        for pool in pools:
            pool.close_all()
        if java is not None:
            java.stop()
        if haproxy is not None:
            haproxy.stop()
        cluster.stop()
    if java is not None:
        # The library's connects are counted where the proxy accepts them (the JDK's client
        # cannot count them itself); the library's own count, where it has one, is kept beside.
        stats.counters["library_connections_opened"] = stats.counters["connections_opened"]
        stats.counters["connections_opened"] = stat1["frontend.conn_tot"] - stat0["frontend.conn_tot"]
    return {**_metrics(load, stats, backend, servers, stat0, stat1, tcp0, tcp1), **after, **wire_metrics}


def picks_one_at_a_time(scenario: Mapping[str, Any], count: int) -> list[int]:
    """The servers a freshly started HAProxy sends ``count`` requests to, made one at a time, each
    on a new connection, so that no server is serving when the next is balanced (``balance
    random``'s draws then decide alone: docs/validation.md, "balance random after a restart")."""
    sc = merge(DEFAULTS, scenario)
    cluster = _cluster(sc, 0)
    haproxy: HAProxy | None = None
    try:
        cluster.start()
        port, haproxy = _start_haproxy(sc, cluster.ports)
        for _ in range(count):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", "/", headers={"Connection": "close"})
                conn.getresponse().read()
            finally:
                conn.close()
        served = [(t, server) for server, times in enumerate(cluster.request_times()) for t in times]
    finally:
        if haproxy is not None:
            haproxy.stop()
        cluster.stop()
    return [server for _, server in sorted(served)]


def _events(sc: Mapping[str, Any]) -> list[tuple[float, int, str, float]]:
    """``backends.events`` as (at_s, server, action, downtime_s), in scenario order."""
    return [
        (
            parse_seconds(e["at"]) or 0.0,
            int(e["server"]),
            str(e["action"]),
            parse_seconds(e.get("downtime", "0s")) or 0.0,
        )
        for e in sc["backends"]["events"]
    ]


def restart_windows(scenario: Mapping[str, Any]) -> dict[int, tuple[float, float, float]]:
    """Per server that comes back during the load (``restart`` or ``up`` event): (back, start,
    end) in seconds from the start of the load, nominal times.

    ``back`` is when it listens again; the window over which its share is measured starts at
    ``back`` plus ``rise`` x ``interval`` (by then the health checks have marked it up, whatever
    their phase) and ends when arrivals stop, or at the server's next event. A server that
    comes back twice is measured after its last return.
    """
    sc = merge(DEFAULTS, scenario)
    check = sc["backends"]["health_check"]
    settle_up = int(check.get("rise", 2)) * (parse_seconds(check.get("interval", "2s")) or 0.0)
    duration = parse_seconds(sc["validation"]["duration"]) or 4.0
    events = sorted(_events(sc))
    windows: dict[int, tuple[float, float, float]] = {}
    for k, (at, server, action, downtime) in enumerate(events):
        if action not in ("restart", "up"):
            continue
        back = at + (downtime if action == "restart" else 0.0)
        later = [e[0] for e in events[k + 1 :] if e[1] == server]
        windows[server] = (back, back + settle_up, min([duration, *later]))
    return windows


def _restart_metrics(
    sc: Mapping[str, Any],
    times: list[list[float]],
    transitions: list[list[tuple[float, str]]],
    t0: float,
) -> dict[str, float]:
    """``share.after_restart.server.<i>`` over the window after the real return of server i."""
    out: dict[str, float] = {}
    for server, (back, start, end) in restart_windows(sc).items():
        moves = [(t - t0, what) for t, what in transitions[server] if t > t0]
        downs = [t for t, what in moves if what == "down"]
        ups = [t for t, what in moves if what == "up"]
        if downs:
            out[f"restart.server.{server}.down_s"] = downs[-1]
        if ups:
            out[f"restart.server.{server}.up_s"] = ups[-1]
            start += ups[-1] - back  # measured from the real return
        counts = [sum(1 for t in ts if start <= t - t0 < end) for ts in times]
        if start < end and sum(counts) > 0:
            out[f"share.after_restart.server.{server}"] = counts[server] / sum(counts)
            out["share.after_restart.window_requests"] = float(sum(counts))
    return out


def _start_haproxy(sc: Mapping[str, Any], backend_ports: list[int], attempts: int = 3) -> tuple[int, HAProxy]:
    """Start HAProxy on a free frontend port (retrying if the port was taken meanwhile)."""
    binary = sc["validation"].get("haproxy") or None  # --haproxy PATH; default: the installed one
    for attempt in range(attempts):
        port, haproxy = free_port(), HAProxy(binary=binary)
        haproxy.config_text = render_config(sc, port, backend_ports, haproxy.socket_path, haproxy.version)
        try:
            haproxy.start()
            haproxy.wait_servers_up()
            return port, haproxy
        except BaseException as error:
            haproxy.stop()
            if attempt == attempts - 1 or not isinstance(error, (RuntimeError, TimeoutError)):
                raise
    raise AssertionError("unreachable")


def _haproxy_totals(haproxy: HAProxy) -> dict[str, int]:
    rows = haproxy.show_stat()
    out: dict[str, int] = {}
    for r in rows:
        if r["svname"] == "FRONTEND":
            out["frontend.conn_tot"] = int(r.get("conn_tot") or 0)
        elif r["svname"] == "BACKEND":
            for k in (
                "connect",
                "reuse",
                "econ",
                "eresp",
                "wretr",
                "wredis",
                "hrsp_5xx",
                "cli_abrt",
                "srv_abrt",
            ):
                out[f"backend.{k}"] = int(r.get(k) or 0)
    return out


def _metrics(
    load: Any,
    stats: ClientStats,
    backend: list[dict[str, int]],
    servers: list[dict[str, str]],
    stat0: dict[str, int],
    stat1: dict[str, int],
    tcp0: dict[str, int],
    tcp1: dict[str, int],
) -> dict[str, float]:
    m: dict[str, float] = {
        "requests.started": load.started,
        "requests.completed": load.completed,
        "requests.failed": load.failed,
        "requests.in_flight": load.started - load.completed - load.failed,
        "run.wall_s": load.wall,
    }
    for kind in FAILURE_KINDS:
        m[f"client.{kind}"] = stats.counters[kind]
    reused = [f for f in stats.failures if f.reused]
    gaps = [f.idle_gap for f in reused if f.idle_gap is not None]
    m["client.failed_on_reused"] = len(reused)
    m["client.failed_reuse_gap_min"] = min(gaps) if gaps else math.nan
    for name in ("evicted", "stale_checks", "stale_closed", "retries", "library_connections_opened"):
        m[f"client.{name}"] = stats.counters[name]
    for name, count in stats.counters.items():
        if name.startswith("errno."):
            m[f"client.{name}"] = count
    total = {k: sum(b[k] for b in backend) for k in backend[0]}
    m["backend.resets"] = total["resets"]
    m["backend.resets_no_request"] = total["resets_no_request"]
    m["backend.epipe"] = total["epipe"]
    m["backend.peer_eof"] = total["peer_eof"]
    m["backend.requests"] = total["requests"]
    done = max(1, load.completed)
    m["backend.resets_per_request"] = total["resets"] / done
    m["connections.client_side.opened"] = stats.counters["connections_opened"]
    m["connections.client_side.per_request"] = stats.counters["connections_opened"] / max(1, load.started)
    m["connections.server_side.opened"] = total["connections_with_request"]
    m["connections.server_side.accepted"] = total["accepted"]
    m["connections.server_side.per_request"] = total["connections_with_request"] / done
    served = max(1, total["requests"])
    shares = [b["requests"] / served for b in backend]
    for i, share in enumerate(shares):
        m[f"share.requests.server.{i}"] = share
    m["skew.requests.max_over_mean"] = max(shares) * len(shares) if total["requests"] else math.nan
    for i, row in enumerate(servers):
        m[f"haproxy.server.{i}.connect"] = int(row.get("connect") or 0)
    for k in stat1:
        m[f"haproxy.{k}"] = stat1[k] - stat0.get(k, 0)
    for key, name in (
        ("OutRsts", "out_rsts"),
        ("TCPAbortOnClose", "abort_on_close"),
        ("TCPAbortOnData", "abort_on_data"),
        ("TCPAbortOnLinger", "abort_on_linger"),
    ):
        if key in tcp1:
            m[f"host.tcp.{name}"] = tcp1[key] - tcp0.get(key, 0)
    return m


_T975 = [
    12.706,
    4.303,
    3.182,
    2.776,
    2.571,
    2.447,
    2.365,
    2.306,
    2.262,
    2.228,
    2.201,
    2.179,
    2.160,
    2.145,
    2.131,
    2.120,
    2.110,
    2.101,
    2.093,
    2.086,
]


def summarise(runs: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Per metric: mean and a 95 % Student-t interval over runs (lo = hi = NaN for one run)."""
    out: dict[str, dict[str, float]] = {}
    for key in sorted({k for r in runs for k in r}):
        xs = [r[key] for r in runs if key in r and not math.isnan(r[key])]
        if not xs:
            out[key] = {"mean": math.nan, "lo": math.nan, "hi": math.nan, "n": 0}
            continue
        mean = statistics.fmean(xs)
        if len(xs) > 1:
            t = _T975[len(xs) - 2] if len(xs) - 2 < len(_T975) else 1.96
            half = t * statistics.stdev(xs) / math.sqrt(len(xs))
        else:
            half = math.nan
        out[key] = {"mean": mean, "lo": mean - half, "hi": mean + half, "n": len(xs)}
    return out


def measure(
    scenario: Mapping[str, Any], repeats: int | None = None, seed: int = 0
) -> dict[str, dict[str, float]]:
    """Run ``scenario`` ``repeats`` times (default ``validation.repeats``), one after another."""
    n = repeats or int(merge(DEFAULTS, scenario)["validation"]["repeats"])
    return summarise([run_once(scenario, seed + i) for i in range(n)])


def _load_scenario(name: str) -> dict[str, Any]:
    if name in SCENARIOS:
        return SCENARIOS[name]
    if name.endswith(".toml"):
        import tomllib  # Python 3.11+

        with open(name, "rb") as f:
            return tomllib.load(f)
    raise SystemExit(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)} or a .toml file")


def main(argv: list[str] | None = None) -> int:
    """CLI: measure a named scenario (or a TOML file) and print a metric table."""
    parser = argparse.ArgumentParser(
        prog="python -m teardown.validation.measure", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--scenario", required=True, help=f"one of {', '.join(SCENARIOS)}, or a .toml path")
    parser.add_argument("-r", "--repeats", type=int, default=None, help="runs (default: validation.repeats)")
    parser.add_argument("--duration", default=None, help="override validation.duration, e.g. 3s")
    parser.add_argument("--all", action="store_true", help="also print metrics that are zero in every run")
    args = parser.parse_args(argv)
    scenario = _load_scenario(args.scenario)
    if args.duration:
        scenario = merge(scenario, {"validation": {"duration": args.duration}})
    summary = measure(scenario, args.repeats)
    print(f"{'metric':44} {'mean':>12} {'95% lo':>12} {'95% hi':>12}")
    for key, s in summary.items():
        if not args.all and s["mean"] == 0:
            continue
        print(f"{key:44} {s['mean']:12.4g} {s['lo']:12.4g} {s['hi']:12.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
