"""``server``, ``server-template`` and ``default-server`` lines.

Keywords and their arguments follow doc/configuration.txt "5.2. Server and default-server
options". A server starts from the ``default-server`` parameters in force (its section's,
else its defaults section's) and its own keywords override them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from teardown.haproxy_cfg.errors import cfg_error
from teardown.haproxy_cfg.lexer import Directive
from teardown.haproxy_cfg.settings import Context, Outcome, ProxySettings, Server, Setting
from teardown.haproxy_cfg.values import MAX_TIMER_US, parse_int, parse_time_us

__all__ = ["read_server", "read_server_template", "read_default_server"]

# Keywords that are a single word: keyword -> (parameter, value).
_FLAGS: dict[str, tuple[str, bool]] = {
    "check": ("check", True),
    "no-check": ("check", False),
    "backup": ("backup", True),
    "no-backup": ("backup", False),
    "disabled": ("disabled", True),
    "enabled": ("disabled", False),
}

# Unmodelled keywords that take no argument.
_OTHER_FLAGS = frozenset(
    """agent-check no-agent-check allow-0rtt check-send-proxy check-ssl no-check-ssl check-via-socks4
    force-sslv3 force-tlsv10 force-tlsv11 force-tlsv12 force-tlsv13 no-send-proxy no-send-proxy-v2
    no-send-proxy-v2-ssl no-send-proxy-v2-ssl-cn no-ssl no-ssl-reuse no-sslv3 no-tls-tickets no-tlsv10
    no-tlsv11 no-tlsv12 no-tlsv13 no-verifyhost no-tfo non-stick send-proxy send-proxy-v2 send-proxy-v2-ssl
    send-proxy-v2-ssl-cn ssl ssl-reuse stick tfo tls-tickets""".split()
)

# Unmodelled keywords that take one argument.
_OTHER_WITH_ARG = frozenset(
    """addr agent-send agent-inter agent-addr agent-port alpn ca-file check-alpn check-proto check-sni
    ciphers ciphersuites cookie crl-file crt curves error-limit fastinter downinter id init-addr interface
    log-proto maxqueue max-reuse minconn namespace npn observe on-error on-marked-down on-marked-up
    pool-low-conn pool-max-conn port proto proxy-v2-options redir resolve-opts resolve-prefer resolve-net
    resolvers sigalgs sni socks4 source ssl-max-ver ssl-min-ver tcp-ut track usesrc verify verifyhost ws
    hash-key shard guid""".split()
)


def _integer(low: int, high: int | None) -> Callable[[str], int | None]:
    """A reader of an integer from ``low`` to ``high`` (None = no upper bound)."""

    def read(text: str) -> int | None:
        value = parse_int(text)
        if value is None or value < low or (high is not None and value > high):
            return None
        return value

    return read


def _delay(zero_ok: bool) -> Callable[[str], int | None]:
    """A reader of an HAProxy time, in microseconds."""

    def read(text: str) -> int | None:
        value = parse_time_us(text)
        if value is None or value > MAX_TIMER_US or (value == 0 and not zero_ok):
            return None
        return value

    return read


# Modelled keywords with one argument: keyword -> (reader, what the argument must be).
_VALUED: dict[str, tuple[Callable[[str], int | None], str]] = {
    "weight": (_integer(0, 256), "an integer from 0 to 256"),
    "maxconn": (_integer(0, None), "an integer, 0 or more"),
    "rise": (_integer(1, None), "an integer, 1 or more"),
    "fall": (_integer(1, None), "an integer, 1 or more"),
    "inter": (_delay(False), "a positive time (milliseconds unless a unit is given)"),
    "slowstart": (_delay(True), "a time (milliseconds unless a unit is given)"),
    "pool-purge-delay": (_delay(False), "a positive time (milliseconds unless a unit is given)"),
}

_TEMPLATE_RANGE = re.compile(r"(\d+)(?:-(\d+))?")


def read_server(d: Directive, settings: ProxySettings, ctx: Context) -> Outcome:
    """``server <name> <address> [params]``: adds a server to a backend or listen section."""
    if settings.section.kind not in ("backend", "listen"):
        return Outcome(reason="HAProxy accepts 'server' only in backend and listen sections", kind="inert")
    if len(d.words) < 3:
        raise cfg_error(ctx.source, d.line, "'server' needs a name and an address")
    return _add_server(d, d.words[1], 1, d.words[3:], settings, ctx)


def read_server_template(d: Directive, settings: ProxySettings, ctx: Context) -> Outcome:
    """``server-template <prefix> <num | low-high> <fqdn> [params]``: adds that many servers."""
    if settings.section.kind not in ("backend", "listen"):
        return Outcome(
            reason="HAProxy accepts 'server-template' only in backend and listen sections", kind="inert"
        )
    if len(d.words) < 4:
        raise cfg_error(
            ctx.source, d.line, "'server-template' needs a prefix, a number or range, and an address"
        )
    match = _TEMPLATE_RANGE.fullmatch(d.words[2])
    count = 0
    if match:
        low, high = int(match.group(1)), int(match.group(2) or 0)
        count = low if match.group(2) is None else high - low + 1
    if count < 1:
        raise cfg_error(
            ctx.source,
            d.line,
            f"server-template: expected a number or a range such as 1-3, got '{d.words[2]}'",
        )
    return _add_server(d, d.words[1], count, d.words[4:], settings, ctx)


def read_default_server(d: Directive, settings: ProxySettings, ctx: Context) -> Outcome:
    """``default-server [params]``: parameters for the servers that follow (``ds.<keyword>``)."""
    if settings.section.kind == "frontend":
        return Outcome(
            reason="HAProxy accepts 'default-server' only in defaults, backend and listen sections",
            kind="inert",
        )
    params, ignored = _params(d, "default-server", d.words[1:], ctx)
    for keyword, setting in params.items():
        settings.values[f"ds.{keyword}"] = setting
    if ignored:
        ctx.note(f"line {d.line}: default-server keywords not modelled: {', '.join(ignored)}")
    if not params:
        return Outcome(reason="none of these default-server keywords is modelled")
    return Outcome(keys=tuple(f"ds.{k}" for k in params))


def _add_server(
    d: Directive, name: str, count: int, words: tuple[str, ...], settings: ProxySettings, ctx: Context
) -> Outcome:
    """Appends a server that inherits the default-server parameters in force."""
    params = {k[3:]: v for k, v in settings.values.items() if k.startswith("ds.")}
    own, ignored = _params(d, f"server '{name}'", words, ctx)
    params.update(own)
    settings.servers.append(Server(name, d.line, count, params, tuple(ignored)))
    return Outcome(keys=("server",))


def _params(
    d: Directive, who: str, words: tuple[str, ...], ctx: Context
) -> tuple[dict[str, Setting], list[str]]:
    """The modelled parameters among ``words`` and the names of the others, in order."""
    params: dict[str, Setting] = {}
    ignored: list[str] = []
    i = 0
    while i < len(words):
        keyword = words[i]
        if keyword in _FLAGS:
            parameter, value = _FLAGS[keyword]
            params[parameter] = Setting(value, (d.line,))
        elif keyword in _VALUED:
            if i + 1 >= len(words):
                raise cfg_error(ctx.source, d.line, f"{who}: '{keyword}' needs a value")
            read, expected = _VALUED[keyword]
            value = read(words[i + 1])
            if value is None:
                raise cfg_error(
                    ctx.source, d.line, f"{who}: '{keyword}' expects {expected}, got '{words[i + 1]}'"
                )
            params[keyword] = Setting(value, (d.line,))
            i += 1
        elif keyword in _OTHER_WITH_ARG or (
            keyword not in _OTHER_FLAGS and _looks_like_argument(words, i + 1)
        ):
            ignored.append(f"{keyword} {words[i + 1]}" if i + 1 < len(words) else keyword)
            i += 1
        else:
            ignored.append(keyword)
        i += 1
    return params, ignored


def _known(word: str) -> bool:
    """Whether ``word`` is a server keyword the importer knows."""
    return word in _FLAGS or word in _VALUED or word in _OTHER_FLAGS or word in _OTHER_WITH_ARG


def _looks_like_argument(words: tuple[str, ...], i: int) -> bool:
    """For an unknown keyword: whether the next word is its argument (not another keyword)."""
    return i < len(words) and not _known(words[i])
