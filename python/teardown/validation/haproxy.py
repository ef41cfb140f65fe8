"""Run the real HAProxy on 127.0.0.1: write haproxy.cfg, start/stop by PID, read ``show stat``.

The configuration is rendered from the ``proxy`` and ``backends`` tables of a
scenario dict (same keys as shared/scenario.example.toml). Mapping of ``proxy.mode``:

- ``http-keep-alive`` / ``http-server-close`` / ``httpclose`` -> that ``option``;
- ``http-pretend-keepalive`` -> ``option http-pretend-keepalive`` alone, which on
  2.x changes nothing by itself (CLOSEOPT); add it to a close mode with the extra
  key ``proxy.pretend_keepalive = true`` (e.g. LAB-3: server-close + pretend);
- ``tcp`` -> ``mode tcp``; ``http-tunnel`` is rejected (removed in 2.5).

``proxy.nolinger`` may be ``false``, ``true`` (defaults section: both sides),
``"client"`` (frontend only) or ``"server"`` (backend only).
"""

from __future__ import annotations

import csv
import io
import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from typing import Any

from teardown.validation import parse_seconds

__all__ = ["HAProxy", "find_haproxy", "haproxy_version", "render_config", "free_port"]

_MODE_OPTIONS = {
    "http-keep-alive": "option http-keep-alive",
    "http-server-close": "option http-server-close",
    "httpclose": "option httpclose",
    "http-pretend-keepalive": "option http-pretend-keepalive",
}


def find_haproxy() -> str | None:
    """Path of the ``haproxy`` binary, looking in PATH and the sbin directories."""
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/usr/local/sbin:/sbin"
    return shutil.which("haproxy", path=path)


