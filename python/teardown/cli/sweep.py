"""``teardown sweep``: ``td.sweep`` over a sweep file, then ``td.summarise`` printed as a table."""

from __future__ import annotations

import argparse

from teardown.cli import arguments
from teardown.cli.command import EXIT_OK, BadInput
from teardown.cli.formatting import format_summary, print_warnings, sweep_warnings
from teardown.errors import ConfigError

DESCRIPTION = "Run a scenario over a grid, points or sample, with replications."

EPILOG = """\
The sweep file names a base scenario and a grid, a list of points and/or a Latin-hypercube
sample of dotted keys; see docs/cli.md and examples/sweeps/. Rows are written to --out as
runs complete (.csv, .jsonl or .parquet); --resume runs only what the file lacks. Results
are the same whatever the executor and job count.

examples:
  teardown sweep examples/sweeps/modes.toml
  teardown sweep examples/sweeps/keepalive-vs-eviction.toml -j 2 --out results.csv
  teardown sweep examples/sweeps/keepalive-vs-eviction.toml -j 2 --out results.csv --resume
  teardown sweep big.toml --executor threads -j 8 --out results.parquet
  teardown sweep big.toml --scheduler tcp://10.0.0.5:8786 --out results.jsonl
  teardown sweep examples/sweeps/modes.toml --client go-net-http --backend nginx   # presets on the base
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sweep_file", metavar="SWEEP.toml", help="the sweep file")
    arguments.add_presets(parser)
    arguments.add_local_executor(parser)
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        default=None,
        help="run on the Dask cluster behind this scheduler address",
    )
    parser.add_argument(
        "--out",
        metavar="RESULTS",
        default=None,
        help="write each row as it completes to a .csv, .jsonl or .parquet file",
    )
    arguments.add_resource_limits(parser, events=False)
    parser.add_argument("--resume", action="store_true", help="continue --out, running only the missing rows")
    parser.add_argument(
        "--force",
        action="store_true",
        help="with --resume: keep this sweep's rows even if another teardown build wrote them, "
        "and drop rows of another sweep definition",
    )
    arguments.add_progress(parser)


def run(args: argparse.Namespace) -> int:
    from teardown.executors import check_executor
    from teardown.summarise import MAIN_METRICS, summarise
    from teardown.sweep import sweep
    from teardown.sweep_file import load_sweep

    spec = load_sweep(args.sweep_file)
    if args.scheduler and args.executor:
        raise BadInput("give either --scheduler (a Dask cluster) or --executor, not both")
    if args.scheduler:
        executor: str = args.scheduler
        jobs = None
    else:
        executor = arguments.local_executor(args)
        # -j 1 is the serial default said aloud; -j N with --executor serial is refused below.
        jobs = None if executor == "serial" and args.jobs == 1 else args.jobs
    if args.resume and not args.out:
        raise BadInput("--resume needs --out, the results file to continue")
    try:
        check_executor(executor, jobs)
    except ValueError as error:
        raise BadInput(str(error)) from None
    sweep_arguments = spec.sweep_arguments()
    sweep_arguments["base"] = arguments.with_presets(sweep_arguments["base"], args)
    rows = sweep(
        **sweep_arguments,
        executor=executor,
        jobs=jobs,
        out=args.out,
        resume=args.resume,
        force=args.force,
        progress=arguments.progress(args),
        max_memory=args.max_memory,
    )
    metrics = spec.metrics or [m for m in MAIN_METRICS if m in rows.columns]
    unknown = [m for m in metrics if m not in rows.columns]
    if unknown:
        raise ConfigError(
            [{"path": "metrics", "message": f"no metric named {unknown[0]!r}", "where": str(spec.path)}]
        )
    print_warnings("sweep", sweep_warnings(rows))
    table = summarise(rows, metrics=metrics)
    if spec.description:
        print(spec.description)
    print(format_summary(table, metrics))
    written = f"; rows in {args.out}" if args.out else ""
    plural = "s" if spec.replications != 1 else ""
    points = rows["point"].nunique()
    print(f"\n{len(rows)} runs ({points} points x {spec.replications} replication{plural}){written}")
    return EXIT_OK
