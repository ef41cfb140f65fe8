// Simulated time: a signed 64-bit count of nanoseconds since the start of a run.
// Not wall-clock time, and never floating point: a run is exact and repeatable.
// Conversions to and from text ("250us", "60s", "10m") happen only at the edges.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace teardown {

using Time = std::int64_t;

inline constexpr Time kNanosecond = 1;
inline constexpr Time kMicrosecond = 1'000;
inline constexpr Time kMillisecond = 1'000'000;
inline constexpr Time kSecond = 1'000'000'000;
inline constexpr Time kMinute = 60 * kSecond;
inline constexpr Time kHour = 60 * kMinute;

// A duration that never elapses ("off" in a scenario).
inline constexpr Time kNever = std::numeric_limits<Time>::max();

namespace time_literals {
constexpr Time operator""_ns(unsigned long long v) { return static_cast<Time>(v); }
constexpr Time operator""_us(unsigned long long v) { return static_cast<Time>(v) * kMicrosecond; }
constexpr Time operator""_ms(unsigned long long v) { return static_cast<Time>(v) * kMillisecond; }
constexpr Time operator""_s(unsigned long long v) { return static_cast<Time>(v) * kSecond; }
constexpr Time operator""_min(unsigned long long v) { return static_cast<Time>(v) * kMinute; }
constexpr Time operator""_h(unsigned long long v) { return static_cast<Time>(v) * kHour; }
}  // namespace time_literals

// The result of reading a duration from text: a value, or why the text is not one.
struct DurationParse {
  std::optional<Time> value;
  std::string error;  // empty when value is set
};

// Reads "250us", "1.5s", "10m", "2h", "0", a bare number (seconds) or "off" (kNever).
// Units: ns, us, ms, s, m, h. Negative values, unknown units and values that overflow
// int64 nanoseconds are errors. Fractions are rounded to the nearest nanosecond.
DurationParse parse_duration(std::string_view text);

// Shortest exact text for a duration: 250000 -> "250us", 90 s -> "90s", kNever -> "off".
std::string format_duration(Time t);

// Seconds as a double, for reporting rates only.
constexpr double to_seconds(Time t) { return static_cast<double>(t) / static_cast<double>(kSecond); }

}  // namespace teardown
