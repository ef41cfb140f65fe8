"""Sweeps: points from a grid, a list or a Latin-hypercube sample; seeds per replication; summaries."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import teardown as td
from teardown.summarise import mean_interval, summarise, t_quantile
from teardown.sweep import latin_hypercube, replication_seed, sweep
from teardown.sweep_file import load_sweep

ROOT = Path(__file__).resolve().parents[2]

# Stale reuse in a few simulated seconds: idle gaps straddle the proxy's 1 s keep-alive timeout.
BASE = {
    "sim": {"duration": "3s", "warmup": "1s", "seed": 11},
    "clients": {"count": 10, "arrival": {"rate": 20.0}, "pool": {"max_size": 1}},
    "proxy": {"timeout": {"http_keep_alive": "1s"}},
    "backends": {"servers": 2},
}
GRID = {"proxy.timeout.http_keep_alive": ["500ms", "2s"], "clients.pool.idle_evict": ["off", "250ms"]}


def test_a_grid_gives_one_row_per_point_and_replication_in_order():
    rows = sweep(BASE, grid=GRID, replications=2, progress=False)
    assert len(rows) == 4 * 2
    assert list(rows[["point", "replication"]].itertuples(index=False, name=None)) == [
        (p, r) for p in range(4) for r in range(2)
    ]
    assert list(rows.columns[:5]) == ["point", "replication", "seed", *GRID]
    assert list(rows.columns[-4:]) == ["scenario_hash", "teardown_version", "git_commit", "wall_s"]
    assert "client.failure_ratio" in rows.columns
    assert rows.loc[rows["point"] == 1, "clients.pool.idle_evict"].eq("250ms").all()
    assert rows.loc[rows["point"] == 2, "proxy.timeout.http_keep_alive"].eq("2s").all()
    assert (rows["teardown_version"] == td.__version__).all()


def test_every_point_runs_replication_r_with_the_same_seed():
    rows = sweep(BASE, grid=GRID, replications=3, progress=False)
    seeds = rows.pivot(index="replication", columns="point", values="seed")
    assert (seeds.nunique(axis=1) == 1).all()
    assert seeds[0].nunique() == 3
    assert list(seeds[0]) == [replication_seed(11, r) for r in range(3)]


def test_seeds_come_from_the_base_seed_or_the_sweeps():
    assert replication_seed(11, 0) == replication_seed(11, 0)
    assert replication_seed(11, 0) != replication_seed(12, 0)
    assert 0 <= replication_seed(2**63, 7) < 2**63  # fits a TOML integer
    rows = sweep(BASE, replications=1, seed=5, progress=False)
    assert rows["seed"].tolist() == [replication_seed(5, 0)]


def test_the_row_hash_is_that_of_the_full_scenario_it_ran():
    rows = sweep(BASE, grid=GRID, replications=1, progress=False)
    row = rows.iloc[3]
    scenario = td.Scenario(BASE).with_(
        {
            "proxy.timeout.http_keep_alive": "2s",
            "clients.pool.idle_evict": "250ms",
            "sim.seed": int(row["seed"]),
        }
    )
    assert row["scenario_hash"] == scenario.hash()
    assert row["client.failure_ratio"] == td.run(scenario).metrics["client.failure_ratio"]


def test_points_then_sample_follow_the_grid_and_missing_keys_show_the_base_value():
    rows = sweep(
        BASE,
        grid={"backends.workers": [2, 4]},
        points=[{"proxy.mode": "httpclose"}],
        sample={"n": 2, "seed": 3, "ranges": {"clients.count": [5, 15]}},
        replications=1,
        progress=False,
    )
    assert rows["point"].tolist() == [0, 1, 2, 3, 4]
    assert rows["backends.workers"].tolist() == [2, 4, 8, 8, 8]
    assert rows["proxy.mode"].tolist() == ["http-keep-alive"] * 2 + ["httpclose"] + ["http-keep-alive"] * 2
    assert rows["clients.count"].tolist()[:3] == [10, 10, 10]
    assert all(5 <= c <= 15 for c in rows["clients.count"].tolist()[3:])


def test_a_sweep_without_points_replicates_the_base():
    rows = sweep(td.Scenario(BASE), replications=2, progress=False)
    assert rows["point"].tolist() == [0, 0]


def test_a_base_file_works_like_a_scenario(tmp_path):
    path = tmp_path / "base.toml"
    path.write_text(td.Scenario(BASE).to_toml())
    from_file = sweep(str(path), grid=GRID, replications=1, progress=False)
    from_dict = sweep(BASE, grid=GRID, replications=1, progress=False)
    pd.testing.assert_frame_equal(from_file.drop(columns="wall_s"), from_dict.drop(columns="wall_s"))


def test_latin_hypercube_puts_one_point_in_each_stratum_of_every_range():
    points = latin_hypercube(
        {
            "n": 10,
            "seed": 4,
            "ranges": {"clients.arrival.rate": [0.0, 100.0], "proxy.timeout.client": ["1s", "11s"]},
        }
    )
    assert len(points) == 10
    rates = sorted(p["clients.arrival.rate"] for p in points)
    assert [int(r // 10) for r in rates] == list(range(10))
    seconds = sorted(td.parse_duration(p["proxy.timeout.client"]) / 1e9 for p in points)
    assert [int(s - 1) for s in seconds] == list(range(10))
    assert all(isinstance(p["proxy.timeout.client"], str) for p in points)
    assert (
        latin_hypercube(
            {
                "n": 10,
                "seed": 4,
                "ranges": {"clients.arrival.rate": [0.0, 100.0], "proxy.timeout.client": ["1s", "11s"]},
            }
        )
        == points
    )


def test_latin_hypercube_gives_integers_for_integer_ranges():
    points = latin_hypercube({"n": 11, "ranges": {"backends.workers": [1, 11]}})
    assert sorted(p["backends.workers"] for p in points) == list(range(1, 12))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grid": {"proxy.timeout.clinet": ["1s"]}}, "proxy.timeout.clinet: unknown key"),
        ({"grid": {"proxy.mode": "httpclose"}}, 'grid."proxy.mode": expected a non-empty list'),
        ({"grid": {"proxy.mode": ["fast"]}}, "proxy.mode: unknown value 'fast'.*sweep point 0 from grid"),
        ({"points": [{"backends.workers": 2}, {"backends.servers": -1}]}, "backends.servers.*sweep point 1"),
        ({"grid": {"sim.seed": [1, 2]}}, "sim.seed: the seed is set per replication"),
        ({"sample": {"n": 0, "ranges": {"clients.count": [1, 2]}}}, "sample.n: expected an integer >= 1"),
        (
            {"sample": {"n": 2, "ranges": {"clients.count": [1, "2s"]}}},
            "expected two numbers or two durations",
        ),
        ({"sample": {"n": 2, "ranges": {"proxy.timeout.client": ["9s", "1s"]}}}, "low must not exceed high"),
        ({"replications": 0}, "replications: expected an integer >= 1"),
    ],
)
def test_bad_sweeps_name_the_key_and_run_nothing(kwargs, message):
    with pytest.raises(td.ConfigError, match=message):
        sweep(BASE, **{"replications": 1, "progress": False, **kwargs})


def test_bad_executors_are_refused_before_running():
    with pytest.raises(ValueError, match="executor must be one of"):
        sweep(BASE, executor="gpu", progress=False)
    with pytest.raises(ValueError, match="needs executor='threads' or 'processes'"):
        sweep(BASE, jobs=2, progress=False)


# --- summarise ----------------------------------------------------------------------------------


def test_summarise_gives_a_mean_and_an_interval_around_it_per_point():
    rows = sweep(BASE, grid=GRID, replications=4, progress=False)
    table = summarise(rows)
    assert len(table) == 4
    assert (table["n"] == 4).all()
    assert list(table.columns[:3]) == ["point", *GRID]
    for metric in ("client.failure_ratio", "requests.started", "latency.p99"):
        mean, low, high = table[f"{metric}.mean"], table[f"{metric}.ci_low"], table[f"{metric}.ci_high"]
        assert ((low <= mean) & (mean <= high)).all()
        expected = rows.groupby("point")[metric].mean()
        assert mean.tolist() == pytest.approx(expected.tolist())
    assert "seed.mean" not in table.columns and "wall_s.mean" not in table.columns


def test_summarise_takes_chosen_metrics_and_works_on_rows_read_back(tmp_path):
    rows = sweep(BASE, grid=GRID, replications=2, progress=False, out=tmp_path / "rows.csv")
    back = pd.read_csv(tmp_path / "rows.csv")
    table = summarise(back, metrics=["client.failure_ratio"])
    assert list(table.columns) == [
        "point",
        *GRID,
        "n",
        "client.failure_ratio.mean",
        "client.failure_ratio.ci_low",
        "client.failure_ratio.ci_high",
    ]
    assert table["client.failure_ratio.mean"].tolist() == pytest.approx(
        summarise(rows)["client.failure_ratio.mean"].tolist()
    )


def test_the_interval_is_student_t():
    assert t_quantile(0.95, 1) == pytest.approx(12.7062, abs=1e-4)
    assert t_quantile(0.95, 4) == pytest.approx(2.7764, abs=1e-4)
    assert t_quantile(0.95, 30) == pytest.approx(2.0423, abs=1e-4)
    assert t_quantile(0.99, 10) == pytest.approx(3.1693, abs=1e-4)
    assert t_quantile(0.95, 10_000) == pytest.approx(1.9602, abs=1e-4)
    mean, low, high = mean_interval([1.0, 2.0, 3.0])
    assert (mean, high - mean) == pytest.approx((2.0, 4.3027 / math.sqrt(3)), abs=1e-4)
    assert mean_interval([5.0, 5.0, 5.0]) == (5.0, 5.0, 5.0)
    assert math.isnan(mean_interval([5.0])[1])


# --- the sweep file -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "examples" / "sweeps").glob("*.toml")))
def test_the_example_sweep_files_are_valid(name):
    spec = load_sweep(ROOT / "examples" / "sweeps" / name)
    assert spec.description
    assert spec.replications >= 1


def test_the_modes_example_compares_the_field_reports_setups():
    spec = load_sweep(ROOT / "examples" / "sweeps" / "modes.toml")
    modes = {(p["proxy.version"], p["proxy.mode"]) for p in spec.points}
    assert {
        ("1.4", "preset"),
        ("1.5", "http-keep-alive"),
        ("1.5", "http-tunnel"),
        ("2.6", "http-server-close"),
        ("1.4", "http-pretend-keepalive"),
    } <= modes


def test_a_sweep_file_with_a_base_path_and_nested_keys(tmp_path):
    (tmp_path / "base.toml").write_text(td.Scenario(BASE).to_toml())
    (tmp_path / "sweep.toml").write_text(
        'base = "base.toml"\nreplications = 2\n[grid.proxy.timeout]\nhttp_keep_alive = ["500ms", "2s"]\n'
    )
    spec = load_sweep(tmp_path / "sweep.toml")
    rows = sweep(**spec.sweep_arguments(), progress=False)
    assert rows["proxy.timeout.http_keep_alive"].tolist() == ["500ms", "500ms", "2s", "2s"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('base = "nowhere.toml"\n', r"base: no scenario file .*nowhere.toml.*\(at .*sweep.toml\)"),
        ("replications = 2\n", "base: missing"),
        ('base = "base.toml"\ngird = {}\n', "gird: unknown key"),
        ('base = "base.toml"\nreplications = "many"\n', "replications: expected an integer"),
        (
            'base = "base.toml"\n[grid]\n"proxy.mode" = "tcp"\n',
            r'grid."proxy.mode": expected a non-empty list.*sweep.toml',
        ),
        ('base = "base.toml"\n[grid\n', r"sweep.toml:2:6: not valid TOML.*line 2"),
        ('[base.proxy]\nmode = "fast"\n', "base.proxy.mode: unknown value 'fast'"),
    ],
)
def test_bad_sweep_files_name_the_file_and_key(tmp_path, text, message):
    (tmp_path / "base.toml").write_text(td.Scenario(BASE).to_toml())
    (tmp_path / "sweep.toml").write_text(text)
    with pytest.raises(td.ConfigError, match=message):
        load_sweep(tmp_path / "sweep.toml")


def test_sampled_durations_read_back_exactly_as_written():
    points = latin_hypercube({"n": 50, "seed": 9, "ranges": {"proxy.timeout.client": ["1us", "3h"]}})
    for point in points:
        text = point["proxy.timeout.client"]
        assert "e" not in text
        ns = td.parse_duration(text)
        assert td.Scenario(BASE).with_({"proxy.timeout.client": text}).get(
            "proxy.timeout.client"
        ) == td.format_duration(ns)


def test_rows_name_the_build_commit_when_the_build_embeds_it(monkeypatch):
    from teardown import _core, _version_info

    monkeypatch.setattr(_core, "__git_commit__", "0123456789abcdef", raising=False)
    _version_info.git_commit.cache_clear()
    try:
        rows = sweep(BASE, replications=1, progress=False)
    finally:
        monkeypatch.undo()
        _version_info.git_commit.cache_clear()
    assert rows["git_commit"].tolist() == ["0123456789abcdef"]
