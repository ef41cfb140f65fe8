"""What the importer knows about HAProxy keywords it does not map: why each is left out,
which side of the proxy a mapped setting belongs to, and which releases have which keyword.

Sources: doc/configuration.txt of v1.4.0, v1.5.0 and v2.6.0, section "4.1. Proxy keywords
matrix" (which section kinds accept a keyword), docs/sources.md §3 (what each release
has), and for the keywords later releases refuse, the releases' documents and
sources named at _HISTORY.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from teardown import _core
from teardown.haproxy_cfg.settings import Outcome

__all__ = [
    "VERSIONS",
    "READ_AS",
    "release",
    "version_at_least",
    "accepts",
    "history",
    "release_keyword",
    "unavailable",
    "left_out",
    "SIDE",
    "HTTP_ONLY",
    "unmodelled_reason",
    "global_reason",
    "looks_like_directive",
]

# The HAProxy releases a scenario can model (proxy.version), oldest first: the simulator's
# release table (teardown/proxy_rules.hpp).
VERSIONS = tuple(str(row["version"]) for row in _core.proxy_versions())


def release(version: str) -> dict[str, Any]:
    """The release table's row for ``version`` (what it has, its defaults)."""
    return next(row for row in _core.proxy_versions() if row["version"] == version)


def version_at_least(version: str, oldest: str) -> bool:
    """Whether ``version`` is ``oldest`` or later (both among VERSIONS)."""
    return VERSIONS.index(version) >= VERSIONS.index(oldest)


# Keywords the simulator models: whether a release has one is a column of the release table.
_MODELLED: dict[str, Callable[[dict[str, Any]], bool]] = {
    "option http-keep-alive": lambda row: bool(row["keep_alive_option"]),
    "option http-tunnel": lambda row: row["http_tunnel"] != "removed",
    "option prefer-last-server": lambda row: bool(row["prefer_last_server_option"]),
    "http-reuse": lambda row: bool(row["http_reuse_keyword"]),
    "retry-on": lambda row: bool(row["retry_on_keyword"]),
    "balance random": lambda row: bool(row["random_balance"]),
    "pool-purge-delay": lambda row: bool(row["shared_idle_pool"]),
}

# Keyword -> the HAProxy release that first accepted it, and the one that first refused it
# ("" = still accepted). The release table rules where it has a column; these add what it
# lacks: when a keyword came (the 1.4 row's http_tunnel is the mode 1.4 runs by default, but
# "option http-tunnel" is not in the 1.4 manual), and the keywords it does not model.
# Sources: doc/configuration.txt of each release (v1.3.14: clitimeout, contimeout and
# srvtimeout "deprecated" for "timeout client/connect/server"; v1.5.0: "option
# http-keep-alive", "option http-tunnel", "timeout client-fin"...); doc/haproxy-en.txt of
# v1.3.0 ("forceclose" appeared in 1.2.9); the refusals in the source: src/proxy.c of v2.1.0
# ("the 'clitimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout
# client'"), src/cfgparse-listen.c of v2.5.0 (option forceclose: "use 'option httpclose'";
# option http-tunnel: "not supported any more", after warnings from 2.1).
_HISTORY: dict[str, tuple[str, str]] = {
    "option http-keep-alive": ("1.5-dev22", ""),
    "option http-tunnel": ("1.5-dev22", "2.5"),
    "option prefer-last-server": ("1.5", ""),
    "http-reuse": ("1.6", ""),
    "retry-on": ("2.0", ""),
    "balance random": ("1.9", ""),
    "pool-purge-delay": ("1.9", ""),
    "timeout client-fin": ("1.5", ""),
    "timeout server-fin": ("1.5", ""),
    "timeout tunnel": ("1.5", ""),
    "balance first": ("1.5", ""),
    "clitimeout": ("1.1", "2.1"),
    "contimeout": ("1.1", "2.1"),
    "srvtimeout": ("1.1", "2.1"),
    "option forceclose": ("1.2.9", "2.5"),
}

# Keywords later releases refuse, and the replacement HAProxy's refusal names: the importer
# reads them as that replacement in any release (the same sources as _HISTORY).
READ_AS: dict[str, str] = {
    "clitimeout": "timeout client",
    "contimeout": "timeout connect",
    "srvtimeout": "timeout server",
    "option forceclose": "option httpclose",
}


def _release_key(name: str) -> tuple[int, ...]:
    """A release name (``2.6``, ``1.2.9``, ``1.5-dev22``) as a key that sorts as HAProxy's
    releases do: a development release before the release it leads to."""
    number, _, dev = name.partition("-dev")
    parts = [int(p) for p in number.split(".")] + [0, 0]
    return (*parts[:3], 0 if dev else 1, int(dev or 0))


def accepts(version: str, keyword: str) -> bool:
    """Whether HAProxy ``version`` (one of VERSIONS) accepts ``keyword`` (a key of
    release_keywords: ``option http-tunnel``, ``clitimeout``, ``http-reuse``...)."""
    if keyword in _MODELLED and not _MODELLED[keyword](release(version)):
        return False
    came, gone = _HISTORY.get(keyword, ("0", ""))
    at = _release_key(version)
    return at >= _release_key(came) and not (gone and at >= _release_key(gone))


