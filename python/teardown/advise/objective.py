"""The advisor's objective: what to minimise, and what must stay within bounds.

    parse_objective("failures, keep skew <= 1.1")
    parse_objective("backend-resets, keep skew <= 1.1, keep churn <= 0.5")
    parse_objective("resets")                     # client failures and backend resets together

Names are the aliases of ``ALIASES`` or any metric of docs/metrics.md.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

from teardown.errors import ConfigError

__all__ = [
    "ALIASES",
    "CHURN",
    "FLOORS",
    "HARM",
    "NEGLIGIBLE",
    "Constraint",
    "Objective",
    "parse_objective",
    "with_failure_guard",
]

CHURN = "churn"  # derived per run: the larger of client-side and server-side connections per request
SKEW = "skew.requests.max_over_mean"

# What the objective names mean, as metric columns (skew is minimised as its excess over 1).
ALIASES: dict[str, tuple[str, ...]] = {
    "failures": ("client.failure_ratio",),
    "backend-resets": ("backend.resets_per_s_per_server",),
    "resets": ("client.failure_ratio", "backend.resets_per_s_per_server"),
    "skew": (SKEW,),
    "churn": (CHURN,),
    "client-churn": ("connections.client_side.per_request",),
    "server-churn": ("connections.server_side.per_request",),
    "time-wait": ("time_wait.peak",),
}

# The harms every candidate is weighed on; each change is relative to the current setup's value,
# or to this floor when the current value is smaller (so a change from zero has a finite size).
FLOORS: dict[str, float] = {
    "client.failure_ratio": 1e-3,
    "backend.resets_per_s_per_server": 0.1,
    "connections.client_side.per_request": 0.05,
    "connections.server_side.per_request": 0.05,
    "time_wait.peak": 100.0,
    SKEW: 0.02,  # applied to the excess over 1
}
HARM = tuple(FLOORS)

# Values this small count as solved whatever the current setup's value (skew: its excess over 1).
NEGLIGIBLE: dict[str, float] = {
    "client.failure_ratio": 1e-4,
    "client.failures_per_s": 1e-3,
    "backend.resets_per_s_per_server": 0.01,
    "connections.client_side.per_request": 0.01,
    "connections.server_side.per_request": 0.01,
    CHURN: 0.01,
    "time_wait.peak": 10.0,
    SKEW: 0.02,
}

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}
_CONSTRAINT = re.compile(
    r"^keep\s+(?P<name>[\w.\-]+)\s*(?P<op><=|>=|<|>)\s*(?P<bound>[-+0-9.eE]+)\s*(?P<pct>%?)$"
)


@dataclass(frozen=True)
class Constraint:
    """``keep NAME OP BOUND``: judged on the mean over the replications."""

    name: str  # as written ("skew")
    metric: str  # the metric column (skew.requests.max_over_mean)
    op: str
    bound: float
    implicit: bool = False  # added by the advisor, not written by the user

    def holds(self, value: float) -> bool:
        return _OPS[self.op](value, self.bound)

    def __str__(self) -> str:
        return f"{self.name} {self.op} {self.bound:.3g}" + (" (implicit)" if self.implicit else "")


@dataclass(frozen=True)
class Objective:
    """Minimise ``targets`` (metric columns, summed relative to the current setup) under ``constraints``."""

    text: str
    name: str  # "failures", "backend-resets", ...
    targets: tuple[str, ...]
    constraints: tuple[Constraint, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return self.text


def with_failure_guard(goal: Objective, failure_ratio_now: float) -> Objective:
    """The objective with an implicit "keep failures <= max(1.1 x now, now + 0.1 percentage point)"
    when it neither minimises nor bounds client failures: fewer resets must not cost failed requests."""
    metric = ALIASES["failures"][0]
    if metric in goal.targets or any(c.metric == metric for c in goal.constraints):
        return goal
    bound = max(1.1 * failure_ratio_now, failure_ratio_now + 1e-3)
    guard = Constraint("failures", metric, "<=", bound, implicit=True)
    return Objective(goal.text, goal.name, goal.targets, (*goal.constraints, guard))


def parse_objective(text: str) -> Objective:
    """``"NAME[, keep NAME OP BOUND]..."``; raises ConfigError naming the bad part."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    goals = [p for p in parts if not p.lower().startswith("keep")]
    if len(goals) != 1:
        _bad(
            text,
            "expected one thing to minimise (failures, backend-resets, resets, skew, churn, time-wait "
            "or a metric name) and any number of 'keep NAME <= BOUND'",
        )
    goal = re.sub(r"^(minimi[sz]e|min)\s+", "", goals[0].lower()).strip()
    constraints = []
    for part in parts:
        if not part.lower().startswith("keep"):
            continue
        match = _CONSTRAINT.match(part.strip())
        if match is None:
            _bad(text, f"cannot read {part!r}; write e.g. 'keep skew <= 1.1'")
        name = match["name"].lower()
        metrics = _metrics(name, text)
        if len(metrics) != 1:
            _bad(text, f"{name!r} names several metrics; keep each on its own line: 'keep failures <= ...'")
        bound = float(match["bound"]) / (100 if match["pct"] else 1)
        constraints.append(Constraint(name, metrics[0], match["op"], bound))
    return Objective(text.strip(), goal, _metrics(goal, text), tuple(constraints))


def _metrics(name: str, text: str) -> tuple[str, ...]:
    if name in ALIASES:
        return ALIASES[name]
    if "." in name and re.fullmatch(r"[a-z_]+(\.[a-z_0-9]+)+", name):
        return (name,)  # a metric name of docs/metrics.md; checked against the run's columns later
    _bad(
        text,
        f"unknown name {name!r}; expected one of {', '.join(ALIASES)} or a metric name (docs/metrics.md)",
    )


def _bad(text: str, message: str) -> NoReturn:
    raise ConfigError([{"path": "objective", "message": f"{message} (got {text!r})", "where": "--objective"}])
