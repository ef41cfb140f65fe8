// Server-side connections: switch resets (1.5-1.8), prefer-last-server and http-reuse,
// server-close and its race with the backend's close, the 2.x purge, nolinger.
#include <cmath>

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

TEST_CASE("1.5 keep-alive resets the previous server connection at each switch, prefer-last-server stops it",
          "[models][switch]") {
  Scenario s = example("switch-resets-1.5");
  const ServerSide plain = server_side(s);
  // Many interleaved connections over 3 equal servers: P(switch) ~ 1 - 1/3 (docs/sources.md §13 item 4).
  CHECK(plain.per_request == Approx(2.0 / 3).margin(0.05));
  CHECK(plain.hard_per_request == Approx(2.0 / 3).margin(0.05));
  CHECK(plain.backend_resets_per_request > 0.5);  // keep-alive backends still hold the socket

  s.proxy.prefer_last_server = true;
  const ServerSide pinned = server_side(s);
  CHECK(pinned.per_request < 0.02);
  CHECK(pinned.hard_per_request < 0.02);
}

TEST_CASE("2.6 with http-reuse safe: prefer-last-server changes little, with http-reuse never switches cost nothing "
          "either way",
          "[models][switch]") {
  Scenario s = example("switch-resets-1.5");
  s.proxy.version = ProxyVersion::V2_6;
  const ServerSide safe = server_side(s);
  s.proxy.prefer_last_server = true;
  const ServerSide safe_pls = server_side(s);
  CHECK(safe_pls.per_request == Approx(safe.per_request).epsilon(0.25).margin(0.01));

  s.proxy.http_reuse = HttpReuse::Never;
  s.proxy.prefer_last_server = false;
  // Unlike 1.5 (the test above), a 2.x session keeps its connection to each server it used
  // (session_add_conn, LAB-E2E-2): a switch neither opens nor resets one.
  const ServerSide never = server_side(s);
  CHECK(never.per_request < 0.02);
  CHECK(never.hard_per_request < 0.02);
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

TEST_CASE("server-close: a backend that closes later than the RST arrives logs the reset, sooner, it does not",
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

TEST_CASE("server-close: the close waits for a busy loop only when the write comes from another thread",
          "[models][server-close]") {
  // Netty 4: a write made on the channel's own loop closes in the same task, whatever work
  // is queued there; a write handed over from another thread waits for the loop
  // (docs/sources.md §10). At a write-to-close delay just under the RST's arrival, only
  // that queueing makes the resets visible.
  Scenario s = example("server-close");
  s.backends.close_delay = 200 * kMicrosecond;
  s.backends.workers = 8;
  const double idle_loops = server_side(s).backend_resets_per_request;
  s.backends.workers = 1;
  const double busy_loops = server_side(s).backend_resets_per_request;
  INFO("on the loop: 8 workers " << idle_loops << ", 1 worker " << busy_loops);
  CHECK(busy_loops == Approx(idle_loops).margin(0.02));
  s.backends.close_waits_for_loop = true;
  s.backends.workers = 8;
  const double idle_handed = server_side(s).backend_resets_per_request;
  s.backends.workers = 1;
  const double busy_handed = server_side(s).backend_resets_per_request;
  INFO("from another thread: 8 workers " << idle_handed << ", 1 worker " << busy_handed);
  CHECK(busy_handed > idle_handed + 0.1);
}

TEST_CASE("server-close against a backend that closes right after writing: the RSTs are on the wire, not in the "
          "application",
          "[models][server-close]") {
  // LAB-E2E-2 (docs/sources.md §2): the FIN follows the data as its own segment a few
  // microseconds later. When it has not arrived by the time the proxy acts, the proxy's
  // close is hard (linger risk), and the RST finds the backend's socket already closed.
  Scenario s = example("server-close");
  s.backends.close_delay = 0;
  s.backends.close_jitter = s.proxy.processing_time;  // P(FIN after the proxy acts) = e^-1
  const Result r = run_checked(s);
  const double closed = metric(r, m::kConnServerClosedHard) + metric(r, m::kConnServerClosedFin);
  REQUIRE(closed > 1000);
  const double hard_share = metric(r, m::kConnServerClosedHard) / closed;
  INFO("hard-close share " << hard_share);
  CHECK(hard_share == Approx(std::exp(-1.0)).margin(0.03));
  // Two RST segments per hard close: the abort, then the answer to the backend's FIN that
  // was already in flight towards a socket that no longer exists (RFC 9293 3.5.2).
  CHECK(metric(r, m::kRstProxyToBackend) == Approx(2 * metric(r, m::kConnServerClosedHard)).epsilon(0.02));
  CHECK(metric(r, m::kBackendResets) == 0);
  s.backends.close_jitter = 0;  // the FIN leaves with the data (LAB-2): every close is a FIN
  const Result together = run_checked(s);
  CHECK(metric(together, m::kConnServerClosedHard) == 0);
}

TEST_CASE("2.6 purges idle pooled server connections with RST after the client leaves, 2.0 with FIN",
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

TEST_CASE("nolinger: 1.x turns every FIN close of the proxy into an RST, 2.x still closes with a FIN when the "
          "server's FIN was read",
          "[models][nolinger]") {
  // 2.x: option nolinger only skips the clean shutdown; FD_LINGER_RISK, cleared by read0,
  // decides (SRC v2.6.0 src/stconn.c, src/fd.c fd_delete; sim/config/proxy_rules.cpp).
  Scenario s = example("server-close");
  s.backends.close_delay = 0;  // the FIN comes with the response: the proxy has read it
  s.proxy.version = ProxyVersion::V1_5;
  const Result plain = run_checked(s);
  REQUIRE(metric(plain, m::kConnServerClosedFin) > 1000);
  s.proxy.nolinger = true;
  const Result hard = run_checked(s);
  CHECK(metric(hard, m::kConnServerClosedFin) == 0);
  CHECK(metric(hard, m::kConnServerClosedHard) == Approx(metric(plain, m::kConnServerClosedFin)).epsilon(0.05));
  s.proxy.version = ProxyVersion::V2_6;
  const Result v26 = run_checked(s);
  CHECK(metric(v26, m::kConnServerClosedHard) == 0);
  CHECK(metric(v26, m::kConnServerClosedFin) == Approx(metric(plain, m::kConnServerClosedFin)).epsilon(0.05));
}

TEST_CASE("2.x http-reuse never: a session keeps a connection to each server it used, so a switch costs neither a "
          "new connection nor a reset",
          "[models][http-reuse]") {
  // LAB-E2E-2 (docs/sources.md §2); SRC v2.6.0:src/mux_h1.c h1_detach -> session_add_conn,
  // src/backend.c connect_server -> session_get_conn. 1.8 closed the old one instead.
  Scenario s = example("switch-resets-1.5");
  s.proxy.http_reuse = HttpReuse::Never;
  s.proxy.version = ProxyVersion::V2_6;
  const Result r26 = run_checked(s);
  const double requests26 = metric(r26, m::kRequestsStarted);
  INFO("2.6: server connections per request " << metric(r26, m::kConnServerPerRequest));
  CHECK(metric(r26, m::kConnServerPerRequest) < 0.01);
  CHECK(metric(r26, m::kRstProxyToBackend) / requests26 < 0.01);
  // Requests are still balanced one by one.
  CHECK(metric(r26, m::kSkewRequestsMaxOverMean) < 1.05);
  s.proxy.version = ProxyVersion::V1_8;
  const Result r18 = run_checked(s);
  INFO("1.8: server connections per request " << metric(r18, m::kConnServerPerRequest));
  CHECK(metric(r18, m::kConnServerPerRequest) > 0.5);
}

TEST_CASE("2.6 idle pool: the need estimate follows connections in use at once, so a burst's connections are kept",
          "[models][pool]") {
  // srv_use_conn raises est_need_conns to the connections in use as soon as one is created
  // (SRC v2.6.0:include/haproxy/server.h); srv_add_to_idle_list then admits every one of
  // 50 concurrent first requests' connections, since used + idle never exceeds that peak.
  Scenario s = example("stale-reuse-keepalive");
  s.sim.warmup = 0;
  s.sim.duration = 100 * kMillisecond;
  s.backends.servers = 1;
  s.backends.workers = 64;
  s.backends.service_time.dist = ServiceDist::Constant;
  s.backends.service_time.mean = 20 * kMillisecond;
  s.clients.count = 50;
  s.clients.arrival.kind = ArrivalKind::Poisson;
  s.clients.arrival.rate = 200'000.0;  // every client's first request within a millisecond or so
  s.clients.pool.idle_evict = kNever;
  s.proxy.version = ProxyVersion::V2_6;
  s.proxy.mode = ProxyMode::HttpKeepAlive;
  s.proxy.http_reuse = HttpReuse::Safe;
  const Result r = run_checked(s);
  INFO("server connections opened " << metric(r, m::kConnServerOpened));
  REQUIRE(metric(r, m::kConnServerOpened) >= 50);
  CHECK(metric(r, m::kConnServerClosedHard) == 0);
}

TEST_CASE("nolinger on the client side: a FIN then an RST when the client reacts later than the proxy's close, a "
          "bare RST when the client closed first",
          "[models][nolinger]") {
  // Every accepted socket inherits the listener's SO_LINGER 0 (SRC v2.6.0 src/proto_tcp.c);
  // no shutdown once the client's FIN was read (include/haproxy/connection.h conn_sock_shutw).
  Scenario s = example("server-close");
  s.proxy.mode = ProxyMode::HttpClose;
  s.proxy.nolinger = true;
  s.network.client_proxy_delay = kMicrosecond;  // loopback: only the reaction times decide
  s.clients.reaction_time = 0;
  const Result instant = run_checked(s);
  const double requests = metric(instant, m::kRequestsCompleted);
  REQUIRE(requests > 1000);
  // The client's FIN is back before the proxy's close: TIME_WAIT, nothing to reset.
  CHECK(metric(instant, m::kRstProxyToClient) == 0);
  s.clients.reaction_time = 200 * kMicrosecond;
  const Result slow = run_checked(s);
  CHECK(metric(slow, m::kRstProxyToClient) / metric(slow, m::kRequestsCompleted) == Approx(1.0).margin(0.01));
  CHECK(metric(slow, m::kRequestsFailed) == 0);

  // Keep-alive clients whose idle connections the pool evicts long before the proxy's timeout.
  Scenario idle = example("stale-reuse-keepalive");
  idle.proxy.nolinger = true;
  idle.proxy.timeout.http_keep_alive = kNever;
  idle.proxy.timeout.client = 600 * kSecond;
  idle.clients.pool.idle_evict = 500 * kMillisecond;
  idle.clients.pool.evict_interval = 100 * kMillisecond;
  idle.clients.arrival.rate = 10;
  const Result evicted = run_checked(idle);
  const double closes = metric(evicted, m::kConnClientOpened);
  REQUIRE(closes > 100);
  // One RST per client close (and no FIN from the proxy to race it).
  CHECK(metric(evicted, m::kRstProxyToClient) == Approx(closes).epsilon(0.05));
}

TEST_CASE("a close scheduled on a busy event loop runs before the loop reads the proxy's RST: fewer loops, fewer "
          "exceptions",
          "[models][backends]") {
  // Netty 4.1 NioEventLoop.run (select, processSelectedKeys, runAllTasks); measured on the
  // real Netty behind HAProxy 2.6.12: 0.60 resets per request with 1 loop busy 60%, 0.98 with 4.
  Scenario s = example("server-close");
  s.backends.servers = 2;
  s.backends.keep_alive.kind = KeepAliveKind::CloseAfterResponse;
  s.backends.close_delay = 200 * kMicrosecond;
  s.backends.close_jitter = 0;
  s.backends.service_time.dist = ServiceDist::Constant;
  s.backends.service_time.mean = 8 * kMillisecond;
  s.clients.arrival.rate = 150;
  s.network.client_proxy_delay = s.network.proxy_backend_delay = kMicrosecond;
  s.backends.workers = 1;
  const Result one = run_checked(s);
  s.backends.workers = 4;
  const Result four = run_checked(s);
  const double one_rate = metric(one, m::kBackendResets) / metric(one, m::kRequestsCompleted);
  const double four_rate = metric(four, m::kBackendResets) / metric(four, m::kRequestsCompleted);
  INFO("1 loop " << one_rate << ", 4 loops " << four_rate);
  CHECK(one_rate < 0.8);
  CHECK(four_rate > 0.9);
  // Every RST still reaches the wire: only the application's count changes.
  CHECK(metric(one, m::kRstProxyToBackend) / metric(one, m::kRequestsCompleted) == Approx(1.0).margin(0.02));
}

TEST_CASE("2.6 http-reuse safe: with retry-on covering every dead-connection case a first request takes an idle "
          "connection",
          "[models][http-reuse]") {
  // Commit ecb40b2c3 (2.7-dev5, backported to 2.6); measured on 2.6.12 and 2.8.25: 0.27 new
  // server connections per request without, 0.006 with (docs/validation.md).
  Scenario s = example("stale-reuse-keepalive");
  s.proxy.http_reuse = HttpReuse::Safe;
  s.proxy.timeout.http_keep_alive = 50 * kMillisecond;  // short client sessions: many first requests
  s.clients.arrival.rate = 200;
  s.backends.servers = 1;
  const Result plain = run_checked(s);
  s.proxy.retry_on = RetryOnSet{RetryOn::ConnFailure, RetryOn::EmptyResponse, RetryOn::ResponseTimeout};
  const Result retried = run_checked(s);
  INFO("without " << metric(plain, m::kConnServerPerRequest) << ", with " << metric(retried, m::kConnServerPerRequest));
  CHECK(metric(plain, m::kConnServerPerRequest) > 0.1);
  CHECK(metric(retried, m::kConnServerPerRequest) < 0.02);
  s.proxy.version = ProxyVersion::V2_0;  // no such rule before the backport
  CHECK(metric(run_checked(s), m::kConnServerPerRequest) > 0.1);
}
