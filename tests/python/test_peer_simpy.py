"""The SimPy peer model of bench/seed.toml (issue 11 item 3) runs and counts what it simulates.

These are behaviour checks on a tiny, scaled-down scenario; the speed comparison itself is a
benchmark (bench/peer_compare.py), not a test.
"""

import copy
import importlib.util
import json
import math
from pathlib import Path

import pytest

pytest.importorskip("simpy")

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load_peer():
    spec = importlib.util.spec_from_file_location("peer_simpy", BENCH / "peer_simpy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


peer = _load_peer()


def small_seed(**changes):
    """bench/seed.toml with 10 pooled clients at 1,000 requests/s in all and 100 long-lived
    connections at 1/s each: 1,100 requests per simulated second."""
    scenario = copy.deepcopy(peer.load(BENCH / "seed.toml"))
    scenario["clients"]["count"] = 10
    scenario["clients"]["arrival"]["rate"] = 1000.0
    scenario["clients"]["long_lived"]["count"] = 100
    for path, value in changes.items():
        *tables, key = path.split(".")
        table = scenario
        for name in tables:
            table = table.setdefault(name, {})
        table[key] = value
    return scenario


@pytest.mark.parametrize("workers", ["loop", "resource"])
def test_one_simulated_second_starts_requests_at_the_scenarios_rate(workers):
    r = peer.run(small_seed(), duration=1.0, warmup=0.0, workers=workers)
    assert r["sim_duration_s"] == 1.0
    # Poisson with mean 1,100: four standard deviations either side.
    assert abs(r["requests"] - 1100) < 4 * math.sqrt(1100)
    # Millisecond latencies: all but the last few are answered, none fails before 10 s.
    assert r["failed"] == 0
    assert r["requests"] - 20 <= r["completed"] <= r["requests"]
    assert r["server_connections_opened"] > 0


def test_both_worker_loops_give_the_same_run():
    # The light loop is the same FIFO single server as simpy.Resource(capacity=1).
    loop = peer.run(small_seed(), duration=1.0, warmup=0.0, workers="loop")
    resource = peer.run(small_seed(), duration=1.0, warmup=0.0, workers="resource")
    for key in ("requests", "completed", "failed", "server_connections_opened", "client_connections_opened"):
        assert loop[key] == resource[key]


def test_a_reuse_after_the_keep_alive_timeout_fails_and_the_client_reconnects():
    # Long-lived connections only, keep-alive 1 ms: every request on a reused connection is
    # stale, so new connection (served) and reuse (failed) alternate on each client.
    scenario = small_seed(**{"clients.arrival.rate": 0.0, "proxy.timeout.http_keep_alive": "1ms"})
    r = peer.run(scenario, duration=3.0, warmup=0.0)
    assert r["failed"] > 0.3 * r["requests"]
    assert r["client_connections_opened"] >= r["failed"]
    assert abs(r["completed"] + r["failed"] - r["requests"]) <= 5


def test_the_json_line_has_the_benchmark_keys(tmp_path, capsys):
    text = (BENCH / "seed.toml").read_text()
    text = text.replace("count = 10000", "count = 100").replace("rate = 10000.0", "rate = 1000.0")
    text = text.replace("[clients]\ncount = 100", "[clients]\ncount = 10")
    scenario = tmp_path / "small.toml"
    scenario.write_text(text)
    assert peer.main(["--scenario", str(scenario), "--duration", "1s", "--warmup", "0s", "--json"]) == 0
    row = json.loads(capsys.readouterr().out.strip())
    assert row["model"] == "simpy"
    assert {"sim_duration_s", "requests", "wall_s", "sim_requests_per_s"} <= row.keys()
    assert row["sim_duration_s"] == 1.0
    assert row["sim_requests_per_s"] == pytest.approx(row["requests"] / row["wall_s"])


def test_settings_the_peer_does_not_model_are_refused():
    with pytest.raises(ValueError, match="proxy.mode"):
        peer.Params(small_seed(**{"proxy.mode": "http-server-close"}))
