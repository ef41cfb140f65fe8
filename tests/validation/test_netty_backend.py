"""The real Netty 4 backend (teardown.validation.netty): what its application counts, alone and
behind the real HAProxy 2.6 (docs/sources.md §4 and §10, LAB-1 and LAB-3).

Skipped when java, javac or Debian's Netty jars are absent (scripts/setup installs them), and the
HAProxy tests when HAProxy 2.6 is absent. Each HAProxy run lasts about a second of load.
"""

from __future__ import annotations

import socket
import struct
import time
from typing import Any

import pytest
from teardown.validation.haproxy import find_haproxy, haproxy_version
from teardown.validation.measure import SCENARIOS, merge, run_once
from teardown.validation.netty import NettyCluster, NettyPolicy, available, resets_per_second

_MISSING = available()
if _MISSING is not None:
    pytest.skip(f"the Netty backend cannot run: {_MISSING}", allow_module_level=True)

pytestmark = pytest.mark.timeout(120)


def _get(port: int, close: bool = False, sock: socket.socket | None = None) -> tuple[socket.socket, bytes]:
    """Send one GET (optionally ``Connection: close``) and read one 2048-byte response."""
    s = sock or socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n" + (b"Connection: close\r\n" if close else b"") + b"\r\n")
    data = b""
    while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 2048:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return s, data


def _wait_for(cluster: NettyCluster, key: str, value: int, timeout: float = 2.0) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        snap = cluster.snapshot()[0]
        if snap[key] >= value or time.monotonic() > deadline:
            return snap
        time.sleep(0.02)


def test_keepalive_connection_close_and_reset_are_seen_like_a_netty_application() -> None:
    """Keep-alive serves several requests on one channel; ``Connection: close`` is honoured; an
    RST after a response reaches exceptionCaught as a "Connection reset" and is counted once."""
    cluster = NettyCluster(1, NettyPolicy(keep_alive="forever"), workers=2, warmup=20)
    try:
        cluster.start()
        assert cluster.versions["netty"].startswith("4.")
        port = cluster.ports[0]
        s, first = _get(port)
        for _ in range(2):
            s, data = _get(port, sock=s)
            assert data.startswith(b"HTTP/1.1 200") and b"content-length: 2048" in data.lower()
        assert b"connection: close" not in first.lower()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # RST while the server keeps the channel
        snap = _wait_for(cluster, "resets", 1)
        assert snap["requests"] == 3 and snap["connections_with_request"] == 1
        assert snap["resets"] == 1 and snap["resets_no_request"] == 0
        assert any("Connection reset" in text for text in cluster.messages()[0])
        assert len(cluster.reset_times()[0]) == 1

        c, data = _get(port, close=True)
        assert b"connection: close" in data.lower()
        assert c.recv(1) == b""  # the server closed after the response
        c.close()
        snap = _wait_for(cluster, "closed_by_app", 1)
        assert snap["closed_by_app"] == 1 and snap["peer_eof"] == 0 and snap["accepted"] == 2
        times = cluster.request_times()[0]
        assert len(times) == 4 and abs(times[-1] - time.monotonic()) < 5  # time.monotonic's clock
        with pytest.raises(NotImplementedError):
            cluster.schedule([(1.0, 0, "restart", 1.0)])
    finally:
        cluster.stop()
    assert cluster.schedule([]) == []


def test_resets_per_second_bins_the_log_lines_by_whole_seconds() -> None:
    assert resets_per_second([10.1, 10.9, 11.0, 12.5, 13.0, 9.0], 10.0, 13.0) == [2, 1, 1]


def test_policy_rejects_what_the_server_cannot_draw() -> None:
    with pytest.raises(ValueError, match="constant or exponential"):
        NettyPolicy(service_dist="lognormal", service_mean=0.001).args()


# --- behind the real HAProxy 2.6 ------------------------------------------------------------

_HAPROXY_26 = find_haproxy() is not None and (haproxy_version() or "").startswith("2.6")
_NETTY = {"validation": {"duration": "1.2s", "settle": "0.3s", "backend": "netty", "capture": False}}


def _run(name: str, **override: Any) -> dict[str, float]:
    return run_once(merge(merge(SCENARIOS[name], _NETTY), override), seed=1)


@pytest.mark.skipif(not _HAPROXY_26, reason=f"needs HAProxy 2.6, found {haproxy_version()!r}")
def test_pretend_keepalive_resets_once_per_request_on_netty() -> None:
    """LAB-3: server-close + pretend-keepalive, a keep-alive Netty backend (2 loops): HAProxy
    hard-closes each server connection after its response and the application logs one
    "Connection reset" per request."""
    m = _run("scl-pretend-ka", backends={"workers": 2})
    assert m["requests.failed"] == 0 and m["requests.completed"] >= 40, m
    assert m["connections.server_side.per_request"] == pytest.approx(1.0, abs=0.02)
    assert m["backend.resets"] >= 0.95 * m["requests.completed"], m
    assert m["backend.resets"] <= m["requests.completed"], m


@pytest.mark.skipif(not _HAPROXY_26, reason=f"needs HAProxy 2.6, found {haproxy_version()!r}")
def test_close_after_response_without_delay_hides_the_resets_from_netty() -> None:
    """LAB-1 and section 7: ChannelFutureListener.CLOSE runs in the write's own loop task, so the
    backend has closed before HAProxy's RST arrives: the application counts (almost) none."""
    m = _run("scl-close-nodelay", backends={"workers": 2})
    assert m["requests.failed"] == 0 and m["requests.completed"] >= 40, m
    assert m["connections.server_side.per_request"] == pytest.approx(1.0, abs=0.02)
    assert m["backend.resets"] <= 0.05 * m["requests.completed"], m
