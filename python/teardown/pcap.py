"""Write a Result's traced segments as a pcapng capture that Wireshark and tshark open.

    r = td.run("examples/scenarios/stale-reuse-keepalive.toml", trace=20)
    teardown.pcap.write_pcapng(r, "stale.pcapng")
    # then: tshark -r stale.pcapng -Y "tcp.flags.reset == 1"

Nothing is sent anywhere: addresses, ports and headers are labels synthesised for the file.

- One packet per segment, captured as it leaves its sender (the trace's "sent" records): a
  segment's timestamp is its send time, ``time_s`` rounded to the microsecond.
- Addresses, one per host: the proxy 10.0.0.1, ``client-i`` 10.0.1.(i+1), ``backend-s``
  10.0.2.(s+1) (beyond 254 hosts, clients continue in 10.1.x.y and backends in 10.2.x.y). A
  Name Resolution Block names them ("client-3", "proxy", "backend-0").
- Ports: the proxy listens on 80, backends on 8080; each traced connection gets its own ephemeral
  source port on its connecting host, from 32768 in opening order.
- Sequence and acknowledgement numbers are consistent: each direction starts from its own
  initial sequence number; SYN and FIN count one, DATA its bytes; a segment acknowledges what
  its sender had received when it left (the trace's "arrived" records).
- Flags: SYN; SYN+ACK; ACK; PSH+ACK for DATA (payload length = bytes); FIN+ACK; RST+ACK (RST
  alone before anything was received). An RST's packet comment names the rule that sent it.
- Payloads are zeros. ``snaplen`` keeps only the first bytes of each packet (the headers keep the
  real lengths, as a truncated capture does); a DATA segment larger than an IPv4 packet holds is
  split into packets of at most 65,000 bytes, the FIN on the last.
- Only what the trace holds: the first N client connections of ``td.run(..., trace=N)`` and the
  server connections they lead to; ACKs appear only for FINs (docs/model.md §1).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass

import teardown
from teardown.result import Result

__all__ = ["Written", "address", "write_pcapng"]

LINKTYPE_RAW = 101  # raw IPv4/IPv6, no link-layer header
PROXY_PORT, BACKEND_PORT, FIRST_EPHEMERAL, LAST_EPHEMERAL = 80, 8080, 32768, 60999
MAX_PAYLOAD = 65_000
TCP_FLAGS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10}
RULES = {
    "close-with-unread-data": "T5, close() with unread data",
    "linger-zero": "T6, close() with SO_LINGER 0",
    "data-to-orphan": "T7, data to a closed (orphaned) socket",
    "no-such-connection": "T8, segment for no connection",
    "middlebox-idle": "M2/M3, a middlebox's answer to a flow it forgot",
}


@dataclass(frozen=True)
class Written:
    """What ``write_pcapng`` wrote."""

    path: str
    packets: int
    connections: int
    resets: int
    first_s: float
    last_s: float


def address(host: str) -> bytes:
    """The IPv4 address of a host name of the trace ("proxy", "proxy-1", "client-3", "backend-0")."""
    if host == "proxy":
        return bytes((10, 0, 0, 1))
    kind, _, number = host.rpartition("-")
    if kind == "proxy" and number.isdigit() and int(number) < 254:
        return bytes((10, 0, 0, int(number) + 1))  # proxy.instances: proxy-0 is the single proxy's address
    if kind not in ("client", "backend") or not number.isdigit():
        raise ValueError(f"not a host of a teardown trace: {host!r}")
    n = int(number) + 1
    if n <= 254:
        return bytes((10, 0, 1 if kind == "client" else 2, n))
    return bytes((10, 1 if kind == "client" else 2, (n >> 8) & 0xFF, n & 0xFF))


@dataclass
class _Connection:
    hosts: tuple[str, str]
    addresses: tuple[bytes, bytes]
    ports: tuple[int, int]
    isn: tuple[int, int]
    next_seq: list[int]
    received: list[int | None]  # what each side acknowledges; None until it has seen a SYN


def write_pcapng(
    result: Result,
    path: str | os.PathLike[str],
    *,
    connections: Iterable[int] | None = None,
    snaplen: int | None = None,
) -> Written:
    """Write the traced segments of ``result`` (all its traced connections, or those listed) to ``path``.

    Raises ValueError when the Result traced nothing (run it with ``td.run(..., trace=N)``).
    """
    info = {int(c["connection"]): (str(c["left"]), str(c["right"])) for c in result.traced_connections}
    if not info:
        raise ValueError("this Result traced no connection: run it with td.run(..., trace=N)")
    chosen = set(info) if connections is None else {int(c) for c in connections} & set(info)
    states = _connections(info, chosen)
    trace = result.trace
    rows = sorted(
        enumerate(
            zip(
                trace["time_s"],
                trace["connection"],
                trace["side"],
                trace["what"],
                trace["segment"],
                trace["rule"],
                trace["bytes"],
                strict=True,
            )
        ),
        key=lambda item: (round(item[1][0] * 1e9), item[0]),
    )
    packets: list[bytes] = []
    resets, times = 0, []
    ident = {host: 0 for pair in info.values() for host in pair}
    for _, (t, conn, side, what, segment, rule, size) in rows:
        conn, side = int(conn), int(side)
        if conn not in states:
            continue
        state = states[conn]
        parts = set(segment.split("+")) if segment else set()
        if what == "arrived":
            _receive(state, side, parts, int(size))
        elif what == "sent" and parts:
            for payload, flags in _pieces(state, side, parts, int(size)):
                host = state.hosts[side]
                ident[host] = (ident[host] + 1) & 0xFFFF
                packet = _packet(state, side, flags, payload, ident[host])
                comment = f"RST: {RULES.get(rule, rule)}" if "RST" in parts and rule else ""
                packets.append(_enhanced_packet(round(t * 1e6), packet, snaplen, comment))
                times.append(t)
                resets += "RST" in parts
    with open(path, "wb") as out:
        out.write(_section_header())
        out.write(_interface(snaplen))
        out.write(_names(info, chosen))
        out.writelines(packets)
    return Written(
        os.fspath(path), len(packets), len(states), resets, min(times, default=0.0), max(times, default=0.0)
    )


def _connections(info: dict[int, tuple[str, str]], chosen: set[int]) -> dict[int, _Connection]:
    """Per connection: its hosts, addresses, ports and initial sequence numbers."""
    next_port: dict[str, int] = {}
    out = {}
    for conn in sorted(info):
        left, right = info[conn]
        port = next_port.get(left, FIRST_EPHEMERAL)
        next_port[left] = FIRST_EPHEMERAL if port >= LAST_EPHEMERAL else port + 1
        if conn not in chosen:
            continue
        listen = PROXY_PORT if right.startswith("proxy") else BACKEND_PORT
        isn = ((conn * 2654435761) & 0xFFFFFFFF, (conn * 40503 + 0x5EED) * 2246822519 & 0xFFFFFFFF)
        out[conn] = _Connection(
            (left, right), (address(left), address(right)), (port, listen), isn, list(isn), [None, None]
        )
    return out


def _receive(state: _Connection, side: int, parts: set[str], size: int) -> None:
    """What ``side`` has received, as it will acknowledge it."""
    peer = 1 - side
    if "SYN" in parts or "SYN-ACK" in parts:
        state.received[side] = (state.isn[peer] + 1) & 0xFFFFFFFF
        return
    if state.received[side] is None:
        return
    grow = (size if "DATA" in parts else 0) + (1 if "FIN" in parts else 0)
    state.received[side] = (state.received[side] + grow) & 0xFFFFFFFF


def _pieces(state: _Connection, side: int, parts: set[str], size: int) -> list[tuple[int, int]]:
    """(payload length, TCP flags) of each packet of one sent segment."""
    acked = TCP_FLAGS["ACK"] if state.received[side] is not None else 0
    if "SYN-ACK" in parts:
        return [(0, TCP_FLAGS["SYN"] | TCP_FLAGS["ACK"])]
    if "SYN" in parts:
        return [(0, TCP_FLAGS["SYN"] | acked)]
    if "RST" in parts:
        return [(0, TCP_FLAGS["RST"] | acked)]
    fin = TCP_FLAGS["FIN"] if "FIN" in parts else 0
    if "DATA" not in parts:
        return [(0, fin | acked)]
    chunks = [MAX_PAYLOAD] * (size // MAX_PAYLOAD) + (
        [size % MAX_PAYLOAD] if size % MAX_PAYLOAD or not size else []
    )
    data = TCP_FLAGS["PSH"] | acked
    return [(n, data | (fin if i == len(chunks) - 1 else 0)) for i, n in enumerate(chunks)]


def _packet(state: _Connection, side: int, flags: int, payload: int, ident: int) -> bytes:
    """IPv4 + TCP headers (and a zero payload) for one packet; advances the sender's sequence number."""
    src, dst = state.addresses[side], state.addresses[1 - side]
    sport, dport = (state.ports[0], state.ports[1]) if side == 0 else (state.ports[1], state.ports[0])
    seq = state.next_seq[side]
    ack = state.received[side] if flags & TCP_FLAGS["ACK"] else 0
    tcp_length = 20 + payload
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack or 0, 5 << 4, flags, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, tcp_length)
    tcp = tcp[:16] + struct.pack("!H", _checksum(pseudo + tcp)) + tcp[18:]  # zeros add nothing to the sum
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + tcp_length, ident, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
    grow = payload + (1 if flags & (TCP_FLAGS["SYN"] | TCP_FLAGS["FIN"]) else 0)
    if not flags & TCP_FLAGS["RST"]:
        state.next_seq[side] = (seq + grow) & 0xFFFFFFFF
    return ip + tcp + bytes(payload)


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


