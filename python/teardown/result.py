"""``Result``: the outcome of one run as plain data, with pandas views of its tables."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from teardown import _core

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Result"]

PER_SERVER_COLUMNS = [
    "server",
    "requests",
    "connections_opened",
    "mean_open_connections",
    "resets_seen",
    "request_share",
]
TIMESERIES_COLUMNS = ["time_s", "server", "requests", "open_connections"]
TRACE_COLUMNS = [
    "time_s",
    "connection",
    "side",
    "what",
    "segment",
    "rule",
    "state_after",
    "notice",
    "error",
    "fate",
    "bytes",
]


class Result:
    """What one run measured. Plain data: it pickles, and ``to_json``/``from_json`` round-trip it.

    - ``metrics``: ``dict[str, float]``, the stable dotted names of docs/metrics.md; rates are per
      simulated second after warm-up. ``metrics_frame()`` gives the same as a DataFrame.
    - ``per_server``: DataFrame, one row per backend server.
    - ``timeseries``: long DataFrame, one row per (time bin, server).
    - ``trace``: DataFrame of the recorded socket events (empty unless ``run(..., trace=n)``), and
      ``ladder()`` the same as a readable ladder diagram.
    - ``scenario`` (the validated, fully defaulted scenario as a dict), ``invariants`` (whole-run
      totals that must balance), ``events`` (engine events handled), ``wall_seconds``.
    - ``warnings``: settings of the scenario the run ignored, as HAProxy does (HTTP settings in
      mode tcp), one ``"path: why"`` line each; empty for most runs.
    - ``partial`` (a run stopped by its wall-time limit) and ``time_reached_s``.

    Results come from ``teardown.run``; ``Result(data)`` rebuilds one from ``to_data()`` output.
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data: dict[str, Any] = dict(data)

    @classmethod
    def _from_core(cls, raw: Mapping[str, Any]) -> Result:
        """From the plain data ``_core.run`` returns: the time series made long, times in seconds."""
        ts = raw["timeseries"]
        bin_s, bins, servers = ts["bin_ns"] / 1e9, ts["bins"], ts["servers"]
        trace = dict(raw["trace"])
        time_ns = trace.pop("time_ns")
        # The rule is only meaningful for an RST sent or an abort; the fate for an arriving RST.
        trace["rule"] = [
            rule if (what == "sent" and "RST" in seg) or what == "abort" else ""
            for rule, what, seg in zip(trace["rule"], trace["what"], trace["segment"], strict=True)
        ]
        trace["fate"] = [
            fate if what == "arrived" and "RST" in seg else ""
            for fate, what, seg in zip(trace["fate"], trace["what"], trace["segment"], strict=True)
        ]
        return cls(
            {
                "teardown_version": _core.__version__,
                "scenario": raw["scenario"],
                "warnings": [f"{w['path']}: {w['message']}" for w in raw["warnings"]],
                "metrics": dict(raw["metrics"]),
                "per_server": dict(raw["per_server"]),
                "timeseries": {
                    "bin_s": bin_s,
                    "time_s": [b * bin_s for b in range(bins) for _ in range(servers)],
                    "server": [s for _ in range(bins) for s in range(servers)],
                    "requests": list(ts["requests"]),
                    "open_connections": list(ts["open_connections"]),
                },
                "invariants": dict(raw["invariants"]),
                "events": raw["events"],
                "wall_seconds": raw["wall_seconds"],
                "partial": bool(raw["partial"]),
                "time_reached_s": raw["time_reached_ns"] / 1e9,
                "trace": {"time_s": [t / 1e9 for t in time_ns], **trace},
                "ladders": list(raw["ladders"]),
            }
        )

    # ---- plain values ---------------------------------------------------------------------

    @property
    def metrics(self) -> dict[str, float]:
        """Metric name -> value (a copy)."""
        return dict(self._data["metrics"])

    @property
    def scenario(self) -> dict[str, Any]:
        """The validated, fully defaulted scenario that ran, as a nested dict (a copy)."""
        return copy.deepcopy(self._data["scenario"])

    @property
    def warnings(self) -> list[str]:
        """Settings of the scenario the run ignored, as HAProxy accepts and ignores them (HTTP
        settings with ``proxy.mode = "tcp"``): one ``"path: why"`` line each (a copy)."""
        return list(self._data.get("warnings", []))

    @property
    def invariants(self) -> dict[str, int]:
        """Whole-run totals, warm-up included: requests_started = completed + failed + in_flight;
        connections_opened = closed + open; rst_sent = rst_arrived + rst_in_flight."""
        return dict(self._data["invariants"])

    @property
    def events(self) -> int:
        """Engine events handled."""
        return int(self._data["events"])

    @property
    def wall_seconds(self) -> float:
        """Wall-clock time of the simulation itself."""
        return float(self._data["wall_seconds"])

    @property
    def partial(self) -> bool:
        """True when ``run(..., wall_time_limit=...)`` stopped the run before its end: the
        metrics then cover the measured time up to ``time_reached_s`` (rates per second of it)."""
        return bool(self._data.get("partial", False))

    @property
    def time_reached_s(self) -> float:
        """Simulated seconds from the start (warm-up included) the run got to: sim.warmup +
        sim.duration for a complete run, less for a partial one."""
        if "time_reached_s" in self._data:
            return float(self._data["time_reached_s"])
        sim = self._data["scenario"]["sim"]
        return (_core.parse_duration(sim["warmup"]) + _core.parse_duration(sim["duration"])) / 1e9

    # ---- tables ---------------------------------------------------------------------------

    def metrics_frame(self) -> pd.DataFrame:
        """The metrics as a DataFrame indexed by metric name ("metric"), with one column "value"."""
        import pandas as pd

        metrics = self._data["metrics"]
        return pd.DataFrame({"value": list(metrics.values())}, index=pd.Index(list(metrics), name="metric"))

    @property
    def per_server(self) -> pd.DataFrame:
        """One row per server: server, requests, connections_opened, mean_open_connections,
        resets_seen, request_share (all after warm-up)."""
        return self._frame("per_server", PER_SERVER_COLUMNS)

    @property
    def timeseries(self) -> pd.DataFrame:
        """Long table, one row per (bin, server): time_s (bin start, seconds after warm-up),
        server, requests (in the bin), open_connections (time-average within the bin)."""
        return self._frame("timeseries", TIMESERIES_COLUMNS)

    @property
    def trace(self) -> pd.DataFrame:
        """The recorded socket events of the traced connections, empty unless the run traced.

        time_s (seconds from the start of the run, warm-up included), connection (id, reused
        once a connection is gone), side (0 = connecting side, 1 = accepting side), what (sent,
        arrived, close, shutdown, abort), segment ("SYN", "DATA+FIN", "RST", ...; "" for a socket
        call), rule (why an RST was sent, else ""), state_after (TCP state of that side after it),
        notice (what the receiving application was told), error (what its next call reports),
        fate (what became of an arriving RST, else ""), bytes.
        """
        return self._frame("trace", TRACE_COLUMNS)

    @property
    def traced_connections(self) -> list[dict[str, Any]]:
        """The traced connections in opening order: ``{"connection", "left", "right"}``, where
        left is the connecting side and right the accepting one (e.g. "client-3", "proxy")."""
        return [{k: lad[k] for k in ("connection", "left", "right")} for lad in self._data["ladders"]]

    def ladder(self, connection: int | None = None) -> str:
        """One traced connection as a ladder diagram, or all of them (each under a header) when
        ``connection`` is None. Empty when the run traced nothing."""
        ladders = self._data["ladders"]
        if connection is None:
            return "\n".join(
                f"connection {lad['connection']} ({lad['left']} -> {lad['right']})\n{lad['text']}"
                for lad in ladders
            )
        for lad in ladders:
            if lad["connection"] == connection:
                return str(lad["text"])
        traced = [lad["connection"] for lad in ladders]
        raise ValueError(f"connection {connection} was not traced; traced connections: {traced}")

    def _frame(self, name: str, columns: list[str]) -> pd.DataFrame:
        import pandas as pd

        table = self._data[name]
        return pd.DataFrame({c: table[c] for c in columns}, columns=columns)

    # ---- serialisation --------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """Everything as JSON-compatible data (a deep copy): teardown_version, scenario, warnings,
        metrics, per_server, timeseries and trace (dicts of columns), invariants, events,
        wall_seconds, partial, time_reached_s, ladders."""
        return copy.deepcopy(self._data)

    def to_json(self, **kwargs: Any) -> str:
        """``to_data()`` as strict JSON text (NaN and infinities become null); kwargs go to ``json.dumps``."""
        return json.dumps(_nan_to_none(self._data), allow_nan=False, **kwargs)

    @classmethod
    def from_json(cls, text: str) -> Result:
        """The Result that ``to_json`` wrote."""
        data = json.loads(text)
        data["metrics"] = {k: math.nan if v is None else v for k, v in data["metrics"].items()}
        return cls(data)

    def __getstate__(self) -> dict[str, Any]:
        return self._data

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._data = state

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return _nan_to_none(self._data) == _nan_to_none(other._data)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        s, m = self._data["scenario"], self._data["metrics"]
        p = s["proxy"]
        return (
            f"Result(HAProxy {p['version']} {p['mode']}, balance {p['balance']}, "
            f"{s['backends']['servers']} servers, {s['sim']['duration']} measured: "
            f"{m.get('requests.started', 0):.0f} requests, {m.get('requests.failed', 0):.0f} failed, "
            f"{m.get('backend.resets_per_s_per_server', 0):.3g} backend resets/s/server, "
            f"request skew {m.get('skew.requests.max_over_mean', 0):.3g}; "
            f"{self.events:,} events in {self.wall_seconds:.3g} s"
            + (f"; PARTIAL: stopped at {self.time_reached_s:.6g} s simulated" if self.partial else "")
            + _warnings_note(len(self.warnings))
            + ")"
        )


def _warnings_note(count: int) -> str:
    return f"; {count} warning{'s' if count != 1 else ''} (see .warnings)" if count else ""


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_to_none(v) for v in value]
    return value
