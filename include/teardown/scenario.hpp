// Running a scenario: the one entry point from a validated Scenario to a Result.
#pragma once

#include <string>

#include "teardown/config.hpp"
#include "teardown/result.hpp"

namespace teardown {

// What to record besides the metrics.
struct RunOptions {
  // Record the segments of the first `trace_connections` client-side connections and of
  // the server-side connections they lead to (0 = no trace).
  int trace_connections = 0;
};

// Runs the scenario. REQUIRES: validate(scenario) is empty (load_toml and parse_toml
// guarantee it); otherwise throws ConfigError with the issues.
Result run(const Scenario& scenario, const RunOptions& options = {});

}  // namespace teardown
