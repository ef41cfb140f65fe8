// The stale-reuse race (docs/sources.md §8 and §13): the proxy closes an idle
// keep-alive connection at time T_close while the client sends a request on it at t_send.
// The request needs `d` to arrive; the proxy's FIN needs `d` to reach the client.
#include <catch2/catch.hpp>

#include "tcp_harness.hpp"

using namespace teardown;
using namespace teardown::test;
using namespace teardown::time_literals;

namespace {

enum class ClientSaw { Response, EofBeforeResponse, ResetOnRead, ResetOnWrite, CaughtByStaleCheck };

struct RaceResult {
  ClientSaw saw;
  std::uint64_t rst_sent;
  ResetRule rule;
};

// The proxy side ("server" endpoint) idles out at t_close unless a request is already being
// served; it reads a request `read_lag` after it lands (its event loop granularity). The
// client sends at t_send, optionally checking first whether the FIN has arrived.
RaceResult race(Time t_send, Time t_close, Time read_lag = 0, bool stale_check = false) {
  TwoHosts w(250_us);
  w.open();
  const Time base = w.sim.now();
  constexpr std::uint16_t kSend = 100, kIdle = 101, kProxyRead = 102;
  w.sim.schedule(base + t_send, kSend, 0);
  w.sim.schedule(base + t_close, kIdle, 0);
  bool request_taken = false;
  bool responded = false;
  ClientSaw saw = ClientSaw::Response;
  bool decided = false;
  auto decide = [&](ClientSaw s) {
    if (!decided) saw = s;
    decided = true;
  };
  w.sim.run_until(kNever, [&](const Event& e) {
    switch (e.kind()) {
      case kSend:
        if (stale_check && w.tcp.peer_fin_seen(w.client)) {
          decide(ClientSaw::CaughtByStaleCheck);
          w.tcp.close(w.client);
          return;
        }
        if (w.tcp.send(w.client, 512) != AppError::None) decide(ClientSaw::ResetOnWrite);
        return;
      case kIdle:
        if (!request_taken && !w.tcp.released(w.server)) w.tcp.close(w.server);
        return;
      case kProxyRead:
        if (!w.tcp.released(w.server) && w.tcp.state(w.server) != TcpState::Closed && w.tcp.unread(w.server) > 0) {
          w.tcp.read(w.server);
          request_taken = true;
          responded = true;
          w.tcp.send(w.server, 2048);
        }
        return;
      default:
        break;
    }
    const Notice n = w.tcp.handle(e);
    if (n.kind == Notice::Data && n.endpoint == w.server) w.sim.schedule(w.sim.now() + read_lag, kProxyRead, 0);
    if (n.endpoint == w.client && !decided && w.sim.now() >= base + t_send) {
      if (n.kind == Notice::Data) decide(ClientSaw::Response);
      if (n.kind == Notice::Eof) decide(ClientSaw::EofBeforeResponse);
      if (n.kind == Notice::Reset) decide(n.error == AppError::ConnReset ? ClientSaw::ResetOnRead : ClientSaw::EofBeforeResponse);
    }
  });
  (void)responded;
  const TraceRecord* rst = w.first_rst_sent();
  REQUIRE(w.rst_conserved());
  return {saw, w.tcp.counters().rst_sent, rst ? rst->rule : ResetRule::NoSuchConnection};
}

}  // namespace

TEST_CASE("stale reuse: a request that lands before the proxy's close is served", "[tcp][stale]") {
  // Lands at t_send + d = 9.5 ms, close at 10 ms: the proxy has it and does not idle out.
  const RaceResult r = race(9250_us, 10_ms);
  CHECK(r.saw == ClientSaw::Response);
  CHECK(r.rst_sent == 0);
}

TEST_CASE("stale reuse: a request that lands unread just before close() meets RST without FIN: reset on read",
          "[tcp][stale]") {
  // Lands at 9.95 ms; the proxy's event loop would read it 100 us later, but closes at 10 ms
  // with the bytes unread: RST (close with unread data), and no FIN ever reaches the client.
  const RaceResult r = race(9700_us, 10_ms, 100_us);
  CHECK(r.saw == ClientSaw::ResetOnRead);
  CHECK(r.rule == ResetRule::CloseWithUnreadData);
}

TEST_CASE("stale reuse: a request in flight while the proxy closes sees end of stream, not a reset",
          "[tcp][stale]") {
  // Inside the window [T - d, T + d): the request leaves before the FIN arrives and lands
  // after close(). The FIN reaches the client first; the proxy host answers the request
  // with RST (data to an orphan), which the client, now in CLOSE_WAIT, cannot read as a reset.
  for (const Time t_send : {9800_us, 10_ms, 10200_us}) {
    INFO("t_send = " << format_duration(t_send));
    const RaceResult r = race(t_send, 10_ms);
    CHECK(r.saw == ClientSaw::EofBeforeResponse);
    CHECK(r.rule == ResetRule::DataToOrphan);
  }
}

TEST_CASE("stale reuse: a request sent after the FIN arrived also fails as end of stream", "[tcp][stale]") {
  const RaceResult r = race(11_ms, 10_ms);
  CHECK(r.saw == ClientSaw::EofBeforeResponse);
  CHECK(r.rst_sent == 1);
}

TEST_CASE("stale reuse: a stale check catches the closed connection once the FIN has arrived, not before",
          "[tcp][stale]") {
  CHECK(race(11_ms, 10_ms, 0, true).saw == ClientSaw::CaughtByStaleCheck);
  // Inside the window the FIN is still in flight: the check passes and the request fails.
  CHECK(race(10_ms, 10_ms, 0, true).saw == ClientSaw::EofBeforeResponse);
}
