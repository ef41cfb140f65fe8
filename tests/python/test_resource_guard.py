"""The resource guard from Python and the command line: a scenario above the memory or event
limit is refused before it runs, with the estimate; a run bounded by wall time stops cleanly
with a partial Result whose metrics are consistent."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import teardown as td
from teardown.api import default_max_memory, estimate_resources, parse_bytes

TEARDOWN = Path(sys.executable).with_name("teardown")

HUGE = {
    "sim": {"duration": "10s", "warmup": "1s"},
    "clients": {"long_lived": {"count": 1_000_000, "rate": 0.1}},
}
# Days of simulated time at 2000 requests/s: far longer than any wall-time bound below.
ENDLESS = {
    "sim": {"duration": "2400h", "warmup": "1s", "timeseries_bin": "100h"},
    "clients": {"arrival": {"rate": 2000.0}},
}


def test_the_estimate_names_what_drives_it():
    estimate = estimate_resources(HUGE)
    assert estimate["terms"][0]["path"] == "clients.long_lived.count"
    assert estimate["terms"][0]["count"] == 1_000_000
    assert 300e6 < estimate["memory_bytes"] < 2e9
    assert estimate["events"] > 1e6
    small = estimate_resources({"sim": {"duration": "10s", "warmup": "1s"}})
    assert small["memory_bytes"] < 20e6


def test_a_scenario_above_the_memory_limit_is_refused_before_it_runs():
    with pytest.raises(td.ConfigError) as caught:
        td.run(HUGE, max_memory="64MiB")
    issue = caught.value.issues[0]
    assert issue["path"] == "clients.long_lived.count"
    assert issue["message"].startswith("this scenario needs about ")
    assert "(1,000,000 long-lived connections x ~" in issue["message"]
    assert "above the limit of 64 MiB" in issue["message"]
    assert "max_memory" in issue["message"] and "--max-memory" in issue["message"]


def test_a_scenario_above_the_event_limit_is_refused():
    with pytest.raises(td.ConfigError, match=r"sim\.duration: this scenario needs about [\d,]+ events"):
        td.run({"sim": {"duration": "60s"}}, max_events=1000)


def test_the_default_memory_limit_is_most_of_the_machine():
    assert default_max_memory() > 0
    assert td.run({"sim": {"duration": "2s", "warmup": "1s"}}, max_memory="auto").metrics
    assert td.run({"sim": {"duration": "2s", "warmup": "1s"}}, max_memory=None).metrics


@pytest.mark.parametrize(
    ("text", "value"),
    [("2GiB", 2 * 2**30), ("500MB", 500_000_000), ("1024", 1024), ("1.5 KiB", 1536), ("3g", 3 * 10**9)],
)
def test_sizes(text, value):
    assert parse_bytes(text) == value


def test_limits_that_are_not_reached_change_nothing():
    scenario = {"sim": {"duration": "20s", "warmup": "2s"}, "proxy": {"mode": "http-server-close"}}
    plain = td.run(scenario, max_memory=None)
    bounded = td.run(scenario, max_memory="1GiB", max_events=10**9, wall_time_limit="1h")
    assert not bounded.partial and bounded.time_reached_s == pytest.approx(22.0)
    assert bounded.metrics == plain.metrics
    assert bounded.events == plain.events


@pytest.mark.timeout(60)
def test_a_run_bounded_by_wall_time_stops_with_a_consistent_partial_result():
    result = td.run(ENDLESS, wall_time_limit=0.3)
    assert result.partial
    assert 1.0 < result.time_reached_s < 2400 * 3600
    assert result.wall_seconds < 3.0
    inv = result.invariants
    assert (
        inv["requests_started"]
        == inv["requests_completed"] + inv["requests_failed"] + inv["requests_in_flight"]
    )
    assert inv["connections_opened"] == inv["connections_closed"] + inv["connections_open"]
    assert inv["rst_sent"] == inv["rst_arrived"] + inv["rst_in_flight"]
    measured = result.time_reached_s - 1.0
    m = result.metrics
    assert m["requests.per_s"] == pytest.approx(m["requests.started"] / measured)
    assert m["requests.per_s"] == pytest.approx(2000, rel=0.1)
    assert "PARTIAL" in repr(result)
    again = td.Result.from_json(result.to_json())
    assert again.partial and again.time_reached_s == result.time_reached_s


@pytest.mark.timeout(60)
def test_the_command_line_bounds_a_run_by_wall_time(tmp_path):
    path = tmp_path / "endless.toml"
    path.write_text(td.Scenario(ENDLESS).to_toml())
    done = subprocess.run(
        [str(TEARDOWN), "run", str(path), "--wall-time-limit", "300ms", "--json"],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "stopped by --wall-time-limit" in done.stderr
    data = json.loads(done.stdout)
    assert data["partial"] is True and 1.0 < data["time_reached_s"] < 2400 * 3600
    assert not math.isnan(data["metrics"]["requests.per_s"])


def test_a_sweep_with_a_point_above_the_memory_limit_runs_nothing(tmp_path):
    out = tmp_path / "rows.csv"
    with pytest.raises(td.ConfigError, match=r"in sweep point 1 from grid"):
        td.sweep(
            {"sim": {"duration": "2s", "warmup": "1s"}},
            grid={"clients.long_lived.count": [1, 1_000_000], "clients.long_lived.rate": [0.1]},
            replications=1,
            out=out,
            max_memory="64MiB",
        )
    assert not out.exists()
