// A middlebox on the client-proxy hop through whole runs (docs/model.md, "Middleboxes"): pooled
// connections idle past its timeout fail as its behaviour says; an idle monitor that closes
// them first leaves the run as it is without the middlebox.
#include <cmath>

#include "scenario_runs.hpp"

using namespace teardown;
using namespace teardown::test;
using namespace teardown::time_literals;
namespace m = teardown::metric_names;

namespace {

// The share of requests that reuse a connection idle for longer than the middlebox's timeout:
// gaps are exponential (Poisson arrivals, memoryless from the response), a failed connection
// is dropped and the next request opens a fresh one (as the stale-reuse closed form).
double expected_failure_ratio(const Scenario& s) {
  const double lambda = s.clients.arrival.rate / s.clients.count;
  const double q = std::exp(-lambda * to_seconds(s.network.middlebox.at(0).idle_timeout));
  return q / (1 + q);
}

// The example with the middlebox's behaviour set to `then`, run: as many reuses fail as went
// idle past its timeout, whatever the behaviour (each failed connection is dropped).
Result run_example(MiddleboxExpiry then) {
  Scenario s = example("nat-idle-timeout");
  s.network.middlebox.at(0).on_expired = then;
  Result r = run_checked(s);
  const double started = metric(r, m::kRequestsStarted);
  const double failed = metric(r, m::kRequestsFailed);
  REQUIRE(failed > 100);
  const double expected = expected_failure_ratio(s);
  const double se = std::sqrt(expected * (1 - expected) / started);
  INFO("ratio " << failed / started << " expected " << expected << " +- " << 5 * se);
  CHECK(std::abs(failed / started - expected) < 5 * se);
  return r;
}

}  // namespace

TEST_CASE("middlebox rst-sender: a reuse after its idle timeout fails with ECONNRESET at the closed-form rate",
          "[models][middlebox]") {
  const Result r = run_example(MiddleboxExpiry::RstSender);
  const double failed = metric(r, m::kRequestsFailed);
  CHECK(metric(r, m::kClientResetOnRead) == failed);
  CHECK(metric(r, m::kRstMiddleboxToClient) >= failed);
  CHECK(metric(r, m::kRstProxyToClient) == 0);
  CHECK(metric(r, m::kMiddleboxFlowsForgotten) >= failed);
}

TEST_CASE("middlebox rst-both: both ends are reset while idle, and the reuse fails at its write", "[models][middlebox]") {
  const Result r = run_example(MiddleboxExpiry::RstBoth);
  const double failed = metric(r, m::kRequestsFailed);
  // The box reset the pooled connection when its timer ran out: the blocking client finds the
  // RST when it writes the request, which never leaves (ECONNRESET on write).
  CHECK(metric(r, m::kClientResetOnWrite) == failed);
  CHECK(metric(r, m::kClientResetOnRead) == 0);
  // Every idle flow is reset at both ends, reused later or not.
  CHECK(metric(r, m::kRstMiddleboxToClient) >= failed);
  CHECK(metric(r, m::kRstMiddleboxToProxy) == metric(r, m::kRstMiddleboxToClient));
  CHECK(metric(r, m::kMiddleboxFlowsForgotten) == metric(r, m::kRstMiddleboxToClient));
}

TEST_CASE("middlebox drop: a request on a forgotten flow waits for the kernel's give-up and fails with ETIMEDOUT",
          "[models][middlebox]") {
  const Result r = run_example(MiddleboxExpiry::Drop);
  CHECK(metric(r, m::kClientTimedOut) == metric(r, m::kRequestsFailed));
  CHECK(metric(r, m::kRstMiddleboxToClient) == 0);
  CHECK(metric(r, m::kRstMiddleboxToProxy) == 0);
  // The lost requests are the only slow ones, and each waited the whole give-up (924.6 s)
  // before failing: the completed ones are as fast as ever.
  CHECK(metric(r, m::kLatencyP99) < 0.1);
}

TEST_CASE("middlebox: clients that close idle connections before its timeout see no difference",
          "[models][middlebox]") {
  Scenario with = example("nat-idle-timeout");
  with.clients.pool.idle_evict = 300_s;
  with.clients.pool.evict_interval = 5_s;
  Scenario without = with;
  without.network.middlebox.clear();
  const Result a = run_checked(with);
  const Result b = run_checked(without);
  CHECK(metric(a, m::kRequestsFailed) == 0);
  CHECK(metric(a, m::kMiddleboxFlowsForgotten) == 0);
  CHECK(a.metrics == b.metrics);
}
