"""Import failures: teardown's ``ConfigError``, placed at a line of the haproxy.cfg."""

from __future__ import annotations

from teardown.errors import ConfigError

__all__ = ["ConfigError", "cfg_error"]


def cfg_error(source: str, line: int | None, reason: str, path: str = "") -> ConfigError:
    """A ``ConfigError`` whose text is ``"<source>:<line>: <reason>"`` (``"<source>: <reason>"``
    when no line applies); ``path`` is a scenario key path when the problem is about one."""
    where = source if line is None else f"{source}:{line}"
    return ConfigError([{"path": path, "message": reason, "where": where}])
