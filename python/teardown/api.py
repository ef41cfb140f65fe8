"""The two entry points: ``load`` a scenario, ``run`` one."""

from __future__ import annotations

import os

from teardown import _core
from teardown.result import Result
from teardown.scenario import Scenario, ScenarioLike, as_scenario

__all__ = ["load", "run"]


def load(path: str | os.PathLike[str]) -> Scenario:
    """The scenario in a TOML file, checked and fully defaulted.

    Raises ``ConfigError`` naming the file when it cannot be read, and the key path and
    ``file:line:col`` of every bad value.
    """
    return Scenario.from_toml(path)


def run(scenario: ScenarioLike, *, trace: int = 0) -> Result:
    """Runs one scenario: a ``Scenario``, a (possibly partial, possibly dotted) dict, or the path
    of a TOML file. ``trace=n`` records the segments of the first ``n`` client connections and of
    the server connections they lead to (``Result.trace``, ``Result.ladder()``).

    The simulation releases the GIL, so threads run scenarios in parallel. Raises
    ``ConfigError`` on a bad scenario; nothing runs then.
    """
    if isinstance(trace, bool) or not isinstance(trace, int) or trace < 0:
        raise ValueError(f"trace is a number of connections (an int >= 0), not {trace!r}")
    checked = as_scenario(scenario)
    return Result._from_core(_core.run(checked.to_dict(), trace))