def history(keyword: str) -> tuple[str, str]:
    """The release that first accepted ``keyword`` and the one that first refused it ("")."""
    return _HISTORY[keyword]


def release_keyword(words: tuple[str, ...]) -> str | None:
    """The release-dependent keyword a directive uses (a key of the history), or None."""
    if words[0] in ("no", "default") and len(words) > 1:
        words = words[1:]
    head = words[0]
    if head in ("option", "timeout") and len(words) > 1:
        keyword = f"{head} {words[1]}"
    elif head == "balance" and len(words) > 1:
        keyword = f"balance {words[1].split('(')[0]}"
    elif head in ("server", "server-template", "default-server") and "pool-purge-delay" in words:
        keyword = "pool-purge-delay"
    else:
        keyword = head
    return keyword if keyword in _HISTORY else None


def unavailable(keyword: str, version: str) -> str | None:
    """Why HAProxy ``version`` would not accept ``keyword``, or None when it has it (or when
    the importer reads it as its replacement: READ_AS)."""
    if keyword in READ_AS or accepts(version, keyword):
        return None
    came, gone = _HISTORY[keyword]
    earlier = [v for v in VERSIONS if not version_at_least(v, version)]
    if any(accepts(v, keyword) for v in earlier):
        return f"HAProxy {version} rejects '{keyword}' (removed in {gone}); ignored"
    return f"HAProxy {version} has no '{keyword}' (it came in {came}); ignored"


# Which side of the proxy reads each mapped setting: "frontend", "backend" or "both".
# Settings not listed (server parameters, default-server) are backend settings.
SIDE: dict[str, str] = {
    "mode": "both",
    "conn_mode": "both",
    "nolinger": "both",
    "timeout.client": "frontend",
    "timeout.client_fin": "frontend",
    "timeout.http_request": "frontend",
    "timeout.http_keep_alive": "frontend",
    "maxconn": "frontend",
    "default_backend": "frontend",
}

# Settings that mean nothing in mode tcp.
HTTP_ONLY = frozenset(
    {
        "conn_mode",
        "pretend_keepalive",
        "timeout.http_request",
        "timeout.http_keep_alive",
        "http_reuse",
        "retry_on",
    }
)

_LOG = "log settings do not affect teardown"
_SWITCHING = "ACLs and content switching are not modelled"
_ACL = "an ACL does nothing by itself (the rules that use it are listed)"
_RULES = "request and response rules are not modelled"
_STATS = "the statistics page and monitoring do not affect teardown"
_BIND = "listening addresses and TLS do not affect teardown"
_HEADERS = "headers, error pages, compression and filters do not affect teardown"
_CHECKS = "health-check protocols are not modelled (the check interval, rise and fall are)"
_PERSIST = "session persistence (cookies, stick tables) is not modelled"
_TCPKA = "TCP keep-alive probes are not modelled"
_SOCKET = "socket-level tuning is not modelled"
_HTTP_PARSING = "HTTP parsing and header options do not affect teardown"
_TLS = "TLS settings do not affect teardown"
_PROCESS = "process-wide settings do not affect the modelled teardown"


def _words(text: str, reason: str) -> dict[str, str]:
    """Each blank-separated word of ``text`` -> ``reason``."""
    return dict.fromkeys(text.split(), reason)


# First word of a proxy directive -> why it is not mapped.
_BY_KEYWORD: dict[str, str] = {
    **_words("use_backend use-server dispatch", _SWITCHING),
    "acl": _ACL,
    **_words(
        """http-request http-response http-after-response tcp-request tcp-response redirect block
        reqadd reqallow reqdel reqdeny reqiallow reqidel reqideny reqipass reqirep reqisetbe reqitarpit
        reqpass reqrep reqsetbe reqtarpit rspadd rspdel rspdeny rspidel rspideny rspirep rsprep""",
        _RULES,
    ),
    **_words("log log-format log-format-sd log-tag error-log-format capture declare", _LOG),
    **_words("stats monitor-uri monitor monitor-net", _STATS),
    **_words("bind", _BIND),
    **_words(
        """errorfile errorfiles errorloc errorloc302 errorloc303 http-error unique-id-format
        unique-id-header http-send-name-header compression filter""",
        _HEADERS,
    ),
    **_words("http-check tcp-check external-check email-alert", _CHECKS),
    **_words("cookie stick stick-table persist force-persist ignore-persist appsession", _PERSIST),
    **_words("clitcpka-cnt clitcpka-idle clitcpka-intvl srvtcpka-cnt srvtcpka-idle srvtcpka-intvl", _TCPKA),
    **_words("bind-process", _SOCKET),
    **_words("description id", "descriptive only"),
    **_words("enabled disabled", "enabling or disabling whole proxies is not modelled"),
    **_words("load-server-state-from-file server-state-file-name", "server state files are not modelled"),
    "hash-type": "consistent hashing is not modelled (balance 'source' is modelled as a static hash)",
    "hash-balance-factor": "bounded-load hashing is not modelled",
    "fullconn": "dynamic server limits (minconn/fullconn) are not modelled",
    "backlog": "the listen backlog is not modelled",
    "rate-limit": "session rate limits are not modelled",
    "max-keep-alive-queue": "the keep-alive queue limit is not modelled",
    "source": "source-address selection does not affect teardown",
    "transparent": "transparent proxying does not affect teardown",
    "grace": "soft-stop behaviour is not modelled",
    "use-fcgi-app": "FastCGI applications are not modelled",
}

