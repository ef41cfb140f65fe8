"""Real HTTP/1.1 backends on 127.0.0.1, built like Netty servers.

Each :class:`BackendServer` has one acceptor thread (the "boss") and N worker
threads, each an event loop on its own selector; accepted connections are handed
to workers round robin, as Netty's ``EventExecutorChooser`` does. A worker parses
requests, spends the service time on its own thread (blocking the loop, like a
handler doing work on the event loop), writes a Content-Length response and then,
by policy, keeps the connection ("forever"), closes it after every response
("close-after-response", after ``close_delay``), or closes it when idle for a
given time. A request with ``Connection: close`` is answered and closed likewise.
While a close is pending the connection stays registered for reading, so an RST
from the proxy inside the write-to-close window is seen by the application as
ECONNRESET; after ``close()`` the kernel absorbs it (facts section 7).

Counters (:class:`BackendStats`) are what the application saw: connections
accepted, requests served, ECONNRESET (split by whether the connection carried a
request: health checks do not), EPIPE, and EOF from the peer; and the time of every
request served (:meth:`BackendStats.times`), for shares over a time window.

A restart (:meth:`BackendServer.restart`) is the process dying and coming back: every
connection it holds is closed by the kernel (FIN, or RST if data were unread), its
listening socket is closed, so connects are refused (RST) for ``downtime``, then it
listens again on the same port. The port stays reserved meanwhile by a bound socket that
does not listen (nothing else can take it; SYNs to it are refused). The times it went down
and came back are kept (:attr:`BackendServer.transitions`).
"""

from __future__ import annotations

import heapq
import itertools
import random
import select
import selectors
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

__all__ = ["BackendPolicy", "BackendStats", "BackendServer", "BackendCluster"]


@dataclass(frozen=True)
class BackendPolicy:
    """How a backend serves and closes connections (times in seconds).

    keep_alive: ``"forever"``, ``"close-after-response"`` or an idle timeout in seconds.
    close_delay: write-to-close delay when the backend closes after a response.
    service_time: a callable drawing one service time from a ``random.Random``.
    response_size: response body bytes.
    """

    keep_alive: str | float = "forever"
    close_delay: float = 0.0
    service_time: Callable[[random.Random], float] = lambda rng: 0.0
    response_size: int = 2048


@dataclass
class BackendStats:
    """What one server's application observed. Updated under ``lock``."""

    accepted: int = 0
    requests: int = 0
    resets: int = 0
    resets_no_request: int = 0
    epipe: int = 0
    peer_eof: int = 0
    closed_by_app: int = 0
    connections_with_request: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    request_times: list[float] = field(default_factory=list, repr=False, compare=False)

    def add(self, name: str, n: int = 1) -> None:
        """Increment counter ``name`` by ``n``."""
        with self.lock:
            setattr(self, name, getattr(self, name) + n)

    def request(self, at: float) -> None:
        """Count one request served at monotonic time ``at``."""
        with self.lock:
            self.requests += 1
            self.request_times.append(at)

    def times(self) -> list[float]:
        """Monotonic times of the requests served so far."""
        with self.lock:
            return list(self.request_times)

    def snapshot(self) -> dict[str, int]:
        """A consistent copy of all counters."""
        with self.lock:
            return {
                f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("lock", "request_times")
            }


class _Conn:
    """Per-connection state inside a worker."""

    __slots__ = ("sock", "buf", "requests", "closing", "last_active", "close_at")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.requests = 0
        self.closing = False
        self.last_active = time.monotonic()
        self.close_at: float | None = None


