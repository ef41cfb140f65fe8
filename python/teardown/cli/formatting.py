"""The text of a run (``teardown run``), of a sweep's summary (``teardown sweep``) and of the
warnings either gives (on stderr)."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import teardown
from teardown.numbers import format_value, significant


def format_result(result: teardown.Result) -> str:
    """A readable summary: the scenario, the main metrics with units, the per-server table."""
    m = result.metrics

    def v(name: str) -> float:
        return float(m.get(name, math.nan))

    def n(name: str) -> str:  # a count
        return f"{v(name):,.0f}"

    lines = [
        repr(teardown.Scenario(result.scenario)),
        "",
        f"  requests        {n('requests.started')} started, {n('requests.completed')} completed, "
        f"{n('requests.failed')} failed ({100 * v('client.failure_ratio'):.3g}%), "
        f"{n('requests.retried')} retried; {v('requests.per_s'):,.4g} /s",
        f"  client sees     {n('client.eof_before_response')} end of stream before a response, "
        f"{n('client.reset_on_read')} resets on read, {n('client.reset_on_write')} on write, "
        f"{n('client.http_5xx')} 5xx, {n('client.connect_failed')} failed connects; "
        f"{v('client.failures_per_s'):.4g} failures/s",
        f"  backends see    {n('backend.resets')} resets, "
        f"{v('backend.resets_per_s_per_server'):.4g} /s per server",
        f"  RST segments    proxy->client {n('rst.proxy_to_client')}, "
        f"client->proxy {n('rst.client_to_proxy')}, proxy->backend {n('rst.proxy_to_backend')}, "
        f"backend->proxy {n('rst.backend_to_proxy')}",
        f"  connections     client side {n('connections.client_side.opened')} opened "
        f"({v('connections.client_side.per_request'):.3g} per request); server side "
        f"{n('connections.server_side.opened')} opened "
        f"({v('connections.server_side.per_request'):.3g} per request), "
        f"closed {n('connections.server_side.closed_fin')} with FIN, "
        f"{n('connections.server_side.closed_hard')} with RST",
        f"  TIME_WAIT peak  {n('time_wait.peak')} on one host ({n('time_wait.peak_proxy')} on the proxy)",
        f"  latency         p50 {_ms(v('latency.p50'))}, p99 {_ms(v('latency.p99'))}, "
        f"mean {_ms(v('latency.mean'))}",
        f"  skew            requests max/mean {v('skew.requests.max_over_mean'):.3g} "
        f"(cov {v('skew.requests.cov'):.3g}); open connections max/mean "
        f"{v('skew.connections.max_over_mean'):.3g}, Jain index {v('skew.connections.jain'):.3g}",
    ]
    instances = int(teardown.Scenario(result.scenario)["proxy.instances"])
    if instances > 1:
        lines.append(
            f"  instances       {instances} proxies ({teardown.Scenario(result.scenario)['proxy.spread']}); "
            f"requests max/mean over them {v('skew.instances.max_over_mean'):.3g}"
        )
    lines += [
        "",
        "per server:",
        result.per_server.to_string(index=False, float_format=lambda x: f"{x:.4g}"),
        "",
        f"{result.events:,} events in {result.wall_seconds:.3g} s; every metric: --json",
    ]
    return "\n".join(lines)


def print_warnings(command: str, warnings: Iterable[str]) -> None:
    """Each warning on stderr, as errors are printed: ``teardown run: warning: path: why``."""
    for line in warnings:
        print(f"teardown {command}: warning: {line}", file=sys.stderr)


def sweep_warnings(rows: Any) -> list[str]:
    """The warnings of a sweep's rows, each distinct text once with the points that gave it."""
    points: dict[str, list[int]] = {}
    for point, text in zip(rows["point"], rows.get("warnings", []), strict=False):
        if isinstance(text, str) and text and int(point) not in points.setdefault(text, []):
            points[text].append(int(point))
    return [
        f"point{'s' if len(p) > 1 else ''} {', '.join(map(str, p))}: {text}" for text, p in points.items()
    ]


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms"


def format_summary(table: Any, metrics: Sequence[str]) -> str:
    """One line per point: the overrides that vary, then each metric as ``mean ± half-width`` (95%)."""
    import pandas as pd

    estimates = {f"{m}.{s}" for m in metrics for s in ("mean", "ci_low", "ci_high")}
    overrides = [c for c in table.columns if c not in ("point", "n") and c not in estimates]
    varying = [c for c in overrides if len(table) < 2 or table[c].map(repr).nunique() > 1]
    shown = pd.DataFrame({"point": table["point"]}) if "point" in table else pd.DataFrame(index=table.index)
    for column in varying:
        shown[column] = table[column].map(format_value)
    for metric in metrics:
        mean, low, high = table[f"{metric}.mean"], table[f"{metric}.ci_low"], table[f"{metric}.ci_high"]
        shown[metric] = [_estimate(a, b, c) for a, b, c in zip(mean, low, high, strict=True)]
    shown["n"] = table["n"]
    lines = []
    common = [c for c in overrides if c not in varying]
    if common:
        lines.append("every point: " + ", ".join(f"{c} = {format_value(table[c].iloc[0])}" for c in common))
    lines.append(shown.to_string(index=False))
    lines.append("(mean ± half-width of the 95% confidence interval over the replications)")
    return "\n".join(lines)


def _estimate(mean: float, low: float, high: float) -> str:
    if math.isnan(low):
        return significant(mean, 4)
    return f"{significant(mean, 4)} ± {significant((high - low) / 2, 2)}"
