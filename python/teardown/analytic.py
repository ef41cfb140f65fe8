"""Closed-form estimates to draw beside simulation results (docs/model.md section 5).

Durations are strings with units ("1s", "250us"), seconds as numbers, or None / "off".
"""

from __future__ import annotations

from collections.abc import Sequence

from teardown import _core

__all__ = [
    "purge_periods_until_close",
    "restarted_share_leastconn",
    "restarted_share_roundrobin",
    "server_connections_per_request",
    "stale_reuse",
]

Duration = str | float | int | None


def stale_reuse(
    reuse_rate: float,
    proxy_timeout: Duration,
    one_way_delay: Duration = "250us",
    processing_time: Duration = "20us",
    idle_evict: Duration = None,
    evict_interval: Duration = "5s",
    validate_after_inactivity: Duration = None,
    response_time: Duration = None,
) -> dict[str, float]:
    """Reusing one pooled connection after Poisson idle gaps. Per request that follows a success
    (whether or not its connection is still pooled): ``p_race`` (the request crosses the proxy's
    close), ``p_closed`` (the FIN had arrived), ``p_fail``, ``p_evicted`` (the idle monitor closed
    it first) and ``p_checked`` (the stale check closed it first). Per request:
    ``failure_ratio`` and ``new_connections_per_request``. ``response_time`` is the mean time from
    a request to its response (None: 0); requests arriving within it reuse the connection at once."""
    return _core.analytic_stale_reuse(
        reuse_rate,
        proxy_timeout,
        one_way_delay,
        processing_time,
        idle_evict,
        evict_interval,
        validate_after_inactivity,
        response_time,
    )


def server_connections_per_request(
    weights: Sequence[float], prefer_last_server: bool = False, client_connections_per_request: float = 0.0
) -> float:
    """New server connections per request under 1.5-1.8 keep-alive (private connections)."""
    return _core.analytic_server_connections_per_request(
        list(weights), prefer_last_server, client_connections_per_request
    )


def restarted_share_roundrobin(
    t_seconds: float,
    servers: int,
    connections: float,
    closures_per_second: float,
    min_lifetime: Duration = 0,
) -> float:
    """A returning server's share of the pinned connections ``t_seconds`` after the proxy marks it
    up, under roundrobin: ``connections`` (K) is the mean number open and ``closures_per_second``
    (c) the rate at which they are opened, both measured in steady state (without the restart);
    each connection lives ``min_lifetime`` (d: with an idle monitor, its threshold plus half its
    period) plus an exponential time, K/c on average in all (docs/model.md section 5)."""
    return _core.analytic_restarted_share_roundrobin(
        t_seconds, servers, connections, closures_per_second, min_lifetime
    )


def restarted_share_leastconn(
    t_seconds: float,
    servers: int,
    connections: float,
    closures_per_second: float,
    min_lifetime: Duration = 0,
) -> float:
    """The same under leastconn: it takes every new connection until it holds its share (the
    fluid limit, which the mean share falls short of near the catch-up time)."""
    return _core.analytic_restarted_share_leastconn(
        t_seconds, servers, connections, closures_per_second, min_lifetime
    )


def purge_periods_until_close(est_need_at_start: int = 0) -> int:
    """Purge periods until HAProxy 2.x closes a lone idle pooled connection (LAB-4: 3)."""
    return _core.analytic_purge_periods_until_close(est_need_at_start)
