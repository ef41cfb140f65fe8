#!/usr/bin/env python3
"""The peer model for issue 11 item 3: bench/seed.toml written as a SimPy 4 model.

The same scenario as teardown's models (docs/model.md), written the way a skilled SimPy
user would: plain objects and lists, one process per request, `env.timeout` for every
delay, each backend worker loop a resource of capacity 1 (a light one built on SimPy events
by default, `simpy.Resource` with --workers resource: the same run, about 1.5x slower), no
process per connection and no timer per idle connection.

What it keeps from the scenario:
  - arrivals: the pooled Poisson rate split evenly over `clients.count` clients, and
    `long_lived.count` clients with one connection each at `long_lived.rate`; the
    superposition of these independent Poisson streams is drawn as one merged stream
    (one timeout per arrival) with the client picked in proportion to its rate;
  - client pools: LIFO, at most `pool.max_size` connections (1 for a long-lived client),
    requests beyond it wait in FIFO order;
  - the proxy's keep-alive timeout, checked lazily at reuse: the proxy closes an idle
    client connection `http_keep_alive` after it sent the last response; a request that is
    not read by then fails (end of stream, or reset on read) and the client drops the
    connection, so the next request reconnects (docs/model.md "The stale-reuse race");
  - roundrobin per request over the servers; http-reuse safe (2.x): a connection's first
    request always opens a new server connection, later ones take the most recently
    pooled idle connection of the chosen server;
  - the 2.x server-side idle pool: admission (pool empty, or used + idle <=
    max(used, est_need)), otherwise the connection is closed at once; the purge every
    `pool_purge_delay` while the pool is not empty (kill ceil(excess / 2) of the longest
    idle, est_need = max((est_need + max_used) / 2, max_used), max_used = used);
  - backends: `workers` event loops per server, new connections given to them in turn,
    each loop serving its requests one at a time in arrival order, service times
    exponential;
  - fixed one-way delays client <-> proxy and proxy <-> backend, a TCP handshake (one
    round trip) before the first request of a new connection, and the proxy's processing
    time before it acts on a request or a response.

What it leaves out, because bench/seed.toml never exercises it: TCP states, TIME_WAIT,
server-side timeouts (60 s, never reached at millisecond latencies), the frontend maxconn
backlog (refused below clients x max_size + long-lived connections, all the clients can
open), health checks, retries. Settings that would need them are refused.

usage: python bench/peer_simpy.py --duration 20s [--warmup 5s] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import deque
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import simpy

SEED_TOML = Path(__file__).resolve().parent / "seed.toml"

_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(text) -> float:
    """A teardown duration ("250us", "10s", "1h", a bare number of seconds) in seconds."""
    if isinstance(text, (int, float)):
        return float(text)
    text = text.strip()
    if text in ("off", "forever"):
        return math.inf
    for unit in ("ns", "us", "ms", "s", "m", "h"):
        if text.endswith(unit):
            number = text[: -len(unit)]
            try:
                return float(number) * _UNITS[unit]
            except ValueError:
                continue
    return float(text)


class Params:
    """The scenario's numbers, in seconds, with the model's defaults where the file is silent."""

    def __init__(self, scenario: dict):
        sim = scenario.get("sim", {})
        net = scenario.get("network", {})
        cl = scenario.get("clients", {})
        arrival = cl.get("arrival", {})
        pool = cl.get("pool", {})
        ll = cl.get("long_lived", {})
        proxy = scenario.get("proxy", {})
        timeout = proxy.get("timeout", {})
        be = scenario.get("backends", {})
        service = be.get("service_time", {})
        # What this peer model implements; anything else is not the benchmark scenario.
        unsupported = []
        if arrival.get("kind", "poisson") != "poisson":
            unsupported.append("clients.arrival.kind")
        if pool.get("reuse", "lifo") != "lifo":
            unsupported.append("clients.pool.reuse")
        for key in ("validate_after_inactivity", "idle_evict", "max_lifetime"):
            if seconds(pool.get(key, "off")) != math.inf:
                unsupported.append(f"clients.pool.{key}")
        if not str(proxy.get("version", "2.6")).startswith("2."):
            unsupported.append("proxy.version")
        if proxy.get("mode", "http-keep-alive") != "http-keep-alive":
            unsupported.append("proxy.mode")
        if proxy.get("balance", "roundrobin") != "roundrobin":
            unsupported.append("proxy.balance")
        if proxy.get("http_reuse", "safe") not in ("safe", "preset"):
            unsupported.append("proxy.http_reuse")
        if be.get("keep_alive", "forever") != "forever":
            unsupported.append("backends.keep_alive")
        if service.get("dist", "exponential") != "exponential":
            unsupported.append("backends.service_time.dist")
        if be.get("weights") or be.get("events") or be.get("maxconn", 0):
            unsupported.append("backends.weights/events/maxconn")
        if seconds(net.get("jitter", 0)) != 0:
            unsupported.append("network.jitter")
        if cl.get("retries", 0) or proxy.get("nolinger", False) or proxy.get("prefer_last_server", False):
            unsupported.append("clients.retries/proxy.nolinger/proxy.prefer_last_server")
        sessions = cl.get("count", 20) * pool.get("max_size", 10) + ll.get("count", 0)
        if sessions > proxy.get("maxconn", 2000):
            unsupported.append(f"proxy.maxconn below the {sessions} connections the clients can open")
        if unsupported:
            raise ValueError(
                "peer_simpy models only the benchmark scenario; unsupported: " + ", ".join(unsupported)
            )

        self.seed = int(sim.get("seed", 1))
        self.warmup = seconds(sim.get("warmup", "1m"))
        self.duration = seconds(sim.get("duration", "10m"))
        self.d_client = seconds(net.get("client_proxy_delay", "250us"))
        self.d_backend = seconds(net.get("proxy_backend_delay", "100us"))
        self.clients = int(cl.get("count", 20))
        self.rate = float(arrival.get("rate", 1000.0))
        self.pool_max = int(pool.get("max_size", 10))
        self.long_lived = int(ll.get("count", 0))
        self.long_lived_rate = float(ll.get("rate", 100.0))
        self.processing = seconds(proxy.get("processing_time", "20us"))
        self.purge_delay = seconds(proxy.get("pool_purge_delay", "5s"))
        # Between requests: http-keep-alive, else http-request, else client (docs/model.md).
        keep_alive = timeout.get("http_keep_alive", "off")
        if seconds(keep_alive) == math.inf:
            keep_alive = timeout.get("http_request", "off")
        if seconds(keep_alive) == math.inf:
            keep_alive = timeout.get("client", "60s")
        self.keep_alive = seconds(keep_alive)
        self.servers = int(be.get("servers", 3))
        self.workers = int(be.get("workers", 8))
        self.service_mean = seconds(service.get("mean", "2ms"))


class Client:
    """One client host's pool: idle connections (LIFO), how many are open, waiting requests.

    A pooled connection is just the time its proxy session times out (the keep-alive
    deadline): that is all a lazy check at reuse needs.
    """

    __slots__ = ("idle", "open", "max_size", "waiting")

    def __init__(self, max_size: int):
        self.idle: list[float] = []
        self.open = 0
        self.max_size = max_size
        self.waiting: deque[float] = deque()


class Server:
    """The proxy's view of one backend server plus the backend's worker loops.

    A server connection is the index of the worker loop the backend gave it.
    """

    __slots__ = ("idle", "used", "max_used", "est_need", "purge_armed", "next_worker", "loops")

    def __init__(self, env: simpy.Environment, workers: int, use_resource: bool):
        self.idle: list[int] = []  # oldest first; reuse takes the last (most recent)
        self.used = 0
        self.max_used = 0
        self.est_need = 0
        self.purge_armed = False
        self.next_worker = 0
        self.loops = [simpy.Resource(env, capacity=1) if use_resource else Loop() for _ in range(workers)]


class Loop:
    """A worker loop as a light resource of capacity 1: busy, and its waiting requests (FIFO).

    Equivalent to simpy.Resource(capacity=1) for requests that are never withdrawn, without
    its Request and Release events: a request that finds the loop free starts at once, and a
    finishing request hands the loop to the next waiter by triggering its event.
    """

    __slots__ = ("busy", "waiting")

    def __init__(self):
        self.busy = False
        self.waiting: deque[simpy.Event] = deque()


class Counts:
    """What the run did: whole-run totals, and the same after warm-up (w_*)."""

    __slots__ = (
        "started",
        "completed",
        "failed",
        "client_opened",
        "server_opened",
        "server_refused",
        "server_purged",
        "w_started",
        "w_completed",
        "w_failed",
        "w_client_opened",
        "w_server_opened",
        "w_latency",
    )

    def __init__(self):
        for name in self.__slots__:
            setattr(self, name, 0)


def build(env: simpy.Environment, p: Params, use_resource: bool = False):
    """Creates the model's processes in `env`; returns its counters."""
    rng = random.Random(p.seed)
    rand = rng.random
    log = math.log
    timeout = env.timeout
    process = env.process
    event = env.event
    n = Counts()
    warmup = p.warmup

    d1, d2, proc = p.d_client, p.d_backend, p.processing
    to_proxy = d1 + proc  # a request lands at the proxy and is read
    to_proxy_new = 3 * d1 + proc  # SYN, SYN-ACK, then the request
    handshake_backend = 2 * d2
    back_to_proxy = d2 + proc  # the response lands at the proxy and is acted on
    keep_alive = p.keep_alive
    service_mean = p.service_mean
    n_workers = p.workers

    clients = [Client(p.pool_max) for _ in range(p.clients)]
    clients += [Client(1) for _ in range(p.long_lived)]
    servers = [Server(env, p.workers, use_resource) for _ in range(p.servers)]
    n_servers = len(servers)
    rr = [0]  # roundrobin with equal weights is a plain rotation

    def purge(srv):
        # srv_cleanup_idle_conns (SRC v2.6.0 src/server.c), pool-low-conn 0, one thread.
        srv.purge_armed = False
        idle = srv.idle
        if not idle:
            return
        exceed = srv.used + len(idle) - max(srv.max_used, srv.est_need)
        srv.est_need = max((srv.est_need + srv.max_used) // 2, srv.max_used)
        srv.max_used = srv.used
        if exceed > 0:
            kill = (exceed + 1) // 2
            n.server_purged += min(kill, len(idle))
            del idle[:kill]  # the longest idle; closed with RST in 2.6
        if idle:
            arm_purge(srv)

    def arm_purge(srv):
        srv.purge_armed = True
        timeout(p.purge_delay).callbacks.append(lambda _: purge(srv))

    def finish(cl):
        # A connection came back (or was dropped): serve the oldest waiting request.
        if cl.waiting and (cl.idle or cl.open < cl.max_size):
            dispatch(cl, cl.waiting.popleft())

    def request(cl, deadline, started):
        """One request from the client to the response (or the failure)."""
        now = env.now
        if deadline is None:  # a new connection: the handshake, then the request
            yield timeout(to_proxy_new)
        elif now + to_proxy >= deadline:
            # Stale reuse: the proxy closed this connection at `deadline` before reading the
            # request. Sent before its FIN arrived: the FIN (or the RST of a request found
            # unread) reaches the client at deadline + d1; sent later, the proxy host answers
            # the request with RST, back after a round trip.
            yield timeout((deadline + d1 if now < deadline + d1 else now + 2 * d1) - now)
            cl.open -= 1
            n.failed += 1
            if env.now >= warmup:
                n.w_failed += 1
            finish(cl)
            return
        else:
            yield timeout(to_proxy)

        # The proxy routes the request: roundrobin, then a pooled connection unless this is
        # the connection's first request (http-reuse safe), else a new one.
        s = rr[0]
        rr[0] = s + 1 if s + 1 < n_servers else 0
        srv = servers[s]
        if deadline is not None and srv.idle:
            w = srv.idle.pop()
        else:
            w = srv.next_worker  # the backend gives new connections to its loops in turn
            srv.next_worker = w + 1 if w + 1 < n_workers else 0
            n.server_opened += 1
            if env.now >= warmup:
                n.w_server_opened += 1
            yield timeout(handshake_backend)  # counted as used once connected, as teardown does
        used = srv.used + 1
        srv.used = used
        if used > srv.max_used:
            srv.max_used = used
        yield timeout(d2)

        # The worker loop serves its connections' requests one at a time, in arrival order.
        loop = srv.loops[w]
        if use_resource:
            with loop.request() as turn:
                yield turn
                yield timeout(-service_mean * log(1.0 - rand()))
        else:
            if loop.busy:
                turn = event()
                loop.waiting.append(turn)
                yield turn  # handed over by the request before it, still busy
            else:
                loop.busy = True
            yield timeout(-service_mean * log(1.0 - rand()))
            if loop.waiting:
                loop.waiting.popleft().succeed()
            else:
                loop.busy = False
        yield timeout(back_to_proxy)

        # The response is at the proxy: the server connection goes back to the idle pool if
        # admitted (srv_add_to_idle_list), else it is closed (RST: the server's FIN unread).
        idle = srv.idle
        srv.used = used = srv.used - 1
        if not idle or used + 1 + len(idle) <= max(used + 1, srv.est_need):
            idle.append(w)
            if not srv.purge_armed:
                arm_purge(srv)
        else:
            n.server_refused += 1
        deadline = env.now + keep_alive  # the keep-alive timer starts when the response is sent
        yield timeout(d1)

        n.completed += 1
        now = env.now
        if now >= warmup:
            n.w_completed += 1
            n.w_latency += now - started
        cl.idle.append(deadline)
        finish(cl)

    def dispatch(cl, started):
        if cl.idle:
            process(request(cl, cl.idle.pop(), started))  # LIFO: the most recently returned
        elif cl.open < cl.max_size:
            cl.open += 1
            n.client_opened += 1
            if env.now >= warmup:
                n.w_client_opened += 1
            process(request(cl, None, started))
        else:
            cl.waiting.append(started)

    pooled_rate = p.rate
    per_client = p.rate / p.clients if p.clients else 0.0
    total_rate = pooled_rate + p.long_lived * p.long_lived_rate
    ll_rate = p.long_lived_rate
    first_ll = p.clients

    def arrivals():
        # The superposition of every client's Poisson stream: one stream at the total rate,
        # each arrival going to a client with probability proportional to its rate.
        mean_gap = 1.0 / total_rate
        while True:
            yield timeout(-mean_gap * log(1.0 - rand()))
            u = rand() * total_rate
            if u < pooled_rate:
                cl = clients[int(u / per_client)]
            else:
                cl = clients[first_ll + min(int((u - pooled_rate) / ll_rate), p.long_lived - 1)]
            n.started += 1
            if env.now >= warmup:
                n.w_started += 1
            dispatch(cl, env.now)

    process(arrivals())
    return n


def run(
    scenario: dict, *, duration: float | None = None, warmup: float | None = None, workers: str = "loop"
) -> dict:
    """Runs the model for warmup + duration simulated seconds; returns counts and timings.

    workers: "loop" (the light resource above, the default) or "resource" (simpy.Resource).
    """
    if workers not in ("loop", "resource"):
        raise ValueError(f"workers must be 'loop' or 'resource', not {workers!r}")
    p = Params(scenario)
    if duration is not None:
        p.duration = duration
    if warmup is not None:
        p.warmup = warmup
    end = p.warmup + p.duration
    env = simpy.Environment()
    n = build(env, p, use_resource=workers == "resource")
    t0 = time.perf_counter()
    env.run(until=end)
    wall = time.perf_counter() - t0
    return {
        "model": "simpy",
        "simpy_version": simpy.__version__,
        "workers": workers,
        "sim_duration_s": end,
        "warmup_s": p.warmup,
        "requests": n.started,
        "completed": n.completed,
        "failed": n.failed,
        "client_connections_opened": n.client_opened,
        "server_connections_opened": n.server_opened,
        "server_connections_refused_by_pool": n.server_refused,
        "server_connections_purged": n.server_purged,
        "window": {
            "requests": n.w_started,
            "completed": n.w_completed,
            "failed": n.w_failed,
            "client_connections_opened": n.w_client_opened,
            "server_connections_opened": n.w_server_opened,
            "latency_mean_s": n.w_latency / n.w_completed if n.w_completed else math.nan,
        },
        "wall_s": wall,
        "sim_requests_per_s": n.started / wall if wall > 0 else math.inf,
    }


def load(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--scenario", type=Path, default=SEED_TOML, help="scenario TOML (default bench/seed.toml)"
    )
    ap.add_argument("--duration", default="20s", help="measured simulated time after warm-up (default 20s)")
    ap.add_argument("--warmup", default="5s", help="simulated warm-up, included in the rate (default 5s)")
    ap.add_argument(
        "--workers",
        choices=("loop", "resource"),
        default="loop",
        help="worker loops as a light SimPy-event resource (default) or simpy.Resource",
    )
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--profile", action="store_true", help="run under cProfile and print the top functions")
    args = ap.parse_args(argv)
    scenario = load(args.scenario)
    kw = {"duration": seconds(args.duration), "warmup": seconds(args.warmup), "workers": args.workers}
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        result = prof.runcall(run, scenario, **kw)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(20)
    else:
        result = run(scenario, **kw)
    if args.json:
        print(json.dumps(result))
    else:
        win = result["window"]
        measured = result["sim_duration_s"] - result["warmup_s"]
        print(
            f"simpy {result['simpy_version']} ({result['workers']} workers): "
            f"{result['sim_duration_s']:g} s simulated ({result['warmup_s']:g} s warm-up) "
            f"in {result['wall_s']:.2f} s wall"
        )
        print(f"  {result['sim_requests_per_s']:,.0f} simulated requests per wall second")
        print(
            f"  whole run: requests {result['requests']}, completed {result['completed']}, "
            f"failed {result['failed']}, server connections opened {result['server_connections_opened']}"
        )
        print(
            f"  after warm-up: requests/s {win['requests'] / measured:,.1f}, failures/s "
            f"{win['failed'] / measured:.2f}, server connections per request "
            f"{win['server_connections_opened'] / max(win['requests'], 1):.4f}, client connections "
            f"opened {win['client_connections_opened']}, mean latency {win['latency_mean_s'] * 1e3:.3f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
