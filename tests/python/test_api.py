"""The public Python API: scenarios in (dict, TOML file, Scenario), Results out, errors that name the key."""

from __future__ import annotations

import json
import math
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import teardown as td

SMALL = {"sim": {"duration": "10s", "warmup": "1s", "timeseries_bin": "2s"}}


@pytest.fixture(scope="module")
def small() -> td.Result:
    return td.run(SMALL)


@pytest.fixture(scope="module")
def traced() -> td.Result:
    return td.run(SMALL, trace=2)


# ---- running and what a Result holds ------------------------------------------------------


def test_a_small_run_reports_the_documented_metrics(small):
    for name in (
        "requests.started",
        "requests.failed",
        "client.eof_before_response",
        "client.reset_on_read",
        "backend.resets_per_s_per_server",
        "rst.proxy_to_client",
        "connections.server_side.per_request",
        "time_wait.peak",
        "latency.p99",
        "skew.requests.max_over_mean",
        "skew.connections.jain",
    ):
        assert isinstance(small.metrics[name], float), name
    assert small.metrics["requests.started"] > 5000  # 1000/s for 10 s


def test_every_run_conserves_requests_connections_and_resets(small):
    inv = small.invariants
    assert (
        inv["requests_started"]
        == inv["requests_completed"] + inv["requests_failed"] + inv["requests_in_flight"]
    )
    assert inv["connections_opened"] == inv["connections_closed"] + inv["connections_open"]
    assert inv["rst_sent"] == inv["rst_arrived"] + inv["rst_in_flight"]


def test_per_server_is_a_table_of_the_servers(small):
    ps = small.per_server
    assert isinstance(ps, pd.DataFrame)
    assert list(ps.columns) == [
        "server",
        "requests",
        "connections_opened",
        "mean_open_connections",
        "resets_seen",
        "request_share",
    ]
    assert ps["server"].tolist() == [0, 1, 2]
    assert ps["request_share"].sum() == pytest.approx(1.0)


def test_timeseries_is_long_with_one_row_per_bin_and_server(small):
    ts = small.timeseries
    assert list(ts.columns) == ["time_s", "server", "requests", "open_connections"]
    assert len(ts) == 5 * 3  # 10 s in 2 s bins, 3 servers
    assert sorted(ts["time_s"].unique()) == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert ts.groupby("server")["requests"].sum().tolist() == small.per_server["requests"].tolist()


def test_metrics_frame_is_indexed_by_metric_name(small):
    frame = small.metrics_frame()
    assert frame.index.name == "metric"
    assert list(frame.columns) == ["value"]
    assert frame.loc["requests.started", "value"] == small.metrics["requests.started"]


def test_result_carries_the_fully_defaulted_scenario(small):
    assert small.scenario["sim"]["duration"] == "10s"
    assert small.scenario["proxy"]["mode"] == "http-keep-alive"
    assert td.Scenario(small.scenario) == td.Scenario(SMALL)
    assert small.events > 0 and small.wall_seconds > 0


def test_repr_reads_as_a_summary(small):
    text = repr(small)
    assert "http-keep-alive" in text and "requests" in text and "backend resets/s/server" in text


def test_a_dict_a_toml_file_and_a_scenario_give_the_same_metrics(small, tmp_path):
    path = tmp_path / "small.toml"
    path.write_text('[sim]\nduration = "10s"\nwarmup = "1s"\ntimeseries_bin = "2s"\n')
    assert td.run(path).metrics == small.metrics
    assert td.run(str(path)).metrics == small.metrics
    assert td.run(td.Scenario(SMALL)).metrics == small.metrics
    assert td.run(td.load(path)).metrics == small.metrics


def test_dotted_keys_are_accepted_in_a_dict(small):
    assert (
        td.run({"sim.duration": "10s", "sim.warmup": "1s", "sim.timeseries_bin": "2s"}).metrics
        == small.metrics
    )


def test_the_same_seed_gives_the_same_metrics_and_another_seed_other_ones(small):
    assert td.run(SMALL).metrics == small.metrics
    other = td.run(td.Scenario(SMALL).with_({"sim.seed": 2}))
    assert other.metrics != small.metrics


