"""Pictures of teardown results (matplotlib): the ones people decide from.

- ``modes``: bars of a few metrics per setting (e.g. per HAProxy mode), with 95% intervals;
- ``heatmap``: a metric over two swept keys;
- ``timeseries``: per-server requests or open connections over time;
- ``ladder``: a connection ladder — client, proxy and backend lanes with DATA, FIN and RST
  arrows — for the connections a run traced (``td.run(..., trace=n)``).

Every function takes an optional ``ax`` and returns it, so pictures compose in notebooks.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from teardown.result import Result

__all__ = ["heatmap", "ladder", "modes", "timeseries"]

# Colours that stay apart for colour-blind readers (Okabe-Ito).
SEGMENT_COLOURS = {"RST": "#D55E00", "FIN": "#0072B2", "DATA": "#7f7f7f", "SYN": "#009E73"}


def _axes(ax: Axes | None, figsize: tuple[float, float] = (8, 4)) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _mean_and_ci(df: pd.DataFrame, metric: str) -> tuple[Any, Any, Any]:
    """(mean, low, high) columns for `metric` from a summarised or a raw frame."""
    if f"{metric}.mean" in df:
        mean = df[f"{metric}.mean"]
        low = df.get(f"{metric}.ci_low", mean)
        high = df.get(f"{metric}.ci_high", mean)
        return mean, low, high
    if metric in df:
        return df[metric], df[metric], df[metric]
    raise KeyError(f"no column '{metric}' or '{metric}.mean' in the frame; columns: {list(df.columns)}")


def modes(
    df: pd.DataFrame,
    metrics: Sequence[str] = (
        "client.failures_per_s",
        "backend.resets_per_s_per_server",
        "skew.requests.max_over_mean",
    ),
    by: str = "proxy.mode",
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes | Any:
    """One panel per metric, one bar per value of ``by`` (rows of a ``td.summarise`` frame, or
    of a raw sweep frame, which is summarised first). Error bars are 95% intervals."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    if f"{metrics[0]}.mean" not in df and by in df and df[by].duplicated().any():
        from teardown import summarise

        df = summarise(df)
    names = (
        list(labels)
        if labels is not None
        else [str(v) for v in df[by]]
        if by in df
        else [str(i) for i in df.index]
    )
    if ax is None:
        height = max(2.5, 0.38 * len(names) + 1.2)
        _, axes = plt.subplots(
            1, len(metrics), figsize=(3.6 * len(metrics) + 2.2, height), sharey=True, squeeze=False
        )
        axes = list(axes[0])
    else:
        axes = [ax] if len(metrics) == 1 else list(ax)
    # Horizontal bars: setting names are long, and read best on one shared axis.
    y = np.arange(len(names))[::-1]
    for a, metric in zip(axes, metrics, strict=False):
        mean, low, high = _mean_and_ci(df, metric)
        mean, low, high = (np.asarray(v, dtype=float) for v in (mean, low, high))
        a.barh(y, mean, color="#56B4E9", edgecolor="#1f1f1f", linewidth=0.6)
        a.errorbar(mean, y, xerr=[mean - low, high - mean], fmt="none", ecolor="#1f1f1f", capsize=3)
        a.set_title(metric, fontsize=10)
        a.grid(axis="x", alpha=0.3)
        a.xaxis.set_major_locator(MaxNLocator(4))
    axes[0].set_yticks(y, names)
    axes[0].figure.tight_layout()
    return axes[0] if len(axes) == 1 else axes


