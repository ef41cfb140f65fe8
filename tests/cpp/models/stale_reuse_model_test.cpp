// Stale reuse through the whole chain (issue 3 acceptance; docs/sources.md §8, §13; LAB-E2E).
#include <cmath>

#include "scenario_runs.hpp"

using namespace teardown;
using namespace teardown::test;
namespace m = teardown::metric_names;

TEST_CASE("stale reuse: gaps straddling the keep-alive timeout fail, as end of stream, at the closed-form rate",
          "[models][stale]") {
  const Scenario s = example("stale-reuse-keepalive");
  const Result r = run_checked(s);
  const double started = metric(r, m::kRequestsStarted);
  const double failed = metric(r, m::kRequestsFailed);
  const double eof = metric(r, m::kClientEofBeforeResponse);
  REQUIRE(failed > 100);
  // "No response", not resets (LAB-E2E): the FIN is already on its way when the request leaves.
  CHECK(eof >= 0.95 * failed);
  CHECK(metric(r, m::kClientResetOnRead) <= 0.02 * failed);

  // Closed form (docs/sources.md §13 item 1, one pooled connection per client): a reuse
  // fails when the idle gap G >= T - 2d - p (p: proxy processing time, the unread window);
  // with Poisson requests G ~ Exp(lambda) (memoryless from the response), so
  // q = exp(-lambda (T - 2d - p)). A failure drops the connection and the next request opens
  // a fresh one, so the failure ratio is q / (1 + q).
  const double lambda = s.clients.arrival.rate / s.clients.count;
  const double T = to_seconds(s.proxy.timeout.http_keep_alive);
  const double d = to_seconds(s.network.client_proxy_delay);
  const double p = to_seconds(s.proxy.processing_time);
  const double q = std::exp(-lambda * (T - 2 * d - p));
  const double expected = q / (1 + q);
  const double ratio = failed / started;
  // Tolerance: 5 binomial standard errors of the observed ratio.
  const double se = std::sqrt(expected * (1 - expected) / started);
  INFO("ratio " << ratio << " expected " << expected << " +- " << 5 * se);
  CHECK(std::abs(ratio - expected) < 5 * se);
}

TEST_CASE("stale reuse: an idle evictor below the proxy's timeout removes the failures", "[models][stale]") {
  const Result with = run_checked(example("stale-reuse-evictor"));
  const Result without = run_checked(example("stale-reuse-keepalive"));
  CHECK(metric(with, m::kRequestsFailed) <= 0.001 * metric(with, m::kRequestsStarted));
  CHECK(metric(without, m::kRequestsFailed) > 100);
  // The client now closes first, so it opens more connections; the backend resets that
  // follow new client connections under 2.x remain (LAB-E2E).
  CHECK(metric(with, m::kConnClientOpened) > metric(without, m::kConnClientOpened));
  CHECK(metric(with, m::kBackendResets) > 0);
}

TEST_CASE("stale reuse: nolinger turns the idle close into FIN then RST, and the next write fails with EPIPE",
          "[models][stale][nolinger]") {
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.nolinger = true;
  const Result r = run_checked(s);
  const double failed = metric(r, m::kRequestsFailed);
  REQUIRE(failed > 100);
  CHECK(metric(r, m::kClientResetOnWrite) > 0.8 * failed);
  CHECK(metric(r, m::kRstProxyToClient) > 0.8 * failed);
}

TEST_CASE("stale reuse: client retries of requests that failed on a reused connection hide the failures",
          "[models][stale]") {
  Scenario s = example("stale-reuse-keepalive");
  s.clients.retries = 1;
  const Result r = run_checked(s);
  CHECK(metric(r, m::kRequestsFailed) <= 0.01 * metric(r, m::kRequestsStarted));
  CHECK(metric(r, m::kRequestsRetried) > 100);
}

TEST_CASE("stale reuse: a stale check after inactivity catches connections whose FIN has arrived",
          "[models][stale]") {
  Scenario s = example("stale-reuse-keepalive");
  s.clients.pool.validate_after_inactivity = 500 * kMillisecond;
  const Result r = run_checked(s);
  // Only the race inside the window (FIN still in flight) remains: ~2d / mean gap of them.
  CHECK(metric(r, m::kRequestsFailed) <= 0.01 * metric(r, m::kRequestsStarted));
}
