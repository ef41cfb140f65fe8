"""Import a real haproxy.cfg as a teardown scenario.

    from teardown.haproxy_cfg import import_haproxy
    result = import_haproxy("haproxy.cfg", version="2.6", frontend="web", backend="app")
    result.scenario      # partial scenario dict: only the keys the file determines
    result.notes         # decisions made: the release, which frontend and backend, ...
    result.unmapped      # [Unmapped(line, text, reason, kind)] for every line not reflected
    result.not_modelled  # those of them that may affect teardown

Modules: ``lexer`` (lines into sections), ``directives``/``servers`` (what each keyword
means), ``keywords`` (what is left out and why, which release has which keyword),
``release_hint`` (the release the file's keywords point to), ``build`` (defaults
inheritance), ``choose`` (which frontend and backend), ``mapping`` (settings into scenario
keys), ``report`` (the unmapped lines).
"""

from __future__ import annotations

from teardown.haproxy_cfg.importer import ImportResult, import_haproxy
from teardown.haproxy_cfg.report import Unmapped

__all__ = ["ImportResult", "Unmapped", "import_haproxy"]
