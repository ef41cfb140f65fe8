"""``main``: parse the command line, run the command it names, and turn what went wrong into one
message on stderr and an exit status."""

from __future__ import annotations

import os
import sys

from teardown.cli.command import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from teardown.cli.parser import build_parser
from teardown.cli.table import COMMANDS
from teardown.errors import ConfigError


def main(argv: list[str] | None = None) -> int:
    """Run the ``teardown`` command; returns the exit status."""
    parser = build_parser(COMMANDS)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    name = args.command.name
    try:
        return int(args.command.module.run(args))
    except ConfigError as error:  # BadInput included
        _print_error(name, str(error))
    except FileNotFoundError as error:
        _print_error(name, f"{error.filename}: no such file")
    except IsADirectoryError as error:
        _print_error(name, f"{error.filename}: is a directory")
    except BrokenPipeError:  # stdout closed early (teardown ... | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except ConnectionError as error:  # a Dask scheduler that cannot be reached: not the input's fault
        _print_error(name, str(error))
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"teardown {name}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_BAD_INPUT


def _print_error(command: str, message: str) -> None:
    for line in message.splitlines() or [""]:
        print(f"teardown {command}: error: {line}", file=sys.stderr)
