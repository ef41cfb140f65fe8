"""``td.report``: one self-contained HTML file to share, about a scenario or a sweep.

    import teardown as td
    td.report("examples/scenarios/stale-reuse-keepalive.toml", "report.html")
    td.report(td.run(scenario, trace=1000), "run.html", advice=False)
    td.report("results.csv", "sweep.html")            # what teardown sweep --out wrote

The file opens offline: styles, figures (PNG data URIs) and its one script are inline.
Modules: ``inputs`` (what was given, where the report goes), ``findings`` (the runs a scenario's
report needs), ``words`` (a scenario in sentences), ``scenario_report`` and ``sweep_report``
(the sections), ``figures`` (matplotlib to inline PNG), ``page`` (HTML: escaping, tables,
contents). docs/cli.md, "teardown report", shows one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from teardown.errors import ConfigError
from teardown.report.findings import gather
from teardown.report.inputs import check_output, kind_of, read_sweep_rows
from teardown.report.page import Section, page
from teardown.report.scenario_report import HEADLINE, scenario_sections
from teardown.report.sweep_report import sweep_metrics, sweep_sections

__all__ = ["HEADLINE", "report"]


def report(
    source: Any,
    path: str | os.PathLike[str],
    *,
    replications: int = 3,
    advice: bool = True,
    objective: str | None = None,
    max_candidates: int = 200,
    explain_duration: str = "20s",
    metrics: Sequence[str] | None = None,
    executor: Any = "serial",
    jobs: int | None = None,
    progress: bool | str = False,
) -> Path:
    """Write the report on ``source`` to ``path`` (an .html file, written whole or not at all);
    returns the path.

    source: a scenario (Scenario, dict, .toml path) or a Result of ``td.run``; or the rows of a
        sweep (the DataFrame of ``td.sweep``, or the .csv, .jsonl or .parquet file it wrote).
    For a scenario: the scenario in words; its run (the Result given, else ``td.run``) with the
    headline metrics, the per-server table and the time series; the mean of ``replications``
    runs with other seeds and its 95% interval (``td.sweep``, ``td.summarise``; none below 2);
    the first failed request and the first backend reset, told as ``td.explain`` tells them,
    from a run of the scenario's first ``explain_duration`` with every connection traced (the
    Result's own trace when it has one); and, with ``advice``, ``td.advise``'s ranking for
    ``objective`` (its default when None), with ``replications`` and ``max_candidates``.
    For sweep rows: the summary table of ``metrics`` (default: ``td.summarise``'s main ones)
    and heatmaps of them over the two swept keys, or bars per point.
    executor, jobs, progress: as ``td.sweep``, for the replications and the advisor's runs.

    Bad input (an unknown kind of file, rows that are not a sweep's, an output that cannot be
    written) raises ConfigError before anything runs.
    """
    from teardown.cli.output import write_atomically  # not at import: the CLI imports this package

    kind = kind_of(source)
    out = check_output(path)
    _check_duration(explain_duration)
    if kind == "sweep":
        rows = source if isinstance(source, pd.DataFrame) else read_sweep_rows(source)
        chosen = sweep_metrics(rows, metrics, where="" if isinstance(source, pd.DataFrame) else str(source))
        name = "the sweep rows" if isinstance(source, pd.DataFrame) else Path(source).name
        title, subtitle = "teardown sweep report", name
        sections = sweep_sections(rows, chosen, name)
    else:
        findings = gather(
            source,
            [name for name, _ in HEADLINE],
            replications,
            advice,
            objective,
            max_candidates,
            explain_duration,
            executor,
            jobs,
            progress,
        )
        title = "teardown report"
        subtitle = repr(findings.scenario) + (
            f", from {Path(source).name}" if isinstance(source, (str, os.PathLike)) else ""
        )
        sections = scenario_sections(findings)
    write_atomically(out, _document(title, subtitle, sections))
    return out


def _check_duration(text: str) -> None:
    from teardown import parse_duration

    try:
        parse_duration(text)
    except ValueError as error:
        raise ConfigError([{"path": "explain_duration", "message": str(error), "where": ""}]) from None


def _document(title: str, subtitle: str, sections: list[Section]) -> str:
    from teardown import __version__

    return page(title, f"{subtitle} (teardown {__version__})", sections)
