// The settings client-library and server presets need (docs/model.md, "Client libraries and
// servers"): a server's max requests per connection, its Keep-Alive header and a client that
// honours it, and idle expiry at each connection's own deadline.
#include <cmath>
#include <set>

#include "scenario_runs.hpp"

using namespace teardown;
using namespace teardown::test;
namespace m = teardown::metric_names;

namespace {
// One request per client every 10 s on average (exponential gaps), through a proxy whose
// client-side timeout (60 s) almost never expires; backends close connections idle 5 s.
Scenario sparse_requests() {
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.timeout.http_keep_alive = kNever;
  s.clients.arrival.rate = 2;
  s.sim.duration = 1200 * kSecond;
  s.backends.keep_alive = {KeepAliveKind::IdleTimeout, 5 * kSecond};
  return s;
}
// P(an exponential gap of mean 10 s is at least 5 s).
const double kGapOver5s = std::exp(-0.5);
}  // namespace

TEST_CASE("max_requests: the server closes after the Nth response, which says close, and nothing fails",
          "[models][backends][presets]") {
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.timeout.http_keep_alive = kNever;
  const Result unlimited = run_checked(s);
  CHECK(metric(unlimited, m::kConnServerPerRequest) < 0.01);
  s.backends.max_requests = 10;
  const Result capped = run_checked(s);
  // Every server connection carries exactly 10 requests: the proxy reads "Connection: close"
  // on the 10th response and never sends an 11th.
  CHECK(metric(capped, m::kConnServerPerRequest) == Approx(0.1).epsilon(0.05));
  CHECK(metric(capped, m::kRequestsFailed) == 0);
  CHECK(metric(capped, m::kConnClientPerRequest) < 0.01);  // the client side is the proxy's
}

TEST_CASE("Keep-Alive header: a client that honours it does not reuse a connection idle that long",
          "[models][clients][presets]") {
  Scenario s = sparse_requests();
  s.backends.keep_alive_header = true;
  const Result ignored = run_checked(s);
  CHECK(metric(ignored, m::kConnClientPerRequest) < 0.05);

  s.clients.pool.keep_alive_header = true;
  const Result honoured = run_checked(s);
  // The server's 5 s reaches the client through the proxy: every gap of 5 s or more opens a
  // new client connection, whatever the proxy's own timeout.
  CHECK(metric(honoured, m::kConnClientPerRequest) == Approx(kGapOver5s).epsilon(0.1));

  s.backends.keep_alive_header = false;  // nothing announced, nothing honoured
  const Result silent = run_checked(s);
  CHECK(metric(silent, m::kConnClientPerRequest) == metric(ignored, m::kConnClientPerRequest));
}

TEST_CASE("keep_alive_header_timeout: the client honours what is announced, the server closes later",
          "[models][clients][presets]") {
  Scenario s = sparse_requests();
  s.backends.keep_alive = {KeepAliveKind::IdleTimeout, 6 * kSecond};  // Node: 5 s announced + 1 s
  s.backends.keep_alive_header = true;
  s.backends.keep_alive_header_timeout = 5 * kSecond;
  s.clients.pool.keep_alive_header = true;
  const Result r = run_checked(s);
  // The client expires a connection at the 5 s announced, so every gap of 5 s or more opens a
  // new one, although the server would have kept it another second.
  CHECK(metric(r, m::kConnClientPerRequest) == Approx(kGapOver5s).epsilon(0.1));
  s.backends.keep_alive_header_timeout = kNever;  // announces the 6 s it arms
  const Result said = run_checked(s);
  CHECK(metric(said, m::kConnClientPerRequest) == Approx(std::exp(-0.6)).epsilon(0.1));
}

TEST_CASE("evict_at_deadline: a connection is closed when its own idle time reaches idle_evict",
          "[models][clients][presets]") {
  Scenario s = sparse_requests();
  s.backends.keep_alive = {};  // forever: only the client closes idle connections
  s.clients.pool.idle_evict = 5 * kSecond;
  s.clients.pool.evict_interval = 30 * kSecond;
  const Result monitor = run_checked(s);
  s.clients.pool.evict_at_deadline = true;
  const Result deadline = run_checked(s);
  // At the deadline: every gap of 5 s or more finds its connection closed. A monitor every
  // 30 s closes a connection between 5 and 35 s idle, so fewer gaps find it gone.
  CHECK(metric(deadline, m::kConnClientPerRequest) == Approx(kGapOver5s).epsilon(0.1));
  CHECK(metric(monitor, m::kConnClientPerRequest) < 0.6 * metric(deadline, m::kConnClientPerRequest));
  // The timers do not depend on evict_interval.
  s.clients.pool.evict_interval = 1 * kSecond;
  CHECK(run_checked(s).metrics == deadline.metrics);
}

