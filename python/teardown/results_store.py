"""Crash-safe sweep output: each finished row reaches the disk before the next one is taken.

- ``.csv`` and ``.jsonl``: one line appended per row, then flush and fsync. A process killed
  at any moment leaves a file of complete rows; a torn last line is ignored when read and
  cut off before appending again.
- ``.parquet``: rows go to a sidecar ``<name>.parquet.partial.jsonl`` as above; when the sweep
  ends the Parquet file is written to a temporary file and renamed over the target, and the
  sidecar is removed. An interrupted sweep leaves the sidecar, which ``resume`` reads.

Rewriting a file (to drop rows, or to widen a CSV header) always goes through a temporary file
and ``os.replace``, so the file on disk is at every moment either the old or the new one.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from teardown.errors import ConfigError

Row = dict[str, Any]
FORMATS = (".csv", ".jsonl", ".parquet")


def open_store(path: str | os.PathLike[str]) -> RowStore:
    """The store for an output path, chosen by its suffix (.csv, .jsonl or .parquet)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CsvStore(path)
    if suffix == ".jsonl":
        return JsonlStore(path)
    if suffix == ".parquet":
        return ParquetStore(path)
    raise ConfigError(
        [
            {
                "path": "out",
                "message": f"unknown output format {suffix or '(none)'!r}: use .csv, .jsonl or .parquet",
                "where": str(path),
            }
        ]
    )


class RowStore:
    """Rows of one output file: read what is there, then append as rows complete."""

    path: Path

    def exists(self) -> bool:
        """Whether the output already holds something (resume reads it)."""
        raise NotImplementedError

    def read(self) -> list[Row]:
        """The complete rows on disk, in file order; a torn last line is left out."""
        raise NotImplementedError

    def start(self, keep: list[Row] | None = None) -> None:
        """Get ready to append: keep the file as it is, or rewrite it with exactly ``keep``."""
        raise NotImplementedError

    def append(self, row: Row) -> None:
        """Write one row durably (flushed and fsynced) before returning."""
        raise NotImplementedError

    def finish(self, frame: pd.DataFrame) -> None:
        """The sweep is complete; ``frame`` holds all its rows in order."""

    def close(self) -> None:
        """Release the file; safe to call more than once."""


class _LineStore(RowStore):
    """A text file with one row per line, appended to and fsynced row by row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: io.TextIOWrapper | None = None

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> list[Row]:
        if not self.path.exists():
            return []
        return self._decode(_complete_lines(self.path.read_bytes()))

    def start(self, keep: list[Row] | None = None) -> None:
        if keep is not None:
            _replace_atomically(self.path, self._encode_all(keep))
        elif self.path.exists():
            _cut_torn_tail(self.path)

    def append(self, row: Row) -> None:
        self._write(self._encode_row(row))

    def _write(self, text: str) -> None:
        """Append, flush and fsync; the file is created with the first row, never empty."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8", newline="")
        self._file.write(text)
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _encode_all(self, rows: list[Row]) -> str:
        raise NotImplementedError

    def _encode_row(self, row: Row) -> str:
        raise NotImplementedError

    def _decode(self, lines: list[str]) -> list[Row]:
        raise NotImplementedError


class JsonlStore(_LineStore):
    """One JSON object per line; values keep their types."""

    def _encode_all(self, rows: list[Row]) -> str:
        return "".join(_json_line(row) for row in rows)

    def _encode_row(self, row: Row) -> str:
        return _json_line(row)

    def _decode(self, lines: list[str]) -> list[Row]:
        rows = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                if number == len(lines):  # a torn last line: the run that wrote it was killed
                    break
                raise ConfigError(
                    [
                        {
                            "path": "",
                            "message": f"not a JSON row: {error.msg}",
                            "where": f"{self.path}:{number}",
                        }
                    ]
                ) from None
        return rows


