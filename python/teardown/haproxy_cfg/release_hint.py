"""Which HAProxy release a file's keywords point to (a haproxy.cfg does not say).

Keywords later releases refuse (``clitimeout``, ``contimeout``, ``srvtimeout``, ``option
forceclose``, ``option http-tunnel``) date a file; keywords earlier releases lack
(``http-reuse``, ``retry-on``...) bound it from below. The suggestion is the oldest modelled
release that accepts every release-dependent keyword the file uses, in any section. Whether a
release accepts a keyword is ``keywords.accepts``: the release table, and the manual's history
for what the table lacks.
"""

from __future__ import annotations

from teardown.haproxy_cfg.keywords import READ_AS, VERSIONS, accepts, history, release_keyword
from teardown.haproxy_cfg.lexer import PROXY_KINDS, Section
from teardown.haproxy_cfg.settings import line_list

__all__ = ["release_hint"]


def release_hint(sections: list[Section], version: str) -> list[str]:
    """Notes on the release-dependent keywords of the file when some date it or the modelled
    ``version`` lacks some: the ``--haproxy-version`` they point to, and what the import does
    with those ``version`` does not accept. Empty otherwise."""
    used = _used_keywords(sections)
    refused = [k for k in used if not accepts(version, k)]
    telling = [k for k in used if history(k)[1] or k in refused]
    if not telling:
        return []
    notes = [f"{_suggestion(used, version)}: {', '.join(_dated(k, used[k]) for k in telling)}"]
    earlier = VERSIONS[: VERSIONS.index(version)]
    rejected = [k for k in refused if any(accepts(v, k) for v in earlier)]
    lacking = [k for k in refused if k not in rejected]
    done = []
    if rejected:
        done.append("rejects " + ", ".join(f"'{k}' ({_read_as(k)})" for k in rejected))
    if lacking:
        done.append("lacks " + ", ".join(f"'{k}'" for k in lacking) + " (ignored)")
    if done:
        notes.append(f"HAProxy {version} {'; '.join(done)}")
    return notes


def _suggestion(used: dict[str, list[int]], version: str) -> str:
    """The oldest modelled release that accepts every keyword used, as a suggestion."""
    accepting = [v for v in VERSIONS if all(accepts(v, k) for k in used)]
    if not accepting:
        return "no modelled release accepts every release-dependent keyword of the file"
    if accepting[0] == version:
        return f"the file's release-dependent keywords point to HAProxy {version}, the release modelled"
    return (
        f"suggested: --haproxy-version {accepting[0]}, the oldest modelled release that accepts every "
        "release-dependent keyword of the file"
    )


def _dated(keyword: str, lines: list[int]) -> str:
    """A keyword with its lines and the releases that accept it."""
    came, gone = history(keyword)
    span = f"refused since {gone}" if gone else f"since {came}"
    return f"'{keyword}' ({line_list(lines)}, {span})"


def _used_keywords(sections: list[Section]) -> dict[str, list[int]]:
    """Release-dependent keyword -> the lines that use it, in file order."""
    used: dict[str, list[int]] = {}
    for section in sections:
        if section.kind not in PROXY_KINDS:
            continue
        for d in section.body:
            keyword = release_keyword(d.words)
            if keyword is not None:
                used.setdefault(keyword, []).append(d.line)
    return used


def _read_as(keyword: str) -> str:
    """What the import does with a keyword the modelled release rejects."""
    return f"read as '{READ_AS[keyword]}'" if keyword in READ_AS else "ignored"
