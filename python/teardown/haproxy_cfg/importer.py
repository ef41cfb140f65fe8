"""``import_haproxy``: a haproxy.cfg into a partial teardown scenario, with a report."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from teardown.errors import ConfigError
from teardown.haproxy_cfg.build import build
from teardown.haproxy_cfg.choose import Reader, choose
from teardown.haproxy_cfg.keywords import VERSIONS, looks_like_directive
from teardown.haproxy_cfg.lexer import check_top_level, read_sections
from teardown.haproxy_cfg.mapping import map_scenario
from teardown.haproxy_cfg.release_hint import release_hint
from teardown.haproxy_cfg.report import Unmapped, unmapped_lines
from teardown.haproxy_cfg.settings import Context

__all__ = ["ImportResult", "import_haproxy"]


@dataclass
class ImportResult:
    """What an import found.

    ``scenario`` is a partial scenario dict (``{"proxy": {...}, "backends": {...}}``) with
    only the keys the file determines, to be merged onto the defaults; ``unmapped`` lists
    every directive line it does not reflect, with the reason and whether it may affect
    teardown (``Unmapped.matters``); ``notes`` the decisions made, the release first.
    """

    scenario: dict[str, Any]
    unmapped: list[Unmapped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def not_modelled(self) -> list[Unmapped]:
        """The unmapped lines that may affect teardown (``Unmapped.matters``)."""
        return [u for u in self.unmapped if u.matters]

    def __repr__(self) -> str:
        return (
            f"ImportResult(scenario={self.scenario!r}, unmapped=<{len(self.unmapped)} lines, "
            f"{len(self.not_modelled)} may matter>, notes=<{len(self.notes)}>)"
        )


# The release modelled when none is given: the newest the simulator has.
DEFAULT_VERSION = VERSIONS[-1]


def import_haproxy(
    path: str | os.PathLike[str],
    version: str | None = None,
    *,
    frontend: str | None = None,
    backend: str | None = None,
) -> ImportResult:
    """Reads the haproxy.cfg at ``path`` as HAProxy ``version`` would ("1.4", "1.5", "1.8",
    "2.0" or "2.6"; the file cannot tell which release it targets: without a version, the
    newest is assumed, and a note suggests one when the file's keywords point elsewhere).

    ``frontend`` names the frontend or listen section to model and ``backend`` the backend or
    listen section; without them the importer chooses, and its notes say how.

    Raises ``teardown.errors.ConfigError`` ("haproxy.cfg:LINE: reason") for an unreadable or
    binary file, a directive outside any section, a known directive with a malformed value,
    or a frontend or backend name the file does not have. Directives it does not know are not
    errors: they are listed in ``unmapped``.
    """
    modelled = _check_version(DEFAULT_VERSION if version is None else version)
    source = os.fsdecode(os.fspath(path))
    ctx = Context(source, modelled)
    if version is None:
        ctx.note(
            f"modelled as HAProxy {modelled}, assumed: a haproxy.cfg does not say which release it "
            "targets (--haproxy-version sets it)"
        )
    else:
        ctx.note(f"modelled as HAProxy {modelled}, the release asked for")
    sections = read_sections(path, source)
    check_top_level(sections, looks_like_directive, source)
    for note in release_hint(sections, modelled):
        ctx.note(note)
    built = build(sections, ctx)
    reader = Reader()
    choice = choose(sections, built, reader, ctx, frontend=frontend, backend=backend)
    scenario, tcp = map_scenario(choice, built, reader, ctx)
    _check_scenario(scenario, sections, reader, source)
    unmapped = unmapped_lines(sections, choice, reader, ctx, tcp)
    http_only = [u for u in unmapped if u.kind == "tcp"]
    if http_only:
        listed = ", ".join(f"'{u.text}' (line {u.line})" for u in http_only)
        ctx.note(f"mode tcp: these HTTP settings have no effect: {listed}")
    return ImportResult(scenario, unmapped, ctx.notes)


# The directive words that set each scenario key, to place a value the scenario refuses.
_KEY_WORDS = {
    "proxy.maxconn": ("maxconn",),
    "proxy.retries": ("retries",),
    "proxy.random_draws": ("balance",),
    "proxy.retry_on": ("retry-on",),
    "proxy.http_reuse": ("http-reuse",),
    "proxy.pool_purge_delay": ("pool-purge-delay",),
    "proxy.timeout": ("timeout", "clitimeout", "srvtimeout", "contimeout"),
    "backends.weights": ("weight",),
    "backends.maxconn": ("maxconn",),
    "backends.slowstart": ("slowstart",),
    "backends.health_check.interval": ("inter",),
    "backends.health_check.rise": ("rise",),
    "backends.health_check.fall": ("fall",),
    "backends.servers": ("server", "server-template"),
}


def _check_scenario(scenario: dict[str, Any], sections: list[Any], reader: Reader, source: str) -> None:
    """Raise, at the line that set it, any value the scenario itself refuses (beyond the model's
    range, such as ``retries 300``)."""
    from teardown.scenario import Scenario

    try:
        Scenario(scenario)
    except ConfigError as error:
        lines = {d.line: d for section in sections for d in [section.header, *section.body]}
        issues = []
        for issue in error.issues:
            line = _line_of(issue["path"], lines, reader.used)
            where = f"{source}:{line}" if line is not None else source
            issues.append({**issue, "where": where})
        raise ConfigError(issues) from None


def _line_of(path: str, lines: dict[int, Any], used: set[int]) -> int | None:
    """The last line used for the scenario whose words include one that sets ``path``."""
    key = next((k for k in _KEY_WORDS if path == k or path.startswith((k + ".", k + "["))), None)
    if key is None:
        return None
    words = _KEY_WORDS[key]
    found = [n for n in sorted(used) if n in lines and any(w in lines[n].words for w in words)]
    return found[-1] if found else None


def _check_version(version: str) -> str:
    """The release, as one of VERSIONS; anything else is a ConfigError naming proxy.version."""
    text = str(version)
    if text not in VERSIONS:
        raise ConfigError(
            [
                {
                    "path": "proxy.version",
                    "message": f"expected one of {', '.join(VERSIONS)}, got '{text}'",
                    "where": "",
                }
            ]
        )
    return text
