"""Run the real HAProxy on 127.0.0.1: write haproxy.cfg, start/stop by PID, read ``show stat``.

The configuration is rendered from the ``proxy`` and ``backends`` tables of a
scenario dict (the keys of docs/scenario.md), for the version of the
binary that will run it (:func:`detect_version`, from the first line of ``haproxy -vv``).
Mapping of ``proxy.mode``:

- ``http-keep-alive`` / ``http-server-close`` -> that ``option``;
- ``httpclose`` -> ``option httpclose`` from 1.9, ``option forceclose`` before: up to 1.8
  ``httpclose`` is a passive close (it only adds ``Connection: close``) and ``forceclose``
  is the active one the simulator's mode stands for (doc/configuration.txt at v1.4.0 and
  v1.8.0, "option httpclose"; at v1.9.0 "option forceclose" is an alias of httpclose);
- ``http-pretend-keepalive`` -> ``option http-pretend-keepalive`` alone, which on
  2.x changes nothing by itself (CLOSEOPT); add it to a close mode with the extra
  key ``proxy.pretend_keepalive = true`` (e.g. LAB-3: server-close + pretend);
- ``http-tunnel`` -> nothing on 1.4 (its default), ``option http-tunnel`` on 1.5-2.0;
  refused from 2.1 (gone from the manual; an error from 2.5);
- ``preset`` -> the version's default: ``option http-keep-alive`` from 1.5, nothing on 1.4;
- ``tcp`` -> ``mode tcp``.

Keywords a version lacks are left out when the scenario does not ask for them
(``nbthread`` before 1.8, ``pool-purge-delay`` before 1.9) and refused with a
``ValueError`` when it does (:data:`SINCE`); ``http_reuse = "never"`` before 1.6 is left
out, being what those releases do. ``proxy.version``, when set, must name the
binary's branch (or the simulator preset it maps to, :func:`nearest_preset`).

``proxy.nolinger`` may be ``false``, ``true`` (defaults section: both sides),
``"client"`` (frontend only) or ``"server"`` (backend only).
"""

from __future__ import annotations

import csv
import functools
import io
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from teardown.validation import parse_seconds

__all__ = [
    "SIMULATOR_PRESETS",
    "SINCE",
    "HAProxy",
    "HAProxyVersion",
    "detect_version",
    "find_haproxy",
    "haproxy_version",
    "nearest_preset",
    "parse_version_line",
    "render_config",
    "free_port",
]

# The first release whose doc/configuration.txt has each keyword (checked at every x.y.0 tag
# from v1.4.0 to v2.8.0 of the HAProxy repository, and at v1.4.25 / v1.5.16 of the stable trees).
SINCE: dict[str, tuple[int, int]] = {
    "option http-keep-alive": (1, 5),
    "option http-tunnel": (1, 5),
    "option prefer-last-server": (1, 5),
    "timeout tunnel": (1, 5),
    "timeout client-fin": (1, 5),
    "timeout server-fin": (1, 5),
    "http-reuse": (1, 6),
    "nbthread": (1, 8),
    "pool-purge-delay": (1, 9),
    "balance random": (1, 9),
    "retry-on": (2, 0),
}
# The last release that documents a keyword: "option http-tunnel" leaves the manual in 2.1
# (HTX only; an error from 2.5), "option forceclose" in 2.0 (an alias of httpclose in 1.9).
UNTIL: dict[str, tuple[int, int]] = {"option http-tunnel": (2, 0), "option forceclose": (1, 9)}
# Releases the simulator has a preset for (teardown._core.proxy_versions() when available).
SIMULATOR_PRESETS: tuple[str, ...] = ("1.4", "1.5", "1.8", "2.0", "2.6")

_MODE_OPTIONS = {
    "http-keep-alive": "option http-keep-alive",
    "http-server-close": "option http-server-close",
    "httpclose": "option httpclose",
    "http-pretend-keepalive": "option http-pretend-keepalive",
}
_VERSION_LINE = re.compile(r"^HA-?Proxy version (\S+)")


