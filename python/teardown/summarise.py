"""``td.summarise``: the mean of each metric per sweep point, with a Student-t confidence interval."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from teardown.sweep import META

# The metrics a summary shows when none are named: failures, resets, churn, latency, skew.
MAIN_METRICS = (
    "client.failure_ratio",
    "client.failures_per_s",
    "backend.resets_per_s_per_server",
    "rst.proxy_to_client",
    "connections.server_side.per_request",
    "latency.p99",
    "skew.requests.max_over_mean",
)


def summarise(
    df: pd.DataFrame, metrics: Sequence[str] | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """One row per point: its overrides, ``n``, and ``<metric>.mean``, ``.ci_low``, ``.ci_high`` per metric.

    df: the rows of ``td.sweep`` (or the same columns read back from its output file).
    metrics: the metric columns to summarise; default every metric column.
    confidence: the two-sided level of the interval mean +- t * s / sqrt(n), with t the
        Student-t quantile for n - 1 degrees of freedom. A point with one replication has an
        interval of NaN; a metric that never varies has an interval of zero width.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    overrides = _override_columns(df)
    if metrics is None:
        metrics = _metric_columns(df, overrides)
    else:
        missing = [m for m in metrics if m not in df.columns]
        if missing:
            raise KeyError(f"no metric column {missing[0]!r} in the sweep rows")
    keys = ["point"] if "point" in df.columns else overrides
    if not keys:
        groups = [((), df)]
    else:
        groups = list(
            df.groupby(keys if "point" in keys else df[keys].astype(str).agg("|".join, axis=1), sort=True)
        )
    rows = []
    for _, group in groups:
        row = {"point": group["point"].iloc[0]} if "point" in df.columns else {}
        row.update({name: group[name].iloc[0] for name in overrides})
        row["n"] = len(group)
        for metric in metrics:
            values = pd.to_numeric(group[metric], errors="coerce").dropna()
            mean, low, high = mean_interval(values.tolist(), confidence)
            row[f"{metric}.mean"], row[f"{metric}.ci_low"], row[f"{metric}.ci_high"] = mean, low, high
        rows.append(row)
    return pd.DataFrame(rows)


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the Student-t confidence interval of the mean of ``values``."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(values) / n
    if n == 1:
        return mean, math.nan, math.nan
    if min(values) == max(values):
        return mean, mean, mean
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_quantile(confidence, n - 1) * math.sqrt(variance / n)
    return mean, mean - half, mean + half


def t_quantile(confidence: float, dof: int) -> float:
    """t such that P(|T| < t) = confidence for Student's T with ``dof`` degrees of freedom.

    Exact for integer degrees of freedom: bisection on the closed-form distribution
    (Abramowitz and Stegun 26.7.3-4); no SciPy needed.
    """
    low, high = 0.0, 1.0
    while _central_probability(high, dof) < confidence:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if _central_probability(middle, dof) < confidence:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * high:
            break
    return (low + high) / 2


def _central_probability(t: float, dof: int) -> float:
    """P(|T| < t) for Student's T with an integer number of degrees of freedom."""
    theta = math.atan(t / math.sqrt(dof))
    c2 = math.cos(theta) ** 2
    if dof % 2 == 1:  # 2/pi * (theta + sin(theta) * (cos + 2/3 cos^3 + 2*4/(3*5) cos^5 + ...))
        term, total = math.cos(theta), 0.0
        for k in range(1, (dof - 1) // 2 + 1):
            total += term
            term *= c2 * (2 * k) / (2 * k + 1)
        return 2 / math.pi * (theta + math.sin(theta) * total)
    term, total = 1.0, 0.0  # sin(theta) * (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
    for k in range(1, dof // 2 + 1):
        total += term
        term *= c2 * (2 * k - 1) / (2 * k)
    return math.sin(theta) * total


def _override_columns(df: pd.DataFrame) -> list[str]:
    named = df.attrs.get("teardown.overrides")
    if named is not None:
        return [c for c in named if c in df.columns]
    if "seed" in df.columns and "scenario_hash" in df.columns:  # the sweep's column order
        columns = list(df.columns)
        between = columns[columns.index("seed") + 1 : columns.index("scenario_hash")]
        return [c for c in between if _is_scenario_key(c)]
    return [c for c in df.columns if c not in META and _is_scenario_key(c)]


def _metric_columns(df: pd.DataFrame, overrides: list[str]) -> list[str]:
    named = df.attrs.get("teardown.metrics")
    if named is not None:
        return [c for c in named if c in df.columns]
    skip = META | set(overrides)
    return [c for c in df.columns if c not in skip and pd.api.types.is_numeric_dtype(df[c])]


def _is_scenario_key(column: str) -> bool:
    """Override columns are scenario keys (proxy.mode); metric names are not (client.failure_ratio)."""
    return column.split(".", 1)[0] in _SCENARIO_SECTIONS


_SCENARIO_SECTIONS = frozenset({"sim", "network", "clients", "proxy", "backends"})
