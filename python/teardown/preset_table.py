"""Client-library and server presets: a stack by name (``okhttp-4``, ``tomcat-10``) instead of its timers.

The table lives in the compiled core (include/teardown/presets.hpp, rows with sources in
sim/config/client_presets.cpp and server_presets.cpp); this module shows it and expands a
preset into the keys it sets::

    td.presets()                   # one row per preset and key: value, source
    td.presets("okhttp-4")         # one preset
    td.Scenario({"clients": {"preset": "okhttp-4", "pool": {"max_size": 20}}})

docs/presets.md is generated from it by ``python -m teardown.preset_doc > docs/presets.md``.
"""

from __future__ import annotations

import functools
import tomllib
from typing import TYPE_CHECKING, Any

from teardown import _core
from teardown.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PRESET_KEYS", "expand", "names", "preset", "preset_values", "presets", "rows"]

# The scenario key that names a preset of each kind.
PRESET_KEYS = {"client": "clients.preset", "server": "backends.preset"}


@functools.cache
def rows() -> tuple[dict[str, Any], ...]:
    """Every preset as the core holds it, clients first, each value also as a Python value
    (``value``, read from its TOML text). Cached: do not change what it returns."""
    out = []
    for row in _core.presets():
        for value in row["values"]:
            value["value"] = tomllib.loads(f"v = {value['toml']}")["v"]
        out.append(row)
    return tuple(out)


def names(kind: str | None = None) -> list[str]:
    """The preset names, clients first; ``kind`` "client" or "server" for one kind."""
    return [row["name"] for row in rows() if kind is None or row["kind"] == kind]


def preset(name: str, kind: str | None = None) -> dict[str, Any]:
    """One preset as the core holds it (name, kind, table, library, version, note, idle_setting,
    values: key, value, toml, source). ``ConfigError`` when no preset has that name."""
    for row in rows():
        if row["name"] == name and (kind is None or row["kind"] == kind):
            return {**row, "values": [dict(v) for v in row["values"]]}
    path = PRESET_KEYS.get(kind or "", "preset")
    known = ", ".join(f"'{n}'" for n in names(kind))
    raise ConfigError([{"path": path, "message": f"unknown preset '{name}'; known: {known}", "where": ""}])


def preset_values(name: str, kind: str) -> dict[str, Any]:
    """The dotted keys a preset sets and their TOML values, its own name included."""
    row = preset(name, kind)
    return {PRESET_KEYS[kind]: name, **{v["key"]: v["value"] for v in row["values"]}}


def presets(name: str | None = None) -> pd.DataFrame:
    """Every preset (or the one named) as a table: one row per preset and key, with the value,
    the library and version it is the default of, and its source."""
    import pandas as pd

    chosen = [preset(name)] if name is not None else list(rows())
    return pd.DataFrame(
        [
            {
                "preset": row["name"],
                "kind": row["kind"],
                "library": row["library"],
                "version": row["version"],
                "key": value["key"],
                "value": value["value"],
                "source": value["source"],
            }
            for row in chosen
            for value in row["values"]
        ],
        columns=["preset", "kind", "library", "version", "key", "value", "source"],
    )


def expand(changes: dict[str, Any]) -> dict[str, Any]:
    """Dotted changes with each preset they set expanded into its keys, so that setting a preset
    on a full scenario replaces the values it governs; the changes' own keys still win."""
    out: dict[str, Any] = {}
    for kind, path in PRESET_KEYS.items():
        table, _, key = path.partition(".")
        name = changes.get(path)
        if name is None and isinstance(changes.get(table), dict):
            name = changes[table].get(key)
        if isinstance(name, str) and name:
            if name in names(kind):
                out.update(preset_values(name, kind))
            # an unknown name goes on as it is, for the core to report
    out.update(changes)
    return out
