"""The validation harness's real load lasts the load's whole duration, as the simulator's run
does, even when its last request comes early: idle timeouts that fire in a final silence must
count on both sides (docs/validation.md, r9-027)."""

from __future__ import annotations

from teardown.validation.client import run_closed, run_poisson


def test_an_open_loop_whose_next_arrival_is_past_the_end_waits_for_the_end() -> None:
    # One arrival every 1000 s on average: the first is past the 0.3 s load, none is sent.
    result = run_poisson([], rate=0.001, max_requests=10, duration=0.3, seed=1)
    assert result.started == 0
    assert result.wall >= 0.3


def test_a_closed_loop_whose_think_times_pass_the_end_waits_for_the_end() -> None:
    result = run_closed([], think=lambda rng: 1000.0, concurrency=1, max_requests=10, duration=0.3)
    assert result.started == 0
    assert result.wall >= 0.3


def test_a_load_that_reached_max_requests_does_not_wait() -> None:
    result = run_poisson([], rate=0.001, max_requests=0, duration=5.0, seed=1)
    assert result.wall < 2.5  # not the 5 s of the load
