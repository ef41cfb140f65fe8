"""``Scenario``: one checked, fully defaulted scenario, immutable, as TOML-shaped data."""

from __future__ import annotations

import copy
import difflib
import functools
import hashlib
import os
from collections.abc import Mapping
from typing import Any, TypeAlias

from teardown import _core
from teardown.errors import ConfigError
from teardown.preset_table import expand as _expand_presets

__all__ = ["Scenario", "ScenarioLike", "as_scenario"]

_MISSING: Any = object()


class Scenario:
    """A validated scenario with every default filled in; immutable.

    Its data is the nested dict of TOML values of docs/scenario.md: tables are
    dicts, durations strings such as ``"250us"``, enum values strings, ``[[backends.events]]`` a
    list of dicts. Build one from a (possibly partial) dict, ``Scenario({"proxy": {"mode":
    "httpclose"}})``, whose top-level keys may also be dotted paths (``{"proxy.mode":
    "httpclose"}``), or from a TOML file with ``Scenario.from_toml(path)``. Missing keys take
    their defaults; anything wrong raises ``ConfigError`` listing every issue.
    """

    # _checked: the scenario as the compiled core holds it (checked once, read as it is by run,
    # estimate_resources and resolve_proxy); _data: the same as TOML-shaped Python data.
    __slots__ = ("_checked", "_data", "_toml")

    def __init__(self, data: Mapping[str, Any] | Scenario | None = None) -> None:
        if isinstance(data, Scenario):
            core, checked = data._checked, data._data
        elif data is None or isinstance(data, Mapping):
            plain = _plain(dict(data or {}))
            dotted = {k: plain.pop(k) for k in list(plain) if isinstance(k, str) and "." in k}
            core, checked = _core.check_scenario(plain)
            if dotted:
                core, checked = _core.check_scenario(_override(checked, dotted))
        else:
            raise TypeError(f"a scenario is a dict or a Scenario, not {type(data).__name__}")
        self._set(core, checked)

    def _set(self, core: Any, checked: dict[str, Any]) -> None:
        object.__setattr__(self, "_checked", core)
        object.__setattr__(self, "_data", checked)
        object.__setattr__(self, "_toml", None)

    @classmethod
    def _from_plain(cls, data: dict[str, Any]) -> Scenario:
        """The scenario of full, plain scenario data (dicts and lists, no dotted keys): checked once,
        not copied first (the core reads it and returns fresh data)."""
        scenario = cls.__new__(cls)
        scenario._set(*_core.check_scenario(data))
        return scenario

    # ---- constructors -------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None = None) -> Scenario:
        """The scenario given as a (possibly partial, possibly dotted) dict; same as ``Scenario(data)``."""
        return cls(data)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Scenario:
        """The scenario in a TOML file. ``ConfigError`` names the file when it cannot be read, and
        ``file:line:col`` for a syntax error or a bad value."""
        scenario = cls.__new__(cls)
        scenario._set(*_core.load_checked(os.fsdecode(os.fspath(path))))
        return scenario

    # ---- reading ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A deep copy of the data: every key, in TOML form."""
        return copy.deepcopy(self._data)

    def to_toml(self) -> str:
        """TOML text with every key written out, in the order of the example file."""
        if self._toml is None:
            object.__setattr__(self, "_toml", _core.scenario_toml(self._checked))
        return self._toml

    def get(self, key: str, default: Any = _MISSING) -> Any:
        """The value at a dotted key path, ``s.get("proxy.timeout.client") == "60s"``; a copy for
        tables and lists. A missing key gives ``default`` or raises ``KeyError``."""
        node: Any = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is not _MISSING:
                    return default
                raise KeyError(f"{key!r}: {_unknown_key_message(key)}")
            node = node[part]
        return copy.deepcopy(node)

    def __getitem__(self, key: str) -> Any:
        return self.get(key)

    def with_(self, overrides: Mapping[str, Any] | None = None, **dotted: Any) -> Scenario:
        """A new scenario with some values changed; this one is unchanged.

        Keys are dotted paths, ``s.with_({"proxy.mode": "httpclose", "backends.workers": 4})`` or
        ``s.with_(**{"proxy.mode": "httpclose"})``, or table names with dicts, ``s.with_(proxy=
        {"balance": "leastconn"})``. A dict given for a table is merged into it; any other value
        (lists included) replaces the old one. An unknown key raises ``ConfigError`` naming it.
        """
        changes = {**(overrides or {}), **dotted}
        return Scenario._from_plain(_override(self._data, _plain(changes)))

    def hash(self) -> str:
        """SHA-256 (hex) of the canonical TOML text: equal scenarios, equal hash, on any machine."""
        return hashlib.sha256(self.to_toml().encode()).hexdigest()

    # ---- Python protocols -----------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scenario):
            return NotImplemented
        return self._data == other._data

    def __hash__(self) -> int:
        return hash(self.hash())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Scenario is immutable; use .with_(...) for a changed copy")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a Scenario is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Scenario._from_plain, (self._data,))

    @property
    def warnings(self) -> list[str]:
        """The settings a run of this scenario ignores, as HAProxy does ("path: why" each): HTTP
        settings in mode tcp, for instance. A Result carries the same list."""
        return list(_core.config_warnings(self._checked))

    def __repr__(self) -> str:
        d = self._data
        proxy, clients, backends, sim = d["proxy"], d["clients"], d["backends"], d["sim"]
        instances = proxy.get("instances", 1)
        several = f" x {instances} instances ({proxy.get('spread', 'dns')})" if instances > 1 else ""
        return (
            f"Scenario(HAProxy {proxy['version']} {proxy['mode']}{several}, balance {proxy['balance']}; "
            f"{clients['count']} clients -> {backends['servers']} servers x {backends['workers']} workers; "
            f"{sim['duration']} after {sim['warmup']} warm-up, seed {sim['seed']})"
        )


