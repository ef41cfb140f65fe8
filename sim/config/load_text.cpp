// The text edge of config: a file or a string in, a checked Scenario or one ConfigError out.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/scenario_toml.hpp"

namespace teardown {

Scenario parse_toml(std::string_view text, std::string_view source_name) {
  toml::table table;
  try {
    table = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    const toml::source_position& at = error.source().begin;
    const std::string where =
        std::string(source_name) + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    throw ConfigError({{"", "TOML syntax error: " + std::string(error.description()), where}});
  }
  return scenario_from_table(table, source_name);
}

Scenario load_toml(const std::string& path) {
  // A directory opens as a stream that reads nothing, which would pass for an empty scenario.
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    throw ConfigError({{"", "cannot read scenario file: it is a directory", path}});
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw ConfigError({{"", "cannot read scenario file: " + std::string(std::strerror(errno)), path}});
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw ConfigError({{"", "cannot read scenario file: " + std::string(std::strerror(errno)), path}});
  return parse_toml(text.str(), path);
}

}  // namespace teardown
