"""``td.explain``: one failed request, or one backend reset, told step by step with the rules behind it.

    import teardown as td
    print(td.explain("examples/scenarios/stale-reuse-keepalive.toml", failure=1))
    print(td.explain(td.run(scenario, trace=10_000), reset=3))

The simulator does not record requests, so the failures and resets are derived from a trace
(``teardown.traces``): given a scenario, it runs it tracing the first ``trace`` client connections
(and every server connection they lead to). Counting covers the whole run, warm-up included, of
the traced connections only; keep the run short (sim.duration of seconds) so that they are all
traced.
"""

from __future__ import annotations

from teardown.advise import facts
from teardown.api import run
from teardown.explain_story import failure_story, reset_story
from teardown.result import Result
from teardown.scenario import Scenario, ScenarioLike, as_scenario
from teardown.traces import TraceView

__all__ = ["explain"]


def explain(
    result_or_scenario: Result | ScenarioLike,
    failure: int | None = None,
    *,
    reset: int | None = None,
    trace: int = 100_000,
) -> str:
    """The ladder of the connection and a plain-language account of the ``failure``-th failed client
    request, or of the ``reset``-th "Connection reset by peer" a backend application saw (1-based,
    in time order). Give exactly one of them.

    result_or_scenario: a Result of ``td.run(..., trace=n)``, or a scenario (Scenario, dict, TOML
        path), which is run with ``trace`` client connections traced.
    Raises ValueError when there are fewer failures or resets than asked for, saying how many
    the trace holds.
    """
    if (failure is None) == (reset is None):
        raise ValueError(
            "give exactly one of failure=N (a failed client request) or reset=N (a backend reset)"
        )
    number = int(failure if failure is not None else reset)  # type: ignore[arg-type]
    if number < 1:
        raise ValueError(f"failures and resets are numbered from 1, not {number}")
    if isinstance(result_or_scenario, Result):
        result = result_or_scenario
        if not result.traced_connections:
            raise ValueError("this Result traced no connection: run it with td.run(..., trace=N)")
    else:
        result = run(as_scenario(result_or_scenario), trace=trace)
    view = TraceView.of(result)
    scenario = Scenario(result.scenario)
    traced = _coverage(view, trace if not isinstance(result_or_scenario, Result) else None)
    if failure is not None:
        failures = view.failures()
        if number > len(failures):
            raise ValueError(f"the trace holds {len(failures)} failed requests, not {number} ({traced})")
        return failure_story(view, scenario, failures[number - 1], len(failures), traced)
    resets = view.backend_resets()
    if number > len(resets):
        raise ValueError(f"the trace holds {len(resets)} resets seen by backends, not {number} ({traced})")
    return reset_story(view, scenario, resets[number - 1], len(resets), traced)


def _coverage(view: TraceView, limit: int | None) -> str:
    clients = len(view.client_connections())
    opened = int(view.result.invariants.get("connections_opened", 0))
    sim = view.result.scenario["sim"]
    duration = facts.duration_text(facts.duration_ns(sim["duration"]))
    warmup = facts.duration_text(facts.duration_ns(sim["warmup"]))
    text = f"{clients} client connections traced over the whole run: {warmup} warm-up, then {duration}"
    if limit is not None and clients >= limit:
        text += (
            f"; the trace stopped at {limit} client connections of {opened} TCP connections: "
            "later ones are not seen"
        )
    return text
