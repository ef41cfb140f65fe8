"""The argparse parser of ``teardown``: the program's own options, then one subparser per row of the
command table."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import teardown
from teardown.cli.command import Command

EXAMPLES = """\
examples:
  teardown run examples/scenarios/server-close.toml
  teardown run examples/scenarios/server-close.toml --set backends.workers=32 --json
  teardown sweep examples/sweeps/modes.toml -j 2 --out modes.csv
  teardown sweep examples/sweeps/modes.toml --scheduler tcp://10.0.0.5:8786
  teardown import-haproxy /etc/haproxy/haproxy.cfg -o scenario.toml
  teardown advise examples/scenarios/stale-reuse-keepalive.toml --objective "failures, keep skew <= 1.1"
  teardown trace examples/scenarios/server-close.toml --set sim.duration=10s --pcap out.pcapng
  teardown explain examples/scenarios/stale-reuse-keepalive.toml --set sim.duration=20s --failure 1
  teardown report examples/scenarios/stale-reuse-keepalive.toml --set sim.duration=60s -o report.html

Bad input exits with status 2 and a message naming the file, line or key.
Documentation: docs/cli.md
"""


def build_parser(commands: Sequence[Command]) -> argparse.ArgumentParser:
    """The parser; a parsed command line carries its table row as ``command`` (None: no command)."""
    # Raw text: the epilogs are hand-wrapped example lines that must not be re-flowed.
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="teardown",
        description="Predict TCP resets, failed requests, connection churn and load skew of pooled "
        "HTTP clients behind an HAProxy-like proxy.",
        epilog=EXAMPLES,
        formatter_class=formatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.set_defaults(command=None)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in commands:
        subparser = subparsers.add_parser(
            command.name,
            help=command.help,
            description=command.module.DESCRIPTION,
            epilog=command.module.EPILOG,
            formatter_class=formatter,
        )
        command.module.add_arguments(subparser)
        subparser.set_defaults(command=command)
    return parser


class _VersionAction(argparse.Action):
    """--version: argparse's own wants its text when the parser is built, and finding the commit
    may ask git; do that only when asked."""

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
