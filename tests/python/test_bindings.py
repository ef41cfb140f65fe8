"""teardown._core translates between Python data and the C++ scenario and result, faithfully."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from teardown import _core
from teardown.errors import ConfigError

EXAMPLE = Path(__file__).parents[3] / "shared" / "scenario.example.toml"
TABLES = {"sim", "network", "clients", "proxy", "backends"}


def key_paths(node, prefix=""):
    out = set()
    for key, value in node.items():
        out.add(prefix + key)
        if isinstance(value, dict):
            out |= key_paths(value, prefix + key + ".")
    return out


def test_an_empty_dict_gives_every_default():
    d = _core.normalize_scenario({})
    assert set(d) == TABLES
    assert d["sim"]["duration"] == "10m" and d["sim"]["seed"] == 1
    assert d["proxy"]["timeout"]["client"] == "1m"  # 60 s, in its shortest form
    assert d["proxy"]["retry_on"] == ["conn-failure"]
    assert d["backends"]["weights"] == [] and d["backends"]["events"] == []
    assert d["clients"]["arrival"]["rate"] == 1000.0 and isinstance(d["clients"]["arrival"]["rate"], float)
    assert d["proxy"]["prefer_last_server"] is False


@pytest.mark.skipif(
    not EXAMPLE.exists(), reason="the specification's example scenario is not beside the checkout"
)
def test_the_defaults_have_the_keys_of_the_example_file():
    example = _core.load_scenario(str(EXAMPLE))
    defaults = _core.normalize_scenario({})
    assert key_paths(defaults) == key_paths(example)
    example["backends"]["events"] = []
    assert example == defaults  # the example file spells out the defaults, plus one event


def test_python_values_become_toml_values():
    d = _core.normalize_scenario(
        {
            "proxy": {"prefer_last_server": True, "retry_on": ("conn-failure", "empty-response")},
            "clients": {"count": np.int64(7), "arrival": {"rate": 250, "kind": "poisson"}},
            "backends": {"weights": [1, np.int32(2), 3], "service_time": {"sigma": np.float32(0.5)}},
            "sim": {"duration": 30, "warmup": 1.5},
        }
    )
    assert d["proxy"]["prefer_last_server"] is True
    assert d["proxy"]["retry_on"] == ["conn-failure", "empty-response"]
    assert d["clients"]["count"] == 7
    assert d["clients"]["arrival"]["rate"] == 250.0
    assert d["backends"]["weights"] == [1, 2, 3]
    assert d["backends"]["service_time"]["sigma"] == 0.5
    assert d["sim"]["duration"] == "30s" and d["sim"]["warmup"] == "1500ms"


def test_a_list_of_dicts_is_an_array_of_tables():
    events = [{"at": "1m", "server": 2, "action": "down"}, {"at": "2m", "server": 2, "action": "up"}]
    d = _core.normalize_scenario({"backends": {"events": events}})
    assert [e["action"] for e in d["backends"]["events"]] == ["down", "up"]
    assert d["backends"]["events"][0]["downtime"] == "30s"  # defaulted inside each element


def test_values_toml_cannot_hold_are_config_errors_with_their_path():
    with pytest.raises(ConfigError) as caught:
        _core.normalize_scenario(
            {"proxy": {"mode": None}, "x": object(), 3: 4, "backends": {"weights": [1, 2**70]}}
        )
    paths = {i["path"] for i in caught.value.issues}
    assert paths == {"proxy.mode", "x", "3", "backends.weights[1]"}
    assert isinstance(caught.value, ValueError)


def test_an_event_without_a_time_is_refused():
    with pytest.raises(ConfigError, match=r"backends\.events\[0\]\.at: missing"):
        _core.normalize_scenario({"backends": {"events": [{"server": 1}]}})


def test_load_scenario_reports_syntax_errors_with_the_place(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[proxy\n")
    with pytest.raises(ConfigError) as caught:
        _core.load_scenario(str(path))
    issue = caught.value.issues[0]
    assert issue["path"] == "" and issue["where"].startswith(f"{path}:1:")
    assert "TOML syntax error" in issue["message"]


def test_scenario_toml_writes_every_key_and_reads_back(tmp_path):
    checked, d = _core.check_scenario({"proxy": {"mode": "tcp"}, "backends": {"keep_alive": "5s"}})
    assert d == _core.normalize_scenario({"proxy": {"mode": "tcp"}, "backends": {"keep_alive": "5s"}})
    text = _core.scenario_toml(checked)
    assert 'mode = "tcp"' in text and 'keep_alive = "5s"' in text
    path = tmp_path / "s.toml"
    path.write_text(text)
    assert _core.load_scenario(str(path)) == d


def test_a_checked_scenario_runs_as_its_dict_does():
    checked, d = _core.check_scenario({"sim": {"duration": "3s", "warmup": "1s"}})
    assert _core.run_checked(checked)["metrics"] == _core.run(d)["metrics"]


def test_run_returns_plain_data():
    raw = _core.run({"sim": {"duration": "4s", "warmup": "1s", "timeseries_bin": "1s"}}, 1)
    assert set(raw) == {
        "scenario",
        "warnings",
        "metrics",
        "per_server",
        "timeseries",
        "invariants",
        "events",
        "wall_seconds",
        "trace",
        "ladders",
        "partial",
        "time_reached_ns",
    }
    ts = raw["timeseries"]
    assert (ts["bins"], ts["servers"], ts["bin_ns"]) == (4, 3, 10**9)
    assert len(ts["requests"]) == len(ts["open_connections"]) == 4 * 3
    assert len(raw["per_server"]["server"]) == 3
    columns = raw["trace"]
    assert len({len(v) for v in columns.values()}) == 1 and len(columns["time_ns"]) > 0
    assert {"connection", "left", "right", "text"} == set(raw["ladders"][0])
    assert all(isinstance(v, float) for v in raw["metrics"].values())
    assert raw["warnings"] == []
    tcp = _core.run(
        {"sim": {"duration": "1s", "warmup": "0s"}, "proxy": {"mode": "tcp", "pretend_keepalive": True}}
    )
    assert [w["path"] for w in tcp["warnings"]] == ["proxy.pretend_keepalive"]


def test_the_value_a_toml_parser_stopped_in_is_named_by_its_key():
    text = '[clients]\ncount = 1e400\n[grid]\n"proxy.mode" = ["tcp", 2x]\n'
    assert _core.toml_value_at(text, 2, 14) == ("clients.count", 2, 9)
    assert _core.toml_value_at(text, 4, 26) == ('grid."proxy.mode"[1]', 4, 24)
    assert _core.toml_value_at(text, 3, 2) is None  # a table header


def test_run_checks_the_scenario_first():
    with pytest.raises(ConfigError, match=r"proxy\.balance"):
        _core.run({"proxy": {"balance": "fastest"}})
