// The proxy's rules one step at a time, on the bench (proxy_bench.hpp): where a rule is about
// which segment the proxy sends and when, a single exchange shows it better than statistics
// over a run. Each case cites the source the model cites (docs/model.md section 2).
#include "proxy_bench.hpp"

using namespace teardown;
using namespace teardown::test;
using namespace teardown::time_literals;
using models::kMsgClose;

namespace {

// `servers` backends, and the rest of the scenario as `set` makes it.
template <class Set>
Scenario scenario(int servers, Set set) {
  Scenario s;
  s.backends.servers = servers;
  set(s);
  return s;
}
Scenario scenario(int servers) {
  return scenario(servers, [](Scenario&) {});
}

// When the proxy sent the last response on a client connection.
Time last_response_at(const ProxyBench& b, const Peer& client) {
  const std::vector<TraceRecord> data = b.sent(client, By::Proxy, kSegData);
  REQUIRE(!data.empty());
  return data.back().at;
}

// When the proxy sent its first segment with `flag` on a peer's connection.
Time first_at(const ProxyBench& b, const Peer& p, std::uint8_t flag) {
  const std::vector<TraceRecord> segments = b.sent(p, By::Proxy, flag);
  REQUIRE(!segments.empty());
  return segments.front().at;
}

}  // namespace

// Linger risk: 1.5+ closes a server socket hard unless the server's FIN was already read
// (commits ad38aceda, 2b57cb8f3; SRC v1.5.0:src/fd.c fd_delete). docs/model.md, "How each
// kind of close is done".
TEST_CASE("server-close, 2.6: the proxy closes with FIN if the backend's FIN came before it acted on the response, "
          "else with RST",
          "[models][proxy-bench]") {
  ProxyBench b(scenario(1, [](Scenario& s) { s.proxy.mode = ProxyMode::HttpServerClose; }));
  const Peer client = b.open_client();
  b.request(client);
  const Peer server = b.forwarded();
  const Time acted = b.now() + b.sc.network.proxy_backend_delay + b.sc.proxy.processing_time;
  const auto backend_closes_after = [&](Time gap) {
    b.answer(server, kMsgClose);
    b.run_for(gap);
    b.tcp().close(server.ep);
    b.run_for(1_ms);
  };

  SECTION("the backend closes 5 us after writing: its FIN is read first, and answered with a FIN") {
    backend_closes_after(5_us);
    CHECK(b.closing(server, By::Proxy) == "FIN");
    CHECK(first_at(b, server, kSegFin) == acted);
    CHECK(b.tcp().state(server.ep) == TcpState::TimeWait);
  }
  SECTION("the backend closes 300 us after writing: the proxy has acted by then and resets; the backend sees it") {
    backend_closes_after(300_us);
    CHECK(b.closing(server, By::Proxy) == "RST (linger-zero)");
    CHECK(first_at(b, server, kSegRst) == acted);
    CHECK(b.told(server, Notice::Reset) == 1);  // "Connection reset by peer" in the backend's log
    CHECK(b.closing(server, By::Peer).empty());
  }
  // Either way the response went on, and the client connection is kept.
  CHECK(b.told(client, Notice::Data) == 1);
  CHECK(b.proxy_state(client) == TcpState::Established);
}

