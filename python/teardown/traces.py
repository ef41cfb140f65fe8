"""What a trace shows, derived in Python: requests, failed requests, backend resets, and which
server connection served which client request.

The simulator traces socket events, not requests (``td.run(..., trace=n)``, ``Result.trace``).
A client request is a DATA segment a client sends; its response the next DATA segment that client
receives on the same connection. A request is *failed* when its connection ends (an RST arrives,
or the client closes it) before any response: the client saw end of stream ("no response") when a
FIN had arrived first, else a reset. A write on a connection an RST reset while it was idle fails
before any byte leaves: the trace shows the client closing that connection at the moment of the
write, which counts as a failed request (a reset on write), unless the pool's idle monitor or stale
check would have closed a connection idle that long. 5xx answers are not visible this way. The
counts cover the whole run, warm-up included, of the traced connections only: trace every client
connection of a short run to see them all.

Server connections are linked to client requests by timing: the proxy acts ``proxy.processing_time``
after a segment lands, so a request landing at ``t`` is forwarded (SYN of a new server connection, or
DATA on an existing one) at exactly ``t + processing_time``, and a response landing at ``t`` is sent on
to the client at ``t + processing_time``. A request that waited in a queue is not linked.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from teardown.advise.facts import duration_ns
from teardown.result import Result

__all__ = [
    "BackendReset",
    "Failure",
    "Record",
    "TraceView",
    "select_connections",
]


@dataclass(frozen=True)
class Record:
    """One row of ``Result.trace``; ``ns`` is the time in integer nanoseconds."""

    ns: int
    connection: int
    side: int
    what: str
    segment: str
    rule: str
    state_after: str
    notice: str
    error: str
    fate: str
    bytes: int

    @property
    def seconds(self) -> float:
        return self.ns / 1e9

    def has(self, flag: str) -> bool:
        return flag in self.segment.split("+")


@dataclass(frozen=True)
class Failure:
    """A client request that got no response before its connection ended."""

    number: int  # 1-based, in the order the clients saw the failures
    connection: int
    client: str
    request: Record  # the request's DATA as the client sent it; for a failed write, the client's close
    seen: Record  # the record where the client's application learned of it (RST arrival, or its close)
    saw: str  # "end of stream before a response" | "reset on read (ECONNRESET)" | "reset on write (EPIPE)"
    fin_arrived: Record | None  # the proxy's FIN reaching the client, if it did
    requests_before: int  # requests answered earlier on this connection
    reset_arrived: Record | None = None  # for a failed write: the RST that had reset the idle connection

    @property
    def on_write(self) -> bool:
        """The request never left: the write failed on a connection an RST had already reset."""
        return self.request.what == "close"


@dataclass(frozen=True)
class BackendReset:
    """An RST that found a backend application's socket open: its "Connection reset by peer"."""

    number: int
    connection: int
    backend: str
    arrived: Record
    sent: Record | None  # the RST as the proxy sent it


