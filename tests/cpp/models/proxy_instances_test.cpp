// proxy.instances: several proxies in front of the same backends, each with its own sessions,
// pools, balancer and health checks; clients reach them by DNS round robin or an L4 balancer.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "scenario_runs.hpp"
#include "teardown/teardown.hpp"

using namespace teardown;
using namespace teardown::test;

namespace {
// examples/scenarios/three-proxy-instances.toml: six long-lived tcp-mode connections, one per
// client host, each pinned to the server chosen at accept.
Scenario pinned_connections(int instances) {
  Scenario s = example("three-proxy-instances");
  s.proxy.instances = instances;
  return s;
}

// The accepting side of each traced client connection, by client host, in order.
std::map<std::string, std::vector<std::string>> instances_by_client(const Result& r) {
  std::map<std::string, std::vector<std::string>> seen;
  for (const TracedConnection& t : r.traced) {
    if (t.left.starts_with("client-")) seen[t.left].push_back(t.right);
  }
  return seen;
}
}  // namespace

TEST_CASE("one instance runs as before, whatever the spread", "[models][instances]") {
  Scenario s = example("stale-reuse-keepalive");
  const Result dns = run_checked(s);
  s.proxy.spread = ProxySpread::L4;
  const Result l4 = run_checked(s);
  CHECK(l4.metrics == dns.metrics);
}

TEST_CASE("DNS round robin keeps each client host on one instance, the hosts in turn", "[models][instances]") {
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.instances = 3;
  s.clients.pool.max_size = 4;
  RunOptions options;
  options.trace_connections = 40;
  const Result r = run(s, options);
  const auto seen = instances_by_client(r);
  REQUIRE(seen.size() >= 6);
  for (const auto& [client, proxies] : seen) {
    const int host = std::stoi(client.substr(7));
    for (const std::string& p : proxies) CHECK(p == "proxy-" + std::to_string(host % 3));
  }
  // The instances' own server connections leave from their own hosts.
  std::set<std::string> server_side;
  for (const TracedConnection& t : r.traced) {
    if (t.right.starts_with("backend-")) server_side.insert(t.left);
  }
  CHECK(server_side == std::set<std::string>{"proxy-0", "proxy-1", "proxy-2"});
}

TEST_CASE("an L4 balancer gives each new connection to the next instance", "[models][instances]") {
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.instances = 3;
  s.proxy.spread = ProxySpread::L4;
  RunOptions options;
  options.trace_connections = 12;
  const Result r = run(s, options);
  std::vector<std::string> order;
  for (const TracedConnection& t : r.traced) {
    if (t.left.starts_with("client-")) order.push_back(t.right);
  }
  REQUIRE(order.size() == 12);
  for (std::size_t i = 0; i < order.size(); ++i) CHECK(order[i] == "proxy-" + std::to_string(i % 3));
}

TEST_CASE("each instance balances on its own: their roundrobins start together and skew adds up",
          "[models][instances]") {
  // Six long-lived connections over three servers: one proxy pins two to each; three
  // instances get two each and all start at server 0, so server 2 gets none of them; six
  // instances get one each, all on server 0. leastconn breaks its ties the same way.
  const Result one = run_checked(pinned_connections(1));
  const Result three = run_checked(pinned_connections(3));
  const Result six = run_checked(pinned_connections(6));
  CHECK(metric(one, "skew.requests.max_over_mean") < 1.1);
  CHECK(metric(three, "skew.requests.max_over_mean") == Approx(1.5).margin(0.05));
  CHECK(metric(six, "skew.requests.max_over_mean") == Approx(3.0).margin(0.05));
  CHECK(three.per_server[2].request_share < 0.01);
  CHECK(metric(three, "skew.instances.max_over_mean") < 1.1);  // two connections each
  Scenario least = pinned_connections(3);
  least.proxy.balance = Balance::LeastConn;
  CHECK(run_checked(least).per_server[2].request_share < 0.01);
}

TEST_CASE("each instance keeps its own idle pool: three pools open more server connections", "[models][instances]") {
  Scenario s;
  s.sim.duration = 120 * kSecond;
  s.sim.warmup = 10 * kSecond;
  s.clients.count = 30;
  s.clients.arrival.rate = 300;
  s.proxy.timeout.http_keep_alive = 10 * kSecond;
  s.backends.preset = "netty-4";
  s.backends.servers = 3;
  const Result one = run_checked(s);
  s.proxy.instances = 3;
  const Result three = run_checked(s);
  CHECK(metric(three, "connections.server_side.opened") > 1.2 * metric(one, "connections.server_side.opened"));
  CHECK(metric(three, "requests.started") == metric(one, "requests.started"));
}

TEST_CASE("several instances are deterministic", "[models][instances]") {
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.instances = 4;
  s.proxy.spread = ProxySpread::L4;
  const Result a = run_checked(s);
  const Result b = run_checked(s);
  CHECK(a.metrics == b.metrics);
}

TEST_CASE("proxy.instances is 1 to 16 and round-trips with its spread", "[config][instances]") {
  Scenario s;
  s.proxy.instances = 0;
  auto issues = validate(s);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].path == "proxy.instances");
  s.proxy.instances = 17;
  issues = validate(s);
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].path == "proxy.instances");
  s.proxy.instances = 3;
  s.proxy.spread = ProxySpread::L4;
  CHECK(validate(s).empty());
  const Scenario back = parse_toml(to_toml(s));
  CHECK(back.proxy.instances == 3);
  CHECK(back.proxy.spread == ProxySpread::L4);
}
