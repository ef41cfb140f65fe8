"""One source of truth for version rules: the advisor's facts, `teardown explain` and the
simulator resolve every release x mode identically (teardown/proxy_rules.hpp)."""

from __future__ import annotations

import pytest
import teardown as td
from teardown import _core, explain_story
from teardown.advise import facts
from teardown.haproxy_cfg import keywords

MODES = (
    "preset",
    "http-keep-alive",
    "http-server-close",
    "httpclose",
    "http-pretend-keepalive",
    "http-tunnel",
    "tcp",
)
REUSES = ("preset", "never", "safe", "always")
VERSIONS = tuple(row["version"] for row in _core.proxy_versions())


def _scenario(version: str, mode: str, reuse: str) -> td.Scenario | None:
    data: dict = {
        "sim": {"duration": "4s", "warmup": "0s"},
        "clients": {"count": 6, "arrival": {"rate": 60.0}},
        "proxy": {"version": version, "mode": mode},
        "backends": {"servers": 2, "workers": 2, "service_time": {"mean": "1ms"}},
    }
    if mode != "tcp":
        data["proxy"]["http_reuse"] = reuse
    elif reuse != "preset":
        return None
    try:
        return td.Scenario(data)
    except td.ConfigError:
        return None  # the release has no such mode or setting: the config checks say so


# Only the combinations a release has: the others are config errors, tested in test_bad_input.
CASES = [(v, m, r) for v in VERSIONS for m in MODES for r in REUSES if _scenario(v, m, r) is not None]


def test_the_release_list_is_the_table_everywhere() -> None:
    assert VERSIONS == keywords.VERSIONS == facts.versions()
    assert VERSIONS == ("1.4", "1.5", "1.8", "2.0", "2.6")


@pytest.mark.parametrize(("version", "mode", "reuse"), CASES)
def test_advise_explain_and_the_simulator_agree(version: str, mode: str, reuse: str) -> None:
    s = _scenario(version, mode, reuse)
    assert s is not None
    traits = _core.resolve_proxy(s._checked)
    # The advisor's facts and explain's closes are the simulator's resolution.
    assert facts.effective_mode(s) == traits["mode"]
    assert facts.pooled(s) == traits["pooled"]
    assert facts.private_server_connections(s) == traits["private"]
    for kind in ("server_end", "server_switch", "server_purge"):
        assert explain_story._close_how(s, kind) == traits["close"][kind]
    # What the simulator then does matches the resolved mode.
    r = td.run(s)
    m = r.metrics
    per_request = m["connections.server_side.per_request"]
    if traits["mode"] in ("server-close", "httpclose"):
        assert per_request > 0.95  # a server connection per request
    elif traits["mode"] in ("tunnel", "tcp"):
        # one server connection per client connection, pinned
        assert m["connections.server_side.opened"] == pytest.approx(
            m["connections.client_side.opened"], abs=2
        )
    elif traits["pooled"] or traits["keeps_own_connections"]:
        assert per_request < 0.2  # reused across requests; a switch closes nothing
    else:  # 1.5-1.8 keep-alive: a switch closes the private connection (two servers, roundrobin)
        assert per_request > 0.3
        assert m["connections.server_side.closed_hard"] > 0
