"""Client-library and server presets: each sets what its table row says, keys given override it,
an unknown name is a ConfigError listing the known ones, the CLI takes them, docs/presets.md is current."""

from __future__ import annotations

from pathlib import Path

import pytest
import teardown as td
from teardown import preset_doc
from teardown import preset_table as presets
from test_cli import teardown_cli as cli

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "presets.md"
SHORT = {"sim": {"duration": "5s", "warmup": "1s"}, "clients": {"count": 4, "arrival": {"rate": 40.0}}}


def same_value(resolved, expected) -> bool:
    """Durations compare as durations ("1200s" is written "20m")."""
    if isinstance(expected, str) and isinstance(resolved, str):
        try:
            return td.parse_duration(resolved) == td.parse_duration(expected)
        except (td.ConfigError, ValueError):
            return resolved == expected
    return resolved == expected


ALL = [(row["name"], row["kind"]) for row in presets.rows()]


def test_there_is_a_preset_for_each_named_stack():
    assert set(presets.names("client")) == {
        "apache-httpclient-4.5", "apache-httpclient-5", "okhttp-3", "okhttp-4", "jdk-httpclient-17",
        "jdk-httpclient-21", "httpurlconnection", "go-net-http", "node-agent", "urllib3",
    }  # fmt: skip
    assert set(presets.names("server")) == {
        "netty-4", "tomcat-10", "jetty-9", "node-http", "go-http", "gunicorn", "uvicorn", "nginx",
    }  # fmt: skip


@pytest.mark.parametrize("name,kind", ALL)
def test_a_preset_sets_every_value_of_its_row_and_survives_toml(name, kind, tmp_path):
    table = presets.PRESET_KEYS[kind].partition(".")[0]
    scenario = td.Scenario({table: {"preset": name}})
    row = presets.preset(name)
    assert row["values"], name
    for value in row["values"]:
        assert value["source"], (name, value["key"])
        assert same_value(scenario.get(value["key"]), value["value"]), (name, value["key"])
    assert scenario.get(presets.PRESET_KEYS[kind]) == name
    path = tmp_path / "s.toml"
    path.write_text(scenario.to_toml())
    assert td.Scenario.from_toml(path) == scenario


def test_keys_given_override_the_preset_in_a_dict_a_file_and_with_():
    scenario = td.Scenario({"clients": {"preset": "okhttp-4", "pool": {"max_size": 20}}})
    assert scenario.get("clients.pool.max_size") == 20
    assert scenario.get("clients.pool.idle_evict") == "5m"
    dotted = td.Scenario({"clients.preset": "okhttp-4", "clients.pool.max_size": 20})
    assert dotted == scenario
    # Setting a preset on a full scenario replaces the values it governs, and nothing else.
    base = td.Scenario({"clients": {"pool": {"max_size": 3, "idle_evict": "1s"}, "count": 7}})
    changed = base.with_({"clients.preset": "go-net-http"})
    assert changed.get("clients.pool.max_size") == 1000
    assert changed.get("clients.pool.idle_evict") == "1m30s" or td.parse_duration(
        changed.get("clients.pool.idle_evict")
    ) == td.parse_duration("90s")
    assert changed.get("clients.count") == 7
    assert (
        base.with_({"clients.preset": "go-net-http", "clients.pool.max_idle": 9}).get("clients.pool.max_idle")
        == 9
    )
    # The overrides survive a round trip: the preset is applied first, the written keys after.
    edited = changed.with_({"clients.pool.max_idle": 9})
    assert td.Scenario(edited.to_dict()) == edited
    assert edited.get("clients.preset") == "go-net-http"


def test_switching_presets_leaves_nothing_of_the_previous_one():
    a = td.Scenario({"clients": {"preset": "apache-httpclient-4.5"}}).with_({"clients.preset": "okhttp-4"})
    assert a == td.Scenario({"clients": {"preset": "okhttp-4"}})


@pytest.mark.parametrize("key", ["clients.preset", "backends.preset"])
def test_an_unknown_preset_is_a_config_error_listing_the_known_ones(key):
    table, _, leaf = key.partition(".")
    with pytest.raises(td.ConfigError) as error:
        td.Scenario({table: {leaf: "okhtp"}})
    [issue] = error.value.issues
    assert issue["path"] == key
    assert "unknown preset 'okhtp'" in issue["message"]
    kind = "client" if table == "clients" else "server"
    assert all(f"'{n}'" in issue["message"] for n in presets.names(kind))
    with pytest.raises(td.ConfigError):
        td.Scenario().with_({key: "okhtp"})


