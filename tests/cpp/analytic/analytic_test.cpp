// The analytic estimates against the simulator (issue 6). Tolerances come from the
// sampling error of the simulated figure, not from tuning: a ratio measured over n requests
// has binomial standard error sqrt(r (1 - r) / n); we accept |sim - theory| < 4.5 SE, which
// a correct model fails with probability < 1e-5 per point (so < 1e-3 over the grid). For the
// stale-reuse chain the failures are negatively correlated (a failure is never followed by
// another), so the binomial error is, if anything, too large. New connections per request
// are nearly independent draws (with no failures exactly so, but for the idle monitor's
// fixed phase): over 200 seeds their spread was within 5% of the binomial error.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>

#include "../models/scenario_runs.hpp"
#include "teardown/analytic.hpp"

using namespace teardown;
using namespace teardown::test;
namespace m = teardown::metric_names;
namespace a = teardown::analytic;

TEST_CASE("stale reuse: the closed form matches the simulator over a grid", "[analytic]") {
  struct Point {
    double lambda;
    Time T;
    Time evict, interval, check;
  };
  const Point grid[] = {
      {0.5, kSecond, kNever, 0, kNever},
      {1.0, kSecond, kNever, 0, kNever},
      {2.0, kSecond, kNever, 0, kNever},
      {1.0, 2 * kSecond, kNever, 0, kNever},
      {1.0, kSecond, 800 * kMillisecond, 400 * kMillisecond, kNever},  // the monitor catches some
      {1.0, kSecond, 500 * kMillisecond, 100 * kMillisecond, kNever},  // ... or all
      {1.0, kSecond, 800 * kMillisecond, 100 * kMillisecond, kNever},  // all, with a short period
      {1.0, kSecond, 800 * kMillisecond, 10 * kMillisecond, kNever},   // ... and a very short one
      {1.0, kSecond, kNever, 0, 500 * kMillisecond},                   // a stale check
      {4.0, 300 * kMillisecond, kNever, 0, 100 * kMillisecond},
  };
  for (const Point& p : grid) {
    Scenario s = example("stale-reuse-keepalive");
    s.sim.duration = 600 * kSecond;
    s.clients.arrival.rate = p.lambda * s.clients.count;
    s.proxy.timeout.http_keep_alive = p.T;
    s.clients.pool.idle_evict = p.evict;
    if (p.interval > 0) s.clients.pool.evict_interval = p.interval;
    s.clients.pool.validate_after_inactivity = p.check;
    const Result r = run_checked(s);

    a::StaleReuseInputs in;
    in.reuse_rate = p.lambda;
    in.proxy_timeout = p.T;
    in.one_way_delay = s.network.client_proxy_delay;
    in.processing_time = s.proxy.processing_time;
    in.idle_evict = p.evict;
    in.evict_interval = s.clients.pool.evict_interval;
    in.validate_after_inactivity = p.check;
    in.response_time = static_cast<Time>(metric(r, m::kLatencyMean) * 1e9);  // measured, as K and c are
    const a::StaleReuseEstimate e = a::stale_reuse(in);
    const double n = metric(r, m::kRequestsStarted);
    const auto se = [n](double expected) { return std::sqrt(std::max(expected * (1 - expected), 1.0 / n) / n); };
    INFO("lambda " << p.lambda << " T " << format_duration(p.T) << " evict " << format_duration(p.evict) << " every "
                   << format_duration(p.interval) << " check " << format_duration(p.check));
    {
      const double failures = metric(r, m::kRequestsFailed) / n;
      INFO("failure ratio: simulated " << failures << ", expected " << e.failure_ratio << " +- "
                                       << 4.5 * se(e.failure_ratio));
      CHECK(std::abs(failures - e.failure_ratio) < 4.5 * se(e.failure_ratio));
    }
    {
      // The gap the two-state chain once hid: an evicted connection is replaced by the
      // request that finds it gone, not by one more request after it.
      const double opened = metric(r, m::kConnClientPerRequest);
      INFO("new client connections per request: simulated " << opened << ", expected "
                                                            << e.new_connections_per_request << " +- "
                                                            << 4.5 * se(e.new_connections_per_request));
      CHECK(std::abs(opened - e.new_connections_per_request) < 4.5 * se(e.new_connections_per_request));
    }
  }
}

