"""Measurement side of the validation harness (issue 6, item 3).

Runs the real HAProxy (Debian package, 2.6) on 127.0.0.1 between real HTTP/1.1
backends (:mod:`.backends`) and a real keep-alive client pool (:mod:`.client`),
and reports what was measured under the simulator's metric names
(:mod:`.measure`). :mod:`.haproxy` writes the configuration, runs the process and
reads its statistics.

This package uses only the standard library and never needs the compiled core,
so it can be imported (with ``python/`` on ``sys.path``) before the core is built.
All wall-clock durations in a validation scenario are real seconds.
"""

from __future__ import annotations

import re

__all__ = ["parse_seconds"]

_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-z]*)\s*$")


def parse_seconds(value: object) -> float | None:
    """Return a scenario duration in seconds, or ``None`` for ``"off"``/``None``.

    Accepts the scenario syntax ("250us", "60s", "10m"; a bare number means
    seconds) and plain ints/floats. Raises ``ValueError`` naming the bad text.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a duration, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text == "off":
        return None
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"expected a duration, got {value!r}")
    number, unit = match.groups()
    if unit and unit not in _UNITS:
        raise ValueError(f"unknown unit {unit!r} in duration {value!r}")
    return float(number) * _UNITS[unit or "s"]