def test_td_presets_is_a_table_a_notebook_can_show():
    frame = td.presets()
    assert list(frame.columns) == ["preset", "kind", "library", "version", "key", "value", "source"]
    assert set(frame["preset"]) == set(presets.names())
    assert frame["source"].str.len().min() > 0
    one = td.presets("tomcat-10")
    assert set(one["preset"]) == {"tomcat-10"}
    assert one.set_index("key").loc["backends.max_requests", "value"] == 100


def test_docs_presets_md_is_up_to_date():
    assert DOC.read_text() == preset_doc.markdown(), (
        "docs/presets.md is stale: run `python -m teardown.preset_doc > docs/presets.md`"
    )


def test_the_presets_change_what_a_run_does():
    plain = td.run(SHORT)
    gunicorn = td.run({**SHORT, "backends": {"preset": "gunicorn"}})
    # The sync worker closes after every response: one server connection per request.
    assert plain.metrics["connections.server_side.per_request"] < 0.1
    assert gunicorn.metrics["connections.server_side.per_request"] > 0.9


# ---- the command line --------------------------------------------------------------------


@pytest.fixture
def short_scenario(tmp_path) -> Path:
    path = tmp_path / "short.toml"
    path.write_text(td.Scenario(SHORT).to_toml())
    return path


