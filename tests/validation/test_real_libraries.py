"""Real client libraries and a real Node server behind the real HAProxy 2.6, measured against the
simulator given each library's defaults (teardown.validation.libraries; docs/validation.md, "Real
client libraries and servers").

Each scenario is one whose outcome a library's timer decides: HAProxy's 1 s http-keep-alive
timeout against client pools that keep connections for minutes (Apache HttpClient 4.5, OkHttp 3,
the JDK 17 HttpClient), and HAProxy's private idle server connections against Node's idle close.
Every row must be within the harness tolerance (compare._verdict), 3 runs each; then what the
libraries did is checked by mechanism. Skipped when a Debian package is missing (scripts/setup
installs them) or HAProxy is not 2.6. About 2 minutes in all.
"""

from __future__ import annotations

import pytest
from teardown.validation import compare, javaclient, libraries, node
from teardown.validation.haproxy import find_haproxy, haproxy_version

_HAPROXY_26 = find_haproxy() is not None and (haproxy_version() or "").startswith("2.6")
_NO_HAPROXY = f"needs HAProxy 2.6, found {haproxy_version()!r}"
pytestmark = pytest.mark.timeout(300)


def _compare(name: str) -> dict[str, compare.Row]:
    rows = compare.compare_harness(name, libraries.SCENARIOS[name], repeats=3)
    print(compare.format_table(rows))
    bad = [r for r in rows if r.verdict == "differs"]
    assert not bad, compare.format_table(bad)
    return {r.metric: r for r in rows}


@pytest.mark.skipif(not _HAPROXY_26, reason=_NO_HAPROXY)
@pytest.mark.skipif(javaclient.available() is not None, reason=f"Java clients: {javaclient.available()}")
@pytest.mark.parametrize("library", libraries.CLIENTS)
def test_client_library_against_keep_alive_timeout(library: str) -> None:
    """Reuse after more than 1 s idle meets a connection HAProxy closed. The Python client (no
    retries) fails with EOF; Apache and OkHttp resend silently on a new connection (the stale
    request is answered by the proxy's RST, the application sees no failure); the JDK's pool drops
    the connection when the FIN arrives, so no request meets a closed one."""
    rows = _compare(f"lib-ka-idle-{library}")
    stale = rows.get("rst.proxy_to_client_per_request")  # needs the capture (tshark, root)
    eof = rows["client.eof_before_response"].measured
    conns = rows["connections.server_side.per_request"].measured
    assert conns > 0.2, "the 1 s keep-alive timeout should renew many connections"
    if library == "python":
        assert eof > 0.08
    else:
        assert eof == 0.0, "a library with retries or a stale-aware pool shows no EOF"
        assert rows["connections.client_side.per_request"].measured > 0.2
    if stale is not None:
        if library == "jdk-httpclient-17":
            assert stale.measured < 0.02
        else:
            assert stale.measured > 0.05, "stale reuses happened (silently, with a library's retries)"


@pytest.mark.skipif(not _HAPROXY_26, reason=_NO_HAPROXY)
@pytest.mark.skipif(node.available() is not None, reason=f"Node backend: {node.available()}")
def test_node_closes_idle_connections_haproxy_keeps() -> None:
    """Node closes an idle keep-alive socket 6 s after its response (keepAliveTimeout 5 s plus
    its 1 s buffer); HAProxy, keeping the session's idle connection private (http-reuse never),
    sees the FIN and opens a new connection for the session's next request."""
    rows = _compare("lib-node-idle")
    assert (
        rows["connections.server_side.per_request"].measured
        > rows["connections.client_side.per_request"].measured
    ), "gaps over Node's idle close renew server connections"
    fin = rows.get("connections.server_side.closed_fin_per_request")
    if fin is not None:
        assert fin.measured > 0.03, "Node's idle close shows as backend FINs"


def test_library_defaults_reach_the_simulator() -> None:
    """Each library's defaults are what the simulator is given for its scenario."""
    import teardown as td
    from teardown.validation import parse_seconds

    for name, harness in libraries.SCENARIOS.items():
        v = harness["validation"]
        sc = td.Scenario.from_dict(compare.to_teardown_scenario(harness)).to_dict()
        for library in (v.get("client", "python"), v.get("backend", "python")):
            if library == "node" and node.available() is not None:
                continue
            for section, keys in libraries.library_keys(library).items():
                for key, want in keys.items():
                    wants = want.items() if isinstance(want, dict) else [(None, want)]
                    for sub, value in wants:
                        got = sc[section][key] if sub is None else sc[section][key][sub]
                        same = got == value or parse_seconds(got) == parse_seconds(value)
                        assert same, (name, section, key, sub, got, value)
    # The presets' values themselves, wherever the harness scenario does not set the key.
    table = td.presets()
    for name, harness in libraries.SCENARIOS.items():
        sc = td.Scenario.from_dict(compare.to_teardown_scenario(harness))
        client = harness["validation"].get("client", "python")
        if client == "python":
            continue
        rows = table[(table.preset == client) & (table.kind == "client")]
        assert len(rows) > 5
        for row in rows.itertuples():
            got, want = str(sc[row.key]), str(row.value)
            if got != want:  # the same time may be written two ways ("20m", "1200s")
                assert parse_seconds(got) == parse_seconds(want), (name, row.key, got, want)


def test_unknown_library_is_refused() -> None:
    with pytest.raises(ValueError, match="validation.client: 'okhtp'"):
        libraries.apply({"validation": {"client": "okhtp"}})
    with pytest.raises(ValueError, match="validation.backend: 'nginx'"):
        libraries.apply({"validation": {"backend": "nginx"}})
    assert compare.main(["--random", "2", "--client", "okhttp-3"]) == 2


@pytest.mark.skipif(not _HAPROXY_26, reason=_NO_HAPROXY)
@pytest.mark.skipif(javaclient.available() is not None, reason=f"Java clients: {javaclient.available()}")
def test_apache_stale_check_spares_reuse_after_two_seconds() -> None:
    """With think times of mean 2.5 s most reuses of a connection HAProxy closed after 1 s come
    after more than 2 s, where Apache's validateAfterInactivity check finds the FIN and opens a
    new connection instead: the stale requests on the wire match the prediction with the check
    better than the one without it."""
    name = "lib-ka-long-apache-httpclient-4.5"
    rows = _compare(name)
    stale = rows.get("rst.proxy_to_client_per_request")
    if stale is None:
        pytest.skip("no packet capture (tshark, root): the stale requests are counted on the wire")
    merge = compare.measuring.merge
    # Apache's keys without the check, given as plain keys (the "python" client adds none).
    unchecked = merge(
        libraries.library_keys("apache-httpclient-4.5"),
        {"clients": {"pool": {"validate_after_inactivity": "off"}}, "validation": {"client": "python"}},
    )
    without = compare.predict(merge(libraries.SCENARIOS[name], unchecked), compare.EVENT_SEEDS)
    without_check = without["rst.proxy_to_client_per_request"]["mean"]
    assert abs(stale.measured - stale.predicted) < abs(stale.measured - without_check), (stale, without_check)


def test_command_line_names_the_same_libraries() -> None:
    """`teardown validate` spells the names itself (its parser imports nothing of the harness)."""
    from teardown.cli import validate as cli

    assert cli.CLIENTS == libraries.CLIENTS and cli.BACKENDS == libraries.BACKENDS
    assert compare.main(["no-such-scenario", "--client", "okhttp-3", "--backend", "node"]) == 2
