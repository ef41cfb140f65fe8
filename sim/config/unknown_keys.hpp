// Explaining an unknown key: the likely typo among its siblings, or the same key in another table.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace teardown::unknown_keys {

// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours.
std::size_t edit_distance(std::string_view a, std::string_view b);

// "unknown key; did you mean 'proxy.timeout'?" for `key` in the table at `table_path`
// ("" for the top level) whose valid keys are `siblings`.
std::string message(std::string_view table_path, std::string_view key, const std::vector<std::string>& siblings);

}  // namespace teardown::unknown_keys
