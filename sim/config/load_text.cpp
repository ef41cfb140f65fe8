// The text edge of config: a file or a string in, a checked Scenario or one ConfigError out.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "teardown/scenario_toml.hpp"

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

namespace {

// True when the text has no key and no table: only blanks and comments.
bool holds_nothing(std::string_view text) {
  bool comment = false;
  for (char c : text) {
    if (c == '\n') {
      comment = false;
    } else if (c == '#') {
      comment = true;
    } else if (!comment && c != ' ' && c != '\t' && c != '\r') {
      return false;
    }
  }
  return true;
}

}  // namespace

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
  // An empty file is more likely a mistake (a truncated copy, the wrong file) than a request for
  // the default scenario, which is written "[sim]".
  if (holds_nothing(text.view())) {
    throw ConfigError({{"", "the scenario file is empty (no key, no table); write at least one table, e.g. [sim] "
                            "for the default scenario",
                        path}});
  }
  return parse_toml(text.str(), path);
}

}  // namespace teardown