// option nolinger on the client side: every accepted socket inherits SO_LINGER 0 from the
// listener (SRC v2.6.0:src/proto_tcp.c tcp_bind_listener, LI_O_NOLINGER). Closing first, the
// proxy shuts down then closes: FIN, then RST (LAB-E2E). Closing second, it skips the shutdown
// once the client's FIN was read (include/haproxy/connection.h conn_sock_shutw, CO_FL_SOCK_RD_SH).
TEST_CASE("nolinger, client side: the proxy closing first sends FIN then RST 2 x processing time later, unless the "
          "client's FIN came back, and the client closing first gets a bare RST",
          "[models][proxy-bench]") {
  ProxyBench b(scenario(1, [](Scenario& s) {
    s.proxy.nolinger = true;
    s.proxy.timeout.http_keep_alive = 100_ms;
    s.network.client_proxy_delay = 10_us;  // short enough for the client's FIN to come back within the 40 us
  }));
  const Scenario& s = b.sc;
  const Peer client = b.open_client();
  b.serve(client);
  const Time expires = last_response_at(b, client) + 100_ms;

  SECTION("the keep-alive timeout, the client slow to close: FIN, then RST") {
    b.run_until(expires + 1_ms);
    CHECK(b.closing(client, By::Proxy) == "FIN, RST (linger-zero)");
    CHECK(first_at(b, client, kSegFin) == expires);
    CHECK(first_at(b, client, kSegRst) == expires + 2 * s.proxy.processing_time);
    // The client read the end of stream, and the reset makes its next write fail with EPIPE.
    CHECK(b.told(client, Notice::Eof) == 1);
    CHECK(b.tcp().pending_error(client.ep) == AppError::BrokenPipe);
  }
  SECTION("the keep-alive timeout, the client closing as the FIN arrives: no RST") {
    b.run_until(expires + s.network.client_proxy_delay);
    REQUIRE(b.told(client, Notice::Eof) == 1);
    b.tcp().close(client.ep);
    b.run_for(1_ms);
    CHECK(b.closing(client, By::Proxy) == "FIN");
    CHECK(b.proxy_state(client) == TcpState::TimeWait);  // an orderly close, the proxy's first
  }
  SECTION("the client closes its idle connection first: a bare RST, no FIN") {
    const Time closed = b.now();
    b.tcp().close(client.ep);
    b.run_for(1_ms);
    CHECK(b.closing(client, By::Proxy) == "RST (linger-zero)");
    CHECK(first_at(b, client, kSegRst) == closed + s.network.client_proxy_delay);
  }
}

// "timeout client" still applies beneath the HTTP timeouts (CFGHEAD "timeout http-keep-alive":
// "at the lower level"; SRC v2.6.0:src/mux_h1.c h1_refresh_timeout).
TEST_CASE("an idle client connection expires at the earlier of timeout client and timeout http-keep-alive",
          "[models][proxy-bench]") {
  const auto idle_for = [](Time http_keep_alive, Time client_timeout) {
    ProxyBench b(scenario(1, [&](Scenario& s) {
      s.proxy.timeout.http_keep_alive = http_keep_alive;
      s.proxy.timeout.client = client_timeout;
    }));
    const Peer client = b.open_client();
    b.serve(client);
    b.run_for(6_s);
    CHECK(b.closing(client, By::Proxy) == "FIN");  // 2.6's client_idle close (LAB-5)
    return first_at(b, client, kSegFin) - last_response_at(b, client);
  };
  CHECK(idle_for(1_s, 300_ms) == 300_ms);
  CHECK(idle_for(200_ms, 5_s) == 200_ms);
}

// http-reuse never, a request balanced elsewhere: 2.x keeps the session's idle connection to
// each server it used (SRC v2.6.0 src/mux_h1.c h1_detach -> include/haproxy/session.h
// session_add_conn; src/backend.c connect_server -> session_get_conn; LAB-E2E-2); 1.5-1.8
// close it at once, hard (CFG1.5 "option http-keep-alive"; LAB-11).
TEST_CASE("http-reuse never, a session's next request going to another server: 2.6 keeps its connection to the first "
          "server, 1.8 resets it",
          "[models][proxy-bench]") {
  SECTION("2.6: kept, idle, and used again when a request goes back to that server") {
    ProxyBench b(scenario(2, [](Scenario& s) { s.proxy.http_reuse = HttpReuse::Never; }));
    const Peer client = b.open_client();
    const Peer first = b.serve(client);
    const Peer second = b.serve(client);
    REQUIRE(b.server_of(second) != b.server_of(first));  // roundrobin over two
    b.run_for(1_ms);
    CHECK(b.closing(first, By::Proxy).empty());
    CHECK(b.proxy_state(first) == TcpState::Established);
    const Peer third = b.serve(client);
    CHECK(third.trace == first.trace);  // the same connection, not a new one
  }
  SECTION("1.8: reset as the next request is routed") {
    ProxyBench b(scenario(2, [](Scenario& s) { s.proxy.version = ProxyVersion::V1_8; }));
    const Peer client = b.open_client();
    const Peer first = b.serve(client);
    const Time routed = b.now() + b.sc.network.client_proxy_delay + b.sc.proxy.processing_time;
    REQUIRE(b.server_of(b.serve(client)) != b.server_of(first));
    CHECK(b.closing(first, By::Proxy) == "RST (linger-zero)");
    CHECK(first_at(b, first, kSegRst) == routed);
    CHECK(b.told(first, Notice::Reset) == 1);
  }
}