def heatmap(
    df: pd.DataFrame,
    x: str,
    y: str,
    metric: str,
    ax: Axes | None = None,
    annotate: bool = True,
    cmap: str = "viridis",
) -> Axes:
    """The mean of ``metric`` over two swept keys (a raw or summarised sweep frame)."""
    import numpy as np

    ax = _axes(ax, (6, 4.5))
    column = f"{metric}.mean" if f"{metric}.mean" in df else metric
    table = df.pivot_table(index=y, columns=x, values=column, aggfunc="mean", sort=False)
    image = ax.imshow(np.asarray(table, dtype=float), cmap=cmap, aspect="auto", origin="lower")
    ax.set_xticks(range(len(table.columns)), [str(c) for c in table.columns])
    ax.set_yticks(range(len(table.index)), [str(i) for i in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(metric)
    ax.figure.colorbar(image, ax=ax)
    if annotate:
        values = np.asarray(table, dtype=float)
        # The colour scale spans min..max (one colour, the darkest, when constant): white text on
        # its dark lower part.
        low, top = (np.nanmin(values), np.nanmax(values)) if values.size else (0, 0)
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                v = values[i, j]
                ax.text(
                    j,
                    i,
                    f"{v:.3g}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if top == low or v - low < 0.6 * (top - low) else "black",
                )
    return ax


def timeseries(result: Result, value: str = "requests", ax: Axes | None = None, share: bool = False) -> Axes:
    """Per-server ``requests`` (per second) or ``open_connections`` over simulated time.
    With ``share=True``, each server's fraction of the total instead."""
    ax = _axes(ax)
    ts = result.timeseries
    if value not in ("requests", "open_connections"):
        raise ValueError(f"value must be 'requests' or 'open_connections', got '{value}'")
    table = ts.pivot_table(index="time_s", columns="server", values=value, aggfunc="sum")
    if not table.empty:
        # Each bin as long as it really is: the last one ends with the measured period, which
        # need not be a whole number of bins (a rate over a full bin would show it as a dip).
        from teardown import _core

        warmup = _core.parse_duration(result.scenario["sim"]["warmup"]) / 1e9
        end = max(result.time_reached_s - warmup, float(table.index[-1]))
        starts = [float(t) for t in table.index]
        widths = [b - a for a, b in zip(starts, starts[1:] + [end], strict=True)]
        if value == "requests":
            table = table.div([w if w > 0 else float("nan") for w in widths], axis=0)
        # The last step drawn to the end of the run, not as a single point at its start.
        table.loc[end] = table.iloc[-1]
    if share:
        table = table.div(table.sum(axis=1), axis=0)
    for server in table.columns:
        ax.step(table.index, table[server], where="post", label=f"server {server}")
    ax.set_xlabel("simulated time after warm-up (s)")
    ax.set_ylabel(
        {"requests": "requests per second", "open_connections": "open server connections"}[value]
        if not share
        else f"share of {value.replace('_', ' ')}"
    )
    ax.legend(fontsize=8, ncols=min(4, len(table.columns)))
    ax.grid(alpha=0.3)
    return ax


def _lane(name: str) -> str:
    return "client" if name.startswith("client") else "proxy" if name.startswith("proxy") else "backend"


def ladder(
    result: Result, connections: Sequence[int] | None = None, ax: Axes | None = None, max_segments: int = 24
) -> Axes:
    """A ladder diagram of traced connections: three lanes (client, proxy, backend), time
    downwards, one arrow per segment from its sending lane at the send time to the receiving
    lane at the arrival time; RST in vermilion, FIN in blue, DATA in grey. Socket calls
    (close, shutdown) are marked on their lane."""
    ax = _axes(ax, (7, 8))
    trace = result.trace
    names = {int(c["connection"]): (c["left"], c["right"]) for c in result.traced_connections}
    if trace.empty:
        raise ValueError("this result has no trace: run with td.run(..., trace=n)")
    if connections is not None:
        trace = trace[trace["connection"].isin(list(connections))]
    lanes = {"client": 0.0, "proxy": 1.0, "backend": 2.0}
    pending: dict[tuple[int, int], deque] = defaultdict(deque)
    drawn = 0
    t0 = float(trace["time_s"].min())
    t_last = 0.0
    for row in trace.itertuples(index=False):
        conn, side = int(row.connection), int(row.side)
        left, right = names.get(conn, ("client", "proxy"))
        me, other = (left, right) if side == 0 else (right, left)
        t_ms = (float(row.time_s) - t0) * 1e3
        if row.what == "sent":
            pending[(conn, side)].append((t_ms, row.segment, me, other, row.rule))
        elif row.what == "arrived" and pending[(conn, 1 - side)]:
            sent_ms, segment, src, dst, rule = pending[(conn, 1 - side)].popleft()
            kind = next((k for k in ("RST", "FIN", "SYN", "DATA") if k in str(segment)), "DATA")
            if kind == "SYN" or drawn >= max_segments:
                continue
            x0, x1 = lanes[_lane(src)], lanes[_lane(dst)]
            ax.annotate(
                "",
                xy=(x1, t_ms),
                xytext=(x0, sent_ms),
                arrowprops={
                    "arrowstyle": "->",
                    "color": SEGMENT_COLOURS[kind],
                    "lw": 1.4 if kind != "DATA" else 0.9,
                },
            )
            label = str(segment) if kind != "RST" else f"RST ({rule})"
            ax.text(
                (x0 + x1) / 2,
                (sent_ms + t_ms) / 2,
                label,
                fontsize=7,
                color=SEGMENT_COLOURS[kind],
                ha="center",
                va="bottom",
                rotation=0,
            )
            drawn += 1
            t_last = max(t_last, t_ms)
        elif row.what in ("close", "abort", "shutdown"):
            ax.plot(lanes[_lane(me)], t_ms, marker="x" if row.what == "abort" else "o", color="#1f1f1f", ms=4)
    for name, x in lanes.items():
        ax.axvline(x, color="#1f1f1f", lw=0.8)
        ax.text(x, -0.02, name, transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=10)
    ax.set_xlim(-0.4, 2.4)
    # Annotations do not widen the data limits: set the time range from what was drawn.
    margin = 0.03 * max(t_last, 1e-3)
    ax.set_ylim(t_last + margin, -margin)
    ax.set_xticks([])
    ax.set_ylabel("ms since the first traced event")
    return ax
