// Client arrival processes and pool policies (docs/model.md section 3).
#include "scenario_runs.hpp"

using namespace teardown;
using namespace teardown::test;
namespace m = teardown::metric_names;

namespace {
Scenario quiet_base() {
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.timeout.http_keep_alive = kNever;
  s.sim.duration = 600 * kSecond;
  return s;
}
}  // namespace

TEST_CASE("closed loop: each client waits for its response, then thinks", "[models][clients]") {
  Scenario s = quiet_base();
  s.clients.arrival.kind = ArrivalKind::Closed;
  s.clients.arrival.think_time = kSecond;
  s.clients.arrival.concurrency = 2;
  const Result r = run_checked(s);
  // 20 clients x 2 outstanding / (1 s think + a few ms) ~ 40 requests/s.
  CHECK(metric(r, m::kRequestsPerS) == Approx(40).epsilon(0.05));
}

TEST_CASE("on/off bursts: the long-run rate is the burst rate times the on fraction", "[models][clients]") {
  Scenario s = quiet_base();
  s.sim.duration = 3600 * kSecond;
  s.clients.arrival.kind = ArrivalKind::OnOff;
  s.clients.arrival.rate = 100;
  s.clients.arrival.on = 5 * kSecond;
  s.clients.arrival.off = 15 * kSecond;
  const Result r = run_checked(s);
  // 100/s x 5/20; the number of bursts in an hour (~180) makes this accurate to ~10%.
  CHECK(metric(r, m::kRequestsPerS) == Approx(25).epsilon(0.2));
}

TEST_CASE("FIFO reuse spreads idle gaps over the whole pool: more stale reuse than LIFO", "[models][clients]") {
  Scenario s = example("stale-reuse-keepalive");
  s.clients.pool.max_size = 10;
  s.clients.arrival.rate = 200;  // 10/s per client
  // Slow responses keep several connections busy at once, so each pool holds a few.
  s.backends.service_time.dist = ServiceDist::Constant;
  s.backends.service_time.mean = 100 * kMillisecond;
  s.backends.workers = 64;
  s.proxy.timeout.http_keep_alive = 300 * kMillisecond;
  s.sim.duration = 120 * kSecond;
  s.clients.pool.reuse = PoolReuse::Lifo;
  const Result lifo = run_checked(s);
  s.clients.pool.reuse = PoolReuse::Fifo;
  const Result fifo = run_checked(s);
  // FIFO hands out the longest-idle connection, so every pooled connection idles about
  // pool-size times longer than LIFO's top one (docs/sources.md §13 item 3). Failed reuses
  // shrink both pools, which keeps the difference moderate.
  CHECK(metric(fifo, m::kRequestsFailed) > 1.1 * metric(lifo, m::kRequestsFailed));
}

TEST_CASE("max lifetime: connections older than it are closed when returned", "[models][clients]") {
  Scenario s = quiet_base();
  const Result forever = run_checked(s);
  s.clients.pool.max_lifetime = 10 * kSecond;
  const Result renewed = run_checked(s);
  // One connection per client lives ~10 s at 1 request/s: ~1 new connection per 11 requests.
  CHECK(metric(forever, m::kConnClientPerRequest) < 0.005);
  CHECK(metric(renewed, m::kConnClientPerRequest) == Approx(1.0 / 11).epsilon(0.25));
}

TEST_CASE("long-lived connections carry their own request rate", "[models][clients]") {
  Scenario s = example("long-lived-one-connection");
  s.clients.long_lived.count = 5;
  s.clients.long_lived.rate = 20;
  const Result r = run_checked(s);
  CHECK(metric(r, m::kRequestsPerS) == Approx(100).epsilon(0.05));
  CHECK(metric(r, m::kConnClientOpened) == 0);  // opened during warm-up, then kept
}

TEST_CASE("the same scenario and seed give identical results, another seed does not", "[models][determinism]") {
  Scenario s = example("stale-reuse-keepalive");
  s.sim.duration = 60 * kSecond;
  const Result a = run_checked(s);
  const Result b = run_checked(s);
  CHECK(a.metrics == b.metrics);
  CHECK(a.timeseries.requests == b.timeseries.requests);
  CHECK(a.events == b.events);
  s.sim.seed = 2;
  const Result c = run_checked(s);
  CHECK(c.metrics != a.metrics);
}

TEST_CASE("arrival until: no request starts after it, the run goes on to watch the drain", "[models][clients]") {
  Scenario s = quiet_base();
  s.sim.warmup = 0;
  s.sim.duration = 200 * kSecond;
  s.clients.arrival.rate = 20;
  s.clients.arrival.until = 100 * kSecond;
  const Result r = run_checked(s);
  // Half the run has arrivals: about 2000 requests, and every one of them completes.
  CHECK(metric(r, m::kRequestsStarted) == Approx(2000).epsilon(0.1));
  CHECK(metric(r, m::kRequestsCompleted) == metric(r, m::kRequestsStarted));
  s.clients.arrival.kind = ArrivalKind::Closed;
  s.clients.arrival.think_time = kSecond;
  const Result closed = run_checked(s);
  CHECK(metric(closed, m::kRequestsStarted) == Approx(20 * 100).epsilon(0.1));
}
