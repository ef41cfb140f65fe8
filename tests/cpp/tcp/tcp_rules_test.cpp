// One test per TCP teardown rule of docs/model.md, section 1.
#include <catch2/catch.hpp>

#include "tcp_harness.hpp"

using namespace teardown;
using namespace teardown::test;
using namespace teardown::time_literals;

TEST_CASE("an orderly close from both sides ends in TIME_WAIT on the side that closed first, with no RST", "[tcp]") {
  TwoHosts w;
  w.open();
  REQUIRE(w.tcp.state(w.client) == TcpState::Established);
  REQUIRE(w.tcp.state(w.server) == TcpState::Established);
  REQUIRE(w.count(w.server, Notice::Accepted) == 1);
  REQUIRE(w.count(w.client, Notice::Connected) == 1);

  w.tcp.close(w.client);
  CHECK(w.tcp.state(w.client) == TcpState::FinWait1);
  w.run_for(w.delay);  // FIN arrives
  CHECK(w.tcp.state(w.server) == TcpState::CloseWait);
  CHECK(w.count(w.server, Notice::Eof) == 1);
  w.run_for(w.delay);  // its ACK arrives
  CHECK(w.tcp.state(w.client) == TcpState::FinWait2);

  w.tcp.close(w.server);
  CHECK(w.tcp.state(w.server) == TcpState::LastAck);
  w.run_for(w.delay);
  CHECK(w.tcp.state(w.client) == TcpState::TimeWait);
  CHECK(w.tcp.time_wait(kClientHost) == 1);
  CHECK(w.tcp.time_wait(kServerHost) == 0);
  w.run_for(w.delay);
  CHECK(w.tcp.released(w.server));
  CHECK(w.tcp.open_connections() == 1);  // the client's TIME_WAIT still holds it

  w.run_for(60_s);
  CHECK(w.tcp.time_wait(kClientHost) == 0);
  CHECK(w.tcp.time_wait_peak(kClientHost) == 1);
  CHECK(w.tcp.open_connections() == 0);
  CHECK(w.tcp.counters().rst_sent == 0);
  CHECK(w.connections_conserved());
}

TEST_CASE("a half close sends FIN but keeps reading: the response still arrives", "[tcp]") {
  TwoHosts w;
  w.open();
  REQUIRE(w.tcp.send(w.client, 512) == AppError::None);
  w.tcp.shutdown_write(w.client);
  w.run_for(w.delay);
  CHECK(w.count(w.server, Notice::Data) == 1);
  CHECK(w.count(w.server, Notice::Eof) == 1);
  CHECK(w.tcp.state(w.server) == TcpState::CloseWait);
  CHECK(w.tcp.read(w.server) == 512);

  // The peer only said it sends no more; the response goes out with our FIN in one segment.
  REQUIRE(w.tcp.send(w.server, 2048, 0, /*with_fin=*/true) == AppError::None);
  CHECK(w.tcp.state(w.server) == TcpState::LastAck);
  w.tcp.close(w.server);
  CHECK(w.sent(1, kSegFin) == 1);
  w.run_for(w.delay);
  CHECK(w.count(w.client, Notice::Data) == 1);
  CHECK(w.last(w.client)->eof);  // DATA+FIN
  CHECK(w.tcp.read(w.client) == 2048);
  CHECK(w.tcp.state(w.client) == TcpState::TimeWait);
  CHECK(w.tcp.counters().rst_sent == 0);
  // Writing after our own FIN fails locally.
  CHECK(w.tcp.send(w.client, 1) == AppError::BrokenPipe);
}

TEST_CASE("close() with unread received data sends RST instead of FIN", "[tcp]") {
  TwoHosts w;
  w.open();
  REQUIRE(w.tcp.send(w.server, 2048) == AppError::None);
  w.run_for(w.delay);
  REQUIRE(w.tcp.unread(w.client) == 2048);
  w.tcp.close(w.client);  // never read it
  CHECK(w.sent(0, kSegFin) == 0);
  REQUIRE(w.first_rst_sent() != nullptr);
  CHECK(w.first_rst_sent()->side == 0);
  CHECK(w.first_rst_sent()->rule == ResetRule::CloseWithUnreadData);
  w.run_for(w.delay);
  CHECK(w.tcp.state(w.server) == TcpState::Closed);
  CHECK(w.count(w.server, Notice::Reset) == 1);
  CHECK(w.last(w.server)->error == AppError::ConnReset);
  // LAB-12: the first call after the reset reports ECONNRESET, later writes EPIPE.
  CHECK(w.tcp.send(w.server, 10) == AppError::ConnReset);
  CHECK(w.tcp.send(w.server, 10) == AppError::BrokenPipe);
  CHECK(w.tcp.time_wait(kClientHost) == 0);  // an RST skips TIME_WAIT
  CHECK(w.tcp.counters().rst_by_rule[static_cast<int>(ResetRule::CloseWithUnreadData)] == 1);
  CHECK(w.tcp.counters().rst_seen_from_to[kClientRole][kServerRole] == 1);
  CHECK(w.rst_conserved());
}

