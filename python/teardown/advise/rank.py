"""Ranking candidates: constraints first, then the objective, then what else they make worse.

Order (docs/advise.md "How candidates are ranked"):
1. candidates meeting every constraint before those violating one (judged on the mean);
2. "solved" candidates — those leaving at most 1% of the current setup's objective, or a
   negligible value of every target (``NEGLIGIBLE``) — before the rest, ordered by objective;
3. then by collateral: the sum, over the harms the objective does not target (client failures,
   backend resets, client-side and server-side churn, TIME_WAIT peak, skew over 1), of the change
   against the current setup relative to its current value (or to a floor when that is smaller);
4. candidates alike in these (objective within 1% of the current value, collateral within 0.1 of
   the best of their run) are ordered by fewer changes first: a remedy that adds nothing
   measurable does not earn its place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from teardown.advise.objective import FLOORS, NEGLIGIBLE, SKEW, Objective

__all__ = ["SOLVED", "rank", "remaining"]

SOLVED = 0.01  # a candidate leaving at most this fraction of the current objective counts as solving it
OBJECTIVE_TOLERANCE = 0.01  # unsolved candidates closer than 1% of the current objective are alike
COLLATERAL_TOLERANCE = 0.1  # and so are candidates whose collateral differs by less than this


def _value(row: Mapping[str, float], metric: str) -> float:
    value = float(row[f"{metric}.mean"])
    return value - 1.0 if metric == SKEW else value


def _scale(base: Mapping[str, float], metric: str) -> float:
    return max(_value(base, metric), FLOORS.get(metric, 1e-9))


def remaining(row: Mapping[str, float], base: Mapping[str, float], goal: Objective) -> float:
    """The objective as a fraction of a unit per target: the mean over targets of value / scale."""
    parts = [_value(row, t) / _scale(base, t) for t in goal.targets]
    return math.fsum(parts) / len(parts)


def collateral(row: Mapping[str, float], base: Mapping[str, float], goal: Objective) -> float:
    """How much worse (positive) or better (negative) the other harms get, relative to the current setup."""
    return math.fsum(
        (_value(row, h) - _value(base, h)) / _scale(base, h) for h in FLOORS if h not in goal.targets
    )


def rank(summary: pd.DataFrame, goal: Objective) -> pd.DataFrame:
    """The summary (one row per candidate, ``<metric>.mean/.ci_low/.ci_high`` columns, ``current``
    marking the current setup, ``changes`` the number of remedies) with the ranking columns added
    and sorted best first: rank, objective, objective_change, removed, solved, violations, meets,
    collateral, group (candidates alike in results share one), adds_nothing_to (the key of the
    best-ranked candidate above this one made of a subset of its remedies, else "")."""
    base = summary[summary["current"]].iloc[0].to_dict()
    base_objective = remaining(base, base, goal)
    rows = []
    for _, row in summary.iterrows():
        values = row.to_dict()
        objective = remaining(values, base, goal)
        violations = [str(c) for c in goal.constraints if not c.holds(float(values[f"{c.metric}.mean"]))]
        if base_objective > 0:
            removed = 1.0 - objective / base_objective
            negligible = all(_value(values, t) <= NEGLIGIBLE.get(t, 0.0) for t in goal.targets)
            solved = objective <= SOLVED * base_objective or negligible
        else:
            removed, solved = math.nan, True
        values.update(
            objective=objective,
            objective_change=-removed,
            removed=removed,
            solved=solved,
            violations="; ".join(violations),
            meets=not violations,
            collateral=collateral(values, base, goal),
        )
        rows.append(values)
    ranked = pd.DataFrame(rows)
    order, groups = _order(ranked)
    ranked["group"] = pd.Series(groups)
    ranked = ranked.loc[order].reset_index(drop=True)
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    ranked["adds_nothing_to"] = _redundant(ranked)
    return ranked


def _redundant(ranked: pd.DataFrame) -> list[str]:
    """For each candidate, the best-ranked candidate above it made of a subset of its remedies (so its
    extra remedies add nothing, or harm), or "". The current setup is not counted as such a subset."""
    out: list[str] = []
    above: list[tuple[frozenset[str], str]] = []
    for _, row in ranked.iterrows():
        steps = frozenset(str(row["key"]).split(" + ")) if row["changes"] else frozenset()
        out.append(next((key for other, key in above if other < steps), ""))
        if steps:
            above.append((steps, str(row["key"])))
    return out


def _order(ranked: pd.DataFrame) -> tuple[list[int], dict[int, int]]:
    """Row labels best first: sort by (violations, unsolved, objective, collateral); then, within runs
    of rows that differ by less than the tolerances from the run's first row, fewer changes first."""
    keys = []
    for index, row in ranked.iterrows():
        violated = 0 if row["meets"] else len(str(row["violations"]).split("; "))
        objective = 0.0 if row["solved"] else float(row["objective"])
        keys.append(
            (
                violated,
                not row["solved"],
                objective,
                float(row["collateral"]),
                int(row["changes"]),
                str(row["candidate"]),
                index,
            )
        )
    keys.sort()
    grouped = []
    group, leader = -1, None
    for key in keys:
        if (
            leader is None
            or key[:2] != leader[:2]
            or key[2] - leader[2] > OBJECTIVE_TOLERANCE
            or key[3] - leader[3] > COLLATERAL_TOLERANCE
        ):
            group, leader = group + 1, key
        grouped.append((group, key[4], *key[2:4], key[5], key[6]))
    return [g[-1] for g in sorted(grouped)], {g[-1]: g[0] for g in grouped}
