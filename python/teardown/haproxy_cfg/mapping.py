"""From the chosen frontend and backend settings to a partial scenario dict.

Only keys the file determines are written. Where HAProxy's default differs from the
scenario's, the file determines it too: a missing ``timeout client``/``server``/``connect``
means no timeout in HAProxy ("off"); a missing ``mode`` means tcp; no HTTP connection option
means the release's default mode ("preset").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from teardown.haproxy_cfg.build import Built
from teardown.haproxy_cfg.choose import Choice, Reader
from teardown.haproxy_cfg.directives import BOOL_OPTIONS, CONN_OPTIONS, TIMEOUTS
from teardown.haproxy_cfg.keywords import release, version_at_least
from teardown.haproxy_cfg.settings import Context, Outcome, ProxySettings, Server, Setting, line_list
from teardown.haproxy_cfg.values import duration_text

__all__ = ["map_scenario", "DIRECTIVES", "SCENARIO_ORDER"]

# Every key the importer can write, in the schema's order (docs/scenario.md).
SCENARIO_ORDER = (
    "proxy.version",
    "proxy.mode",
    "proxy.balance",
    "proxy.random_draws",
    "proxy.prefer_last_server",
    "proxy.pretend_keepalive",
    "proxy.http_reuse",
    "proxy.pool_purge_delay",
    "proxy.nolinger",
    "proxy.abortonclose",
    "proxy.redispatch",
    "proxy.retries",
    "proxy.retry_on",
    "proxy.maxconn",
    "proxy.timeout.client",
    "proxy.timeout.server",
    "proxy.timeout.connect",
    "proxy.timeout.http_request",
    "proxy.timeout.http_keep_alive",
    "proxy.timeout.tunnel",
    "proxy.timeout.client_fin",
    "proxy.timeout.server_fin",
    "proxy.timeout.queue",
    "backends.servers",
    "backends.weights",
    "backends.maxconn",
    "backends.slowstart",
    "backends.health_check.interval",
    "backends.health_check.rise",
    "backends.health_check.fall",
)

# The haproxy.cfg line each key the importer writes comes from (docs/scenario.md shows them).
DIRECTIVES: dict[str, str] = {
    "proxy.version": "none: the release (`--haproxy-version`)",
    "proxy.mode": ", ".join(["`mode tcp`"] + [f"`option {name}`" for name in CONN_OPTIONS]),
    "proxy.balance": "`balance`",
    "proxy.random_draws": "`balance random(<draws>)`",
    **{f"proxy.{key}": f"`option {option}`" for option, key in BOOL_OPTIONS.items()},
    "proxy.http_reuse": "`http-reuse`",
    "proxy.pool_purge_delay": "`server ... pool-purge-delay`",
    "proxy.retries": "`retries`",
    "proxy.retry_on": "`retry-on`",
    "proxy.maxconn": "`maxconn` (frontend, else global)",
    **{f"proxy.{key}": f"`timeout {name}`" for name, key in TIMEOUTS.items()},
    "backends.servers": "`server` lines (one server each)",
    "backends.weights": "`server ... weight`",
    "backends.maxconn": "`server ... maxconn`",
    "backends.slowstart": "`server ... slowstart`",
    "backends.health_check.interval": "`server ... check inter`",
    "backends.health_check.rise": "`server ... check rise`",
    "backends.health_check.fall": "`server ... check fall`",
}

# Connection modes, weakest first (CFG1.5 "4. Proxies" matrix; CFG2.6: KAL < SCL < CLO).
_RANK = {"KAL": 0, "TUN": 1, "PCL": 2, "SCL": 3, "FCL": 4}
_SCENARIO_MODE = {
    "KAL": "http-keep-alive",
    "TUN": "http-tunnel",
    "PCL": "httpclose",
    "SCL": "http-server-close",
    "FCL": "httpclose",
}
_FRONT_TIMEOUTS = ("client", "client_fin", "http_request", "http_keep_alive")
_BACK_TIMEOUTS = ("server", "connect", "tunnel", "server_fin", "queue")
# Without these HAProxy never times out (and warns at startup): CFG2.6 "timeout client" etc.
_REQUIRED_TIMEOUTS = ("client", "server", "connect")


def map_scenario(choice: Choice, built: Built, reader: Reader, ctx: Context) -> tuple[dict[str, Any], bool]:
    """The partial scenario (nested dict) and whether the proxy runs in mode tcp."""
    flat: dict[str, Any] = {"proxy.version": ctx.version}
    mode, tcp = _mode(choice, reader, ctx)
    flat.update(mode)
    flat.update(_timeouts(choice, reader, ctx, tcp))
    flat.update(_balance(choice.backend, reader, ctx))
    flat.update(_backend_options(choice.backend, reader, tcp))
    flat.update(_nolinger(choice, reader, ctx))
    flat.update(_maxconn(choice.frontend, built.global_values, reader, ctx))
    flat.update(_servers(choice.backend, reader, ctx))
    return _nest(flat), tcp


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys into nested tables, in the example scenario's order."""
    nested: dict[str, Any] = {}
    for path in SCENARIO_ORDER:
        if path not in flat:
            continue
        *tables, key = path.split(".")
        table = nested
        for name in tables:
            table = table.setdefault(name, {})
        table[key] = flat[path]
    return nested


