// Every example scenario, shortened, runs to the end with the conservation laws holding; and a
// few edge cases of the scenario space ("off" everywhere it is allowed, the largest durations,
// the smallest sizes) do too. Under the asan preset these are real runs under AddressSanitizer
// and UndefinedBehaviorSanitizer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "models/scenario_runs.hpp"
#include "teardown/teardown.hpp"

using namespace teardown;
using namespace teardown::time_literals;

namespace {

// The scenario cut to at most 5 s of warm-up and 20 s measured, kept long enough for its
// backend events (and a restart's downtime) to happen.
Scenario shortened(Scenario s) {
  s.sim.warmup = std::min<Time>(s.sim.warmup, 5_s);
  Time needed = 20_s;
  for (const BackendEvent& e : s.backends.events) {
    const Time back = e.at + (e.action == EventAction::Restart ? e.downtime : 0) + 10_s;
    needed = std::max(needed, back - s.sim.warmup);
  }
  s.sim.duration = std::min(s.sim.duration, needed);
  if (s.sim.warmup > s.sim.duration) s.sim.warmup = s.sim.duration;
  std::erase_if(s.backends.events, [&](const BackendEvent& e) { return e.at > s.sim.warmup + s.sim.duration; });
  return s;
}

std::vector<std::filesystem::path> example_files() {
  std::vector<std::filesystem::path> files;
  const std::string folder = std::string(TEARDOWN_SOURCE_DIR) + "/examples/scenarios";
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("every example scenario runs, shortened, and conserves requests, connections and RSTs",
          "[scenario][examples]") {
  const auto files = example_files();
  REQUIRE(files.size() >= 7);
  for (const auto& file : files) {
    INFO(file.filename().string());
    const Scenario s = shortened(load_toml(file.string()));
    REQUIRE(validate(s).empty());
    const Result r = test::run_checked(s);
    CHECK_FALSE(r.partial);
    CHECK(r.time_reached == s.sim.warmup + s.sim.duration);
    CHECK(r.events > 0);
    for (const auto& [name, value] : r.metrics) {
      INFO(name);
      CHECK_FALSE(std::isnan(value));
    }
  }
}

TEST_CASE("edge cases of the scenario space run to the end", "[scenario][examples]") {
  const char* const kEdgeCases[] = {
      // "off" wherever it is allowed.
      R"(sim.duration = "10s"
sim.warmup = "1s"
sim.time_wait = "off"
proxy.pool_purge_delay = "off"
clients.pool.idle_evict = "off"
clients.pool.validate_after_inactivity = "off"
clients.pool.max_lifetime = "off"
proxy.timeout.client = "off"
proxy.timeout.server = "off"
proxy.timeout.connect = "off"
proxy.timeout.http_request = "off"
proxy.timeout.http_keep_alive = "off"
proxy.timeout.tunnel = "off"
proxy.timeout.client_fin = "off"
proxy.timeout.server_fin = "off"
proxy.timeout.queue = "off"
backends.slowstart = "off")",
      R"(sim.duration = "10s"
sim.warmup = "1s"
sim.time_wait = "off"
proxy.mode = "httpclose"
proxy.pool_purge_delay = "off")",
      R"(sim.duration = "10s"
sim.warmup = "1s"
proxy.version = "1.5"
proxy.mode = "http-server-close"
proxy.timeout.client = "off"
proxy.timeout.server = "off"
clients.pool.idle_evict = "300ms"
clients.pool.evict_interval = "100ms")",
      // The longest durations allowed.
      R"(sim.duration = "87600h"
sim.warmup = "87600h"
sim.timeseries_bin = "87600h"
sim.time_wait = "87600h"
clients.arrival.rate = 1e-8
clients.pool.idle_evict = "87600h"
clients.pool.evict_interval = "87600h"
clients.pool.max_lifetime = "87600h"
clients.pool.validate_after_inactivity = "87600h"
proxy.pool_purge_delay = "87600h"
proxy.timeout.client = "87600h"
proxy.timeout.server = "87600h"
proxy.timeout.connect = "87600h"
proxy.timeout.http_request = "87600h"
proxy.timeout.http_keep_alive = "87600h"
proxy.timeout.tunnel = "87600h"
proxy.timeout.client_fin = "87600h"
proxy.timeout.server_fin = "87600h"
proxy.timeout.queue = "87600h"
backends.slowstart = "87600h"
backends.close_delay = "87600h"
backends.health_check.interval = "87600h"
backends.service_time.mean = "87600h"
network.client_proxy_delay = "87600h"
network.proxy_backend_delay = "87600h"
network.jitter = "87600h"
[[backends.events]]
at = "87600h"
downtime = "87600h")",
      R"(sim.duration = "87600h"
