"""Parsers of argument text (argparse ``type=``): a bad value is a usage error, exit status 2."""

from __future__ import annotations

import argparse

import teardown


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def nonnegative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def size(text: str) -> int | str:
    """A memory size (2GiB, 500MB) or the words ``auto`` and ``off`` of the resource guard."""
    from teardown.api import parse_bytes

    if text in ("auto", "off"):
        return text
    try:
        return parse_bytes(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error}; or auto, off") from None


def wall_seconds(text: str) -> float:
    """A wall-clock limit in seconds; 0 and ``off`` are refused, since a limit that never stops the
    run is written by leaving the option out."""
    try:
        ns = teardown.parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if ns in (0, teardown.NEVER):
        raise argparse.ArgumentTypeError(
            f"expected a duration greater than 0 such as 90s or 10m, got {text!r}"
        )
    return ns / 1e9


def duration(text: str) -> str:
    """A simulated duration as a scenario writes it (20s, 500ms), greater than 0 and not ``off``."""
    try:
        ns = teardown.parse_duration(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if ns in (0, teardown.NEVER):
        raise argparse.ArgumentTypeError(f"expected a duration greater than 0 such as 20s, got {text!r}")
    return text
