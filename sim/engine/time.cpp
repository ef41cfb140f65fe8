#include "teardown/time.hpp"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace teardown {
namespace {

struct Unit {
  std::string_view name;
  Time scale;
};

// Longest names first is not needed: "ms" and "m" are told apart by exact match.
constexpr std::array<Unit, 6> kUnits{{{"ns", kNanosecond},
                                      {"us", kMicrosecond},
                                      {"ms", kMillisecond},
                                      {"s", kSecond},
                                      {"m", kMinute},
                                      {"h", kHour}}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

DurationParse fail(std::string_view text, std::string why) {
  return {std::nullopt, "expected a duration such as \"250us\", \"60s\", \"10m\" or \"off\", got '" +
                            std::string(text) + "'" + (why.empty() ? "" : ": " + why)};
}

}  // namespace

DurationParse parse_duration(std::string_view text) {
  const std::string_view s = trim(text);
  if (s == "off") return {kNever, {}};
  if (s.empty()) return fail(text, "empty");

  std::size_t i = 0;
  bool seen_digit = false;
  bool seen_dot = false;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
    if (s[i] == '.') {
      if (seen_dot) return fail(text, "two decimal points");
      seen_dot = true;
    } else {
      seen_digit = true;
    }
    ++i;
  }
  if (i < s.size() && s[0] == '-') return fail(text, "durations cannot be negative");
  if (!seen_digit) return fail(text, "no number");
  const std::string number(s.substr(0, i));
  const std::string_view unit_text = trim(s.substr(i));

  Time scale = kSecond;  // a bare number means seconds
  if (!unit_text.empty()) {
    bool found = false;
    for (const Unit& u : kUnits) {
      if (u.name == unit_text) {
        scale = u.scale;
        found = true;
      }
    }
    if (!found) return fail(text, "unknown unit '" + std::string(unit_text) + "' (use ns, us, ms, s, m or h)");
  }

  if (!seen_dot) {
    // Integer path: exact, with an overflow check.
    errno = 0;
    char* end = nullptr;
    const unsigned long long whole = std::strtoull(number.c_str(), &end, 10);
    if (errno == ERANGE || whole > static_cast<unsigned long long>(kNever / scale) ||
        static_cast<Time>(whole) * scale == kNever) {
      return fail(text, "too large");
    }
    return {static_cast<Time>(whole) * scale, {}};
  }
  const long double value = std::strtold(number.c_str(), nullptr) * static_cast<long double>(scale);
  if (!(value < static_cast<long double>(kNever))) return fail(text, "too large");
  return {static_cast<Time>(std::llround(value)), {}};
}

std::string format_duration(Time t) {
  if (t == kNever) return "off";
  if (t == std::numeric_limits<Time>::min()) return std::to_string(t) + "ns";  // -t would overflow
  if (t < 0) return "-" + format_duration(-t);
  if (t == 0) return "0s";
  // Largest unit that divides exactly; "m" and "h" only for whole minutes/hours.
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    if (t % it->scale == 0) return std::to_string(t / it->scale) + std::string(it->name);
  }
  return std::to_string(t) + "ns";
}

}  // namespace teardown
