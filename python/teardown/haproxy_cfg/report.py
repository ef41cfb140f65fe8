"""Every directive line the scenario does not reflect, with the reason.

A line is mapped when the scenario used a value it set (or it heads a modelled section).
Every other line is reported: not modelled, in a section that is not modelled, ignored by
HAProxy where it stands, without effect in mode tcp, or overridden by a later line; each with
its ``Kind``, which says whether it may affect teardown.
"""

from __future__ import annotations

from typing import NamedTuple

from teardown.haproxy_cfg.choose import Choice, Reader
from teardown.haproxy_cfg.keywords import HTTP_ONLY, SIDE
from teardown.haproxy_cfg.lexer import Directive, Section
from teardown.haproxy_cfg.settings import Context, Kind

__all__ = ["Unmapped", "unmapped_lines"]


class Unmapped(NamedTuple):
    """A line of the haproxy.cfg the scenario does not reflect: number, text, why, and how much
    that matters (``kind``: see ``teardown.haproxy_cfg.settings.Kind``)."""

    line: int
    text: str
    reason: str
    kind: Kind = "unmodelled"

    @property
    def matters(self) -> bool:
        """Whether the line may affect teardown although the scenario does not reflect it: a
        directive the model lacks, or one the modelled release does not have."""
        return self.kind in ("unmodelled", "release")


# Which sides each section kind can configure (CFG2.6 "4.1. Proxy keywords matrix").
_CAN_SET = {
    "defaults": {"frontend", "backend"},
    "listen": {"frontend", "backend"},
    "frontend": {"frontend"},
    "backend": {"backend"},
}

# Frontend settings a backend may hold too, used only behind a tcp frontend
# (CFG2.6 "timeout http-keep-alive", "timeout http-request").
_FRONTEND_FIRST = frozenset({"timeout.http_request", "timeout.http_keep_alive"})


def unmapped_lines(
    sections: list[Section], choice: Choice, reader: Reader, ctx: Context, tcp: bool
) -> list[Unmapped]:
    """The unmapped lines of the whole file, in file order."""
    roles = _roles(choice)
    found: list[Unmapped] = []
    for section in sections:
        if section.kind == "global" or section.line in roles:
            section_roles = roles.get(section.line, set())
            for d in section.body:
                why = _line_reason(d, section, section_roles, choice, reader, ctx, tcp)
                if why is not None:
                    found.append(Unmapped(d.line, d.text, *why))
        else:
            found.append(Unmapped(section.line, section.header.text, _section_reason(section), "inert"))
            inside = f"in {section.describe()}, which is not modelled"
            found.extend(Unmapped(d.line, d.text, inside, "inert") for d in section.body)
    return found


def _roles(choice: Choice) -> dict[int, set[str]]:
    """Header line of each modelled section -> the sides it provides settings for."""
    roles: dict[int, set[str]] = {}
    for section in choice.frontend.chain:
        roles.setdefault(section.line, set()).add("frontend")
    for section in choice.backend.chain:
        roles.setdefault(section.line, set()).add("backend")
    return roles


def _section_reason(section: Section) -> str:
    """Why a whole section is left out."""
    if section.kind == "defaults":
        return f"{section.describe()} applies to no modelled proxy"
    if section.kind in ("frontend", "backend", "listen"):
        return f"{section.describe()} is not modelled: a scenario has one frontend and one backend"
    return f"{section.kind} sections do not affect teardown"


def _line_reason(
    d: Directive, section: Section, roles: set[str], choice: Choice, reader: Reader, ctx: Context, tcp: bool
) -> tuple[str, Kind] | None:
    """Why one line of a modelled section is not reflected, and how much that matters; None
    when it is reflected."""
    outcome = ctx.outcomes[d.line]
    if outcome.reason is not None:
        return outcome.reason, outcome.kind
    if d.line in reader.used:
        return None
    elsewhere = _other_side(d, section, roles, outcome.keys)
    if elsewhere is not None:
        return elsewhere, "inert"
    if tcp and any(key in HTTP_ONLY for key in outcome.keys):
        return f"'{_keyword(d.words)}' has no effect in mode tcp", "tcp"
    return _unused(d.line, roles, outcome.keys, choice), "inert"


def _other_side(d: Directive, section: Section, roles: set[str], keys: tuple[str, ...]) -> str | None:
    """Why a setting of a side this section does not preset for the modelled proxy is ignored."""
    keyword = _keyword(d.words)
    for key in keys:
        side = _side(key)
        if side in ("frontend", "backend") and side not in roles:
            if key in _FRONTEND_FIRST and section.kind == "backend":
                return (
                    f"HAProxy uses the frontend's '{keyword}' (a backend's counts only behind a tcp frontend)"
                )
            if side in _CAN_SET.get(section.kind, set()):
                where = section.describe()
                return f"'{keyword}' is a {side} setting; {where} presets only the modelled {_one(roles)}"
            return f"HAProxy ignores '{keyword}' in a {section.kind}"
    return None


def _unused(line: int, roles: set[str], keys: tuple[str, ...], choice: Choice) -> str:
    """Why a setting the modelled proxy could read has no effect on it."""
    overriding = _overriding_line(line, keys, roles, choice)
    if overriding is not None:
        if "global.maxconn" in keys:
            return (
                f"the frontend's maxconn (line {overriding}) is the modelled limit; this one caps the process"
            )
        return f"overridden by line {overriding}"
    if any(key.startswith("ds.") for key in keys):
        return "no modelled server uses these default-server parameters (checks need 'check')"
    return "has no effect on the modelled frontend and backend"


def _keyword(words: tuple[str, ...]) -> str:
    """How messages name a directive: ``timeout client``, ``option nolinger``, ``balance``."""
    if words[0] in ("no", "default") and len(words) > 1:
        words = words[1:]
    if words[0] in ("option", "timeout") and len(words) > 1:
        return f"{words[0]} {words[1]}"
    return words[0]


def _side(key: str) -> str:
    """Which side reads a setting: frontend, backend, both, or global."""
    if key.startswith("global."):
        return "global"
    return SIDE.get(key, "backend")


def _one(roles: set[str]) -> str:
    """The single role of a section modelled for one side."""
    return next(iter(roles)) if roles else "no"


def _overriding_line(line: int, keys: tuple[str, ...], roles: set[str], choice: Choice) -> int | None:
    """The line whose value the modelled proxy uses instead of this line's, if any.

    Looked up on the side(s) this line's section presets (the frontend for the global section).
    """
    for key in keys:
        sides = roles or {"frontend"}
        lookup = "maxconn" if key == "global.maxconn" else key
        for side, proxy in (("frontend", choice.frontend), ("backend", choice.backend)):
            winner = proxy.values.get(lookup)
            if side in sides and winner is not None and winner.lines and line not in winner.lines:
                return max(winner.lines)
    return None
