// A middlebox on the path forgets a flow idle for its timeout (docs/model.md, "Middleboxes"):
// what a later segment meets, what each end then sees, and what keeps a flow alive.
#include <catch2/catch.hpp>

#include <string>

#include "tcp_harness.hpp"

using namespace teardown;
using namespace teardown::test;
using namespace teardown::time_literals;

namespace {

// A connection through a middlebox that forgets after 5 s, left idle for 10 s.
TwoHosts idle_past_timeout(ForgottenFlow then) {
  TwoHosts w;
  w.add_middlebox(5_s, then);
  w.open();
  w.run_for(10_s);
  return w;
}

}  // namespace

TEST_CASE("middlebox drop: the segment of a forgotten flow vanishes, and the sender's kernel gives up with ETIMEDOUT",
          "[tcp][middlebox]") {
  TwoHosts w = idle_past_timeout(ForgottenFlow::Drop);
  const Time sent_at = w.sim.now();
  REQUIRE(w.tcp.send(w.client, 512) == AppError::None);
  w.run_for(900_s);
  // Nothing reaches the server, nothing comes back: the client waits, the server never learns.
  CHECK(w.count(w.server, Notice::Data) == 0);
  CHECK(w.last(w.client) != nullptr);
  CHECK(w.last(w.client)->kind == Notice::Connected);
  CHECK(w.tcp.state(w.client) == TcpState::Established);
  CHECK(w.tcp.counters().rst_sent == 0);
  CHECK(w.tcp.counters().flows_forgotten == 1);

  // tcp_retries2 = 15: 924.6 s after the first lost transmission the socket fails.
  w.run_until(sent_at + TcpConfig{}.retransmit_give_up - 1);
  CHECK(w.tcp.state(w.client) == TcpState::Established);
  w.run_until(sent_at + TcpConfig{}.retransmit_give_up);
  REQUIRE(w.last(w.client)->kind == Notice::Reset);
  CHECK(w.last(w.client)->error == AppError::TimedOut);
  CHECK(w.tcp.state(w.client) == TcpState::Closed);
  CHECK(w.tcp.take_error(w.client) == AppError::TimedOut);
  CHECK(w.tcp.counters().app_errors_timed_out[kClientRole] == 1);
  CHECK(w.tcp.state(w.server) == TcpState::Established);
  CHECK(w.count(w.server, Notice::Reset) == 0);

  // The flow stays forgotten: the server's later segments vanish as well, counted once as a flow.
  w.tcp.close(w.client);
  REQUIRE(w.tcp.send(w.server, 2048) == AppError::None);
  w.run_for(1_s);
  CHECK(w.tcp.counters().segments_lost_at_middlebox == 2);
  CHECK(w.tcp.counters().flows_forgotten == 1);
  CHECK(w.connections_conserved());
}

TEST_CASE("middlebox drop: an orphan whose FIN is lost disappears when its retransmissions give up, and a lost "
          "RST never arrives",
          "[tcp][middlebox]") {
  TwoHosts w = idle_past_timeout(ForgottenFlow::Drop);
  w.tcp.close(w.client);  // FIN, lost
  w.run_for(10_s);
  CHECK(w.tcp.state(w.server) == TcpState::Established);
  CHECK(w.tcp.state(w.client) == TcpState::FinWait1);
  w.run_for(TcpConfig{}.retransmit_give_up);
  CHECK(w.tcp.state(w.client) == TcpState::Closed);
  CHECK(w.tcp.open_connections() == 1);  // the server still holds its end

  w.tcp.abort(w.server);  // RST, lost at the middlebox
  w.run_for(1_s);
  CHECK(w.tcp.counters().rst_sent == 1);
  CHECK(w.tcp.counters().rst_in_flight == 0);
  CHECK(w.rst_conserved());
  CHECK(w.tcp.open_connections() == 0);
  CHECK(w.connections_conserved());
}

TEST_CASE("middlebox rst-sender: the sender of a segment of a forgotten flow gets an RST, and the far end never learns",
          "[tcp][middlebox]") {
  TwoHosts w = idle_past_timeout(ForgottenFlow::ResetSender);
  REQUIRE(w.tcp.send(w.client, 512) == AppError::None);
  w.run_for(w.delay - 1);
  CHECK(w.count(w.client, Notice::Reset) == 0);
  w.run_for(1);  // half way there and half way back: one one-way delay
  REQUIRE(w.last(w.client)->kind == Notice::Reset);
  CHECK(w.last(w.client)->error == AppError::ConnReset);
  CHECK(w.count(w.server, Notice::Data) == 0);
  CHECK(w.tcp.state(w.server) == TcpState::Established);
  const TcpCounters& c = w.tcp.counters();
  CHECK(c.rst_from_to[kMiddleboxRole][kClientRole] == 1);
  CHECK(c.rst_seen_from_to[kMiddleboxRole][kClientRole] == 1);
  CHECK(c.rst_by_rule[static_cast<std::size_t>(ResetRule::MiddleboxIdle)] == 1);
  CHECK(c.rst_from_to[kMiddleboxRole][kServerRole] == 0);
  // The ladder says who sent it: no host did.
  CHECK(format_ladder(w.trace, w.tcp.trace_id(w.client), "client", "server")
            .find("client   receives RST from the middlebox (middlebox-idle)  CLOSED, app: ECONNRESET") !=
        std::string::npos);

  // Still forgotten: the server's next segment is answered the same way.
  REQUIRE(w.tcp.send(w.server, 2048) == AppError::None);
  w.run_for(w.delay);
  CHECK(w.last(w.server)->kind == Notice::Reset);
  CHECK(c.rst_from_to[kMiddleboxRole][kServerRole] == 1);
  CHECK(c.flows_forgotten == 1);
  CHECK(w.rst_conserved());
}