class _Worker(threading.Thread):
    """One event loop: a selector, a timer heap, and an inbox of new connections."""

    def __init__(self, server: BackendServer, index: int) -> None:
        super().__init__(name=f"backend{server.index}-w{index}", daemon=True)
        self.server = server
        self.sel = selectors.DefaultSelector()
        self.inbox: deque[socket.socket] = deque()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self.sel.register(self._wake_r, selectors.EVENT_READ, None)
        self.conns: set[_Conn] = set()
        self.timers: list[tuple[float, int, _Conn]] = []
        self._seq = itertools.count()
        self.rng = random.Random(server.seed * 1000 + index)
        self.stopping = False
        self.drop_all = False

    def hand(self, sock: socket.socket) -> None:
        """Give a newly accepted connection to this loop (thread-safe)."""
        self.inbox.append(sock)
        self.wake()

    def wake(self) -> None:
        """Interrupt the selector wait."""
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def run(self) -> None:
        """The event loop; returns when ``stopping`` is set, closing every connection."""
        try:
            while not self.stopping:
                timeout = 0.2
                if self.timers:
                    timeout = max(0.0, min(timeout, self.timers[0][0] - time.monotonic()))
                for key, _ in self.sel.select(timeout):
                    if key.data is None:
                        self._drain_wakeups()
                    else:
                        self._on_readable(key.data)
                self._run_timers()
                if self.drop_all:
                    self._drop_all()
        finally:
            for conn in list(self.conns):
                self._close(conn, by_app=False)
            self.sel.close()
            self._wake_r.close()
            self._wake_w.close()

    def _drop_all(self) -> None:
        """The process died: close every connection, including any handed over but not yet seen."""
        self.drop_all = False
        self._drain_wakeups()
        for conn in list(self.conns):
            self._close(conn, by_app=False)

    def _drain_wakeups(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        while self.inbox:
            sock = self.inbox.popleft()
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Conn(sock)
            self.conns.add(conn)
            self.sel.register(sock, selectors.EVENT_READ, conn)
            self._arm_idle(conn)

    def _arm_idle(self, conn: _Conn) -> None:
        idle = self.server.policy.keep_alive
        if isinstance(idle, (int, float)):
            heapq.heappush(self.timers, (conn.last_active + float(idle), next(self._seq), conn))

    def _run_timers(self) -> None:
        now = time.monotonic()
        while self.timers and self.timers[0][0] <= now:
            _, _, conn = heapq.heappop(self.timers)
            if conn not in self.conns:
                continue
            if conn.close_at is not None:
                if conn.close_at <= now:
                    self._close(conn, by_app=True)
                continue
            idle = self.server.policy.keep_alive
            if isinstance(idle, (int, float)):  # lazy idle timer: re-arm if activity moved it
                if conn.last_active + float(idle) <= now:
                    self._close(conn, by_app=True)
                else:
                    self._arm_idle(conn)

    def _on_readable(self, conn: _Conn) -> None:
        stats = self.server.stats
        try:
            data = conn.sock.recv(65536)
        except ConnectionResetError:
            stats.add("resets" if conn.requests else "resets_no_request")
            self._close(conn, by_app=False)
            return
        except BlockingIOError:
            return
        except OSError:
            self._close(conn, by_app=False)
            return
        if not data:
            stats.add("peer_eof")
            self._close(conn, by_app=False)
            return
        if conn.closing:
            return
        conn.last_active = time.monotonic()
        conn.buf += data
        while not conn.closing:
            request = _take_request(conn.buf)
            if request is None:
                break
            self._serve(conn, request)

    def _serve(self, conn: _Conn, head: bytes) -> None:
        server, policy = self.server, self.server.policy
        service = policy.service_time(self.rng)
        if service > 0:
            time.sleep(service)
        close = policy.keep_alive == "close-after-response" or _wants_close(head)
        body = b"x" * policy.response_size
        response = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
            + str(len(body)).encode()
            + (b"\r\nConnection: close" if close else b"")
            + b"\r\n\r\n"
            + body
        )
        if conn.requests == 0:
            server.stats.add("connections_with_request")
        conn.requests += 1
        server.stats.request(time.monotonic())
        if not self._send_all(conn, response):
            return
        conn.last_active = time.monotonic()
        if close:
            conn.closing = True
            if policy.close_delay <= 0:
                self._close(conn, by_app=True)
            else:
                conn.close_at = time.monotonic() + policy.close_delay
                heapq.heappush(self.timers, (conn.close_at, next(self._seq), conn))

    def _send_all(self, conn: _Conn, data: bytes) -> bool:
        view = memoryview(data)
        deadline = time.monotonic() + 2.0
        while view:
            try:
                sent = conn.sock.send(view)
                view = view[sent:]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._close(conn, by_app=False)
                    return False
                select.select([], [conn.sock], [], 0.05)
            except ConnectionResetError:
                self.server.stats.add("resets")
                self._close(conn, by_app=False)
                return False
            except BrokenPipeError:
                self.server.stats.add("epipe")
                self._close(conn, by_app=False)
                return False
            except OSError:
                self._close(conn, by_app=False)
                return False
        return True

    def _close(self, conn: _Conn, by_app: bool) -> None:
        if conn not in self.conns:
            return
        self.conns.discard(conn)
        try:
            self.sel.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()
        if by_app:
            self.server.stats.add("closed_by_app")


