"""The advisor's ranked table and recommendations, as ``teardown advise`` prints them."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

import teardown
from teardown.advise import facts
from teardown.advise.objective import CHURN, SKEW

__all__ = ["format_advice", "long_timers", "ranked_table", "shown_rows", "top_recommendations"]

USEFUL = 0.1  # a recommendation removes at least this share of the objective

# Table columns: heading, metric, scale, significant digits (negative: decimals).
COLUMNS = (
    ("failures %", "client.failure_ratio", 100.0, 3),
    ("backend resets /s/srv", "backend.resets_per_s_per_server", 1.0, 3),
    ("skew", SKEW, 1.0, -3),
    ("churn conn/req", CHURN, 1.0, 3),
    ("TIME_WAIT peak", "time_wait.peak", 1.0, 4),
)


def format_advice(
    df: pd.DataFrame, scenario: teardown.Scenario, top: int = 10, explain: int = 3, show_all: bool = False
) -> str:
    """The setup, the objective, the ranked table (best ``top`` rows, and the current setup), the
    top ``explain`` recommendations in one sentence each, and notes."""
    objective = df.attrs.get("objective", "")
    shown, best, table = shown_rows(df, top, show_all)
    n = int(df["n"].max()) if len(df) else 0
    constraints = ", ".join(df.attrs.get("constraints", []))
    lines = [
        repr(scenario),
        f"objective: {objective}"
        + (f" (constraints: {constraints})" if constraints else "")
        + f"; {len(df)} candidates x {n} replications",
        "",
        ranked_table(table).to_string(index=False),
        "(mean ± half-width of the 95% confidence interval; churn: the larger of client-side and "
        "server-side connections per request)",
    ]
    hidden = len(df) - len(shown)
    if hidden:
        lines.append(
            f"({hidden} candidates ranked below a candidate made of some of their remedies are not shown: "
            "their extra remedies add nothing; --all shows them)"
        )
    recommendations = top_recommendations(best, explain)
    if recommendations:
        lines += ["", "Top recommendations:"]
        lines += [f"{i}. {row['explanation']}" for i, row in enumerate(recommendations, 1)]
    elif explain:
        lines += [
            "",
            f"No candidate meets every constraint and removes {USEFUL:.0%} of the objective or more; "
            "the table ranks the closest first.",
        ]
    notes = long_timers(best.head(explain), scenario)
    if notes:
        lines += ["", "Notes:", *(f"- {note}" for note in notes)]
    return "\n".join(lines)


def shown_rows(
    df: pd.DataFrame, top: int, show_all: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(shown, best, table): the candidates worth showing (``show_all``: every one; else those that
    add something to a better-ranked one, and the current setup), the ``top`` best of them, and the
    table's rows: those best, then the current setup."""
    shown = df if show_all else df[(df["adds_nothing_to"] == "") | df["current"]]
    best = shown[~shown["current"]].head(top)
    current = df[df["current"]]
    return shown, best, pd.concat([best, current]) if len(current) else best


def top_recommendations(best: pd.DataFrame, count: int) -> list[pd.Series]:
    """The first ``count`` of the best rows that meet every constraint and remove at least
    ``USEFUL`` of the objective: the ones worth recommending, with their explanation."""
    return [row for _, row in best.iterrows() if row["meets"] and row["removed"] >= USEFUL][:count]


def ranked_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The ranked table as printed: rank, candidate, each of ``COLUMNS`` as mean ± half-width,
    the objective against the current setup, and the constraints each candidate meets or breaks."""
    out = pd.DataFrame(
        {"rank": [("now " if c else "") + str(r) for r, c in zip(rows["rank"], rows["current"], strict=True)]}
    )
    out["candidate"] = [_short(label) for label in rows["candidate"]]
    for heading, metric, scale, digits in COLUMNS:
        out[heading] = [_estimate(row, metric, scale, digits) for _, row in rows.iterrows()]
    out["objective vs now"] = [_percent(x) for x in rows["objective_change"]]
    out["constraints"] = [
        ("ok" if m else "breaks " + v) for m, v in zip(rows["meets"], rows["violations"], strict=True)
    ]
    return out


def _short(label: str, width: int = 70) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _estimate(row: Mapping[str, Any], metric: str, scale: float, digits: int) -> str:
    mean, low, high = (float(row[f"{metric}.{s}"]) * scale for s in ("mean", "ci_low", "ci_high"))
    text = f"{mean:.{-digits}f}" if digits < 0 else f"{mean:.{digits}g}"
    if math.isnan(low):
        return text
    return f"{text} ± {(high - low) / 2:.2g}"


def _percent(change: float) -> str:
    if math.isnan(change):
        return "-"
    return f"{100 * change:+.3g}%"


def long_timers(rows: pd.DataFrame, scenario: teardown.Scenario) -> list[str]:
    """A note for each candidate setting a duration longer than the measured period: such a timer
    never fires in the run, so the result holds only while idle gaps stay below it."""
    measured = facts.duration_ns(scenario["sim.duration"])
    notes = []
    for _, row in rows.iterrows():
        long = sorted(
            {
                f"{key} = {value}"
                for key, value in dict(row["overrides"]).items()
                if isinstance(value, str)
                and _ns(value) is not None
                and measured < (_ns(value) or 0) < teardown.NEVER
            }
        )
        if long:
            notes.append(
                f"rank {row['rank']} sets {', '.join(long)}, longer than the measured "
                f"{scenario['sim.duration']}: "
                "such a timer never fires in this run; the result holds while your idle gaps stay below it "
                "(run longer, --set sim.duration=..., to see it fire)"
            )
    return notes


def _ns(text: str) -> int | None:
    """The duration a value spells with a unit ("10m"), else None (words, versions, bare numbers)."""
    if not re.fullmatch(r"[0-9.]+(ns|us|ms|s|m|h)", text):
        return None
    return facts.duration_ns(text)
