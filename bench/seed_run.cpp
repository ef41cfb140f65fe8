// One timed run of a scenario, for the seed and scaling benchmarks: wall time, simulated
// requests and events per wall second, peak RSS, and the connections open at the end.
// Overrides let scripts/bench derive the scaling table's rows from one file.
//
// usage: bench_seed SCENARIO.toml [--duration D] [--warmup D] [--rate R] [--long-lived N]
//                   [--long-lived-rate R] [--servers N] [--workers N] [--keep-alive D] [--balance NAME]
//                   [--label TEXT]
// Prints one JSON object per run on one line, with the resource guard's estimate
// (estimate_resources) of the run's memory and events beside the measured ones. Runs under
// the guard's default memory limit (80% of physical memory), as `teardown run` does.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "teardown/teardown.hpp"

namespace {

teardown::Time duration_arg(const char* text) {
  const auto d = teardown::parse_duration(text);
  if (!d.value) {
    std::fprintf(stderr, "bench_seed: bad duration '%s': %s\n", text, d.error.c_str());
    std::exit(2);
  }
  return *d.value;
}

// The default memory limit of `teardown run` and td.run: 80% of the physical memory.
std::uint64_t default_memory_limit() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(0.8 * static_cast<double>(pages) * page) : 0;
}

// This process's own peak RSS: VmHWM, the high-water mark of its address space. Not
// getrusage's ru_maxrss, which Linux carries across exec: run from Python's subprocess, it
// starts at the forked Python's RSS (about 15 MiB), and a smaller run reports that instead.
// CPU seconds this process has used: on a shared machine, steadier than wall time.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

long peak_rss_bytes() {
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    long kib = -1;
    while (std::fgets(line, sizeof line, f)) {
      if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    }
    std::fclose(f);
    if (kib >= 0) return kib * 1024L;
  }
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss * 1024L;  // Linux reports kilobytes
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_seed SCENARIO.toml [--duration D] [--warmup D] [--rate R] [--long-lived N]\n"
                         "       [--long-lived-rate R] [--servers N] [--workers N] [--keep-alive D] [--balance NAME]\n"
                         "       [--label TEXT]\n");
    return 2;
  }
  teardown::Scenario s = teardown::load_toml(argv[1]);
  std::string label = "seed";
  for (int i = 2; i + 1 < argc; i += 2) {
    const char* key = argv[i];
    const char* val = argv[i + 1];
    if (!std::strcmp(key, "--duration")) {
      s.sim.duration = duration_arg(val);
    } else if (!std::strcmp(key, "--warmup")) {
      s.sim.warmup = duration_arg(val);
    } else if (!std::strcmp(key, "--rate")) {
      s.clients.arrival.rate = std::atof(val);
    } else if (!std::strcmp(key, "--long-lived")) {
      s.clients.long_lived.count = std::atoi(val);
    } else if (!std::strcmp(key, "--long-lived-rate")) {
      s.clients.long_lived.rate = std::atof(val);
    } else if (!std::strcmp(key, "--servers")) {
      s.backends.servers = std::atoi(val);
    } else if (!std::strcmp(key, "--workers")) {
      s.backends.workers = std::atoi(val);
    } else if (!std::strcmp(key, "--keep-alive")) {
      // Long-lived connections stay open only if no idle timeout closes them first.
      s.proxy.timeout.http_keep_alive = duration_arg(val);
      s.proxy.timeout.client = duration_arg(val);
    } else if (!std::strcmp(key, "--balance")) {
      const auto balance = teardown::from_string<teardown::Balance>(val);
      if (!balance) {
        std::fprintf(stderr, "bench_seed: unknown balance '%s'\n", val);
        return 2;
      }
      s.proxy.balance = *balance;
    } else if (!std::strcmp(key, "--label")) {
      label = val;
    } else {
      std::fprintf(stderr, "bench_seed: unknown argument '%s'\n", key);
      return 2;
    }
  }
  if (s.proxy.maxconn < s.clients.long_lived.count + s.clients.count * s.clients.pool.max_size) {
    s.proxy.maxconn = s.clients.long_lived.count + s.clients.count * s.clients.pool.max_size;
  }
  // Run under the guard users get by default (a run it refuses fails here as it would there),
  // and report its estimate beside the measured peak.
  teardown::RunOptions options;
  options.max_memory_bytes = default_memory_limit();
  const teardown::ResourceEstimate estimate = teardown::estimate_resources(s, options);
  const double cpu_before = cpu_seconds();
  const teardown::Result r = teardown::run(s, options);
  const double cpu_s = cpu_seconds() - cpu_before;
  const auto& inv = r.invariants;
  const double requests = static_cast<double>(inv.requests_started);
  const double events = static_cast<double>(r.events);
  std::printf(
      "{\"label\": \"%s\", \"sim_s\": %.3f, \"wall_s\": %.4f, \"cpu_s\": %.4f, \"sim_requests\": %.0f, \"sim_requests_per_s\": %.0f, "
      "\"events\": %.0f, \"events_per_s\": %.0f, \"events_per_request\": %.3f, \"ns_per_request\": %.1f, "
      "\"peak_rss_bytes\": %ld, \"estimated_memory_bytes\": %.0f, \"estimated_events\": %.0f, "
      "\"memory_limit_bytes\": %llu, \"connections\": %llu, "
      "\"completed\": %llu, \"failed\": %llu, \"rst_sent\": %llu}\n",
      label.c_str(), teardown::to_seconds(s.sim.warmup + s.sim.duration), r.wall_seconds, cpu_s, requests,
      requests / r.wall_seconds, events, events / r.wall_seconds, events / requests, 1e9 * r.wall_seconds / requests,
      peak_rss_bytes(), estimate.memory_bytes, estimate.events,
      static_cast<unsigned long long>(options.max_memory_bytes), static_cast<unsigned long long>(inv.connections_open),
      static_cast<unsigned long long>(inv.requests_completed), static_cast<unsigned long long>(inv.requests_failed),
      static_cast<unsigned long long>(inv.rst_sent));
  return 0;
}
