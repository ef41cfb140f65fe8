"""Which frontend and backend of the file are modelled (a scenario has one of each).

The first frontend, and the backend or listen its ``default_backend`` names; without a
frontend, the first listen section (both sides in one); without either, the first backend,
whose frontend-side settings are then those of the defaults it inherits. A backend with
servers is preferred when a choice has to be guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from teardown.haproxy_cfg.build import Built
from teardown.haproxy_cfg.errors import cfg_error
from teardown.haproxy_cfg.lexer import Section
from teardown.haproxy_cfg.settings import Context, ProxySettings, Server, Setting

__all__ = ["Choice", "Reader", "choose"]


class Reader:
    """Reads settings for the mapping and remembers every line a value came from."""

    def __init__(self) -> None:
        self.used: set[int] = set()

    def get(self, values: dict[str, Setting], key: str) -> Setting | None:
        """The setting ``key`` (marking its lines used), or None when nothing set it."""
        setting = values.get(key)
        if setting is not None:
            self.used.update(setting.lines)
        return setting

    def value(self, values: dict[str, Setting], key: str, default: Any = None) -> Any:
        """The value of setting ``key`` (marking its lines used), or ``default``."""
        setting = self.get(values, key)
        return default if setting is None else setting.value

    def param(self, server: Server, name: str) -> Setting | None:
        """A server parameter (marking the line it came from used), or None."""
        return self.get(server.params, name)

    def mark(self, line: int) -> None:
        """Marks a line as used by the scenario."""
        self.used.add(line)


@dataclass
class Choice:
    """The modelled pair: settings read for the frontend side and for the backend side.

    ``frontend_section`` is None when the file has no frontend or listen section.
    """

    frontend: ProxySettings
    backend: ProxySettings
    frontend_section: Section | None
    backend_section: Section


def choose(sections: list[Section], built: Built, reader: Reader, ctx: Context) -> Choice:
    """Picks the modelled frontend and backend and notes the choice and what is left out."""
    proxies = [s for s in sections if s.kind in ("frontend", "backend", "listen")]
    frontends = [s for s in proxies if s.kind == "frontend"]
    targets = [s for s in proxies if s.kind in ("backend", "listen")]
    if frontends:
        choice = _from_frontend(frontends[0], targets, built, reader, ctx)
    elif targets:
        choice = _without_frontend(_first_with_servers(targets, built), built, ctx)
    else:
        raise cfg_error(ctx.source, None, "no frontend, backend or listen section: nothing to model")
    _note_left_out(proxies, choice, ctx)
    return choice


def _from_frontend(
    frontend: Section, targets: list[Section], built: Built, reader: Reader, ctx: Context
) -> Choice:
    """The first frontend and the backend its default_backend names (else a guess)."""
    fe = built.proxies[frontend.line]
    named = reader.get(fe.values, "default_backend")
    if named is not None:
        backend = _find(named, targets, ctx)
        ctx.note(f"using {backend.describe()}, the default_backend of frontend '{frontend.name}'")
    elif targets:
        backend = _first_with_servers(targets, built)
        ctx.note(f"frontend '{frontend.name}' has no default_backend; using the first {backend.describe()}")
    else:
        raise cfg_error(
            ctx.source, frontend.line, f"frontend '{frontend.name}' has no backend or listen section to use"
        )
    return Choice(fe, built.proxies[backend.line], frontend, backend)


def _find(named: Setting, targets: list[Section], ctx: Context) -> Section:
    """The backend or listen section called ``named.value``; HAProxy refuses a missing one."""
    for section in targets:
        if section.name == named.value:
            return section
    raise cfg_error(
        ctx.source, named.lines[-1], f"default_backend: no backend or listen section named '{named.value}'"
    )


def _first_with_servers(targets: list[Section], built: Built) -> Section:
    """The first backend or listen section that has servers (else simply the first)."""
    for section in targets:
        if built.proxies[section.line].servers:
            return section
    return targets[0]


def _without_frontend(target: Section, built: Built, ctx: Context) -> Choice:
    """A listen section is both sides; a lone backend's frontend side is its defaults."""
    be = built.proxies[target.line]
    if target.kind == "listen":
        ctx.note(f"no frontend section; using {target.describe()} as frontend and backend")
        return Choice(be, be, target, target)
    inherited = built.proxies[be.chain[-2].line].values if len(be.chain) > 1 else {}
    fe = ProxySettings(target, dict(inherited), be.chain[:-1])
    ctx.note(
        f"no frontend or listen section; using {target.describe()}, with the frontend-side settings "
        "(timeout client, maxconn, ...) of the defaults it inherits"
    )
    return Choice(fe, be, None, target)


def _note_left_out(proxies: list[Section], choice: Choice, ctx: Context) -> None:
    """Names the proxies that are not modelled."""
    modelled = {choice.backend_section.line}
    if choice.frontend_section is not None:
        modelled.add(choice.frontend_section.line)
    others = [s.describe() for s in proxies if s.line not in modelled]
    if others:
        ctx.note(f"not modelled (a scenario has one frontend and one backend): {', '.join(others)}")
