// Running a scenario: the one entry point from a validated Scenario to a Result, and what a
// run will roughly cost before it starts (the resource guard's estimate).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// What a scenario will roughly cost (memory, events), for refusing one that would swap or be
// killed before it starts. A sum of a few terms, each a count times a calibrated cost (bytes
// measured as peak RSS of teardown-run, events counted by the engine; docs/robustness.md has
// the figures): the right order of magnitude, within a factor of about 2, not the exact footprint.
struct ResourceEstimate {
  // One contribution: `count` things of `unit_bytes` each, set by the key `path`.
  struct Term {
    std::string path;   // the scenario key that drives it, e.g. "clients.long_lived.count"
    std::string what;   // "long-lived connections"
    double count = 0;
    double unit_bytes = 0;
    double bytes() const { return count * unit_bytes; }
  };
  double memory_bytes = 0;     // all terms plus a fixed base
  double events = 0;           // engine events of the whole run, warm-up included
  double requests = 0;         // requests started over the whole run
  double events_per_request = 0;
  std::vector<Term> terms;     // largest first
};

// The estimate for a valid scenario (validate(scenario) empty).
ResourceEstimate estimate_resources(const Scenario& scenario, const RunOptions& options = {});

// Throws ConfigError, naming the estimate and the key that dominates it, when the estimate is
// above options.max_memory_bytes or options.max_events (0 = no limit): what run() does first.
void check_resources(const Scenario& scenario, const RunOptions& options);

}  // namespace teardown