def haproxy_version(binary: str | None = None) -> str | None:
    """Version string reported by ``haproxy -v`` (e.g. ``"2.6.12-1+deb12u4"``), or ``None``."""
    binary = binary or find_haproxy()
    if not binary:
        return None
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10).stdout
    first = out.splitlines()[0] if out else ""
    parts = first.split()
    return parts[2] if len(parts) > 2 and parts[0] == "HAProxy" else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (bind port 0, read it, release it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ms(value: object) -> str | None:
    """A scenario duration as an HAProxy time in whole milliseconds (at least 1), or None if off."""
    seconds = parse_seconds(value)
    if seconds is None:
        return None
    return f"{max(1, math.ceil(seconds * 1000))}ms"


def render_config(
    scenario: Mapping[str, Any],
    frontend_port: int,
    backend_ports: Sequence[int],
    stats_socket: str,
) -> str:
    """Return haproxy.cfg text for ``scenario`` (keys as in scenario.example.toml).

    One frontend on 127.0.0.1:``frontend_port``, one backend with a server per
    entry of ``backend_ports``, ``nbthread 1``, an admin stats socket at
    ``stats_socket``. Raises ``ValueError`` for settings 2.6 does not have.
    """
    proxy: Mapping[str, Any] = scenario.get("proxy", {})
    backends: Mapping[str, Any] = scenario.get("backends", {})
    timeouts: Mapping[str, Any] = proxy.get("timeout", {})
    version = str(proxy.get("version", "2.6"))
    if version not in ("2.6", "preset"):
        raise ValueError(f"proxy.version: only the installed 2.6 can be measured, got {version!r}")
    mode = str(proxy.get("mode", "http-keep-alive"))
    if mode == "preset":
        mode = "http-keep-alive"
    if mode != "tcp" and mode not in _MODE_OPTIONS:
        raise ValueError(f"proxy.mode: {mode!r} is not available in HAProxy 2.6")
    nolinger = proxy.get("nolinger", False)
    if nolinger not in (False, True, "client", "server", "both"):
        raise ValueError(f"proxy.nolinger: expected a bool, 'client' or 'server', got {nolinger!r}")

    defaults = [f"mode {'tcp' if mode == 'tcp' else 'http'}"]
    defaults.append(f"timeout connect {_ms(timeouts.get('connect', '2s')) or '2000ms'}")
    for key in (
        "client",
        "server",
        "http_request",
        "http_keep_alive",
        "queue",
        "tunnel",
        "client_fin",
        "server_fin",
    ):
        value = _ms(timeouts.get(key, "60s" if key in ("client", "server") else "off"))
        if value is not None and not (mode == "tcp" and key.startswith("http_")):
            defaults.append(f"timeout {key.replace('_', '-')} {value}")
    if mode != "tcp":
        defaults.append(_MODE_OPTIONS[mode])
        if proxy.get("pretend_keepalive", False) and mode != "http-pretend-keepalive":
            defaults.append("option http-pretend-keepalive")
    if nolinger in (True, "both"):
        defaults.append("option nolinger")
    if proxy.get("abortonclose", False):
        defaults.append("option abortonclose")
    if proxy.get("redispatch", False):
        defaults.append("option redispatch")
    defaults.append(f"retries {int(proxy.get('retries', 3))}")
    retry_on = list(proxy.get("retry_on", ["conn-failure"]))
    if retry_on != ["conn-failure"] and mode != "tcp":
        defaults.append("retry-on " + " ".join(retry_on))

    frontend = [f"bind 127.0.0.1:{frontend_port}", f"maxconn {int(proxy.get('maxconn', 2000))}"]
    if nolinger == "client":
        frontend.append("option nolinger")
    frontend.append("default_backend be")

    balance = str(proxy.get("balance", "roundrobin"))
    if balance == "random":
        balance = f"random({int(proxy.get('random_draws', 2))})"
    backend = [f"balance {balance}"]
    if proxy.get("prefer_last_server", False):
        backend.append("option prefer-last-server")
    reuse = str(proxy.get("http_reuse", "preset"))
    if reuse != "preset" and mode != "tcp":
        backend.append(f"http-reuse {reuse}")
    if nolinger == "server":
        backend.append("option nolinger")

    server_opts: list[str] = []
    check: Mapping[str, Any] = backends.get("health_check", {})
    if check.get("enabled", True):
        server_opts.append(
            f"check inter {_ms(check.get('interval', '2s'))} rise {int(check.get('rise', 2))} "
            f"fall {int(check.get('fall', 3))}"
        )
    purge = _ms(proxy.get("pool_purge_delay", "5s"))
    if purge and mode != "tcp":
        server_opts.append(f"pool-purge-delay {purge}")
    if int(backends.get("maxconn", 0)) > 0:
        server_opts.append(f"maxconn {int(backends['maxconn'])}")
    slowstart = _ms(backends.get("slowstart", "off"))
    if slowstart:
        server_opts.append(f"slowstart {slowstart}")
    if server_opts:
        backend.append("default-server " + " ".join(server_opts))
    weights = list(backends.get("weights", [])) or [1] * len(backend_ports)
    if len(weights) != len(backend_ports):
        raise ValueError("backends.weights: need one weight per server")
    for i, (port, weight) in enumerate(zip(backend_ports, weights, strict=True)):
        backend.append(f"server s{i} 127.0.0.1:{port} weight {int(weight)}")

    def section(title: str, lines: list[str]) -> str:
        return title + "\n" + "".join(f"    {line}\n" for line in lines)

    global_lines = ["nbthread 1", "maxconn 8192", f"stats socket {stats_socket} mode 600 level admin"]
    return "\n".join(
        [
            section("global", global_lines),
            section("defaults", defaults),
            section("frontend fe", frontend),
            section("backend be", backend),
        ]
    )


class HAProxy:
    """One HAProxy process in the foreground (``-db``), owned by this object.

    Use as a context manager, or call :meth:`start` and then :meth:`stop` in a
    ``finally`` block; :meth:`stop` signals only the PID this object started.
    ``config_text`` may be set after construction (render it with :attr:`socket_path`).
    """

    def __init__(self, config_text: str = "", workdir: str | None = None, binary: str | None = None) -> None:
        self.binary = binary or find_haproxy()
        if not self.binary:
            raise FileNotFoundError("haproxy is not installed")
        self._own_dir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="teardown-haproxy-")
        self.config_path = os.path.join(self.workdir, "haproxy.cfg")
        self.socket_path = os.path.join(self.workdir, "haproxy.sock")
        self.config_text = config_text
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def pid(self) -> int | None:
        """PID of the running process, if started."""
        return self.proc.pid if self.proc else None

    def start(self, ready_timeout: float = 5.0) -> None:
        """Validate the config, start HAProxy and wait until its stats socket answers."""
        with open(self.config_path, "w") as f:
            f.write(self.config_text)
        check = subprocess.run(
            [self.binary, "-c", "-f", self.config_path], capture_output=True, text=True, timeout=10
        )
        if check.returncode != 0:
            raise RuntimeError(
                f"haproxy rejected the config:\n{check.stdout}{check.stderr}\n{self.config_text}"
            )
        self._log = open(os.path.join(self.workdir, "haproxy.log"), "wb")
        self.proc = subprocess.Popen(
            [self.binary, "-db", "-f", self.config_path],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"haproxy exited with {self.proc.returncode}: {self.log_text()}")
            try:
                self.command("show info")
                return
            except OSError:
                time.sleep(0.02)
        raise TimeoutError("haproxy stats socket did not answer")

    def wait_servers_up(self, timeout: float = 5.0) -> None:
        """Wait until every server reports UP (or has no check)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.server_stats()
            if rows and all(r.get("status", "").startswith(("UP", "no check")) for r in rows):
                return
            time.sleep(0.05)
        raise TimeoutError("haproxy servers did not come UP")

    def command(self, cmd: str, timeout: float = 2.0) -> str:
        """Send one command to the stats socket and return the whole answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.socket_path)
            s.sendall(cmd.encode() + b"\n")
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")

    def show_stat(self) -> list[dict[str, str]]:
        """Rows of ``show stat`` as dicts keyed by the CSV header (pxname, svname, stot, ...)."""
        text = self.command("show stat")
        if text.startswith("# "):
            text = text[2:]
        return [dict(row) for row in csv.DictReader(io.StringIO(text)) if row.get("pxname")]

    def server_stats(self, backend: str = "be") -> list[dict[str, str]]:
        """``show stat`` rows of the servers of ``backend``, in server order (s0, s1, ...)."""
        rows = [
            r
            for r in self.show_stat()
            if r["pxname"] == backend and r["svname"] not in ("BACKEND", "FRONTEND")
        ]
        return sorted(rows, key=lambda r: int(r["svname"][1:]) if r["svname"][1:].isdigit() else 0)

    def log_text(self) -> str:
        """What the process wrote to stdout/stderr so far."""
        try:
            with open(os.path.join(self.workdir, "haproxy.log"), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 3.0) -> None:
        """Stop the process this object started (SIGTERM, then SIGKILL) and remove its files."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> HAProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
