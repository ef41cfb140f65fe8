"""``td.advise``: run the user's setup and the known remedies, alone and combined; rank them."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from teardown.advise.candidates import Candidate, combine, extend, singles
from teardown.advise.explain_row import explanation
from teardown.advise.objective import CHURN, Objective, parse_objective, with_failure_guard
from teardown.advise.rank import rank
from teardown.advise.remedies import FAMILIES, Remedy, remedies
from teardown.errors import ConfigError
from teardown.scenario import Scenario, ScenarioLike, as_scenario
from teardown.summarise import summarise
from teardown.sweep import sweep

__all__ = ["DEFAULT_OBJECTIVE", "METRICS", "advise", "load_setup"]

DEFAULT_OBJECTIVE = "failures, keep skew <= 1.1"

# What every candidate is measured on (docs/metrics.md), plus the derived churn.
METRICS = (
    "client.failure_ratio",
    "client.failures_per_s",
    "backend.resets_per_s_per_server",
    "skew.requests.max_over_mean",
    "connections.client_side.per_request",
    "connections.server_side.per_request",
    CHURN,
    "time_wait.peak",
    "time_wait.peak_proxy",
    "requests.started",
)


def advise(
    setup: ScenarioLike,
    objective: str | Objective = DEFAULT_OBJECTIVE,
    replications: int = 3,
    executor: Any = "serial",
    jobs: int | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    haproxy_version: str = "2.6",
    max_candidates: int = 200,
    grow: int = 6,
    without: Sequence[str] = (),
    progress: bool | str = False,
) -> pd.DataFrame:
    """Rank the known remedies for ``setup`` by ``objective``; one row per candidate, best first.

    setup: a Scenario, a scenario dict, a scenario TOML file, or a haproxy.cfg (read as HAProxy
        ``haproxy_version``; any other file that does not end in .toml is taken as a haproxy.cfg).
    overrides: dotted keys applied to the setup first (the command line's --set).
    objective: what to minimise and what to keep within bounds, "failures, keep skew <= 1.1";
        see ``teardown.advise.objective`` (failures, backend-resets, resets, skew, churn,
        time-wait or a metric name). An objective that neither minimises nor bounds client
        failures gets "keep failures <= max(1.1 x now, now + 0.001)": fewer resets must not
        cost failed requests.
    replications, executor, jobs, progress: as ``td.sweep``; every candidate runs with the same
        seeds (common random numbers).
    max_candidates: at most this many candidates in all; grow: how many of the best pairs are
        tried with a third remedy.
    without: remedy families (or remedy keys) not to try, e.g. ``["timeouts", "mode"]`` when the
        proxy's timeouts and mode cannot change; ``teardown.advise.FAMILIES`` lists them.

    Candidates: the current setup; each remedy that applies to the version and mode alone; pairs
    of them; the ``grow`` best pairs with one more remedy; and the field reports' recipes.
    Columns: rank, candidate (a label), key (remedy ids), changes (how many), overrides (a
    dict), current (the user's setup), n, ``<metric>.mean/.ci_low/.ci_high/.change`` (the change
    of the mean relative to the current setup's, NaN where that is 0) for each of ``METRICS``
    and the objective's metrics, objective (relative to the current setup),
    objective_change, removed, solved, violations, meets, collateral, explanation.
    ``df.attrs["objective"]`` holds the objective's text, ``df.attrs["constraints"]`` every
    constraint applied (the implicit one included).
    """
    goal = objective if isinstance(objective, Objective) else parse_objective(objective)
    base = load_setup(setup, haproxy_version)
    if overrides:
        base = base.with_(dict(overrides))
    order = _allowed(remedies(base), without)
    metrics = list(dict.fromkeys([*METRICS, *goal.targets, *(c.metric for c in goal.constraints)]))
    runner = _Runner(base, metrics, replications, executor, jobs, progress)

    seen: set[str] = set()
    candidates = singles(base, order, seen)[:max_candidates]
    runner.add(candidates)
    goal = with_failure_guard(goal, runner.current("client.failure_ratio"))
    ranked = runner.ranked(goal)
    room = max_candidates - len(candidates)
    if room > 0:
        pairs = combine(base, runner.ranked_candidates(ranked), order, room, seen)
        candidates += pairs
        runner.add(pairs)
        ranked = runner.ranked(goal)
    room = max_candidates - len(candidates)
    if room > 0:
        useful = ranked[ranked["adds_nothing_to"] == ""]  # grow pairs whose both remedies count
        runner.add(extend(base, runner.ranked_candidates(useful), order, grow, room, seen))
        ranked = runner.ranked(goal)
    base_row = ranked[ranked["current"]].iloc[0]
    for metric in metrics:  # the change of each mean against the current setup, relative to it
        now = float(base_row[f"{metric}.mean"])
        ranked[f"{metric}.change"] = (ranked[f"{metric}.mean"] - now) / now if now else float("nan")
    ranked["explanation"] = [
        explanation(row, base_row, goal, runner.by_key[row["key"]]) for _, row in ranked.iterrows()
    ]
    ranked.attrs["objective"] = goal.text
    ranked.attrs["constraints"] = [str(c) for c in goal.constraints]
    return ranked


def _allowed(order: list[Remedy], without: Sequence[str]) -> list[Remedy]:
    unknown = [w for w in without if w not in FAMILIES and w not in {r.key for r in order}]
    if unknown:
        message = f"unknown remedy {unknown[0]!r}; the families are {', '.join(FAMILIES)}"
        raise ConfigError([{"path": "without", "message": message, "where": "--without"}])
    return [r for r in order if r.family not in without and r.key not in without]


def load_setup(setup: ScenarioLike, haproxy_version: str = "2.6", backend: str | None = None) -> Scenario:
    """A Scenario from a Scenario, dict, scenario TOML file or haproxy.cfg (``backend``: the
    haproxy.cfg's backend or listen section to model; by default the importer chooses)."""
    if isinstance(setup, (str, os.PathLike)) and Path(setup).suffix.lower() != ".toml":
        from teardown.haproxy_cfg import import_haproxy

        return Scenario(import_haproxy(setup, version=haproxy_version, backend=backend).scenario)
    return as_scenario(setup)


class _Runner:
    """Runs batches of candidates as sweeps and keeps one summary row per candidate."""

    def __init__(
        self,
        base: Scenario,
        metrics: Sequence[str],
        replications: int,
        executor: Any,
        jobs: int | None,
        progress: bool | str,
    ) -> None:
        self.base, self.metrics = base, list(metrics)
        self.replications, self.executor, self.jobs, self.progress = replications, executor, jobs, progress
        self.rows: list[dict[str, Any]] = []
        self.by_key: dict[str, Candidate] = {}

    def current(self, metric: str) -> float:
        """The current setup's mean of a metric."""
        return float(next(row[f"{metric}.mean"] for row in self.rows if row["current"]))

    def ranked(self, goal: Objective) -> pd.DataFrame:
        return rank(pd.DataFrame(self.rows), goal)

    def add(self, candidates: Sequence[Candidate]) -> None:
        if candidates:
            frame = sweep(
                self.base,
                points=[c.overrides for c in candidates],
                replications=self.replications,
                executor=self.executor,
                jobs=self.jobs,
                progress=self.progress,
            )
            frame[CHURN] = frame[
                ["connections.client_side.per_request", "connections.server_side.per_request"]
            ].max(axis=1)
            missing = [m for m in self.metrics if m not in frame.columns]
            if missing:
                raise KeyError(f"no metric named {missing[0]!r} (see docs/metrics.md)")
            table = summarise(frame, metrics=self.metrics)
            for _, stats in table.iterrows():
                candidate = candidates[int(stats["point"])]
                self.by_key[candidate.key] = candidate
                row = {
                    "candidate": candidate.label,
                    "key": candidate.key,
                    "changes": len(candidate.steps),
                    "overrides": candidate.overrides,
                    "current": not candidate.steps,
                    "n": int(stats["n"]),
                }
                row.update(
                    {c: stats[c] for c in table.columns if c.endswith((".mean", ".ci_low", ".ci_high"))}
                )
                self.rows.append(row)

    def ranked_candidates(self, ranked: pd.DataFrame) -> list[Candidate]:
        return [self.by_key[k] for k in ranked["key"]]
