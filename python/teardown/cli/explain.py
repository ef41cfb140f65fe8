"""``teardown explain``: ``td.explain`` of one failed request or one backend reset, printed as told."""

from __future__ import annotations

import argparse

from teardown.cli import arguments
from teardown.cli.command import EXIT_OK, BadInput
from teardown.cli.formatting import print_warnings
from teardown.cli.values import positive

DESCRIPTION = "Explain the N-th failed client request, or the N-th reset a backend application saw."

EPILOG = """\
Runs the scenario with every client connection traced (up to --connections), finds the N-th
failed client request (--failure N) or the N-th "Connection reset by peer" seen by a backend
(--reset N), and prints its ladder and what happened: which timer fired, how each side closed,
which rule produced the RST or end of stream, and what each application saw. Keep the run short
(--set sim.duration=20s). See docs/advise.md.

examples:
  teardown explain examples/scenarios/stale-reuse-keepalive.toml --set sim.duration=20s --failure 1
  teardown explain examples/scenarios/server-close.toml --set proxy.pretend_keepalive=true --reset 1
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    arguments.add_scenario(parser)
    parser.add_argument(
        "--failure", type=positive, default=None, metavar="N", help="the N-th failed client request"
    )
    parser.add_argument(
        "--reset", type=positive, default=None, metavar="N", help="the N-th reset seen by a backend"
    )
    parser.add_argument(
        "--connections",
        type=positive,
        default=100_000,
        metavar="N",
        help="trace at most this many client connections (default 100000)",
    )


def run(args: argparse.Namespace) -> int:
    from teardown.explain import explain

    if (args.failure is None) == (args.reset is None):
        raise BadInput("give either --failure N (a failed client request) or --reset N (a backend reset)")
    scenario = arguments.load_scenario(args)
    print_warnings("explain", scenario.warnings)
    try:
        text = explain(scenario, failure=args.failure, reset=args.reset, trace=args.connections)
    except ValueError as error:  # the run has fewer failures or resets than N
        raise BadInput(str(error)) from None
    print(text)
    return EXIT_OK
