// Embedding teardown: load a scenario, change a setting, run, read the metrics.
//   embed SCENARIO.toml
#include <cstdio>

#include "teardown/teardown.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: embed SCENARIO.toml\n");
    return 2;
  }
  teardown::Scenario scenario;
  try {
    scenario = teardown::load_toml(argv[1]);
  } catch (const teardown::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  for (const bool evict : {false, true}) {
    // The clients' idle monitor just below the proxy's keep-alive timeout, or off.
    scenario.clients.pool.idle_evict = evict ? scenario.proxy.timeout.http_keep_alive / 2 : teardown::kNever;
    scenario.clients.pool.evict_interval = scenario.proxy.timeout.http_keep_alive / 10;
    const teardown::Result r = teardown::run(scenario);
    std::printf("idle_evict=%s failed=%.0f of %.0f backend.resets=%.0f\n",
                teardown::format_duration(scenario.clients.pool.idle_evict).c_str(),
                r.metrics.at(teardown::metric_names::kRequestsFailed),
                r.metrics.at(teardown::metric_names::kRequestsStarted),
                r.metrics.at(teardown::metric_names::kBackendResets));
  }
  return 0;
}
