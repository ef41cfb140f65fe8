"""What the importer knows about HAProxy keywords it does not map: why each is left out,
which side of the proxy a mapped setting belongs to, and which releases have which keyword.

Sources: doc/configuration.txt of v1.4.0, v1.5.0 and v2.6.0, section "4.1. Proxy keywords
matrix" (which section kinds accept a keyword), and shared/domain/haproxy-tcp-facts.md
section 1.1 (version table).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from teardown import _core

__all__ = [
    "VERSIONS",
    "release",
    "version_at_least",
    "unavailable",
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

# Keyword -> the HAProxy release in which it appeared, and the one that removed it (for the
# messages; CFG of each release, shared/domain section 1.1).
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
}

# Keywords the simulator does not model, by the first modelled release that has them.
_SINCE: dict[str, str] = {
    "timeout client-fin": "1.5",
    "timeout server-fin": "1.5",
    "timeout tunnel": "1.5",
    "balance first": "1.5",
}


def unavailable(keyword: str, version: str) -> str | None:
    """Why HAProxy ``version`` would not accept ``keyword``, or None when it has it."""
    if keyword in _MODELLED:
        if _MODELLED[keyword](release(version)):
            return None
        earlier = [v for v in VERSIONS if not version_at_least(v, version)]
        came, gone = _HISTORY[keyword]
        if any(_MODELLED[keyword](release(v)) for v in earlier):
            return f"HAProxy {version} rejects '{keyword}' (removed in {gone}); ignored"
        return f"HAProxy {version} has no '{keyword}' (it came in {came}); ignored"
    if keyword in _SINCE and not version_at_least(version, _SINCE[keyword]):
        return f"HAProxy {version} has no '{keyword}' (it came in {_HISTORY[keyword][0]}); ignored"
    return None


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
_RULES = "request and response rules are not modelled"
_STATS = "the statistics page and monitoring are not modelled"
_BIND = "listening addresses and TLS do not affect teardown"
_HEADERS = "headers, error pages, compression and filters do not affect teardown"
_CHECKS = "health-check protocols are not modelled (the check interval, rise and fall are)"
_PERSIST = "session persistence (cookies, stick tables) is not modelled"
_TCPKA = "TCP keep-alive probes are not modelled"
_SOCKET = "socket-level tuning is not modelled"
_HTTP_PARSING = "HTTP parsing and header options do not affect teardown"


def _words(text: str, reason: str) -> dict[str, str]:
    """Each blank-separated word of ``text`` -> ``reason``."""
    return dict.fromkeys(text.split(), reason)


# First word of a proxy directive -> why it is not mapped.
_BY_KEYWORD: dict[str, str] = {
    **_words("acl use_backend use-server dispatch", _SWITCHING),
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
    if head.startswith("ssl-") or head in ("ca-base", "crt-base"):
        return "TLS settings do not affect teardown"
    if head.startswith("tune."):
        return "tune.* settings are not modelled"
    return "process-wide settings do not affect the modelled teardown"


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
