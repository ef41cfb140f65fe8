"""``teardown import-haproxy``: ``teardown.haproxy_cfg.import_haproxy`` written out as a scenario file.

What matters is printed first, on stderr: the choices the import made, then the directives that
may affect teardown but are not modelled; the lines that cannot affect teardown are one counted
line (``--verbose`` lists them). The scenario's TOML carries the same report as comments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import teardown
from teardown.cli import arguments
from teardown.cli.command import EXIT_OK
from teardown.cli.output import write_atomically

if TYPE_CHECKING:
    from teardown.haproxy_cfg import ImportResult, Unmapped

DESCRIPTION = "Turn a haproxy.cfg into a teardown scenario."

EPILOG = """\
Turns global/defaults/frontend/backend/listen sections (mode, option lines, timeouts,
balance, server and default-server lines) into a scenario. First, on stderr: the choices
it made (release, frontend and backend, servers left out or invented, ...) and every
directive that may affect teardown but is not modelled, as FILE:LINE: not mapped: TEXT
(REASON); the lines that cannot affect teardown (log, stats, user, chroot, ...) are counted
in one line, listed with --verbose.

examples:
  teardown import-haproxy /etc/haproxy/haproxy.cfg
  teardown import-haproxy haproxy.cfg -o scenario.toml && teardown run scenario.toml
  teardown import-haproxy haproxy.cfg --frontend public --backend api -o api.toml
  teardown import-haproxy old/haproxy.cfg --haproxy-version 1.4 -o old.toml
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="haproxy.cfg", help="the HAProxy configuration file")
    arguments.add_haproxy_version(
        parser,
        default=None,
        help="the HAProxy release the file is for (a haproxy.cfg does not say; default: 2.6, "
        "and a note suggests a release when the file's keywords point to another)",
    )
    parser.add_argument(
        "--frontend",
        metavar="NAME",
        help="the frontend or listen section to model (default: chosen, and said)",
    )
    parser.add_argument(
        "--backend", metavar="NAME", help="the backend or listen section to model (default: chosen, and said)"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also list the lines that cannot affect teardown"
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

    imported = import_haproxy(
        args.config, version=args.haproxy_version, frontend=args.frontend, backend=args.backend
    )
    scenario = teardown.Scenario.from_dict(imported.scenario)
    report = _report(imported, args.config, args.verbose)
    header = [
        f"# Imported from {Path(args.config).name} by teardown {teardown.__version__}.",
        "# Every key is written out; keys the haproxy.cfg does not set have teardown's defaults.",
        *(f"# {line}" for line in report),
    ]
    text = "\n".join(header) + "\n\n" + scenario.to_toml()
    # On a terminal the scenario's header is the report, already first: print it once.
    if args.output or not (sys.stdout.isatty() and sys.stderr.isatty()):
        print("\n".join(report), file=sys.stderr, flush=True)
    if args.output:
        write_atomically(Path(args.output), text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _report(imported: ImportResult, source: str, verbose: bool) -> list[str]:
    """What the import chose, then what may matter and is not modelled, then the rest counted
    (or listed, with ``verbose``)."""
    first, *choices = imported.notes
    lines = [f"{source}: {first}", *(f"  {note}" for note in choices)]
    matter = imported.not_modelled
    if matter:
        lines.append(f"{len(matter)} directives may affect teardown but are not modelled:")
        lines.extend(_unmapped(source, u) for u in matter)
    else:
        lines.append("every directive that may affect teardown is mapped")
    rest = [u for u in imported.unmapped if not u.matters]
    inert = sum(u.kind == "inert" for u in rest)
    if verbose and rest:
        lines.append(
            f"{len(rest)} other lines are not mapped (they cannot affect teardown, or a note above says why):"
        )
        lines.extend(_unmapped(source, u) for u in rest)
    elif inert:
        lines.append(
            f"{inert} lines cannot affect teardown (logs, stats, process and TLS settings, listening "
            "addresses, proxies not modelled, values HAProxy ignores or overrides): --verbose lists them"
        )
    return lines


def _unmapped(source: str, item: Unmapped) -> str:
    """``FILE:LINE: not mapped: TEXT (REASON)``."""
    return f"{source}:{item.line}: not mapped: {item.text} ({item.reason})"
