"""Type stubs for teardown's compiled core (private: use the ``teardown`` package)."""

from typing import Any

NEVER: int
__version__: str
__git_commit__: str

# bind_time.cpp
def parse_duration(text: str) -> int: ...
def format_duration(ns: int) -> str: ...

# bind_scenario.cpp: scenarios are nested dicts of TOML values (str, int, float, bool, list, dict).
def normalize_scenario(data: dict[str, Any]) -> dict[str, Any]: ...
def load_scenario(path: str) -> dict[str, Any]: ...
def scenario_toml(scenario: CheckedScenario) -> str: ...
def toml_value_at(text: str, line: int, column: int) -> tuple[str, int, int] | None: ...
def scenario_keys() -> list[dict[str, Any]]: ...

# bind_run.cpp: the Result as plain data, keys
#   scenario: dict; warnings: list[{path: str, message: str}]; metrics: dict[str, float];
#   invariants: dict[str, int]; events: int; wall_seconds: float;
#   per_server: dict[str, list]  (server, requests, connections_opened, mean_open_connections, resets_seen,
#                                 request_share);
#   timeseries: {bin_ns: int, bins: int, servers: int, requests: list[int], open_connections: list[float]}
#                (flat, index bin * servers + server);
#   trace: dict[str, list]  (time_ns, connection, side, what, segment, rule, state_after, notice, error,
#                            fate, bytes);
#   ladders: list[{connection: int, left: str, right: str, text: str}];
#   partial: bool; time_reached_ns: int.
def run(
    scenario: dict[str, Any],
    trace_connections: int = 0,
    max_memory_bytes: int = 0,
    max_events: int = 0,
    wall_time_limit_s: float = 0.0,
) -> dict[str, Any]: ...
def run_checked(
    scenario: CheckedScenario,
    trace_connections: int = 0,
    max_memory_bytes: int = 0,
    max_events: int = 0,
    wall_time_limit_s: float = 0.0,
) -> dict[str, Any]: ...
def check_resources(
    scenario: dict[str, Any], max_memory_bytes: int = 0, max_events: int = 0, trace_connections: int = 0
) -> None: ...

# {memory_bytes, events, requests, events_per_request: float,
#  terms: list[{path: str, what: str, count: float, unit_bytes: float, bytes: float}]}
def estimate_resources(scenario: dict[str, Any], trace_connections: int = 0) -> dict[str, Any]: ...
def analytic_stale_reuse(
    reuse_rate: float,
    proxy_timeout: str | float | None,
    one_way_delay: str | float | None,
    processing_time: str | float | None,
    idle_evict: str | float | None,
    evict_interval: str | float | None,
    validate_after_inactivity: str | float | None,
    response_time: str | float | None,
) -> dict[str, float]: ...
def analytic_server_connections_per_request(
    weights: list[float], prefer_last_server: bool, client_connections_per_request: float
) -> float: ...
def analytic_restarted_share_roundrobin(
    t_seconds: float,
    servers: int,
    connections: float,
    closures_per_second: float,
    min_lifetime: str | float | None = 0.0,
) -> float: ...
def analytic_restarted_share_leastconn(
    t_seconds: float,
    servers: int,
    connections: float,
    closures_per_second: float,
    min_lifetime: str | float | None = 0.0,
) -> float: ...
def analytic_purge_periods_until_close(est_need_at_start: int = 0) -> int: ...

# teardown/proxy_rules.hpp: the release table, and a scenario's proxy resolved against it.
def proxy_versions() -> list[dict[str, Any]]: ...
def resolve_proxy(scenario: CheckedScenario) -> dict[str, Any]: ...

# teardown/presets.hpp: client-library and server presets, each value with its source.
def presets() -> list[dict[str, Any]]: ...

class CheckedScenario:
    """A scenario the core has read and checked (opaque; teardown.Scenario holds one)."""

def check_scenario(data: dict[str, Any]) -> tuple[CheckedScenario, dict[str, Any]]: ...
def load_checked(path: str) -> tuple[CheckedScenario, dict[str, Any]]: ...
def config_warnings(checked: CheckedScenario) -> list[str]: ...
