"""Import a real haproxy.cfg as a teardown scenario.

    from teardown.haproxy_cfg import import_haproxy
    result = import_haproxy("haproxy.cfg", version="2.6")
    result.scenario   # partial scenario dict: only the keys the file determines
    result.unmapped   # [Unmapped(line, text, reason)] for every line not reflected
    result.notes      # decisions made (which backend, simplifications, ...)

Modules: ``lexer`` (lines into sections), ``directives``/``servers`` (what each keyword
means), ``build`` (defaults inheritance), ``choose`` (which frontend and backend),
``mapping`` (settings into scenario keys), ``report`` (the unmapped lines).
"""

from __future__ import annotations

from teardown.haproxy_cfg.importer import ImportResult, import_haproxy
from teardown.haproxy_cfg.report import Unmapped

__all__ = ["ImportResult", "Unmapped", "import_haproxy"]