# ---- connection mode ---------------------------------------------------------------------


def _mode(choice: Choice, reader: Reader, ctx: Context) -> tuple[dict[str, Any], bool]:
    """``proxy.mode`` and ``proxy.pretend_keepalive``; tcp when either side is tcp."""
    fe_mode = reader.value(choice.frontend.values, "mode")
    be_mode = reader.value(choice.backend.values, "mode")
    if fe_mode is None and be_mode is None:
        ctx.note("no 'mode' line: HAProxy's default is mode tcp")
    if "tcp" in (fe_mode or "tcp", be_mode or "tcp"):
        if (fe_mode or "tcp") != (be_mode or "tcp"):
            ctx.note("the frontend and the backend are in different modes; modelled as mode tcp")
        return {"proxy.mode": "tcp"}, True
    fe_conn = _proxy_mode(reader.value(choice.frontend.values, "conn_mode", ()))
    be_conn = _proxy_mode(reader.value(choice.backend.values, "conn_mode", ()))
    effective = _stronger(fe_conn, be_conn)
    if fe_conn and be_conn and _SCENARIO_MODE[fe_conn] != _SCENARIO_MODE[be_conn]:
        ctx.note(
            f"frontend mode {_SCENARIO_MODE[fe_conn]}, backend mode {_SCENARIO_MODE[be_conn]}: "
            f"the stronger one applies ({_SCENARIO_MODE[effective or 'KAL']})"
        )
    pretend = _pretend_keepalive(choice, reader, ctx)
    out: dict[str, Any] = {"proxy.mode": _mode_name(effective, pretend, ctx)}
    if pretend is not None:
        out["proxy.pretend_keepalive"] = pretend.value
    return out, False


def _pretend_keepalive(choice: Choice, reader: Reader, ctx: Context) -> Setting | None:
    """``option http-pretend-keepalive``: the backend's; before 2.0 either side's counts
    (CFG1.8: "enabled if at least one of the frontend or backend ... has it enabled";
    CFG2.0: a frontend's is ignored)."""
    back = reader.get(choice.backend.values, "pretend_keepalive")
    if version_at_least(ctx.version, "2.0"):
        return back
    front = reader.get(choice.frontend.values, "pretend_keepalive")
    if front is not None and front.value and not (back is not None and back.value):
        return front
    return back if back is not None else front


def _proxy_mode(pairs: tuple[tuple[str, int], ...]) -> str | None:
    """One section's mode from its (flag, line) pairs; None = the release's default.

    Only 1.4 can hold several flags: forceclose, or httpclose with http-server-close, is a
    forced close (CFG1.4 "option httpclose").
    """
    flags = {flag for flag, _ in pairs}
    if not flags:
        return None
    if "FCL" in flags or {"PCL", "SCL"} <= flags:
        return "FCL"
    return max(flags, key=_RANK.__getitem__)


def _stronger(front: str | None, back: str | None) -> str | None:
    """The mode a connection through both gets: the stronger, and passive close with server
    close gives forced close (CFG1.5 "4. Proxies" matrix; 2.x keeps KAL < SCL < CLO)."""
    modes = {m for m in (front, back) if m}
    if not modes:
        return None
    if {"PCL", "SCL"} <= modes:
        return "FCL"
    return max(modes, key=_RANK.__getitem__)


def _mode_name(effective: str | None, pretend: Setting | None, ctx: Context) -> str:
    """The scenario's name for the effective mode, with notes where the model simplifies."""
    if effective is None:
        if pretend is not None and pretend.value:
            return "http-pretend-keepalive"
        default = "tunnel" if release(ctx.version)["default_mode"] == "http-tunnel" else "keep-alive"
        ctx.note(f'no HTTP connection option: HAProxy {ctx.version}\'s default ({default}), mode "preset"')
        return "preset"
    if effective == "PCL" and not version_at_least(ctx.version, "1.8"):
        ctx.note(
            f"'option httpclose' is a passive close in HAProxy {ctx.version}; modelled as mode httpclose, "
            "which closes actively as forceclose and 1.9+ httpclose do"
        )
    if effective == "TUN" and release(ctx.version)["http_tunnel"] == "ignored":
        ctx.note(f"HAProxy {ctx.version} (HTX) ignores 'option http-tunnel'; the model runs it as keep-alive")
    return _SCENARIO_MODE[effective]


