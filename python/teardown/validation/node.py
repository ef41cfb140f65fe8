"""A real Node.js ``http.Server`` backend for the validation harness (``validation.backend = "node"``).

Node's defaults are the classic incident behind a proxy that keeps idle server connections: an
idle keep-alive socket is destroyed 5 s after its last response (``server.keepAliveTimeout``),
while HAProxy keeps its idle server connections until its own timers end them. The server
(``node/teardown_backend.js``, run with Debian's ``nodejs``) runs with those defaults unless the
scenario's ``backends.keep_alive`` asks otherwise (:func:`idle_close`), and counts what a Node
application sees (socket errors ECONNRESET / EPIPE, peer EOF, requests, connections).

:class:`NodeCluster` is a :class:`.netty.NettyCluster` (the same line protocol on stdin/stdout,
the same counters) whose process is ``node`` instead of a JVM. Restarts are not supported.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from teardown.validation import parse_seconds
from teardown.validation.netty import NettyCluster, NettyPolicy

__all__ = ["SCRIPT", "NodeCluster", "available", "idle_close"]

SCRIPT = Path(__file__).with_name("node") / "teardown_backend.js"
INSTALL_HINT = "apt-get install -y --no-install-recommends nodejs"


@functools.cache
def idle_close() -> tuple[float, float]:
    """The installed Node's defaults, in seconds: (``server.keepAliveTimeout``, the timeout its
    idle keep-alive socket really gets after a response).

    Node's keepAliveTimeout defaults to 5000 ms (docs of http.Server); Node 20 arms the idle
    socket's timer 1000 ms later (``HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER`` in
    ``lib/_http_server.js``, so that a client following "Keep-Alive: timeout=5" closes first):
    Node 20.20 sent its FIN 6.0006 s after the last response (median of 15 connections on the
    wire, 2026-12-04). The server script asks a server of its own (``--probe``).
    """
    reason = available()
    if reason is not None:
        raise RuntimeError(f"the Node backend cannot run: {reason}")
    out = subprocess.run(["node", str(SCRIPT), "--probe", "1"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(f"the Node probe failed (status {out.returncode}): {out.stderr.strip()}")
    found = json.loads(out.stdout)
    return float(found["keep_alive_timeout_ms"]) / 1e3, float(found["idle_close_ms"]) / 1e3


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
            idle, (timeout, default_idle) = float(ka), idle_close()
            buffer = default_idle - timeout  # what Node adds to the keepAliveTimeout it is told
            if idle == default_idle:
                ka = "default"
            elif idle > buffer:
                ka = repr(idle - buffer)
            else:
                raise ValueError(
                    f"backends.keep_alive {idle} s: this Node closes idle sockets {buffer} s after "
                    "its keepAliveTimeout, so no sooner"
                )
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
