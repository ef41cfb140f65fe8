"""A real Node.js ``http.Server`` backend for the validation harness (``validation.backend = "node"``).

Node's defaults are the classic incident behind a proxy that keeps idle server connections: an
idle keep-alive socket is destroyed 5 s after its last response (``server.keepAliveTimeout``),
while HAProxy keeps its idle server connections until its own timers end them. The server
(``node/teardown_backend.js``, run with Debian's ``nodejs``) runs with those defaults unless the
scenario's ``backends.keep_alive`` asks otherwise, and counts what a Node application sees (socket
errors ECONNRESET / EPIPE, peer EOF, requests, connections).

:class:`NodeCluster` is a :class:`.netty.NettyCluster` (the same line protocol on stdin/stdout,
the same counters) whose process is ``node`` instead of a JVM. Restarts are not supported.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from teardown.validation import parse_seconds
from teardown.validation.netty import NettyCluster, NettyPolicy

__all__ = ["NODE_DEFAULT_KEEP_ALIVE", "SCRIPT", "NodeCluster", "available"]

SCRIPT = Path(__file__).with_name("node") / "teardown_backend.js"
INSTALL_HINT = "apt-get install -y --no-install-recommends nodejs"
# Node's http.Server keepAliveTimeout default (5000 ms; docs of http.Server,
# server.keepAliveTimeout). Node 20 arms the idle socket's timer 1000 ms later than that (the
# server's keep-alive timeout buffer, so that a client that follows "Keep-Alive: timeout=5"
# closes first): the installed Node 20.20 sent its FIN 6.0006 s after the last response (median
# of 15 connections on the wire, 2026-12-04). A scenario's backends.keep_alive is that idle
# close; NODE_DEFAULT_KEEP_ALIVE leaves the real server on its default.
NODE_KEEP_ALIVE_BUFFER = 1.0
NODE_DEFAULT_KEEP_ALIVE = 5.0 + NODE_KEEP_ALIVE_BUFFER


def available() -> str | None:
    """``None`` if node and the server script are there; else why not (for a skip message)."""
    if shutil.which("node") is None:
        return f"node is not installed ({INSTALL_HINT})"
    if not SCRIPT.exists():
        return f"{SCRIPT} is missing"
    return None


class NodeCluster(NettyCluster):
    """``count`` Node http.Server instances in one node process; the interface of
    :class:`.backends.BackendCluster`."""

    label = "the Node backend"
    backend = "node"

    @classmethod
    def from_scenario(cls, sc: Mapping[str, Any], seed: int = 0) -> NodeCluster:
        """The cluster a merged harness scenario describes (workers and close delay do not apply:
        one event loop, and Node ends a ``Connection: close`` response's socket itself)."""
        b, st = sc["backends"], sc["backends"]["service_time"]
        ka = b["keep_alive"]
        keep_alive: str | float = ka
        if ka not in ("forever", "close-after-response"):
            keep_alive = float(parse_seconds(ka) or 0)
        if str(st.get("dist", "constant")) != "constant" and (parse_seconds(st.get("mean", 0)) or 0) > 0:
            raise ValueError("backends.service_time: the Node backend serves constant service times only")
        policy = NettyPolicy(
            keep_alive=keep_alive,
            service_mean=parse_seconds(st.get("mean", 0)) or 0.0,
            response_size=int(b.get("response_size") or sc["clients"]["response_size"]),
        )
        return cls(int(b["servers"]), policy, 1, seed=seed)

    def _command(self) -> list[str]:
        reason = available()
        if reason is not None:
            raise RuntimeError(f"the Node backend cannot run: {reason}")
        ka = self.policy.keep_alive
        if ka not in ("forever", "close-after-response"):
            idle = float(ka)
            if idle == NODE_DEFAULT_KEEP_ALIVE:
                ka = "default"
            elif idle > NODE_KEEP_ALIVE_BUFFER:
                ka = repr(idle - NODE_KEEP_ALIVE_BUFFER)  # Node adds its buffer to what it is told
            else:
                raise ValueError(f"backends.keep_alive {idle} s: the Node backend closes idle sockets after 1 s at the least")
        return [
            "node",
            str(SCRIPT),
            "--servers",
            str(self.count),
            "--keep-alive",
            str(ka),
            "--service-mean-us",
            repr(self.policy.service_mean * 1e6),
            "--response-size",
            str(int(self.policy.response_size)),
        ]
