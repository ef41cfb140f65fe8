"""One sentence per candidate: what it changes in the numbers, and the model rule that makes it work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from teardown.advise.candidates import Candidate
from teardown.advise.objective import CHURN, SKEW, Objective

__all__ = ["NAMES", "explanation", "show"]

# Metric -> (what it is called in a sentence, how a value is written).
NAMES: dict[str, str] = {
    "client.failure_ratio": "client failures",
    "client.failures_per_s": "client failures per second",
    "backend.resets_per_s_per_server": "backend resets",
    SKEW: "load skew",
    CHURN: "connection churn",
    "connections.client_side.per_request": "client-side churn",
    "connections.server_side.per_request": "server-side churn",
    "time_wait.peak": "TIME_WAIT peak",
    "time_wait.peak_proxy": "TIME_WAIT peak on the proxy",
}


def show(metric: str, value: float) -> str:
    """A metric's value as a sentence writes it: "0.27% of requests", "2.77/s per server", "1.00"."""
    if metric == "client.failure_ratio":
        return f"{100 * value:.3g}% of requests"
    if metric == "backend.resets_per_s_per_server":
        return f"{value:.3g}/s per server"
    if metric == SKEW:
        return f"{value:.3f}"
    if metric in (CHURN, "connections.client_side.per_request", "connections.server_side.per_request"):
        return f"{value:.3g} connections per request"
    if metric.startswith("time_wait"):
        return f"{value:,.0f}"
    return f"{value:.4g}"


def explanation(
    row: Mapping[str, Any], base: Mapping[str, Any], goal: Objective, candidate: Candidate
) -> str:
    """ "<label>: removes 100% of client failures (27% of requests -> 0 requests), with load skew
    1.000 (keep skew <= 1.1), because <mechanism, docs/model.md §...>."""
    if not candidate.steps:
        return "the current setup, for comparison"
    effects = []
    for target in goal.targets:
        before, after = float(base[f"{target}.mean"]), float(row[f"{target}.mean"])
        effects.append(f"{_change(before, after, target)} ({show(target, before)} -> {show(target, after)})")
    kept = [
        f"{NAMES.get(c.metric, c.metric)} {show(c.metric, float(row[f'{c.metric}.mean']))} "
        f"({'keeps' if c.holds(float(row[f'{c.metric}.mean'])) else 'breaks'} {c})"
        for c in goal.constraints
    ]
    clauses = "; ".join(step.clause for step in candidate.steps)
    with_ = ", with " + ", ".join(kept) if kept else ""
    return f"{candidate.label}: {' and '.join(effects)}{with_}, because {clauses}."


def _change(before: float, after: float, target: str) -> str:
    name = NAMES.get(target, target)
    if target == SKEW:
        before, after = before - 1, after - 1
        name = "the load skew above 1"
    if before <= 0:
        return f"{name} stay at zero" if after <= 0 else f"raises {name}"
    fraction = (before - after) / before
    if fraction >= 0:
        return f"removes {100 * fraction:.3g}% of {name}"
    return f"raises {name} by {100 * -fraction:.3g}%"
