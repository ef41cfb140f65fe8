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
  ``wire.server_conn.backend_first`` when the backend's FIN or RST came before the proxy's;
  ``wire.server_conn.hard_after_backend_fin`` of those closed hard although the backend's FIN
  was on the wire first (the proxy had not read it when it closed).
- For a backend that closes right after writing (close-after-response; meaningless for a
  keep-alive backend, whose FIN follows an idle timeout): the gap between the backend's last
  data segment and its FIN, when that FIN came before the proxy's close,
  ``wire.backend.fin_gap_us_p50`` / ``_mean`` / ``_p90`` (0 when the FIN rode on the data;
  ``wire.backend.fin_with_data`` counts those). These gaps are *censored*: when the proxy's RST
  arrives first the backend sends no FIN at all, so the long gaps are missing and the observed
  quantiles are too small. ``wire.backend.fin_gap_censored`` counts those connections (their
  lower bound is the proxy's close after the data) and ``wire.backend.fin_gap_km_us_p50`` /
  ``_p90`` are Kaplan-Meier quantiles over both (absent when the censoring leaves them unknown).
- ``wire.server_conn.close_lag_us_p50`` / ``_p90``: from the backend's last data segment to
  the proxy's closing segment, on the connections the proxy closed: when the proxy acts on the
  response (its "read instant", against which the backend's FIN races).
- On client connections the proxy closed first: ``wire.client.reaction_us_p50`` (and the
  Kaplan-Meier ``wire.client.reaction_km_us_p50``), from the proxy's FIN to the client's FIN or
  RST, the simulator's ``clients.reaction_time``; ``wire.client.reaction_censored`` counts those
  the proxy's RST (nolinger) overtook; ``wire.proxy.client_fin_to_rst_us_p50`` is the proxy's
  own gap from its FIN to that RST.

Robust by construction: missing tools, a capture that does not start or a file that does not
read make the capture a no-op with one line on stderr (:func:`start`, :func:`analyse`) and no
``wire.*`` metric; dumpcap is always stopped (SIGTERM, then SIGKILL, each wait bounded) and its
temporary directory removed (:meth:`Capture.close`). Packets the kernel or dumpcap dropped are
reported as ``wire.dropped`` (then the counts are lower bounds).
"""

from __future__ import annotations

import bisect
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["Capture", "Segment", "analyse", "available", "read_segments", "start", "summarise_segments"]

_FIN, _SYN, _RST = 0x01, 0x02, 0x04


def available() -> str | None:
    """None when a capture can run here, else the reason it cannot."""
    if not shutil.which("dumpcap") or not shutil.which("tshark"):
        return "tshark/dumpcap are not installed (Debian: apt-get install tshark)"
    if os.geteuid() != 0:
        return "capturing on lo needs root (or dumpcap's capabilities)"
    return None


_warned: set[str] = set()


def _warn(reason: str) -> None:
    """One line on stderr per distinct reason: a run without a capture still measures the rest."""
    if reason not in _warned:
        _warned.add(reason)
        print(f"teardown.validation.wire: no wire-level counts: {reason}", file=sys.stderr)


def start(ports: Iterable[int], enabled: bool = True) -> Capture | None:
    """A running capture of ``ports`` on lo, or None (with a one-line warning) when none can run.

    The caller must :meth:`Capture.close` what it gets, in a ``finally``."""
    if not enabled:
        return None
    why = available()
    if why is not None:
        _warn(why)
        return None
    capture = Capture(ports)
    try:
        capture.start()
    except (OSError, RuntimeError, TimeoutError) as e:
        capture.close()
        _warn(f"dumpcap did not start ({e})")
        return None
    return capture


class Capture:
    """``dumpcap`` on ``lo`` for the given ports, into a temporary file; always stop it."""

    def __init__(self, ports: Iterable[int], snaplen: int = 96) -> None:
        self.ports = sorted(set(ports))
        self.snaplen = snaplen
        self.dir = tempfile.mkdtemp(prefix="teardown-wire-")
        self.path = os.path.join(self.dir, "lo.pcapng")
        self.proc: subprocess.Popen[bytes] | None = None
        self.messages = b""  # dumpcap's stderr: "Capturing on", then its drop counts

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
        while time.monotonic() < deadline:
            self.messages += self.proc.stderr.read() or b""
            if b"Capturing on" in self.messages or (
                os.path.exists(self.path) and os.path.getsize(self.path) > 0
            ):
                time.sleep(0.05)  # the filter is compiled and attached by now
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"dumpcap exited: {self.messages.decode(errors='replace').strip()}")
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
        if self.proc.stderr is not None:
            try:
                self.messages += self.proc.stderr.read() or b""
            except OSError:
                pass
            self.proc.stderr.close()

    def dropped(self) -> int:
        """Packets lost by the kernel or dumpcap, from dumpcap's last words (0 if it did not say)."""
        text = self.messages.decode(errors="replace")
        match = re.search(r"received/dropped on interface '.*?': *\d+/(\d+)", text)
        return int(match.group(1)) if match else 0

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

    hard = fin = backend_first = hard_after_fin = 0
    gaps: list[float] = []  # backend FIN after its last data, before the proxy's close (us)
    censored: list[float] = []  # no backend FIN before the proxy's close: gap > this (us)
    lags: list[float] = []  # the proxy's close after the backend's last data (us)
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
        first = backend_close is not None and (proxy_close is None or backend_close.time < proxy_close.time)
        if proxy_close is not None and start <= proxy_close.time <= end:
            if proxy_close.flags & _RST:
                hard += 1
                hard_after_fin += bool(first and backend_close is not None and backend_close.flags & _FIN)
            else:
                fin += 1
            backend_first += first
            data = _last_data(conn.segments, backend_ports, proxy_close.time)
            if data is not None:
                lags.append((proxy_close.time - data) * 1e6)
                if not first:
                    censored.append((proxy_close.time - data) * 1e6)
        # The backend's own FIN after its last response (not its answer to the proxy's close).
        if first and backend_close is not None and backend_close.flags & _FIN:
            if not start <= backend_close.time <= end:
                continue
            if backend_close.length > 0:
                with_data += 1
                gaps.append(0.0)
            else:
                data = _last_data(conn.segments, backend_ports, backend_close.time)
                if data is not None:
                    gaps.append((backend_close.time - data) * 1e6)
    m["wire.server_conn.closed_hard"] = hard
    m["wire.server_conn.closed_fin"] = fin
    m["wire.server_conn.backend_first"] = backend_first
    m["wire.server_conn.hard_after_backend_fin"] = hard_after_fin
    m["wire.backend.fin_with_data"] = with_data
    m["wire.backend.fin_gap_censored"] = len(censored)
    if gaps:
        m["wire.backend.fin_gap_us_p50"] = _quantile(gaps, 0.5)
        m["wire.backend.fin_gap_us_mean"] = statistics.fmean(gaps)
        m["wire.backend.fin_gap_us_p90"] = _quantile(gaps, 0.9)
        for q, value in kaplan_meier_quantiles(gaps, censored, (0.5, 0.9)).items():
            m[f"wire.backend.fin_gap_km_us_p{round(q * 100)}"] = value
    if lags:
        m["wire.server_conn.close_lag_us_p50"] = _quantile(lags, 0.5)
        m["wire.server_conn.close_lag_us_p90"] = _quantile(lags, 0.9)
    m.update(_client_side(segments, frontend, start, end))
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


def _client_side(segments: Sequence[Segment], frontend: int, start: float, end: float) -> dict[str, float]:
    """How client connections the proxy closed first ended: the client's reaction to the proxy's
    FIN (the simulator's clients.reaction_time; censored where the proxy's RST came first, after
    which the client's close sends nothing), and the proxy's own FIN-to-RST gap under nolinger."""
    streams: dict[int, list[Segment]] = defaultdict(list)
    for s in segments:
        if s.src == frontend or s.dst == frontend:
            streams[s.stream].append(s)
    reactions: list[float] = []
    censored: list[float] = []
    fin_to_rst: list[float] = []
    for conn in streams.values():
        proxy_fin = next((s for s in conn if s.src == frontend and s.flags & _FIN), None)
        if proxy_fin is None or not start <= proxy_fin.time <= end:
            continue
        if any(s.dst == frontend and s.flags & (_FIN | _RST) and s.time < proxy_fin.time for s in conn):
            continue  # the client closed first
        client = next(
            (s for s in conn if s.dst == frontend and s.flags & (_FIN | _RST) and s.time >= proxy_fin.time),
            None,
        )
        proxy_rst = next(
            (s for s in conn if s.src == frontend and s.flags & _RST and s.time >= proxy_fin.time), None
        )
        if proxy_rst is not None:
            fin_to_rst.append((proxy_rst.time - proxy_fin.time) * 1e6)
        if client is not None and (proxy_rst is None or client.time < proxy_rst.time):
            reactions.append((client.time - proxy_fin.time) * 1e6)
        elif proxy_rst is not None:
            censored.append((proxy_rst.time - proxy_fin.time) * 1e6)
    m: dict[str, float] = {"wire.client.reaction_censored": len(censored)}
    if reactions:
        m["wire.client.reaction_us_p50"] = _quantile(reactions, 0.5)
        for q, value in kaplan_meier_quantiles(reactions, censored, (0.5,)).items():
            m[f"wire.client.reaction_km_us_p{round(q * 100)}"] = value
    if fin_to_rst:
        m["wire.proxy.client_fin_to_rst_us_p50"] = _quantile(fin_to_rst, 0.5)
    return m


def _last_data(segments: Sequence[Segment], backend_ports: set[int], before: float) -> float | None:
    """The time of the backend's last payload segment at or before ``before``, if any."""
    times = [s.time for s in segments if s.src in backend_ports and s.length > 0 and s.time <= before]
    return times[-1] if times else None


def _quantile(xs: Sequence[float], q: float) -> float:
    """The q-quantile of ``xs`` (the median interpolated, others the lower order statistic)."""
    ordered = sorted(xs)
    if q == 0.5:
        return statistics.median(ordered)
    return ordered[min(len(ordered) - 1, math.floor(q * len(ordered)))]


def kaplan_meier_quantiles(
    observed: Sequence[float], censored: Sequence[float], quantiles: Sequence[float]
) -> dict[float, float]:
    """Quantiles of a duration from exact values and lower bounds (right-censored), Kaplan-Meier.

    Needed for the backend's data-to-FIN gap: a FIN that the proxy's RST overtook is never sent,
    so the long gaps are only known to exceed the proxy's close. A quantile that the estimate
    never reaches (too much censoring beyond the last exact value) is left out."""
    events = sorted([(x, 1) for x in observed] + [(x, 0) for x in censored])
    at_risk, survival, out, i = len(events), 1.0, {}, 0
    while i < len(events):
        t, died, left = events[i][0], 0, 0
        while i < len(events) and events[i][0] == t:
            died += events[i][1]
            left += 1
            i += 1
        if died:
            survival *= 1.0 - died / at_risk
            for q in quantiles:
                if q not in out and 1.0 - survival >= q - 1e-12:
                    out[q] = t
        at_risk -= left
    return out


def analyse(
    capture: Capture, frontend: int, backends: Iterable[int], start: float, end: float
) -> dict[str, float]:
    """Stop ``capture`` and return the ``wire.*`` metrics of its segments in [start, end]; no
    metric (and one line on stderr) when the capture cannot be read."""
    capture.stop()
    try:
        segments = read_segments(capture.path)
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        _warn(f"tshark could not read the capture ({e})")
        return {}
    m = summarise_segments(segments, frontend, backends, start, end)
    dropped = capture.dropped()
    m["wire.dropped"] = dropped
    if dropped:
        _warn(f"the capture dropped {dropped} packets: the wire counts are lower bounds")
    return m
