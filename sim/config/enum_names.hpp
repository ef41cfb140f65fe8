// The TOML spelling of every enumerated scenario value, in the order the documentation lists them.
// Private to config/: readers list these in error messages, writers spell values with them.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "teardown/config.hpp"

namespace teardown::config_names {

template <typename E>
struct NamedValue {
  E value;
  std::string_view name;
};

// Every value of E with its name; specialised for each scenario enum in enum_names.cpp.
template <typename E>
std::span<const NamedValue<E>> named_values();

// "\"poisson\", \"onoff\", \"closed\"": the valid names of E, for messages.
template <typename E>
std::string quoted_names() {
  std::string out;
  for (const NamedValue<E>& nv : named_values<E>()) {
    if (!out.empty()) out += ", ";
    out += '"';
    out += nv.name;
    out += '"';
  }
  return out;
}

// "forever", "close-after-response" or the idle timeout ("5s"): the TOML value of a policy.
std::string keep_alive_text(const KeepAlivePolicy& policy);

}  // namespace teardown::config_names
