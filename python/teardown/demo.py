"""The report ``./scripts/demo`` prints after its sweep: which HAProxy setup removes the
resets, and what each costs, in one small table and one picture.

    python -m teardown.demo RESULTS.csv [--picture docs/images/demo-modes.png]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

import teardown as td

__all__ = ["label", "main", "report"]

COLUMNS = {
    "client.failure_ratio": "failed requests",
    "backend.resets_per_s_per_server": "backend resets/s/server",
    "connections.server_side.per_request": "server conns/request",
    "skew.requests.max_over_mean": "load skew (max/mean)",
}


def label(row: pd.Series) -> str:
    """A short name for a sweep point: version, mode, and any other setting it changes."""
    mode = str(row.get("proxy.mode", ""))
    if mode == "preset":
        mode = "default (tunnel)" if str(row.get("proxy.version")) == "1.4" else "default"
    text = f"{row.get('proxy.version', '')} {mode}"
    if bool(row.get("proxy.prefer_last_server", False)):
        text += " + the fix"
    return text


def report(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per setup: the mean over replications of the figures people decide from."""
    summary = td.summarise(rows, metrics=list(COLUMNS))
    table = pd.DataFrame({"setup": summary.apply(label, axis=1)})
    for metric, title in COLUMNS.items():
        table[title] = summary[f"{metric}.mean"].to_numpy()
    table["failed requests"] = table["failed requests"].map(lambda v: f"{100 * v:.2f}%")
    return table.set_index("setup")


def picture(rows: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from teardown import plot

    summary = td.summarise(rows, metrics=list(COLUMNS))
    summary["setup"] = summary.apply(label, axis=1)
    axes = plot.modes(
        summary,
        metrics=["client.failure_ratio", "backend.resets_per_s_per_server", "skew.requests.max_over_mean"],
        by="setup",
    )
    axes[0].figure.suptitle(
        "HAProxy setups on one workload: failed requests, backend resets, load skew (95% CI)", fontsize=11
    )
    axes[0].figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    axes[0].figure.savefig(path, dpi=110)
    plt.close(axes[0].figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m teardown.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the sweep's output (.csv, .jsonl or .parquet)")
    parser.add_argument("--picture", type=Path, default=None, help="also draw the comparison to this PNG")
    args = parser.parse_args(argv)
    suffix = args.results.suffix
    rows = (
        pd.read_csv(args.results)
        if suffix == ".csv"
        else pd.read_json(args.results, lines=True)
        if suffix == ".jsonl"
        else pd.read_parquet(args.results)
    )
    with pd.option_context("display.width", 120, "display.precision", 3):
        print(report(rows).to_string())
    if args.picture:
        picture(rows, args.picture)
        print(f"\npicture: {args.picture}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
