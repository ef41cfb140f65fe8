"""The entry points: ``load`` a scenario, ``run`` one, ``estimate_resources`` of one."""

from __future__ import annotations

import math
import os
import re
from typing import Any

from teardown import _core
from teardown.errors import ConfigError
from teardown.result import Result
from teardown.scenario import Scenario, ScenarioLike, as_scenario

__all__ = ["load", "run", "estimate_resources", "default_max_memory", "parse_bytes"]

# The default memory limit of a run: this share of the machine's physical memory.
DEFAULT_MEMORY_SHARE = 0.8


def load(path: str | os.PathLike[str]) -> Scenario:
    """The scenario in a TOML file, checked and fully defaulted.

    Raises ``ConfigError`` naming the file when it cannot be read, and the key path and
    ``file:line:col`` of every bad value.
    """
    return Scenario.from_toml(path)


def run(
    scenario: ScenarioLike,
    *,
    trace: int = 0,
    max_memory: int | str | None = "auto",
    max_events: int | None = None,
    wall_time_limit: float | str | None = None,
) -> Result:
    """Runs one scenario: a ``Scenario``, a (possibly partial, possibly dotted) dict, or the path
    of a TOML file. ``trace=n`` records the segments of the first ``n`` client connections and of
    the server connections they lead to (``Result.trace``, ``Result.ladder()``).

    The resource guard: a scenario whose estimated memory is above ``max_memory`` (bytes, or
    text such as ``"2GiB"`` or ``"500MB"``; ``"auto"``, the default, is 80% of this machine's
    physical memory; ``None`` or ``"off"`` for no limit) or whose estimated event count is above
    ``max_events`` (default: no limit) is refused with ``ConfigError`` before anything runs,
    naming the estimate and the key that drives it (see ``estimate_resources``).
    ``wall_time_limit`` (seconds, or a duration such as ``"90s"`` or ``"10m"``) stops the run
    cleanly soon after that much wall-clock time: the Result then has ``partial == True`` and
    metrics over the simulated time reached (``Result.time_reached_s``).

    The simulation releases the GIL, so threads run scenarios in parallel. Raises
    ``ConfigError`` on a bad scenario or argument; nothing runs then.
    """
    if isinstance(trace, bool) or not isinstance(trace, int) or trace < 0:
        raise _error("trace", f"expected a number of connections (an int >= 0), got {trace!r}")
    memory = _memory_limit(max_memory)
    events = _event_limit(max_events)
    wall = _wall_limit(wall_time_limit)
    checked = as_scenario(scenario)
    return Result._from_core(_core.run_checked(checked._checked, trace, memory, events, wall))


def estimate_resources(scenario: ScenarioLike, *, trace: int = 0) -> dict[str, Any]:
    """What a run of the scenario will roughly need, as the guard of ``run`` estimates it:
    ``memory_bytes``, ``events`` (engine events, warm-up included), ``requests``,
    ``events_per_request``, and ``terms``, the memory terms largest first (``path``, the key
    that drives it; ``what``; ``count``; ``unit_bytes``; ``bytes``). Rough: within about a
    factor of 2 of the measured peak RSS (docs/robustness.md)."""
    checked = as_scenario(scenario)
    return dict(_core.estimate_resources(checked.to_dict(), trace))


def default_max_memory() -> int:
    """The default memory limit of a run: 80% of the machine's physical memory (0 if unknown)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0
    return int(total * DEFAULT_MEMORY_SHARE)


_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
    "t": 1000**4,
    "tb": 1000**4,
    "tib": 1024**4,
}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-zA-Z]*)\s*")


def parse_bytes(text: str) -> int:
    """``"2GiB"`` -> 2147483648, ``"500MB"`` -> 500000000, ``"1024"`` -> 1024; ValueError otherwise."""
    match = _SIZE.fullmatch(text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise ValueError(
            f"expected a size such as 2GiB, 500MB or a number of bytes (units: B, kB, KiB, MB, MiB, "
            f"GB, GiB, TB, TiB), got {text!r}"
        )
    value = float(match.group(1)) * _UNITS[unit]
    if not math.isfinite(value) or value >= 2**63:
        raise ValueError(f"size too large: {text!r}")
    return int(value)


def _memory_limit(value: int | str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        if value == "auto":
            return default_max_memory()
        if value == "off":
            return 0
        try:
            return parse_bytes(value)
        except ValueError as error:
            raise _error("max_memory", f"{error}; or 'auto', 'off'") from None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise _error(
            "max_memory",
            f"expected a number of bytes >= 0, a size such as '2GiB', 'auto' or None, got {value!r}",
        )
    return value


def _event_limit(value: int | None) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise _error("max_events", f"expected a number of events (an int >= 0) or None, got {value!r}")
    return value


def _wall_limit(value: float | str | None) -> float:
    if value is None:
        return 0.0
    if isinstance(value, str):
        try:
            ns = _core.parse_duration(value)
        except ValueError as error:
            raise _error("wall_time_limit", str(error)) from None
        return 0.0 if ns == _core.NEVER else ns / 1e9
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value >= 0)
    ):
        raise _error(
            "wall_time_limit",
            f"expected seconds (a number >= 0), a duration such as '10m' or None, got {value!r}",
        )
    return float(value)


def _error(path: str, message: str) -> ConfigError:
    return ConfigError([{"path": path, "message": message, "where": ""}])
