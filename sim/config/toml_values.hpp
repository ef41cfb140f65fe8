// Reading one scenario value out of one TOML node: a value, or why the node is not one.
// Knows TOML types and scenario value kinds; knows nothing of keys or of which field is read.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <toml++/toml.h>

#include "teardown/time.hpp"

namespace teardown::toml_values {

template <typename T>
struct Read {
  std::optional<T> value;
  std::string error;  // empty when value is set
};

// "the string 'ten'", "the integer 3", "a table": what a node is, for messages.
std::string describe_node(const toml::node& node);

// Shortest TOML float text that reads back as exactly v: "1000.0", "0.25", "1e+300", "inf", "nan".
std::string float_text(double v);

// "file:line:col" where the node was read, or empty for nodes built in code (Python dicts).
std::string source_of(const toml::node& node);

// A duration: a string parse_duration accepts, or a bare number of seconds.
Read<Time> duration_from(const toml::node& node);

Read<std::int64_t> integer_from(const toml::node& node);

// A float; an integer is accepted where a float is expected.
Read<double> number_from(const toml::node& node);

Read<bool> boolean_from(const toml::node& node);

Read<std::string> string_from(const toml::node& node);

}  // namespace teardown::toml_values
