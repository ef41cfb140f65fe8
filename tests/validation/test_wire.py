"""Wire-level truth (teardown.validation.wire): the segment counts of a capture on lo.

Unit tests of the reading on hand-made segments; a round trip through a real pcapng file that
the project's own writer (teardown.pcap) makes from a simulated run, read back with tshark,
whose counts must be the simulator's own; the capture's failure modes; and one short real run
on HAProxy 2.6 where every server connection is reset by the proxy (server-close +
pretend-keepalive, LAB-3), whose wire counts must agree with what the backends' applications
counted.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import teardown as td
from teardown import pcap
from teardown.validation import compare, wire
from teardown.validation.haproxy import find_haproxy, haproxy_version
from teardown.validation.measure import SCENARIOS, merge, run_once

FRONT, BACK = 8000, 9000
FIN, SYN, RST, ACK, PSH = 0x01, 0x02, 0x04, 0x10, 0x08


def seg(t: float, src: int, dst: int, flags: int, length: int, stream: int) -> wire.Segment:
    return wire.Segment(t, src, dst, flags, length, stream)


def test_segments_are_counted_by_direction_and_close_kind() -> None:
    segments = [
        # a server connection: request, response, the backend's FIN 40 us later, then the proxy's FIN
        seg(1.000000, 50001, BACK, SYN, 0, 1),
        seg(1.000100, 50001, BACK, PSH | ACK, 300, 1),
        seg(1.000200, BACK, 50001, PSH | ACK, 2000, 1),
        seg(1.000240, BACK, 50001, FIN | ACK, 0, 1),
        seg(1.000260, FRONT, 40001, PSH | ACK, 2000, 4),  # the response, forwarded 60 us after it came
        seg(1.000300, 50001, BACK, FIN | ACK, 0, 1),
        # another: the proxy resets it before the backend closes (a hard close)
        seg(1.100000, 50002, BACK, SYN, 0, 2),
        seg(1.100100, 50002, BACK, PSH | ACK, 300, 2),
        seg(1.100200, BACK, 50002, PSH | ACK, 2000, 2),
        seg(1.100250, 50002, BACK, RST | ACK, 0, 2),
        # a health check: connect, reset, no request: counted apart
        seg(1.200000, 50003, BACK, SYN, 0, 3),
        seg(1.200100, 50003, BACK, RST | ACK, 0, 3),
        # the client side: a request met by the proxy host's RST
        seg(1.300000, 40001, FRONT, PSH | ACK, 300, 4),
        seg(1.300010, FRONT, 40001, RST, 0, 4),
        # outside the window
        seg(9.000000, FRONT, 40001, RST, 0, 4),
    ]
    m = wire.summarise_segments(segments, FRONT, [BACK], 0.5, 2.0)
    assert m["wire.rst.proxy_to_backend"] == 1
    assert m["wire.rst.proxy_to_backend_checks"] == 1
    assert m["wire.rst.proxy_to_client"] == 1
    assert m["wire.rst.client_to_proxy"] == 0
    assert m["wire.server_conn.closed_hard"] == 1
    assert m["wire.server_conn.closed_fin"] == 1
    assert m["wire.server_conn.backend_first"] == 1
    assert m["wire.server_conn.hard_after_backend_fin"] == 0
    assert m["wire.backend.fin_gap_us_p50"] == pytest.approx(40, abs=1)
    assert m["wire.proxy.response_lag_us_p50"] == pytest.approx(60, abs=1)
    # The hard-closed connection sent no FIN: its gap is only known to exceed 50 us (censored).
    assert m["wire.backend.fin_gap_censored"] == 1
    assert m["wire.backend.fin_gap_km_us_p50"] == pytest.approx(40, abs=1)
    assert "wire.backend.fin_gap_km_us_p90" not in m  # beyond the last exact gap: unknown
    # The proxy closed 100 us and 50 us after the backend's last data.
    assert m["wire.server_conn.close_lag_us_p50"] == pytest.approx(75, abs=1)


def test_a_backend_fin_that_answers_the_proxys_fin_is_not_a_close_after_write() -> None:
    segments = [
        seg(1.0000, 50001, BACK, PSH | ACK, 300, 1),
        seg(1.0001, BACK, 50001, PSH | ACK, 2000, 1),
        seg(1.5000, 50001, BACK, FIN | ACK, 0, 1),  # the proxy closes an idle connection
        seg(1.5001, BACK, 50001, FIN | ACK, 0, 1),  # and the backend answers
    ]
    m = wire.summarise_segments(segments, FRONT, [BACK], 0.5, 2.0)
    assert m["wire.server_conn.closed_fin"] == 1
    assert m["wire.server_conn.backend_first"] == 0
    assert "wire.backend.fin_gap_us_p50" not in m
    assert m["wire.backend.fin_gap_censored"] == 1


def test_a_reset_after_the_backends_fin_is_a_hard_close_the_proxy_made_unread() -> None:
    segments = [
        seg(1.00000, 50001, BACK, PSH | ACK, 300, 1),
        seg(1.00010, BACK, 50001, PSH | ACK, 2000, 1),
        seg(1.00015, BACK, 50001, FIN | ACK, 0, 1),  # 50 us after the data
        seg(1.00020, 50001, BACK, RST | ACK, 0, 1),  # the proxy closes without having read it
    ]
    m = wire.summarise_segments(segments, FRONT, [BACK], 0.5, 2.0)
    assert m["wire.server_conn.closed_hard"] == 1
    assert m["wire.server_conn.backend_first"] == 1
    assert m["wire.server_conn.hard_after_backend_fin"] == 1
    assert m["wire.backend.fin_gap_us_p50"] == pytest.approx(50, abs=1)
    assert m["wire.backend.fin_gap_censored"] == 0


def test_kaplan_meier_uses_the_lower_bounds_of_censored_gaps() -> None:
    # Exact gaps 1, 2, 3; lower bounds 2.5, 10, 10. S(1) = 5/6, S(2) = 4/6, S(3) = 4/6 * 2/3.
    q = wire.kaplan_meier_quantiles([1, 2, 3], [2.5, 10, 10], (0.25, 0.5, 0.9))
    assert q == {0.25: 2, 0.5: 3}  # the observed gaps alone would say a median of 2
    assert wire.kaplan_meier_quantiles([4, 1, 3, 2], [], (0.5, 1.0)) == {0.5: 2, 1.0: 4}


needs_tshark = pytest.mark.skipif(
    shutil.which("tshark") is None, reason="needs tshark (apt-get install tshark)"
)


@needs_tshark
@pytest.mark.parametrize(("name", "duration"), [("scl-close-nodelay", "1s"), ("ka-nolinger-client", "5s")])
def test_a_simulated_runs_pcap_read_back_gives_the_simulators_own_counts(
    name: str, duration: str, tmp_path: Path
) -> None:
    """Both sides of the comparison count the same things: the simulator's trace written as a
    pcapng by teardown.pcap (proxy port 80, backends 8080) and read by tshark gives exactly the
    simulator's rst.* and closed_hard/closed_fin."""
    scenario = td.Scenario.from_dict(compare.to_teardown_scenario(SCENARIOS[name], duration=duration))
    r = td.run(scenario, trace=100_000)
    m = r.metrics
    written = pcap.write_pcapng(r, tmp_path / "run.pcapng")
    assert written.connections == m["connections.client_side.opened"] + m["connections.server_side.opened"]
    w = wire.summarise_segments(wire.read_segments(written.path), 80, [8080], 0.0, 1e9)
    for direction in ("client_to_proxy", "proxy_to_client", "proxy_to_backend", "backend_to_proxy"):
        assert w[f"wire.rst.{direction}"] == m[f"rst.{direction}"], direction
    assert w["wire.server_conn.closed_hard"] == m["connections.server_side.closed_hard"]
    assert w["wire.server_conn.closed_fin"] == m["connections.server_side.closed_fin"]
    assert w["wire.rst.proxy_to_backend_checks"] == 0  # the simulator has no check connections
    assert sum(w[f"wire.rst.{d}"] for d in ("proxy_to_client", "proxy_to_backend")) > 0  # not vacuous


