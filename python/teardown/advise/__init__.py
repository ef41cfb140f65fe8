"""``td.advise``: which known remedies stop the resets and failures of the user's own setup.

    import teardown as td
    df = td.advise("examples/scenarios/stale-reuse-keepalive.toml", objective="failures, keep skew <= 1.1")
    df[["rank", "candidate", "client.failure_ratio.mean", "skew.requests.max_over_mean.mean", "explanation"]]

Modules: ``facts`` (what the proxy does for a scenario), ``objective`` (what to minimise),
``remedies`` (each known remedy and the rule behind it), ``candidates`` (alone and combined),
``rank`` (the order), ``explain_row`` (one sentence each), ``advisor`` (the runs), ``report``
(the command line's table). docs/advise.md describes it all.
"""

from __future__ import annotations

from teardown.advise.advisor import DEFAULT_OBJECTIVE, METRICS, advise, load_setup
from teardown.advise.objective import Objective, parse_objective
from teardown.advise.remedies import FAMILIES

__all__ = ["DEFAULT_OBJECTIVE", "FAMILIES", "METRICS", "Objective", "advise", "load_setup", "parse_objective"]
