"""What a command is: a row of the table that ``teardown --help`` lists (ninja's ``struct Tool``),
and the module that implements it.

A row only names the command; the parser is built from the rows (``parser.py``), so adding a
command is writing its module and adding its row to ``table.py``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Protocol

from teardown.errors import ConfigError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


class BadInput(ConfigError):
    """A command-line argument that cannot be used (exit status 2); a ``ConfigError``, so that
    Python callers of the CLI's helpers see the one exception of the API."""


class Implementation(Protocol):
    """What each command module (``run.py``, ``sweep.py``, ...) defines."""

    DESCRIPTION: str
    """The paragraph that opens ``teardown NAME --help``."""
    EPILOG: str
    """Notes and examples after the options, printed as written."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Adds the command's arguments, in the order its ``--help`` lists them."""

    def run(self, args: argparse.Namespace) -> int:
        """Runs the command; returns the exit status, raises ``ConfigError`` on bad input."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    """The command's line in ``teardown --help``."""
    module: Implementation