TEST_CASE("close() with SO_LINGER zero sends RST, no FIN and no TIME_WAIT", "[tcp]") {
  TwoHosts w;
  w.open();
  w.tcp.set_linger_zero(w.server);
  w.tcp.close(w.server);
  CHECK(w.sent(1, kSegFin) == 0);
  REQUIRE(w.first_rst_sent() != nullptr);
  CHECK(w.first_rst_sent()->rule == ResetRule::LingerZero);
  CHECK(w.tcp.released(w.server));
  CHECK(w.tcp.state(w.server) == TcpState::Closed);
  w.run_for(w.delay);
  CHECK(w.last(w.client)->kind == Notice::Reset);
  CHECK(w.last(w.client)->error == AppError::ConnReset);  // reset on read: no FIN came first
  CHECK(w.tcp.take_error(w.client) == AppError::ConnReset);
  CHECK(w.tcp.counters().time_wait_entered == 0);
  w.tcp.close(w.client);
  CHECK(w.tcp.open_connections() == 0);
  CHECK(w.connections_conserved());
  CHECK(w.rst_conserved());
}

TEST_CASE("data arriving at a socket the application closed is answered with RST", "[tcp]") {
  TwoHosts w;
  w.open();
  w.tcp.close(w.server);  // FIN; the server is now an orphan in FIN_WAIT
  w.run_for(w.delay);
  REQUIRE(w.tcp.state(w.client) == TcpState::CloseWait);
  REQUIRE(w.count(w.client, Notice::Eof) == 1);
  // The client writes anyway: the write succeeds locally.
  REQUIRE(w.tcp.send(w.client, 512) == AppError::None);
  w.run_for(w.delay);
  REQUIRE(w.first_rst_sent() != nullptr);
  CHECK(w.first_rst_sent()->side == 1);
  CHECK(w.first_rst_sent()->rule == ResetRule::DataToOrphan);
  w.run_for(w.delay);
  // The client was in CLOSE_WAIT: Linux maps the RST to EPIPE (docs/sources.md §8).
  CHECK(w.tcp.state(w.client) == TcpState::Closed);
  CHECK(w.last(w.client)->error == AppError::BrokenPipe);
  CHECK(w.tcp.send(w.client, 1) == AppError::BrokenPipe);
  CHECK(w.rst_conserved());
}

TEST_CASE("a segment for a connection that no longer exists is answered with RST", "[tcp]") {
  TcpConfig cfg;
  cfg.fin_timeout = 5_s;
  TwoHosts w(100_us, cfg);
  w.open();
  w.tcp.close(w.server);
  w.run_for(1_ms);
  REQUIRE(w.tcp.state(w.server) == TcpState::FinWait2);
  w.run_for(6_s);  // the orphaned FIN_WAIT_2 times out and disappears silently
  CHECK(w.tcp.counters().rst_sent == 0);
  REQUIRE(w.tcp.send(w.client, 512) == AppError::None);
  w.run_for(w.delay);
  REQUIRE(w.first_rst_sent() != nullptr);
  CHECK(w.first_rst_sent()->rule == ResetRule::NoSuchConnection);
  CHECK(w.first_rst_sent()->side == 1);
  w.settle();
  CHECK(w.tcp.state(w.client) == TcpState::Closed);
  CHECK(w.rst_conserved());
}

TEST_CASE("a SYN to a host that is not listening is refused with RST: ECONNREFUSED", "[tcp]") {
  TwoHosts w;
  w.tcp.listen(kServerHost, false);
  w.open();
  CHECK(w.count(w.client, Notice::ConnectFailed) == 1);
  CHECK(w.last(w.client)->error == AppError::ConnRefused);
  CHECK(w.tcp.counters().connects_refused == 1);
  CHECK(w.tcp.counters().rst_by_rule[static_cast<int>(ResetRule::NoSuchConnection)] == 1);
  w.tcp.close(w.client);
  CHECK(w.tcp.open_connections() == 0);
  CHECK(w.connections_conserved());
}