TEST_CASE("middlebox rst-both: when the flow's idle timer runs out, the box resets both ends", "[tcp][middlebox]") {
  TwoHosts w;
  w.add_middlebox(5_s, ForgottenFlow::ResetBoth);
  w.open();  // the handshake's last segment crossed the box before 2 one-way delays
  w.run_until(5_s);
  CHECK(w.count(w.client, Notice::Reset) == 0);
  CHECK(w.count(w.server, Notice::Reset) == 0);
  // Idle for the timeout: the box, half way, resets both ends at once; nobody sent anything.
  w.run_until(5_s + 3 * w.delay);
  CHECK(w.last(w.client)->kind == Notice::Reset);
  CHECK(w.last(w.server)->kind == Notice::Reset);
  CHECK(w.last(w.server)->error == AppError::ConnReset);
  const TcpCounters& c = w.tcp.counters();
  CHECK(c.rst_from_to[kMiddleboxRole][kClientRole] == 1);
  CHECK(c.rst_from_to[kMiddleboxRole][kServerRole] == 1);
  CHECK(c.rst_sent == 2);
  CHECK(c.flows_forgotten == 1);
  CHECK(w.sent(0, kSegData) == 0);
  // The client learns it before it sends: its request fails at once, and nothing leaves.
  w.tcp.take_error(w.client);
  CHECK(w.tcp.send(w.client, 512) != AppError::None);
  w.tcp.close(w.client);
  w.tcp.close(w.server);
  w.settle();
  CHECK(w.tcp.counters().rst_sent == 2);
  CHECK(w.tcp.open_connections() == 0);
  CHECK(w.rst_conserved());
  CHECK(w.connections_conserved());
}

TEST_CASE("middlebox: a segment in either direction keeps the flow, and one within the timeout is untouched",
          "[tcp][middlebox]") {
  TwoHosts w;
  w.add_middlebox(5_s, ForgottenFlow::ResetBoth);
  w.open();
  // Every 4 s a segment, from alternate ends: 20 s in all, never 5 s idle.
  for (int i = 0; i < 5; ++i) {
    w.run_for(4_s);
    const EndpointId from = i % 2 == 0 ? w.server : w.client;
    REQUIRE(w.tcp.send(from, 100) == AppError::None);
    w.run_for(w.delay);
    CHECK(w.count(TcpStack::peer(from), Notice::Data) == static_cast<std::size_t>(i / 2 + 1));
    w.tcp.read(TcpStack::peer(from));
  }
  CHECK(w.tcp.counters().rst_sent == 0);
  CHECK(w.tcp.counters().flows_forgotten == 0);
  CHECK(w.tcp.counters().segments_lost_at_middlebox == 0);

  // An orderly close within the timeout goes through as without a middlebox, and the
  // reset-on-idle timer's later look finds both ends closed: nothing to reset.
  w.tcp.close(w.client);
  w.run_for(2 * w.delay);
  w.tcp.close(w.server);
  w.settle();
  CHECK(w.tcp.counters().rst_sent == 0);
  CHECK(w.tcp.counters().flows_forgotten == 0);
  CHECK(w.tcp.open_connections() == 0);
}

TEST_CASE("middlebox: the flow is forgotten once idle for exactly the timeout, and other paths are not affected",
          "[tcp][middlebox]") {
  TwoHosts w;
  w.add_middlebox(5_s, ForgottenFlow::ResetSender);
  w.open();
  const EndpointId boxed = w.client;
  const Time last_segment = w.sim.now() - w.delay;  // the SYN-ACK left the server one delay ago
  // A second connection on the same delay without the middlebox: a path of its own.
  const EndpointId plain = w.tcp.connect(kClientHost, kServerHost, w.delay, 0, kClientRole, kServerRole, 1);
  w.run_for(2 * w.delay);
  w.run_until(last_segment + 5_s);
  REQUIRE(w.tcp.send(boxed, 1) == AppError::None);
  REQUIRE(w.tcp.send(plain, 1) == AppError::None);
  w.run_for(w.delay);
  CHECK(w.last(boxed)->kind == Notice::Reset);
  CHECK(w.last(TcpStack::peer(plain))->kind == Notice::Data);
  CHECK(w.tcp.counters().rst_sent == 1);
}
