"""``td.sweep``: run a scenario over a grid, a list of points or a Latin-hypercube sample, with replications.

A sweep is a plan of tasks (point x replication), each a full scenario with its own seed,
run on any executor (see :mod:`teardown.executors`) and gathered into one DataFrame with a row
per task, sorted by point and replication. Replication ``r`` of every point runs with the
same seed, derived from the base seed and ``r`` (common random numbers), so differences
between points are not noise between seeds, and results never depend on the executor.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import teardown
from teardown import _version_info
from teardown.errors import ConfigError
from teardown.executors import Task, check_executor, execute
from teardown.results_store import RowStore, open_store
from teardown.scenario import as_scenario

# Columns of a sweep row that are not overrides or metrics, in the order they appear.
LEADING = ("point", "replication", "seed")
TRAILING = ("warnings", "scenario_hash", "teardown_version", "git_commit", "wall_s")
META = frozenset(LEADING + TRAILING)
WARNING_SEPARATOR = "; "  # between the warnings of one run in its row

Overrides = dict[str, Any]


def sweep(
    base: Any,
    grid: Mapping[str, Sequence[Any]] | None = None,
    points: Sequence[Mapping[str, Any]] | None = None,
    sample: Mapping[str, Any] | None = None,
    replications: int = 5,
    executor: Any = "serial",
    jobs: int | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool | str = True,
    seed: int | None = None,
    force: bool = False,
    max_memory: int | str | None = "auto",
) -> pd.DataFrame:
    """Run ``base`` at every point, ``replications`` times each; one row per run.

    base: a scenario dict, a TOML path or a ``td.Scenario``.
    grid: ``{"dotted.key": [values]}``; every combination is a point.
    points: a list of ``{"dotted.key": value}`` dicts, each a point.
    sample: ``{"n": 20, "ranges": {"dotted.key": [lo, hi]}, "seed": 1}``, a Latin-hypercube
        sample of n points; ranges are numbers (ints give ints) or durations ("1s", "10m").
    The points are those of the grid, then the listed points, then the sample; with none of
    them, the base alone is one point.
    replications: runs per point; replication r runs with a seed derived from (seed, r),
        the same for every point. ``seed`` defaults to the base's ``sim.seed``.
    executor: "serial", "threads", "processes", a ``distributed.Client`` or a Dask scheduler
        address ("tcp://host:8786"); jobs: worker count for threads and processes.
    out: a .csv, .jsonl or .parquet file, written row by row as runs complete.
    resume: continue ``out``, running only what it lacks; rows written by another teardown
        build or another sweep definition are refused unless ``force`` (which keeps the rows
        of this sweep whatever build wrote them, and drops the others).
    progress: a progress bar on stderr when it is a terminal (True), always ("always"), or never (False).
    max_memory: the memory limit of each run, as in ``td.run`` ("auto": 80% of the physical memory
        of the machine that runs it); every point is checked against it here first.

    Returns a DataFrame with columns point, replication, seed, one per override key, one per
    metric, warnings (the run's ``Result.warnings`` joined by "; ", empty for most runs: the
    settings the point's scenario holds and the run ignored, as HAProxy does, such as HTTP
    settings when the point sets ``proxy.mode = "tcp"``), scenario_hash, teardown_version,
    git_commit, wall_s. ``td.summarise`` turns it
    into means and confidence intervals per point. Raises ``td.ConfigError`` on bad input,
    before anything runs.
    """
    base_scenario = as_scenario(base)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise _error("replications", f"expected an integer >= 1, got {replications!r}")
    check_executor(executor, jobs)
    if resume and out is None:
        raise _error("resume", "needs out, the results file to continue")
    designs = design_points(grid, points, sample)
    plan = make_plan(base_scenario, designs, replications, seed, max_memory)

    store = open_store(out) if out is not None else None
    stored: dict[tuple[int, int], dict[str, Any]] = {}
    keep: list[dict[str, Any]] | None = None
    if store is not None and store.exists():
        if not resume:
            message = "already exists: resume to continue it, or choose another output file"
            raise _error("out", message, where=str(store.path))
        stored, keep = reconcile(store, plan, force=force)

    rows = {key: plan.row(plan.tasks[key], output) for key, output in stored.items()}
    todo = [task for key, task in plan.tasks.items() if key not in stored]
    if store is not None:
        store.start(keep)
    try:
        with _progress_bar(len(todo), progress) as bar:
            for output in execute(todo, executor, jobs):
                key = (output["point"], output["replication"])
                row = plan.row(plan.tasks[key], output)
                if store is not None:
                    store.append(row)
                rows[key] = row
                bar.update(1)
        frame = plan.frame([rows[key] for key in sorted(rows)])
        if store is not None:
            store.finish(frame)
    finally:
        if store is not None:
            store.close()
    return frame


# --- the points ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """One point of a sweep: its overrides and where they came from (for error messages)."""

    overrides: Overrides
    origin: str  # "grid", "points[2]", "sample"


def design_points(
    grid: Mapping[str, Any] | None,
    points: Sequence[Mapping[str, Any]] | None,
    sample: Mapping[str, Any] | None,
) -> list[Design]:
    """The points of a sweep: the grid's combinations, the listed points, then the sample."""
    designs: list[Design] = []
    if grid is not None:
        designs += [Design(o, "grid") for o in grid_points(grid)]
    if points is not None:
        if isinstance(points, (str, Mapping)) or not isinstance(points, Sequence):
            raise _error("points", "expected a list of {dotted key: value} tables")
        for i, point in enumerate(points):
            if not isinstance(point, Mapping):
                raise _error(f"points[{i}]", f"expected a table of dotted keys, got {point!r}")
            designs.append(Design(flatten(point), f"points[{i}]"))
    if sample is not None:
        designs += [Design(o, "sample") for o in latin_hypercube(sample)]
    if grid is None and points is None and sample is None:
        designs.append(Design({}, "base"))
    for design in designs:
        if "sim.seed" in design.overrides:
            raise _error(
                f"{design.origin}.sim.seed", "the seed is set per replication: give the sweep's seed instead"
            )
    return designs


