"""teardown: predicts what TCP connection teardown does in pooled clients -> HAProxy -> backends.

    import teardown as td
    r = td.run({"proxy": {"mode": "http-server-close"}, "backends": {"workers": 4}})
    r.metrics["backend.resets_per_s_per_server"], r.per_server, r.timeseries

The compiled core lives in the private module ``teardown._core``; this package is the
public, Pythonic layer over it.
"""

from __future__ import annotations

from teardown import analytic
from teardown._core import NEVER, __version__, format_duration, parse_duration
from teardown.advise import advise
from teardown.api import load, run
from teardown.errors import ConfigError
from teardown.explain import explain
from teardown.preset_table import presets
from teardown.report import report
from teardown.result import Result
from teardown.scenario import Scenario
from teardown.summarise import summarise
from teardown.sweep import sweep

__all__ = [
    "NEVER",
    "analytic",
    "ConfigError",
    "Result",
    "Scenario",
    "__version__",
    "advise",
    "explain",
    "format_duration",
    "load",
    "parse_duration",
    "presets",
    "report",
    "run",
    "summarise",
    "sweep",
]
