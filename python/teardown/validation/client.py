"""A real keep-alive HTTP/1.1 client pool, modelled on Apache HttpClient, and load loops.

:class:`ConnectionPool` keeps idle connections LIFO (or FIFO) up to ``max_size``
(leased + idle); a lease blocks while the pool is full. Optional behaviour:
an idle evictor (``idle_evict``: close connections idle longer than this, checked
every ``evict_interval``) and a stale check (``validate_after_inactivity``: before
reusing a connection idle longer than this, a non-blocking ``MSG_PEEK`` that
detects a FIN (EOF) or an RST). No retries unless ``retries`` > 0 (only for
failures before any response byte, on a fresh lease, as HttpClient does for
idempotent requests).

Each failed attempt is classified by what the syscall reported:

- ``eof_before_response``: recv() returned 0 before any response byte
  (HttpClient ``NoHttpResponseException``);
- ``reset_on_read``: ECONNRESET from recv();
- ``reset_on_write``: ECONNRESET or EPIPE from send();
- ``http_5xx``: a complete response with status >= 500;
- also ``eof_mid_response``, ``timeout``, ``connect_failed``, ``pool_timeout``, ``other_error``.

The errno behind a failure is counted too, as ``errno.<kind>.<ERRNO>`` (e.g.
``errno.reset_on_write.EPIPE``).

Load loops: :func:`run_poisson` (open loop, Poisson arrivals over all clients)
and :func:`run_closed` (each client thread: request, think, repeat). Both stop at
``max_requests`` started or ``duration`` seconds, whichever first, then wait for
the requests in flight (each bounded by socket timeouts).
"""

from __future__ import annotations

import errno
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

__all__ = [
    "ClientConfig",
    "ClientStats",
    "ConnectionPool",
    "Evictor",
    "FAILURE_KINDS",
    "execute",
    "run_poisson",
    "run_onoff",
    "run_closed",
]

FAILURE_KINDS = (
    "eof_before_response",
    "reset_on_read",
    "reset_on_write",
    "http_5xx",
    "eof_mid_response",
    "timeout",
    "connect_failed",
    "pool_timeout",
    "other_error",
)
_RETRYABLE = ("eof_before_response", "reset_on_read", "reset_on_write")


@dataclass(frozen=True)
class ClientConfig:
    """One client's pool and request settings (times in seconds, ``None`` = off)."""

    port: int
    host: str = "127.0.0.1"
    max_size: int = 10
    reuse: str = "lifo"
    idle_evict: float | None = None
    evict_interval: float = 5.0
    validate_after_inactivity: float | None = None
    max_lifetime: float | None = None
    retries: int = 0
    request_size: int = 512
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    lease_timeout: float = 5.0


@dataclass
class Failure:
    """One failed attempt: its kind, whether the connection was reused, its idle gap (s)."""

    kind: str
    reused: bool
    idle_gap: float | None
    at: float


@dataclass
class ClientStats:
    """Counters shared by all pools of a run (thread-safe through ``lock``)."""

    counters: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, n: int = 1) -> None:
        """Increment counter ``name``."""
        with self.lock:
            self.counters[name] += n

    def fail(self, failure: Failure) -> None:
        """Record one failed attempt."""
        with self.lock:
            self.counters[failure.kind] += 1
            self.failures.append(failure)


class PooledConnection:
    """A socket plus the bookkeeping the pool needs."""

    __slots__ = ("sock", "created", "released_at", "uses")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.created = time.monotonic()
        self.released_at = self.created
        self.uses = 0

    def close(self) -> None:
        """Close the socket (an ordinary close: FIN, or RST if unread data remain)."""
        try:
            self.sock.close()
        except OSError:
            pass


