"""Estimate (c) against the simulator: the share of pinned connections a restarted server holds
t seconds after the proxy marks it up, under roundrobin and leastconn (docs/model.md section 5).

The estimate's inputs are measured as a caller would: K (mean connections open) and c
(connections opened per second) from a run of the same scenario without the restart, d (the
shortest lifetime) from the pool's idle monitor, and the time origin from the health checks.
Each replication (seed) gives the simulated share in one time-series bin and the estimate from
that seed's own K and c, averaged over the bin; a point passes when the mean difference is
within 4.5 standard errors of it, the standard error taken from the replications.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import teardown as td

BASE = td.load(__file__.rsplit("/tests/", 1)[0] + "/examples/scenarios/restart-per-connection.toml")
SEEDS = range(1, 121)
SERVERS = 3
BIN = 2.0  # seconds: the time series bin
TOLERANCE_SE = 4.5

# Pools: client connections (K, about), requests per second on each, the idle monitor's
# threshold E, and the simulated time (past the warm-up) to reach about twice the mean
# lifetime after the return. c = K / E[L] then ranges over 0.44-3.5 per second and E[L] over
# 43-121 s. Each keeps e^(-lambda E) small: a connection is used many times before the gap
# that ends it, which is what makes the rest of its life nearly exponential.
POOLS = [
    (30, 1.0, "4s", "200s"),
    (90, 1.0, "4s", "200s"),
    (240, 1.0, "4s", "200s"),
    (90, 2.0, "2s", "150s"),
    (90, 0.5, "8s", "310s"),
]
# Times after the return, as fractions of the mean lifetime K/c (roundrobin) and of the
# catch-up time t* (leastconn: its share reaches 1/n). The fluid limit min(1/n, .) is not
# checked near t*, where the mean share is lower by O(sqrt(K/n)/K) (docs/model.md section 5).
ROUNDROBIN_TIMES = (0.25, 0.5, 1.0, 2.0)
LEASTCONN_TIMES = (0.5, 3.0)


def seconds(duration: str) -> float:
    return td.parse_duration(duration) / 1e9


def scenario(clients: int, rate: float, evict: str, duration: str) -> td.Scenario:
    return BASE.with_(
        {
            "clients.count": clients,
            "clients.arrival.rate": clients * rate,
            "clients.pool.idle_evict": evict,
            "sim.duration": duration,
            "sim.timeseries_bin": f"{BIN:g}s",
            "backends.health_check.interval": "2s",
            "backends.health_check.rise": 2,
        }
    )


def seen_up(s: td.Scenario) -> float:
    """When the proxy marks the server up, on average, in time-series time (past the warm-up):
    it listens again at the end of its downtime; the first check after that comes uniformly
    within one interval, and `rise` successful checks are needed."""
    event = s.get("backends.events")[0]
    interval = seconds(s.get("backends.health_check.interval"))
    back = seconds(event["at"]) + seconds(event["downtime"])
    return back + (s.get("backends.health_check.rise") - 0.5) * interval - seconds(s.get("sim.warmup"))


def steady_state(s: td.Scenario, seed: int) -> tuple[float, float]:
    """K and c as measured without the restart: mean connections open, and opened per second."""
    r = td.run(s.with_({"backends.events": [], "sim.seed": seed}))
    open_total = r.timeseries.groupby("time_s")["open_connections"].sum()
    opened = r.metrics["connections.client_side.opened"]
    return float(open_total.mean()), opened / seconds(s.get("sim.duration"))


def shares(s: td.Scenario, seed: int) -> np.ndarray:
    """Server 0's share of the connections open, per bin (time averages over each bin)."""
    ts = td.run(s.with_({"sim.seed": seed})).timeseries
    held = ts.pivot(index="time_s", columns="server", values="open_connections")
    return (held[0] / held.sum(axis=1)).to_numpy()


def catch_up_time(K: float, c: float, d: float) -> float:
    """t* of the estimate: when leastconn's returning server reaches its share 1/n."""
    lo, hi = 0.0, 10 * K / c
    for _ in range(60):
        mid = (lo + hi) / 2
        if td.analytic.restarted_share_leastconn(mid, SERVERS, K, c, d) < 1 / SERVERS:
            lo = mid
        else:
            hi = mid
    return lo


@pytest.mark.timeout(300)
@pytest.mark.parametrize("pool", POOLS, ids=[f"K{p[0]}-rate{p[1]:g}-evict{p[2]}" for p in POOLS])
def test_restarted_share_matches_the_simulator(pool):
    s = scenario(*pool)
    d = seconds(s.get("clients.pool.idle_evict")) + seconds(s.get("clients.pool.evict_interval")) / 2
    origin = seen_up(s)
    steady = np.array([steady_state(s, seed) for seed in SEEDS])  # columns K, c
    K, c = steady.mean(axis=0)
    failures = []
    for balance, times, estimate in [
        ("roundrobin", [f * K / c for f in ROUNDROBIN_TIMES], td.analytic.restarted_share_roundrobin),
        (
            "leastconn",
            [f * catch_up_time(K, c, d) for f in LEASTCONN_TIMES],
            td.analytic.restarted_share_leastconn,
        ),
    ]:
        simulated = np.array([shares(s.with_({"proxy.balance": balance}), seed) for seed in SEEDS])
        for t in times:
            b = math.floor((origin + t) / BIN)
            assert b < simulated.shape[1], "the run ends before the last time checked"
            span = np.linspace(b * BIN - origin, (b + 1) * BIN - origin, 9)
            predicted = np.array(
                [np.mean([estimate(x, SERVERS, k, rate, d) for x in span]) for k, rate in steady]
            )
            diff = simulated[:, b] - predicted
            se = diff.std(ddof=1) / math.sqrt(len(diff))
            line = (
                f"{balance} t={t:.1f}s: simulated {simulated[:, b].mean():.4f}, "
                f"estimate {predicted.mean():.4f}, difference {diff.mean():+.4f} = {diff.mean() / se:+.1f} SE"
            )
            print(line)
            if abs(diff.mean()) >= TOLERANCE_SE * se:
                failures.append(line)
    assert not failures, "\n".join(failures)
