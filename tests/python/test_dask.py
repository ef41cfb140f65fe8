"""Sweeps on a real Dask cluster (worker processes on 127.0.0.1) give the rows a serial sweep gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from teardown.sweep import sweep

distributed = pytest.importorskip("distributed")

from sweep_fixtures import BASE, GRID  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    )
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def serial_rows() -> pd.DataFrame:
    return sweep(BASE, grid=GRID, replications=2, progress=False)


def same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns="wall_s"), b.drop(columns="wall_s"))


@pytest.mark.timeout(120)
def test_a_client_runs_the_sweep_on_the_cluster(cluster, serial_rows):
    with distributed.Client(cluster) as client:
        rows = sweep(BASE, grid=GRID, replications=2, executor=client, progress=False)
        assert client.status == "running"  # a client given by the caller stays open
    same_rows(rows, serial_rows)


@pytest.mark.timeout(120)
def test_many_short_runs_go_to_the_workers_in_batches_and_give_the_serial_rows(cluster, monkeypatch):
    from teardown.executors import Batches

    sizes = []
    next_batch = Batches.next
    monkeypatch.setattr(Batches, "next", lambda self: sizes.append(len(b := next_batch(self))) or b)
    with distributed.Client(cluster) as client:
        rows = sweep(BASE, grid=GRID, replications=6, executor=client, progress=False)
    assert max(sizes) > 1 and sum(sizes) == 4 * 6
    same_rows(rows, sweep(BASE, grid=GRID, replications=6, progress=False))


@pytest.mark.timeout(120)
def test_a_scheduler_address_runs_the_sweep_on_the_cluster(cluster, serial_rows):
    rows = sweep(BASE, grid=GRID, replications=2, executor=cluster.scheduler_address, progress=False)
    same_rows(rows, serial_rows)


@pytest.mark.timeout(120)
def test_the_command_line_runs_a_sweep_file_on_the_cluster(cluster, serial_rows, tmp_path):
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text(
        "replications = 2\n"
        '[base]\nsim = {duration = "3s", warmup = "1s"}\nbackends = {servers = 2}\n'
        "[base.clients]\ncount = 10\narrival = {rate = 20.0}\npool = {max_size = 1}\n"
        '[base.proxy.timeout]\nhttp_keep_alive = "1s"\n'
        '[grid]\n"proxy.timeout.http_keep_alive" = ["500ms", "2s"]\n'
        '"clients.pool.idle_evict" = ["off", "250ms"]\n'
    )
    out = tmp_path / "rows.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "teardown.cli",
            "sweep",
            str(sweep_file),
            "--scheduler",
            cluster.scheduler_address,
            "--out",
            str(out),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=110,
        env={**os.environ},
        cwd=Path(__file__).parent,
    )
    assert done.returncode == 0, done.stderr
    assert "8 runs (4 points x 2 replications)" in done.stdout
    rows = pd.read_json(out, lines=True).sort_values(["point", "replication"], ignore_index=True)
    metrics = [c for c in serial_rows.columns if c not in ("wall_s", "teardown_version", "git_commit")]
    pd.testing.assert_frame_equal(rows[metrics], serial_rows[metrics], check_dtype=False)


@pytest.mark.timeout(120)
def test_a_mode_sweep_over_http_and_tcp_on_the_cluster_carries_the_warnings(cluster):
    base = {**BASE, "proxy": {"pretend_keepalive": True, "timeout": {"http_keep_alive": "1s"}}}
    grid = {"proxy.mode": ["httpclose", "tcp"]}
    rows = sweep(base, grid=grid, replications=2, executor=cluster.scheduler_address, progress=False)
    same_rows(rows, sweep(base, grid=grid, replications=2, progress=False))
    tcp = rows["proxy.mode"] == "tcp"
    assert rows.loc[tcp, "warnings"].str.startswith("proxy.pretend_keepalive: true is ignored").all()
    assert (rows.loc[~tcp, "warnings"] == "").all()


@pytest.mark.timeout(120)
def test_an_unreachable_scheduler_is_reported_and_leaves_no_file(tmp_path, monkeypatch, capsys):
    from teardown import executors
    from teardown.cli import main

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")
    sweep_file, out = tmp_path / "sweep.toml", tmp_path / "rows.csv"
    sweep_file.write_text('replications = 1\n[base]\nsim = {duration = "2s", warmup = "1s"}\n')
    code = main(["sweep", str(sweep_file), "--scheduler", "tcp://127.0.0.1:9", "--out", str(out)])
    assert code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not out.exists()
