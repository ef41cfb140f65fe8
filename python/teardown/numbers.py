"""Numbers as people read them: significant digits without exponents, and metrics with their units
(docs/metrics.md). ``teardown sweep`` prints with them and ``teardown report`` writes with them."""

from __future__ import annotations

import math

__all__ = ["format_interval", "format_metric", "format_value", "significant", "unit"]


def significant(x: float, digits: int) -> str:
    """x to so many significant digits, without an exponent unless it is tiny or huge: 23,900 not 2.39e+04."""
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    magnitude = math.floor(math.log10(abs(float(f"{x:.{digits}g}"))))
    if not -4 <= magnitude < 12:
        return f"{x:.{digits}g}"
    return f"{x:,.{max(0, digits - 1 - magnitude)}f}"


def format_value(value: object) -> str:
    """A table cell: a float to 4 significant digits, anything else as its text."""
    return significant(value, 4) if isinstance(value, float) else str(value)


def unit(metric: str) -> str:
    """How a metric of docs/metrics.md is shown: "%" (a ratio of requests), "ms" (a latency, kept in
    seconds), "/s" (a rate), "" (a ratio such as skew or connections per request) or "count"."""
    if metric.endswith("failure_ratio"):
        return "%"
    if metric.startswith("latency."):
        return "ms"
    if "per_s" in metric:
        return "/s"
    if "per_request" in metric or metric.startswith("skew.") or metric.endswith("churn"):
        return ""
    return "count"


def _scaled(metric: str, x: float) -> float:
    return x * {"%": 100.0, "ms": 1e3}.get(unit(metric), 1.0)


def _number(metric: str, x: float, digits: int) -> str:
    if unit(metric) == "count" and math.isfinite(x) and x == round(x):
        return f"{x:,.0f}"
    return significant(x, digits)


def _with_unit(metric: str, text: str) -> str:
    u = unit(metric)
    return text if u in ("", "count") else f"{text} {u}"


def format_metric(metric: str, value: float) -> str:
    """One value of ``metric`` with its unit: 12.5 % (a failure ratio), 3.41 ms, 2.8 /s, 1,204."""
    return _with_unit(metric, _number(metric, _scaled(metric, float(value)), 4))


def format_interval(metric: str, mean: float, low: float, high: float) -> str:
    """``mean ± half-width`` of an interval, with the unit once; the mean alone when the interval
    is NaN (one replication)."""
    text = _number(metric, _scaled(metric, float(mean)), 4)
    if not math.isnan(low):
        half = _scaled(metric, (float(high) - float(low)) / 2)
        text += f" ± {significant(half, 2)}"
    return _with_unit(metric, text)