TEST_CASE("evict_at_deadline with a Keep-Alive header: the shorter of the two expires the connection",
          "[models][clients][presets]") {
  Scenario s = sparse_requests();
  s.backends.keep_alive = {KeepAliveKind::IdleTimeout, 5 * kSecond};
  s.backends.keep_alive_header = true;
  s.clients.pool.keep_alive_header = true;
  s.clients.pool.evict_at_deadline = true;
  s.clients.pool.idle_evict = 60 * kSecond;
  const Result r = run_checked(s);
  CHECK(metric(r, m::kConnClientPerRequest) == Approx(kGapOver5s).epsilon(0.1));
  CHECK(metric(r, m::kRequestsFailed) == 0);
}

TEST_CASE("max_idle: a connection returned beyond it closes the longest idle, and nothing fails",
          "[models][clients][presets]") {
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.timeout.http_keep_alive = kNever;
  s.clients.pool.max_size = 10;
  s.clients.arrival.kind = ArrivalKind::Closed;  // 4 requests in flight per client, returned at random
  s.clients.arrival.concurrency = 4;
  s.clients.arrival.think_time = 100 * kMillisecond;
  const Result kept = run_checked(s);
  CHECK(metric(kept, m::kConnClientPerRequest) < 0.001);
  s.clients.pool.max_idle = 1;
  const Result trimmed = run_checked(s);
  // A return that finds another connection idle closes one of the two.
  CHECK(metric(trimmed, m::kConnClientPerRequest) > 0.05);
  CHECK(metric(trimmed, m::kRequestsFailed) == 0);
  s.clients.pool.max_idle = 2;  // needs three idle at once: rarer
  const Result two = run_checked(s);
  CHECK(metric(two, m::kConnClientPerRequest) > 0.001);
  CHECK(metric(two, m::kConnClientPerRequest) < 0.5 * metric(trimmed, m::kConnClientPerRequest));
  s.clients.pool.max_idle = 4;  // never more than four idle at once
  CHECK(run_checked(s).metrics == kept.metrics);
}

TEST_CASE("sim.fin_timeout: an orphaned FIN_WAIT_2 lives that long, whatever sim.time_wait",
          "[models][tcp]") {
  // One client, one request a second on average; the proxy closes the idle client connection
  // after 1 s (FIN) and the client reuses it later: the proxy's orphan answers with RST.
  Scenario s;
  s.sim.duration = 20 * kSecond;
  s.sim.warmup = 0;
  s.clients.count = 1;
  s.clients.arrival.rate = 1;
  s.proxy.timeout.http_keep_alive = kSecond;
  RunOptions options;
  options.trace_connections = 3;
  auto proxy_rst_rules = [&](const Scenario& sc) {
    std::set<ResetRule> rules;
    const Result r = run(sc, options);
    for (const TraceRecord& t : r.trace) {
      if (t.what == TraceRecord::Sent && (t.flags & kSegRst) && t.side == 1) rules.insert(t.rule);
    }
    return rules;
  };
  // 60 s: the orphan is still there when the stale request comes, and resets it (T8 data to orphan).
  CHECK(proxy_rst_rules(s) == std::set<ResetRule>{ResetRule::DataToOrphan});
  // 100 ms: it has gone; the request finds no connection (T14, then T8 no such connection).
  s.sim.fin_timeout = 100 * kMillisecond;
  CHECK(proxy_rst_rules(s) == std::set<ResetRule>{ResetRule::NoSuchConnection});
  // TIME_WAIT is another timer: changing it alone keeps the orphan.
  s.sim.fin_timeout = 60 * kSecond;
  s.sim.time_wait = 100 * kMillisecond;
  CHECK(proxy_rst_rules(s) == std::set<ResetRule>{ResetRule::DataToOrphan});
}