class ConnectionPool:
    """HttpClient-like pool for one route (the proxy frontend)."""

    def __init__(self, config: ClientConfig, stats: ClientStats) -> None:
        self.config = config
        self.stats = stats
        self._idle: list[PooledConnection] = []
        self._leased = 0
        self._cond = threading.Condition()
        self._closed = False

    def lease(self) -> tuple[PooledConnection | None, bool]:
        """Return (connection, reused) or (None, False) on pool timeout; may open a new connection.

        Raises ``OSError`` if a new connection cannot be opened.
        """
        deadline = time.monotonic() + self.config.lease_timeout
        with self._cond:
            while True:
                while self._idle:
                    conn = self._idle.pop() if self.config.reuse == "lifo" else self._idle.pop(0)
                    if self._usable(conn):
                        self._leased += 1
                        return conn, True
                if self._leased + len(self._idle) < self.config.max_size:
                    self._leased += 1
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return None, False
                self._cond.wait(remaining)
        try:
            sock = socket.create_connection((self.config.host, self.config.port), self.config.connect_timeout)
        except OSError:
            self._give_back_slot()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.config.read_timeout)
        self.stats.add("connections_opened")
        return PooledConnection(sock), False

    def _usable(self, conn: PooledConnection) -> bool:
        """Stale check on a connection idle longer than validate_after_inactivity (lock held)."""
        vai = self.config.validate_after_inactivity
        if vai is None or time.monotonic() - conn.released_at <= vai:
            return True
        self.stats.add("stale_checks")
        conn.sock.setblocking(False)  # with a timeout set, Python would poll before the peek
        try:
            stale = conn.sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            stale = False
        except OSError:
            stale = True
        finally:
            conn.sock.settimeout(self.config.read_timeout)
        if stale:
            self.stats.add("stale_closed")
            conn.close()
        return not stale

    def release(self, conn: PooledConnection, reusable: bool) -> None:
        """Return a leased connection: back to the idle list, or closed if not reusable."""
        lifetime = self.config.max_lifetime
        expired = lifetime is not None and time.monotonic() - conn.created > lifetime
        with self._cond:
            self._leased -= 1
            if reusable and not expired and not self._closed:
                conn.released_at = time.monotonic()
                self._idle.append(conn)
            else:
                conn.close()
            self._cond.notify()

    def _give_back_slot(self) -> None:
        with self._cond:
            self._leased -= 1
            self._cond.notify()

    def evict_idle(self, threshold: float) -> int:
        """Close idle connections idle longer than ``threshold`` seconds; return how many."""
        now = time.monotonic()
        with self._cond:
            keep = [c for c in self._idle if now - c.released_at <= threshold]
            evicted = [c for c in self._idle if now - c.released_at > threshold]
            self._idle = keep
            self._cond.notify_all()
        for c in evicted:
            c.close()
        if evicted:
            self.stats.add("evicted", len(evicted))
        return len(evicted)

    def close_all(self) -> None:
        """Close every idle connection and refuse further reuse."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for c in idle:
            c.close()


class Evictor:
    """The idle-connection monitor: a thread calling ``evict_idle`` on each pool periodically."""

    def __init__(self, pools: list[ConnectionPool], threshold: float, interval: float) -> None:
        self.pools, self.threshold, self.interval = pools, threshold, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="client-evictor", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for pool in self.pools:
                pool.evict_idle(self.threshold)

    def start(self) -> None:
        """Start the monitor thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and join the monitor thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2.0)


def _request_bytes(size: int) -> bytes:
    head = b"GET / HTTP/1.1\r\nHost: teardown\r\nUser-Agent: teardown-validation\r\n"
    pad = max(0, size - len(head) - len(b"X-Pad: \r\n\r\n"))
    return head + b"X-Pad: " + b"p" * pad + b"\r\n\r\n"


def _exchange(conn: PooledConnection, request: bytes) -> tuple[str | None, bool, str | None]:
    """Send one request, read one response: (failure kind or None, keep connection, errno name)."""
    try:
        conn.sock.sendall(request)
    except (ConnectionResetError, BrokenPipeError) as e:
        return "reset_on_write", False, _errno_name(e)
    except TimeoutError:
        return "timeout", False, None
    except OSError as e:
        return "other_error", False, _errno_name(e)
    buf = bytearray()
    need: int | None = None
    head_end = -1
    while need is None or len(buf) < need:
        try:
            chunk = conn.sock.recv(65536)
        except ConnectionResetError as e:
            return "reset_on_read", False, _errno_name(e)
        except TimeoutError:
            return "timeout", False, None
        except OSError as e:
            return "other_error", False, _errno_name(e)
        if not chunk:
            return ("eof_before_response" if not buf else "eof_mid_response"), False, None
        buf += chunk
        if need is None:
            head_end = buf.find(b"\r\n\r\n")
            if head_end >= 0:
                need = head_end + 4 + _content_length(bytes(buf[:head_end]))
    head = bytes(buf[:head_end])
    status = int(head.split(b" ", 2)[1])
    keep = b"connection: close" not in head.lower()
    return ("http_5xx" if status >= 500 else None), keep, None


def _errno_name(error: OSError) -> str | None:
    return errno.errorcode.get(error.errno or 0)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def execute(pool: ConnectionPool) -> str | None:
    """Run one request through ``pool`` (with its retries); return the final failure kind or None."""
    stats, request = pool.stats, _request_bytes(pool.config.request_size)
    for attempt in range(pool.config.retries + 1):
        if attempt:
            stats.add("retries")
        try:
            conn, reused = pool.lease()
        except OSError:
            stats.fail(Failure("connect_failed", False, None, time.monotonic()))
            return "connect_failed"
        if conn is None:
            stats.fail(Failure("pool_timeout", False, None, time.monotonic()))
            return "pool_timeout"
        gap = time.monotonic() - conn.released_at if reused else None
        kind, keep, errno_name = _exchange(conn, request)
        conn.uses += 1
        if errno_name:
            stats.add(f"errno.{kind}.{errno_name}")
        if kind == "http_5xx" or kind is None:
            pool.release(conn, keep)
        else:
            pool.release(conn, False)
        if kind is None:
            return None
        stats.fail(Failure(kind, reused, gap, time.monotonic()))
        if not (reused and kind in _RETRYABLE):
            return kind
    return kind


