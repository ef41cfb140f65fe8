"""proxy.instances from Python: the keys, and the trace tools on several proxy hosts."""

import matplotlib

matplotlib.use("Agg")

import pytest
import teardown as td
from teardown.pcap import address, write_pcapng

STALE = {
    "sim": {"duration": "20s", "warmup": "2s"},
    "clients": {"count": 6, "arrival": {"rate": 200.0}, "pool": {"max_size": 4}},
    "proxy": {"version": "2.6", "instances": 3, "timeout": {"http_keep_alive": "1s"}},
    "backends": {"servers": 3},
}


def test_keys_round_trip_and_bad_values_name_the_key():
    scenario = td.Scenario({"proxy": {"instances": 3, "spread": "l4"}})
    assert scenario["proxy.instances"] == 3
    assert scenario["proxy.spread"] == "l4"
    assert td.Scenario({})["proxy.spread"] == "dns"
    assert "x 3 instances (l4)" in repr(scenario)
    assert "instances" not in repr(td.Scenario({}))
    with pytest.raises(td.ConfigError, match=r"proxy\.instances: must be at most 16"):
        td.Scenario({"proxy": {"instances": 17}})
    with pytest.raises(td.ConfigError, match=r"proxy\.spread: unknown value 'anycast'"):
        td.Scenario({"proxy": {"spread": "anycast"}})


def test_traces_name_each_instance_and_explain_reads_them(tmp_path):
    result = td.run(td.Scenario(STALE), trace=30)
    names = {info["right"] for info in result.traced_connections} | {
        info["left"] for info in result.traced_connections
    }
    assert {"proxy-0", "proxy-1", "proxy-2"} <= names
    assert "proxy" not in names
    assert result.metrics["requests.failed"] > 0
    story = td.explain(result, failure=1)
    first = story.splitlines()[1]
    assert "-> proxy-" in first, first
    reset = td.explain(result, reset=1).splitlines()[1]
    assert "(proxy-" in reset and "-> backend-" in reset, reset
    written = write_pcapng(result, tmp_path / "three.pcapng")
    assert written.packets > 0
    assert address("proxy") == address("proxy-0") == bytes((10, 0, 0, 1))
    assert address("proxy-2") == bytes((10, 0, 0, 3))


def test_three_instances_against_one_in_a_sweep():
    rows = td.sweep(td.Scenario(STALE), {"proxy.instances": [1, 3]}, replications=1)
    by = rows.set_index("proxy.instances")
    assert set(by.index) == {1, 3}
    assert by.loc[3, "connections.server_side.opened"] > by.loc[1, "connections.server_side.opened"]


def test_the_report_says_how_many_proxies_there_are():
    from teardown.report.words import describe

    three = describe(td.Scenario({"proxy": {"instances": 3}}))[2]
    assert "There are 3 such proxies" in three and "DNS" in three
    assert "proxies" not in describe(td.Scenario({}))[2]


def test_teardown_run_prints_the_instances_line(capsys):
    from teardown.cli import main

    assert main(["run", "examples/scenarios/three-proxy-instances.toml", "--set", "sim.duration=10s"]) == 0
    out = capsys.readouterr().out
    assert "x 3 instances (dns)" in out
    line = next(line for line in out.splitlines() if line.strip().startswith("instances"))
    assert "3 proxies (dns)" in line and "max/mean over them" in line
