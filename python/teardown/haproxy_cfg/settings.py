"""The settings a section of a haproxy.cfg ends up with, and how each line got there.

Every value remembers the line(s) that set it, so that the mapping can tell which lines it
used and the report can say why the others were not (overridden, ignored, not modelled).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from teardown.haproxy_cfg.lexer import Section

__all__ = ["Kind", "Setting", "Server", "Outcome", "ProxySettings", "Context", "line_list"]

Kind = Literal["unmodelled", "release", "tcp", "noted", "inert"]
"""How much a line the scenario does not reflect matters:

- ``unmodelled``: it may affect teardown, but the model has no such thing;
- ``release``: the modelled HAProxy release does not have it;
- ``tcp``: an HTTP setting, without effect in mode tcp;
- ``noted``: left out by a decision the notes state (a backup server, ...);
- ``inert``: it cannot affect teardown (logs, stats, process settings, TLS, a section or line
  HAProxy ignores or overrides, a proxy that is not modelled).
"""


@dataclass(frozen=True)
class Setting:
    """One value and the lines it came from (usually one)."""

    value: Any
    lines: tuple[int, ...]


@dataclass(frozen=True)
class Server:
    """A ``server`` (or ``server-template``) line: ``count`` servers sharing ``params``.

    ``params`` holds the modelled keywords (``weight``, ``maxconn``, ``check``, ``inter``,
    ``rise``, ``fall``, ``slowstart``, ``backup``, ``disabled``, ``pool-purge-delay``), with
    the line each came from (its own, or a ``default-server`` line); ``ignored`` lists the
    keywords present but not modelled.
    """

    name: str
    line: int
    count: int
    params: dict[str, Setting]
    ignored: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What reading one line did: the settings it wrote, or why it is not mapped and how much
    that matters."""

    keys: tuple[str, ...] = ()
    reason: str | None = None
    kind: Kind = "unmodelled"


@dataclass
class ProxySettings:
    """The settings of one defaults, frontend, backend or listen section after its lines.

    ``values`` maps a setting name (``"timeout.client"``, ``"balance"``, ``"ds.inter"`` for a
    ``default-server`` parameter, ...) to its Setting, inherited ones included; ``chain`` is
    the defaults sections it inherited from, oldest first, then the section itself.
    """

    section: Section
    values: dict[str, Setting]
    chain: tuple[Section, ...]
    servers: list[Server] = field(default_factory=list)


@dataclass
class Context:
    """What every step of one import shares: the file's name, the modelled HAProxy release,
    the decisions noted so far, and what each line did."""

    source: str
    version: str
    notes: list[str] = field(default_factory=list)
    outcomes: dict[int, Outcome] = field(default_factory=dict)

    def note(self, text: str) -> None:
        """Records a decision the user should know about (once)."""
        if text not in self.notes:
            self.notes.append(text)


def line_list(numbers: list[int]) -> str:
    """How notes cite lines: ``line 3``, ``lines 3, 9``."""
    return ("line " if len(numbers) == 1 else "lines ") + ", ".join(map(str, numbers))
