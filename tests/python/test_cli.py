"""The ``teardown`` command: run, sweep, import-haproxy; bad input exits 2 with a message naming it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import teardown as td
from teardown.cli import main
from teardown.cli.overrides import parse_value

ROOT = Path(__file__).resolve().parents[2]
SERVER_CLOSE = ROOT / "examples" / "scenarios" / "server-close.toml"

SMALL_SWEEP = """\
description = "a small sweep"
replications = 2
[base]
sim = { duration = "3s", warmup = "1s" }
clients = { count = 10, arrival = { rate = 20.0 }, pool = { max_size = 1 } }
proxy = { timeout = { http_keep_alive = "1s" } }
backends = { servers = 2 }
[grid]
"proxy.timeout.http_keep_alive" = ["500ms", "2s"]
"sim.warmup" = ["1s"]
"""

HAPROXY_CFG = """\
global
    maxconn 4096
    log /dev/log local0

defaults
    mode http
    timeout client 10m
    timeout server 10m
    timeout connect 5s
    option http-keep-alive
    option prefer-last-server

frontend web
    bind :80
    default_backend app

backend app
    balance leastconn
    server a 10.0.0.1:8080 check weight 2
    server b 10.0.0.2:8080 check
"""


def teardown_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def short_scenario(tmp_path) -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(td.load(SERVER_CLOSE).with_({"sim.duration": "5s", "sim.warmup": "1s"}).to_toml())
    return path


# --- teardown run ----------------------------------------------------------------------------------


def test_run_prints_the_main_metrics_with_units_and_the_per_server_table(capsys, short_scenario):
    code, out, err = teardown_cli(capsys, "run", str(short_scenario))
    assert code == 0, err
    assert "HAProxy 2.6 http-server-close" in out
    for text in (
        "requests",
        "/s per server",
        "p99",
        " ms",
        "RST segments",
        "skew",
        "per server:",
        "connections_opened",
        "request_share",
    ):
        assert text in out
    assert len([line for line in out.splitlines() if line.split()[:1] in (["0"], ["1"], ["2"])]) == 3


def test_run_json_prints_the_whole_result(capsys, short_scenario):
    code, out, _ = teardown_cli(capsys, "run", str(short_scenario), "--json", "--set", "backends.workers=4")
    assert code == 0
    data = json.loads(out)
    assert data["scenario"]["backends"]["workers"] == 4
    assert data["metrics"] == pytest.approx(
        td.run(td.load(short_scenario).with_({"backends.workers": 4})).metrics
    )


def test_run_sets_any_dotted_key(capsys, short_scenario):
    code, out, _ = teardown_cli(
        capsys,
        "run",
        str(short_scenario),
        "--json",
        "--set",
        "proxy.mode=httpclose",
        "--set",
        "proxy.version=2.0",
        "--set",
        "proxy.timeout.client=10m",
        "--set",
        "proxy.nolinger=true",
        "--set",
        'proxy.retry_on=["conn-failure", "empty-response"]',
    )
    assert code == 0
    proxy = json.loads(out)["scenario"]["proxy"]
    assert (proxy["mode"], proxy["version"], proxy["timeout"]["client"], proxy["nolinger"]) == (
        "httpclose",
        "2.0",
        "10m",
        True,
    )
    assert proxy["retry_on"] == ["conn-failure", "empty-response"]


def test_run_traces_connections(capsys, short_scenario):
    code, out, _ = teardown_cli(capsys, "run", str(short_scenario), "--trace", "1")
    assert code == 0
    assert "connection " in out.split("per server:")[1]


@pytest.mark.parametrize(
    ("text", "like", "value"),
    [
        ("4", 8, 4),
        ("2.5", 1.0, 2.5),
        ("true", False, True),
        ('"x y"', "a", "x y"),
        ("httpclose", "a", "httpclose"),
        ("10m", "60s", "10m"),
        ("2.6", "2.6", "2.6"),
        ("10", "60s", "10"),
        ('["a"]', [], ["a"]),
    ],
)
def test_set_values_are_toml_values_else_text(text, like, value):
    assert parse_value(text, like=like) == value


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--set", "proxy.mode"], "--set 'proxy.mode': expected key=value"),
        (
            ["--set", "proxy.timout.client=3s"],
            "proxy.timout.client: unknown key; did you mean 'proxy.timeout.client'",
        ),
        (["--set", "proxy.mode=fast"], "proxy.mode: unknown value 'fast'"),
        (["--set", "backends.workers=-1"], "backends.workers"),
    ],
)
def test_run_refuses_bad_sets_with_status_2(capsys, short_scenario, argv, message):
    code, out, err = teardown_cli(capsys, "run", str(short_scenario), *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert err.startswith("teardown run: error: ")


def test_run_names_a_missing_or_bad_scenario_file(capsys, tmp_path):
    code, _, err = teardown_cli(capsys, "run", str(tmp_path / "missing.toml"))
    assert code == 2 and "missing.toml" in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[proxy]\nmode = "http-keep-alive"\n[proxy.timeout]\nclient = "ten"\n')
    code, _, err = teardown_cli(capsys, "run", str(bad))
    assert code == 2
    assert "proxy.timeout.client" in err and "bad.toml:4" in err


# --- teardown sweep --------------------------------------------------------------------------------


def test_sweep_prints_a_summary_table_and_writes_rows(capsys, tmp_path):
    (tmp_path / "sweep.toml").write_text(SMALL_SWEEP)
    out = tmp_path / "rows.csv"
    code, stdout, err = teardown_cli(
        capsys, "sweep", str(tmp_path / "sweep.toml"), "-j", "2", "--out", str(out)
    )
    assert code == 0, err
    assert "a small sweep" in stdout
    assert "every point: sim.warmup = 1s" in stdout
    assert "client.failure_ratio" in stdout and "±" in stdout
    assert "4 runs (2 points x 2 replications); rows in" in stdout
    assert err == ""  # no progress bar when stderr is not a terminal
    assert len(out.read_text().splitlines()) == 1 + 4


def test_sweep_resumes_and_refuses_to_overwrite(capsys, tmp_path):
    (tmp_path / "sweep.toml").write_text(SMALL_SWEEP)
    out = str(tmp_path / "rows.jsonl")
    assert teardown_cli(capsys, "sweep", str(tmp_path / "sweep.toml"), "--out", out)[0] == 0
    code, _, err = teardown_cli(capsys, "sweep", str(tmp_path / "sweep.toml"), "--out", out)
    assert code == 2 and "already exists" in err and "rows.jsonl" in err
    assert teardown_cli(capsys, "sweep", str(tmp_path / "sweep.toml"), "--out", out, "--resume")[0] == 0
    (tmp_path / "sweep.toml").write_text(SMALL_SWEEP.replace('"2s"]', '"3s"]'))
    code, _, err = teardown_cli(capsys, "sweep", str(tmp_path / "sweep.toml"), "--out", out, "--resume")
    assert code == 2 and "another sweep definition" in err
    assert (
        teardown_cli(capsys, "sweep", str(tmp_path / "sweep.toml"), "--out", out, "--resume", "--force")[0]
        == 0
    )
    assert len(Path(out).read_text().splitlines()) == 4


@pytest.mark.parametrize(
    ("text", "argv", "message"),
    [
        (SMALL_SWEEP.replace("[grid]", "[gird]"), [], "gird: unknown key"),
        (SMALL_SWEEP.replace('"sim.warmup" = ["1s"]', '"sim.warmup" = ["soon"]'), [], "sim.warmup"),
        (
            SMALL_SWEEP.replace("replications = 2", "replications = 0"),
            [],
            "replications: expected an integer >= 1",
        ),
        (SMALL_SWEEP + "[[points]\n", [], "not valid TOML"),
        (
            SMALL_SWEEP.replace('description = "a small sweep"', 'metrics = ["no.such"]'),
            [],
            "no metric named",
        ),
        (SMALL_SWEEP, ["--executor", "serial", "-j", "2"], "jobs=2 needs executor"),
        (SMALL_SWEEP, ["--executor", "threads", "--scheduler", "tcp://127.0.0.1:1"], "either --scheduler"),
        (SMALL_SWEEP, ["--resume"], "--resume needs --out"),
    ],
)
def test_sweep_refuses_bad_input_with_status_2_and_writes_nothing(capsys, tmp_path, text, argv, message):
    (tmp_path / "sweep.toml").write_text(text)
    out = tmp_path / "rows.csv"
    args = ["--out", str(out)] if "--resume" not in argv else []
    code, stdout, err = teardown_cli(capsys, "sweep", str(tmp_path / "sweep.toml"), *args, *argv)
    assert code == 2
    assert message in err
    assert err.startswith("teardown sweep: error: ")
    if "no metric named" not in message:  # that one is found after the runs, when the rows are complete
        assert not out.exists()


def test_sweep_names_a_missing_sweep_file(capsys, tmp_path):
    code, _, err = teardown_cli(capsys, "sweep", str(tmp_path / "nope.toml"))
    assert code == 2 and "nope.toml" in err and "cannot read the sweep file" in err


def test_the_example_grid_sweep_runs_from_the_command_line(capsys, tmp_path):
    example = (ROOT / "examples" / "sweeps" / "keepalive-vs-eviction.toml").read_text()
    example = example.replace('base = "../scenarios/', f'base = "{ROOT}/examples/scenarios/')
    (tmp_path / "sweep.toml").write_text(
        example.replace('"sim.duration" = ["120s"]', '"sim.duration" = ["20s"]').replace(
            "replications = 3", "replications = 1"
        )
    )
    code, out, err = teardown_cli(
        capsys, "sweep", str(tmp_path / "sweep.toml"), "--executor", "threads", "-j", "2"
    )
    assert code == 0, err
    assert "12 runs (12 points x 1 replication)" in out


# --- teardown import-haproxy ------------------------------------------------------------------------


def test_import_haproxy_prints_a_scenario_and_lists_what_it_did_not_map(capsys, tmp_path):
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(HAPROXY_CFG)
    code, out, err = teardown_cli(capsys, "import-haproxy", str(cfg))
    assert code == 0, err
    scenario = tomllib.loads(out)
    assert scenario["proxy"]["balance"] == "leastconn"
    assert scenario["proxy"]["timeout"]["client"] == "10m"
    assert scenario["backends"]["servers"] == 2
    assert err.splitlines() == [
        f"{cfg}: modelled as HAProxy 2.6, assumed: a haproxy.cfg does not say which release it targets "
        "(--haproxy-version sets it)",
        "  using backend 'app', the default_backend of frontend 'web'",
        "  the frontend has no maxconn of its own; using the global maxconn",
        "every directive that may affect teardown is mapped",
        "2 lines cannot affect teardown (logs, stats, process and TLS settings, listening addresses, "
        "proxies not modelled, values HAProxy ignores or overrides): --verbose lists them",
    ]
    assert td.run(td.Scenario(scenario).with_({"sim.duration": "2s", "sim.warmup": "1s"})).metrics
    code, out, err = teardown_cli(capsys, "import-haproxy", str(cfg), "--verbose")
    assert code == 0
    assert f"{cfg}:3: not mapped: log /dev/log local0 (log settings do not affect teardown)" in err
    assert f"{cfg}:14: not mapped: bind :80 (listening addresses and TLS do not affect teardown)" in err
    assert out.startswith("# Imported from haproxy.cfg") and f"# {cfg}:3: not mapped: log" in out


def test_import_haproxy_writes_a_file_that_runs(capsys, tmp_path):
    cfg, out = tmp_path / "haproxy.cfg", tmp_path / "scenario.toml"
    cfg.write_text(HAPROXY_CFG)
    code, stdout, _ = teardown_cli(
        capsys, "import-haproxy", str(cfg), "-o", str(out), "--haproxy-version", "1.5"
    )
    assert code == 0 and stdout == ""
    assert td.load(out).get("proxy.version") == "1.5"
    code, stdout, _ = teardown_cli(
        capsys, "run", str(out), "--set", "sim.duration=2s", "--set", "sim.warmup=1s"
    )
    assert code == 0 and "HAProxy 1.5" in stdout


def test_import_haproxy_refuses_a_malformed_file_and_writes_nothing(capsys, tmp_path):
    cfg, out = tmp_path / "haproxy.cfg", tmp_path / "scenario.toml"
    cfg.write_text("    timeout client 10m\n")  # a directive outside any section
    code, _, err = teardown_cli(capsys, "import-haproxy", str(cfg), "-o", str(out))
    assert code == 2
    assert f"{cfg}:1" in err
    assert not out.exists()
    code, _, err = teardown_cli(capsys, "import-haproxy", str(tmp_path / "missing.cfg"))
    assert code == 2 and "missing.cfg" in err


REAL_CFGS = ROOT / "tests" / "python" / "haproxy_configs"  # real-world shapes, see its README


def first_lines(text: str, count: int) -> list[str]:
    return text.splitlines()[:count]


def test_import_of_several_frontends_says_first_which_it_chose_among_which(capsys):
    cfg = REAL_CFGS / "edge-two-frontends.cfg"  # a stats frontend, then pub1
    code, out, err = teardown_cli(capsys, "import-haproxy", str(cfg))
    assert code == 0
    assert first_lines(err, 4) == [
        f"{cfg}: modelled as HAProxy 2.6, assumed: a haproxy.cfg does not say which release it targets "
        "(--haproxy-version sets it)",
        "  using frontend 'pub1', the first with a default_backend; the file has frontend 'stats' (line 30), "
        "frontend 'pub1' (line 36) (--frontend NAME picks another)",
        "  using backend 'app1', the default_backend of frontend 'pub1'",
        "  not modelled (a scenario has one frontend and one backend): frontend 'stats' "
        "(--frontend and --backend NAME import another)",
    ]
    # Then what may matter, each line with its text; the lines that cannot matter are one count.
    listed = err.splitlines()
    start = listed.index("5 directives may affect teardown but are not modelled:")
    assert (
        listed[start + 1]
        == f"{cfg}:38: not mapped: option socket-stats (socket-level tuning is not modelled)"
    )
    assert (
        listed[-1].startswith("22 lines cannot affect teardown (logs, stats, ") and "--verbose" in listed[-1]
    )
    assert "chroot" not in err and "ssl-default-bind-ciphers" not in err
    assert first_lines(out, 4)[2:] == [f"# {line}" for line in first_lines(err, 2)]

    code, _, err = teardown_cli(capsys, "import-haproxy", str(cfg), "--frontend", "stats", "--verbose")
    assert code == 0
    assert first_lines(err, 3)[1:] == [
        "  using frontend 'stats' (--frontend); the file has frontend 'stats' (line 30), "
        "frontend 'pub1' (line 36)",
        "  frontend 'stats' has no default_backend; using the first backend 'app1'",
    ]
    assert (
        f"{cfg}:5: not mapped: chroot /var/empty (process-wide settings do not affect the modelled teardown)"
        in err
    )


def test_import_of_a_backend_without_servers_says_first_that_it_invents_them(capsys, tmp_path):
    cfg = REAL_CFGS / "old-1.4-content-switch.cfg"  # backend demo is a stats page
    out = tmp_path / "demo.toml"
    code, stdout, err = teardown_cli(
        capsys, "import-haproxy", str(cfg), "--backend", "demo", "--haproxy-version", "1.4", "-o", str(out)
    )
    assert code == 0 and stdout == ""
    choices = first_lines(err, 7)
    assert choices[0] == f"{cfg}: modelled as HAProxy 1.4, the release asked for"
    assert (
        "  using backend 'demo' (--backend), not 'www', the default_backend of frontend 'http-in'" in choices
    )
    assert (
        "  backend 'demo' has no server: modelled with 3 invented servers, the scenario's default "
        "(backends.servers)" in choices
    )
    assert td.load(out).get("backends.servers") == 3
    assert f"# {choices[-1]}\n" in out.read_text()  # the file carries the same report


SUGGEST_1_4 = (
    "suggested: --haproxy-version 1.4, the oldest modelled release that accepts every release-dependent "
    "keyword of the file"
)


def test_import_with_1_4_keywords_suggests_1_4_first(capsys):
    cfg = REAL_CFGS / "old-1.4-content-switch.cfg"
    code, _, err = teardown_cli(capsys, "import-haproxy", str(cfg))
    assert code == 0
    assert first_lines(err, 3)[1:] == [
        f"  {SUGGEST_1_4}: 'clitimeout' (line 19, refused since 2.1), 'contimeout' (lines 20, 38, "
        "refused since 2.1), 'srvtimeout' (lines 21, 39, refused since 2.1)",
        "  HAProxy 2.6 rejects 'clitimeout' (read as 'timeout client'), "
        "'contimeout' (read as 'timeout connect'), 'srvtimeout' (read as 'timeout server')",
    ]
    code, _, err = teardown_cli(capsys, "import-haproxy", str(REAL_CFGS / "old-1.4-modes.cfg"))
    assert code == 0
    assert first_lines(err, 3)[1:] == [
        f"  {SUGGEST_1_4}: 'option forceclose' (line 30, refused since 2.5)",
        "  HAProxy 2.6 rejects 'option forceclose' (read as 'option httpclose')",
    ]


def test_import_of_an_unknown_frontend_or_backend_lists_the_names_and_exits_2(capsys, tmp_path):
    cfg = REAL_CFGS / "old-1.4-modes.cfg"
    code, _, err = teardown_cli(
        capsys, "import-haproxy", str(cfg), "--frontend", "keepalive", "-o", str(tmp_path / "x")
    )
    assert code == 2 and not (tmp_path / "x").exists()
    assert err == (
        f"teardown import-haproxy: error: {cfg}: --frontend: no frontend or listen section named 'keepalive' "
        "(the file has: listen 'httpclose' (line 12), listen 'server-close' (line 17), "
        "listen 'httpclose_server-close' (line 22), listen 'forceclose' (line 28))\n"
    )


# --- help and version ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["run"], ["sweep"], ["import-haproxy"]])
def test_every_help_has_examples(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    assert "examples:\n  teardown " in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith(f"teardown {td.__version__}")


def test_python_dash_m_teardown_is_the_command():
    import subprocess
    import sys

    for module in ("teardown", "teardown.cli"):
        done = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True)
        assert done.returncode == 0 and done.stdout.startswith(f"teardown {td.__version__}"), done.stderr


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", "x.toml", "-j", "0"])
    assert exit_.value.code == 2
    assert "expected a positive integer" in capsys.readouterr().err


def test_the_command_runs_as_a_program(short_scenario):
    done = subprocess.run(
        [sys.executable, "-m", "teardown.cli", "run", str(short_scenario), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "metrics" in json.loads(done.stdout)