# Second word of "option ..." -> why it is not mapped.
_BY_OPTION: dict[str, str] = {
    **_words(
        "httplog tcplog httpslog dontlognull dontlog-normal log-separate-errors logasap log-health-checks",
        _LOG,
    ),
    **_words(
        "httpchk ssl-hello-chk smtpchk mysql-check pgsql-check redis-check ldap-check tcp-check "
        "external-check spop-check",
        _CHECKS,
    ),
    **_words(
        """forwardfor originalto http-use-proxy-header accept-invalid-http-request
        accept-invalid-http-response http-ignore-probes http-restrict-req-hdr-names
        h1-case-adjust-bogus-client h1-case-adjust-bogus-server
        checkcache http_proxy http-use-htx disable-h2-upgrade""",
        _HTTP_PARSING,
    ),
    **_words("tcpka clitcpka srvtcpka", _TCPKA),
    **_words(
        """splice-auto splice-request splice-response tcp-smart-accept tcp-smart-connect http-no-delay
        http-buffer-request independent-streams contstats socket-stats transparent""",
        _SOCKET,
    ),
    "persist": _PERSIST,
    "allbackups": "backup servers are not modelled",
    "idle-close-on-response": "soft-stop behaviour is not modelled",
}

# Second word of "timeout ..." -> why it is not mapped.
_BY_TIMEOUT: dict[str, str] = {
    "check": _CHECKS,
    "tarpit": _RULES,
}


def unmodelled_reason(words: tuple[str, ...]) -> str:
    """Why a proxy directive that the importer does not map is left out."""
    head = words[0]
    if head in ("no", "default") and len(words) > 1:
        words, head = words[1:], words[1]
    if head == "option" and len(words) > 1:
        return _BY_OPTION.get(words[1], f"option '{words[1]}' is not modelled")
    if head == "timeout" and len(words) > 1 and words[1] in _BY_TIMEOUT:
        return _BY_TIMEOUT[words[1]]
    return _BY_KEYWORD.get(head, f"'{head}' is not modelled")


def global_reason(words: tuple[str, ...]) -> str:
    """Why a global-section directive (other than maxconn) is left out."""
    head = words[0]
    if head.startswith("log"):
        return _LOG
    if head == "stats":
        return _STATS
    if head.startswith(("ssl-", "tune.ssl.")) or head in ("ca-base", "crt-base"):
        return _TLS
    if head.startswith("tune."):
        return "tune.* settings are not modelled"
    return _PROCESS


# The reasons of directives that cannot affect teardown (the rest may, but are not modelled):
# what a run of the model could never show, whatever HAProxy does with them.
_INERT = frozenset(
    {
        _LOG,
        _ACL,
        _STATS,
        _BIND,
        _HEADERS,
        _HTTP_PARSING,
        _TLS,
        _PROCESS,
        "descriptive only",
        "server state files are not modelled",
        "source-address selection does not affect teardown",
        "transparent proxying does not affect teardown",
    }
)


def left_out(reason: str) -> Outcome:
    """The outcome of a line left out for ``reason``: inert when it cannot affect teardown."""
    return Outcome(reason=reason, kind="inert" if reason in _INERT else "unmodelled")


# Words that start directives (in any section) besides those in the tables above; with the
# prefixes below, used to tell a stray unindented directive from an unknown section keyword.
_OTHER_DIRECTIVES = frozenset(
    """mode option timeout balance http-reuse retries retry-on maxconn default_backend server server-template
    default-server clitimeout contimeout srvtimeout no default daemon chroot user group uid gid pidfile nbproc
    nbthread cpu-map ulimit-n ca-base crt-base spread-checks hard-stop-after setenv presetenv resetenv
    unsetenv node master-worker quiet debug noepoll nokqueue nopoll nosplice busy-polling external-check
    insecure-fork-wanted server-state-file server-state-base localpeers set-dumpable strict-limits
    numa-cpu-mapping expose-experimental-directives h1-case-adjust h1-case-adjust-file peer nameserver hold
    resolve_retries accepted_payload_size parse-resolv-conf mailer command total-max-size max-age
    max-object-size process-vary format maxlen size docroot index path-info pass-header set-param""".split()
)
_DIRECTIVE_PREFIXES = tuple(
    """tune. ssl- lua- log max stats http- tcp- req rsp 51degrees wurfl deviceatlas ocsp profiling. thread-
    cluster-secret zero-warning""".split()
)


def looks_like_directive(word: str) -> bool:
    """Whether ``word`` is a directive keyword HAProxy has (in some section and release)."""
    return word in _OTHER_DIRECTIVES or word in _BY_KEYWORD or word.startswith(_DIRECTIVE_PREFIXES)
