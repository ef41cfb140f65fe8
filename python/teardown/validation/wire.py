"""What happened on the wire during a real run: a capture on ``lo`` and its reading.

:class:`Capture` runs ``dumpcap`` (Debian's ``tshark`` package; scripts/setup installs it) on
the loopback interface, filtered to the run's frontend and backend ports, and
:func:`analyse` reads the capture back with ``tshark``. Within the measurement window it
counts, the way the simulator's ``rst.*`` and ``connections.server_side.closed_*`` metrics do:

- ``wire.rst.client_to_proxy``, ``wire.rst.proxy_to_client``, ``wire.rst.proxy_to_backend``,
  ``wire.rst.backend_to_proxy``: RST segments per direction. The proxy's health-check
  connections (TCP connects that never carry a request; HAProxy closes them with RST) are not
  simulated, so their segments are left out and counted apart
  (``wire.rst.proxy_to_backend_checks``).
- Per server connection that carried a request and that the proxy closed in the window:
  ``wire.server_conn.closed_hard`` when the proxy's first closing segment was an RST (its
  close with SO_LINGER 0), ``wire.server_conn.closed_fin`` when it was a FIN, and
  ``wire.server_conn.backend_first`` when the backend's FIN or RST came before the proxy's.
- For responses after which the backend closed: the gap between the response's last data
  segment and the backend's FIN, ``wire.backend.fin_gap_us_p50`` / ``_mean`` / ``_p90``
  (0 when the FIN rode on the data), and ``wire.backend.fin_with_data`` (their count).

Missing tools make the capture a no-op: :func:`available` says why, and no ``wire.*`` metric
is produced.
"""

from __future__ import annotations

import bisect
import math
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Capture", "Segment", "analyse", "available", "read_segments", "summarise_segments"]

_FIN, _SYN, _RST = 0x01, 0x02, 0x04


def available() -> str | None:
    """None when a capture can run here, else the reason it cannot."""
    if not shutil.which("dumpcap") or not shutil.which("tshark"):
        return "tshark/dumpcap are not installed (Debian: apt-get install tshark)"
    if os.geteuid() != 0:
        return "capturing on lo needs root (or dumpcap's capabilities)"
    return None