ScenarioLike: TypeAlias = "Scenario | Mapping[str, Any] | str | os.PathLike[str]"


def as_scenario(scenario: ScenarioLike) -> Scenario:
    """A Scenario from a Scenario, a dict, or the path of a TOML file."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Mapping):
        return Scenario(scenario)
    if isinstance(scenario, (str, os.PathLike)):
        return Scenario.from_toml(scenario)
    raise TypeError(f"a scenario is a dict, a Scenario or a TOML file path, not {type(scenario).__name__}")


# ---- helpers ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Mappings as dicts and tuples as lists, all the way down (the compiled core reads only those)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _override(data: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The full scenario data with each dotted key of ``changes`` set or merged, ``data`` unchanged.

    Only the tables on a changed key's path are copied; the rest is shared with ``data``, which
    is never written (a Scenario's data is immutable, and the core returns fresh data)."""
    changes = _expand_presets(dict(changes))  # a preset set here replaces the values it governs
    out = dict(data)
    copied = {id(out)}  # the tables of ``out`` that are already copies, safe to write
    for key, value in changes.items():
        if not isinstance(key, str) or not key:
            raise ConfigError([{"path": str(key), "message": "keys must be non-empty strings", "where": ""}])
        *parents, last = key.split(".")
        node = out
        for part in parents:
            child = node.get(part) if isinstance(node, dict) else None
            if isinstance(child, dict) and id(child) not in copied:
                child = node[part] = dict(child)
                copied.add(id(child))
            node = child
        if not isinstance(node, dict) or last not in node:
            raise ConfigError([{"path": key, "message": _unknown_key_message(key), "where": ""}])
        if isinstance(value, dict) and isinstance(node[last], dict):
            node[last] = _plain(node[last])  # a deep copy to merge into
            _merge(node[last], value)
        else:
            node[last] = value
    return out


def _merge(into: dict[str, Any], changes: dict[str, Any]) -> None:
    """Deep merge; unknown keys are kept, for the core to report with their full path."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _key_paths(node: dict[str, Any], prefix: str = "") -> list[str]:
    paths = []
    for key, value in node.items():
        path = f"{prefix}{key}"
        paths.append(path)
        if isinstance(value, dict):
            paths.extend(_key_paths(value, path + "."))
    return paths


@functools.cache
def _default_paths() -> tuple[str, ...]:
    return tuple(_key_paths(_core.normalize_scenario({})))


def _unknown_key_message(key: str) -> str:
    """The message for an unknown key: the same key in another table, or a close spelling."""
    leaf = key.rsplit(".", 1)[-1]
    close = [p for p in _default_paths() if p.rsplit(".", 1)[-1] == leaf][:1]
    close = close or difflib.get_close_matches(key, _default_paths(), n=1, cutoff=0.75)
    return f"unknown key; did you mean '{close[0]}'?" if close else "unknown key"
