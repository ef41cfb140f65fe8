// validate() on scenarios built in C++, and the enum spellings the TOML keys use.
#include <catch2/catch.hpp>

#include "teardown/config.hpp"

using namespace teardown;
using namespace teardown::time_literals;

namespace {

std::vector<std::string> paths_of(const Scenario& s) {
  std::vector<std::string> paths;
  for (const ConfigIssue& issue : validate(s)) paths.push_back(issue.path);
  return paths;
}

template <typename E>
void check_names(std::initializer_list<std::pair<E, std::string_view>> names) {
  for (const auto& [value, name] : names) {
    CHECK(to_string(value) == name);
    CHECK(from_string<E>(name) == value);
  }
  CHECK_FALSE(from_string<E>("no-such-name").has_value());
}

}  // namespace

TEST_CASE("validate accepts the default scenario", "[config]") { CHECK(validate(Scenario{}).empty()); }

TEST_CASE("validate reports every issue of a scenario built in C++", "[config]") {
  Scenario s;
  s.sim.duration = 0;
  s.network.jitter = -1;
  s.clients.pool.max_size = 0;
  s.proxy.version = ProxyVersion::V2_6;
  s.proxy.mode = ProxyMode::HttpTunnel;
  s.proxy.timeout.client = 0;
  s.backends.servers = 2;
  s.backends.weights = {1};
  s.backends.keep_alive = {KeepAliveKind::IdleTimeout, kNever};
  s.backends.events = {{2_min, 2, EventAction::Down, 0}};  // the run ends at warmup 1m + duration 0
  CHECK_THAT(paths_of(s), Catch::UnorderedEquals(std::vector<std::string>{
                              "sim.duration", "network.jitter", "clients.pool.max_size", "proxy.mode",
                              "proxy.timeout.client", "backends.weights", "backends.keep_alive",
                              "backends.events[0].server", "backends.events[0].at"}));
}

TEST_CASE("an event may fall at the very end of the run but not after it", "[config]") {
  Scenario s;
  s.backends.events = {{11_min, 0, EventAction::Down, 0}};
  CHECK(validate(s).empty());
  s.backends.events[0].at = 11_min + 1;
  CHECK(paths_of(s) == std::vector<std::string>{"backends.events[0].at"});
}

TEST_CASE("a seed TOML cannot hold is reported", "[config]") {
  Scenario s;
  s.sim.seed = ~std::uint64_t{0};
  CHECK(paths_of(s) == std::vector<std::string>{"sim.seed"});
}

TEST_CASE("keep-alive policies compare their timeout only when it is used", "[config]") {
  CHECK(KeepAlivePolicy{KeepAliveKind::Forever, 5_s} == KeepAlivePolicy{KeepAliveKind::Forever, kNever});
  CHECK(KeepAlivePolicy{KeepAliveKind::IdleTimeout, 5_s} != KeepAlivePolicy{KeepAliveKind::IdleTimeout, 6_s});
}

TEST_CASE("enum names are the TOML spellings", "[config]") {
  check_names<ProxyVersion>({{ProxyVersion::V1_4, "1.4"},
                             {ProxyVersion::V1_5, "1.5"},
                             {ProxyVersion::V1_8, "1.8"},
                             {ProxyVersion::V2_0, "2.0"},
                             {ProxyVersion::V2_6, "2.6"}});
  check_names<ProxyMode>({{ProxyMode::Preset, "preset"},
                          {ProxyMode::HttpKeepAlive, "http-keep-alive"},
                          {ProxyMode::HttpServerClose, "http-server-close"},
                          {ProxyMode::HttpClose, "httpclose"},
                          {ProxyMode::HttpPretendKeepAlive, "http-pretend-keepalive"},
                          {ProxyMode::HttpTunnel, "http-tunnel"},
                          {ProxyMode::Tcp, "tcp"}});
  check_names<Balance>({{Balance::RoundRobin, "roundrobin"},
                        {Balance::StaticRr, "static-rr"},
                        {Balance::LeastConn, "leastconn"},
                        {Balance::First, "first"},
                        {Balance::Source, "source"},
                        {Balance::Random, "random"}});
  check_names<HttpReuse>({{HttpReuse::Preset, "preset"},
                          {HttpReuse::Never, "never"},
                          {HttpReuse::Safe, "safe"},
                          {HttpReuse::Aggressive, "aggressive"},
                          {HttpReuse::Always, "always"}});
  check_names<CloseHow>(
      {{CloseHow::Preset, "preset"}, {CloseHow::Fin, "fin"}, {CloseHow::Rst, "rst"},
       {CloseHow::LingerRisk, "linger-risk"}});
  check_names<ArrivalKind>(
      {{ArrivalKind::Poisson, "poisson"}, {ArrivalKind::OnOff, "onoff"}, {ArrivalKind::Closed, "closed"}});
  check_names<PoolReuse>({{PoolReuse::Lifo, "lifo"}, {PoolReuse::Fifo, "fifo"}});
  check_names<KeepAliveKind>({{KeepAliveKind::Forever, "forever"},
                              {KeepAliveKind::CloseAfterResponse, "close-after-response"},
                              {KeepAliveKind::IdleTimeout, "idle-timeout"}});
  check_names<ServiceDist>(
      {{ServiceDist::Constant, "constant"},
       {ServiceDist::Exponential, "exponential"},
       {ServiceDist::Lognormal, "lognormal"}});
  check_names<EventAction>({{EventAction::Restart, "restart"}, {EventAction::Down, "down"}, {EventAction::Up, "up"}});
  check_names<RetryOn>({{RetryOn::ConnFailure, "conn-failure"},
                        {RetryOn::EmptyResponse, "empty-response"},
                        {RetryOn::ResponseTimeout, "response-timeout"}});
}