def test_run_refuses_a_bad_trace_count_and_a_non_scenario():
    with pytest.raises(ValueError, match="trace"):
        td.run(SMALL, trace=-1)
    with pytest.raises(TypeError):
        td.run(42)  # type: ignore[arg-type]


def test_run_releases_the_gil():
    # While a long run goes on in another thread, this thread keeps running Python: the
    # longest pause between its ticks stays far below the run's own wall time.
    long = {"sim": {"duration": "1200s", "warmup": "1s"}, "clients": {"arrival": {"rate": 2000.0}}}
    box: dict[str, td.Result] = {}
    worker = threading.Thread(target=lambda: box.setdefault("r", td.run(long)))
    worker.start()
    last, longest_pause = time.perf_counter(), 0.0
    while worker.is_alive():
        now = time.perf_counter()
        longest_pause, last = max(longest_pause, now - last), now
    worker.join()
    wall = box["r"].wall_seconds
    assert wall > 0.2, "the run is too short to tell"
    assert longest_pause < 0.5 * wall


# ---- traces --------------------------------------------------------------------------------


def test_a_trace_records_segments_and_draws_a_ladder(traced):
    trace = traced.trace
    assert list(trace.columns) == [
        "time_s",
        "connection",
        "side",
        "what",
        "segment",
        "rule",
        "state_after",
        "notice",
        "error",
        "fate",
        "bytes",
    ]
    assert len(trace) > 0
    assert "SYN" in set(trace["segment"])
    assert set(trace["side"]) <= {0, 1}
    ladder = traced.ladder()
    assert "SYN" in ladder and "receives" in ladder
    first = int(trace["connection"].iloc[0])
    assert "--SYN-->" in traced.ladder(first)
    with pytest.raises(ValueError, match="not traced"):
        traced.ladder(10**9)


def test_tracing_does_not_change_the_metrics(small, traced):
    assert traced.metrics == small.metrics


def test_without_a_trace_the_trace_is_empty(small):
    assert small.trace.empty and "segment" in small.trace.columns
    assert small.ladder() == ""


# ---- results as data ------------------------------------------------------------------------


def test_a_result_pickles(traced):
    back = pickle.loads(pickle.dumps(traced))
    assert back == traced
    assert back.metrics == traced.metrics
    pd.testing.assert_frame_equal(back.per_server, traced.per_server)
    pd.testing.assert_frame_equal(back.trace, traced.trace)
    assert back.ladder() == traced.ladder()


def test_to_json_is_plain_json_and_reads_back(small):
    data = json.loads(small.to_json())
    for key in ("metrics", "per_server", "timeseries", "scenario", "invariants", "events", "wall_seconds"):
        assert key in data
    assert data["metrics"]["requests.started"] == small.metrics["requests.started"]
    assert data["scenario"]["sim"]["duration"] == "10s"
    assert td.Result.from_json(small.to_json()) == small


def test_json_writes_nan_as_null():
    r = td.Result.from_json(td.run(SMALL).to_json())
    data = r.to_data()
    data["metrics"]["latency.p99"] = math.nan
    text = td.Result(data).to_json()
    assert json.loads(text)["metrics"]["latency.p99"] is None
    assert math.isnan(td.Result.from_json(text).metrics["latency.p99"])


# ---- scenarios -------------------------------------------------------------------------------


def test_a_partial_dict_takes_every_other_default():
    s = td.Scenario({"proxy": {"mode": "httpclose"}})
    assert s.get("proxy.mode") == "httpclose"
    assert s.get("proxy.timeout.client") == "1m"  # 60 s, in its shortest form
    assert s.get("backends.workers") == 8
    assert td.Scenario() == td.Scenario.from_dict({}) == td.Scenario(None)


def test_durations_come_back_in_their_toml_form():
    s = td.Scenario({"network": {"client_proxy_delay": "0.25ms"}, "sim": {"duration": 600}})
    assert s.get("network.client_proxy_delay") == "250us"
    assert s.get("sim.duration") == "10m"


