// Loading the example scenarios and checking the conservation laws on every run.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "teardown/teardown.hpp"

namespace teardown::test {

inline Scenario example(const std::string& name) {
  return load_toml(std::string(TEARDOWN_SOURCE_DIR) + "/examples/scenarios/" + name + ".toml");
}

inline double metric(const Result& r, const char* name) {
  const auto it = r.metrics.find(name);
  REQUIRE(it != r.metrics.end());
  return it->second;
}

// The invariants of docs/metrics.md: requests started = completed + failed + in flight; connections
// opened = closed + open; every RST sent is received, dropped, or in flight.
inline void check_conservation(const Result& r) {
  const Invariants& i = r.invariants;
  CHECK(i.requests_started == i.requests_completed + i.requests_failed + i.requests_in_flight);
  CHECK(i.connections_opened == i.connections_closed + i.connections_open);
  CHECK(i.rst_sent == i.rst_arrived + i.rst_in_flight);
  CHECK(i.requests_started > 0);
}

inline Result run_checked(const Scenario& s) {
  Result r = run(s);
  check_conservation(r);
  return r;
}

}  // namespace teardown::test