class Capture:
    """``dumpcap`` on ``lo`` for the given ports, into a temporary file; always stop it."""

    def __init__(self, ports: Iterable[int], snaplen: int = 96) -> None:
        self.ports = sorted(set(ports))
        self.snaplen = snaplen
        self.dir = tempfile.mkdtemp(prefix="teardown-wire-")
        self.path = os.path.join(self.dir, "lo.pcapng")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Start capturing; returns once dumpcap says it is capturing."""
        bpf = " or ".join(f"tcp port {p}" for p in self.ports)
        self.proc = subprocess.Popen(
            ["dumpcap", "-q", "-i", "lo", "-s", str(self.snaplen), "-f", bpf, "-w", self.path],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        assert self.proc.stderr is not None
        os.set_blocking(self.proc.stderr.fileno(), False)
        seen = b""
        while time.monotonic() < deadline:
            chunk = self.proc.stderr.read() or b""
            seen += chunk
            if b"Capturing on" in seen or (os.path.exists(self.path) and os.path.getsize(self.path) > 0):
                time.sleep(0.05)  # the filter is compiled and attached by now
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"dumpcap exited: {seen.decode(errors='replace').strip()}")
            time.sleep(0.02)
        self.stop()
        raise TimeoutError("dumpcap did not start capturing")

    def stop(self) -> None:
        """Stop dumpcap (SIGTERM, then SIGKILL) and wait for it; safe to call twice."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def close(self) -> None:
        """Stop and remove the capture file."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Capture:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Segment:
    """One captured TCP segment."""

    time: float  # seconds since the epoch
    src: int  # source port
    dst: int  # destination port
    flags: int  # TCP flags (FIN 0x01, SYN 0x02, RST 0x04, ...)
    length: int  # payload bytes
    stream: int  # tshark's conversation index


def read_segments(path: str, timeout: float = 60.0) -> list[Segment]:
    """Every TCP segment of a capture file, in capture order (tshark's field output)."""
    out = subprocess.run(
        [
            "tshark",
            "-r",
            path,
            "-T",
            "fields",
            "-E",
            "separator=,",
            "-e",
            "frame.time_epoch",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.dstport",
            "-e",
            "tcp.flags",
            "-e",
            "tcp.len",
            "-e",
            "tcp.stream",
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    ).stdout
    segments = []
    for line in out.splitlines():
        parts = line.split(",")
        if len(parts) != 6 or not parts[1]:
            continue
        t, src, dst, flags, length, stream = parts
        segments.append(Segment(float(t), int(src), int(dst), int(flags, 16), int(length or 0), int(stream)))
    return segments


@dataclass
class _Conn:
    """One server-side connection, as the wire saw it."""

    segments: list[Segment] = field(default_factory=list)


def summarise_segments(
    segments: Sequence[Segment], frontend: int, backends: Iterable[int], start: float, end: float
) -> dict[str, float]:
    """The ``wire.*`` metrics of the segments between ``start`` and ``end`` (epoch seconds)."""
    backend_ports = set(backends)
    by_stream: dict[int, _Conn] = defaultdict(_Conn)
    for s in segments:
        if s.src in backend_ports or s.dst in backend_ports:
            by_stream[s.stream].segments.append(s)
    # A server connection carried a request if the proxy sent it payload; health checks never do.
    checks = {
        k
        for k, c in by_stream.items()
        if not any(s.length > 0 and s.dst in backend_ports for s in c.segments)
    }

    m: dict[str, float] = {
        "wire.rst.client_to_proxy": 0,
        "wire.rst.proxy_to_client": 0,
        "wire.rst.proxy_to_backend": 0,
        "wire.rst.backend_to_proxy": 0,
        "wire.rst.proxy_to_backend_checks": 0,
    }
    for s in segments:
        if not (start <= s.time <= end) or not s.flags & _RST:
            continue
        if s.dst == frontend:
            m["wire.rst.client_to_proxy"] += 1
        elif s.src == frontend:
            m["wire.rst.proxy_to_client"] += 1
        elif s.dst in backend_ports:
            key = "wire.rst.proxy_to_backend_checks" if s.stream in checks else "wire.rst.proxy_to_backend"
            m[key] += 1
        elif s.src in backend_ports:
            m["wire.rst.backend_to_proxy"] += 1

    hard = fin = backend_first = 0
    gaps: list[float] = []
    with_data = 0
    for stream, conn in by_stream.items():
        if stream in checks:
            continue
        proxy_close = next(
            (s for s in conn.segments if s.dst in backend_ports and s.flags & (_FIN | _RST)), None
        )
        backend_close = next(
            (s for s in conn.segments if s.src in backend_ports and s.flags & (_FIN | _RST)), None
        )
        if proxy_close is not None and start <= proxy_close.time <= end:
            if proxy_close.flags & _RST:
                hard += 1
            else:
                fin += 1
            if backend_close is not None and backend_close.time < proxy_close.time:
                backend_first += 1
        # The backend's FIN after its last response: how long after the data it left.
        if backend_close is not None and backend_close.flags & _FIN and start <= backend_close.time <= end:
            if backend_close.length > 0:
                with_data += 1
                gaps.append(0.0)
            else:
                data = [
                    s
                    for s in conn.segments
                    if s.src in backend_ports and s.length > 0 and s.time <= backend_close.time
                ]
                if data:
                    gaps.append((backend_close.time - data[-1].time) * 1e6)
    m["wire.server_conn.closed_hard"] = hard
    m["wire.server_conn.closed_fin"] = fin
    m["wire.server_conn.backend_first"] = backend_first
    m["wire.backend.fin_with_data"] = with_data
    if gaps:
        gaps.sort()
        m["wire.backend.fin_gap_us_p50"] = statistics.median(gaps)
        m["wire.backend.fin_gap_us_mean"] = statistics.fmean(gaps)
        m["wire.backend.fin_gap_us_p90"] = gaps[min(len(gaps) - 1, math.floor(0.9 * len(gaps)))]
    # The proxy's reaction time: from a message's arrival to the proxy sending it on (the
    # simulator's proxy.processing_time), matched to the next payload the other way.
    window = [s for s in segments if start <= s.time <= end and s.length > 0]
    for name, came, went in (
        ("response", lambda s: s.src in backend_ports, lambda s: s.src == frontend),
        ("request", lambda s: s.dst == frontend, lambda s: s.dst in backend_ports),
    ):
        arrivals = [s.time for s in window if came(s)]
        departures = [s.time for s in window if went(s)]
        lags = []
        for t in arrivals:
            i = bisect.bisect_left(departures, t)
            if i < len(departures) and departures[i] - t < 0.01:
                lags.append((departures[i] - t) * 1e6)
        if lags:
            m[f"wire.proxy.{name}_lag_us_p50"] = statistics.median(lags)
            m[f"wire.proxy.{name}_lag_us_mean"] = statistics.fmean(lags)
    return m


def analyse(
    capture: Capture, frontend: int, backends: Iterable[int], start: float, end: float
) -> dict[str, float]:
    """Stop ``capture`` and return the ``wire.*`` metrics of its segments in [start, end]."""
    capture.stop()
    return summarise_segments(read_segments(capture.path), frontend, backends, start, end)