// The 2.6 idle pool's admission (SRC v2.6.0:src/server.c srv_add_to_idle_list, with the need
// raised as connections open, include/haproxy/server.h srv_use_conn); a connection refused is
// closed with the linger-risk rule, i.e. hard (LAB-E2E).
TEST_CASE("2.6 idle pool: a second first-request connection is kept only if both were needed at once",
          "[models][proxy-bench]") {
  ProxyBench b(scenario(1));  // http-reuse safe: a first request never goes over a pooled connection
  const Peer one = b.open_client(0);
  const Peer two = b.open_client(1);

  SECTION("one after the other: the second is refused by the pool and reset as the proxy acts on its response") {
    const Peer kept = b.serve(one);
    const Peer refused = b.serve(two);
    REQUIRE(refused.trace != kept.trace);
    b.run_for(1_ms);
    CHECK(b.closing(kept, By::Proxy).empty());
    CHECK(b.closing(refused, By::Proxy) == "RST (linger-zero)");
    const Time answered = b.sent(refused, By::Peer, kSegData).front().at;
    CHECK(first_at(b, refused, kSegRst) == answered + b.sc.network.proxy_backend_delay + b.sc.proxy.processing_time);
  }
  SECTION("at the same time: both are needed, and both are pooled") {
    b.request(one);
    const Peer first = b.forwarded();
    b.request(two);
    const Peer second = b.forwarded();
    REQUIRE(second.trace != first.trace);
    b.answer(first);
    b.answer(second);
    b.run_for(1_ms);
    CHECK(b.closing(first, By::Proxy).empty());
    CHECK(b.closing(second, By::Proxy).empty());
  }
}

namespace {

// The client closes its connection while its request is at the server, and the proxy reads
// its FIN; returns the backend's end.
Peer client_leaves_during_request(ProxyBench& b, const Peer& client) {
  b.request(client);
  const Peer server = b.forwarded();
  b.tcp().close(client.ep);
  b.run_for(1_ms);
  return server;
}

}  // namespace

// abortonclose: a request already at the server is aborted hard when its client leaves
// (commit 8615c2af6; LAB-10). Without it the response is still forwarded, into a socket the
// client closed, whose kernel answers it with RST (LAB-10; RFC 9293 3.6.1).
TEST_CASE("a client leaving while its request is at the server: with abortonclose the proxy resets the server "
          "connection at once, without it the response goes on and the client's kernel resets",
          "[models][proxy-bench]") {
  SECTION("abortonclose") {
    ProxyBench b(scenario(1, [](Scenario& s) { s.proxy.abortonclose = true; }));
    const Peer client = b.open_client();
    const Peer server = client_leaves_during_request(b, client);
    CHECK(b.closing(server, By::Proxy) == "RST (linger-zero)");
    const Time fin_read = b.sent(client, By::Peer, kSegFin).front().at + b.sc.network.client_proxy_delay;
    CHECK(first_at(b, server, kSegRst) == fin_read);
    CHECK(b.told(server, Notice::Reset) == 1);
  }
  SECTION("without") {
    ProxyBench b(scenario(1));
    const Peer client = b.open_client();
    const Peer server = client_leaves_during_request(b, client);
    CHECK(b.closing(server, By::Proxy).empty());
    b.answer(server);
    b.run_for(1_ms);
    CHECK(b.sent(client, By::Proxy, kSegData).size() == 1);
    // The client's FIN; then its kernel answers the response, and the proxy's FIN after it, with RST.
    CHECK(b.closing(client, By::Peer) == "FIN, RST (data-to-orphan), RST (no-such-connection)");
    CHECK(b.closing(server, By::Proxy).empty());  // the server connection went to the pool
  }
}