sim.warmup = "0s"
sim.timeseries_bin = "87600h"
clients.arrival.rate = 1e-6
proxy.timeout.client = "87600h"
proxy.timeout.server = "87600h"
proxy.timeout.http_keep_alive = "87600h"
backends.keep_alive = "87600h"
backends.health_check.interval = "87600h"
[[backends.events]]
at = "87600h"
downtime = "87600h")",
      // The smallest values.
      R"(sim.duration = "1ns"
sim.warmup = "0s"
sim.timeseries_bin = "1ns"
sim.time_wait = "0s"
network.client_proxy_delay = "0s"
network.proxy_backend_delay = "0s"
clients.count = 1
clients.request_size = 1
clients.response_size = 1
clients.pool.max_size = 1
clients.pool.evict_interval = "1ns"
clients.pool.idle_evict = "1ns"
clients.pool.max_lifetime = "1ns"
clients.pool.validate_after_inactivity = "0s"
backends.servers = 1
backends.workers = 1
backends.close_delay = "0s"
backends.keep_alive = "1ns"
backends.service_time.dist = "constant"
backends.service_time.mean = "1ns"
proxy.processing_time = "0s"
proxy.maxconn = 1
proxy.retries = 0)",
      R"(sim.duration = "2s"
sim.warmup = "0s"
sim.time_wait = "0s"
network.client_proxy_delay = "0s"
network.proxy_backend_delay = "0s"
clients.count = 3
clients.retries = 5
clients.pool.max_size = 1
clients.pool.idle_evict = "1us"
clients.pool.evict_interval = "1us"
backends.servers = 1
backends.workers = 1
backends.keep_alive = "1us"
backends.service_time.dist = "constant"
backends.service_time.mean = "1us"
proxy.processing_time = "0s"
proxy.timeout.client = "1ns"
proxy.timeout.server = "1ns"
proxy.timeout.connect = "1ns")",
      // Overload, queues and limits.
      R"(sim.duration = "2s"
sim.warmup = "0s"
clients.arrival.kind = "closed"
clients.arrival.think_time = "0s"
clients.arrival.concurrency = 50
clients.pool.max_size = 1
backends.servers = 1
backends.workers = 1
backends.maxconn = 1
proxy.timeout.queue = "1ms")",
      R"(sim.duration = "2s"
sim.warmup = "0s"
clients.arrival.rate = 50000.0
proxy.maxconn = 5
backends.servers = 2
backends.workers = 1
backends.maxconn = 1)",
      // Versions, on/off arrivals, weights, every event action.
      R"(sim.duration = "5s"
sim.warmup = "1s"
clients.arrival.kind = "onoff"
clients.arrival.on = "1ms"
clients.arrival.off = "1ms"
clients.arrival.rate = 100.0
proxy.version = "1.4"
proxy.mode = "preset"
proxy.balance = "source"
proxy.retry_on = []
backends.servers = 2
backends.weights = [256, 1]
backends.keep_alive = "close-after-response"
backends.service_time.dist = "lognormal"
backends.service_time.sigma = 0.0
[[backends.events]]
at = "0s"
action = "down"
[[backends.events]]
at = "1s"
action = "up"
[[backends.events]]
at = "1s"
server = 1
downtime = "0s")",
      R"(sim.duration = "5s"
sim.warmup = "1s"
clients.long_lived.count = 50
clients.long_lived.rate = 20.0
proxy.version = "2.0"
proxy.mode = "http-tunnel"
proxy.balance = "random"
proxy.random_draws = 1000
proxy.retry_on = ["conn-failure", "empty-response", "response-timeout"]
proxy.retries = 255
proxy.http_reuse = "always"
proxy.nolinger = true
proxy.abortonclose = true
proxy.redispatch = true
proxy.prefer_last_server = true
proxy.close.client_idle = "rst"
proxy.close.server_end = "rst"
proxy.close.server_switch = "fin"
proxy.close.server_purge = "linger-risk"
backends.servers = 4
backends.slowstart = "2s"
[[backends.events]]
at = "2s"
server = 3)",
  };
  for (const char* text : kEdgeCases) {
    INFO(text);
    const Scenario s = parse_toml(text);
    const Result r = run(s);
    const Invariants& i = r.invariants;
    CHECK(i.requests_started == i.requests_completed + i.requests_failed + i.requests_in_flight);
    CHECK(i.connections_opened == i.connections_closed + i.connections_open);
    CHECK(i.rst_sent == i.rst_arrived + i.rst_in_flight);
    CHECK(r.time_reached == s.sim.warmup + s.sim.duration);
  }
}
