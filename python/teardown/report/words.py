"""A scenario in a few sentences: who sends what, what the proxy does with it (as the simulator
resolves the release's defaults, ``teardown.advise.facts``), the backends, and what is measured."""

from __future__ import annotations

from teardown import NEVER
from teardown.advise import facts
from teardown.scenario import Scenario

__all__ = ["describe"]


def describe(s: Scenario) -> list[str]:
    """One sentence each: clients, their pools, the proxy, its timers, the backends, the run."""
    return [_clients(s), _pool(s), _proxy(s), _proxy_timers(s), _backends(s), _run(s)]


def _clients(s: Scenario) -> str:
    kind = s["clients.arrival.kind"]
    count = s["clients.count"]
    if kind == "poisson":
        load = f"send Poisson requests at {s['clients.arrival.rate']:g} per second in all"
    elif kind == "onoff":
        load = (
            f"send bursts at {s['clients.arrival.rate']:g} requests per second, on for "
            f"{s['clients.arrival.on']} and off for {s['clients.arrival.off']} on average"
        )
    else:
        load = (
            f"each keep {s['clients.arrival.concurrency']} request(s) outstanding, thinking "
            f"{s['clients.arrival.think_time']} on average between them"
        )
    text = f"The clients ({_n(count, 'host')}) {load}"
    long_lived = s["clients.long_lived.count"]
    if long_lived:
        text += (
            f", plus {_n(long_lived, 'long-lived connection')} with "
            f"{s['clients.long_lived.rate']:g} requests per second each"
        )
    retries = s["clients.retries"]
    text += "; a failed request is " + (f"retried up to {retries} times." if retries else "not retried.")
    return text


def _pool(s: Scenario) -> str:
    evict = s["clients.pool.idle_evict"]
    text = (
        f"Each client pools up to {_n(s['clients.pool.max_size'], 'connection')}, reusing the "
        f"{'most recently returned' if s['clients.pool.reuse'] == 'lifo' else 'oldest'} idle one first"
    )
    if evict != "off":
        every = s["clients.pool.evict_interval"]
        text += f"; its idle monitor closes connections idle longer than {evict} (every {every})"
    else:
        text += "; no idle monitor closes them"
    if s["clients.pool.validate_after_inactivity"] != "off":
        text += f", and one idle over {s['clients.pool.validate_after_inactivity']} is checked before reuse"
    if s["clients.pool.max_lifetime"] != "off":
        text += f", and none lives longer than {s['clients.pool.max_lifetime']}"
    return text + "."


def _proxy(s: Scenario) -> str:
    mode = facts.effective_mode(s)
    text = (
        f"The proxy is HAProxy {s['proxy.version']} in {mode} mode"
        + (
            f" (set as {s['proxy.mode']})"
            if s["proxy.mode"] != f"http-{mode}" and s["proxy.mode"] != mode
            else ""
        )
        + f", balancing with {s['proxy.balance']}"
    )
    if s["proxy.prefer_last_server"]:
        text += " and prefer-last-server"
    if facts.pooled(s):
        text += f"; idle server connections go to a shared pool (http-reuse {facts.effective_reuse(s)})"
    elif facts.private_server_connections(s) or facts.keeps_own_connections(s):
        text += "; each client session keeps its own server connections"
    if facts.pretend_keepalive(s):
        text += "; it does not tell the servers to close (pretend-keepalive)"
    instances = s["proxy.instances"]
    if instances > 1:
        reach = (
            "each client host keeps the one DNS gave it"
            if s["proxy.spread"] == "dns"
            else "an L4 balancer gives each new connection to the next"
        )
        text += (
            f". There are {instances} such proxies in front of the same servers, each with its own pools, "
            f"balancer and health checks; {reach}"
        )
    return text + "."


def _proxy_timers(s: Scenario) -> str:
    timer = facts.client_idle_timer(s)
    idle = (
        f"an idle client connection is closed by {timer.name} after {timer.text}"
        if timer is not None and timer.ns < NEVER
        else "no timer closes an idle client connection"
    )
    how = facts.close_how(s, "client_idle")
    closing = how.upper() if how != "linger-risk" else "FIN, or RST when data is unread"
    return f"On the proxy, {idle}, with {closing}."


def _backends(s: Scenario) -> str:
    keep = s["backends.keep_alive"]
    if keep == "forever" and facts.backend_closes_after_response(s):
        keep = "close-after-response"  # the proxy's "Connection: close" asks for it
    policy = {
        "forever": "keep connections open between requests",
        "close-after-response": f"close each connection {s['backends.close_delay']} after its response",
    }.get(keep, f"close a connection once it has been idle for {keep}")
    return (
        f"{_n(s['backends.servers'], 'backend server')} with {_n(s['backends.workers'], 'worker loop')} each "
        f"take {s['backends.service_time.mean']} per request on average ({s['backends.service_time.dist']}) "
        f"and {policy}."
    )


def _run(s: Scenario) -> str:
    return (
        f"The run measures {s['sim.duration']} of simulated time after {s['sim.warmup']} of warm-up, "
        f"with seed {s['sim.seed']}; one-way delays are {s['network.client_proxy_delay']} client to proxy "
        f"and {s['network.proxy_backend_delay']} proxy to backend."
    )


def _n(count: int, noun: str) -> str:
    """``3 servers``, ``1 server``: the plural of the last word with an s."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
