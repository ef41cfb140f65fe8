// The text edge of config: a file or a string in, a checked Scenario or one ConfigError out.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "teardown/scenario_toml.hpp"

namespace teardown {

namespace {

// What toml++ says of a value it rejected, in the words of the other issues: "Error while
// parsing floating-point: '1e400' could not be interpreted as a value" is a number out of range
// (its syntax was checked before: only the conversion failed).
std::string parse_error_message(std::string_view description) {
  constexpr std::string_view kPrefix = "Error while parsing ";
  const std::string_view what = description.starts_with(kPrefix) ? description.substr(kPrefix.size()) : description;
  const std::size_t colon = what.find(": ");
  const std::string_view kind = what.substr(0, colon);
  const std::string_view detail = colon == std::string_view::npos ? "" : what.substr(colon + 2);
  const std::string_view token = detail.substr(0, detail.find(' '));  // "'1e400'"
  const bool unconverted =
      detail.ends_with("could not be interpreted as a value") || detail.ends_with("is not representable in 64 bits");
  if (kind == "floating-point" && unconverted) {
    return "number out of range: " + std::string(token) + " does not fit in a 64-bit float";
  }
  if (kind.ends_with("integer") && unconverted) {
    return "number out of range: " + std::string(token) +
           " does not fit in a 64-bit integer (-9223372036854775808 to 9223372036854775807)";
  }
  if (kind == "date" || kind == "time" || kind == "date-time") {
    return "bad " + std::string(kind) + ": " + std::string(detail);
  }
  return "TOML syntax error: " + std::string(description);
}

}  // namespace

Scenario parse_toml(std::string_view text, std::string_view source_name) {
  toml::table table;
  try {
    table = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    const toml::source_position& at = error.source().begin;
    const auto where = [&](int line, int column) {
      return std::string(source_name) + ":" + std::to_string(line) + ":" + std::to_string(column);
    };
    const std::string message = parse_error_message(error.description());
    // In a value: name its key, and point at the value rather than where the parser stopped.
    if (const std::optional<TomlValuePlace> value = toml_value_at(text, static_cast<int>(at.line),
                                                                  static_cast<int>(at.column))) {
      throw ConfigError({{value->path, message, where(value->line, value->column)}});
    }
    throw ConfigError({{"", message, where(static_cast<int>(at.line), static_cast<int>(at.column))}});
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
