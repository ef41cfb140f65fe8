"""What a scenario's proxy does, resolved as the simulator resolves it (sim/models/proxy_presets.cpp).

The advisor and ``teardown explain`` need the same few facts: the mode in force, whether server
connections are pooled, which timer closes an idle client connection and after how long. These
mirror ``resolve_traits`` and the fall-backs of docs/model.md §2 "Timeouts and their fall-backs".
"""

from __future__ import annotations

from dataclasses import dataclass

import teardown
from teardown.scenario import Scenario

__all__ = [
    "IdleTimer",
    "backend_closes_after_response",
    "client_idle_timer",
    "duration_ns",
    "duration_text",
    "effective_mode",
    "effective_reuse",
    "pooled",
    "pretend_keepalive",
    "private_server_connections",
]

V2 = ("2.0", "2.6")


def duration_ns(text: str | int | float) -> int:
    """A scenario duration in nanoseconds; ``teardown.NEVER`` for "off"."""
    return int(teardown.parse_duration(str(text)))


def duration_text(ns: int) -> str:
    """A duration as the scenario writes it ("900ms", "10m")."""
    return str(teardown.format_duration(int(ns)))


def effective_mode(s: Scenario) -> str:
    """The connection mode in force: "keep-alive", "server-close", "httpclose", "tunnel" or "tcp"."""
    version, mode = s["proxy.version"], s["proxy.mode"]
    if mode in ("preset", "http-pretend-keepalive"):
        mode = "http-tunnel" if version == "1.4" else "http-keep-alive"
    if mode == "http-tunnel":  # 2.0 runs HTX, where "option http-tunnel" is ignored (CFG2.0)
        return "keep-alive" if version == "2.0" else "tunnel"
    return {"http-server-close": "server-close", "httpclose": "httpclose", "tcp": "tcp"}.get(
        mode, "keep-alive"
    )


def effective_reuse(s: Scenario) -> str:
    """http-reuse in force: the version's default for "preset" (never before 1.9, safe since)."""
    reuse = s["proxy.http_reuse"]
    if reuse != "preset":
        return str(reuse)
    return "safe" if s["proxy.version"] in V2 else "never"


def pooled(s: Scenario) -> bool:
    """Server connections go to the 2.x idle pool (docs/model.md §2 "The 2.x idle pool")."""
    return effective_mode(s) == "keep-alive" and effective_reuse(s) != "never" and s["proxy.version"] in V2


def private_server_connections(s: Scenario) -> bool:
    """Keep-alive with a server connection attached to each session (1.5-1.8, or http-reuse never)."""
    return effective_mode(s) == "keep-alive" and not pooled(s)


def pretend_keepalive(s: Scenario) -> bool:
    return s["proxy.mode"] == "http-pretend-keepalive" or bool(s["proxy.pretend_keepalive"])


def backend_closes_after_response(s: Scenario) -> bool:
    """The backend closes each connection after its response: its own policy, or the proxy's
    "Connection: close" in a close mode without pretend-keepalive (docs/model.md §4)."""
    if s["backends.keep_alive"] == "close-after-response":
        return True
    return effective_mode(s) in ("server-close", "httpclose") and not pretend_keepalive(s)


@dataclass(frozen=True)
class IdleTimer:
    """The proxy timer that closes an idle client connection: HAProxy's name for it, and its length."""

    name: str  # "timeout http-keep-alive", "timeout client", "timeout tunnel", ...
    ns: int

    @property
    def text(self) -> str:
        return duration_text(self.ns)

    def __str__(self) -> str:
        return f"{self.name} {self.text}"


def client_idle_timer(s: Scenario) -> IdleTimer | None:
    """The timer that closes a client connection idle between requests, or None when there is
    none (httpclose closes after every response; every timer "off").

    Keep-alive and server-close: http-keep-alive, else http-request, else client. Tunnel and
    tcp: tunnel, else the smaller of client and server (docs/model.md §2).
    """
    mode = effective_mode(s)
    never = teardown.NEVER
    if mode == "httpclose":
        return None
    t = {
        k: duration_ns(s[f"proxy.timeout.{k}"])
        for k in ("http_keep_alive", "http_request", "client", "server", "tunnel")
    }
    if mode in ("tunnel", "tcp"):
        if t["tunnel"] != never:
            return IdleTimer("timeout tunnel", t["tunnel"])
        name = "client" if t["client"] <= t["server"] else "server"
        return IdleTimer(f"timeout {name}", t[name]) if t[name] != never else None
    for key in ("http_keep_alive", "http_request", "client"):
        if t[key] != never:
            return IdleTimer("timeout " + key.replace("_", "-"), t[key])
    return None
