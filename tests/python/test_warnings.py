"""HTTP settings with ``proxy.mode = "tcp"`` are accepted, ignored and reported as warnings, as
HAProxy does (issue 18 item 3); a value the TOML parser rejects is reported under its key (item 4)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest
import teardown as td
from teardown.cli import main

# One base with HTTP settings, swept over the http modes and tcp.
BASE = {
    "sim": {"duration": "3s", "warmup": "1s"},
    "clients": {"count": 10, "arrival": {"rate": 20.0}, "pool": {"max_size": 1}},
    "proxy": {"pretend_keepalive": True, "timeout": {"http_keep_alive": "1s", "http_request": "5s"}},
    "backends": {"servers": 2},
}
MODES = {"proxy.mode": ["http-keep-alive", "http-server-close", "httpclose", "tcp"]}
TCP_WARNINGS = ["proxy.pretend_keepalive", "proxy.timeout.http_request", "proxy.timeout.http_keep_alive"]


def warned_paths(text: str) -> list[str]:
    return [line.split(":", 1)[0] for line in text.split("; ")] if text else []


def test_http_settings_in_tcp_mode_run_and_the_result_carries_the_warnings():
    result = td.run(td.Scenario(BASE).with_({"proxy.mode": "tcp"}))
    assert [w.split(":", 1)[0] for w in result.warnings] == TCP_WARNINGS
    assert all('has no effect with proxy.mode = "tcp"' in w for w in result.warnings)
    assert "3 warnings" in repr(result)
    assert td.run(BASE).warnings == []  # the same settings in the default http mode


def test_the_ignored_settings_change_nothing_in_the_run():
    with_them = td.run(td.Scenario(BASE).with_({"proxy.mode": "tcp"}))
    plain = dict(BASE, proxy={"mode": "tcp"})
    assert with_them.metrics == td.run(plain).metrics


def test_the_warnings_survive_pickle_and_json():
    result = td.run(td.Scenario(BASE).with_({"proxy.mode": "tcp"}))
    assert pickle.loads(pickle.dumps(result)).warnings == result.warnings
    assert td.Result.from_json(result.to_json()).warnings == result.warnings
    assert td.Result({k: v for k, v in result.to_data().items() if k != "warnings"}).warnings == []


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_a_mode_sweep_over_http_and_tcp_with_one_base_runs_and_carries_the_warnings(executor):
    jobs = 2 if executor == "processes" else None
    rows = td.sweep(BASE, grid=MODES, replications=2, executor=executor, jobs=jobs, progress=False)
    assert len(rows) == 8
    assert list(rows.columns[-5:]) == [
        "warnings",
        "scenario_hash",
        "teardown_version",
        "git_commit",
        "wall_s",
    ]
    for mode, text in zip(rows["proxy.mode"], rows["warnings"], strict=True):
        assert warned_paths(text) == (TCP_WARNINGS if mode == "tcp" else []), mode
    assert "warnings" not in td.summarise(rows).columns


def test_a_resumed_sweep_keeps_the_warnings_of_its_stored_rows(tmp_path):
    out = tmp_path / "rows.csv"
    first = td.sweep(BASE, grid=MODES, replications=1, out=out, progress=False)
    again = td.sweep(BASE, grid=MODES, replications=1, out=out, resume=True, progress=False)
    assert list(again["warnings"]) == list(first["warnings"])


def test_teardown_run_prints_the_warnings_on_stderr_and_runs(capsys, tmp_path):
    path = tmp_path / "tcp.toml"
    path.write_text(td.Scenario(BASE).with_({"proxy.mode": "tcp"}).to_toml())
    code = main(["run", str(path)])
    captured = capsys.readouterr()
    assert code == 0
    assert "HAProxy 2.6 tcp" in captured.out and "warning" not in captured.out
    lines = captured.err.splitlines()
    assert [line.split(": ")[2] for line in lines] == TCP_WARNINGS
    assert all(line.startswith("teardown run: warning: ") for line in lines)


def test_teardown_sweep_prints_each_warning_once_with_its_points(capsys, tmp_path):
    sweep_file = tmp_path / "modes.toml"
    sweep_file.write_text(
        'replications = 2\n[base]\nsim = { duration = "2s", warmup = "1s" }\n'
        'proxy = { timeout = { http_keep_alive = "1s" } }\n'
        '[grid]\n"proxy.mode" = ["httpclose", "tcp", "http-keep-alive"]\n'
    )
    code = main(["sweep", str(sweep_file), "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err.splitlines() == [
        "teardown sweep: warning: point 1: proxy.timeout.http_keep_alive: 1s is ignored: an HTTP setting has "
        'no effect with proxy.mode = "tcp" (HAProxy never reads it in mode tcp)'
    ]


# --- item 4: values the TOML parser rejects ----------------------------------------------------


def test_a_number_out_of_range_names_its_key(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text("[clients]\ncount = 1e400\n")
    with pytest.raises(td.ConfigError) as error:
        td.load(path)
    assert error.value.issues == [
        {
            "path": "clients.count",
            "message": "number out of range: '1e400' does not fit in a 64-bit float",
            "where": f"{path}:2:9",
        }
    ]
    done = subprocess.run(
        [sys.executable, "-m", "teardown.cli", "run", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "teardown run: error: clients.count: number out of range: '1e400' does not fit in a 64-bit float "
        f"(at {path}:2:9)\n"
    )


def test_a_sweep_file_value_the_parser_rejects_names_its_key(tmp_path):
    from teardown.sweep_file import load_sweep

    path = tmp_path / "sweep.toml"
    path.write_text('[base]\nsim.duration = "2s"\n[grid]\n"sim.warmup" = ["1s", 1979-13-01]\n')
    with pytest.raises(td.ConfigError) as error:
        load_sweep(path)
    (issue,) = error.value.issues
    assert issue["path"] == 'grid."sim.warmup"[1]'
    assert issue["where"] == f"{path}:4:23"
    assert issue["message"].startswith("not valid TOML: ")


def test_a_scenario_lists_its_warnings_before_any_run():
    tcp = td.Scenario(BASE).with_({"proxy.mode": "tcp"})
    assert [w.split(": ")[0] for w in tcp.warnings] == TCP_WARNINGS
    assert td.Scenario(BASE).warnings == []
    assert tcp.warnings == td.run(tcp).warnings


def test_teardown_explain_and_advise_print_the_warnings_too(capsys, tmp_path):
    path = tmp_path / "tcp.toml"
    path.write_text(td.Scenario(BASE).with_({"proxy.mode": "tcp"}).to_toml())
    main(["explain", str(path), "--failure", "1"])  # may find no failure: the warnings come first
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[2] for line in err[: len(TCP_WARNINGS)]] == TCP_WARNINGS
    assert all(line.startswith("teardown explain: warning: ") for line in err[: len(TCP_WARNINGS)])
    main(["advise", str(path), "--replications", "1", "--max-candidates", "2", "--no-progress"])
    err = capsys.readouterr().err.splitlines()
    assert [line for line in err if line.startswith("teardown advise: warning: ")] == [
        "teardown advise: warning: " + w for w in td.Scenario(BASE).with_({"proxy.mode": "tcp"}).warnings
    ]