def test_run_takes_client_and_backend_presets(capsys, short_scenario):
    code, out, err = cli(
        capsys, "run", str(short_scenario), "--client", "okhttp-4", "--backend", "gunicorn", "--json"
    )
    assert code == 0, err
    import json

    result = json.loads(out)
    assert result["scenario"]["clients"]["preset"] == "okhttp-4"
    assert result["scenario"]["backends"]["preset"] == "gunicorn"
    assert result["scenario"]["backends"]["keep_alive"] == "close-after-response"
    # --set overrides a preset's value
    code, out, err = cli(
        capsys,
        "run",
        str(short_scenario),
        "--client",
        "okhttp-4",
        "--set",
        "clients.pool.max_idle=2",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["scenario"]["clients"]["pool"]["max_idle"] == 2


def test_a_bad_preset_on_the_command_line_exits_2(capsys, short_scenario):
    code, out, err = cli(capsys, "run", str(short_scenario), "--client", "okhtp")
    assert code == 2
    assert "clients.preset" in err and "unknown preset 'okhtp'" in err and "'okhttp-4'" in err
    code, out, err = cli(capsys, "presets", "tomcat")
    assert code == 2
    assert "unknown preset 'tomcat'" in err


def test_teardown_presets_prints_every_preset_and_a_source(capsys):
    code, out, err = cli(capsys, "presets")
    assert code == 0, err
    for name in presets.names():
        assert f"\n{name}  (" in "\n" + out
    assert "ConnectionPool" in out and "maxKeepAliveRequests" in out
    code, out, err = cli(capsys, "presets", "go-net-http")
    assert code == 0
    assert out.startswith("go-net-http  (clients.preset): Go net/http")
    assert "IdleConnTimeout" in out and "tomcat-10" not in out


def test_sweep_takes_presets_for_its_base(capsys, tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        'replications = 1\n[base]\nsim = { duration = "3s", warmup = "1s" }\n'
        "clients = { count = 4, arrival = { rate = 20.0 } }\n"
        '[grid]\n"proxy.timeout.http_keep_alive" = ["1s", "2s"]\n'
    )
    out_file = tmp_path / "rows.csv"
    code, out, err = cli(
        capsys, "sweep", str(sweep), "--backend", "gunicorn", "--out", str(out_file), "--no-progress"
    )
    assert code == 0, err
    import pandas as pd

    rows = pd.read_csv(out_file)
    assert (rows["connections.server_side.per_request"] > 0.9).all()


# ---- the advisor -------------------------------------------------------------------------


def plans(scenario):
    from teardown.advise.remedies import remedies

    return {r.key: r.plan(scenario) for r in remedies(scenario)}


def test_the_advisor_words_its_remedies_in_the_named_librarys_terms():
    s = td.Scenario(
        {
            "clients": {"preset": "okhttp-4"},
            "backends": {"preset": "tomcat-10"},
            "proxy.timeout.http_keep_alive": "1s",
        }
    )
    steps = plans(s)
    evict = steps["evict-0.9"]
    assert evict is not None and evict.overrides["clients.pool.idle_evict"] == "900ms"
    assert evict.label.endswith(
        "; in OkHttp: OkHttpClient.Builder().connectionPool(ConnectionPool(5, 900, TimeUnit.MILLISECONDS))"
    )
    # Tomcat's 20 s keep-alive is below the proxy's 60 s timeouts: raise it above them.
    raised = steps["backend-raised"]
    assert raised is not None and raised.overrides == {"backends.keep_alive": "10m"}
    assert 'in Apache Tomcat: <Connector keepAliveTimeout="600000"' in raised.label
    # Without presets the same remedies say nothing of a library.
    plain = plans(td.Scenario({"backends.keep_alive": "20s", "proxy.timeout.http_keep_alive": "1s"}))
    assert " in " not in plain["evict-0.9"].label.partition(")")[2]
    assert plain["backend-raised"] is not None and "Tomcat" not in plain["backend-raised"].label
    # A backend kept forever, or timeouts already longer than 10 min: nothing to raise.
    assert plans(td.Scenario({"backends": {"preset": "netty-4"}}))["backend-raised"] is None


def test_node_announces_less_than_it_arms_and_the_advisor_says_its_own_setting():
    node = td.Scenario({"backends": {"preset": "node-http"}})
    # keepAliveTimeout 5 s is what Keep-Alive: timeout=5 says; the socket closes 1 s later.
    assert node["backends.keep_alive"] == "6s" and node["backends.keep_alive_header_timeout"] == "5s"
    raised = plans(node)["backend-raised"]
    # A close at 10 min is keepAliveTimeout 599000 in Node's words, which then announces 599 s.
    assert raised.overrides == {"backends.keep_alive": "10m", "backends.keep_alive_header_timeout": "599s"}
    assert raised.label.endswith("in Node.js http.Server: server.keepAliveTimeout = 599000")
    # A client honouring the header (Node's Agent) expires at the 5 s announced, less its 1 s.
    agent = node.with_(
        {
            "clients.preset": "node-agent",
            "sim.duration": "300s",
            "sim.warmup": "10s",
            "clients.arrival.rate": 1.0,
            "clients.count": 1,
        }
    )
    told_6s = agent.with_({"backends.keep_alive_header_timeout": "off"})
    assert (
        td.run(agent).metrics["connections.client_side.per_request"]
        > td.run(told_6s).metrics["connections.client_side.per_request"]
    )


def test_run_takes_a_haproxy_cfg_with_presets(capsys, tmp_path):
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(
        "defaults\n    mode http\n    timeout client 30s\n    timeout server 30s\n    timeout connect 5s\n"
        "frontend web\n    bind :80\n    default_backend app\n"
        "backend app\n    server a 10.0.0.1:8080\n    server b 10.0.0.2:8080\n"
        "backend other\n    server c 10.0.0.3:8080\n"
    )
    code, out, err = cli(
        capsys,
        "run",
        str(cfg),
        "--client",
        "okhttp-4",
        "--backend",
        "tomcat-10",
        "--haproxy-backend",
        "other",
        "--set",
        "sim.duration=3s",
        "--set",
        "sim.warmup=1s",
        "--json",
    )
    assert code == 0, err
    import json

    scenario = json.loads(out)["scenario"]
    assert scenario["proxy"]["timeout"]["client"] == "30s"
    assert scenario["backends"]["servers"] == 1  # the section asked for
    assert scenario["clients"]["preset"] == "okhttp-4"
    assert scenario["backends"]["max_requests"] == 100


def test_advise_takes_presets_and_words_its_remedies_in_them(capsys, tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(
        td.Scenario(
            {"sim": {"duration": "5s", "warmup": "1s"}, "clients": {"count": 4, "arrival": {"rate": 20.0}}}
        ).to_toml()
    )
    out_file = tmp_path / "advice.csv"
    argv = ["advise", str(scenario), "--client", "okhttp-4", "--backend", "tomcat-10", "-r", "1"]
    code, out, err = cli(capsys, *argv, "--max-candidates", "30", "--no-progress", "--out", str(out_file))
    assert code == 0, err
    import pandas as pd

    candidates = pd.read_csv(out_file)["candidate"]
    assert candidates.str.contains(
        'in Apache Tomcat: <Connector keepAliveTimeout="600000"', regex=False
    ).any()
    code, out, err = cli(capsys, "advise", str(scenario), "--backend", "tomcat", "--no-progress")
    assert code == 2 and "backends.preset" in err


def test_the_eviction_remedy_for_httpclient_45_is_one_its_evictor_can_do():
    s = td.Scenario({"clients": {"preset": "apache-httpclient-4.5"}, "proxy.timeout.http_keep_alive": "1s"})
    evict = plans(s)["evict-0.9"]
    # evictIdleConnections(t) sweeps every t: a connection goes between t and 2t idle.
    assert evict.overrides == {"clients.pool.idle_evict": "450ms", "clients.pool.evict_interval": "450ms"}
    assert "evictIdleConnections(450, TimeUnit.MILLISECONDS)" in evict.label