@dataclass(frozen=True)
class HAProxyVersion:
    """What ``haproxy -vv`` says about a binary: its first line and the release in it."""

    line: str  # e.g. "HAProxy version 2.6.12-1+deb12u4 2023/12/19 - https://haproxy.org/"
    release: str  # e.g. "2.6.12-1+deb12u4"
    branch: tuple[int, int]  # e.g. (2, 6)

    @property
    def major_minor(self) -> str:
        """The branch as text, e.g. ``"2.6"``."""
        return f"{self.branch[0]}.{self.branch[1]}"

    def has(self, keyword: str) -> bool:
        """Whether this release's manual documents ``keyword`` (:data:`SINCE`, :data:`UNTIL`)."""
        return SINCE.get(keyword, (0, 0)) <= self.branch <= UNTIL.get(keyword, (99, 99))


def parse_version_line(text: str) -> HAProxyVersion | None:
    """The version of the first ``HAProxy version ...`` (or 1.x ``HA-Proxy version ...``) line."""
    for raw in text.splitlines():
        line = raw.strip()
        match = _VERSION_LINE.match(line)
        if match:
            nums = re.match(r"(\d+)\.(\d+)", match.group(1))
            if nums:
                return HAProxyVersion(line, match.group(1), (int(nums.group(1)), int(nums.group(2))))
    return None


def as_version(value: HAProxyVersion | str | tuple[int, int]) -> HAProxyVersion:
    """A :class:`HAProxyVersion` from one, a release text ("1.5.16") or a branch tuple."""
    if isinstance(value, HAProxyVersion):
        return value
    text = value if isinstance(value, str) else f"{value[0]}.{value[1]}"
    parsed = parse_version_line(f"HAProxy version {text}")
    if parsed is None:
        raise ValueError(f"not an HAProxy version: {value!r}")
    return parsed


# "balance random" draws from statistical_prng() from 2.4 (commit 1adaddb49), whose state every
# process started alike until commit 715107652 seeded it at start (3.0-dev5, backported: the
# first release of each branch with it below, from the branches' changelogs). 1.9-2.3 drew from
# ha_random32(), seeded at start. docs/model.md, "Balancing".
_FIRST_SEEDED_PATCH = {(2, 4): 26, (2, 6): 17, (2, 8): 8}
_FIXED_START_BRANCHES = {(2, 5), (2, 7)}  # ended before the fix


def random_seed(version: HAProxyVersion) -> str | None:
    """``proxy.random_seed`` for a binary: ``"fixed"`` when every start of it draws the same
    ``balance random`` keys, ``"per-start"`` when it seeds them at start, ``None`` when not known
    (the simulator preset's rule then applies)."""
    if version.branch < (2, 4) or version.branch >= (3, 0):
        return "per-start"
    if version.branch in _FIXED_START_BRANCHES:
        return "fixed"
    first = _FIRST_SEEDED_PATCH.get(version.branch)
    patch = re.match(r"\d+\.\d+\.(\d+)", version.release)
    if first is None or patch is None:
        return None
    return "fixed" if int(patch.group(1)) < first else "per-start"


def find_haproxy() -> str | None:
    """Path of the ``haproxy`` binary, looking in PATH and the sbin directories."""
    path = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/usr/local/sbin:/sbin"
    return shutil.which("haproxy", path=path)


@functools.lru_cache(maxsize=16)
def _detect(binary: str, mtime: float) -> HAProxyVersion | None:
    """``-vv`` of one binary (cached per path and modification time: it never changes under us)."""
    try:
        run = subprocess.run([binary, "-vv"], capture_output=True, text=True, timeout=10)
    except OSError:
        return None
    return parse_version_line(run.stdout + "\n" + run.stderr)