def test_get_names_a_missing_key():
    s = td.Scenario()
    with pytest.raises(KeyError, match="proxy.timout"):
        s.get("proxy.timout")
    assert s.get("proxy.timout", None) is None
    assert s["proxy.balance"] == "roundrobin"


def test_a_scenario_is_immutable_and_to_dict_is_a_copy():
    s = td.Scenario()
    d = s.to_dict()
    d["proxy"]["mode"] = "tcp"
    assert s.get("proxy.mode") == "http-keep-alive"
    s.get("proxy")["mode"] = "tcp"
    assert s.get("proxy.mode") == "http-keep-alive"
    with pytest.raises(AttributeError):
        s.x = 1  # type: ignore[attr-defined]


def test_with_takes_dotted_keys_as_a_dict_or_as_keywords():
    base = td.Scenario()
    a = base.with_({"proxy.mode": "httpclose", "backends.workers": 4})
    b = base.with_(**{"proxy.mode": "httpclose", "backends.workers": 4})
    assert a == b == td.Scenario({"proxy": {"mode": "httpclose"}, "backends": {"workers": 4}})
    assert base.get("proxy.mode") == "http-keep-alive"  # unchanged


def test_with_merges_a_table_and_replaces_a_list():
    s = td.Scenario({"proxy": {"mode": "httpclose"}, "backends": {"weights": [1, 2, 3]}})
    t = s.with_(proxy={"balance": "leastconn"}, **{"backends.weights": [3, 2, 1]})
    assert t.get("proxy.mode") == "httpclose" and t.get("proxy.balance") == "leastconn"
    assert t.get("backends.weights") == [3, 2, 1]
    events = [{"at": "5s", "server": 1, "action": "restart", "downtime": "2s"}]
    u = s.with_({"backends.events": events})
    assert u.get("backends.events") == events


def test_with_leaves_the_original_and_its_tables_as_they_were():
    """with_ shares the tables it does not change: merging into one must not reach the original."""
    s = td.Scenario({"backends": {"events": [{"at": "5s", "server": 1}]}})
    before = s.to_dict()
    t = s.with_(
        {"proxy.timeout": {"client": "5s"}, "proxy.timeout.server": "6s", "backends.weights": [2, 1, 1]}
    )
    u = t.with_(proxy={"timeout": {"connect": "1s"}})
    assert s.to_dict() == before
    assert (t.get("proxy.timeout.client"), t.get("proxy.timeout.server"), t.get("proxy.timeout.connect")) == (
        "5s",
        "6s",
        before["proxy"]["timeout"]["connect"],
    )
    assert u.get("proxy.timeout.connect") == "1s" and u.get("proxy.timeout.client") == "5s"
    assert t.get("backends.events") == s.get("backends.events")


def test_with_names_an_unknown_key_and_suggests_one():
    s = td.Scenario()
    with pytest.raises(td.ConfigError, match=r"proxy\.timout: unknown key; did you mean 'proxy\.timeout'"):
        s.with_({"proxy.timout": "10m"})
    with pytest.raises(td.ConfigError, match=r"proxi\.mode: .*'proxy\.mode'"):
        s.with_(**{"proxi.mode": "tcp"})
    with pytest.raises(td.ConfigError, match=r"proxy\.workers: .*'backends\.workers'"):
        s.with_({"proxy.workers": 4})
    with pytest.raises(td.ConfigError, match=r"proxy\.timeout\.clients"):
        s.with_(proxy={"timeout": {"clients": "1s"}})


def test_with_checks_the_new_values():
    with pytest.raises(td.ConfigError, match=r"backends\.workers"):
        td.Scenario().with_({"backends.workers": "many"})


def test_equal_scenarios_have_equal_hashes():
    a = td.Scenario({"proxy": {"mode": "http-keep-alive"}})
    b = td.Scenario(td.Scenario().to_dict())
    c = td.Scenario({"network": {"client_proxy_delay": "0.25ms"}})
    assert a.hash() == b.hash() == c.hash() == td.Scenario().hash()
    assert len(a.hash()) == 64 and int(a.hash(), 16) >= 0
    assert td.Scenario({"sim": {"seed": 2}}).hash() != a.hash()
    assert len({a, b, c}) == 1


