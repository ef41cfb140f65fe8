// The rows of the two preset tables (client_presets.cpp, server_presets.cpp) and the one place
// that turns a row into TOML, which read_table.cpp reads like any table of a scenario.
#pragma once

#include <span>

#include <toml++/toml.h>

#include "teardown/presets.hpp"

namespace teardown::preset_rows {

std::span<const Preset> clients();
std::span<const Preset> servers();

// The preset's values as a TOML table shaped like its scenario table ("pool.max_size = 5" is
// pool = {max_size = 5}).
toml::table values_table(const Preset& preset);

}  // namespace teardown::preset_rows