def detect_version(binary: str | None = None) -> HAProxyVersion | None:
    """The version of ``binary`` (default :func:`find_haproxy`) from ``-vv``, or ``None``."""
    binary = binary or find_haproxy()
    if not binary or not os.path.exists(binary):
        return None
    return _detect(os.path.realpath(binary), os.path.getmtime(binary))


def haproxy_version(binary: str | None = None) -> str | None:
    """Release reported by the binary (e.g. ``"2.6.12-1+deb12u4"``, ``"1.4.25"``), or ``None``."""
    version = detect_version(binary)
    return version.release if version else None


def nearest_preset(
    branch: tuple[int, int] | HAProxyVersion, presets: Iterable[str] = SIMULATOR_PRESETS
) -> str:
    """The newest simulator preset not newer than ``branch`` (the oldest preset if all are newer).

    A release between presets behaves as the last preset before it as far as the model goes:
    the presets are the releases where a modelled rule changed (sim/config/proxy_rules.cpp).
    """
    if isinstance(branch, HAProxyVersion):
        branch = branch.branch
    keyed = sorted((as_version(p).branch, p) for p in presets)
    older = [p for b, p in keyed if b <= branch]
    return older[-1] if older else keyed[0][1]


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


def _need(version: HAProxyVersion, keyword: str, key: str) -> None:
    """Refuse a scenario key that needs ``keyword`` when this release has no such keyword."""
    if not version.has(keyword):
        since, until = SINCE.get(keyword), UNTIL.get(keyword)
        when = f"from {since[0]}.{since[1]}" if since and version.branch < since else ""
        if until and version.branch > until:
            when = f"up to {until[0]}.{until[1]}"
        raise ValueError(
            f"{key}: HAProxy {version.release} has no '{keyword}' ({when}); this scenario cannot be "
            "measured with this binary"
        )


def _check_version_key(proxy: Mapping[str, Any], version: HAProxyVersion) -> None:
    """``proxy.version``, when set, must be the binary's branch or the preset that stands for it."""
    wanted = str(proxy.get("version", "preset"))
    if wanted in ("preset", version.major_minor, nearest_preset(version)):
        return
    raise ValueError(
        f"proxy.version: the scenario asks for {wanted!r} but the binary is HAProxy {version.release}"
    )


def _mode_lines(mode: str, proxy: Mapping[str, Any], version: HAProxyVersion) -> list[str]:
    """The connection-mode options of the defaults section for this release (module docstring)."""
    if mode == "preset":
        return ["option http-keep-alive"] if version.has("option http-keep-alive") else []
    if mode == "http-tunnel":
        if version.branch < (1, 5):
            lines = []  # 1.4's default: only the first request and response are analysed
        else:
            _need(version, "option http-tunnel", "proxy.mode")
            lines = ["option http-tunnel"]
    elif mode == "httpclose" and version.has("option forceclose") and version.branch < (1, 9):
        lines = ["option forceclose"]
    elif mode == "http-keep-alive":
        _need(version, "option http-keep-alive", "proxy.mode")
        lines = [_MODE_OPTIONS[mode]]
    else:
        lines = [_MODE_OPTIONS[mode]]
    if proxy.get("pretend_keepalive", False) and mode != "http-pretend-keepalive":
        lines.append("option http-pretend-keepalive")
    return lines


