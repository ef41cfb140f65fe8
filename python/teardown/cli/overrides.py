"""--set KEY=VALUE: dotted overrides applied to a scenario, their errors attributed to --set."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from typing import Any

import teardown
from teardown.cli.command import BadInput
from teardown.errors import ConfigError


def with_sets(scenario: teardown.Scenario, sets: Sequence[str]) -> teardown.Scenario:
    """The scenario with each ``key=value`` of --set applied; values are TOML values where they parse."""
    overrides: dict[str, Any] = {}
    for item in sets:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(f"--set {item!r}: expected key=value, e.g. --set proxy.mode=httpclose")
        overrides[key] = parse_value(text.strip(), like=scenario.get(key, None))
    try:
        return scenario.with_(overrides) if overrides else scenario
    except ConfigError as error:
        raise ConfigError([{**issue, "where": issue["where"] or "--set"} for issue in error.issues]) from None


def parse_value(text: str, like: Any = None) -> Any:
    """A --set value: a TOML value when it is one (4, 2.5, true, "x", [..]), else the text itself.

    Where the key holds text (a version "2.6", a duration "10"), a number is kept as text.
    """
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    if isinstance(like, str) and not isinstance(value, str):
        return text
    return value
