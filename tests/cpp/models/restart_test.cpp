// A backend restart under per-connection balancing (docs/sources.md §13 item 6, LAB-E2E).
#include "scenario_runs.hpp"

using namespace teardown;
using namespace teardown::test;

namespace {
// Server 0's share of requests in the minute after it is back (restart at 60 s, 20 s down).
double share_after_return(const Scenario& s) {
  const Result r = run_checked(s);
  const TimeSeries& ts = r.timeseries;
  const Time back = s.backends.events[0].at + s.backends.events[0].downtime + 10 * kSecond;  // + health checks
  double mine = 0, all = 0;
  for (int b = 0; b < ts.bins; ++b) {
    const Time bin_start = s.sim.warmup + b * ts.bin;
    if (bin_start < back || bin_start >= back + kMinute) continue;
    for (int srv = 0; srv < ts.servers; ++srv) {
      const auto n = static_cast<double>(ts.requests[static_cast<std::size_t>(b * ts.servers + srv)]);
      all += n;
      if (srv == 0) mine += n;
    }
  }
  REQUIRE(all > 1000);
  return mine / all;
}
}  // namespace

TEST_CASE("after a restart, roundrobin leaves the server under-loaded longer than leastconn", "[models][restart]") {
  Scenario s = example("restart-per-connection");
  const double rr = share_after_return(s);
  s.proxy.balance = Balance::LeastConn;
  const double lc = share_after_return(s);
  INFO("roundrobin " << rr << ", leastconn " << lc);
  CHECK(rr < 0.25);
  CHECK(lc > rr + 0.05);
}

TEST_CASE("after a restart, per-request balancing gives the server its share at once", "[models][restart]") {
  Scenario s = example("restart-per-connection");
  s.proxy.mode = ProxyMode::HttpKeepAlive;
  const double rr = share_after_return(s);
  CHECK(rr == Approx(1.0 / 3).margin(0.03));
}
