// Running a scenario: the one entry point from a validated Scenario to a Result.
#pragma once

#include <cstdint>
#include <string>

#include "teardown/config.hpp"
#include "teardown/result.hpp"

namespace teardown {

// What to record besides the metrics.
struct RunOptions {
  // Record the segments of the first `trace_connections` client-side connections and of
  // the server-side connections they lead to (0 = no trace).
  int trace_connections = 0;

  // The resource guard (0 = no limit). A scenario whose estimated memory or event count is
  // above these is refused before anything runs: run() throws ConfigError naming the estimate
  // and the key that drives it. The estimate is rough (within about a factor of 2); see
  // docs/robustness.md.
  std::uint64_t max_memory_bytes = 0;
  std::uint64_t max_events = 0;

  // A wall-clock bound in seconds (0 = none). The run stops cleanly soon after it (the clock is
  // read between slices of simulated time, not per event) and returns a Result with
  // partial = true whose metrics cover the simulated time reached (Result::time_reached).
  double wall_time_limit_s = 0;
};

// Runs the scenario. REQUIRES: validate(scenario) is empty (load_toml and parse_toml
// guarantee it); otherwise throws ConfigError with the issues. Also throws ConfigError when
// the scenario is above a limit of `options`.
Result run(const Scenario& scenario, const RunOptions& options = {});

}  // namespace teardown
