// Proxy timeouts and their fall-backs, error paths, retries, queues (docs/model.md section 2).
#include "scenario_runs.hpp"

using namespace teardown;
using namespace teardown::test;
namespace m = teardown::metric_names;

TEST_CASE("timeout http-keep-alive falls back to http-request, then to client", "[models][timeouts]") {
  Scenario base = example("stale-reuse-keepalive");
  const Result keep_alive = run_checked(base);

  Scenario via_request = base;
  via_request.proxy.timeout.http_keep_alive = kNever;
  via_request.proxy.timeout.http_request = kSecond;
  Scenario via_client = base;
  via_client.proxy.timeout.http_keep_alive = kNever;
  via_client.proxy.timeout.client = kSecond;
  // The same draws meet the same 1 s timeout, whichever key sets it.
  CHECK(run_checked(via_request).metrics == keep_alive.metrics);
  CHECK(run_checked(via_client).metrics == keep_alive.metrics);
}

TEST_CASE("timeout server: 504 to the client and a hard close towards the server, which logs the reset",
          "[models][timeouts]") {
  Scenario s = example("switch-resets-1.5");
  s.proxy.version = ProxyVersion::V2_6;
  s.backends.service_time.dist = ServiceDist::Constant;
  s.backends.service_time.mean = 5 * kMillisecond;
  s.proxy.timeout.server = 2 * kMillisecond;
  const Result r = run_checked(s);
  const double started = metric(r, m::kRequestsStarted);
  CHECK(metric(r, m::kClientHttp5xx) == Approx(started).epsilon(0.01));
  CHECK(metric(r, m::kConnServerClosedHard) == Approx(started).epsilon(0.01));
  // The backend was still working on the request: its application sees the RST (LAB-9).
  CHECK(metric(r, m::kBackendResets) == Approx(started).epsilon(0.01));
}

TEST_CASE("a client library does not resend a request the proxy answered with a 5xx", "[models][retries]") {
  Scenario s = example("switch-resets-1.5");
  s.proxy.version = ProxyVersion::V2_6;
  s.backends.service_time.dist = ServiceDist::Constant;
  s.backends.service_time.mean = 5 * kMillisecond;
  s.proxy.timeout.server = 2 * kMillisecond;
  s.clients.retries = 3;  // resends on a dead reused connection only
  const Result r = run_checked(s);
  CHECK(metric(r, m::kClientHttp5xx) == Approx(metric(r, m::kRequestsStarted)).epsilon(0.01));
  CHECK(metric(r, m::kRequestsRetried) == 0);
}

TEST_CASE("a server that stops: refused connects are retried, redispatch sends the last retry elsewhere",
          "[models][retries]") {
  Scenario s = example("restart-per-connection");
  s.proxy.mode = ProxyMode::HttpServerClose;  // a new server connection per request
  s.backends.health_check.fall = 30;          // the proxy is slow to notice
  const Result plain = run_checked(s);
  CHECK(metric(plain, m::kClientHttp5xx) > 10);  // 503 once the retries to the same server are spent
  s.proxy.redispatch = true;
  const Result redispatched = run_checked(s);
  CHECK(metric(redispatched, m::kClientHttp5xx) < 0.1 * metric(plain, m::kClientHttp5xx));
}

TEST_CASE("requests in flight on a server that stops get no response", "[models][retries]") {
  Scenario s = example("restart-per-connection");
  s.proxy.mode = ProxyMode::HttpKeepAlive;
  s.backends.service_time.dist = ServiceDist::Constant;
  s.backends.service_time.mean = 50 * kMillisecond;  // many requests at the server when it stops
  const Result r = run_checked(s);
  // A request on a reused server connection is closed towards the client silently (LAB-7,
  // LAB-E2E); on a fresh one it gets a 502.
  CHECK(metric(r, m::kClientEofBeforeResponse) + metric(r, m::kClientHttp5xx) > 0);
  CHECK(metric(r, m::kClientEofBeforeResponse) > 0);
}

