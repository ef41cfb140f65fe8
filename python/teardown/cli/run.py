"""``teardown run``: ``td.run`` on one scenario, printed as a summary, as JSON or with ladders."""

from __future__ import annotations

import argparse
import sys

import teardown
from teardown.cli import arguments
from teardown.cli.command import EXIT_OK
from teardown.cli.formatting import format_result, print_warnings
from teardown.cli.values import nonnegative, wall_seconds

DESCRIPTION = "Run one scenario and print a summary."

EPILOG = """\
--set values are TOML values when they parse as one (4, 2.5, true, "text", ["a", "b"]),
else plain text (httpclose, 10m); a key that holds text keeps numbers as text (2.6).

examples:
  teardown run examples/scenarios/stale-reuse-keepalive.toml
  teardown run scenario.toml --set proxy.mode=http-server-close --set backends.workers=4
  teardown run scenario.toml --set proxy.version=1.5 --set proxy.timeout.client=10m
  teardown run scenario.toml --set 'proxy.retry_on=["conn-failure", "empty-response"]'
  teardown run scenario.toml --json > result.json
  teardown run scenario.toml --set sim.duration=10s --trace 2     # ladder diagrams of 2 connections
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    arguments.add_scenario(parser)
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON instead")
    parser.add_argument(
        "--trace",
        type=nonnegative,
        default=0,
        metavar="N",
        help="trace the first N client connections and print their ladder diagrams",
    )
    arguments.add_resource_limits(parser)
    parser.add_argument(
        "--wall-time-limit",
        type=wall_seconds,
        default=None,
        metavar="DURATION",
        help="stop the run cleanly after this much wall-clock time (e.g. 90s, 10m) and print the "
        "partial result, over the simulated time reached",
    )


def run(args: argparse.Namespace) -> int:
    result = teardown.run(
        arguments.load_scenario(args),
        trace=args.trace,
        max_memory=args.max_memory,
        max_events=args.max_events or None,
        wall_time_limit=args.wall_time_limit,
    )
    print_warnings("run", result.warnings)
    if result.partial:
        print(
            f"teardown run: stopped by --wall-time-limit after {result.wall_seconds:.3g} s at "
            f"{result.time_reached_s:.6g} s of simulated time (of {_planned_s(result):.6g} s); "
            "the metrics cover the time reached",
            file=sys.stderr,
        )
    if args.json:
        print(result.to_json())
        return EXIT_OK
    print(format_result(result))
    if args.trace:
        print()
        print(result.ladder())
    return EXIT_OK


def _planned_s(result: teardown.Result) -> float:
    sim = result.scenario["sim"]
    return (teardown.parse_duration(sim["warmup"]) + teardown.parse_duration(sim["duration"])) / 1e9