TEST_CASE("server connections per request under 1.5 keep-alive match 1 - sum p_i^2", "[analytic]") {
  for (const std::vector<int>& weights : {std::vector<int>{1, 1, 1}, std::vector<int>{1, 2, 3}, std::vector<int>{1, 1}}) {
    for (const bool pls : {false, true}) {
      Scenario s = example("switch-resets-1.5");
      s.backends.servers = static_cast<int>(weights.size());
      s.backends.weights = weights;
      s.proxy.prefer_last_server = pls;
      // 1.5-1.8 close a session's server connection when its next request goes elsewhere
      // (2.x keeps it: proxy_options_test). roundrobin over many interleaved sessions: each
      // session's successive picks land at unrelated points of the cycle, the formula's
      // assumption of independent weighted picks ("balance random" needs 2.0).
      s.proxy.balance = Balance::RoundRobin;
      s.proxy.version = ProxyVersion::V1_8;
      s.proxy.http_reuse = HttpReuse::Never;
      const Result r = run_checked(s);
      double requests = 0;
      for (const auto& row : r.per_server) requests += static_cast<double>(row.requests);
      const std::vector<double> w(weights.begin(), weights.end());
      const double expected = a::server_connections_per_request(w, pls, metric(r, m::kConnClientPerRequest));
      const double measured = metric(r, m::kConnServerPerRequest);
      const double se = std::sqrt(std::max(expected * (1 - expected), 1.0 / requests) / requests);
      INFO("weights " << weights.size() << " pls " << pls << ": " << measured << " vs " << expected);
      CHECK(std::abs(measured - expected) < 4.5 * se + 0.005);  // + the few connections warm-up leaves
    }
  }
}

TEST_CASE("the purge recurrence closes a lone idle connection after three periods, as LAB-4 measured", "[analytic]") {
  CHECK(a::purge_periods_until_close() == 3);
  // In the simulator: a lone client with long silences; its server connection idles in the
  // pool and the purge closes it hard three periods (15 s) after its response.
  Scenario s = example("purge-after-client-leaves");
  s.clients.arrival.rate = 0.02;
  RunOptions opt;
  opt.trace_connections = 1;
  const Result r = run(s, opt);
  std::map<std::uint32_t, Time> last_response;  // by trace id
  double first_gap = -1;
  for (const TraceRecord& t : r.trace) {
    if (t.what != TraceRecord::Sent) continue;
    if (t.side == 1 && (t.flags & kSegData) && t.bytes == s.clients.response_size) last_response[t.connection] = t.at;
    // A hard close by the proxy of a connection it opened: a server-side connection.
    if (t.side == 0 && (t.flags & kSegRst) && t.rule == ResetRule::LingerZero && last_response.count(t.connection)) {
      first_gap = to_seconds(t.at - last_response[t.connection]);
      break;
    }
  }
  REQUIRE(first_gap > 0);
  CHECK(first_gap == Approx(15.0).margin(0.01));
}

TEST_CASE("the stationary distribution of the pool-of-one chain gives p / (1 + p)", "[analytic]") {
  const double p = 0.3;
  // State 0: a pooled connection; 1: none. A reuse fails with p; a fresh connection cannot.
  const auto pi = a::stationary_distribution({{1 - p, p}, {1.0, 0.0}});
  CHECK(pi[0] * p == Approx(p / (1 + p)));
}

TEST_CASE("restart shares: leastconn catches up, roundrobin follows exp(-c t / K)", "[analytic]") {
  CHECK(a::restarted_share_roundrobin(0, 3, 90, 1.5) == 0);
  CHECK(a::restarted_share_roundrobin(1e9, 3, 90, 1.5) == Approx(1.0 / 3));
  CHECK(a::restarted_share_leastconn(60, 3, 90, 1.5) == Approx(1.0 / 3));
  CHECK(a::restarted_share_leastconn(10, 3, 90, 1.5) > a::restarted_share_roundrobin(10, 3, 90, 1.5));
  // With a shortest lifetime d, none of the returning server's connections end before d, so
  // it holds c t / (n K) until then; the mean lifetime K/c is the same, so the share is higher
  // before the end. (The simulator check is tests/python/test_analytic_restart.py.)
  CHECK(a::restarted_share_roundrobin(4, 3, 90, 1.5, 4.25) == Approx(1.5 * 4 / 90 / 3));
  CHECK(a::restarted_share_roundrobin(30, 3, 90, 1.5, 4.25) > a::restarted_share_roundrobin(30, 3, 90, 1.5));
  CHECK(a::restarted_share_roundrobin(1e9, 3, 90, 1.5, 4.25) == Approx(1.0 / 3));
  CHECK(a::restarted_share_roundrobin(30, 3, 90, 1.5, 0) == a::restarted_share_roundrobin(30, 3, 90, 1.5));
  CHECK_THROWS_AS(a::restarted_share_roundrobin(30, 3, 90, 1.5, 61), std::domain_error);  // d > K/c = 60
}