def test_to_toml_reads_back_as_the_same_scenario(tmp_path):
    s = td.Scenario(
        {"proxy": {"version": "1.5", "mode": "http-server-close"}, "backends": {"events": [{"at": "30s"}]}}
    )
    path = tmp_path / "s.toml"
    path.write_text(s.to_toml())
    assert td.load(path) == s
    assert td.Scenario.from_toml(path).hash() == s.hash()
    assert "[[backends.events]]" in s.to_toml()


def test_a_scenario_pickles():
    s = td.Scenario({"proxy": {"balance": "leastconn"}})
    assert pickle.loads(pickle.dumps(s)) == s


def test_scenario_repr_shows_the_main_choices():
    text = repr(
        td.Scenario({"proxy": {"version": "1.5", "balance": "leastconn"}, "backends": {"servers": 5}})
    )
    for part in ("1.5", "http-keep-alive", "leastconn", "20 clients", "5 servers", "10m", "warm-up"):
        assert part in text


# ---- errors ---------------------------------------------------------------------------------


def test_an_unknown_key_is_named_with_a_suggestion():
    with pytest.raises(td.ConfigError) as caught:
        td.Scenario({"proxy": {"timout": {"client": "1s"}}})
    assert caught.value.issues[0]["path"] == "proxy.timout"
    assert "proxy.timeout" in caught.value.issues[0]["message"]
    assert str(caught.value).startswith("proxy.timout: ")


def test_a_config_error_is_a_value_error_with_every_issue():
    bad = {"clients": {"count": "many"}, "sim": {"duration": "ten"}}
    with pytest.raises(ValueError) as caught:
        td.run(bad)
    error = caught.value
    assert isinstance(error, td.ConfigError)
    assert {i["path"] for i in error.issues} == {"clients.count", "sim.duration"}
    assert all(set(i) == {"path", "message", "where"} for i in error.issues)
    lines = str(error).splitlines()
    assert len(lines) == 2 and all(": " in line for line in lines)


@pytest.mark.parametrize(
    ("scenario", "path", "words"),
    [
        ({"clients": {"count": "x"}}, "clients.count", "expected an integer"),
        ({"proxy": {"nolinger": "yes"}}, "proxy.nolinger", "true or false"),
        ({"proxy": {"timeout": {"client": "ten"}}}, "proxy.timeout.client", "expected a duration"),
        ({"proxy": {"version": "2.6", "mode": "http-tunnel"}}, "proxy.mode", "does not exist in HAProxy 2.6"),
        ({"proxy": {"mode": None}}, "proxy.mode", "None"),
    ],
)
def test_bad_values_are_named_by_key_path(scenario, path, words):
    with pytest.raises(td.ConfigError) as caught:
        td.Scenario(scenario)
    assert any(i["path"] == path and words in i["message"] for i in caught.value.issues), caught.value.issues


def test_a_bad_toml_file_gives_file_line_and_column(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[proxy]\nversion = "2.6"\nmode = "http-tunnel"\n')
    with pytest.raises(td.ConfigError) as caught:
        td.load(path)
    assert caught.value.issues[0]["where"] == f"{path}:3:8"
    assert f"(at {path}:3:8)" in str(caught.value)


def test_a_missing_file_is_a_config_error_naming_it(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(td.ConfigError, match="nowhere.toml"):
        td.load(path)
    with pytest.raises(td.ConfigError, match="nowhere.toml"):
        td.run(str(path))


def test_a_config_error_pickles():
    error = td.ConfigError([{"path": "proxy.mode", "message": "bad", "where": ""}])
    back = pickle.loads(pickle.dumps(error))
    assert back.issues == error.issues and str(back) == "proxy.mode: bad"


def test_importing_teardown_does_not_import_the_validation_harness():
    code = "import sys, teardown; assert 'teardown.validation' not in sys.modules; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_the_example_scenarios_load_and_round_trip_through_toml(tmp_path):
    examples = sorted((Path(__file__).parents[2] / "examples" / "scenarios").glob("*.toml"))
    assert examples
    for path in examples:
        s = td.load(path)
        copy = tmp_path / path.name
        copy.write_text(s.to_toml())
        assert td.load(copy) == s, path