@dataclass
class TraceView:
    """A Result's trace grouped by connection, with the derivations of this module."""

    result: Result
    records: dict[int, list[Record]] = field(default_factory=dict)
    ends: dict[int, tuple[str, str]] = field(default_factory=dict)  # connection -> (left, right)

    @classmethod
    def of(cls, result: Result) -> TraceView:
        view = cls(result)
        trace = result.trace
        rows = zip(*(trace[c].tolist() for c in trace.columns), strict=True)
        for t, conn, side, what, seg, rule, state, notice, error, fate, size in rows:
            record = Record(
                round(t * 1e9), int(conn), int(side), what, seg, rule, state, notice, error, fate, int(size)
            )
            view.records.setdefault(record.connection, []).append(record)
        for info in result.traced_connections:
            view.ends[int(info["connection"])] = (str(info["left"]), str(info["right"]))
        for records in view.records.values():
            records.sort(key=lambda r: r.ns)  # stable: same-time records keep the simulator's order
        return view

    # --- the connections -----------------------------------------------------------------------

    def client_connections(self) -> list[int]:
        return [c for c, (left, _) in self.ends.items() if left.startswith("client")]

    def server_connections(self) -> list[int]:
        return [c for c, (left, _) in self.ends.items() if left.startswith("proxy")]

    def name(self, connection: int, side: int) -> str:
        return self.ends[connection][side]

    # --- failures and resets -------------------------------------------------------------------

    def failures(self) -> list[Failure]:
        """Every failed request of the traced client connections, in the order the clients saw them."""
        found = []
        for connection in self.client_connections():
            found += self._failures_of(connection)
        found.sort(key=lambda f: (f.seen.ns, f.connection))
        return [replace(f, number=i) for i, f in enumerate(found, 1)]

    def _failures_of(self, connection: int) -> list[Failure]:
        pending: list[Record] = []
        answered = 0
        fin: Record | None = None
        idle_reset: Record | None = None  # an RST that reset the connection while it was idle
        last_use = 0
        client = self.name(connection, 0)
        out: list[Failure] = []
        for r in self.records.get(connection, []):
            if r.side != 0:
                continue
            if r.what == "sent" and r.has("DATA"):
                pending.append(r)
            elif r.what == "arrived" and r.has("DATA") and pending:
                pending.pop(0)
                answered += 1
                last_use = r.ns
            if r.what == "arrived" and r.has("FIN"):
                fin = r
            if r.what == "arrived" and r.has("RST") and not pending and r.fate == "seen-by-app":
                idle_reset = r
            if (
                r.what == "close"
                and not pending
                and idle_reset is not None
                and self._write_failed(r, last_use)
            ):
                saw = (
                    f"reset on write ({idle_reset.error})"
                    if idle_reset.error not in ("", "none")
                    else "reset on write"
                )
                out.append(Failure(0, connection, client, r, r, saw, fin, answered, idle_reset))
            ended = (r.what == "arrived" and r.has("RST")) or r.what in ("close", "abort")
            if ended and pending:
                saw = _what_client_saw(r, fin)
                out += [Failure(0, connection, client, p, r, saw, fin, answered) for p in pending]
                pending = []
        return out

    def _write_failed(self, close: Record, last_use: int) -> bool:
        """A client's close of a reset, idle connection is a request whose write failed, unless its idle
        monitor or stale check explains it (they close connections idle at least that long)."""
        pool = self.result.scenario["clients"]["pool"]
        idle = close.ns - last_use
        for key in ("idle_evict", "validate_after_inactivity"):
            limit = duration_ns(pool[key])
            if idle >= limit:
                return False
        return True

    def backend_resets(self) -> list[BackendReset]:
        """Every RST seen by a backend application among the traced server connections, in time order."""
        found = []
        for connection in self.server_connections():
            sent = None
            for r in self.records.get(connection, []):
                if r.side == 0 and r.what == "sent" and r.has("RST"):
                    sent = r
                if r.side == 1 and r.what == "arrived" and r.has("RST") and r.fate == "seen-by-app":
                    found.append((r.ns, connection, r, sent))
        found.sort(key=lambda x: (x[0], x[1]))
        return [
            BackendReset(i, connection, self.name(connection, 1), arrived, sent)
            for i, (_, connection, arrived, sent) in enumerate(found, 1)
        ]

    # --- links between the two sides -----------------------------------------------------------

    def processing_ns(self) -> int:
        return duration_ns(self.result.scenario["proxy"]["processing_time"])

    def forwarded_to(self, connection: int, request: Record) -> int | None:
        """The server connection the proxy forwarded a client request on, if one is traced."""
        landed = next(
            (
                r
                for r in self.records.get(connection, [])
                if r.side == 1 and r.what == "arrived" and r.has("DATA") and r.ns >= request.ns
            ),
            None,
        )
        if landed is None:
            return None
        at = landed.ns + self.processing_ns()
        for server in self.server_connections():
            for r in self.records.get(server, []):
                if r.ns == at and r.side == 0 and r.what == "sent" and (r.has("SYN") or r.has("DATA")):
                    return server
        return None

    def served_client(self, server: int) -> tuple[int, Record] | None:
        """The client connection (and its request as the proxy received it) whose request opened or
        reused this server connection first, if traced."""
        p = self.processing_ns()
        starts = {
            r.ns - p
            for r in self.records.get(server, [])
            if r.side == 0 and r.what == "sent" and (r.has("SYN") or r.has("DATA"))
        }
        for client in self.client_connections():
            for r in self.records.get(client, []):
                if r.side == 1 and r.what == "arrived" and r.has("DATA") and r.ns in starts:
                    return client, r
        return None

    def connections_of(self, clients: list[int]) -> list[int]:
        """These client connections and the traced server connections their requests went to."""
        chosen = set(clients)
        for client in clients:
            for r in self.records.get(client, []):
                if r.side == 0 and r.what == "sent" and r.has("DATA"):
                    server = self.forwarded_to(client, r)
                    if server is not None:
                        chosen.add(server)
        return sorted(chosen)


def _what_client_saw(ended: Record, fin: Record | None) -> str:
    """What the HTTP client reported (docs/model.md §1 T12, §3 outcomes)."""
    if fin is not None and fin.ns <= ended.ns:
        return "end of stream before a response"
    if ended.what == "arrived" and ended.has("RST"):
        return f"reset on read ({ended.error})" if ended.error not in ("", "none") else "reset on read"
    return "no response before the connection closed"


def select_connections(result: Result, only: str = "all") -> list[int]:
    """The traced connections to show: "all"; "resets" (those with an RST segment); "failures" (the
    client connections with a failed request, and the server connections they led to)."""
    view = TraceView.of(result)
    if only == "all":
        return sorted(view.ends)
    if only == "resets":
        return sorted(c for c, records in view.records.items() if any(r.has("RST") for r in records))
    if only == "failures":
        return view.connections_of(sorted({f.connection for f in view.failures()}))
    raise ValueError(f"only is 'all', 'resets' or 'failures', not {only!r}")
