"""The random campaign (teardown.validation.campaign): reproducible draws from a declared space,
every draw a valid simulator scenario, bounded in time and requests, the whole space reached; and
a short campaign on the real HAProxy 2.6 with a fixed seed, whose table and pass rate are printed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import teardown as td
from teardown.validation import campaign, compare, parse_seconds, wire
from teardown.validation.haproxy import find_haproxy, haproxy_version

pytestmark = pytest.mark.timeout(900)

DRAWS = [h for _, h in campaign.draw(200, 11)]


def test_the_draws_are_a_function_of_the_seed() -> None:
    assert campaign.draw(30, 1) == campaign.draw(30, 1)
    assert campaign.draw(30, 1) != campaign.draw(30, 2)
    assert campaign.draw(30, 1, stratified=True) == campaign.draw(30, 1, stratified=True)
    assert campaign.draw(30, 1, stratified=True) != campaign.draw(30, 1)
    assert [name for name, _ in campaign.draw(3, 7)] == ["r7-000", "r7-001", "r7-002"]
    # A longer campaign starts with the draws of a shorter one of the same seed.
    assert campaign.draw(40, 3)[:10] == campaign.draw(10, 3)


def test_every_draw_is_a_valid_simulator_scenario_bounded_in_time_and_requests() -> None:
    for h in DRAWS:
        td.Scenario.from_dict(compare.to_teardown_scenario(h))  # raises ConfigError if not
        assert (parse_seconds(h["validation"]["duration"]) or 99) <= 5
        assert 0 < h["validation"]["max_requests"] <= 2000


def test_every_declared_value_is_drawn_and_every_draw_lies_in_the_space() -> None:
    points = [campaign.classify(h) for h in DRAWS]
    for key, (kind, values) in campaign.SPACE.items():
        seen = [p[key] for p in points]
        if kind.startswith("choice"):
            assert set(seen) == set(values), key
        elif kind == "integer":
            lo, hi = values
            if key == "clients.count":  # a closed loop may add clients to reach MIN_REQUESTS
                assert min(seen) == lo and set(range(lo, hi + 1)) <= set(seen), key
            else:
                assert set(seen) == set(range(lo, hi + 1)), key
        else:  # log-uniform seconds (or off): spread over the whole range
            lo, hi = values
            numbers = [x for x in seen if x != "off"]
            assert lo <= min(numbers) < lo * 1.3 and hi / 1.3 < max(numbers) <= hi, key
            if "or off" in kind:
                assert "off" in seen, key


def test_ten_draws_meet_every_mode_and_arrival_kind() -> None:
    # Stratified choices: a short campaign reaches each mechanism's setting.
    for seed in (1, 2, 3):
        points = [campaign.classify(h) for _, h in campaign.draw(10, seed, stratified=True)]
        for key in ("proxy.mode", "clients.arrival.kind", "proxy.balance", "proxy.http_reuse"):
            assert {p[key] for p in points} == set(campaign.SPACE[key][1]), (seed, key)


def test_on_off_silences_straddle_the_client_side_idle_timeout() -> None:
    shorter = longer = 0
    for h in DRAWS:
        a, t = h["clients"]["arrival"], h["proxy"]["timeout"]
        if a["kind"] == "onoff":
            idle = parse_seconds(t.get("http_keep_alive", t["client"])) or 0
            gap = parse_seconds(a["off"]) or 0
            shorter += gap < idle
            longer += gap > idle
    assert shorter >= 5 and longer >= 5


def test_pass_through_options_reach_every_draw_and_rows_are_written(tmp_path: Path) -> None:
    _, harness = campaign.draw(1, 5)[0]
    h = campaign.with_validation(harness, haproxy="/usr/sbin/haproxy", backend="netty")
    assert h["validation"]["haproxy"] == "/usr/sbin/haproxy" and h["validation"]["backend"] == "netty"
    assert campaign.with_validation(harness, haproxy=None, backend=None) == harness
    row = compare.Row("r5-000", "client.http_5xx", 0.1, 0.05, 0.15, 0.5, "differs")
    draws = {"r5-000": harness}
    campaign.write_rows([row], draws, str(tmp_path / "rows.csv"))
    campaign.write_rows([row], draws, str(tmp_path / "rows.jsonl"))
    with open(tmp_path / "rows.csv") as f:
        (read,) = list(csv.DictReader(f))
    assert read["metric"] == "client.http_5xx" and read["draw"] == campaign.one_line(harness)
    assert json.loads((tmp_path / "rows.jsonl").read_text())["predicted"] == 0.5
    text = campaign.format_summary([row], draws)
    assert "0 of 1" in text and campaign.one_line(harness) in text and "(8.0x)" in text


def test_bad_arguments_exit_2_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, option in (
        (["--random", "0"], "--random"),
        (["--random", "2", "ka-stale"], "--random"),
        (["--backend", "tomcat"], "--backend"),
        (["--haproxy", "/nonexistent/haproxy"], "--haproxy"),
        (["--random", "1", "--out", "/nonexistent/dir/rows.csv"], "--out"),
    ):
        try:
            code = compare.main(argv)
        except SystemExit as exit_:  # argparse's own errors
            code = exit_.code
        assert code == 2, argv
        assert option in capsys.readouterr().err, argv


@pytest.mark.skipif(
    find_haproxy() is None or not (haproxy_version() or "").startswith("2.6") or wire.available() is not None,
    reason="needs HAProxy 2.6 and a capture on lo",
)
def test_a_campaign_of_ten_draws_runs_and_reports_every_metric(capsys: pytest.CaptureFixture[str]) -> None:
    rows, draws = campaign.run_campaign(10, 1, repeats=2, progress=False)
    assert {r.scenario for r in rows} == set(draws)  # every draw ran
    summary = campaign.summarise(rows)
    for metric in (*compare.COMPARED, *compare.WIRE):
        assert summary["per_metric"].get(metric, (0, 0))[1] == len(draws), metric  # a row per draw
    servers = sum(h["backends"]["servers"] for h in draws.values())
    assert summary["per_metric"]["share.requests.server.*"][1] == servers
    with capsys.disabled():
        print("\n" + campaign.format_summary(rows, draws))
    # The lead's threshold (docs/validation.md, "The random campaign": these ten draws gave
    # 94-96% on 2026-12-04; the misses are known mechanisms), a guard against regressions.
    ok, total = summary["overall"]
    assert ok / total >= 0.90, campaign.format_summary(rows, draws)
