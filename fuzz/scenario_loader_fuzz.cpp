// libFuzzer target: the scenario loader (TOML text -> checked Scenario), the one door through
// which untrusted text enters the C++ core. Built by scripts/fuzz with clang and
// -fsanitize=fuzzer,address,undefined over the config sources (and toml++ compiled in, so the
// parser is instrumented too).
//
// Properties, for any input:
//   - parse_toml returns a Scenario or throws ConfigError; nothing else escapes, nothing crashes;
//   - a ConfigError lists at least one issue, each with a message;
//   - an accepted Scenario validates clean, writes back to TOML that reads back equal
//     (parse_toml(to_toml(s)) == s), and has a finite, positive resource estimate.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "teardown/config.hpp"
#include "teardown/scenario.hpp"

namespace {

[[noreturn]] void fail(const char* why) {
  std::fprintf(stderr, "scenario_loader_fuzz: %s\n", why);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  teardown::Scenario scenario;
  try {
    scenario = teardown::parse_toml(text, "fuzz.toml");
  } catch (const teardown::ConfigError& error) {
    if (error.issues.empty()) fail("a ConfigError without issues");
    for (const auto& issue : error.issues) {
      if (issue.message.empty()) fail("an issue without a message");
    }
    return 0;
  }
  if (!teardown::validate(scenario).empty()) fail("parse_toml accepted a scenario that validate() refuses");
  const std::string written = teardown::to_toml(scenario);
  try {
    if (!(teardown::parse_toml(written, "written.toml") == scenario)) fail("to_toml did not round-trip");
  } catch (const teardown::ConfigError&) {
    fail("to_toml wrote text that parse_toml refuses");
  }
  const teardown::ResourceEstimate estimate = teardown::estimate_resources(scenario);
  if (!(std::isfinite(estimate.memory_bytes) && estimate.memory_bytes > 0 && std::isfinite(estimate.events) &&
        estimate.events >= 0)) {
    fail("a resource estimate that is not a finite, positive number");
  }
  return 0;
}