TEST_CASE("an RST to a socket whose application already closed it is absorbed by the kernel", "[tcp]") {
  // The close-after-write window of a Netty backend (docs/sources.md §10): the proxy
  // hard-closes as soon as the response is in; the backend's own close() comes `d_app` after
  // its write. The RST reaches the backend's application only if it lands first.
  for (const Time d_app : {50_us, 5_ms}) {
    TwoHosts w(100_us);
    w.open();  // client = proxy side, server = backend
    REQUIRE(w.tcp.send(w.server, 2048) == AppError::None);
    w.sim.schedule(w.sim.now() + d_app, 100, 0);
    bool backend_closed = false;
    w.sim.run_until(kNever, [&](const Event& e) {
      if (e.kind() == 100) {
        if (w.tcp.state(w.server) != TcpState::Closed) w.tcp.close(w.server);
        backend_closed = true;
        return;
      }
      const Notice n = w.tcp.handle(e);
      if (n.kind == Notice::Data && n.endpoint == w.client) {
        w.tcp.read(w.client);
        w.tcp.abort(w.client);  // hard close, as HAProxy does before reading the server's FIN
      }
      if (n.kind != Notice::None) w.notices.push_back(n);
    });
    REQUIRE(backend_closed);
    const auto& fate = w.tcp.counters().rst_by_fate;
    if (d_app < 2 * w.delay) {
      INFO("backend closed before the RST arrived");
      CHECK(fate[static_cast<int>(ResetFate::AbsorbedByKernel)] == 1);
      CHECK(w.count(w.server, Notice::Reset) == 0);
    } else {
      INFO("the RST arrived while the backend still held the socket");
      CHECK(fate[static_cast<int>(ResetFate::SeenByApp)] == 1);
      CHECK(w.count(w.server, Notice::Reset) == 1);
    }
    CHECK(w.rst_conserved());
  }
}

TEST_CASE("simultaneous close: both sides pass CLOSING and end in TIME_WAIT, no RST", "[tcp]") {
  TwoHosts w;
  w.open();
  w.tcp.close(w.client);
  w.tcp.close(w.server);
  w.run_for(w.delay);
  CHECK(w.tcp.state(w.client) == TcpState::Closing);
  CHECK(w.tcp.state(w.server) == TcpState::Closing);
  w.run_for(w.delay);
  CHECK(w.tcp.state(w.client) == TcpState::TimeWait);
  CHECK(w.tcp.state(w.server) == TcpState::TimeWait);
  CHECK(w.tcp.time_wait_total() == 2);
  CHECK(w.tcp.counters().rst_sent == 0);
  w.settle();
  CHECK(w.tcp.open_connections() == 0);
}

TEST_CASE("TIME_WAIT is counted per host, with its peak", "[tcp]") {
  Simulator sim;
  TcpStack tcp(sim, TcpConfig{}, 3);
  auto run = [&](Time until) { sim.run_until(until, [&](const Event& e) { tcp.handle(e); }); };
  std::vector<EndpointId> eps;
  for (int i = 0; i < 5; ++i) eps.push_back(tcp.connect(0, 2, 100_us, 0, 0, 1, 0));
  for (int i = 0; i < 2; ++i) eps.push_back(tcp.connect(1, 2, 100_us, 0, 0, 1, 0));
  run(1_ms);
  for (EndpointId ep : eps) tcp.close(ep);  // the connecting hosts close first...
  run(2_ms);
  for (EndpointId ep : eps) tcp.close(TcpStack::peer(ep));  // ...then the server
  run(3_ms);
  CHECK(tcp.time_wait(0) == 5);
  CHECK(tcp.time_wait(1) == 2);
  CHECK(tcp.time_wait(2) == 0);
  CHECK(tcp.time_wait_total_peak() == 7);
  run(61_s);
  CHECK(tcp.time_wait_total() == 0);
  CHECK(tcp.time_wait_peak(0) == 5);
  CHECK(tcp.open_connections() == 0);
  // Slots are recycled: a new connection reuses one, and old segments cannot touch it.
  const EndpointId again = tcp.connect(0, 2, 100_us, 0, 0, 1, 0);
  CHECK(TcpStack::connection_of(again) < 7);
  CHECK(tcp.connection_slots() == 7);
}

TEST_CASE("jitter never reorders the segments of one direction", "[tcp]") {
  Simulator sim;
  TcpStack tcp(sim, TcpConfig{}, 2);
  const EndpointId c = tcp.connect(0, 1, 100_us, 80_us, 0, 1, 0);
  std::vector<std::uint32_t> sizes;
  sim.run_until(kNever, [&](const Event& e) {
    const Notice n = tcp.handle(e);
    if (n.kind == Notice::Connected) {
      for (std::uint32_t i = 1; i <= 200; ++i) tcp.send(c, i);
    }
    if (n.kind == Notice::Data) sizes.push_back(n.bytes);
  });
  REQUIRE(sizes.size() == 200);
  for (std::uint32_t i = 0; i < 200; ++i) CHECK(sizes[i] == i + 1);
}