def render_config(
    scenario: Mapping[str, Any],
    frontend_port: int,
    backend_ports: Sequence[int],
    stats_socket: str,
    version: HAProxyVersion | str | tuple[int, int] = (2, 6),
) -> str:
    """Return haproxy.cfg text for ``scenario`` (keys as in scenario.example.toml).

    One frontend on 127.0.0.1:``frontend_port``, one backend with a server per
    entry of ``backend_ports``, one thread, an admin stats socket at ``stats_socket``
    (made absolute: 1.x resolves a relative one against its chroot-less cwd at start only).
    ``version`` is the binary's (:func:`detect_version`); raises ``ValueError`` for a
    setting that release cannot express.
    """
    ver = as_version(version)
    proxy: Mapping[str, Any] = scenario.get("proxy", {})
    backends: Mapping[str, Any] = scenario.get("backends", {})
    timeouts: Mapping[str, Any] = proxy.get("timeout", {})
    _check_version_key(proxy, ver)
    mode = str(proxy.get("mode", "preset"))
    if mode != "tcp" and mode not in (*_MODE_OPTIONS, "preset", "http-tunnel"):
        raise ValueError(f"proxy.mode: {mode!r} is not an HAProxy connection mode")
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
            keyword = f"timeout {key.replace('_', '-')}"
            _need(ver, keyword, f"proxy.timeout.{key}")
            defaults.append(f"{keyword} {value}")
    if mode != "tcp":
        defaults.extend(_mode_lines(mode, proxy, ver))
    if nolinger in (True, "both"):
        defaults.append("option nolinger")
    if proxy.get("abortonclose", False):
        defaults.append("option abortonclose")
    if proxy.get("redispatch", False):
        defaults.append("option redispatch")
    defaults.append(f"retries {int(proxy.get('retries', 3))}")
    retry_on = list(proxy.get("retry_on", ["conn-failure"]))
    if retry_on != ["conn-failure"] and mode != "tcp":
        _need(ver, "retry-on", "proxy.retry_on")
        defaults.append("retry-on " + " ".join(retry_on))

    frontend = [f"bind 127.0.0.1:{frontend_port}", f"maxconn {int(proxy.get('maxconn', 2000))}"]
    if nolinger == "client":
        frontend.append("option nolinger")
    frontend.append("default_backend be")

    balance = str(proxy.get("balance", "roundrobin"))
    if balance == "random":
        _need(ver, "balance random", "proxy.balance")
        balance = f"random({int(proxy.get('random_draws', 2))})"
    backend = [f"balance {balance}"]
    if proxy.get("prefer_last_server", False):
        _need(ver, "option prefer-last-server", "proxy.prefer_last_server")
        backend.append("option prefer-last-server")
    reuse = str(proxy.get("http_reuse", "preset"))
    # Before 1.6 a server connection is never shared: "never" is what they do, unsaid.
    if reuse not in ("preset", "never") or (reuse == "never" and ver.has("http-reuse")):
        if mode != "tcp":
            _need(ver, "http-reuse", "proxy.http_reuse")
            backend.append(f"http-reuse {reuse}")
    if nolinger == "server":
        backend.append("option nolinger")

    server_opts: list[str] = []
    check: Mapping[str, Any] = backends.get("health_check", {})
    checked = bool(check.get("enabled", True))
    if checked:
        # "check" itself goes on each server line: 1.x's default-server takes only its settings.
        server_opts.append(
            f"inter {_ms(check.get('interval', '2s'))} rise {int(check.get('rise', 2))} "
            f"fall {int(check.get('fall', 3))}"
        )
    if "pool_purge_delay" in proxy:
        _need(ver, "pool-purge-delay", "proxy.pool_purge_delay")
    purge = _ms(proxy.get("pool_purge_delay", "5s")) if ver.has("pool-purge-delay") else None
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
        backend.append(f"server s{i} 127.0.0.1:{port} weight {int(weight)}" + (" check" if checked else ""))

    def section(title: str, lines: list[str]) -> str:
        return title + "\n" + "".join(f"    {line}\n" for line in lines)

    global_lines = ["nbthread 1"] if ver.has("nbthread") else []
    global_lines += ["maxconn 8192", f"stats socket {os.path.abspath(stats_socket)} mode 600 level admin"]
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
    def version(self) -> HAProxyVersion:
        """The binary's version (``-vv``); config rendering and the simulator's preset follow it."""
        found = detect_version(self.binary)
        if found is None:
            raise RuntimeError(f"{self.binary} -vv printed no 'HAProxy version' line")
        return found

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