def grid_points(grid: Mapping[str, Any]) -> list[Overrides]:
    """Every combination of the grid's values, the last key varying fastest."""
    if not isinstance(grid, Mapping):
        raise _error("grid", "expected a table of {dotted key: [values]}")
    axes = flatten(grid)
    for key, values in axes.items():
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence) or not values:
            raise _error(f'grid."{key}"', f"expected a non-empty list of values, got {values!r}")
    keys = list(axes)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes.values())]


def latin_hypercube(sample: Mapping[str, Any]) -> list[Overrides]:
    """n points, one in each of n equal strata of every range, strata paired at random.

    Integer ranges give integers; duration ranges ("1s", "10m") are sampled in nanoseconds
    and written back as durations rounded to 4 significant digits ("591.7ms").
    """
    if not isinstance(sample, Mapping):
        raise _error("sample", "expected a table with n, ranges and an optional seed")
    unknown = set(sample) - {"n", "ranges", "seed"}
    if unknown:
        raise _error(f"sample.{sorted(unknown)[0]}", "unknown key (sample takes n, ranges, seed)")
    n, seed, ranges = sample.get("n"), sample.get("seed", 1), sample.get("ranges")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise _error("sample.n", f"expected an integer >= 1, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _error("sample.seed", f"expected an integer >= 0, got {seed!r}")
    if not isinstance(ranges, Mapping) or not ranges:
        raise _error("sample.ranges", "expected a table of {dotted key: [low, high]}")
    axes = {key: _range(key, bounds) for key, bounds in flatten(ranges).items()}
    rng = np.random.default_rng(seed)
    columns = {}
    for key, (low, high, kind) in axes.items():
        u = (rng.permutation(n) + rng.random(n)) / n  # one draw in each stratum [i/n, (i+1)/n)
        columns[key] = [_scale(float(x), low, high, kind) for x in u]
    return [{key: columns[key][i] for key in axes} for i in range(n)]


def _range(key: str, bounds: Any) -> tuple[float, float, str]:
    path = f'sample.ranges."{key}"'
    if not isinstance(bounds, Sequence) or isinstance(bounds, str) or len(bounds) != 2:
        raise _error(path, f"expected [low, high], got {bounds!r}")
    low, high = bounds
    if all(isinstance(b, str) for b in bounds):
        try:
            low_ns, high_ns = teardown.parse_duration(low), teardown.parse_duration(high)
        except ValueError as error:
            raise _error(path, str(error)) from None
        if teardown.NEVER in (low_ns, high_ns):
            raise _error(path, "a duration range needs two finite durations, not 'off'")
        kind, low, high = "duration", float(low_ns), float(high_ns)
    elif all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
        kind = "int"
    elif all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds):
        kind = "float"
    else:
        raise _error(path, f"expected two numbers or two durations, got {bounds!r}")
    if not low <= high:
        raise _error(path, f"low must not exceed high, got {bounds!r}")
    return float(low), float(high), kind