def _take_request(buf: bytearray) -> bytes | None:
    """Remove one complete request (head + Content-Length body) from ``buf``; return its head."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buf[:end])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    total = end + 4 + length
    if len(buf) < total:
        return None
    del buf[:total]
    return head


def _wants_close(head: bytes) -> bool:
    """True if the request head carries ``Connection: close``."""
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"connection" and b"close" in value.lower():
            return True
    return False


class BackendServer:
    """One backend: a listening socket on 127.0.0.1, an acceptor and ``workers`` event loops."""

    def __init__(
        self, index: int, policy: BackendPolicy, workers: int = 2, seed: int = 0, port: int = 0
    ) -> None:
        self.index = index
        self.policy = policy
        self.seed = seed
        self.port = port
        self.stats = BackendStats()
        self.workers = [_Worker(self, i) for i in range(max(1, workers))]
        self._next_worker = 0
        self._listener: socket.socket | None = None
        self._reserve: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._accepting = threading.Event()
        self._state_lock = threading.Lock()
        self._stopped = False
        self.transitions: list[tuple[float, str]] = []  # (monotonic time, "up" | "down")

    def start(self) -> None:
        """Start the workers and begin listening (port 0 picks a free port, kept across restarts)."""
        for w in self.workers:
            if not w.is_alive():
                w.start()
        self.start_listener()

    def start_listener(self) -> None:
        """Listen on 127.0.0.1:``port`` and start accepting (no-op if already listening).

        After a stop, listens on the socket that kept the port reserved.
        """
        with self._state_lock:
            if self._listener is not None or self._stopped:
                return
            lsock, self._reserve = self._reserve, None
            if lsock is None:
                lsock = self._bound_socket()
            lsock.listen(1024)
            lsock.settimeout(0.1)
            self.port = lsock.getsockname()[1]
            self._listener = lsock
            self._accepting.set()
            self._acceptor = threading.Thread(
                target=self._accept_loop, args=(lsock,), name=f"backend{self.index}-boss", daemon=True
            )
            self._acceptor.start()
            self.transitions.append((time.monotonic(), "up"))

    def _bound_socket(self) -> socket.socket:
        """A socket bound to 127.0.0.1:``port`` (SO_REUSEPORT, so it can be bound while listening)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind(("127.0.0.1", self.port))
        except OSError:
            sock.close()
            raise
        return sock

    def stop_listener(self, drop_connections: bool = True, keep_port: bool = True) -> None:
        """Stop listening (connects are refused from now on); optionally close every connection too.

        With ``keep_port`` the port stays reserved by a bound, non-listening socket until
        :meth:`start_listener` or :meth:`stop`.
        """
        with self._state_lock:
            if self._listener is not None:
                if keep_port and self._reserve is None:
                    self._reserve = self._bound_socket()
                self._accepting.clear()
                try:  # Linux: shutdown() on a listener wakes accept() and resets the backlog
                    self._listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._listener.close()
                self._listener = None
                self.transitions.append((time.monotonic(), "down"))
            acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.join(2.0)  # after this no connection is handed to a worker
        if drop_connections:
            for w in self.workers:
                w.drop_all = True
                w.wake()

    def restart(self, downtime: float) -> threading.Thread:
        """Simulate a restart: close listener and connections, listen again ``downtime`` s later.

        Returns the (daemon) thread doing it, so callers may ``join`` it.
        """

        def run() -> None:
            back_at = time.monotonic() + downtime
            self.stop_listener(drop_connections=True)
            time.sleep(max(0.0, back_at - time.monotonic()))
            if any(w.is_alive() and not w.stopping for w in self.workers):
                self.start_listener()  # a no-op once stop() has run

        t = threading.Thread(target=run, name=f"backend{self.index}-restart", daemon=True)
        t.start()
        return t

    def _accept_loop(self, lsock: socket.socket) -> None:
        while self._accepting.is_set():
            try:
                sock, _ = lsock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.stats.add("accepted")
            worker = self.workers[self._next_worker % len(self.workers)]
            self._next_worker += 1
            worker.hand(sock)

    def stop(self) -> None:
        """Stop listening, close every connection and join all threads (final: no restart after it)."""
        with self._state_lock:
            self._stopped = True
        self.stop_listener(drop_connections=False, keep_port=False)
        with self._state_lock:
            if self._reserve is not None:
                self._reserve.close()
                self._reserve = None
        for w in self.workers:
            w.stopping = True
            w.wake()
        for w in self.workers:
            if w.is_alive():
                w.join(3.0)


class BackendCluster:
    """Several :class:`BackendServer` started and stopped together."""

    def __init__(self, count: int, policy: BackendPolicy, workers: int = 2, seed: int = 0) -> None:
        self.servers = [BackendServer(i, policy, workers, seed=seed * 100 + i) for i in range(count)]

    @property
    def ports(self) -> list[int]:
        """Listening port of each server, in order."""
        return [s.port for s in self.servers]

    def start(self) -> None:
        """Start every server."""
        for s in self.servers:
            s.start()

    def stop(self) -> None:
        """Stop every server (safe to call more than once, and after a failed start)."""
        for s in self.servers:
            s.stop()

    def snapshot(self) -> list[dict[str, int]]:
        """Counters of each server, in order."""
        return [s.stats.snapshot() for s in self.servers]

    def request_times(self) -> list[list[float]]:
        """Monotonic times of the requests each server served, in server order."""
        return [s.stats.times() for s in self.servers]

    def transitions(self) -> list[list[tuple[float, str]]]:
        """Each server's (monotonic time, "up" | "down") listener transitions, in order."""
        return [list(s.transitions) for s in self.servers]

    def schedule(self, events: Sequence[tuple[float, int, str, float]]) -> list[threading.Timer]:
        """Schedule (at_s, server, action, downtime_s) events; action is restart, down or up.

        Returns the timers; cancel them in a ``finally`` block.
        """
        timers = []
        for at, index, action, downtime in events:
            server = self.servers[index]
            actions: dict[str, Callable[[], object]] = {
                "restart": lambda s=server, d=downtime: s.restart(d),
                "down": lambda s=server: s.stop_listener(drop_connections=True),
                "up": lambda s=server: s.start_listener(),
            }
            if action not in actions:
                raise ValueError(f"backends.events: unknown action {action!r}")
            t = threading.Timer(at, actions[action])
            t.daemon = True
            t.start()
            timers.append(t)
        return timers
