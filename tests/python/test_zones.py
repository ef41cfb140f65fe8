"""network.zones: backends farther from the proxy, from a dict or TOML, and bad zones refused by key."""

from __future__ import annotations

import pytest
import teardown as td

BASE = {
    "sim": {"duration": "5s", "warmup": "1s"},
    "backends": {"servers": 2},
    "proxy": {"balance": "leastconn"},
}


def with_zones(zones):
    return {**BASE, "network": {"zones": zones}}


def test_a_far_zone_gets_fewer_requests_under_leastconn():
    near = td.run(BASE)
    far = td.run(with_zones([{"servers": [1], "proxy_backend_delay": "5ms"}]))
    assert near.per_server["request_share"][1] == pytest.approx(0.5, abs=0.05)
    assert far.per_server["request_share"][1] < 0.4
    assert far.metrics["latency.mean"] > near.metrics["latency.mean"]


def test_zones_round_trip_through_toml(tmp_path):
    sc = td.Scenario(with_zones([{"servers": [0, 1], "proxy_backend_delay": "2ms", "jitter": "100us"}]))
    path = tmp_path / "zones.toml"
    path.write_text(sc.to_toml())
    again = td.Scenario.from_toml(path)
    assert again.to_dict()["network"]["zones"] == [
        {"servers": [0, 1], "proxy_backend_delay": "2ms", "jitter": "100us"}
    ]


@pytest.mark.parametrize(
    ("zones", "path", "words"),
    [
        ([{"servers": [2]}], "network.zones[0].servers[0]", "no server 2"),
        ([{"servers": [0]}, {"servers": [0]}], "network.zones[1].servers[0]", "already in network.zones[0]"),
        ([{"proxy_backend_delay": "1ms"}], "network.zones[0].servers", "required"),
        (
            [{"servers": [0], "proxy_backend_delay": "-1ms"}],
            "network.zones[0].proxy_backend_delay",
            "negative",
        ),
    ],
)
def test_bad_zones_name_the_key(zones, path, words):
    with pytest.raises(td.ConfigError) as err:
        td.run(with_zones(zones))
    assert path in str(err.value)
    assert words in str(err.value)
