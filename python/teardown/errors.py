"""The one exception of the public API: a scenario that cannot run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """Every problem found in a scenario (dict, TOML file or overrides); nothing ran.

    ``issues`` is a list of dicts with keys ``"path"`` (the dotted key path, such as
    ``"proxy.timeout.client"``, or ``""`` for a file-level problem), ``"message"`` (why) and
    ``"where"`` (``"file:line:col"`` when the value came from TOML text, the file name for an
    unreadable file, else ``""``). ``str()`` gives one ``"path: message"`` line per issue.
    """

    def __init__(self, issues: Iterable[Mapping[str, str]] | str) -> None:
        if isinstance(issues, str):
            issues = [{"path": "", "message": issues, "where": ""}]
        self.issues: list[dict[str, str]] = [
            {
                "path": str(i.get("path", "")),
                "message": str(i.get("message", "")),
                "where": str(i.get("where", "")),
            }
            for i in issues
        ]
        super().__init__(self.issues)  # args round-trip through pickle

    def __str__(self) -> str:
        return "\n".join(_line(issue) for issue in self.issues)


def _line(issue: Mapping[str, str]) -> str:
    path, message, where = issue["path"], issue["message"], issue["where"]
    if not path:  # not about a key (an unreadable file, a syntax error): lead with the place
        return f"{where}: {message}" if where else message
    return f"{path}: {message} (at {where})" if where else f"{path}: {message}"
