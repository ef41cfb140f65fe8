"""The sections of a scenario's report: the scenario in words, the headline metrics (this run, and
the mean of replications with a 95% interval), the per-server table and the time series, one
failed request and one backend reset told step by step, and the advisor's ranking."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from teardown import plot
from teardown.numbers import format_interval, format_metric, significant
from teardown.report.figures import figure
from teardown.report.findings import ScenarioFindings
from teardown.report.page import Section, escape, figures, paragraph, preformatted, table
from teardown.report.words import describe
from teardown.result import Result
from teardown.scenario import Scenario

__all__ = ["HEADLINE", "scenario_sections"]

# The metrics the report opens with (docs/metrics.md), and how each is named there.
HEADLINE = (
    ("requests.started", "requests started"),
    ("requests.failed", "requests failed"),
    ("client.failure_ratio", "failed requests"),
    ("client.failures_per_s", "failures per second"),
    ("backend.resets", "resets seen by backends"),
    ("backend.resets_per_s_per_server", "backend resets per second per server"),
    ("rst.proxy_to_client", "RST segments proxy -> client"),
    ("rst.proxy_to_backend", "RST segments proxy -> backend"),
    ("connections.client_side.per_request", "client connections per request"),
    ("connections.server_side.per_request", "server connections per request"),
    ("time_wait.peak_proxy", "TIME_WAIT peak on the proxy"),
    ("latency.p50", "latency, median"),
    ("latency.p99", "latency, 99th percentile"),
    ("skew.requests.max_over_mean", "request skew (busiest server / mean)"),
)


def scenario_sections(f: ScenarioFindings) -> list[Section]:
    sections = [
        Section("scenario", "The scenario", _scenario(f.scenario)),
        Section("metrics", "Headline metrics", _headline(f)),
        Section("servers", "Per server", _per_server(f.result)),
        Section("timeseries", "Over time", _timeseries(f.result)),
        Section(
            "failure", "One failed request", _story(f.failure, "failed client request", f.explained_over)
        ),
        Section("reset", "One backend reset", _story(f.reset, "reset seen by a backend", f.explained_over)),
    ]
    if f.advice is not None:
        sections.append(
            Section("advice", "What would help: the advisor's ranking", _advice(f.advice, f.scenario))
        )
    return sections


def _scenario(s: Scenario) -> str:
    sentences = "".join(f"<li>{escape(text)}</li>" for text in describe(s))
    return (
        f"<ul>{sentences}</ul>"
        "<details><summary>The whole scenario, every key (TOML)</summary>"
        f"{preformatted(s.to_toml())}</details>"
    )


def _headline(f: ScenarioFindings) -> str:
    m = f.result.metrics
    seed = f.scenario["sim.seed"]
    headings = ["metric", "name", f"this run (seed {seed})"]
    if f.summary is not None:
        headings.append(f"mean of {f.replications} runs ± 95% interval")
    rows = []
    for name, label in HEADLINE:
        row = [label, name, format_metric(name, m.get(name, math.nan))]
        if f.summary is not None:
            s = f.summary.iloc[0]
            row.append(format_interval(name, s[f"{name}.mean"], s[f"{name}.ci_low"], s[f"{name}.ci_high"]))
        rows.append(row)
    numeric = [False, False, True] + ([True] if f.summary is not None else [])
    html = table(headings, rows, row_ids=[name for name, _ in HEADLINE], numeric=numeric)
    note = (
        f"This run is the scenario with its own seed; the interval is Student-t over {f.replications} "
        "replications with other seeds (td.sweep, td.summarise). Rates are per simulated second after "
        "warm-up; every metric is defined in docs/metrics.md."
        if f.summary is not None
        else "One run only (replications below 2): no interval."
    )
    html += f'<p class="note">{escape(note)}</p>'
    r = f.result
    html += paragraph(
        f"{r.events:,} engine events, simulated in {significant(r.wall_seconds, 3)} s of wall time."
    )
    if r.warnings:
        html += (
            "<h3>Settings the run ignored</h3><ul>"
            + "".join(f"<li>{escape(w)}</li>" for w in r.warnings)
            + "</ul>"
        )
    return html


def _per_server(r: Result) -> str:
    ps = r.per_server
    rows = [
        [
            int(row.server),
            f"{row.requests:,.0f}",
            f"{row.connections_opened:,.0f}",
            significant(row.mean_open_connections, 3),
            f"{row.resets_seen:,.0f}",
            f"{significant(100 * row.request_share, 3)} %",
        ]
        for row in ps.itertuples(index=False)
    ]
    html = table(
        ["server", "requests", "connections opened", "mean open connections", "resets seen", "request share"],
        rows,
        row_ids=[f"server-{int(s)}" for s in ps["server"]],
        numeric=[True] * 6,
    )

    def draw(axes: list[Any]) -> None:
        for ax, column, title in zip(
            axes, ("requests", "resets_seen"), ("requests per server", "resets seen per server"), strict=True
        ):
            ax.bar(
                [str(int(s)) for s in ps["server"]], ps[column], color="#56B4E9", edgecolor="#1f1f1f", lw=0.6
            )
            ax.set_xlabel("server")
            ax.set_title(title, fontsize=10)
            ax.grid(axis="y", alpha=0.3)

    caption = "Requests and backend resets per server over the measured period."
    return html + figure(draw, caption, size=(9, 3.2), panels=2)


def _timeseries(r: Result) -> str:
    if r.timeseries.empty:
        return paragraph("The run recorded no time series.")
    return figures(
        figure(
            lambda ax: plot.timeseries(r, "requests", ax=ax),
            "Requests per second sent to each server.",
            size=(6, 3.6),
        ),
        figure(
            lambda ax: plot.timeseries(r, "open_connections", ax=ax),
            "Open server connections per server (time-average within each bin).",
            size=(6, 3.6),
        ),
    )


def _story(found: tuple[str, int | None, Result] | None, what: str, over: str) -> str:
    if found is None:
        return paragraph(f"No {what} in the traced run ({over}).")
    text, connection, traced = found
    html = paragraph(f"The first {what} in the traced run ({over}), as teardown explain tells it:")
    html += preformatted(text)
    if connection is not None:
        caption = (
            f"Connection {connection} as a ladder: RST in vermilion, FIN in blue, DATA in grey; "
            "time downwards."
        )
        html += figure(lambda ax: plot.ladder(traced, connections=[connection], ax=ax), caption, size=(7, 6))
    return html


def _advice(ranked: pd.DataFrame, s: Scenario) -> str:
    from teardown.advise.report import USEFUL, long_timers, ranked_table, shown_rows, top_recommendations

    _, best, rows = shown_rows(ranked, top=10)
    n = int(ranked["n"].max()) if len(ranked) else 0
    html = paragraph(
        f"Objective: {ranked.attrs.get('objective', '')}; {len(ranked)} candidates x {n} replications "
        '(teardown advise; docs/advise.md). Best first; "now" is the scenario as it is.'
    )
    shown = ranked_table(rows)
    html += table(
        list(shown.columns),
        shown.itertuples(index=False),
        row_ids=[str(r) for r in shown["rank"]],
        numeric=[c not in ("candidate", "constraints") for c in shown.columns],
    )
    html += (
        '<p class="note">mean ± half-width of the 95% confidence interval; churn: the larger of '
        "client-side and server-side connections per request.</p>"
    )
    picks = top_recommendations(best, 3)
    if picks:
        html += (
            "<h3>Top recommendations</h3><ol>"
            + "".join(f"<li>{escape(r['explanation'])}</li>" for r in picks)
            + "</ol>"
        )
    else:
        html += paragraph(
            f"No candidate meets every constraint and removes {USEFUL:.0%} of the objective or more; "
            "the table ranks the closest first."
        )
    notes = long_timers(best.head(3), s)
    if notes:
        html += "<h3>Notes</h3><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>"
    return html
