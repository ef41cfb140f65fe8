"""HAProxy value syntax (times, integers) and its translation into scenario durations.

HAProxy times (doc/configuration.txt "2.5. Time format") are an integer with an optional
unit, milliseconds when there is none: ``50000`` = 50 s. Scenario durations are strings with
a unit (docs/scenario.md): ``"50s"``, ``"250us"``, ``"off"``.
"""

from __future__ import annotations

import re

__all__ = ["MAX_TIMER_US", "parse_time_us", "parse_int", "duration_text"]

# Microseconds per HAProxy time unit; no unit means milliseconds.
_UNIT_US = {"us": 1, "ms": 1_000, "s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000}
_TIME = re.compile(r"(\d+)(us|ms|s|m|h|d)?")
_INT = re.compile(r"[+-]?\d+")
# HAProxy keeps timers in signed 32-bit milliseconds and refuses larger values ("timer overflow").
MAX_TIMER_US = (2**31 - 1) * 1_000
# Scenario units, largest first, in microseconds.
_SCENARIO_UNITS = (("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000), ("ms", 1_000), ("us", 1))


def parse_time_us(text: str) -> int | None:
    """The HAProxy time ``text`` in microseconds (``"50000"`` -> 50 000 000), or None if malformed."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_US[match.group(2) or "ms"]


def parse_int(text: str) -> int | None:
    """The decimal integer ``text``, or None if it is not one or does not fit HAProxy's 32-bit int."""
    if not _INT.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**31) <= value < 2**31 else None


def duration_text(microseconds: int) -> str:
    """A scenario duration in the largest exact unit: 50 000 000 -> ``"50s"``; 0 -> ``"off"``.

    HAProxy reads a zero time as "no timeout"; the scenario spells that ``"off"``.
    """
    if microseconds == 0:
        return "off"
    for unit, size in _SCENARIO_UNITS:
        if microseconds % size == 0:
            return f"{microseconds // size}{unit}"
    raise AssertionError("unreachable: every integer is a whole number of microseconds")
