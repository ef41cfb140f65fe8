#include <catch2/catch.hpp>

#include "teardown/time.hpp"

using namespace teardown;
using namespace teardown::time_literals;

TEST_CASE("durations parse with every unit, bare numbers as seconds and 'off' as never", "[time]") {
  CHECK(parse_duration("250us").value == 250_us);
  CHECK(parse_duration("60s").value == 60_s);
  CHECK(parse_duration("10m").value == 10_min);
  CHECK(parse_duration("2h").value == 2_h);
  CHECK(parse_duration("5ms").value == 5_ms);
  CHECK(parse_duration("7ns").value == 7);
  CHECK(parse_duration("1.5s").value == 1500_ms);
  CHECK(parse_duration("0.25ms").value == 250_us);
  CHECK(parse_duration("3").value == 3_s);
  CHECK(parse_duration("0").value == 0);
  CHECK(parse_duration(" 12 s ").value == 12_s);
  CHECK(parse_duration("off").value == kNever);
}

TEST_CASE("bad durations are refused with the reason", "[time]") {
  for (const char* bad : {"", "ten", "-5s", "5 parsecs", "1.2.3s", "s", "99999999999999999999h", "9999999999h"}) {
    INFO(bad);
    const DurationParse p = parse_duration(bad);
    CHECK_FALSE(p.value.has_value());
    CHECK(p.error.find("expected a duration") != std::string::npos);
  }
  CHECK(parse_duration("5 parsecs").error.find("unknown unit 'parsecs'") != std::string::npos);
  CHECK(parse_duration("-5s").error.find("negative") != std::string::npos);
}

TEST_CASE("durations format in the largest exact unit and round-trip", "[time]") {
  CHECK(format_duration(250_us) == "250us");
  CHECK(format_duration(90_s) == "90s");
  CHECK(format_duration(10_min) == "10m");
  CHECK(format_duration(2_h) == "2h");
  CHECK(format_duration(1500_ms) == "1500ms");
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(kNever) == "off");
  for (Time t : {Time{1}, 999_ns, 1_us, 123_ms, 61_s, 3_h, kNever}) {
    CHECK(parse_duration(format_duration(t)).value == t);
  }
}
