// Two hosts joined by one TCP connection, driven step by step from a test.
#pragma once

#include <vector>

#include "engine/engine.hpp"
#include "tcp/tcp_stack.hpp"

namespace teardown::test {

inline constexpr Role kClientRole = 0;
inline constexpr Role kServerRole = 1;
inline constexpr Role kMiddleboxRole = 2;
inline constexpr HostIndex kClientHost = 0;
inline constexpr HostIndex kServerHost = 1;

struct TwoHosts {
  Simulator sim;
  TcpStack tcp;
  std::vector<Notice> notices;
  std::vector<TraceRecord> trace;
  Time delay;
  EndpointId client = kNoEndpoint;
  EndpointId server = kNoEndpoint;
  MiddleboxId middlebox = kNoMiddlebox;  // the one open() puts on the path, if any

  explicit TwoHosts(Time one_way_delay = 100 * kMicrosecond, TcpConfig config = {})
      : tcp(sim, config, 2), delay(one_way_delay) {
    tcp.trace_into(&trace);
  }

  void run_until(Time t) {
    sim.run_until(t, [&](const Event& e) {
      const Notice n = tcp.handle(e);
      if (n.kind != Notice::None) notices.push_back(n);
    });
  }
  void run_for(Time dt) { run_until(sim.now() + dt); }
  void settle() { run_until(kNever); }

  // Puts a middlebox on the path of the connections open() makes from now on.
  void add_middlebox(Time idle_timeout, ForgottenFlow then) {
    middlebox = tcp.add_middlebox({idle_timeout, then, kMiddleboxRole});
  }

  // Opens the connection and runs until both sides are established.
  void open() {
    client = tcp.connect(kClientHost, kServerHost, delay, 0, kClientRole, kServerRole, 0, middlebox);
    server = TcpStack::peer(client);
    run_for(2 * delay);
  }

  std::size_t count(EndpointId ep, Notice::Kind kind) const {
    std::size_t n = 0;
    for (const Notice& x : notices) n += (x.endpoint == ep && x.kind == kind);
    return n;
  }
  const Notice* last(EndpointId ep) const {
    for (auto it = notices.rbegin(); it != notices.rend(); ++it)
      if (it->endpoint == ep) return &*it;
    return nullptr;
  }
  // Segments sent by `side` (0 client, 1 server) carrying `flag`.
  std::size_t sent(std::uint8_t side, std::uint8_t flag) const {
    std::size_t n = 0;
    for (const TraceRecord& r : trace) n += (r.what == TraceRecord::Sent && r.side == side && (r.flags & flag));
    return n;
  }
  const TraceRecord* first_rst_sent() const {
    for (const TraceRecord& r : trace)
      if (r.what == TraceRecord::Sent && (r.flags & kSegRst)) return &r;
    return nullptr;
  }
  // Every RST sent is received, dropped, or in flight (docs/metrics.md, "Invariants").
  bool rst_conserved() const {
    const TcpCounters& c = tcp.counters();
    std::uint64_t arrived = 0;
    for (auto f : c.rst_by_fate) arrived += f;
    return c.rst_sent == arrived + c.rst_in_flight;
  }
  bool connections_conserved() const {
    const TcpCounters& c = tcp.counters();
    return c.connections_opened == c.connections_closed + tcp.open_connections();
  }
};

}  // namespace teardown::test
