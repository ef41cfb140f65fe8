"""What a report is about, from what it was given: a scenario (a Scenario, a dict, a .toml file),
a Result, or a sweep's rows (a DataFrame, or the .csv, .jsonl or .parquet file ``td.sweep`` writes);
and where it goes, checked before anything runs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from teardown.errors import ConfigError
from teardown.result import Result
from teardown.scenario import Scenario

__all__ = ["SWEEP_FORMATS", "check_output", "kind_of", "read_sweep_rows"]

SWEEP_FORMATS = (".csv", ".jsonl", ".parquet")


def kind_of(source: Any) -> str:
    """ "scenario", "result" or "sweep"; a ConfigError for anything else, naming what is accepted."""
    if isinstance(source, Result):
        return "result"
    if isinstance(source, (Scenario, Mapping)):
        return "scenario"
    if isinstance(source, pd.DataFrame):
        return "sweep"
    if isinstance(source, (str, os.PathLike)):
        suffix = Path(source).suffix.lower()
        if suffix == ".toml":
            return "scenario"
        if suffix in SWEEP_FORMATS:
            return "sweep"
        raise _error(
            str(source),
            f"unknown kind of file {suffix or '(no suffix)'!r}: give a scenario (.toml) or the results "
            "of teardown sweep (.csv, .jsonl, .parquet)",
        )
    raise TypeError(
        "a report is made of a Scenario, a scenario dict or .toml path, a Result, or sweep rows "
        f"(a DataFrame or a .csv, .jsonl or .parquet path), not {type(source).__name__}"
    )


def read_sweep_rows(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The rows a sweep wrote to ``path``; a ConfigError when the file holds no sweep rows."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(2, "no such file", str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            rows = pd.read_csv(path)
        elif suffix == ".jsonl":
            rows = pd.read_json(path, lines=True)
        else:
            rows = pd.read_parquet(path)
    except (ValueError, OSError, ImportError) as error:  # parse errors are ValueErrors; no pyarrow
        raise _error(str(path), f"cannot be read as sweep results: {str(error).splitlines()[0]}") from None
    if "point" not in rows.columns or rows.empty:
        raise _error(
            str(path),
            "holds no sweep rows (no 'point' column, or no row): give what teardown sweep --out wrote",
        )
    return rows


def check_output(path: str | os.PathLike[str]) -> Path:
    """``path`` if a report can be written there: its folder exists and is writable, and it is not a
    folder itself. Checked first, so that a long run never ends in an error about the output."""
    out = Path(path)
    folder = out.parent if str(out.parent) else Path(".")
    if out.is_dir():
        raise _error(str(out), "is a directory: give the report's file name, e.g. report.html")
    if not folder.is_dir():
        raise _error(str(out), f"cannot write the report: no directory {str(folder)!r}")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise _error(str(out), "cannot write the report: permission denied")
    return out


def _error(where: str, message: str) -> ConfigError:
    return ConfigError([{"path": "", "message": message, "where": where}])
