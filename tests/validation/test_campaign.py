"""The random campaign (teardown.validation.campaign): reproducible draws from a declared space,
every draw a valid simulator scenario, the whole space reached; and a short campaign on the real
HAProxy 2.6 with a fixed seed, whose table and pass rate are printed."""

from __future__ import annotations

import pytest
import teardown as td
from teardown.validation import campaign, compare, wire
from teardown.validation.haproxy import find_haproxy, haproxy_version

pytestmark = pytest.mark.timeout(900)


def test_the_draws_are_a_function_of_the_seed() -> None:
    assert campaign.draw(30, 1) == campaign.draw(30, 1)
    assert campaign.draw(30, 1) != campaign.draw(30, 2)
    assert [name for name, _ in campaign.draw(3, 7)] == ["r7-000", "r7-001", "r7-002"]


def test_every_draw_is_a_valid_simulator_scenario_and_the_space_is_covered() -> None:
    draws = [h for _, h in campaign.draw(200, 11)]
    for h in draws:
        td.Scenario.from_dict(compare.to_teardown_scenario(h))  # raises ConfigError if not
    modes = {h["proxy"]["mode"] + ("+pretend" if h["proxy"].get("pretend_keepalive") else "") for h in draws}
    assert modes == {"http-keep-alive", "http-server-close", "http-server-close+pretend", "httpclose"}
    assert {h["proxy"]["http_reuse"] for h in draws} == {"never", "safe", "always"}
    assert {h["proxy"]["balance"] for h in draws} == {"roundrobin", "leastconn", "random"}
    assert {h["clients"]["arrival"]["kind"] for h in draws} == {"poisson", "onoff", "closed"}
    assert {h["backends"]["servers"] for h in draws} == {2, 3, 4}
    assert {h["backends"]["workers"] for h in draws} == {1, 2, 3, 4}
    assert {h["backends"].get("close_delay") for h in draws} >= {"0ms", "1ms", "5ms"}
    assert any(h["proxy"]["nolinger"] for h in draws) and not all(h["proxy"]["nolinger"] for h in draws)
    assert any("idle_evict" in h["clients"]["pool"] for h in draws)
    sizes = [h["clients"]["pool"]["max_size"] for h in draws]
    assert min(sizes) == 2 and max(sizes) == 32


@pytest.mark.skipif(
    find_haproxy() is None or not (haproxy_version() or "").startswith("2.6") or wire.available() is not None,
    reason="needs HAProxy 2.6 and a capture on lo",
)
def test_a_campaign_of_ten_draws_runs_and_reports_every_metric(capsys: pytest.CaptureFixture[str]) -> None:
    rows, draws = campaign.run_campaign(10, 1, repeats=2, progress=False)
    assert {r.scenario for r in rows} == set(draws)  # every draw ran
    summary = campaign.summarise(rows)
    for metric in (
        "backend.resets_per_request",
        "rst.proxy_to_backend_per_request",
        "client.eof_before_response",
    ):
        assert metric in summary["per_metric"]
    with capsys.disabled():
        print("\n" + campaign.format_summary(rows, draws))
