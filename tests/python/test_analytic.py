"""td.analytic gives the closed forms the C++ tests check against the simulator."""

import math

import numpy as np
import pytest
import teardown as td


def test_stale_reuse_without_a_stale_check_is_the_exponential_tail():
    e = td.analytic.stale_reuse(1.0, "1s", "250us", "20us")
    assert e["p_fail"] == pytest.approx(math.exp(-(1 - 520e-6)))
    assert e["failure_ratio"] == pytest.approx(e["p_fail"] / (1 + e["p_fail"]))


def test_a_stale_check_leaves_only_the_race():
    e = td.analytic.stale_reuse(1.0, "1s", "250us", "20us", validate_after_inactivity="500ms")
    assert e["p_fail"] == pytest.approx(e["p_race"])
    assert e["p_race"] < 1e-3


def test_an_evictor_below_the_timeout_removes_failures():
    assert td.analytic.stale_reuse(1.0, "1s", idle_evict="500ms", evict_interval="100ms")["p_fail"] == 0


def _pool_of_one(lam, a, evict, interval, n, seed):
    """The client model of docs/model.md section 3 alone, as the estimate states it: after a success
    the next request comes Exp(lam) later; the idle monitor closes the connection at age E + U*I;
    a gap in [a, eviction age) fails and leaves the pool empty. Returns failures and new connections
    per request."""
    rng = np.random.default_rng(seed)
    gap = rng.exponential(1 / lam, n)
    evicted_at = evict + interval * rng.random(n)
    found_gone = gap >= evicted_at
    would_fail = (gap >= a) & ~found_gone
    failed = np.zeros(n, dtype=bool)
    fresh = np.zeros(n, dtype=bool)
    after_failure = False
    for i in range(n):  # a request after a failure opens a connection that cannot fail
        fresh[i] = after_failure or found_gone[i]
        failed[i] = not after_failure and would_fail[i]
        after_failure = failed[i]
    return failed.mean(), fresh.mean()


@pytest.mark.parametrize(("evict", "interval"), [(0.8, 0.4), (0.8, 0.1), (0.5, 2.0)])
def test_the_chain_matches_a_monte_carlo_of_the_pool(evict, interval):
    # An evicted connection is replaced by the request that finds it gone: the chain once
    # counted one more request for it and gave 0.279 new connections per request for 0.381.
    e = td.analytic.stale_reuse(1.0, "1s", "250us", "20us", idle_evict=evict, evict_interval=interval)
    n = 200_000
    failures, fresh = _pool_of_one(1.0, 1 - 520e-6, evict, interval, n, seed=7)
    for simulated, expected in ((failures, e["failure_ratio"]), (fresh, e["new_connections_per_request"])):
        assert abs(simulated - expected) < 4.5 * math.sqrt(max(expected * (1 - expected), 1 / n) / n)


def test_a_stale_check_replaces_the_connections_it_closes():
    e = td.analytic.stale_reuse(1.0, "1s", "250us", "20us", validate_after_inactivity="500ms")
    assert e["p_checked"] == pytest.approx(math.exp(-1))  # the FIN is at the client from g = T
    assert e["new_connections_per_request"] == pytest.approx(
        (e["p_fail"] + e["p_checked"]) / (1 + e["p_fail"])
    )


def test_requests_arriving_before_the_response_go_out_at_once():
    base = td.analytic.stale_reuse(1.0, "1s", idle_evict="800ms", evict_interval="400ms")
    waited = td.analytic.stale_reuse(
        1.0, "1s", idle_evict="800ms", evict_interval="400ms", response_time="3ms"
    )
    for p in ("p_race", "p_closed", "p_fail", "p_evicted"):
        assert waited[p] == pytest.approx(base[p] * math.exp(-0.003))


def test_balance_and_purge_forms():
    assert td.analytic.server_connections_per_request([1, 1, 1]) == pytest.approx(2 / 3)
    assert td.analytic.server_connections_per_request([1, 1, 1], prefer_last_server=True) == 0
    assert td.analytic.purge_periods_until_close() == 3
    assert td.analytic.restarted_share_leastconn(1e6, 3, 90, 1.5) == pytest.approx(1 / 3)
    # No connection ends before the shortest lifetime: the share grows as c t / (n K) until then.
    assert td.analytic.restarted_share_roundrobin(4, 3, 90, 1.5, "4.25s") == pytest.approx(4 * 1.5 / 90 / 3)
    with pytest.raises(ValueError, match="min_lifetime"):
        td.analytic.restarted_share_roundrobin(10, 3, 90, 1.5, "2m")  # longer than the mean lifetime, 60 s


def test_bad_durations_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="unknown unit"):
        td.analytic.stale_reuse(1.0, "1 fortnight")
