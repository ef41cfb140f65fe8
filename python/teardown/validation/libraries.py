"""Real client libraries and servers of the harness, and their defaults as scenario keys.

``validation.client`` picks the load client (``python``: :mod:`.client`; a Java library:
:mod:`.javaclient`), ``validation.backend`` the servers (``python``, ``netty``, ``node``). A real
library runs with its own defaults, so the simulator must be told those defaults: each real client
library is its preset (``clients.preset``, docs/presets.md), so that this harness checks the
presets themselves; :func:`library_keys` gives the scenario keys for a library and :func:`apply`
lays them over a harness scenario, for the real run and the prediction alike. Keys a harness
scenario sets itself override the preset's, as everywhere.

:data:`SCENARIOS` are scenarios where a library's timer decides the outcome (docs/validation.md,
"Real client libraries and servers").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["CLIENTS", "BACKENDS", "LIBRARY_KEYS", "SCENARIOS", "apply", "library_keys"]

CLIENTS = ("python", "apache-httpclient-4.5", "okhttp-3", "jdk-httpclient-17")
BACKENDS = ("python", "netty", "node")

# Library -> scenario keys standing for its defaults. The Java clients are their presets, whose
# every value cites the library's source at the version the harness runs (Apache HttpClient
# 4.5.14, OkHttp 3.13.1, JDK 17; sim/config/client_presets.cpp): Apache's 2 s stale check,
# OkHttp's 5 min idle expiry and silent resend, the JDK's pool that closes an idle connection
# when its FIN comes.
LIBRARY_KEYS: dict[str, dict[str, Any]] = {
    "apache-httpclient-4.5": {"clients": {"preset": "apache-httpclient-4.5"}},
    "okhttp-3": {"clients": {"preset": "okhttp-3"}},
    "jdk-httpclient-17": {"clients": {"preset": "jdk-httpclient-17"}},
    # Node.js http.Server: its preset, with the idle close the installed Node really arms, asked
    # of it (node.idle_close): 5 s (server.keepAliveTimeout, "Keep-Alive: timeout=5" sent, which
    # HAProxy does not act on) plus, on Node 20, 1 s of buffer: an idle keep-alive socket is
    # destroyed 6 s after its last response (measured on the wire). Filled in by
    # library_keys("node").
    "node": {"backends": {"preset": "node-http", "keep_alive": None}},
}


def library_keys(name: str) -> dict[str, Any]:
    """The scenario keys standing for library ``name``'s defaults ({} for the Python stand-ins)."""
    if name == "node":
        from teardown.validation.node import idle_close

        return {"backends": {"preset": "node-http", "keep_alive": f"{idle_close()[1]:g}s"}}
    return LIBRARY_KEYS.get(name, {})


# HAProxy's `timeout http-keep-alive 1s` closes idle client connections while every library's
# pool keeps them: exponential think times (mean 1 s) put idle gaps on both sides of 1 s and of
# Apache's 2 s stale check. Reuse after more than 1 s meets a closed connection: the Python
# client fails (EOF), Apache and OkHttp resend silently on a new connection (the proxy's RST
# answers the stale request), Apache's stale check spares the gaps over 2 s, the JDK's pool has
# dropped the connection when the FIN came.
_KA_IDLE = {
    "proxy": {"mode": "http-keep-alive", "timeout": {"http_keep_alive": "1s"}},
    "clients": {"count": 60, "arrival": {"kind": "closed", "think_time": "1s", "think_dist": "exponential"}},
    "validation": {"duration": "4s"},
}
# The same with think times of mean 2.5 s, so that most stale reuses come after more than 2 s:
# Apache's stale check spares them (about 0.16 stale requests per request predicted, against
# 0.26 without the check), which lib-ka-idle resolves less clearly.
_KA_IDLE_LONG = {
    "proxy": _KA_IDLE["proxy"],
    "clients": {
        "count": 90,
        "arrival": {"kind": "closed", "think_time": "2.5s", "think_dist": "exponential"},
    },
    "validation": {"duration": "5s", "client": "apache-httpclient-4.5"},
}
# With `http-reuse never` HAProxy keeps a session's idle server connection private to it while
# the client connection lives (timeout client 10 s), out of reach of the idle-pool purge (whose
# 5 s period would otherwise close it first); Node destroys it 6 s after the response. Think
# times of mean 4 s: the gaps over 6 s find the connection gone and HAProxy opens a new one. One
# server, so that a session's next request goes where its idle connection is.
_NODE_IDLE = {
    "proxy": {"mode": "http-keep-alive", "http_reuse": "never"},
    "clients": {"count": 60, "arrival": {"kind": "closed", "think_time": "4s", "think_dist": "exponential"}},
    "backends": {"servers": 1},
    "validation": {"duration": "9s", "backend": "node"},
}
SCENARIOS: dict[str, dict[str, Any]] = {
    **{
        f"lib-ka-idle-{lib}": {**_KA_IDLE, "validation": {**_KA_IDLE["validation"], "client": lib}}
        for lib in CLIENTS
    },
    "lib-ka-long-apache-httpclient-4.5": _KA_IDLE_LONG,
    "lib-node-idle": _NODE_IDLE,
}


def apply(harness: Mapping[str, Any]) -> dict[str, Any]:
    """``harness`` with the scenario keys of its real client library and backend laid over it."""
    from teardown.validation.measure import merge

    v = harness.get("validation", {})
    client, backend = v.get("client", "python"), v.get("backend", "python")
    if client not in CLIENTS:
        raise ValueError(f"validation.client: {client!r} is not one of {', '.join(CLIENTS)}")
    if backend not in BACKENDS:
        raise ValueError(f"validation.backend: {backend!r} is not one of {', '.join(BACKENDS)}")
    out = merge({}, harness)
    for name in (client, backend):
        out = merge(out, library_keys(name))
    return out
