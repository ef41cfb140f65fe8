"""Which frontend and backend of the file are modelled (a scenario has one of each).

Asked by name (``frontend=``, ``backend=``: a frontend or listen section, a backend or listen
section), or else guessed: the first frontend that has a ``default_backend`` (else the first
frontend), and the backend or listen it names; without a frontend, the first listen section
(both sides in one) or backend, whose frontend-side settings are then those of the defaults it
inherits. A backend with servers is preferred when a choice has to be guessed. When the file
offers several, the note of the choice lists them.
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


def choose(
    sections: list[Section],
    built: Built,
    reader: Reader,
    ctx: Context,
    frontend: str | None = None,
    backend: str | None = None,
) -> Choice:
    """Picks the modelled frontend and backend (by name when given) and notes the choice and
    what is left out."""
    proxies = [s for s in sections if s.kind in ("frontend", "backend", "listen")]
    fronts = [s for s in proxies if s.kind in ("frontend", "listen")]
    targets = [s for s in proxies if s.kind in ("backend", "listen")]
    if not proxies:
        raise cfg_error(ctx.source, None, "no frontend, backend or listen section: nothing to model")
    named_back = (
        None if backend is None else _by_name(backend, targets, "--backend", "backend or listen", ctx)
    )
    front: Section | None
    if frontend is not None:
        front = _by_name(frontend, fronts, "--frontend", "frontend or listen", ctx)
        both = " as frontend and backend" if front.kind == "listen" and named_back is None else ""
        ctx.note(f"using {front.describe()} (--frontend){both}{_others(fronts)}")
    else:
        front = _guess_frontend(fronts, named_back, built, ctx)
    if front is None:
        choice = _without_frontend(named_back, targets, built, ctx)
    elif front.kind == "listen" and named_back is None:
        choice = Choice(built.proxies[front.line], built.proxies[front.line], front, front)
    else:
        choice = _behind(front, named_back, targets, built, reader, ctx)
    _note_left_out(proxies, choice, ctx)
    return choice


def _by_name(name: str, candidates: list[Section], option: str, kinds: str, ctx: Context) -> Section:
    """The section called ``name`` among ``candidates``; a name the file lacks is an error that
    lists the candidates."""
    for section in candidates:
        if section.name == name:
            return section
    have = _listed(candidates) if candidates else "none"
    raise cfg_error(ctx.source, None, f"{option}: no {kinds} section named '{name}' (the file has: {have})")


def _listed(sections: list[Section]) -> str:
    """``frontend 'a' (line 3), listen 'b' (line 20)``."""
    return ", ".join(f"{s.describe()} (line {s.line})" for s in sections)


def _others(candidates: list[Section], option: str = "") -> str:
    """The candidates of a choice, for its note ("" when there was no choice)."""
    if len(candidates) < 2:
        return ""
    return f"; the file has {_listed(candidates)}" + (f" ({option} NAME picks another)" if option else "")


def _guess_frontend(
    fronts: list[Section], back: Section | None, built: Built, ctx: Context
) -> Section | None:
    """Without --frontend: the frontend that sends to ``back`` when one is named, else the
    first that has a default_backend (a frontend without one, such as a statistics page,
    sends nothing to servers), else the first; None when the file has only backends and
    listens (the caller picks among those)."""
    frontends = [s for s in fronts if s.kind == "frontend"]
    if not frontends:
        return None
    if back is not None:
        routing, why = (
            [s for s in frontends if _sends_to(s, back, built)],
            f"which sends to {back.describe()}",
        )
    else:
        routing = [s for s in frontends if "default_backend" in built.proxies[s.line].values]
        why = "the first with a default_backend"
    front, why = (routing[0], why) if routing else (frontends[0], "the first")
    if len(fronts) > 1:
        ctx.note(f"using {front.describe()}, {why}{_others(fronts, '--frontend')}")
    return front


def _sends_to(frontend: Section, back: Section, built: Built) -> bool:
    """Whether a frontend's default_backend or one of its use_backend rules names ``back``."""
    default = built.proxies[frontend.line].values.get("default_backend")
    if default is not None and default.value == back.name:
        return True
    return any(d.words[:2] == ("use_backend", back.name) for d in frontend.body)


def _behind(
    front: Section, named: Section | None, targets: list[Section], built: Built, reader: Reader, ctx: Context
) -> Choice:
    """The backend behind a frontend (or a listen used as one): the one named by --backend,
    else its default_backend, else a guess."""
    fe = built.proxies[front.line]
    default = reader.get(fe.values, "default_backend")
    if named is not None:
        backend = named
        instead = ""
        if default is not None and default.value != named.name:
            instead = f", not '{default.value}', the default_backend of {front.describe()}"
        ctx.note(f"using {named.describe()} (--backend){instead}")
    elif default is not None:
        backend = _find(default, targets, ctx)
        ctx.note(f"using {backend.describe()}, the default_backend of {front.describe()}")
    elif targets:
        backend = _first_with_servers(targets, built)
        ctx.note(
            f"{front.describe()} has no default_backend; using the first {backend.describe()}"
            f"{_others(targets, '--backend')}"
        )
    else:
        raise cfg_error(ctx.source, front.line, f"{front.describe()} has no backend or listen section to use")
    return Choice(fe, built.proxies[backend.line], front, backend)


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


def _without_frontend(named: Section | None, targets: list[Section], built: Built, ctx: Context) -> Choice:
    """No frontend section: a listen section is both sides; a lone backend's frontend side is
    the defaults it inherits. The one named by --backend, else the first with servers."""
    target = named or _first_with_servers(targets, built)
    how = " (--backend)" if named else ""
    others = _others(targets, "--frontend or --backend")
    be = built.proxies[target.line]
    if target.kind == "listen":
        ctx.note(f"no frontend section; using {target.describe()}{how} as frontend and backend{others}")
        return Choice(be, be, target, target)
    inherited = built.proxies[be.chain[-2].line].values if len(be.chain) > 1 else {}
    fe = ProxySettings(target, dict(inherited), be.chain[:-1])
    ctx.note(
        f"no frontend section; using {target.describe()}{how}, with the frontend-side settings "
        f"(timeout client, maxconn, ...) of the defaults it inherits{others}"
    )
    return Choice(fe, be, None, target)


def _note_left_out(proxies: list[Section], choice: Choice, ctx: Context) -> None:
    """Names the proxies that are not modelled."""
    modelled = {choice.backend_section.line}
    if choice.frontend_section is not None:
        modelled.add(choice.frontend_section.line)
    others = [s.describe() for s in proxies if s.line not in modelled]
    if others:
        ctx.note(
            f"not modelled (a scenario has one frontend and one backend): {', '.join(others)} "
            "(--frontend and --backend NAME import another)"
        )
