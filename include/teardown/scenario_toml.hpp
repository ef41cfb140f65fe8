// The scenario as a toml::table, for callers that already hold one: the TOML text readers, the
// Python bindings (dicts are turned into tables), an embedder whose scenario sits inside its own
// TOML. The one public header that needs toml++ (link tomlplusplus::tomlplusplus too):
// teardown.hpp leaves it out, so the rest of the API does not.
#pragma once

#include <string_view>

#include <toml++/toml.h>

#include "teardown/config.hpp"

namespace teardown {

// Reads and validates a scenario. Throws ConfigError listing every issue. Issues about a value
// carry the node's file:line:col when it has one, else `source_name` (pass "" for none).
Scenario scenario_from_table(const toml::table& table, std::string_view source_name);

// Every key of the scenario, defaults included; scenario_from_table gives `scenario` back.
toml::table scenario_to_table(const Scenario& scenario);

}  // namespace teardown