def _scale(u: float, low: float, high: float, kind: str) -> Any:
    if kind == "int":
        return int(min(high, math.floor(low + u * (high - low + 1))))
    value = low + u * (high - low)
    if kind == "float":
        return value
    return _duration_text(int(float(f"{value:.4g}")) if value >= 1 else 1)


def _duration_text(ns: int) -> str:
    """A duration of at most 4 significant digits in the largest unit it reaches: "591.7ms", "2.844s"."""
    for unit, name in ((10**9, "s"), (10**6, "ms"), (10**3, "us"), (1, "ns")):
        if ns >= unit:
            value = ns / unit
            return (f"{value:.4g}" if value < 1e4 else f"{value:.0f}") + name
    return "0s"


def flatten(table: Mapping[str, Any], prefix: str = "") -> Overrides:
    """``{"proxy": {"mode": "tcp"}}`` and ``{"proxy.mode": "tcp"}`` both to ``{"proxy.mode": "tcp"}``."""
    flat: Overrides = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


# --- the plan --------------------------------------------------------------------------------


def replication_seed(root: int, replication: int) -> int:
    """The seed of replication r: the same for every point, fits a TOML (signed 64-bit) integer."""
    digest = hashlib.sha256(f"teardown.sweep/{root}/{replication}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@dataclass
class Plan:
    """Every task of a sweep, keyed by (point, replication), and the override columns of each point."""

    tasks: dict[tuple[int, int], Task]
    columns: dict[int, Overrides]  # point -> override column values
    override_names: list[str]

    def row(self, task: Task, output: Mapping[str, Any]) -> dict[str, Any]:
        """A sweep row: the plan's columns for the task, then the run's metrics and build."""
        row: dict[str, Any] = {"point": task.point, "replication": task.replication, "seed": task.seed}
        row.update(self.columns[task.point])
        row.update(output["metrics"])
        row["warnings"] = WARNING_SEPARATOR.join(output["warnings"])
        row["scenario_hash"] = task.scenario_hash
        row["teardown_version"] = str(output["teardown_version"])
        row["git_commit"] = str(output["git_commit"] or "")
        row["wall_s"] = float(output["wall_s"])
        return row

    def frame(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        """Rows as a DataFrame with the sweep's column order (metrics in the order first seen)."""
        metrics = list(
            dict.fromkeys(c for row in rows for c in row if c not in META and c not in self.columns_set)
        )
        order = [*LEADING, *self.override_names, *metrics, *TRAILING]
        frame = pd.DataFrame(rows, columns=order)
        frame.attrs["teardown.overrides"] = list(self.override_names)
        frame.attrs["teardown.metrics"] = metrics
        return frame

    @property
    def columns_set(self) -> set[str]:
        return set(self.override_names)


def make_plan(
    base: teardown.Scenario,
    designs: list[Design],
    replications: int,
    seed: int | None,
    max_memory: int | str | None = "auto",
) -> Plan:
    """Validate every point against the base (and the memory limit) and make its tasks; nothing
    runs on bad input."""
    root = int(base.get("sim.seed")) if seed is None else seed
    if isinstance(root, bool) or not isinstance(root, int) or root < 0:
        raise _error("seed", f"expected an integer >= 0, got {seed!r}")
    seeds = [replication_seed(root, r) for r in range(replications)]
    names = list(dict.fromkeys(key for design in designs for key in design.overrides))
    tasks: dict[tuple[int, int], Task] = {}
    columns: dict[int, Overrides] = {}
    for point, design in enumerate(designs):
        try:
            # Each replication's scenario is checked once, overrides and seed together (the seed
            # first, so that an override replacing the sim table is the one reported).
            seeded = [base.with_({"sim.seed": s, **design.overrides}) for s in seeds]
            check_memory(seeded[0], max_memory)  # the estimate does not depend on the seed
        except ConfigError as error:
            raise _in_point(error, point, design) from None
        columns[point] = {
            name: design.overrides[name] if name in design.overrides else _plain(seeded[0].get(name))
            for name in names
        }
        for replication, (seed_, scenario) in enumerate(zip(seeds, seeded, strict=True)):
            tasks[(point, replication)] = Task(
                point, replication, seed_, scenario, scenario.hash(), max_memory
            )
    return Plan(tasks, columns, names)


def check_memory(scenario: teardown.Scenario, max_memory: int | str | None) -> None:
    """Raise the ConfigError ``td.run`` would raise for a scenario above the memory limit."""
    from teardown import _core
    from teardown.api import _memory_limit

    _core.check_resources(scenario._data, _memory_limit(max_memory), 0)  # read, not kept: no copy


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _in_point(error: ConfigError, point: int, design: Design) -> ConfigError:
    shown = ", ".join(f"{k}={v!r}" for k, v in design.overrides.items())
    context = f"in sweep point {point} from {design.origin}: {shown}"
    return ConfigError([{**issue, "message": f"{issue['message']} ({context})"} for issue in error.issues])


# --- resuming --------------------------------------------------------------------------------


def reconcile(
    store: RowStore, plan: Plan, *, force: bool
) -> tuple[dict[tuple[int, int], dict[str, Any]], list | None]:
    """The stored outputs this sweep can keep, and the rows to rewrite the file with (None: keep as is).

    A stored row is kept when its (point, replication) belongs to this plan with the same
    scenario hash and it was written by this build (same version; same commit when both
    are known). Other rows are refused, unless ``force``: then rows of this plan written by
    another build are kept, and rows of another plan dropped.
    """
    version, commit = _version_info.version(), _version_info.git_commit()
    outputs: dict[tuple[int, int], dict[str, Any]] = {}
    kept: list[dict[str, Any]] = []
    foreign_plan: list[str] = []
    foreign_build: list[str] = []
    rows = store.read()
    for number, row in enumerate(rows, 1):
        try:
            key = (int(row["point"]), int(row["replication"]))
            stored_hash = str(row["scenario_hash"])
        except (KeyError, TypeError, ValueError):
            raise _error("out", f"row {number} is not a teardown sweep row", where=str(store.path)) from None
        task = plan.tasks.get(key)
        if task is None or task.scenario_hash != stored_hash:
            foreign_plan.append(f"point {key[0]} replication {key[1]}")
            continue
        row_version, row_commit = str(row.get("teardown_version", "")), _text(row.get("git_commit"))
        if row_version != version or (row_commit and commit and row_commit != commit):
            foreign_build.append(f"teardown {row_version} {row_commit[:12]}".strip())
            if not force:
                continue
        if key in outputs:
            continue  # a duplicate: keep the first
        outputs[key] = _output_of(row, plan)
        kept.append(row)
    if not force and (foreign_plan or foreign_build):
        if foreign_plan:
            what = f"{len(foreign_plan)} rows of another sweep definition (first: {foreign_plan[0]} differs)"
        else:
            this = f"teardown {version} {commit[:12]}".strip()
            what = f"{len(foreign_build)} rows written by another build ({foreign_build[0]}; this is {this})"
        advice = "use another output file, or force to keep this sweep's rows and drop the others"
        raise _error("out", f"cannot resume: it holds {what}; {advice}", where=str(store.path))
    rewrite = len(kept) != len(rows)
    return outputs, (kept if rewrite else None)


def _output_of(row: Mapping[str, Any], plan: Plan) -> dict[str, Any]:
    """What a run returned, read back from a stored row (CSV gives strings, JSONL and Parquet values)."""
    metrics = {
        name: _number(value)
        for name, value in row.items()
        if name not in META and name not in plan.columns_set
    }
    warnings = _text(row.get("warnings"))
    return {
        "metrics": metrics,
        "warnings": [warnings] if warnings else [],
        "teardown_version": str(row.get("teardown_version", "")),
        "git_commit": _text(row.get("git_commit")),
        "wall_s": _number(row.get("wall_s")),
    }


def _number(value: Any) -> float:
    if value is None or value == "":
        return math.nan
    return float(value)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


# --- progress --------------------------------------------------------------------------------


def _progress_bar(total: int, progress: bool | str) -> Any:
    from tqdm import tqdm

    if progress == "always":
        show = True
    elif progress is True:
        show = sys.stderr.isatty() or "ipykernel" in sys.modules
    elif progress is False or progress is None:
        show = False
    else:
        raise ValueError(f"progress must be True, False or 'always', got {progress!r}")
    return tqdm(total=total, disable=not show, file=sys.stderr, unit="run", desc="sweep", dynamic_ncols=True)


def _error(path: str, message: str, where: str = "") -> ConfigError:
    return ConfigError([{"path": path, "message": message, "where": where}])