def test_no_capture_tool_means_no_wire_metrics_and_one_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(wire, "available", lambda: "tshark/dumpcap are not installed (test)")
    monkeypatch.setattr(wire, "_warned", set())
    assert wire.start([FRONT, BACK]) is None
    assert wire.start([FRONT, BACK]) is None
    assert wire.start([FRONT, BACK], enabled=False) is None
    assert capsys.readouterr().err.count("no wire-level counts") == 1


@needs_tshark
def test_an_unreadable_capture_gives_no_metrics_and_its_directory_is_removed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(wire, "_warned", set())
    capture = wire.Capture([FRONT, BACK])
    try:
        Path(capture.path).write_bytes(b"not a capture")
        assert wire.analyse(capture, FRONT, [BACK], 0.0, 1e9) == {}
    finally:
        capture.close()
    assert not os.path.exists(capture.dir)
    assert "tshark could not read the capture" in capsys.readouterr().err


needs_haproxy = pytest.mark.skipif(
    find_haproxy() is None or not (haproxy_version() or "").startswith("2.6") or wire.available() is not None,
    reason=f"needs HAProxy 2.6 and a capture on lo ({wire.available()})",
)


@needs_haproxy
def test_a_real_run_puts_one_rst_per_request_on_the_wire_when_the_proxy_resets_every_server_connection() -> (
    None
):
    m = run_once(merge(SCENARIOS["scl-pretend-ka"], {"validation": {"duration": "1.5s"}}), seed=1)
    completed = m["requests.completed"]
    assert completed > 50
    # Every server connection carried one request and was closed hard by the proxy; the
    # backend application saw each RST (the keep-alive backend was still reading).
    assert m["wire.server_conn.closed_hard"] == pytest.approx(m["connections.server_side.opened"], abs=2)
    assert m["wire.server_conn.closed_fin"] <= 2
    assert m["wire.rst.proxy_to_backend"] >= m["backend.resets"] >= completed - 2
    # The capture lost nothing (dumpcap's own count), and the host's RST counter saw at least
    # these segments, health checks included: it counts every socket of the network namespace,
    # so other runs on the machine (a campaign in another session) add to it; on a quiet host
    # the two agree within a few segments.
    assert m["wire.dropped"] == 0
    total = sum(m[k] for k in m if k.startswith("wire.rst."))
    assert total <= m["host.tcp.out_rsts"] + 3
