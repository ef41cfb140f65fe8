"""``teardown trace``: ``td.run(trace=N)`` written as a pcapng capture or printed as ladders."""

from __future__ import annotations

import argparse

import teardown
from teardown.cli import arguments
from teardown.cli.command import EXIT_OK
from teardown.cli.formatting import print_warnings
from teardown.cli.values import positive

DESCRIPTION = "Run a scenario tracing its first client connections; write a pcapng capture or print ladders."

EPILOG = """\
Traces the first N client connections and every server connection they lead to, and writes
their segments as a pcapng capture (one packet per segment, captured as it leaves its sender;
clients 10.0.1.x, the proxy 10.0.0.1 port 80, backends 10.0.2.x port 8080). Without --pcap it
prints the ladders. See docs/advise.md.

examples:
  teardown trace examples/scenarios/stale-reuse-keepalive.toml --set sim.duration=20s --pcap stale.pcapng
  tshark -r stale.pcapng -Y "tcp.flags.reset == 1"
  teardown trace examples/scenarios/server-close.toml --connections 50 --only resets --pcap resets.pcapng
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    arguments.add_scenario(parser)
    parser.add_argument(
        "--connections",
        type=positive,
        default=10,
        metavar="N",
        help="client connections to trace (default 10)",
    )
    parser.add_argument(
        "--only",
        choices=("all", "resets", "failures"),
        default="all",
        help="keep every traced connection, those with an RST, or the failed client connections "
        "(with the server connections they led to)",
    )
    parser.add_argument("--pcap", metavar="OUT.pcapng", default=None, help="write the capture here")
    parser.add_argument("--ladder", action="store_true", help="also print the ladders")


def run(args: argparse.Namespace) -> int:
    from teardown.pcap import write_pcapng
    from teardown.traces import select_connections

    result = teardown.run(arguments.load_scenario(args), trace=args.connections)
    print_warnings("trace", result.warnings)
    chosen = select_connections(result, args.only)
    if args.pcap:
        written = write_pcapng(result, args.pcap, connections=chosen)
        print(
            f"wrote {args.pcap}: {written.packets} packets of {written.connections} TCP connections "
            f"({written.resets} RST), {written.first_s:.6f} s to {written.last_s:.6f} s of simulated time"
        )
        print(f"try: tshark -r {args.pcap} -Y 'tcp.flags.reset == 1'")
    if args.ladder or not args.pcap:
        for connection in chosen:
            info = next(c for c in result.traced_connections if c["connection"] == connection)
            print(f"connection {connection} ({info['left']} -> {info['right']})")
            print(result.ladder(connection))
    return EXIT_OK
