"""What the fuzzers found (scripts/fuzz), kept as regression tests: one test per finding, with
the smallest input that showed it."""

from __future__ import annotations

import teardown as td
from teardown.haproxy_cfg import import_haproxy


def test_haproxy_cfg_lines_end_at_newline_only(tmp_path):
    # fuzz/haproxy_cfg_fuzz.py: a record separator (\x1e) inside a line made str.splitlines()
    # start a new line there, so every later "haproxy.cfg:LINE" was off by one.
    path = tmp_path / "haproxy.cfg"
    path.write_bytes(
        b"listen l\n    mode http\n  \x1e server a 10.0.0.1:80\n    frobnicate on\n    server b 10.0.0.2:80\n"
    )
    result = import_haproxy(path)
    assert {item.line for item in result.unmapped if "frobnicate" in item.text} == {4}
    assert result.scenario["backends"]["servers"] == 1


def test_haproxy_cfg_error_lines_count_newlines_only(tmp_path):
    path = tmp_path / "haproxy.cfg"
    path.write_bytes(b"listen l\x0b\x0c\x1c\x1d\x85\n    mode http\n    timeout client ten\n")
    try:
        import_haproxy(path)
    except td.ConfigError as error:
        assert error.issues[0]["where"] == f"{path}:3"
    else:
        raise AssertionError("accepted")
