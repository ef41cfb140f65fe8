// Server-side connections: switch resets (1.5-1.8), prefer-last-server and http-reuse,
// server-close and its race with the backend's close, the 2.x purge, nolinger.
#include "scenario_runs.hpp"

using namespace teardown;
using namespace teardown::test;
namespace m = teardown::metric_names;

namespace {
struct ServerSide {
  double per_request, hard_per_request, backend_resets_per_request;
};
ServerSide server_side(const Scenario& s) {
  const Result r = run_checked(s);
  double requests = 0;
  for (const ServerRow& row : r.per_server) requests += static_cast<double>(row.requests);
  REQUIRE(requests > 1000);
  return {metric(r, m::kConnServerPerRequest), metric(r, m::kConnServerClosedHard) / requests,
          metric(r, m::kBackendResets) / requests};
}
}  // namespace

TEST_CASE("1.5 keep-alive resets the previous server connection at each switch; prefer-last-server stops it",
          "[models][switch]") {
  Scenario s = example("switch-resets-1.5");
  const ServerSide plain = server_side(s);
  // Many interleaved connections over 3 equal servers: P(switch) ~ 1 - 1/3 (10.2 item 4).
  CHECK(plain.per_request == Approx(2.0 / 3).margin(0.05));
  CHECK(plain.hard_per_request == Approx(2.0 / 3).margin(0.05));
  CHECK(plain.backend_resets_per_request > 0.5);  // keep-alive backends still hold the socket

  s.proxy.prefer_last_server = true;
  const ServerSide pinned = server_side(s);
  CHECK(pinned.per_request < 0.02);
  CHECK(pinned.hard_per_request < 0.02);
}

TEST_CASE("2.6 with http-reuse safe: prefer-last-server changes little; with http-reuse never it acts as in 1.5",
          "[models][switch]") {
  Scenario s = example("switch-resets-1.5");
  s.proxy.version = ProxyVersion::V2_6;
  const ServerSide safe = server_side(s);
  s.proxy.prefer_last_server = true;
  const ServerSide safe_pls = server_side(s);
  CHECK(safe_pls.per_request == Approx(safe.per_request).epsilon(0.25).margin(0.01));

  s.proxy.http_reuse = HttpReuse::Never;
  s.proxy.prefer_last_server = false;
  const ServerSide never = server_side(s);
  CHECK(never.per_request == Approx(2.0 / 3).margin(0.05));
  s.proxy.prefer_last_server = true;
  const ServerSide never_pls = server_side(s);
  CHECK(never_pls.per_request < 0.02);
}

TEST_CASE("server-close: 1.4 resets every server connection", "[models][server-close]") {
  Scenario s = example("server-close");
  s.proxy.version = ProxyVersion::V1_4;
  s.backends.close_delay = 0;  // even when the server's FIN comes with the response (LAB-2)
  const ServerSide r = server_side(s);
  CHECK(r.per_request == Approx(1.0).margin(0.01));
  CHECK(r.hard_per_request == Approx(1.0).margin(0.01));
}

TEST_CASE("server-close 1.5+: FIN when the server's FIN was read first, RST when it was not", "[models][server-close]") {
  Scenario s = example("server-close");
  s.backends.close_delay = 0;  // response and FIN in one segment (LAB-2)
  const Result fin = run_checked(s);
  CHECK(metric(fin, m::kConnServerClosedHard) == 0);
  CHECK(metric(fin, m::kConnServerClosedFin) > 1000);

  s.backends.close_delay = 50 * kMicrosecond;  // FIN after the data, later than the proxy acts (LAB-1)
  const ServerSide late = server_side(s);
  CHECK(late.hard_per_request == Approx(1.0).margin(0.01));
  // The backend had closed before the RST came: its kernel absorbed it (LAB-E2E).
  CHECK(late.backend_resets_per_request < 0.01);
}

TEST_CASE("server-close with pretend-keepalive: a keep-alive backend gets a reset per request and logs it",
          "[models][server-close]") {
  Scenario s = example("server-close");
  s.proxy.pretend_keepalive = true;
  s.backends.keep_alive.kind = KeepAliveKind::Forever;
  const ServerSide r = server_side(s);
  CHECK(r.hard_per_request == Approx(1.0).margin(0.01));
  CHECK(r.backend_resets_per_request == Approx(1.0).margin(0.02));
}

TEST_CASE("server-close: a backend that closes later than the RST arrives logs the reset; sooner, it does not",
          "[models][server-close]") {
  Scenario s = example("server-close");
  // RST arrival after the response left the backend: 2 x 100us + 20us processing = 220us.
  std::vector<double> seen;
  for (Time delay : {50 * kMicrosecond, 200 * kMicrosecond, 240 * kMicrosecond, 5 * kMillisecond}) {
    s.backends.close_delay = delay;
    seen.push_back(server_side(s).backend_resets_per_request);
    INFO("close_delay " << format_duration(delay) << ": " << seen.back());
    if (seen.size() > 1) CHECK(seen.back() >= seen[seen.size() - 2]);
  }
  CHECK(seen.front() < 0.01);
  CHECK(seen[2] > 0.99);
  CHECK(seen.back() > 0.99);
}

TEST_CASE("server-close: busier worker loops delay the close and expose more resets", "[models][server-close]") {
  // The close waits behind the work queued on the worker (shared/domain section 7): at a
  // write-to-close delay just under the RST's arrival, only queueing makes it visible.
  Scenario s = example("server-close");
  s.backends.close_delay = 200 * kMicrosecond;
  s.backends.workers = 8;
  const double idle_loops = server_side(s).backend_resets_per_request;
  s.backends.workers = 1;
  const double busy_loops = server_side(s).backend_resets_per_request;
  INFO("8 workers: " << idle_loops << ", 1 worker: " << busy_loops);
  CHECK(busy_loops > idle_loops + 0.1);
}

TEST_CASE("2.6 purges idle pooled server connections with RST after the client leaves; 2.0 with FIN",
          "[models][purge]") {
  Scenario s = example("purge-after-client-leaves");
  const Result r26 = run_checked(s);
  CHECK(metric(r26, m::kConnServerClosedHard) >= 5);
  CHECK(metric(r26, m::kBackendResets) >= 5);
  s.proxy.version = ProxyVersion::V2_0;
  const Result r20 = run_checked(s);
  CHECK(metric(r20, m::kConnServerClosedHard) == 0);
  CHECK(metric(r20, m::kConnServerClosedFin) >= 5);
  CHECK(metric(r20, m::kBackendResets) == 0);
}

TEST_CASE("nolinger turns every FIN close of the proxy into an RST", "[models][nolinger]") {
  Scenario s = example("server-close");
  s.backends.close_delay = 0;
  const Result plain = run_checked(s);
  REQUIRE(metric(plain, m::kConnServerClosedFin) > 1000);
  s.proxy.nolinger = true;
  const Result hard = run_checked(s);
  CHECK(metric(hard, m::kConnServerClosedFin) == 0);
  CHECK(metric(hard, m::kConnServerClosedHard) == Approx(metric(plain, m::kConnServerClosedFin)).epsilon(0.05));
}
