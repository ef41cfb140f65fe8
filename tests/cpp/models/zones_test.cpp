// network.zones: backends farther from the proxy than the others.
#include <catch2/catch.hpp>

#include "scenario_runs.hpp"
#include "teardown/teardown.hpp"

using namespace teardown;
using namespace teardown::test;

namespace {
// Two servers, leastconn, enough load that each holds a few requests at once.
Scenario two_servers() {
  Scenario s = example("switch-resets-1.5");
  s.proxy.version = ProxyVersion::V2_6;
  s.proxy.balance = Balance::LeastConn;
  s.backends.servers = 2;
  s.backends.weights.clear();
  return s;
}
}  // namespace

TEST_CASE("a server in a far zone holds each request longer, and leastconn gives it fewer", "[models][zones]") {
  Scenario s = two_servers();
  const Result near = run_checked(s);
  s.network.zones = {NetworkZone{{1}, 5 * kMillisecond, 0}};
  const Result far = run_checked(s);
  // Same zone: an even split. Server 1 five milliseconds away: its requests take 10 ms more
  // (there and back), so it has more outstanding and leastconn sends it less.
  CHECK(near.per_server[1].request_share == Approx(0.5).margin(0.03));
  CHECK(far.per_server[1].request_share < 0.45);
  CHECK(metric(far, "latency.mean") > metric(near, "latency.mean") + 0.002);
}

TEST_CASE("a zone with the default delay changes nothing", "[models][zones]") {
  Scenario s = two_servers();
  const Result plain = run(s);
  s.network.zones = {NetworkZone{{0, 1}, s.network.proxy_backend_delay, s.network.jitter}};
  const Result zoned = run(s);
  CHECK(zoned.metrics == plain.metrics);
}

TEST_CASE("zones name servers that exist, each at most once", "[config][zones]") {
  Scenario s = two_servers();
  s.network.zones = {NetworkZone{{0, 2}, kMillisecond, 0}, NetworkZone{{0}, kMillisecond, 0}, NetworkZone{{}, 0, 0}};
  const auto issues = validate(s);
  auto has = [&](const std::string& path, const std::string& words) {
    for (const ConfigIssue& i : issues) {
      if (i.path == path && i.message.find(words) != std::string::npos) return true;
    }
    return false;
  };
  CHECK(has("network.zones[0].servers[1]", "no server 2"));
  CHECK(has("network.zones[1].servers[0]", "already in network.zones[0]"));
  CHECK(has("network.zones[2].servers", "at least one server"));
}

TEST_CASE("zones round-trip through TOML", "[config][zones]") {
  Scenario s = two_servers();
  s.network.zones = {NetworkZone{{1}, 3 * kMillisecond, 200 * kMicrosecond}};
  const Scenario back = parse_toml(to_toml(s));
  CHECK(back.network.zones == s.network.zones);
}
