"""The sections of a sweep's report: what was swept, the summary table (mean ± 95% interval per
point, as ``teardown sweep`` prints it) and the main metrics drawn over the swept keys: heatmaps
when two keys form a full grid, bars per point otherwise."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from teardown import plot
from teardown.errors import ConfigError
from teardown.numbers import format_interval, format_value
from teardown.report.figures import figure
from teardown.report.page import Section, escape, figures, paragraph, table
from teardown.summarise import MAIN_METRICS, summarise

__all__ = ["sweep_metrics", "sweep_sections"]


def sweep_metrics(rows: pd.DataFrame, metrics: Sequence[str] | None = None, where: str = "") -> list[str]:
    """The metrics to show: those named, else the main ones of ``td.summarise`` the rows hold; a
    ConfigError (at ``where``, the rows' file) for a name the rows lack, or no metric at all."""
    chosen = list(metrics) if metrics else [m for m in MAIN_METRICS if m in rows.columns]
    unknown = [m for m in chosen if m not in rows.columns]
    if unknown or not chosen:
        message = (
            f"no metric named {unknown[0]!r} in the rows"
            if unknown
            else "the rows hold none of the main metrics"
        )
        raise ConfigError([{"path": "metrics", "message": message, "where": where}])
    return chosen


def sweep_sections(rows: pd.DataFrame, metrics: Sequence[str], source: str) -> list[Section]:
    summary = summarise(rows, metrics=metrics)
    estimates = {f"{m}.{s}" for m in metrics for s in ("mean", "ci_low", "ci_high")}
    overrides = [c for c in summary.columns if c not in ("point", "n") and c not in estimates]
    varying = [c for c in overrides if summary[c].map(repr).nunique() > 1]
    common = [c for c in overrides if c not in varying]
    return [
        Section("sweep", "The sweep", _about(rows, summary, common, varying, source)),
        Section("summary", "Summary", _summary(summary, varying, metrics)),
        Section("figures", "Metrics over the swept keys", _figures(summary, varying, metrics)),
    ]


def _about(
    rows: pd.DataFrame, summary: pd.DataFrame, common: list[str], varying: list[str], source: str
) -> str:
    runs, points = len(rows), len(summary)
    replications = int(summary["n"].max())
    html = paragraph(
        f"{runs} runs of {source}: {points} points x up to {replications} replications; "
        f"swept keys: {', '.join(varying) if varying else 'none'}."
    )
    if common:
        html += "<h3>Every point</h3>" + table(
            ["key", "value"], [[c, format_value(summary[c].iloc[0])] for c in common], row_ids=common
        )
    versions = sorted({str(v) for v in rows.get("teardown_version", pd.Series(dtype=str)).dropna()})
    if versions:
        html += paragraph(f"Run by teardown {', '.join(versions)}.")
    warnings = sorted({str(w) for w in rows.get("warnings", pd.Series(dtype=str)).dropna() if str(w)})
    if warnings:
        html += (
            "<h3>Settings the runs ignored</h3><ul>"
            + "".join(f"<li>{escape(w)}</li>" for w in warnings)
            + "</ul>"
        )
    return html


def _summary(summary: pd.DataFrame, varying: list[str], metrics: Sequence[str]) -> str:
    headings = ["point", *varying, *metrics, "n"]
    rows = [
        [
            int(row["point"]),
            *(format_value(row[c]) for c in varying),
            *(format_interval(m, row[f"{m}.mean"], row[f"{m}.ci_low"], row[f"{m}.ci_high"]) for m in metrics),
            int(row["n"]),
        ]
        for _, row in summary.iterrows()
    ]
    numeric = [True, *(False for _ in varying), *(True for _ in metrics), True]
    html = table(headings, rows, row_ids=[f"point-{int(p)}" for p in summary["point"]], numeric=numeric)
    return (
        html + '<p class="note">mean ± half-width of the 95% Student-t interval over the replications; '
        "click a heading to sort.</p>"
    )


def _figures(summary: pd.DataFrame, varying: list[str], metrics: Sequence[str]) -> str:
    grid = _grid_axes(summary, varying)
    if grid is not None:
        x, y = grid
        return figures(
            *(
                figure(
                    lambda ax, m=m: plot.heatmap(summary, x=x, y=y, metric=m, ax=ax),
                    f"{m}: mean over {x} and {y}.",
                    size=(6, 4.2),
                )
                for m in metrics
            )
        )
    labels = [
        ", ".join(f"{c}={format_value(row[c])}" for c in varying) or f"point {int(row['point'])}"
        for _, row in summary.iterrows()
    ]
    height = max(2.5, 0.38 * len(labels) + 1.2)
    return figures(
        *(
            figure(
                lambda ax, m=m: plot.modes(summary, metrics=[m], by="point", labels=labels, ax=ax),
                f"{m}: mean per point, with its 95% interval.",
                size=(7, height),
            )
            for m in metrics
        )
    )


def _grid_axes(summary: pd.DataFrame, varying: list[str]) -> tuple[str, str] | None:
    """The two swept keys when exactly two vary and every pair of their values is one point."""
    if len(varying) != 2:
        return None
    x, y = varying
    pairs = summary[[x, y]].astype(str).drop_duplicates()
    full = summary[x].astype(str).nunique() * summary[y].astype(str).nunique()
    return (x, y) if len(pairs) == len(summary) == full else None
