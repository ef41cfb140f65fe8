"""td.analytic gives the closed forms the C++ tests check against the simulator."""

import math

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
