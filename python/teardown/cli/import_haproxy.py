"""``teardown import-haproxy``: ``teardown.haproxy_cfg.import_haproxy`` written out as a scenario file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import teardown
from teardown.cli import arguments
from teardown.cli.command import EXIT_OK
from teardown.cli.output import write_atomically

DESCRIPTION = "Turn a haproxy.cfg into a teardown scenario."

EPILOG = """\
Turns global/defaults/frontend/backend/listen sections (mode, option lines, timeouts,
balance, server and default-server lines) into a scenario. Every directive it does not map
is listed on stderr as FILE:LINE: not mapped: TEXT (REASON).

examples:
  teardown import-haproxy /etc/haproxy/haproxy.cfg
  teardown import-haproxy haproxy.cfg -o scenario.toml && teardown run scenario.toml
  teardown import-haproxy old/haproxy.cfg --haproxy-version 1.5 -o old.toml
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="haproxy.cfg", help="the HAProxy configuration file")
    arguments.add_haproxy_version(
        parser, help="the HAProxy release the file is for (a haproxy.cfg does not say; default 2.6)"
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="SCENARIO.toml",
        default=None,
        help="write the scenario here instead of stdout",
    )


def run(args: argparse.Namespace) -> int:
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
