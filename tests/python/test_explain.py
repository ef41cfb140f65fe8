"""``td.explain`` and ``teardown explain``: a stale-reuse failure and a server-close reset, told with the
timer that fired, how each side closed, the rule behind the RST or end of stream, and what each
application saw; the failures derived from the trace match the simulator's own count."""

from __future__ import annotations

from pathlib import Path

import pytest
import teardown as td
from teardown.cli import main
from teardown.traces import TraceView, select_connections

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "examples" / "scenarios"
STALE = td.load(SCENARIOS / "stale-reuse-keepalive.toml").with_({"sim.duration": "20s", "sim.warmup": "2s"})
SERVER_CLOSE = td.load(SCENARIOS / "server-close.toml").with_(
    {
        "sim.duration": "1s",
        "sim.warmup": "0s",
        "proxy.pretend_keepalive": True,
        "backends.keep_alive": "forever",
    }
)


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # end of stream: the FIN had arrived, the request met an orphan (T7)
        {"proxy.processing_time": "30ms"},  # some requests land unread when the timer fires (T5)
        {"proxy.nolinger": True},  # FIN then RST: the next write fails (reset on write)
    ],
)
def test_failures_from_the_trace_match_the_simulator(overrides):
    result = td.run(STALE.with_(overrides), trace=100_000)
    view = TraceView.of(result)
    failures = view.failures()
    assert len(failures) == result.invariants["requests_failed"] > 0
    assert [f.number for f in failures] == list(range(1, len(failures) + 1))
    assert [f.seen.ns for f in failures] == sorted(f.seen.ns for f in failures)


def test_stale_reuse_failure_is_explained():
    text = td.explain(STALE, failure=1)
    # The ladder of the connection, then the account.
    assert "Ladder of connection" in text and "--FIN--" in text and "RST (data-to-orphan)" in text
    assert "the proxy's keep-alive timeout (timeout http-keep-alive 1s) fired at" in text
    assert "a FIN (docs/model.md §1 T2" in text  # how the proxy closed
    assert "rule T7" in text and "data-to-orphan" in text  # which rule produced the RST
    assert "end of stream before a response" in text and "client.eof_before_response" in text
    assert "EPIPE" in text  # what the client's socket reports after the RST
    assert "proxy: nothing" in text and "backends: nothing; the request never left the proxy" in text
    assert "'The stale-reuse race'" in text
    assert "clients.pool.idle_evict" in text  # what to change


def test_unread_request_is_a_reset_on_read():
    result = td.run(STALE.with_({"proxy.processing_time": "30ms"}), trace=100_000)
    view = TraceView.of(result)
    number = next(f.number for f in view.failures() if f.saw.startswith("reset on read"))
    text = td.explain(result, failure=number)
    assert "reset on read (ECONNRESET)" in text and "client.reset_on_read" in text
    assert "T5, close() with unread data" in text


def test_nolinger_failure_is_a_reset_on_write():
    text = td.explain(STALE.with_({"proxy.nolinger": True}), failure=1)
    assert "option nolinger" in text and "an RST follows the FIN" in text
    assert "reset on write (EPIPE)" in text and "client.reset_on_write" in text


def test_server_close_reset_is_explained():
    text = td.explain(SERVER_CLOSE, reset=1)
    assert "Connection reset by peer" in text and "ECONNRESET" in text
    assert "in http-server-close mode the proxy ends the server connection after each response" in text
    assert "server_end" in text
    assert "option http-pretend-keepalive it was not told to close" in text
    assert "keep_alive forever" in text
    assert "linger-risk" in text and "no FIN from backend-" in text
    assert "rule T6, close() with SO_LINGER 0" in text
    assert "backend.resets" in text
    assert "nothing failed on its side" in text  # the client got its response
    assert "RST (linger-zero)" in text  # the ladder


def test_switch_reset_on_15_names_the_switch():
    scenario = td.load(SCENARIOS / "switch-resets-1.5.toml").with_({"sim.duration": "1s", "sim.warmup": "0s"})
    text = td.explain(scenario, reset=2)
    assert "server_switch" in text and "HAProxy 1.5 closes it hard" in text
    assert "prefer-last-server" in text


def test_asking_for_more_than_there_is():
    with pytest.raises(ValueError, match="the trace holds 0 failed requests"):
        td.explain(SERVER_CLOSE, failure=1)
    with pytest.raises(ValueError, match="exactly one"):
        td.explain(SERVER_CLOSE, failure=1, reset=1)
    with pytest.raises(ValueError, match="traced no connection"):
        td.explain(td.run(SERVER_CLOSE), reset=1)


def test_only_failures_selects_their_connections():
    result = td.run(STALE, trace=30)
    chosen = select_connections(result, "failures")
    view = TraceView.of(result)
    assert {f.connection for f in view.failures()} <= set(chosen)
    assert all(view.ends[c][0].startswith("client") or view.ends[c][0] == "proxy" for c in chosen)


def test_explain_command(capsys):
    stale = str(SCENARIOS / "stale-reuse-keepalive.toml")
    code = main(["explain", stale, "--set", "sim.duration=20s", "--set", "sim.warmup=2s", "--failure", "2"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("Failed request 2 of ")
    server_close = str(SCENARIOS / "server-close.toml")
    sets = ["--set", "sim.duration=1s", "--set", "sim.warmup=0s", "--set", "proxy.pretend_keepalive=true"]
    code = main(["explain", server_close, *sets, "--reset", "3"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("Backend reset 3 of ")
    code = main(["explain", server_close, *sets, "--failure", "1"])
    assert code == 2 and "the trace holds 0 failed requests" in capsys.readouterr().err
    code = main(["explain", server_close])
    assert code == 2 and "--failure N" in capsys.readouterr().err
