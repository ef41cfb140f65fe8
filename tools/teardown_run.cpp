// teardown-run: runs a scenario file and prints its metrics and per-server table.
// usage: teardown-run SCENARIO.toml [--trace N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "teardown/teardown.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help")) {
    std::fprintf(stderr, "usage: teardown-run SCENARIO.toml [--trace N]\n");
    return argc < 2 ? 2 : 0;
  }
  teardown::RunOptions options;
  for (int i = 2; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--trace") && i + 1 < argc) {
      options.trace_connections = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "teardown-run: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  teardown::Scenario scenario;
  try {
    scenario = teardown::load_toml(argv[1]);
  } catch (const teardown::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  const teardown::Result r = teardown::run(scenario, options);
  for (const auto& w : r.warnings) std::fprintf(stderr, "warning: %s: %s\n", w.path.c_str(), w.message.c_str());
  for (const auto& [name, value] : r.metrics) std::printf("%-36s %14.6g\n", name.c_str(), value);
  std::printf("\n%6s %12s %12s %12s %10s %8s\n", "server", "requests", "conns", "mean_open", "resets", "share");
  for (const auto& row : r.per_server) {
    std::printf("%6d %12llu %12llu %12.2f %10llu %8.3f\n", row.server, static_cast<unsigned long long>(row.requests),
                static_cast<unsigned long long>(row.connections_opened), row.mean_open_connections,
                static_cast<unsigned long long>(row.resets_seen), row.request_share);
  }
  std::printf("\nevents %llu in %.2f s wall\n", static_cast<unsigned long long>(r.events), r.wall_seconds);
  const auto& inv = r.invariants;
  std::printf("invariants: started %llu = completed %llu + failed %llu + in flight %llu; rst sent %llu = arrived %llu + in flight %llu\n",
              (unsigned long long)inv.requests_started, (unsigned long long)inv.requests_completed,
              (unsigned long long)inv.requests_failed, (unsigned long long)inv.requests_in_flight,
              (unsigned long long)inv.rst_sent, (unsigned long long)inv.rst_arrived, (unsigned long long)inv.rst_in_flight);
  for (const auto& c : r.traced) {
    std::printf("\nconnection %u: %s -> %s\n%s", c.connection, c.left.c_str(), c.right.c_str(),
                teardown::format_ladder(r.trace, c.connection, c.left, c.right).c_str());
  }
  return 0;
}