# ---- timeouts, balance, options, limits --------------------------------------------------


def _timeouts(choice: Choice, reader: Reader, ctx: Context, tcp: bool) -> dict[str, Any]:
    """``proxy.timeout.*``: frontend-side ones from the frontend, the rest from the backend."""
    out: dict[str, Any] = {}
    for name, proxy in [(n, choice.frontend) for n in _FRONT_TIMEOUTS] + [
        (n, choice.backend) for n in _BACK_TIMEOUTS
    ]:
        if tcp and name in ("http_request", "http_keep_alive"):
            continue
        setting = reader.get(proxy.values, f"timeout.{name}")
        if setting is not None:
            out[f"proxy.timeout.{name}"] = duration_text(setting.value)
    missing = [name for name in _REQUIRED_TIMEOUTS if f"proxy.timeout.{name}" not in out]
    for name in missing:
        out[f"proxy.timeout.{name}"] = "off"
    if missing:
        listed = ", ".join(f"timeout {name}" for name in missing)
        ctx.note(f'no {listed}: HAProxy then never times out (it warns at startup); set to "off"')
    return out


def _balance(backend: ProxySettings, reader: Reader, ctx: Context) -> dict[str, Any]:
    """``proxy.balance`` and ``proxy.random_draws``."""
    setting = reader.get(backend.values, "balance")
    if setting is None:
        ctx.note("no 'balance': HAProxy's default, roundrobin, which is also the scenario's")
        return {}
    algorithm, draws = setting.value
    if algorithm is None:
        return {}
    out: dict[str, Any] = {"proxy.balance": algorithm}
    if draws is not None:
        out["proxy.random_draws"] = draws
    return out


_BACKEND_OPTIONS = (
    ("prefer_last_server", "proxy.prefer_last_server", False),
    ("http_reuse", "proxy.http_reuse", True),
    ("abortonclose", "proxy.abortonclose", False),
    ("redispatch", "proxy.redispatch", False),
    ("retries", "proxy.retries", False),
    ("retry_on", "proxy.retry_on", True),
)


def _backend_options(backend: ProxySettings, reader: Reader, tcp: bool) -> dict[str, Any]:
    """Backend settings copied as they are (HTTP-only ones skipped in mode tcp)."""
    out: dict[str, Any] = {}
    for key, path, http_only in _BACKEND_OPTIONS:
        if tcp and http_only:
            continue
        setting = reader.get(backend.values, key)
        if setting is not None:
            out[path] = setting.value
    return out


def _nolinger(choice: Choice, reader: Reader, ctx: Context) -> dict[str, Any]:
    """``proxy.nolinger``: the model applies it to both sides; HAProxy to the side it is on."""
    front = reader.get(choice.frontend.values, "nolinger")
    back = reader.get(choice.backend.values, "nolinger")
    if front is None and back is None:
        return {}
    on_front, on_back = bool(front and front.value), bool(back and back.value)
    if on_front != on_back:
        side = "frontend" if on_front else "backend"
        ctx.note(f"option nolinger is on for the {side} only; the model applies it to both sides")
    return {"proxy.nolinger": on_front or on_back}


def _maxconn(
    frontend: ProxySettings, global_values: dict[str, Setting], reader: Reader, ctx: Context
) -> dict[str, Any]:
    """``proxy.maxconn``: the frontend's, else the global one (CFG2.6 "maxconn": 0 = global)."""
    own = reader.get(frontend.values, "maxconn")
    if own is not None and own.value > 0:
        return {"proxy.maxconn": own.value}
    process = reader.get(global_values, "global.maxconn")
    if process is not None and process.value > 0:
        ctx.note("the frontend has no maxconn of its own; using the global maxconn")
        return {"proxy.maxconn": process.value}
    return {}


# ---- servers -----------------------------------------------------------------------------


