"""``teardown report``: ``td.report`` of a scenario or of a sweep's results, as one HTML file."""

from __future__ import annotations

import argparse
import sys

import teardown
from teardown.cli import arguments
from teardown.cli.command import EXIT_OK, BadInput
from teardown.cli.overrides import with_sets
from teardown.cli.values import duration, positive

DESCRIPTION = "Write one self-contained HTML report of a scenario, or of a sweep's results, to share."

EPILOG = """\
For a scenario: the scenario in words, its headline metrics (this run, and the mean of -r runs
with a 95% interval), the per-server table and time series as figures, the first failed request
and the first backend reset told step by step (from the first --explain-duration, every
connection traced), and the advisor's ranking (--no-advice to leave it out: it runs up to
--max-candidates candidates x -r runs). For the results a sweep wrote (--out of teardown sweep):
the summary table and heatmaps of the main metrics over the swept keys. The file needs no network
to open: styles, figures and script are inline. It is written whole or not at all. See docs/cli.md.

examples:
  teardown report examples/scenarios/stale-reuse-keepalive.toml --set sim.duration=60s -o report.html
  teardown report examples/scenarios/server-close.toml --no-advice -r 5 -o server-close.html
  teardown report scenario.toml --objective "backend-resets, keep skew <= 1.1" -j 2 -o report.html
  teardown report keepalive.csv -o sweep.html
  teardown report keepalive.csv --metric client.failure_ratio --metric latency.p99 -o sweep.html
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        metavar="SCENARIO.toml|RESULTS.csv",
        help="a scenario file, or the results of teardown sweep",
    )
    parser.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="the report to write")
    arguments.add_sets(parser)
    parser.add_argument(
        "-r",
        "--replications",
        type=positive,
        default=3,
        metavar="R",
        help="runs with other seeds for the intervals, and per advisor candidate (default 3; 1: no interval)",
    )
    parser.add_argument("--no-advice", action="store_true", help="leave out the advisor's ranking")
    parser.add_argument(
        "--objective", default=None, help='the advisor\'s objective (default: "failures, keep skew <= 1.1")'
    )
    parser.add_argument(
        "--max-candidates",
        type=positive,
        default=200,
        metavar="N",
        help="advisor candidates in all (default 200)",
    )
    parser.add_argument(
        "--explain-duration",
        type=duration,
        default="20s",
        metavar="DURATION",
        help="measured time of the traced run the failed request and the reset come from (default 20s)",
    )
    parser.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="NAME",
        help="sweep results: a metric to show (repeatable; default: the main ones)",
    )
    arguments.add_local_executor(parser)
    arguments.add_progress(parser)


def run(args: argparse.Namespace) -> int:
    from teardown.report.inputs import kind_of

    kind = kind_of(args.source)
    if kind == "sweep":
        if args.set:
            raise BadInput("--set changes a scenario; sweep results are reported as they are")
        source = args.source
    else:
        if args.metric:
            raise BadInput("--metric chooses the metrics of sweep results; a scenario's report shows its own")
        source = with_sets(teardown.load(args.source), args.set)
    executor = arguments.local_executor(args)
    out = teardown.report(
        source,
        args.output,
        replications=args.replications,
        advice=not args.no_advice,
        objective=args.objective,
        max_candidates=args.max_candidates,
        explain_duration=args.explain_duration,
        metrics=args.metric or None,
        executor=executor,
        jobs=None if executor == "serial" else args.jobs,
        progress=arguments.progress(args),
    )
    print(f"teardown report: wrote {out}", file=sys.stderr)
    return EXIT_OK
