"""The known remedies, each a rule for changing a scenario, with the model rule that makes it work.

A ``Remedy`` looks at a scenario (the user's, possibly already changed by other remedies of
the same candidate) and returns a ``Step`` — the dotted overrides, a label and a clause
citing docs/model.md — or None when it does not apply to that version and mode, or would
change nothing. Remedies of one ``family`` exclude each other; a candidate applies its
remedies in ``ORDER`` (timeouts before the idle eviction sized from them, http-reuse before
prefer-last-server, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import teardown
from teardown import preset_table as presets
from teardown.advise import facts
from teardown.errors import ConfigError
from teardown.scenario import Scenario

__all__ = ["FAMILIES", "Remedy", "Step", "remedies"]

# Every family of remedies, in application order; a candidate holds at most one of each.
FAMILIES = (
    "mode",
    "pretend",
    "http-reuse",
    "timeouts",
    "balance",
    "prefer-last-server",
    "retry-on",
    "backend-keep-alive",
    "backend-close-delay",
    "workers",
    "max-lifetime",
    "eviction",
    "stale-check",
    "client-retries",
)

RAISED = 10 * 60 * 10**9  # the field report's 10 minutes
MODES = "docs/model.md §2 'Modes and what happens at the end of each response'"
CLOSES = "§2 'How each kind of close is done'"


@dataclass(frozen=True)
class Step:
    """One remedy as applied to one scenario."""

    key: str  # "evict-0.9"
    family: str  # "eviction"
    label: str  # "client idle eviction at 0.9 x timeout http-keep-alive (900ms, every 50ms)"
    overrides: dict[str, Any]
    clause: str  # the mechanism, citing docs/model.md


@dataclass(frozen=True)
class Remedy:
    key: str
    family: str
    plan: Callable[[Scenario], Step | None]


def remedies(base: Scenario) -> list[Remedy]:
    """Every remedy the advisor may try, in application order (each decides whether it applies)."""
    out = [Remedy(f"mode-{m}", "mode", _mode(m)) for m in _MODE_CLAUSES]
    out.append(Remedy("pretend-keepalive", "pretend", _pretend))
    out += [
        Remedy(f"http-reuse-{r}", "http-reuse", _reuse(r)) for r in ("never", "safe", "aggressive", "always")
    ]
    out.append(Remedy("timeouts-10m", "timeouts", _timeouts))
    out += [Remedy(f"balance-{b}", "balance", _balance(b)) for b in ("leastconn", "roundrobin")]
    out.append(Remedy("prefer-last-server", "prefer-last-server", _prefer_last_server))
    out.append(Remedy("retry-on-empty-response", "retry-on", _retry_on))
    out += [
        Remedy(f"backend-{k}", "backend-keep-alive", _backend_keep_alive(k))
        for k in ("forever", "close", "idle", "raised")
    ]
    out.append(Remedy("backend-close-at-once", "backend-close-delay", _close_at_once))
    workers = int(base["backends.workers"])
    for n in sorted({max(1, workers // 4), workers * 2} - {workers}):
        out.append(Remedy(f"workers-{n}", "workers", _workers(n)))
    out.append(Remedy("max-lifetime", "max-lifetime", _max_lifetime))
    out += [Remedy(f"evict-{f}", "eviction", _evict(f)) for f in (0.9, 0.5)]
    out.append(Remedy("stale-check", "stale-check", _stale_check))
    out.append(Remedy("client-retries", "client-retries", _retries))
    return out


def valid(s: Scenario, overrides: dict[str, Any]) -> Scenario | None:
    """The scenario with the overrides, or None when the version does not have them."""
    try:
        return s.with_(overrides)
    except ConfigError:
        return None


# --- the proxy -------------------------------------------------------------------------------

_MODE_CLAUSES = {
    "http-keep-alive": "in keep-alive mode the proxy keeps each server connection after a response "
    f"(pooled in 2.x, private to the session before) instead of closing one per response ({MODES})",
    "http-server-close": "in http-server-close mode each request is balanced on its own and its server "
    f"connection closed after the response, so no long-lived client connection pins a server ({MODES})",
    "httpclose": "in httpclose mode both connections close after every response, so no idle connection "
    f"is reused and nothing pins a server ({MODES})",
    "http-tunnel": "in tunnel mode the proxy forwards each connection to the server chosen for its first "
    f"request and relays FINs as FINs, never closing a server connection itself ({MODES})",
    "tcp": "in tcp mode the proxy forwards the byte stream and relays shutdowns, never closing a server "
    f"connection itself ({MODES})",
}
_MODE_EFFECT = {
    "http-keep-alive": "keep-alive",
    "http-server-close": "server-close",
    "httpclose": "httpclose",
    "http-tunnel": "tunnel",
    "tcp": "tcp",
}


def _mode(mode: str) -> Callable[[Scenario], Step | None]:
    def plan(s: Scenario) -> Step | None:
        overrides = {"proxy.mode": mode}
        changed = valid(s, overrides)
        if changed is None or facts.effective_mode(changed) != _MODE_EFFECT[mode]:
            return None  # not in this version (or ignored, as http-tunnel on 2.0)
        if facts.effective_mode(s) == _MODE_EFFECT[mode]:
            return None
        return Step(f"mode-{mode}", "mode", f"mode {mode}", overrides, _MODE_CLAUSES[mode])

    return plan


def _pretend(s: Scenario) -> Step | None:
    if facts.effective_mode(s) not in ("server-close", "httpclose") or facts.pretend_keepalive(s):
        return None
    clause = (
        "with option http-pretend-keepalive the backend is not told to close "
        f"({MODES}), so the proxy, not the backend, ends each server connection"
    )
    return Step(
        "pretend-keepalive",
        "pretend",
        "option http-pretend-keepalive",
        {"proxy.pretend_keepalive": True},
        clause,
    )


def _reuse(value: str) -> Callable[[Scenario], Step | None]:
    def plan(s: Scenario) -> Step | None:
        if not facts.release(s)["shared_idle_pool"] or facts.effective_mode(s) != "keep-alive":
            return None
        if facts.effective_reuse(s) == value:
            return None
        if value == "never":
            clause = f"with http-reuse never each session keeps a private server connection ({MODES})"
        else:
            clause = (
                f"with http-reuse {value} released server connections wait in the idle pool and later "
                "requests reuse them (docs/model.md §2 'The 2.x idle pool')"
            )
        return Step(
            f"http-reuse-{value}", "http-reuse", f"http-reuse {value}", {"proxy.http_reuse": value}, clause
        )

    return plan


def _timeouts(s: Scenario) -> Step | None:
    overrides: dict[str, Any] = {}
    for key in ("client", "server", "http_keep_alive", "tunnel"):
        ns = facts.duration_ns(s[f"proxy.timeout.{key}"])
        optional = key in ("http_keep_alive", "tunnel")
        if optional and ns == teardown.NEVER:
            continue  # falls back to client / server, which are raised
        if ns < RAISED:
            overrides[f"proxy.timeout.{key}"] = facts.duration_text(RAISED)
    if not overrides:
        return None
    names = ", ".join("timeout " + k.rsplit(".", 1)[1].replace("_", "-") for k in overrides)
    clause = (
        f"the proxy's idle timeouts ({names}) are raised to 10m, so it closes an idle connection "
        "(docs/model.md §2 'Timeouts and their fall-backs') far less often and fewer requests race "
        "its close (§1 'The stale-reuse race')"
    )
    return Step("timeouts-10m", "timeouts", "timeouts raised to 10m", overrides, clause)


def _balance(value: str) -> Callable[[Scenario], Step | None]:
    def plan(s: Scenario) -> Step | None:
        if s["proxy.balance"] == value:
            return None
        if value == "roundrobin" and s["proxy.balance"] != "leastconn":
            return None  # the alternative offered is leastconn <-> roundrobin
        if value == "leastconn":
            clause = (
                "balance leastconn sends each request (or, per connection, each pinned connection) to the "
                "server with the fewest in progress, round robin among equals (docs/model.md §2 'Balancing')"
            )
        else:
            clause = "balance roundrobin rotates over the servers by weight (docs/model.md §2 'Balancing')"
        return Step(f"balance-{value}", "balance", f"balance {value}", {"proxy.balance": value}, clause)

    return plan


def _prefer_last_server(s: Scenario) -> Step | None:
    if (
        not facts.release(s)["prefer_last_server_option"]
        or s["proxy.prefer_last_server"]
        or not facts.private_server_connections(s)
    ):
        return None
    clause = (
        "option prefer-last-server keeps a session's requests on the server of its private connection "
        f"(docs/model.md §2 'Balancing'), so no server switch closes a connection hard ({CLOSES}: "
        "server_switch)"
    )
    if facts.keeps_own_connections(s):
        # 2.x keeps a private connection per server a session used: a switch closes nothing.
        clause = (
            "option prefer-last-server keeps a session's requests on a server it already holds a private "
            f"connection to (docs/model.md §2 'Balancing'), so it opens one server connection instead of one "
            f"per server ({MODES}); its requests are pinned to that server"
        )
    return Step(
        "prefer-last-server",
        "prefer-last-server",
        "option prefer-last-server",
        {"proxy.prefer_last_server": True},
        clause,
    )


def _retry_on(s: Scenario) -> Step | None:
    retry_on = list(s["proxy.retry_on"])
    if not facts.release(s)["retry_on_keyword"] or "empty-response" in retry_on:
        return None
    if facts.effective_mode(s) in ("tunnel", "tcp"):
        return None
    clause = (
        "retry-on empty-response makes the proxy resend a request that got nothing back on a reused server "
        "connection over a new one, instead of closing the client connection (docs/model.md §2 'Failures "
        "towards the server')"
    )
    return Step(
        "retry-on-empty-response",
        "retry-on",
        "retry-on empty-response",
        {"proxy.retry_on": [*retry_on, "empty-response"]},
        clause,
    )


# --- the backends ----------------------------------------------------------------------------


def _backend_keep_alive(kind: str) -> Callable[[Scenario], Step | None]:
    def plan(s: Scenario) -> Step | None:
        current = s["backends.keep_alive"]
        if kind == "raised":
            return _backend_raised(s)
        if kind == "forever":
            if current == "forever":
                return None
            clause = (
                "the backends keep connections open after a response (docs/model.md §4 'Backends'), so no "
                f"close-after-write races the proxy's own close ({CLOSES}, linger-risk)"
            )
            return Step(
                "backend-forever",
                "backend-keep-alive",
                "backends keep connections (keep_alive forever)",
                {"backends.keep_alive": "forever"},
                clause,
            )
        if kind == "close":
            if current == "close-after-response":
                return None
            clause = (
                "the backends close each connection after its response (docs/model.md §4 'Backends'), so "
                "their "
                "FIN usually reaches the proxy before it closes: the proxy then closes with FIN, or its "
                "RST finds "
                "the backend's socket closed and is absorbed (§1 T11)"
            )
            return Step(
                "backend-close",
                "backend-keep-alive",
                "backends close after each response",
                {"backends.keep_alive": "close-after-response"},
                clause,
            )
        idle = _backend_idle(s)
        if idle is None:
            return None
        if current not in ("forever", "close-after-response") and facts.duration_ns(current) <= idle[0]:
            return None
        ns, what = idle
        words = in_library_words(s, "server", ns - _announce_gap(s))
        clause = (
            f"the backends close connections idle for {facts.duration_text(ns)} (docs/model.md §4 "
            "'Backends'), "
            f"before {what} does; a connection whose server closed first is closed by the proxy with FIN "
            f"({CLOSES})"
        )
        return Step(
            "backend-idle",
            "backend-keep-alive",
            f"backends close idle connections after {facts.duration_text(ns)}{words}",
            _server_idle_close(s, ns),
            clause,
        )

    return plan


def _backend_raised(s: Scenario) -> Step | None:
    """A backend idle timeout raised above every proxy timeout, so the proxy closes first."""
    current = s["backends.keep_alive"]
    if current in ("forever", "close-after-response") or facts.duration_ns(current) >= RAISED:
        return None
    proxy = [facts.duration_ns(s[f"proxy.timeout.{k}"]) for k in ("client", "server", "http_keep_alive")]
    if max(ns for ns in proxy if ns != teardown.NEVER) >= RAISED:
        return None  # 10m would not be above the proxy's timeouts
    text = facts.duration_text(RAISED)
    words = in_library_words(s, "server", RAISED - _announce_gap(s))
    clause = (
        f"the backends keep idle connections {text}, longer than the proxy keeps any (docs/model.md §4 "
        "'Backends'), so the proxy closes an idle server connection first and never sends a request into "
        "one the backend is closing (§1 'The stale-reuse race')"
    )
    return Step(
        "backend-raised",
        "backend-keep-alive",
        f"backend keep-alive raised to {text}, above the proxy's timeouts{words}",
        _server_idle_close(s, RAISED),
        clause,
    )


def _announce_gap(s: Scenario) -> int:
    """How much later than it announces the server closes (Node: keepAliveTimeoutBuffer, 1 s), in
    ns: its own setting is the announced timeout, so the words for a close at T say T - gap."""
    announced, current = s["backends.keep_alive_header_timeout"], s["backends.keep_alive"]
    if announced == "off" or current in ("forever", "close-after-response"):
        return 0
    return max(0, facts.duration_ns(current) - facts.duration_ns(announced))


def _server_idle_close(s: Scenario, ns: int) -> dict[str, str]:
    """The overrides of a backend that closes idle connections after ns; one that announces less
    than it arms keeps announcing its own setting."""
    overrides = {"backends.keep_alive": facts.duration_text(ns)}
    gap = _announce_gap(s)
    if gap:
        overrides["backends.keep_alive_header_timeout"] = facts.duration_text(max(1_000_000, ns - gap))
    return overrides


def in_library_words(s: Scenario, kind: str, ns: int) -> str:
    """ ", in Tomcat: <Connector keepAliveTimeout=...>": the setting as the scenario's preset names it
    (docs/presets.md, "Setting it in the library's own words"), or "" without a preset."""
    name = s[presets.PRESET_KEYS[kind]]
    if not name:
        return ""
    row = presets.preset(name, kind)
    if not row["idle_setting"]:
        return ""
    # Whole seconds round down (an eviction stays below the timer it must beat), to 1 s at least.
    seconds, millis = max(1, ns // 10**9), max(1, round(ns / 10**6))
    words = row["idle_setting"].replace("{ms}", str(millis)).replace("{s}", str(seconds))
    return f"; in {row['library']}: {words}"


def _backend_idle(s: Scenario) -> tuple[int, str] | None:
    """Half the proxy-side timer a backend idle timeout must beat, and what that timer is."""
    mode = facts.effective_mode(s)
    if facts.pooled(s):
        return facts.duration_ns(s["proxy.pool_purge_delay"]) // 2, "the proxy's idle-pool purge"
    timer = facts.client_idle_timer(s)
    if mode in ("keep-alive", "tunnel", "tcp") and timer is not None:
        return timer.ns // 2, f"the proxy's {timer.name}"
    return None


def _close_at_once(s: Scenario) -> Step | None:
    if not facts.backend_closes_after_response(s) or facts.duration_ns(s["backends.close_delay"]) == 0:
        return None
    clause = (
        "the backends close in the same write as the response (close_delay 0: the FIN leaves with it, "
        "docs/model.md §4 'Backends'), so the proxy has read the FIN when it closes and closes with FIN, "
        f"not RST (linger-risk, {CLOSES})"
    )
    return Step(
        "backend-close-at-once",
        "backend-close-delay",
        "backends close in the response's write (close_delay 0)",
        {"backends.close_delay": "0s"},
        clause,
    )


def _workers(n: int) -> Callable[[Scenario], Step | None]:
    def plan(s: Scenario) -> Step | None:
        current = int(s["backends.workers"])
        if current == n:
            return None
        more = "less" if n > current else "more"
        clause = (
            f"with {n} event loops per server (docs/model.md §4 'Backends') a close after a response waits "
            f"{more} for work queued on its loop, which moves the close race of {CLOSES}"
        )
        return Step(f"workers-{n}", "workers", f"{n} backend workers", {"backends.workers": n}, clause)

    return plan


# --- the clients -----------------------------------------------------------------------------


def _max_lifetime(s: Scenario) -> Step | None:
    pinned = facts.effective_mode(s) in ("tunnel", "tcp") or bool(s["proxy.prefer_last_server"])
    if not pinned and int(s["clients.long_lived.count"]) == 0:
        return None
    # A tenth of the measured period (at most a minute): several renewals show within the run.
    ns = min(60 * 10**9, facts.duration_ns(s["sim.duration"]) // 10)
    current = facts.duration_ns(s["clients.pool.max_lifetime"])
    if ns <= 0 or current <= ns:
        return None
    clause = (
        f"the pools close connections older than {facts.duration_text(ns)} when they are returned "
        "(docs/model.md §3 'Clients': max_lifetime), so pinned connections are renewed and balanced again "
        "(§2 'Balancing')"
    )
    return Step(
        "max-lifetime",
        "max-lifetime",
        f"client connection lifetime {facts.duration_text(ns)}",
        {"clients.pool.max_lifetime": facts.duration_text(ns)},
        clause,
    )


# Client presets whose idle evictor sleeps its own threshold between sweeps, so that the
# setting sets both: HttpClient 4.5's HttpClientBuilder.evictIdleConnections(t) builds an
# IdleConnectionEvictor that sleeps t (httpcomponents-client@rel/v4.5.14 HttpClientBuilder.build()).
EVICTOR_SLEEPS_ITS_THRESHOLD = frozenset({"apache-httpclient-4.5"})


def _evict(factor: float) -> Callable[[Scenario], Step | None]:
    def plan(s: Scenario) -> Step | None:
        timer = facts.client_idle_timer(s)
        if timer is None or int(s["clients.pool.max_size"]) < 1:
            return None
        evict = int(timer.ns * factor)
        # The monitor closes a connection at an idle age in [E, E + I): keep E + I below the timer.
        interval = min(
            facts.duration_ns(s["clients.pool.evict_interval"]), max(10**6, (timer.ns - evict) // 2)
        )
        if s["clients.preset"] in EVICTOR_SLEEPS_ITS_THRESHOLD:
            evict = interval = int(timer.ns * factor) // 2  # E + I = factor x the timer
        current = facts.duration_ns(s["clients.pool.idle_evict"])
        current_interval = facts.duration_ns(s["clients.pool.evict_interval"])
        if current != teardown.NEVER and current + current_interval <= evict + interval:
            return None  # already evicts at least this early
        e, i = facts.duration_text(evict), facts.duration_text(interval)
        clause = (
            f"the clients' idle monitor closes pooled connections idle for more than {e} (checked every {i}) "
            f"before the proxy's {timer} can (docs/model.md §3 'Clients'; §1 'The stale-reuse race'), so the "
            "client closes first and no request meets a connection the proxy closed"
        )
        label = f"client idle eviction at {factor:g} x {timer.name} ({e}, every {i})"
        label += in_library_words(s, "client", evict)
        overrides = {"clients.pool.idle_evict": e, "clients.pool.evict_interval": i}
        return Step(f"evict-{factor:g}", "eviction", label, overrides, clause)

    return plan


def _stale_check(s: Scenario) -> Step | None:
    timer = facts.client_idle_timer(s)
    if timer is None or int(s["clients.pool.max_size"]) < 1:
        return None
    ns = min(timer.ns // 2, 2 * 10**9)  # below the timer; HttpClient's default of 2 s at most
    if facts.duration_ns(s["clients.pool.validate_after_inactivity"]) <= ns:
        return None
    v = facts.duration_text(ns)
    clause = (
        f"the pool checks a connection idle for more than {v} before reusing it and drops one whose FIN has "
        "already arrived (docs/model.md §3 'Clients'); a FIN still in flight is not seen, so the race of "
        "§1 'The stale-reuse race' remains"
    )
    return Step(
        "stale-check",
        "stale-check",
        f"stale check after {v} idle",
        {"clients.pool.validate_after_inactivity": v},
        clause,
    )


def _retries(s: Scenario) -> Step | None:
    if int(s["clients.retries"]) > 0:
        return None
    clause = (
        "a request that failed on a reused connection is sent again at once on another (docs/model.md §3 "
        "'Clients': retries), so a stale-reuse failure costs a retry instead of an error; the RST still "
        "happens"
    )
    return Step("client-retries", "client-retries", "client retries 1", {"clients.retries": 1}, clause)
