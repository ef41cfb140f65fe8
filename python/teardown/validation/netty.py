"""A real Netty 4 backend for the validation harness, in place of the Python stand-in.

The field reports are about Netty applications behind HAProxy. The harness's Python backends
(:mod:`.backends`) mimic a Netty server; this module runs the real thing: a small Netty 4 HTTP/1.1
server (``netty/TeardownBackend.java``, compiled here with ``javac`` against Debian's
``libnetty-java`` jars; nothing is downloaded), one boss loop and ``NioEventLoopGroup(N)`` worker
loops per server, Content-Length responses, keep-alive or ``ChannelFutureListener.CLOSE`` after
each response (a close delay is a close scheduled on the channel's own event loop), requests with
``Connection: close`` honoured. Its application counts what a Netty application logs: the
``IOException`` "Connection reset" reaching ``exceptionCaught`` (split by whether the channel
carried a request), EPIPE, EOF, accepted connections, requests, connections that carried a
request, and the time of every request and of every reset.

:class:`NettyCluster` has the interface of :class:`.backends.BackendCluster` (``ports``,
``start``, ``stop``, ``snapshot``, ``request_times``, ``transitions``, ``schedule``), so
:func:`.measure.run_once` uses it when the scenario says ``validation.backend = "netty"``.
Restarts (``backends.events``) are not supported: :meth:`NettyCluster.schedule` says so.

One JVM serves every server of a cluster (each with its own event loop groups), is told what
to do by command-line flags, answers commands on stdin with JSON lines on stdout, and exits
when stdin closes, so it never outlives the harness. Before it reports ready it serves a few
hundred requests to itself (then zeroes its counters) so that the JIT has compiled the request
path before the measurement.

CLI: ``python -m teardown.validation.netty [SCENARIO...] [-r R] [--backends netty,python]``
measures named scenarios (``measure.SCENARIOS`` and :data:`SCENARIOS`) on each backend and
prints them beside the simulator's prediction.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from teardown.validation import parse_seconds

__all__ = [
    "JARS",
    "SCENARIOS",
    "NettyCluster",
    "NettyPolicy",
    "available",
    "build",
    "classpath",
    "main",
    "resets_per_second",
]

SOURCE = Path(__file__).with_name("netty") / "TeardownBackend.java"
MAIN_CLASS = "TeardownBackend"
JAR_DIR = Path("/usr/share/java")
# Debian's libnetty-java splits Netty into modules (its netty-all.jar is empty); these are the
# ones the server links against. jctools is Netty's queue library (Debian unshades it).
JARS = (
    "netty-common",
    "netty-buffer",
    "netty-transport",
    "netty-resolver",
    "netty-codec",
    "netty-codec-http",
    "netty-handler",
    "jctools-core",
)
JVM_FLAGS = ("-XX:+UseSerialGC", "-Xms64m", "-Xmx256m", "-XX:-UsePerfData", "-Djava.net.preferIPv4Stack=true")
INSTALL_HINT = "apt-get install -y --no-install-recommends openjdk-17-jdk-headless libnetty-java"

# Worker-count pair (issue 16, deliverable 5): server-close in front of a backend that closes
# right after writing, with a service time that keeps the loops busy (2 servers x 75 req/s x 4 ms:
# one loop is busy 30% of the time and requests of other connections queue behind each other).
_BUSY = {
    "proxy": {"mode": "http-server-close"},
    "backends": {
        "keep_alive": "close-after-response",
        "close_delay": "0s",
        "service_time": {"dist": "constant", "mean": "4ms"},
    },
    "clients": {"count": 8, "arrival": {"kind": "poisson", "rate": 150.0}},
}
# The same with a 200 us close delay (a close scheduled on the loop, roughly HAProxy's own lag
# before it closes): a loop busy with another channel's request runs the close late.
_BUSY_DELAY = {**_BUSY, "backends": {**_BUSY["backends"], "close_delay": "200us"}}
SCENARIOS: dict[str, dict[str, Any]] = {
    "scl-busy-1loop": {**_BUSY, "backends": {**_BUSY["backends"], "workers": 1}},
    "scl-busy-4loops": {**_BUSY, "backends": {**_BUSY["backends"], "workers": 4}},
    "scl-busy-delay-1loop": {**_BUSY_DELAY, "backends": {**_BUSY_DELAY["backends"], "workers": 1}},
    "scl-busy-delay-4loops": {**_BUSY_DELAY, "backends": {**_BUSY_DELAY["backends"], "workers": 4}},
}


def _cache_root() -> Path:
    """Where compiled classes live: outside the git tree (XDG cache, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "teardown" / "netty"


def jars_in(names: Sequence[str], hint: str) -> list[Path]:
    """The Debian jars ``/usr/share/java/<name>.jar``, in order; raises ``FileNotFoundError``
    naming a missing one and how to install it (``hint``)."""
    jars = []
    for name in names:
        path = JAR_DIR / f"{name}.jar"
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing ({hint})")
        jars.append(path)
    return jars


def classpath() -> list[Path]:
    """The Debian jars the server needs, in order; raises ``FileNotFoundError`` naming a missing one."""
    return jars_in(JARS, INSTALL_HINT)


def java_missing(source: Path, jars: Sequence[str], hint: str) -> str | None:
    """``None`` if java, javac, ``source`` and the jars are there; else why not (a skip message)."""
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed ({hint})"
    if not source.exists():
        return f"{source} is missing"
    try:
        jars_in(jars, hint)
    except FileNotFoundError as error:
        return str(error)
    return None


def available() -> str | None:
    """``None`` if java, javac and the Netty jars are installed; else why not (for a skip message)."""
    return java_missing(SOURCE, JARS, INSTALL_HINT)


def _javac_version() -> str:
    out = subprocess.run(["javac", "-version"], capture_output=True, text=True, timeout=30)
    return (out.stdout + out.stderr).strip()


def compile_java(source: Path, jars: Sequence[Path], main_class: str) -> Path:
    """Compile ``source`` once per (source, jars, javac) and return the directory of its classes.

    The directory name is a hash of all three, so an edit or an upgrade recompiles; the classes
    are written to a temporary directory and renamed into place, so concurrent builds are safe.
    """
    digest = hashlib.sha256(source.read_bytes())
    for jar in jars:
        digest.update(f"{jar.resolve()}:{jar.stat().st_size}".encode())
    digest.update(_javac_version().encode())
    out = _cache_root() / digest.hexdigest()[:16]
    if (out / f"{main_class}.class").exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="build-", dir=out.parent))
    try:
        cp = os.pathsep.join(str(j) for j in jars)
        done = subprocess.run(
            ["javac", "-Xlint:all,-path", "-d", str(tmp), "-cp", cp, str(source)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"javac failed on {source}:\n{done.stdout}{done.stderr}")
        try:
            tmp.rename(out)
        except OSError:  # another build got there first
            if not (out / f"{main_class}.class").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def build() -> Path:
    """Compile the server (:func:`compile_java`) and return the directory of its classes."""
    reason = available()
    if reason is not None:
        raise RuntimeError(f"the Netty backend cannot be built: {reason}")
    return compile_java(SOURCE, classpath(), MAIN_CLASS)


@dataclass(frozen=True)
class NettyPolicy:
    """How the Netty servers serve and close (times in seconds), as :class:`.backends.BackendPolicy`.

    keep_alive: ``"forever"``, ``"close-after-response"`` or an idle timeout in seconds.
    service_dist: ``"constant"`` or ``"exponential"`` (the server draws it on the event loop).
    """

    keep_alive: str | float = "forever"
    close_delay: float = 0.0
    service_dist: str = "constant"
    service_mean: float = 0.0
    response_size: int = 2048

    def args(self) -> list[str]:
        """The server's command-line flags for this policy."""
        if self.service_dist not in ("constant", "exponential"):
            raise ValueError(
                f"backends.service_time.dist {self.service_dist!r}: the Netty backend draws constant "
                "or exponential service times only"
            )
        ka = self.keep_alive
        if ka not in ("forever", "close-after-response"):
            ka = repr(float(ka))
        return [
            "--keep-alive",
            str(ka),
            "--close-delay-us",
            repr(self.close_delay * 1e6),
            "--service",
            self.service_dist,
            "--service-mean-us",
            repr(self.service_mean * 1e6),
            "--response-size",
            str(int(self.response_size)),
        ]


class NettyCluster:
    """``count`` Netty servers with ``workers`` event loops each, in one JVM; the interface of
    :class:`.backends.BackendCluster`."""

    def __init__(
        self, count: int, policy: NettyPolicy, workers: int = 2, seed: int = 0, warmup: int = 200
    ) -> None:
        self.count = count
        self.policy = policy
        self.workers = max(1, int(workers))
        self.seed = seed
        self.warmup = warmup
        self.ports: list[int] = []
        self.versions: dict[str, str] = {}
        self._up: list[float] = []
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=40)
        self._lock = threading.Lock()

    @classmethod
    def from_scenario(cls, sc: Mapping[str, Any], seed: int = 0) -> NettyCluster:
        """The cluster a merged harness scenario (``measure.merge(DEFAULTS, ...)``) describes."""
        b, st = sc["backends"], sc["backends"]["service_time"]
        ka = b["keep_alive"]
        keep_alive: str | float = ka
        if ka not in ("forever", "close-after-response"):
            keep_alive = float(parse_seconds(ka) or 0)
        mean = parse_seconds(st.get("mean", 0)) or 0.0
        policy = NettyPolicy(
            keep_alive=keep_alive,
            close_delay=parse_seconds(b["close_delay"]) or 0.0,
            service_dist=str(st.get("dist", "constant")) if mean > 0 else "constant",
            service_mean=mean,
            response_size=int(b.get("response_size") or sc["clients"]["response_size"]),
        )
        policy.args()  # reject what the server cannot do before anything starts
        return cls(int(b["servers"]), policy, int(b["workers"]), seed=seed)

    label = "the Netty backend"  # in error messages
    backend = "netty"  # its validation.backend name

    def _command(self) -> list[str]:
        """Compile if needed; the command line of the server process."""
        classes = build()
        cp = os.pathsep.join([*(str(j) for j in classpath()), str(classes)])
        return [
            "java",
            *JVM_FLAGS,
            "-cp",
            cp,
            MAIN_CLASS,
            "--servers",
            str(self.count),
            "--loops",
            str(self.workers),
            "--seed",
            str(self.seed),
            "--warmup",
            str(self.warmup),
            *self.policy.args(),
        ]

    def start(self, timeout: float = 30.0) -> None:
        """Start the server process and wait until every server listens (and is warm)."""
        self._proc = subprocess.Popen(
            self._command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        threading.Thread(target=self._pump, args=(self._proc.stdout,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self._proc.stderr,), daemon=True).start()
        ready = self._next(timeout)
        if not ready.get("ready"):
            raise RuntimeError(f"{self.label} did not start: {ready}")
        self.ports = [int(p) for p in ready["ports"]]
        self._up = [float(t) for t in ready["up"]]
        self.versions = {k: str(v) for k, v in ready.items() if k not in ("ready", "ports", "up")}

    def _pump(self, stream: IO[str]) -> None:
        """Reader thread: stdout lines into the queue, ``None`` at EOF."""
        for line in stream:
            if line.strip():
                self._lines.put(line)
        self._lines.put(None)

    def _drain(self, stream: IO[str]) -> None:
        """Reader thread: keep the last stderr lines for error messages (and never block the JVM)."""
        for line in stream:
            self._stderr.append(line.rstrip())

    def _next(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.label} did not answer within {timeout} s{self._tail()}") from None
        if line is None:
            code = self._proc.poll() if self._proc else None
            raise RuntimeError(f"{self.label} exited (status {code}){self._tail()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _tail(self) -> str:
        time.sleep(0.1)  # let the stderr thread catch up
        return ("; stderr:\n" + "\n".join(self._stderr)) if self._stderr else ""

    def _ask(self, command: str, timeout: float = 10.0) -> dict[str, Any]:
        """Send one control command and return its JSON answer."""
        with self._lock:
            if self._proc is None or self._proc.stdin is None:
                raise RuntimeError(f"{self.label} is not running")
            self._proc.stdin.write(command + "\n")
            self._proc.stdin.flush()
            return self._next(timeout)

    def stop(self) -> None:
        """Stop the JVM (``stop`` command, then SIGKILL of its PID); safe to call more than once."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.poll() is None and proc.stdin is not None:
                try:
                    proc.stdin.write("stop\n")
                    proc.stdin.flush()
                    proc.stdin.close()
                except OSError:
                    pass
                proc.wait(5.0)
        except subprocess.TimeoutExpired:
            pass
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5.0)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()

    def snapshot(self) -> list[dict[str, int]]:
        """Counters of each server, in order (the keys of :class:`.backends.BackendStats`, plus
        ``exceptions`` and ``exceptions_other``)."""
        return [{k: int(v) for k, v in s.items()} for s in self._ask("snapshot")["servers"]]

    def _times(self) -> dict[str, list[list[float]]]:
        return self._ask("times", timeout=30.0)

    def request_times(self) -> list[list[float]]:
        """Monotonic times (``time.monotonic`` clock) of the requests each server served."""
        return self._times()["requests"]

    def reset_times(self) -> list[list[float]]:
        """Monotonic times of the "Connection reset" exceptions each server's application caught."""
        return self._times()["resets"]

    def messages(self) -> list[dict[str, int]]:
        """Per server: each exception text the application caught (class: message), with its count."""
        return [dict(m) for m in self._ask("messages")["servers"]]

    def transitions(self) -> list[list[tuple[float, str]]]:
        """Each server's listener transitions: only the start (restarts are not supported)."""
        return [[(t, "up")] for t in self._up]

    def schedule(self, events: Sequence[tuple[float, int, str, float]]) -> list[threading.Timer]:
        """Restarts are not supported by this backend: refuse any event, clearly."""
        if events:
            raise NotImplementedError(
                "backends.events (restart/down/up) are not supported with validation.backend = "
                f"{self.backend!r}; run these scenarios on the Python backend"
            )
        return []


def resets_per_second(times: Sequence[float], start: float, end: float) -> list[int]:
    """The "Connection reset by peer" log lines per whole second from ``start`` to ``end`` (a field
    report's view: exceptions per second)."""
    bins = [0] * max(1, math.ceil(end - start))
    for t in times:
        if start <= t < end:
            bins[min(len(bins) - 1, int(t - start))] += 1
    return bins


# --- measured vs predicted, on both backends (docs/validation.md, "A real Netty backend") ------


def _harness(name: str) -> dict[str, Any]:
    from teardown.validation import measure

    if name in SCENARIOS:
        return SCENARIOS[name]
    if name in measure.SCENARIOS:
        return measure.SCENARIOS[name]
    raise SystemExit(f"unknown scenario {name!r}; known: {', '.join([*measure.SCENARIOS, *SCENARIOS])}")


ROWS = (
    "backend.resets_per_request",
    "connections.server_side.per_request",
    "rst.proxy_to_backend_per_request",
    "connections.server_side.closed_hard_per_request",
)


_GAP = "wire.backend.fin_gap_km_us_p50"  # backend's last data -> its FIN (wire.py), median


def _row(summary: Mapping[str, Mapping[str, float]], key: str) -> str:
    s = summary.get(key)
    if s is None or math.isnan(s["mean"]):
        return f"{'-':>22}"
    ci = "" if math.isnan(s["lo"]) else f" [{s['lo']:.3f},{s['hi']:.3f}]"
    return f"{s['mean']:>7.3f}{ci:>15}"


def main(argv: list[str] | None = None) -> int:
    """Measure scenarios on the Netty and Python backends and print them with the prediction."""
    from teardown.validation import compare, measure

    parser = argparse.ArgumentParser(prog="python -m teardown.validation.netty", description=main.__doc__)
    parser.add_argument("scenarios", nargs="*", default=["scl-pretend-ka", "scl-close-nodelay"])
    parser.add_argument("-r", "--repeats", type=int, default=3)
    parser.add_argument("--backends", default="netty,python", help="comma-separated: netty, python")
    parser.add_argument("--duration", default=None, help="override validation.duration, e.g. 3s")
    parser.add_argument("--no-predict", action="store_true", help="skip the simulator")
    args = parser.parse_args(argv)
    reason = available()
    if reason is not None and "netty" in args.backends:
        print(f"netty backend unavailable: {reason}", file=sys.stderr)
        return 2
    print(f"{'scenario':18} {'side':8} " + " ".join(f"{k[:22]:>22}" for k in ROWS), flush=True)
    for name in args.scenarios:
        harness = _harness(name)
        if args.duration:
            harness = measure.merge(harness, {"validation": {"duration": args.duration}})
        for backend in args.backends.split(","):
            h = measure.merge(harness, {"validation": {"backend": backend}})
            raw = [measure.run_once(h, seed) for seed in range(args.repeats)]
            summary = compare._measured_per_request(raw)
            rps = [r["backend.resets"] / max(1e-9, r["run.wall_s"]) for r in raw]
            gaps = [r[_GAP] for r in raw if not math.isnan(r.get(_GAP, math.nan))]
            gap = f"   FIN gap p50 {sum(gaps) / len(gaps):.0f} us" if gaps else ""
            print(
                f"{name:18} {backend:8} "
                + " ".join(_row(summary, k) for k in ROWS)
                + f"   resets/s {sum(rps) / len(rps):.1f}{gap}   load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
        if not args.no_predict:
            predicted = compare.predict(harness, replications=compare.EVENT_SEEDS)
            print(f"{name:18} {'model':8} " + " ".join(_row(predicted, k) for k in ROWS), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
