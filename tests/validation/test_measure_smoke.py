"""Smoke runs on the real HAProxy 2.6: the mechanisms of LAB-E2E (docs/sources.md §2).

Each scenario runs a few seconds on 127.0.0.1; the tests assert mechanisms (which
syscall failed, resets per request), not exact figures. Skipped when ``haproxy``
is not installed or is not 2.6.
"""

from __future__ import annotations

from typing import Any

import pytest
from teardown.validation.haproxy import find_haproxy, haproxy_version
from teardown.validation.measure import SCENARIOS, merge, run_once

if find_haproxy() is None:
    pytest.skip("haproxy is not installed (apt-get install haproxy)", allow_module_level=True)
if not (haproxy_version() or "").startswith("2.6"):
    pytest.skip(f"needs HAProxy 2.6, found {haproxy_version()!r}", allow_module_level=True)

SHORT = {"validation": {"duration": "3.5s", "settle": "0.3s"}}


def run(name: str, **override: Any) -> dict[str, float]:
    """Run a catalogue scenario once, shortened, with optional overrides."""
    return run_once(merge(merge(SCENARIOS[name], SHORT), override), seed=1)


def test_keepalive_stale_reuse_is_eof_not_reset_and_evictor_removes_it() -> None:
    """(a) timeout http-keep-alive 1s, idle gaps 0.4-1.6 s: failures are EOF before response."""
    m = run("ka-stale")
    assert m["requests.in_flight"] == 0
    assert m["client.eof_before_response"] >= 3, m
    assert m["client.reset_on_read"] == 0, m
    assert m["client.reset_on_write"] == 0, m
    assert m["requests.failed"] == m["client.eof_before_response"] == m["client.failed_on_reused"]
    assert m["client.failed_reuse_gap_min"] >= 0.9  # every failed reuse waited about T or more

    e = run("ka-stale-evict")  # evictor at 0.5 s, checked every 0.1 s: below the 1 s timeout
    assert e["client.evicted"] > 0
    assert e["requests.failed"] <= 1, e
    assert e["requests.completed"] >= 0.9 * m["requests.started"]


def test_server_close_backend_resets_follow_the_write_to_close_delay() -> None:
    """(b) http-server-close, backend closes after each response: resets ~1/request with 5 ms delay."""
    d = run("scl-close-delay")
    assert d["requests.failed"] == 0
    assert d["connections.server_side.per_request"] == pytest.approx(1.0, abs=0.02)
    assert d["backend.resets_per_request"] >= 0.8, d

    n = run("scl-close-nodelay")
    assert n["requests.failed"] == 0
    assert n["connections.server_side.per_request"] == pytest.approx(1.0, abs=0.02)
    assert n["backend.resets"] <= 0.05 * n["requests.completed"], n


def test_client_side_nolinger_makes_stale_reuse_fail_on_write_with_epipe() -> None:
    """(c) option nolinger on the frontend: FIN then RST, so the reused connection's write fails."""
    m = run("ka-nolinger-client")
    assert m["client.reset_on_write"] >= 3, m
    assert m.get("client.errno.reset_on_write.EPIPE", 0) == m["client.reset_on_write"]
    assert m["client.eof_before_response"] == 0
    assert m["client.reset_on_read"] == 0
