"""``teardown run``: ``td.run`` on one scenario, printed as a summary, as JSON or with ladders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import teardown
from teardown.cli import arguments
from teardown.cli.command import EXIT_OK
from teardown.cli.formatting import format_result, print_warnings
from teardown.cli.overrides import with_sets
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
  teardown run haproxy.cfg --client okhttp-4 --backend tomcat-10  # your stack by name (teardown presets)
  teardown run scenario.toml --client go-net-http --set clients.pool.max_idle=10   # --set overrides it
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenario", metavar="SCENARIO.toml|haproxy.cfg", help="a scenario file, or a haproxy.cfg to import"
    )
    arguments.add_presets(parser)
    arguments.add_sets(parser)
    arguments.add_haproxy_version(
        parser, help="the release a haproxy.cfg is for (default 2.6; ignored for a scenario file)"
    )
    arguments.add_haproxy_backend(parser)
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
    scenario = _load(args)
    result = teardown.run(
        with_sets(arguments.with_presets(scenario, args), args.set),
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


def _load(args: argparse.Namespace) -> teardown.Scenario:
    """A haproxy.cfg (an existing file not named .toml) is imported; anything else is read as a
    scenario file, whose errors say what is wrong with it."""
    path = Path(args.scenario)
    if path.suffix.lower() != ".toml" and path.is_file():
        from teardown.advise import load_setup

        return load_setup(path, args.haproxy_version, backend=args.haproxy_backend)
    return teardown.load(args.scenario)


def _planned_s(result: teardown.Result) -> float:
    sim = result.scenario["sim"]
    return (teardown.parse_duration(sim["warmup"]) + teardown.parse_duration(sim["duration"])) / 1e9
