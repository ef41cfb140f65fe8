"""The arguments several commands take, each defined once with the reading of what it parsed.

A group is added where the command's ``--help`` should list it, so each command keeps its own
order of options.
"""

from __future__ import annotations

import argparse

import teardown
from teardown.cli.overrides import with_sets
from teardown.cli.values import nonnegative, positive, size
from teardown.errors import ConfigError
from teardown.haproxy_cfg.keywords import VERSIONS


def add_scenario(parser: argparse.ArgumentParser) -> None:
    """SCENARIO.toml and --set: read back by ``load_scenario``."""
    parser.add_argument("scenario", metavar="SCENARIO.toml", help="the scenario file")
    add_sets(parser)


def add_sets(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a dotted key, e.g. proxy.mode=httpclose (repeatable)",
    )


def load_scenario(args: argparse.Namespace) -> teardown.Scenario:
    return with_sets(teardown.load(args.scenario), args.set)


def add_presets(parser: argparse.ArgumentParser) -> None:
    """--client and --backend: a client library and a server by name (docs/presets.md); read back by
    ``with_presets``, before --set, so that --set overrides them."""
    from teardown import preset_table as presets

    parser.add_argument(
        "--client",
        metavar="PRESET",
        default=None,
        help="the client library's defaults (clients.preset): " + ", ".join(presets.names("client")),
    )
    parser.add_argument(
        "--backend",
        metavar="PRESET",
        default=None,
        help="the backend server's defaults (backends.preset): " + ", ".join(presets.names("server")),
    )


def with_presets(scenario: teardown.Scenario, args: argparse.Namespace) -> teardown.Scenario:
    """The scenario with --client and --backend applied (each replaces the values its preset sets)."""
    for flag, key in (("client", "clients.preset"), ("backend", "backends.preset")):
        name = getattr(args, flag)
        if name is None:
            continue
        try:
            scenario = scenario.with_({key: name})
        except ConfigError as error:
            raise ConfigError(
                [{**issue, "where": issue["where"] or f"--{flag}"} for issue in error.issues]
            ) from None
    return scenario


def add_haproxy_backend(parser: argparse.ArgumentParser) -> None:
    """--haproxy-backend: which backend section of a haproxy.cfg (import-haproxy's --backend)."""
    parser.add_argument(
        "--haproxy-backend",
        metavar="NAME",
        default=None,
        help="with a haproxy.cfg: the backend or listen section to model (default: chosen, and said)",
    )


def add_resource_limits(parser: argparse.ArgumentParser, events: bool = True) -> None:
    """--max-memory (and --max-events): the resource guard of teardown.run."""
    parser.add_argument(
        "--max-memory",
        type=size,
        default="auto",
        metavar="SIZE",
        help="refuse, before running, a scenario estimated to need more memory than this "
        "(e.g. 2GiB, 500MB; default auto: 80%% of physical memory; off: no limit)",
    )
    if events:
        parser.add_argument(
            "--max-events",
            type=nonnegative,
            default=0,
            metavar="N",
            help="refuse, before running, a scenario estimated to handle more than N events "
            "(default: no limit)",
        )


def add_local_executor(parser: argparse.ArgumentParser) -> None:
    """-j and --executor: where many runs execute on this machine; read back by ``local_executor``."""
    parser.add_argument(
        "-j",
        "--jobs",
        type=positive,
        default=None,
        metavar="N",
        help="parallel runs (threads or processes; default: serial, or processes when N > 1)",
    )
    parser.add_argument(
        "--executor",
        choices=("serial", "threads", "processes"),
        default=None,
        help="where runs execute locally (default: serial, or processes with -j N > 1)",
    )


def local_executor(args: argparse.Namespace) -> str:
    """The executor named, else the one -j implies: asking for parallel runs is enough."""
    return args.executor or ("processes" if args.jobs and args.jobs > 1 else "serial")


def add_progress(parser: argparse.ArgumentParser) -> None:
    """--no-progress | --progress; read back by ``progress``."""
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--no-progress", action="store_true", help="no progress bar")
    bar.add_argument(
        "--progress", action="store_true", help="a progress bar even when stderr is not a terminal"
    )


def progress(args: argparse.Namespace) -> bool | str:
    """The ``progress`` argument of td.sweep and td.advise (True: only on a terminal)."""
    return "always" if args.progress else (False if args.no_progress else True)


def add_haproxy_version(parser: argparse.ArgumentParser, help: str, default: str | None = "2.6") -> None:
    """--haproxy-version: a haproxy.cfg does not say which release it is for."""
    parser.add_argument("--haproxy-version", default=default, choices=VERSIONS, help=help)
