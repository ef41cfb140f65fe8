"""``teardown.pcap.write_pcapng`` and ``teardown trace --pcap``: a capture tshark reads back with the
simulator's RSTs, in the same count and order, and one TCP conversation per traced connection.

The tshark tests need Debian's ``tshark`` package and are skipped without it."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
import teardown as td
from teardown.cli import main
from teardown.pcap import address, write_pcapng

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "examples" / "scenarios"
TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(
    TSHARK is None, reason="tshark is not installed (Debian: apt-get install tshark)"
)


@pytest.fixture(scope="module")
def stale_result() -> td.Result:
    scenario = td.load(SCENARIOS / "stale-reuse-keepalive.toml").with_(
        {"sim.duration": "20s", "sim.warmup": "2s"}
    )
    return td.run(scenario, trace=25)


@pytest.fixture(scope="module")
def server_close_result() -> td.Result:
    scenario = td.load(SCENARIOS / "server-close.toml").with_(
        {"sim.duration": "1s", "sim.warmup": "0s", "proxy.pretend_keepalive": True}
    )
    return td.run(scenario, trace=8)


def _sent_rsts(result: td.Result) -> list[tuple[float, str, str]]:
    """(time, source, destination) of every RST sent, in time order, from the Result's trace."""
    ends = {c["connection"]: (c["left"], c["right"]) for c in result.traced_connections}
    trace = result.trace
    sent = trace[
        (trace["what"] == "sent") & trace["segment"].str.split("+").map(lambda parts: "RST" in parts)
    ]
    out = []
    for row in sent.sort_values("time_s", kind="stable").itertuples():
        left, right = ends[row.connection]
        src, dst = (left, right) if row.side == 0 else (right, left)
        out.append((row.time_s, ".".join(map(str, address(src))), ".".join(map(str, address(dst)))))
    return out


def _blocks(path: Path) -> list[tuple[int, bytes]]:
    data = path.read_bytes()
    blocks, at = [], 0
    while at < len(data):
        kind, length = struct.unpack_from("<II", data, at)
        assert length % 4 == 0 and struct.unpack_from("<I", data, at + length - 4)[0] == length
        blocks.append((kind, data[at + 8 : at + length - 4]))
        at += length
    return blocks


def test_addresses_are_one_per_host():
    assert address("proxy") == bytes((10, 0, 0, 1))
    assert address("client-0") == bytes((10, 0, 1, 1))
    assert address("backend-2") == bytes((10, 0, 2, 3))
    assert address("client-300") == bytes((10, 1, 1, 45))
    with pytest.raises(ValueError):
        address("router")


def test_one_packet_per_sent_segment(tmp_path, stale_result):
    path = tmp_path / "stale.pcapng"
    written = write_pcapng(stale_result, path)
    blocks = _blocks(path)
    assert blocks[0][0] == 0x0A0D0D0A and struct.unpack_from("<I", blocks[0][1])[0] == 0x1A2B3C4D
    assert blocks[1][0] == 1 and struct.unpack_from("<H", blocks[1][1])[0] == 101  # LINKTYPE_RAW
    packets = [body for kind, body in blocks if kind == 6]
    trace = stale_result.trace
    assert len(packets) == written.packets == int((trace["what"] == "sent").sum())
    assert written.connections == len(stale_result.traced_connections)
    assert written.resets == len(_sent_rsts(stale_result))
    # Timestamps never go backwards, and are the send times in microseconds.
    stamps = [(struct.unpack_from("<I", b, 4)[0] << 32) | struct.unpack_from("<I", b, 8)[0] for b in packets]
    assert stamps == sorted(stamps)
    assert stamps[0] == round(trace[trace["what"] == "sent"]["time_s"].min() * 1e6)


def test_snaplen_truncates_but_keeps_the_real_length(tmp_path, stale_result):
    path = tmp_path / "short.pcapng"
    write_pcapng(stale_result, path, snaplen=40)
    for kind, body in _blocks(path):
        if kind == 6:
            captured, original = struct.unpack_from("<II", body, 12)
            assert captured == min(40, original)


def test_a_chosen_subset(tmp_path, stale_result):
    written = write_pcapng(stale_result, tmp_path / "one.pcapng", connections=[1])
    assert written.connections == 1
    with pytest.raises(ValueError, match="traced no connection"):
        write_pcapng(td.run({"sim": {"duration": "1s", "warmup": "0s"}}), tmp_path / "none.pcapng")


def _tshark(*args: str) -> str:
    assert TSHARK is not None
    done = subprocess.run([TSHARK, *args], capture_output=True, text=True, check=True, timeout=60)
    return done.stdout


@needs_tshark
@pytest.mark.parametrize("which", ["stale_result", "server_close_result"])
def test_tshark_reads_the_resets_back(tmp_path, which, request):
    result = request.getfixturevalue(which)
    path = tmp_path / "capture.pcapng"
    write_pcapng(result, path)
    fields = _tshark(
        "-r", str(path), "-Y", "tcp.flags.reset == 1", "-T", "fields",
        "-e", "frame.time_relative", "-e", "ip.src", "-e", "ip.dst",
    )  # fmt: skip
    seen = [line.split("\t") for line in fields.splitlines() if line.strip()]
    expected = _sent_rsts(result)
    assert len(seen) == len(expected) > 0
    first = round(result.trace[result.trace["what"] == "sent"]["time_s"].min() * 1e6)
    for (t, src, dst), (t_seen, src_seen, dst_seen) in zip(expected, seen, strict=True):
        assert (src_seen, dst_seen) == (src, dst)
        assert float(t_seen) == pytest.approx((round(t * 1e6) - first) / 1e6, abs=1e-7)
    conversations = _tshark("-r", str(path), "-q", "-z", "conv,tcp")
    assert sum("<->" in line for line in conversations.splitlines()) == len(result.traced_connections)
    # Sequence and acknowledgement numbers are consistent: tshark finds no gap and no unseen ACK.
    expert = _tshark("-r", str(path), "-q", "-z", "expert")
    for complaint in ("not captured", "unseen segment", "Retransmission", "Out-Of-Order", "Malformed"):
        assert complaint not in expert


@needs_tshark
def test_trace_command_writes_a_capture(tmp_path, capsys):
    path = tmp_path / "resets.pcapng"
    sets = ["sim.duration=1s", "sim.warmup=0s", "proxy.pretend_keepalive=true"]
    argv = ["trace", str(SCENARIOS / "server-close.toml"), *(a for s in sets for a in ("--set", s))]
    code = main([*argv, "--connections", "5", "--only", "resets", "--pcap", str(path)])
    out = capsys.readouterr().out
    assert code == 0 and f"wrote {path}" in out
    names = _tshark(
        "-r", str(path), "-N", "n", "-Y", "tcp.flags.reset == 1", "-T", "fields", "-e", "ip.src_host"
    )
    assert set(names.split()) == {"proxy"}  # the Name Resolution Block names the hosts


def test_trace_command_prints_ladders_without_pcap(capsys):
    code = main(
        [
            "trace",
            str(SCENARIOS / "stale-reuse-keepalive.toml"),
            "--set",
            "sim.duration=3s",
            "--set",
            "sim.warmup=0s",
            "--connections",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "connection 1 (client-" in out and "--SYN-->" in out