class CsvStore(_LineStore):
    """A header line, then one line per row. Values read back are strings; lists are JSON."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self._header: list[str] | None = None

    def start(self, keep: list[Row] | None = None) -> None:
        super().start(keep)
        exists = self.path.exists() and self.path.stat().st_size > 0
        self._header = _csv_header(self.path) if exists else None

    def append(self, row: Row) -> None:
        if self._header is not None and not set(row) <= set(self._header):
            self._widen([*self._header, *(c for c in row if c not in self._header)])
        text = ""
        if self._header is None:
            self._header = list(row)
            text = _csv_line(self._header)
        self._write(text + _csv_line([_csv_value(row.get(c)) for c in self._header]))

    def _widen(self, header: list[str]) -> None:
        """A row with new columns: rewrite the file with the wider header (rare: a new build)."""
        rows = self.read()
        self.close()
        _replace_atomically(self.path, self._encode_all(rows, header))
        self._header = header

    def _encode_all(self, rows: list[Row], header: list[str] | None = None) -> str:
        if header is None:
            header = list(dict.fromkeys(c for row in rows for c in row))
        if not header:
            return ""
        lines = [_csv_line(header)]
        lines += [_csv_line([_csv_value(row.get(c)) for c in header]) for row in rows]
        return "".join(lines)

    def _decode(self, lines: list[str]) -> list[Row]:
        if not lines:
            return []
        records = list(csv.reader(lines))
        header, body = records[0], records[1:]
        rows = []
        for number, record in enumerate(body, 2):
            if len(record) != len(header):
                if number == len(records):  # torn last line
                    break
                raise ConfigError(
                    [
                        {
                            "path": "",
                            "message": f"expected {len(header)} fields, found {len(record)}",
                            "where": f"{self.path}:{number}",
                        }
                    ]
                )
            rows.append(dict(zip(header, record, strict=True)))
        return rows


class ParquetStore(RowStore):
    """Rows go to a JSONL sidecar as they complete; the Parquet file is written at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sidecar = JsonlStore(path.with_name(path.name + ".partial.jsonl"))

    def exists(self) -> bool:
        return self.path.exists() or self.sidecar.exists()

    def read(self) -> list[Row]:
        # start() copies the Parquet rows into the sidecar before appending, so when a
        # sidecar exists it holds every row.
        if self.sidecar.exists():
            return self.sidecar.read()
        if self.path.exists():
            return pd.read_parquet(self.path).to_dict("records")
        return []

    def start(self, keep: list[Row] | None = None) -> None:
        if keep is None and self.path.exists() and not self.sidecar.exists():
            keep = self.read()  # carry the Parquet file's rows into the sidecar before appending
        self.sidecar.start(keep)

    def append(self, row: Row) -> None:
        self.sidecar.append(row)

    def finish(self, frame: pd.DataFrame) -> None:
        self.sidecar.close()
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        os.close(fd)
        try:
            _parquet_ready(frame).to_parquet(temp, index=False)
            _fsync_path(temp)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.path.parent)
        self.sidecar.path.unlink(missing_ok=True)

    def close(self) -> None:
        self.sidecar.close()


def _complete_lines(data: bytes) -> list[str]:
    """The lines of a file that end in a newline; a torn last line is left out."""
    end = data.rfind(b"\n") + 1
    return data[:end].decode("utf-8").splitlines(keepends=True)


def _cut_torn_tail(path: Path) -> None:
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end != len(data):
        with open(path, "r+b") as file:
            file.truncate(end)
            file.flush()
            os.fsync(file.fileno())


def _replace_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_path(path: str) -> None:
    with open(path, "rb") as file:
        os.fsync(file.fileno())


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _json_line(row: Row) -> str:
    return json.dumps(row, separators=(",", ":"), default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to a results file")


def _csv_header(path: Path) -> list[str] | None:
    lines = _complete_lines(path.read_bytes())
    return next(csv.reader(lines[:1]), None)


def _csv_line(fields: Iterable[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)  # repr round-trips exactly
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=_json_default)
    return str(value)


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns of mixed Python types (an override given as "off" in one point, 0.5 in another) as text."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            kinds = {type(v) for v in frame[column] if v is not None}
            if len(kinds) > 1:
                frame[column] = frame[column].map(lambda v: None if v is None else _csv_value(v))
    return frame
