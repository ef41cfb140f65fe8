"""Applying every section's lines, with HAProxy's inheritance from defaults sections.

A defaults section starts empty (or from the defaults it names with ``from``) and presets
the proxies after it; a frontend, backend or listen starts from the latest defaults section
before it, or from the one it names with ``from`` (CFG2.6 "4. Proxies").
"""

from __future__ import annotations

from dataclasses import dataclass

from teardown.haproxy_cfg.directives import read_directive
from teardown.haproxy_cfg.errors import cfg_error
from teardown.haproxy_cfg.keywords import global_reason, left_out
from teardown.haproxy_cfg.lexer import PROXY_KINDS, Directive, Section
from teardown.haproxy_cfg.settings import Context, Outcome, ProxySettings, Setting
from teardown.haproxy_cfg.values import parse_int

__all__ = ["Built", "build"]


@dataclass
class Built:
    """Every section's settings: ``proxies`` in file order (defaults included, keyed by the
    section's header line), and the global section's (only ``maxconn`` is read)."""

    proxies: dict[int, ProxySettings]
    global_values: dict[str, Setting]


def build(sections: list[Section], ctx: Context) -> Built:
    """Reads every line of every section; records each line's Outcome in ``ctx.outcomes``."""
    proxies: dict[int, ProxySettings] = {}
    global_values: dict[str, Setting] = {}
    latest: ProxySettings | None = None
    named: dict[str, ProxySettings] = {}
    for section in sections:
        if section.kind == "global":
            _read_global(section, global_values, ctx)
        elif section.kind in PROXY_KINDS:
            settings = _start(section, latest, named, ctx)
            for d in section.body:
                ctx.outcomes[d.line] = read_directive(d, settings, ctx)
            proxies[section.line] = settings
            if section.kind == "defaults":
                latest = settings
                if section.name:
                    named[section.name] = settings
        else:
            for d in section.body:
                ctx.outcomes[d.line] = Outcome(
                    reason=f"{section.kind} sections do not affect teardown", kind="inert"
                )
    return Built(proxies, global_values)


def _start(
    section: Section, latest: ProxySettings | None, named: dict[str, ProxySettings], ctx: Context
) -> ProxySettings:
    """The settings a section starts with: a copy of those of the defaults it inherits."""
    if section.from_name is not None:
        if section.from_name not in named:
            raise cfg_error(
                ctx.source, section.line, f"no defaults section named '{section.from_name}' before this line"
            )
        base: ProxySettings | None = named[section.from_name]
    else:
        base = None if section.kind == "defaults" else latest
    if base is None:
        return ProxySettings(section, {}, (section,))
    return ProxySettings(section, dict(base.values), (*base.chain, section))


def _read_global(section: Section, values: dict[str, Setting], ctx: Context) -> None:
    """The global section: ``maxconn`` (the process limit) is read, the rest reported."""
    for d in section.body:
        ctx.outcomes[d.line] = _global_line(d, values, ctx)


def _global_line(d: Directive, values: dict[str, Setting], ctx: Context) -> Outcome:
    """One global directive."""
    if d.words[0] != "maxconn":
        return left_out(global_reason(d.words))
    value = parse_int(d.words[1]) if len(d.words) == 2 else None
    if value is None or value < 0:
        raise cfg_error(ctx.source, d.line, "expected 'maxconn <conns>' with an integer, 0 or more")
    values["global.maxconn"] = Setting(value, (d.line,))
    return Outcome(keys=("global.maxconn",))
