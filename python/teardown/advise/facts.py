"""What a scenario's proxy does, asked of the simulator's own resolution (teardown/proxy_rules.hpp,
``_core.resolve_proxy``): nothing here restates a version rule.

The advisor and ``teardown explain`` need the same few facts: the mode in force, whether server
connections are pooled, how each kind of close is done, which timer closes an idle client
connection and after how long (docs/model.md §2 "Timeouts and their fall-backs").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import teardown
from teardown import _core
from teardown.scenario import Scenario

__all__ = [
    "IdleTimer",
    "backend_closes_after_response",
    "client_idle_timer",
    "close_how",
    "duration_ns",
    "duration_text",
    "effective_mode",
    "effective_reuse",
    "pooled",
    "pretend_keepalive",
    "private_server_connections",
    "keeps_own_connections",
    "release",
    "resolved",
    "versions",
]


def versions() -> tuple[str, ...]:
    """Every modelled release, oldest first (the release table, teardown/proxy_rules.hpp)."""
    return tuple(str(r["version"]) for r in _core.proxy_versions())


def resolved(s: Scenario) -> dict[str, Any]:
    """The scenario's proxy as the simulator resolves it (teardown/proxy_rules.hpp, bound as
    ``_core.resolve_proxy``): the one place where version rules live."""
    return _core.resolve_proxy(s._checked)


def release(s: Scenario) -> dict[str, Any]:
    """The row of the scenario's release in the release table (what it has, its defaults)."""
    return next(r for r in _core.proxy_versions() if r["version"] == s["proxy.version"])


def duration_ns(text: str | int | float) -> int:
    """A scenario duration in nanoseconds; ``teardown.NEVER`` for "off"."""
    return int(teardown.parse_duration(str(text)))


def duration_text(ns: int) -> str:
    """A duration as the scenario writes it ("900ms", "10m")."""
    return str(teardown.format_duration(int(ns)))


def effective_mode(s: Scenario) -> str:
    """The connection mode in force: "keep-alive", "server-close", "httpclose", "tunnel" or "tcp"."""
    return str(resolved(s)["mode"])


def effective_reuse(s: Scenario) -> str:
    """http-reuse in force: the version's default for "preset"."""
    return str(resolved(s)["http_reuse"])


def pooled(s: Scenario) -> bool:
    """Server connections go to the 2.x idle pool (docs/model.md §2 "The 2.x idle pool")."""
    return bool(resolved(s)["pooled"])


def private_server_connections(s: Scenario) -> bool:
    """Keep-alive with server connections private to each session (1.5-1.8, or http-reuse never)."""
    return bool(resolved(s)["private"])


def keeps_own_connections(s: Scenario) -> bool:
    """A session keeps a private connection to each server it used (2.x http-reuse never)."""
    return bool(resolved(s)["keeps_own_connections"])


def close_how(s: Scenario, kind: str) -> str:
    """How the proxy does that kind of close ("fin", "rst" or "linger-risk"): the scenario's
    ``[proxy.close]`` override, else the version preset."""
    return str(resolved(s)["close"][kind])


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
    r = resolved(s)
    if r["mode"] == "httpclose":
        return None
    tunnel = r["mode"] in ("tunnel", "tcp")
    name = r["tunnel_timer"] if tunnel else r["keep_alive_timer"]
    if not name:
        return None
    return IdleTimer(f"timeout {name}", int(r["tunnel_timeout"] if tunnel else r["keep_alive_timeout"]))
