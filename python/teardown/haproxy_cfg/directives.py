"""What each proxy directive means: one reader per keyword, writing named settings.

A reader either writes settings (and returns the names it wrote) or explains why the line
is not mapped; a known directive with a malformed value raises ``ConfigError``. Sources:
doc/configuration.txt (v1.4.0, v1.5.0, v2.6.0) section 4.2 entries of each keyword.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from teardown.haproxy_cfg.errors import cfg_error
from teardown.haproxy_cfg.keywords import left_out, unavailable, unmodelled_reason
from teardown.haproxy_cfg.lexer import Directive
from teardown.haproxy_cfg.servers import read_default_server, read_server, read_server_template
from teardown.haproxy_cfg.settings import Context, Outcome, ProxySettings, Setting
from teardown.haproxy_cfg.values import MAX_TIMER_US, parse_int, parse_time_us

__all__ = ["read_directive", "BOOL_OPTIONS", "CONN_OPTIONS", "TIMEOUTS"]

# HTTP connection-mode options -> the mode's short name in the manual's 1.5 matrix.
CONN_OPTIONS = {
    "http-keep-alive": "KAL",
    "http-tunnel": "TUN",
    "httpclose": "PCL",
    "http-server-close": "SCL",
    "forceclose": "FCL",
}

# Options that are a plain on/off setting: option -> setting name.
BOOL_OPTIONS = {
    "http-pretend-keepalive": "pretend_keepalive",
    "nolinger": "nolinger",
    "abortonclose": "abortonclose",
    "redispatch": "redispatch",
    "prefer-last-server": "prefer_last_server",
}

# "timeout <name>" -> setting name.
TIMEOUTS = {
    "client": "timeout.client",
    "server": "timeout.server",
    "connect": "timeout.connect",
    "http-request": "timeout.http_request",
    "http-keep-alive": "timeout.http_keep_alive",
    "tunnel": "timeout.tunnel",
    "client-fin": "timeout.client_fin",
    "server-fin": "timeout.server_fin",
    "queue": "timeout.queue",
}
_UNMODELLED_TIMEOUTS = ("check", "tarpit")
# Pre-1.3 names, kept by HAProxy until 2.0 (CFG1.5 "clitimeout", "contimeout", "srvtimeout").
_OLD_TIMEOUTS = {"clitimeout": "client", "contimeout": "connect", "srvtimeout": "server"}

_MODELLED_BALANCE = ("roundrobin", "static-rr", "leastconn", "first", "source")
_RANDOM = re.compile(r"random(?:\((\d+)\))?")
_HTTP_REUSE = ("never", "safe", "aggressive", "always")
_RETRY_MODELLED = ("conn-failure", "empty-response", "response-timeout")
_RETRY_OTHER = tuple("junk-response 0rtt-rejected 401 403 404 408 425 500 501 502 503 504".split())
# What "all-retryable-errors" stands for (CFG2.6 "retry-on").
_RETRY_ALL = tuple(
    "conn-failure empty-response junk-response response-timeout 0rtt-rejected 500 502 503 504".split()
)

DirectiveReader = Callable[[Directive, tuple[str, ...], str, ProxySettings, Context], Outcome]


def read_directive(d: Directive, settings: ProxySettings, ctx: Context) -> Outcome:
    """Applies one line of a defaults, frontend, backend or listen section to ``settings``."""
    words, prefix = d.words, ""
    if words[0] in ("no", "default") and len(words) > 1 and words[1] == "option":
        words, prefix = words[1:], words[0]
    reader = _READERS.get(words[0])
    if reader is None:
        return _left_out(d.words)
    return reader(d, words, prefix, settings, ctx)


def _left_out(words: tuple[str, ...]) -> Outcome:
    """A directive the importer does not map, with why and whether it can matter."""
    return left_out(unmodelled_reason(words))


def _not_in_release(version_reason: str | None) -> Outcome | None:
    """The outcome of a keyword the modelled release lacks (``unavailable``), or None."""
    return None if version_reason is None else Outcome(reason=version_reason, kind="release")


def _set(settings: ProxySettings, key: str, value: object, line: int) -> Outcome:
    """Writes one setting from one line."""
    settings.values[key] = Setting(value, (line,))
    return Outcome(keys=(key,))


def _expect_args(d: Directive, words: tuple[str, ...], count: int, usage: str, ctx: Context) -> None:
    """Raises unless the directive has exactly ``count`` arguments."""
    if len(words) != count + 1:
        raise cfg_error(ctx.source, d.line, f"expected '{usage}'")


def _time_us(d: Directive, what: str, text: str, ctx: Context) -> int:
    """An HAProxy time argument in microseconds; malformed or too large raises."""
    value = parse_time_us(text)
    if value is None:
        raise cfg_error(
            ctx.source,
            d.line,
            f"{what}: expected a time such as 50000 (milliseconds), 30s or 10m, got '{text}'",
        )
    if value > MAX_TIMER_US:
        raise cfg_error(
            ctx.source, d.line, f"{what}: '{text}' is too large (HAProxy's limit is 2147483647 ms)"
        )
    return value


# ---- mode and options --------------------------------------------------------------------


def _mode(d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
    """``mode tcp|http`` (``health`` existed until 2.0 and is not modelled)."""
    _expect_args(d, words, 1, "mode tcp|http", ctx)
    if words[1] == "health":
        return Outcome(reason="mode health (a monitoring responder) is not modelled")
    if words[1] not in ("tcp", "http"):
        raise cfg_error(ctx.source, d.line, f"mode: expected 'tcp' or 'http', got '{words[1]}'")
    return _set(s, "mode", words[1], d.line)


def _option(d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
    """``[no|default] option <name> ...``: connection modes and the modelled on/off options."""
    if len(words) < 2:
        raise cfg_error(ctx.source, d.line, "'option' needs a name")
    name = words[1]
    if name in CONN_OPTIONS:
        return _conn_option(d, name, prefix, s, ctx)
    if name in BOOL_OPTIONS:
        missing = _not_in_release(unavailable(f"option {name}", ctx.version))
        if missing:
            return missing
        enabled = prefix == "" and _redispatch_enabled(d, words, ctx)
        return _set(s, BOOL_OPTIONS[name], enabled, d.line)
    return _left_out(d.words)


def _redispatch_enabled(d: Directive, words: tuple[str, ...], ctx: Context) -> bool:
    """Whether ``option redispatch [<interval>]`` redispatches; other options: True.

    Interval 0 disables redispatch; other intervals are modelled as the default (-1: on the
    last retry), with a note (CFG2.6 "option redispatch").
    """
    if words[1] != "redispatch" or len(words) < 3:
        return True
    interval = parse_int(words[2])
    if interval is None:
        raise cfg_error(
            ctx.source, d.line, f"option redispatch: expected an integer interval, got '{words[2]}'"
        )
    if interval not in (0, -1):
        ctx.note(
            f"line {d.line}: redispatch interval {interval} is not modelled; "
            "the model redispatches on the last retry"
        )
    return interval != 0


def _conn_option(d: Directive, name: str, prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
    """An HTTP connection-mode option.

    1.5+: the options replace each other in one section, and ``no option X`` clears the mode
    only if X is the one in force (CFG2.6 "option http-keep-alive"). 1.4: they are
    independent flags (CFG1.4 "option httpclose": "http-server-close" with "httpclose"
    amounts to "forceclose"). The setting ``conn_mode`` holds (flag, line) pairs.
    """
    missing = _not_in_release(unavailable(f"option {name}", ctx.version))
    if missing:
        return missing
    flag = CONN_OPTIONS[name]
    current = s.values.get("conn_mode", Setting((), ()))
    pairs = tuple(p for p in current.value if p[0] != flag)
    if prefix == "":
        pairs = (*pairs, (flag, d.line)) if ctx.version == "1.4" else ((flag, d.line),)
        s.values["conn_mode"] = Setting(pairs, tuple(line for _, line in pairs))
        return Outcome(keys=("conn_mode",))
    if len(pairs) == len(current.value):
        return Outcome(reason=f"no effect: 'option {name}' was not in force here", kind="inert")
    s.values["conn_mode"] = Setting(pairs, (*(line for _, line in pairs), d.line))
    return Outcome(keys=("conn_mode",))


# ---- timeouts ----------------------------------------------------------------------------


def _timeout(d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
    """``timeout <name> <time>``."""
    if len(words) >= 2 and words[1] in _UNMODELLED_TIMEOUTS:
        return _left_out(d.words)
    if len(words) < 2 or words[1] not in TIMEOUTS:
        got = f" '{words[1]}'" if len(words) > 1 else ""
        raise cfg_error(
            ctx.source, d.line, f"unknown timeout{got} (expected one of {', '.join(TIMEOUTS)}, check, tarpit)"
        )
    _expect_args(d, words, 2, f"timeout {words[1]} <time>", ctx)
    value = _time_us(d, f"timeout {words[1]}", words[2], ctx)
    missing = _not_in_release(unavailable(f"timeout {words[1]}", ctx.version))
    return missing or _set(s, TIMEOUTS[words[1]], value, d.line)


def _old_timeout(
    d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context
) -> Outcome:
    """``clitimeout``, ``contimeout``, ``srvtimeout``: the old names of three timeouts, read as
    them in every release (the releases that refuse them are named by ``release_hint``)."""
    _expect_args(d, words, 1, f"{words[0]} <time>", ctx)
    value = _time_us(d, words[0], words[1], ctx)
    return _set(s, TIMEOUTS[_OLD_TIMEOUTS[words[0]]], value, d.line)


# ---- balancing, reuse, retries, limits ---------------------------------------------------


def _balance(d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
    """``balance <algorithm> [args]``; the setting is (algorithm, random draws or None), or
    (None, algorithm) for an algorithm the model does not have, which still overrides an
    inherited one."""
    if len(words) < 2:
        raise cfg_error(ctx.source, d.line, "'balance' needs an algorithm")
    algorithm = words[1]
    random = _RANDOM.fullmatch(algorithm)
    if algorithm in _MODELLED_BALANCE or random:
        name = "random" if random else algorithm
        missing = _not_in_release(unavailable(f"balance {name}", ctx.version))
        if missing:
            return missing
        draws = int(random.group(1)) if random and random.group(1) else None
        if draws == 0:
            raise cfg_error(ctx.source, d.line, "balance random(<draws>): draws must be 1 or more")
        if len(words) > 2:
            ctx.note(
                f"line {d.line}: arguments after 'balance {algorithm}' are ignored: {' '.join(words[2:])}"
            )
        return _set(s, "balance", (name, draws), d.line)
    if algorithm.startswith("random"):
        raise cfg_error(ctx.source, d.line, f"balance: expected random or random(<draws>), got '{algorithm}'")
    s.values["balance"] = Setting((None, algorithm), (d.line,))
    return Outcome(
        reason=f"balance '{algorithm.split('(')[0]}' (hashing on request or client data) is not modelled; "
        "balance left unset"
    )


def _http_reuse(d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
    """``http-reuse never|safe|aggressive|always`` (1.6+)."""
    _expect_args(d, words, 1, "http-reuse never|safe|aggressive|always", ctx)
    if words[1] not in _HTTP_REUSE:
        raise cfg_error(
            ctx.source, d.line, f"http-reuse: expected one of {', '.join(_HTTP_REUSE)}, got '{words[1]}'"
        )
    return _not_in_release(unavailable("http-reuse", ctx.version)) or _set(s, "http_reuse", words[1], d.line)


def _retries(d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
    """``retries <count>``."""
    _expect_args(d, words, 1, "retries <count>", ctx)
    count = parse_int(words[1])
    if count is None or count < 0:
        raise cfg_error(ctx.source, d.line, f"retries: expected an integer, 0 or more, got '{words[1]}'")
    return _set(s, "retries", count, d.line)


def _retry_on(d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
    """``retry-on <keywords>`` (2.0+): the modelled conditions, in scenario order; the others
    are noted. Replaces any previous retry-on (CFG2.6 "retry-on")."""
    if len(words) < 2:
        raise cfg_error(ctx.source, d.line, "'retry-on' needs at least one keyword")
    conditions: list[str] = []
    for word in words[1:]:
        if word == "all-retryable-errors":
            conditions.extend(_RETRY_ALL)
        elif word == "none":
            continue
        elif word in _RETRY_MODELLED or word in _RETRY_OTHER:
            conditions.append(word)
        else:
            raise cfg_error(ctx.source, d.line, f"retry-on: unknown keyword '{word}'")
    if "none" in words[1:] and len(words) > 2:
        raise cfg_error(ctx.source, d.line, "retry-on: 'none' cannot be combined with other keywords")
    missing = _not_in_release(unavailable("retry-on", ctx.version))
    if missing:
        return missing
    others = [c for c in dict.fromkeys(conditions) if c not in _RETRY_MODELLED]
    if others:
        ctx.note(f"line {d.line}: retry-on conditions not modelled: {', '.join(others)}")
    modelled = [c for c in _RETRY_MODELLED if c in conditions]
    return _set(s, "retry_on", modelled, d.line)


def _maxconn(d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
    """``maxconn <conns>`` of a frontend (a backend ignores it: CFG2.6 "maxconn")."""
    _expect_args(d, words, 1, "maxconn <conns>", ctx)
    value = parse_int(words[1])
    if value is None or value < 0:
        raise cfg_error(ctx.source, d.line, f"maxconn: expected an integer, 0 or more, got '{words[1]}'")
    if s.section.kind == "backend":
        return Outcome(
            reason="HAProxy ignores maxconn in a backend (per-server limits are 'server ... maxconn')",
            kind="inert",
        )
    return _set(s, "maxconn", value, d.line)


def _default_backend(
    d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context
) -> Outcome:
    """``default_backend <name>``: chooses the modelled backend."""
    _expect_args(d, words, 1, "default_backend <backend>", ctx)
    return _set(s, "default_backend", words[1], d.line)


def _server_line(reader: Callable[[Directive, ProxySettings, Context], Outcome]) -> DirectiveReader:
    """Adapts a server-line reader to the common reader signature."""

    def read(d: Directive, words: tuple[str, ...], prefix: str, s: ProxySettings, ctx: Context) -> Outcome:
        return reader(d, s, ctx)

    return read


_READERS: dict[str, DirectiveReader] = {
    "mode": _mode,
    "option": _option,
    "timeout": _timeout,
    **dict.fromkeys(_OLD_TIMEOUTS, _old_timeout),
    "balance": _balance,
    "http-reuse": _http_reuse,
    "retries": _retries,
    "retry-on": _retry_on,
    "maxconn": _maxconn,
    "default_backend": _default_backend,
    "server": _server_line(read_server),
    "server-template": _server_line(read_server_template),
    "default-server": _server_line(read_default_server),
}