@dataclass
class LoadResult:
    """What a load loop did: requests started, completed, failed (final outcome)."""

    started: int = 0
    completed: int = 0
    failed: int = 0
    wall: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, outcome: str | None) -> None:
        """Count one finished request."""
        with self.lock:
            if outcome is None:
                self.completed += 1
            else:
                self.failed += 1


def _until_the_end(start: float, duration: float, result: LoadResult, max_requests: int) -> None:
    """Waits out the rest of the load's ``duration`` when the last request came before it (a
    silence of on/off bursts, a long think time): the simulator's run lasts the whole duration,
    and an idle timeout that fires in that silence closes connections in both (unless the run
    stopped at ``max_requests``, which the simulator does not have)."""
    if result.started < max_requests:
        time.sleep(max(0.0, start + duration - time.monotonic()))


def _open_loop(
    pools: list[ConnectionPool],
    arrivals: Iterator[float],
    max_requests: int,
    duration: float,
    rng: random.Random,
) -> LoadResult:
    """Sends a request to a random pool at each arrival time (seconds from the start) before
    ``duration``, at most ``max_requests``, waits for them all, and for the end of ``duration``."""
    result = LoadResult()
    workers = sum(p.config.max_size for p in pools) + 4
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="client") as ex:
        for at in arrivals:
            if result.started >= max_requests or at >= duration:
                break
            time.sleep(max(0.0, start + at - time.monotonic()))
            pool = pools[rng.randrange(len(pools))]
            result.started += 1
            ex.submit(lambda p=pool: result.record(execute(p)))
        _until_the_end(start, duration, result, max_requests)
    result.wall = time.monotonic() - start
    return result


def run_poisson(
    pools: list[ConnectionPool], rate: float, max_requests: int, duration: float, seed: int = 0
) -> LoadResult:
    """Open loop: Poisson arrivals at ``rate``/s over all pools (each request to a random pool)."""
    rng = random.Random(seed)

    def arrivals() -> Iterator[float]:
        at = 0.0
        while True:
            at += rng.expovariate(rate)
            yield at

    return _open_loop(pools, arrivals(), max_requests, duration, rng)


def run_onoff(
    pools: list[ConnectionPool],
    rate: float,
    on: float,
    off: float,
    max_requests: int,
    duration: float,
    seed: int = 0,
) -> LoadResult:
    """Bursts: Poisson arrivals at ``rate``/s over all pools while "on", none while "off"; the
    periods are exponential with means ``on`` and ``off``, starting "on" with all clients
    together, as the simulator's ``onoff`` arrivals do (clients.arrival.on / off)."""
    rng = random.Random(seed)

    def arrivals() -> Iterator[float]:
        at, burst_end = 0.0, rng.expovariate(1.0 / on)
        while True:
            at += rng.expovariate(rate)
            while at >= burst_end:  # the gap crossed the end of the burst: skip the silence
                quiet = rng.expovariate(1.0 / off)
                at = burst_end + quiet + rng.expovariate(rate)
                burst_end = burst_end + quiet + rng.expovariate(1.0 / on)
            yield at

    return _open_loop(pools, arrivals(), max_requests, duration, rng)


def run_closed(
    pools: list[ConnectionPool],
    think: Callable[[random.Random], float],
    concurrency: int,
    max_requests: int,
    duration: float,
    seed: int = 0,
) -> LoadResult:
    """Closed loop: ``concurrency`` threads per pool, each doing request then think time."""
    result = LoadResult()
    start = time.monotonic()
    stop_at = start + duration

    def take_slot() -> bool:
        with result.lock:
            if result.started >= max_requests or time.monotonic() >= stop_at:
                return False
            result.started += 1
            return True

    def loop(pool: ConnectionPool, rng: random.Random) -> None:
        # The first request after one think time, as the simulator starts a closed loop (this
        # desynchronises the clients). Never past the end of the load: a thread still asleep
        # would stretch the run while the pools' evictors and the proxy's timeouts go on
        # closing connections, closes the simulator's run of `duration` never sees.
        first = think(rng)
        if time.monotonic() + first >= stop_at:
            return
        time.sleep(first)
        while take_slot():
            result.record(execute(pool))
            pause = think(rng)
            if time.monotonic() + pause >= stop_at:
                return
            time.sleep(pause)

    threads = [
        threading.Thread(
            target=loop,
            args=(pool, random.Random(seed * 7919 + i * 31 + j)),
            name=f"client{i}-{j}",
            daemon=True,
        )
        for i, pool in enumerate(pools)
        for j in range(concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 30.0)
    _until_the_end(start, duration, result, max_requests)
    result.wall = time.monotonic() - start
    return result