TEST_CASE("retry-on empty-response resends a request that failed on a reused server connection",
          "[models][retries]") {
  // Backends close idle connections after 100 ms while the proxy keeps them pooled; with
  // 5 ms between proxy and backend, a request and the backend's FIN cross often
  // (docs/sources.md §13 item 5: P ~ 2 lambda d exp(-lambda T) per reuse).
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.timeout.http_keep_alive = 10 * kSecond;
  s.network.proxy_backend_delay = 5 * kMillisecond;
  s.backends.keep_alive.kind = KeepAliveKind::IdleTimeout;
  s.backends.keep_alive.idle_timeout = 100 * kMillisecond;
  const Result plain = run_checked(s);
  const double failed = metric(plain, m::kRequestsFailed);
  // Without retry-on the client connection is closed with no response (LAB-7).
  REQUIRE(failed > 50);
  CHECK(metric(plain, m::kClientEofBeforeResponse) == failed);
  s.proxy.retry_on.insert(RetryOn::EmptyResponse);
  const Result retried = run_checked(s);
  CHECK(metric(retried, m::kRequestsFailed) < 0.05 * failed);
}

TEST_CASE("server maxconn queues requests, timeout queue turns a long wait into a 503", "[models][queue]") {
  Scenario s = example("switch-resets-1.5");
  s.proxy.version = ProxyVersion::V2_6;
  s.backends.maxconn = 1;
  s.backends.service_time.dist = ServiceDist::Constant;
  s.backends.service_time.mean = 5 * kMillisecond;  // 500/s x 5 ms = 2.5 busy servers of 3
  const Result queued = run_checked(s);
  CHECK(metric(queued, m::kClientHttp5xx) == 0);
  s.proxy.timeout.queue = 1 * kMillisecond;
  const Result timed_out = run_checked(s);
  CHECK(metric(timed_out, m::kClientHttp5xx) > 0);
  CHECK(metric(timed_out, m::kLatencyP99) < metric(queued, m::kLatencyP99));
}

TEST_CASE("frontend maxconn: connections beyond it wait, unserved, until a session ends", "[models][queue]") {
  Scenario s = example("stale-reuse-keepalive");
  s.sim.duration = 60 * kSecond;
  const Result free = run_checked(s);
  s.proxy.maxconn = 5;  // 20 clients, each holding one connection
  const Result limited = run_checked(s);
  CHECK(metric(limited, m::kLatencyP99) > 10 * metric(free, m::kLatencyP99));
}

TEST_CASE("httpclose: one client and one server connection per request, and no client failures",
          "[models][httpclose]") {
  Scenario s = example("switch-resets-1.5");
  s.proxy.version = ProxyVersion::V2_6;
  s.proxy.mode = ProxyMode::HttpClose;
  const Result r = run_checked(s);
  CHECK(metric(r, m::kConnClientPerRequest) == Approx(1.0).margin(0.01));
  CHECK(metric(r, m::kConnServerPerRequest) == Approx(1.0).margin(0.01));
  CHECK(metric(r, m::kRequestsFailed) == 0);
  CHECK(metric(r, m::kBackendResets) < 0.01 * metric(r, m::kRequestsStarted));  // none the backend sees (LAB-E2E)
  // The proxy closes the client side first: the TIME_WAIT is on the proxy's host.
  CHECK(metric(r, m::kTimeWaitPeakProxy) > 100);
}

TEST_CASE("slowstart ramps a returning server's share up instead of all at once", "[models][slowstart]") {
  Scenario s = example("restart-per-connection");
  s.proxy.mode = ProxyMode::HttpKeepAlive;
  s.backends.slowstart = 60 * kSecond;
  const Result r = run_checked(s);
  const TimeSeries& ts = r.timeseries;
  auto share = [&](int bin) {
    double all = 0;
    for (int srv = 0; srv < ts.servers; ++srv) all += static_cast<double>(ts.requests[static_cast<std::size_t>(bin * ts.servers + srv)]);
    return static_cast<double>(ts.requests[static_cast<std::size_t>(bin * ts.servers)]) / all;
  };
  // Back at 80 s (+ 2 checks): bins start at warm-up 30 s, 10 s wide.
  const int first = 6;   // 90-100 s
  const int later = 14;  // 170-180 s, after the ramp
  CHECK(share(first) < 0.2);
  CHECK(share(later) == Approx(1.0 / 3).margin(0.04));
}
