"""Wire-level truth (teardown.validation.wire): the segment counts of a capture on lo.

A unit test of the reading on hand-made segments, and one short real run on HAProxy 2.6 where
every server connection is reset by the proxy (server-close + pretend-keepalive, LAB-3), whose
wire counts must agree with what the backends' applications counted.
"""

from __future__ import annotations

import pytest
from teardown.validation import wire
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
    assert m["wire.backend.fin_gap_us_p50"] == pytest.approx(40, abs=1)
    assert m["wire.proxy.response_lag_us_p50"] == pytest.approx(60, abs=1)


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
    # The host's own RST counter saw the same segments, health checks included.
    total = sum(m[k] for k in m if k.startswith("wire.rst."))
    assert total == pytest.approx(m["host.tcp.out_rsts"], abs=3)
