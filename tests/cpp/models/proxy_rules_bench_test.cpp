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