# --- pcapng blocks (little-endian; pcapng 1.0) -------------------------------------------------


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + bytes(-len(value) % 4)


def _end_of_options() -> bytes:
    return struct.pack("<HH", 0, 0)


def _block(kind: int, body: bytes) -> bytes:
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def _section_header() -> bytes:
    options = _option(4, f"teardown {teardown.__version__}".encode()) + _option(
        1, b"simulated by teardown: addresses, ports and payloads are synthetic labels"
    )
    return _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + options + _end_of_options())


def _interface(snaplen: int | None) -> bytes:
    options = _option(2, b"teardown") + _option(9, bytes((6,)))  # if_tsresol: microseconds
    return _block(1, struct.pack("<HHI", LINKTYPE_RAW, 0, snaplen or 0) + options + _end_of_options())


def _names(info: dict[int, tuple[str, str]], chosen: set[int]) -> bytes:
    hosts = sorted({h for c in chosen for h in info[c]}, key=lambda h: address(h))
    records = b"".join(_option(1, address(h) + h.encode() + b"\0") for h in hosts)
    return _block(4, records + _end_of_options())


def _enhanced_packet(micros: int, packet: bytes, snaplen: int | None, comment: str) -> bytes:
    captured = packet if snaplen is None else packet[:snaplen]
    body = struct.pack(
        "<IIIII", 0, (micros >> 32) & 0xFFFFFFFF, micros & 0xFFFFFFFF, len(captured), len(packet)
    )
    body += captured + bytes(-len(captured) % 4)
    if comment:
        body += _option(1, comment.encode()) + _end_of_options()
    return _block(6, body)
