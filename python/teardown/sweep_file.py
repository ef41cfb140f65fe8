"""The sweep file: a TOML description of a sweep, read by ``teardown sweep``.

    description = "keep-alive timeout against the pool's idle eviction"
    base = "../scenarios/stale-reuse-keepalive.toml"   # relative to this file; or an inline [base] table
    replications = 3
    seed = 1                                           # optional; default: the base's sim.seed
    metrics = ["client.failure_ratio", "backend.resets_per_s_per_server"]  # optional: the summary's columns

    [grid]                                             # every combination is a point
    "proxy.timeout.http_keep_alive" = ["1s", "2s"]
    "clients.pool.idle_evict" = ["off", "500ms"]

    [[points]]                                         # and/or explicit points
    "proxy.mode" = "httpclose"

    [sample]                                           # and/or a Latin-hypercube sample
    n = 20
    seed = 7
    [sample.ranges]
    "proxy.timeout.client" = ["1s", "10m"]

Keys inside [grid], [[points]] and [sample.ranges] are dotted scenario keys; quoted
("proxy.mode") or as nested tables (proxy.mode) alike. See docs/cli.md.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import teardown
from teardown import _core
from teardown.errors import ConfigError
from teardown.sweep import design_points

KEYS = ("description", "base", "replications", "seed", "metrics", "grid", "points", "sample")


@dataclass(frozen=True)
class SweepFile:
    """A validated sweep file: everything ``td.sweep`` needs besides where to run and where to write."""

    path: Path
    base: teardown.Scenario
    replications: int = 5
    seed: int | None = None
    grid: dict[str, list[Any]] | None = None
    points: list[dict[str, Any]] | None = None
    sample: dict[str, Any] | None = None
    metrics: list[str] | None = None
    description: str = ""
    base_path: Path | None = field(default=None, compare=False)

    def sweep_arguments(self) -> dict[str, Any]:
        """Keyword arguments of ``td.sweep`` for this file."""
        return {
            "base": self.base,
            "grid": self.grid,
            "points": self.points,
            "sample": self.sample,
            "replications": self.replications,
            "seed": self.seed,
        }


def load_sweep(path: str | os.PathLike[str]) -> SweepFile:
    """Read and validate a sweep file; ``td.ConfigError`` names the file and the key of any problem."""
    path = Path(path)
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ConfigError(
            [{"path": "", "message": f"cannot read the sweep file: {error.strerror}", "where": where}]
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        message = "not valid TOML: not UTF-8 text (a binary file?)"
        raise ConfigError([{"path": "", "message": message, "where": f"{where}:{line}"}]) from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(error, text, where) from None

    def bad(key: str, message: str) -> ConfigError:
        return ConfigError([{"path": key, "message": message, "where": where}])

    unknown = [key for key in table if key not in KEYS]
    if unknown:
        raise bad(unknown[0], f"unknown key (a sweep file takes {', '.join(KEYS)})")
    if "base" not in table:
        raise bad("base", 'missing: give a scenario file (base = "scenario.toml") or an inline [base] table')
    base, base_path = _base(table["base"], path, bad)

    replications = table.get("replications", 5)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise bad("replications", f"expected an integer >= 1, got {replications!r}")
    seed = table.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise bad("seed", f"expected an integer >= 0, got {seed!r}")
    metrics = table.get("metrics")
    if metrics is not None and (
        not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics)
    ):
        raise bad("metrics", f"expected a list of metric names, got {metrics!r}")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise bad("description", f"expected a string, got {description!r}")

    grid, points, sample = table.get("grid"), table.get("points"), table.get("sample")
    try:
        design_points(grid, points, sample)
    except ConfigError as error:
        raise ConfigError([{**issue, "where": issue["where"] or where} for issue in error.issues]) from None
    return SweepFile(path, base, replications, seed, grid, points, sample, metrics, description, base_path)


def _toml_error(error: tomllib.TOMLDecodeError, text: str, where: str) -> ConfigError:
    """The parser's error under the key whose value it rejected (a bad date, a malformed number),
    found by the core as for scenario files; at the file's line and column otherwise."""
    at = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", str(error), re.DOTALL)
    value = at and _core.toml_value_at(text, int(at.group(2)), int(at.group(3)))
    if value:
        path, line, column = value
        return ConfigError(
            [{"path": path, "message": f"not valid TOML: {at.group(1)}", "where": f"{where}:{line}:{column}"}]
        )
    place = f"{where}:{at.group(2)}:{at.group(3)}" if at else where
    return ConfigError([{"path": "", "message": f"not valid TOML: {error}", "where": place}])


def _base(value: Any, sweep_path: Path, bad: Any) -> tuple[teardown.Scenario, Path | None]:
    if isinstance(value, str):
        base_path = (sweep_path.parent / value) if not Path(value).is_absolute() else Path(value)
        if not base_path.is_file():
            raise bad("base", f"no scenario file {str(base_path)!r} (paths are relative to the sweep file)")
        return teardown.load(base_path), base_path
    if isinstance(value, Mapping):
        try:
            return teardown.Scenario.from_dict(dict(value)), None
        except ConfigError as error:
            raise ConfigError(
                [
                    {
                        **issue,
                        "path": f"base.{issue['path']}" if issue["path"] else "base",
                        "where": issue["where"] or str(sweep_path),
                    }
                    for issue in error.issues
                ]
            ) from None
    raise bad("base", f"expected a scenario file name or a [base] table, got {value!r}")
