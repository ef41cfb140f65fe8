// The documented defaults (docs/scenario.md): an empty scenario, and the specification's
// example scenario when the workspace has it beside the checkout.
#include <catch2/catch.hpp>

#include <filesystem>

#include "teardown/config.hpp"

using namespace teardown;
using namespace teardown::time_literals;

namespace {
const std::string kExampleFile = TEARDOWN_SOURCE_DIR "/../shared/scenario.example.toml";
}

TEST_CASE("an empty TOML document is the default scenario", "[config]") {
  const Scenario s = parse_toml("");
  CHECK(s == Scenario{});
  CHECK(validate(s).empty());
}

TEST_CASE("the default scenario has the documented values", "[config]") {
  const Scenario s;
  CHECK(s.sim.duration == 10_min);
  CHECK(s.sim.warmup == 1_min);
  CHECK(s.sim.seed == 1);
  CHECK(s.sim.timeseries_bin == 10_s);
  CHECK(s.sim.time_wait == 60_s);
  CHECK(s.network.client_proxy_delay == 250_us);
  CHECK(s.network.proxy_backend_delay == 100_us);
  CHECK(s.network.jitter == 0);
  CHECK(s.clients.count == 20);
  CHECK(s.clients.retries == 0);
  CHECK(s.clients.request_size == 512);
  CHECK(s.clients.response_size == 2048);
  CHECK(s.clients.arrival.kind == ArrivalKind::Poisson);
  CHECK(s.clients.arrival.rate == 1000.0);
  CHECK(s.clients.arrival.on == 5_s);
  CHECK(s.clients.arrival.off == 55_s);
  CHECK(s.clients.arrival.think_time == 1_s);
  CHECK(s.clients.arrival.concurrency == 1);
  CHECK(s.clients.pool.max_size == 10);
  CHECK(s.clients.pool.reuse == PoolReuse::Lifo);
  CHECK(s.clients.pool.idle_evict == kNever);
  CHECK(s.clients.pool.evict_interval == 5_s);
  CHECK(s.clients.pool.validate_after_inactivity == kNever);
  CHECK(s.clients.pool.max_lifetime == kNever);
  CHECK(s.clients.long_lived.count == 0);
  CHECK(s.clients.long_lived.rate == 100.0);
  CHECK(s.proxy.version == ProxyVersion::V2_6);
  CHECK(s.proxy.mode == ProxyMode::HttpKeepAlive);
  CHECK(s.proxy.balance == Balance::RoundRobin);
  CHECK(s.proxy.random_draws == 2);
  CHECK(s.proxy.random_seed == RandomSeed::Preset);
  CHECK_FALSE(s.proxy.prefer_last_server);
  CHECK_FALSE(s.proxy.pretend_keepalive);
  CHECK(s.proxy.http_reuse == HttpReuse::Preset);
  CHECK(s.proxy.pool_purge_delay == 5_s);
  CHECK_FALSE(s.proxy.nolinger);
  CHECK_FALSE(s.proxy.abortonclose);
  CHECK_FALSE(s.proxy.redispatch);
  CHECK(s.proxy.retries == 3);
  CHECK(s.proxy.retry_on == RetryOnSet{RetryOn::ConnFailure});
  CHECK(s.proxy.maxconn == 2000);
  CHECK(s.proxy.processing_time == 20_us);
  CHECK(s.proxy.timeout.client == 60_s);
  CHECK(s.proxy.timeout.server == 60_s);
  CHECK(s.proxy.timeout.connect == 5_s);
  CHECK(s.proxy.timeout.http_request == kNever);
  CHECK(s.proxy.timeout.http_keep_alive == kNever);
  CHECK(s.proxy.timeout.tunnel == kNever);
  CHECK(s.proxy.timeout.client_fin == kNever);
  CHECK(s.proxy.timeout.server_fin == kNever);
  CHECK(s.proxy.timeout.queue == kNever);
  CHECK(s.proxy.close == ProxyCloseOverrides{CloseHow::Preset, CloseHow::Preset, CloseHow::Preset, CloseHow::Preset});
  CHECK(s.backends.servers == 3);
  CHECK(s.backends.weights.empty());
  CHECK(s.backends.maxconn == 0);
  CHECK(s.backends.workers == 8);
  CHECK(s.backends.keep_alive.kind == KeepAliveKind::Forever);
  CHECK(s.backends.close_delay == 50_us);
  CHECK(s.backends.slowstart == kNever);
  CHECK(s.backends.service_time.dist == ServiceDist::Exponential);
  CHECK(s.backends.service_time.mean == 2_ms);
  CHECK(s.backends.service_time.sigma == 1.0);
  CHECK(s.backends.health_check.interval == 2_s);
  CHECK(s.backends.health_check.rise == 2);
  CHECK(s.backends.health_check.fall == 3);
  CHECK(s.backends.events.empty());
}

TEST_CASE("the example scenario file loads as the defaults plus its one event", "[config]") {
  if (!std::filesystem::exists(kExampleFile)) return;
  const Scenario s = load_toml(kExampleFile);
  CHECK(s.sim.duration == 10_min);
  CHECK(s.network.client_proxy_delay == 250_us);
  CHECK(s.proxy.timeout.client == 60_s);
  CHECK(s.proxy.timeout.http_keep_alive == kNever);
  REQUIRE(s.backends.events.size() == 1);
  CHECK(s.backends.events[0] == BackendEvent{5_min, 0, EventAction::Restart, 30_s});

  Scenario expected;
  expected.backends.events = {BackendEvent{5_min, 0, EventAction::Restart, 30_s}};
  CHECK(s == expected);
}

TEST_CASE("a bare number is seconds and a float may be given as an integer", "[config]") {
  const Scenario s = parse_toml(R"(
    sim.warmup = 30
    sim.timeseries_bin = 0.25
    clients.arrival.rate = 250
    backends.service_time.sigma = 2
  )");
  CHECK(s.sim.warmup == 30_s);
  CHECK(s.sim.timeseries_bin == 250_ms);
  CHECK(s.clients.arrival.rate == 250.0);
  CHECK(s.backends.service_time.sigma == 2.0);
}

TEST_CASE("keep_alive reads a policy name or an idle timeout", "[config]") {
  CHECK(parse_toml(R"(backends.keep_alive = "close-after-response")").backends.keep_alive.kind ==
        KeepAliveKind::CloseAfterResponse);
  const KeepAlivePolicy idle = parse_toml(R"(backends.keep_alive = "5s")").backends.keep_alive;
  CHECK(idle.kind == KeepAliveKind::IdleTimeout);
  CHECK(idle.idle_timeout == 5_s);
  CHECK(parse_toml(R"(backends.keep_alive = "off")").backends.keep_alive.kind == KeepAliveKind::Forever);
}

TEST_CASE("retry_on is a set: order does not matter", "[config]") {
  const Scenario s = parse_toml(R"(proxy.retry_on = ["response-timeout", "conn-failure"])");
  CHECK(s.proxy.retry_on == RetryOnSet{RetryOn::ConnFailure, RetryOn::ResponseTimeout});
  CHECK(parse_toml("proxy.retry_on = []").proxy.retry_on.empty());
}
