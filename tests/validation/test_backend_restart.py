"""The real backends' restart (no HAProxy needed): connections closed, connects refused while
down, the same port afterwards; and the windows over which the restarted server's share is
measured."""

from __future__ import annotations

import socket
import time

import pytest
from teardown.validation.backends import BackendPolicy, BackendServer
from teardown.validation.measure import SCENARIOS, restart_windows

REQUEST = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n"


def _get(sock: socket.socket) -> bytes:
    sock.sendall(REQUEST)
    data = b""
    while b"\r\n\r\n" not in data or len(data) < data.find(b"\r\n\r\n") + 4 + 16:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_a_restart_closes_connections_refuses_connects_then_listens_on_the_same_port() -> None:
    server = BackendServer(0, BackendPolicy(response_size=16), workers=1)
    try:
        server.start()
        port = server.port
        with socket.create_connection(("127.0.0.1", port), timeout=2) as held:
            assert _get(held).startswith(b"HTTP/1.1 200")
            restart = server.restart(0.4)
            time.sleep(0.15)
            assert held.recv(1) == b""  # the dying process closed it (FIN)
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
            restart.join(2.0)
        with socket.create_connection(("127.0.0.1", port), timeout=2) as again:
            assert _get(again).startswith(b"HTTP/1.1 200")
        moves = [what for _, what in server.transitions]
        assert moves == ["up", "down", "up"]
        (t_up0, _), (t_down, _), (t_up1, _) = server.transitions
        assert 0.35 <= t_up1 - t_down <= 0.6
        assert server.stats.snapshot()["requests"] == len(server.stats.times()) == 2
    finally:
        server.stop()


def test_a_stopped_server_does_not_come_back_from_a_pending_restart() -> None:
    server = BackendServer(0, BackendPolicy(), workers=1)
    server.start()
    restart = server.restart(0.2)
    time.sleep(0.05)
    server.stop()
    restart.join(2.0)
    assert [what for _, what in server.transitions] == ["up", "down"]


def test_the_share_window_starts_rise_checks_after_the_return_and_ends_with_arrivals() -> None:
    back, start, end = restart_windows(SCENARIOS["restart-rr-pinned"])[0]
    assert (back, start, end) == pytest.approx((3.0, 3.4, 7.0))
    two = {
        "validation": {"duration": "10s"},
        "backends": {
            "health_check": {"interval": "1s", "rise": 3},
            "events": [
                {"at": "1s", "server": 1, "action": "down"},
                {"at": "2s", "server": 1, "action": "up"},
                {"at": "6s", "server": 1, "action": "down"},
            ],
        },
    }
    assert restart_windows(two) == {1: pytest.approx((2.0, 5.0, 6.0))}
