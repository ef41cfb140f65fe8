#include "config/toml_values.hpp"

#include <charconv>
#include <cmath>

namespace teardown::toml_values {
namespace {

constexpr const char* kDurationExamples = "write e.g. \"250us\", \"60s\", \"10m\", a number of seconds, or \"off\"";

template <typename T>
Read<T> fail(std::string error) {
  return {std::nullopt, std::move(error)};
}

// parse_duration says "expected ..., got 'x': why"; keep only the why.
std::string duration_reason(const std::string& error, std::string_view text) {
  const std::string got = "got '" + std::string(text) + "'";
  const std::size_t at = error.find(got);
  if (at == std::string::npos) return error;
  std::string why = error.substr(at + got.size());
  if (why.starts_with(": ")) why.erase(0, 2);
  return why;
}

}  // namespace

std::string describe_node(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "the string '" + *node.value<std::string>() + "'";
    case toml::node_type::integer:
      return "the integer " + std::to_string(*node.value<std::int64_t>());
    case toml::node_type::floating_point:
      return "the float " + float_text(*node.value<double>());
    case toml::node_type::boolean:
      return *node.value<bool>() ? "the boolean true" : "the boolean false";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time of day";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string float_text(double v) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  std::string text(buffer, ec == std::errc() ? end : buffer);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // "n": inf and nan are floats already
  return text;
}

std::string source_of(const toml::node& node) {
  const toml::source_region& src = node.source();
  if (src.begin.line == 0) return {};
  const std::string file = src.path && !src.path->empty() ? *src.path : "<string>";
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

Read<Time> duration_from(const toml::node& node) {
  if (const auto* text = node.as_string()) {
    const std::string& s = text->get();
    DurationParse parsed = parse_duration(s);
    if (parsed.value) return {parsed.value, {}};
    const std::string why = duration_reason(parsed.error, s);
    return fail<Time>("expected a duration, got '" + s + "'" + (why.empty() ? "" : " (" + why + ")") + "; " +
                      kDurationExamples);
  }
  if (const auto* whole = node.as_integer()) {
    const std::int64_t seconds = whole->get();
    const std::string got = "expected a duration, got " + describe_node(node);
    if (seconds < 0) return fail<Time>(got + " (durations cannot be negative)");
    if (seconds >= kNever / kSecond) return fail<Time>(got + " (too large)");
    return {seconds * kSecond, {}};
  }
  if (const auto* real = node.as_floating_point()) {
    const double seconds = real->get();
    const double ns = seconds * static_cast<double>(kSecond);
    if (!std::isfinite(seconds) || seconds < 0 || !(ns < static_cast<double>(kNever))) {
      return fail<Time>("expected a duration, got " + describe_node(node) +
                        " (a bare number is seconds and must be finite and not negative)");
    }
    return {static_cast<Time>(std::llround(ns)), {}};
  }
  return fail<Time>("expected a duration, got " + describe_node(node) + "; " + kDurationExamples);
}

Read<std::int64_t> integer_from(const toml::node& node) {
  if (const auto* whole = node.as_integer()) return {whole->get(), {}};
  return fail<std::int64_t>("expected an integer, got " + describe_node(node));
}

Read<double> number_from(const toml::node& node) {
  if (const auto* real = node.as_floating_point()) return {real->get(), {}};
  if (const auto* whole = node.as_integer()) return {static_cast<double>(whole->get()), {}};
  return fail<double>("expected a number, got " + describe_node(node));
}

Read<bool> boolean_from(const toml::node& node) {
  if (const auto* flag = node.as_boolean()) return {flag->get(), {}};
  return fail<bool>("expected true or false, got " + describe_node(node));
}

Read<std::string> string_from(const toml::node& node) {
  if (const auto* text = node.as_string()) return {text->get(), {}};
  return fail<std::string>("expected a string, got " + describe_node(node));
}

}  // namespace teardown::toml_values
