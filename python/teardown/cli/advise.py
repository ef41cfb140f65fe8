"""``teardown advise``: ``td.advise`` on a scenario or a haproxy.cfg, printed as a ranked table."""

from __future__ import annotations

import argparse
from pathlib import Path

from teardown.cli import arguments
from teardown.cli.command import EXIT_OK
from teardown.cli.formatting import print_warnings
from teardown.cli.output import write_atomically
from teardown.cli.overrides import with_sets
from teardown.cli.values import nonnegative, positive

DESCRIPTION = (
    "Run a setup and the known remedies, alone and combined; print them ranked, with "
    "95% intervals and the rule that makes each top recommendation work."
)

EPILOG = """\
Runs your setup, then each known remedy that applies to its HAProxy version and mode, alone and
combined (client idle eviction below the proxy's timeout, raised timeouts, prefer-last-server,
leastconn, http-reuse, retry-on, a stale check, client retries, backend keep-alive and workers,
...), and ranks them: constraints first, then the objective, then what else gets worse.
The objective names what to minimise (failures, backend-resets, resets, skew, churn, time-wait
or a metric name) and, after commas, bounds: "failures, keep skew <= 1.1". See docs/advise.md.

examples:
  teardown advise examples/scenarios/stale-reuse-keepalive.toml
  teardown advise examples/scenarios/server-close.toml --set backends.close_delay=5ms \\
      --set backends.keep_alive=close-after-response --objective "backend-resets, keep skew <= 1.1"
  teardown advise /etc/haproxy/haproxy.cfg --haproxy-version 1.5 -j 2
  teardown advise my.cfg --client okhttp-4 --backend tomcat-10   # remedies in each library's words
  teardown advise scenario.toml --objective "skew, keep failures <= 0.001" --set sim.duration=60s
  teardown advise scenario.toml --without timeouts --without mode     # remedies you cannot apply
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "setup", metavar="SCENARIO.toml|haproxy.cfg", help="a scenario file, or a haproxy.cfg"
    )
    arguments.add_presets(parser)
    arguments.add_sets(parser)
    parser.add_argument(
        "--objective",
        default="failures, keep skew <= 1.1",
        help='what to minimise and what to keep within bounds (default: "failures, keep skew <= 1.1")',
    )
    parser.add_argument(
        "-r", "--replications", type=positive, default=3, metavar="R", help="runs per candidate (default 3)"
    )
    arguments.add_local_executor(parser)
    arguments.add_haproxy_version(
        parser, help="the release a haproxy.cfg is for (default 2.6; ignored for a scenario file)"
    )
    arguments.add_haproxy_backend(parser)
    parser.add_argument(
        "--top", type=positive, default=10, metavar="N", help="table rows to print (default 10)"
    )
    parser.add_argument(
        "--explain", type=nonnegative, default=3, metavar="N", help="recommendations to explain (default 3)"
    )
    parser.add_argument(
        "--all", action="store_true", help="also show candidates that add nothing to a better-ranked one"
    )
    parser.add_argument(
        "--max-candidates", type=positive, default=200, metavar="N", help="candidates in all (default 200)"
    )
    parser.add_argument(
        "--out", metavar="FILE.csv", default=None, help="write every candidate's row to a CSV file"
    )
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="FAMILY",
        help="a remedy family not to try (repeatable): mode, pretend, http-reuse, timeouts, balance, "
        "prefer-last-server, retry-on, backend-keep-alive, backend-close-delay, workers, max-lifetime, "
        "eviction, stale-check, client-retries",
    )
    arguments.add_progress(parser)


def run(args: argparse.Namespace) -> int:
    from teardown.advise import advise, load_setup
    from teardown.advise.report import format_advice

    setup = load_setup(args.setup, args.haproxy_version, backend=args.haproxy_backend)
    scenario = with_sets(arguments.with_presets(setup, args), args.set)
    print_warnings("advise", scenario.warnings)
    executor = arguments.local_executor(args)
    table = advise(
        scenario,
        objective=args.objective,
        replications=args.replications,
        executor=executor,
        jobs=None if executor == "serial" else args.jobs,
        max_candidates=args.max_candidates,
        without=args.without,
        progress=arguments.progress(args),
    )
    print(format_advice(table, scenario, top=args.top, explain=args.explain, show_all=args.all))
    if args.out:
        columns = [c for c in table.columns if c != "overrides"]
        frame = table[columns].assign(overrides=[repr(o) for o in table["overrides"]])
        write_atomically(Path(args.out), frame.to_csv(index=False))
        print(f"\nevery candidate in {args.out}")
    return EXIT_OK
