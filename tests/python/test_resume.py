"""A sweep writes each row as it completes; resuming runs only what is missing, never twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import teardown as td
from sweep_fixtures import BASE, GRID  # noqa: E402
from teardown import executors
from teardown.results_store import open_store
from teardown.sweep import sweep

RUNS = 4 * 3


def run_sweep(out: Path, **kwargs) -> pd.DataFrame:
    return sweep(BASE, **{"grid": GRID, "replications": 3, "progress": False, "out": out, **kwargs})


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns="wall_s"), b.drop(columns="wall_s"))


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return sweep(BASE, grid=GRID, replications=3, progress=False)


def stop_after(monkeypatch: pytest.MonkeyPatch, runs: int) -> None:
    """Make the serial executor stop, as if interrupted, after this many runs."""
    real = executors.run_task
    done = []

    def interrupted(task):
        if len(done) == runs:
            raise KeyboardInterrupt
        done.append(task)
        return real(task)

    monkeypatch.setattr(executors, "run_task", interrupted)


def keys(rows: list[dict]) -> list[tuple[int, int]]:
    return sorted((int(r["point"]), int(r["replication"])) for r in rows)


ALL_KEYS = [(p, r) for p in range(4) for r in range(3)]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_an_interrupted_sweep_resumes_to_one_row_per_run(tmp_path, monkeypatch, reference, suffix):
    out = tmp_path / f"rows{suffix}"
    stop_after(monkeypatch, 5)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(out)
    assert keys(open_store(out).read()) == ALL_KEYS[:5]
    monkeypatch.undo()

    calls = []
    real = executors.run_task
    monkeypatch.setattr(executors, "run_task", lambda task: calls.append(task) or real(task))
    rows = run_sweep(out, resume=True)
    assert len(calls) == RUNS - 5
    same_rows(rows, reference)
    assert keys(open_store(out).read()) == ALL_KEYS
    if suffix == ".parquet":
        assert not (tmp_path / "rows.parquet.partial.jsonl").exists()
        same_rows(pd.read_parquet(out), reference)


def test_an_interrupted_batched_process_sweep_resumes_to_one_row_per_run(tmp_path, monkeypatch, reference):
    """Rows arrive a batch at a time from worker processes; stopping after some of them (the
    rest of their batch then is lost) keeps the rows written, and resuming on processes fills
    in exactly the rest."""
    out = tmp_path / "rows.jsonl"
    store_class = type(open_store(out))
    append = store_class.append
    written = []

    def interrupted(self, row):
        if len(written) == 7:
            raise KeyboardInterrupt
        written.append(row)
        append(self, row)

    monkeypatch.setattr(store_class, "append", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(out, executor="processes", jobs=2)
    monkeypatch.undo()
    assert len(open_store(out).read()) == 7

    rows = run_sweep(out, resume=True, executor="processes", jobs=2)
    same_rows(rows, reference)
    assert keys(open_store(out).read()) == ALL_KEYS


def test_the_progress_bar_counts_every_run_of_a_batched_sweep(capsys):
    sweep(BASE, grid=GRID, replications=3, executor="processes", jobs=2, progress="always")
    assert f"{RUNS}/{RUNS}" in capsys.readouterr().err


def test_resuming_a_complete_file_runs_nothing(tmp_path, monkeypatch, reference):
    out = tmp_path / "rows.jsonl"
    run_sweep(out)
    monkeypatch.setattr(executors, "run_task", lambda task: pytest.fail("ran a row that was already there"))
    same_rows(run_sweep(out, resume=True), reference)
    assert keys(open_store(out).read()) == ALL_KEYS


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_torn_last_line_is_ignored_and_cut_before_appending(tmp_path, reference, suffix):
    out = tmp_path / f"rows{suffix}"
    run_sweep(out)
    lines = out.read_text().splitlines(keepends=True)
    header = 1 if suffix == ".csv" else 0
    out.write_text("".join(lines[: header + 4]) + lines[header + 4][:25])  # four rows and half of one
    assert keys(open_store(out).read()) == ALL_KEYS[:4]
    same_rows(run_sweep(out, resume=True), reference)
    assert keys(open_store(out).read()) == ALL_KEYS
    assert len(out.read_text().splitlines()) == header + RUNS


def test_an_existing_file_is_not_overwritten_without_resume(tmp_path):
    out = tmp_path / "rows.csv"
    run_sweep(out)
    before = out.read_bytes()
    with pytest.raises(td.ConfigError, match="already exists: resume to continue it"):
        run_sweep(out)
    assert out.read_bytes() == before


def test_rows_of_another_sweep_definition_are_refused_unless_forced(tmp_path, monkeypatch):
    out = tmp_path / "rows.jsonl"
    run_sweep(out)
    other = {"proxy.timeout.http_keep_alive": ["500ms", "3s"], "clients.pool.idle_evict": ["off", "250ms"]}
    with pytest.raises(td.ConfigError, match="cannot resume: it holds 6 rows of another sweep definition"):
        run_sweep(out, grid=other, resume=True)

    calls = []
    real = executors.run_task
    monkeypatch.setattr(executors, "run_task", lambda task: calls.append(task) or real(task))
    rows = run_sweep(out, grid=other, resume=True, force=True)
    assert len(calls) == 6  # points 2 and 3 changed: their rows were dropped and run again
    assert keys(open_store(out).read()) == ALL_KEYS
    assert rows["proxy.timeout.http_keep_alive"].tolist() == ["500ms"] * 6 + ["3s"] * 6


def test_rows_of_another_teardown_build_are_refused_unless_forced(tmp_path, monkeypatch):
    out = tmp_path / "rows.jsonl"
    run_sweep(out)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    rows[0]["teardown_version"] = "0.0.1"
    out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(td.ConfigError, match=r"1 rows written by another build \(teardown 0.0.1"):
        run_sweep(out, resume=True)
    monkeypatch.setattr(executors, "run_task", lambda task: pytest.fail("forced resume re-ran a kept row"))
    kept = run_sweep(out, resume=True, force=True)
    assert kept["teardown_version"].tolist() == ["0.0.1"] + [td.__version__] * (RUNS - 1)


def test_an_unknown_output_format_is_refused_before_running(tmp_path):
    with pytest.raises(td.ConfigError, match="unknown output format '.xlsx'"):
        run_sweep(tmp_path / "rows.xlsx")
    assert not list(tmp_path.iterdir())


# --- a real process, killed -----------------------------------------------------------------

KILL_SWEEP = """\
replications = 20
[base]
sim = { duration = "200s", warmup = "5s" }
clients = { count = 20, arrival = { rate = 500.0 } }
proxy = { version = "2.6", mode = "http-server-close" }
backends = { servers = 3 }
[grid]
"backends.workers" = [4, 8]
"""


def complete_rows(path: Path) -> int:
    if not path.exists():
        return 0
    return max(0, path.read_bytes().count(b"\n") - 1)  # minus the header


@pytest.mark.timeout(120)
def test_a_sweep_killed_with_sigkill_resumes_to_exactly_one_row_per_run(tmp_path):
    sweep_file, out = tmp_path / "sweep.toml", tmp_path / "rows.csv"
    sweep_file.write_text(KILL_SWEEP)
    command = [
        sys.executable,
        "-m",
        "teardown.cli",
        "sweep",
        str(sweep_file),
        "--out",
        str(out),
        "--no-progress",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while complete_rows(out) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process.poll() is None, "the sweep ended before it could be killed: make it bigger"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    written = open_store(out).read()
    assert 2 <= len(written) < 40

    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=100)
    assert resumed.returncode == 0, resumed.stderr
    rows = open_store(out).read()
    assert sorted((int(r["point"]), int(r["replication"])) for r in rows) == [
        (p, r) for p in range(2) for r in range(20)
    ]
    assert rows[: len(written)] == written  # the rows written before the kill were kept as they were

    from teardown.sweep_file import load_sweep

    reference = sweep(
        **load_sweep(sweep_file).sweep_arguments(), executor="processes", jobs=2, progress=False
    )
    back = pd.read_csv(out).sort_values(["point", "replication"], ignore_index=True)
    back["warnings"] = ["" if pd.isna(w) else w for w in back["warnings"]]  # pandas reads "" as NaN
    columns = [c for c in reference.columns if c not in ("wall_s", "git_commit")]
    pd.testing.assert_frame_equal(back[columns], reference[columns], check_dtype=False)


def test_a_csv_row_with_new_columns_widens_the_header(tmp_path):
    store = open_store(tmp_path / "rows.csv")
    store.start()
    store.append({"point": 0, "replication": 0, "a": 1.5})
    store.append({"point": 0, "replication": 1, "a": 2.5, "b": [1, 2]})
    store.close()
    assert store.read() == [
        {"point": "0", "replication": "0", "a": "1.5", "b": ""},
        {"point": "0", "replication": "1", "a": "2.5", "b": "[1, 2]"},
    ]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_nothing_is_written_when_no_row_completes(tmp_path, monkeypatch, suffix):
    stop_after(monkeypatch, 0)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(tmp_path / "out" / f"rows{suffix}")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_finished_parquet_file_resumes_without_running(tmp_path, monkeypatch, reference):
    out = tmp_path / "rows.parquet"
    run_sweep(out)
    monkeypatch.setattr(executors, "run_task", lambda task: pytest.fail("ran a row that was already there"))
    same_rows(run_sweep(out, resume=True), reference)
    same_rows(pd.read_parquet(out), reference)
    assert not (tmp_path / "rows.parquet.partial.jsonl").exists()
