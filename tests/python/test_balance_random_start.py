"""Where ``balance random`` starts its keys (``proxy.random_seed``): a fixed-start release picks the
same servers, in the same order, after every start and whatever the run's seed; one that seeds
at start does not. The picks a real HAProxy 2.6.12 made are checked in
tests/validation/test_balance_random.py and tests/cpp/models/balance_test.cpp."""

from __future__ import annotations

import pytest
from teardown import _core
from teardown.validation.compare import simulated_picks
from teardown.validation.haproxy import as_version, random_seed


def picks(seed: int, random_seed_key: str = "preset", version: str = "2.6") -> list[int]:
    """Servers of the first 50 requests of one client making one at a time, in order."""
    proxy = {"version": version, "balance": "random", "random_seed": random_seed_key}
    return simulated_picks(proxy, servers=4, count=50, seed=seed)


def test_the_26_preset_starts_balance_random_alike_whatever_the_seed() -> None:
    assert picks(1) == picks(2) == picks(3, "fixed")
    assert picks(1, version="2.0", random_seed_key="fixed") == picks(1)


def test_a_release_that_seeds_at_start_draws_with_the_run() -> None:
    assert picks(1, "per-start") != picks(2, "per-start")
    assert picks(1, version="2.0") == picks(1, "per-start", version="2.0")
    assert picks(1, version="2.0") != picks(2, version="2.0")


def test_the_rule_is_in_the_release_table() -> None:
    rows = {row["version"]: row["random_fixed_start"] for row in _core.proxy_versions()}
    assert rows["2.6"] is True
    assert rows["2.0"] is False


@pytest.mark.parametrize(
    ("release", "expected"),
    [
        ("2.2.33", "per-start"),
        ("2.4.25", "fixed"),
        ("2.4.26", "per-start"),
        ("2.5.14", "fixed"),
        ("2.6.12-1+deb12u4", "fixed"),
        ("2.6.17", "per-start"),
        ("2.8.7", "fixed"),
        ("2.8.25-5cf5d0683", "per-start"),
        ("2.9.3", None),
        ("3.0.0", "per-start"),
    ],
)
def test_a_binarys_release_says_how_it_starts_balance_random(release: str, expected: str | None) -> None:
    assert random_seed(as_version(release)) == expected
