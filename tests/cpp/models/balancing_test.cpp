// Per-request versus per-connection balancing (docs/sources.md §6, §12; LAB-11).
#include "scenario_runs.hpp"

using namespace teardown;
using namespace teardown::test;
namespace m = teardown::metric_names;

namespace {
double skew_for(ProxyVersion v, ProxyMode mode) {
  Scenario s = example("long-lived-one-connection");
  s.proxy.version = v;
  s.proxy.mode = mode;
  return metric(run_checked(s), m::kSkewRequestsMaxOverMean);
}
}  // namespace

TEST_CASE("keep-alive, server-close and httpclose balance every request", "[models][balance]") {
  for (ProxyVersion v : {ProxyVersion::V1_5, ProxyVersion::V2_6}) {
    for (ProxyMode mode : {ProxyMode::HttpKeepAlive, ProxyMode::HttpServerClose, ProxyMode::HttpClose}) {
      INFO(to_string(v) << " " << to_string(mode));
      CHECK(skew_for(v, mode) < 1.05);  // two servers, one connection: an even split
    }
  }
}

TEST_CASE("tunnel and tcp balance once per connection: a long-lived connection stays on its server",
          "[models][balance]") {
  CHECK(skew_for(ProxyVersion::V1_4, ProxyMode::Preset) == Approx(2.0));  // 1.4's default is tunnel
  CHECK(skew_for(ProxyVersion::V1_4, ProxyMode::HttpPretendKeepAlive) == Approx(2.0));  // pinning comes from tunnel
  CHECK(skew_for(ProxyVersion::V1_5, ProxyMode::HttpTunnel) == Approx(2.0));
  CHECK(skew_for(ProxyVersion::V2_6, ProxyMode::Tcp) == Approx(2.0));
  // 1.5+ with pretend-keepalive alone stays in keep-alive: per-request (10.3).
  CHECK(skew_for(ProxyVersion::V1_5, ProxyMode::HttpPretendKeepAlive) < 1.05);
}

TEST_CASE("weights share requests in proportion", "[models][balance]") {
  Scenario s = example("switch-resets-1.5");
  s.proxy.version = ProxyVersion::V2_6;
  s.backends.weights = {1, 2, 3};
  for (Balance b : {Balance::RoundRobin, Balance::StaticRr, Balance::Random, Balance::LeastConn}) {
    INFO(to_string(b));
    s.proxy.balance = b;
    const Result r = run_checked(s);
    REQUIRE(r.per_server.size() == 3);
    if (b == Balance::RoundRobin || b == Balance::StaticRr) {
      CHECK(r.per_server[0].request_share == Approx(1.0 / 6).margin(0.01));
      CHECK(r.per_server[2].request_share == Approx(3.0 / 6).margin(0.01));
    } else {
      CHECK(r.per_server[0].request_share < r.per_server[2].request_share);
    }
  }
}

TEST_CASE("balance first fills the lowest server up to its maxconn", "[models][balance]") {
  Scenario s = example("switch-resets-1.5");
  s.proxy.version = ProxyVersion::V2_6;
  s.proxy.balance = Balance::First;
  const Result unlimited = run_checked(s);
  CHECK(unlimited.per_server[0].request_share == Approx(1.0));
  s.backends.maxconn = 1;
  const Result limited = run_checked(s);
  CHECK(limited.per_server[0].request_share < 1.0);
  CHECK(limited.per_server[0].request_share > limited.per_server[2].request_share);
}