def _servers(backend: ProxySettings, reader: Reader, ctx: Context) -> dict[str, Any]:
    """``backends.*`` (and ``proxy.pool_purge_delay``) from the modelled backend's servers."""
    active = [server for server in backend.servers if _is_active(server, ctx)]
    name = backend.section.describe()
    if not active:
        from teardown.scenario import Scenario

        which = "active server" if backend.servers else "server"
        ctx.note(
            f"{name} has no {which}: modelled with {Scenario().get('backends.servers')} invented servers, "
            "the scenario's default (backends.servers)"
        )
        return {}
    for server in active:
        reader.mark(server.line)
    _note_ignored_keywords(active, ctx)
    out: dict[str, Any] = {"backends.servers": sum(s.count for s in active)}
    out.update(_weights(active, reader))
    out.update(_largest(active, "maxconn", "backends.maxconn", reader, ctx, int))
    out.update(_largest(active, "slowstart", "backends.slowstart", reader, ctx, duration_text))
    out.update(_health_check(active, reader, ctx))
    if release(ctx.version)["shared_idle_pool"]:
        out.update(_largest(active, "pool-purge-delay", "proxy.pool_purge_delay", reader, ctx, duration_text))
    elif any("pool-purge-delay" in s.params for s in active):
        ctx.note(
            f"pool-purge-delay ignored: HAProxy {ctx.version} has no idle server-connection pool "
            "(it came in 1.9)"
        )
    return out


def _note_ignored_keywords(active: list[Server], ctx: Context) -> None:
    """One note for the server keywords not modelled: servers that ignore the same keywords
    together (``cookie (lines 51, 52, 53)``), a lone one with its values (``ssl, verify none``)."""
    groups: dict[tuple[str, ...], list[Server]] = {}
    for server in active:
        if server.ignored:
            groups.setdefault(tuple(item.split()[0] for item in server.ignored), []).append(server)
    if not groups:
        return
    shown = [
        (names if len(servers) > 1 else servers[0].ignored, servers) for names, servers in groups.items()
    ]
    listed = "; ".join(
        f"{', '.join(words)} ({line_list([s.line for s in servers])})" for words, servers in shown
    )
    ctx.note(f"server keywords not modelled: {listed}")


def _is_active(server: Server, ctx: Context) -> bool:
    """Whether a server takes load-balanced traffic; the others are noted and reported."""
    params = server.params
    why = None
    if "backup" in params and params["backup"].value:
        why = "a backup server (used only when every active server is down): backups are not modelled"
    elif "disabled" in params and params["disabled"].value:
        why = "a disabled server (starts in maintenance, takes no traffic): not modelled"
    elif "weight" in params and params["weight"].value == 0:
        why = "weight 0 (takes no load-balanced traffic): not modelled"
    if why is None:
        return True
    ctx.outcomes[server.line] = Outcome(reason=why, kind="noted")
    ctx.note(f"server '{server.name}' (line {server.line}) is {why}")
    return False


def _weights(active: list[Server], reader: Reader) -> dict[str, Any]:
    """``backends.weights``, one per server, when any weight is given."""
    weights = [(reader.param(s, "weight"), s.count) for s in active]
    if all(setting is None for setting, _ in weights):
        return {}
    return {
        "backends.weights": [
            setting.value if setting else 1 for setting, count in weights for _ in range(count)
        ]
    }


def _largest(
    active: list[Server], param: str, path: str, reader: Reader, ctx: Context, convert: Callable[[int], Any]
) -> dict[str, Any]:
    """A per-server value the scenario has once: the largest given, noted when they differ."""
    settings = [reader.param(s, param) for s in active]
    given = [s.value for s in settings if s is not None]
    if not given:
        return {}
    largest = convert(max(given))
    if len({s.value if s else None for s in settings}) > 1:
        shown = ", ".join(str(convert(s.value)) if s else "unset" for s in settings)
        ctx.note(f"servers have different {param} ({shown}); using the largest, {largest}")
    return {path: largest}


def _health_check(active: list[Server], reader: Reader, ctx: Context) -> dict[str, Any]:
    """``backends.health_check.*`` from the servers with ``check`` (inter, rise, fall)."""
    checked = [s for s in active if (c := reader.param(s, "check")) is not None and c.value]
    if not checked:
        ctx.note(
            "no server has 'check': HAProxy runs no health checks; backends.health_check left at its defaults"
        )
        return {}
    if len(checked) < len(active):
        with_check, total = sum(s.count for s in checked), sum(s.count for s in active)
        ctx.note(f"only {with_check} of {total} servers have 'check'; the model checks every server")
    out: dict[str, Any] = {}
    for param, path in (("inter", "interval"), ("rise", "rise"), ("fall", "fall")):
        settings = [reader.param(s, param) for s in checked]
        given = [s for s in settings if s is not None]
        if not given:
            continue
        first = settings[0] or given[0]
        value = duration_text(first.value) if param == "inter" else first.value
        if len({s.value if s else None for s in settings}) > 1:
            ctx.note(f"servers have different '{param}'; using {value}")
        out[f"backends.health_check.{path}"] = value
    return out
