"""What a scenario's report shows, gathered: its run, replications with other seeds, a traced run
for the first failed request and backend reset, and the advisor's ranking (each optional)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from teardown.result import Result
from teardown.scenario import Scenario

__all__ = ["TRACED_CONNECTIONS", "ScenarioFindings", "gather"]

TRACED_CONNECTIONS = 100_000  # as teardown explain: every client connection of a short run


@dataclass
class ScenarioFindings:
    """Everything a scenario's report shows, gathered by ``gather``."""

    scenario: Scenario
    result: Result
    """The run whose metrics, per-server table and time series are shown."""
    summary: pd.DataFrame | None
    """``td.summarise`` of the replications (one row), or None with fewer than two."""
    replications: int
    failure: tuple[str, int | None, Result] | None
    """The explanation of the first failed request, its connection and the traced run; None: no failure."""
    reset: tuple[str, int | None, Result] | None
    explained_over: str
    """Which run the failure and the reset come from, and what it covered."""
    advice: pd.DataFrame | None
    """``td.advise``'s ranking, or None when not asked for."""


def gather(
    source: Any,
    headline: Sequence[str],
    replications: int,
    advice: bool,
    objective: str | None,
    max_candidates: int,
    explain_duration: str,
    executor: Any,
    jobs: int | None,
    progress: bool | str,
) -> ScenarioFindings:
    """Runs what the report of ``source`` (a scenario or a Result) needs and it lacks; the
    replications are summarised over the ``headline`` metrics. The arguments are ``td.report``'s."""
    from teardown import parse_duration
    from teardown.advise import DEFAULT_OBJECTIVE, advise, parse_objective
    from teardown.api import run
    from teardown.scenario import as_scenario
    from teardown.summarise import summarise
    from teardown.sweep import sweep

    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    goal = parse_objective(objective or DEFAULT_OBJECTIVE) if advice else None  # bad text: before any run
    result = source if isinstance(source, Result) else run(as_scenario(source))
    scenario = Scenario(result.scenario)
    summary = None
    if replications >= 2:
        rows = sweep(scenario, replications=replications, executor=executor, jobs=jobs, progress=progress)
        summary = summarise(rows, metrics=list(headline))
    if result.traced_connections:
        traced, over = result, "the run above, its traced connections"
    else:
        measured = min(parse_duration(scenario["sim.duration"]), parse_duration(explain_duration))
        short = (
            scenario.with_({"sim.duration": explain_duration})
            if measured < parse_duration(scenario["sim.duration"])
            else scenario
        )
        traced = run(short, trace=TRACED_CONNECTIONS)
        over = (
            f"the same scenario over {short['sim.warmup']} of warm-up and {short['sim.duration']}, "
            "every connection traced"
        )
    ranked = None
    if goal is not None:
        ranked = advise(
            scenario,
            objective=goal,
            replications=replications,
            executor=executor,
            jobs=jobs,
            max_candidates=max_candidates,
            progress=progress,
        )
    return ScenarioFindings(
        scenario=scenario,
        result=result,
        summary=summary,
        replications=replications,
        failure=_first(traced, "failure"),
        reset=_first(traced, "reset"),
        explained_over=over,
        advice=ranked,
    )


def _first(traced: Any, what: str) -> tuple[str, int | None, Any] | None:
    """``td.explain``'s account of the first failure or reset of ``traced``, with its connection."""
    from teardown.explain import explain
    from teardown.traces import TraceView

    view = TraceView.of(traced)
    found = view.failures() if what == "failure" else view.backend_resets()
    if not found:
        return None
    text = explain(traced, **{what: 1})
    return text, found[0].connection, traced
