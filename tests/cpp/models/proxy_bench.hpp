// The proxy model on a bench: a models::World whose clients and backends the test plays by
// hand, one socket call at a time, to see what the proxy does at each step. Not a scenario
// run: nothing arrives on its own and the metrics mean nothing; the wire is read from the TCP
// trace.
//
// The Clients and Backends models are never started, so every endpoint with the client or the
// backend role is the test's: the bench keeps their notices (routed to those models, they would
// name connections the models never opened) and hands every other event to the World, as
// World::dispatch would. The proxy model runs unchanged.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/world.hpp"

namespace teardown::test {

// One end of a connection that the test plays: a client's end of a connection to the proxy,
// or a backend's end of one the proxy opened. The trace id names the connection for good,
// after its slot is reused.
struct Peer {
  EndpointId ep = kNoEndpoint;
  std::uint32_t trace = 0;
  std::uint8_t side = 0;  // in the trace: 0 the connecting side, 1 the accepting side
};

// Who sent a segment on a peer's connection: the proxy, or the peer (its application or its kernel).
enum class By : std::uint8_t { Proxy, Peer };

class ProxyBench {
 public:
  // The scenario's proxy and backends.servers are used; its delays without jitter.
  explicit ProxyBench(Scenario scenario)
      : sc(std::move(scenario)),
        w(sc, sc.network.client_proxy_delay, 0, sc.network.proxy_backend_delay, 0) {
    w.tcp.trace_into(&trace_);
    w.proxies.front().start(w);  // health checks find every server listening: the backends are ours
  }
  ProxyBench(const ProxyBench&) = delete;  // the World keeps a reference to sc
  ProxyBench& operator=(const ProxyBench&) = delete;

  const Scenario sc;
  models::World w;

  TcpStack& tcp() { return w.tcp; }
  Time now() const { return w.sim.now(); }
  void run_until(Time t) {
    w.sim.run_until(t, [this](const Event& e) { handle(e); });
  }
  void run_for(Time dt) { run_until(now() + dt); }

  // Opens a connection from client host `host` to the proxy and runs until it is established.
  Peer open_client(int host = 0) {
    // The proxy traces a server connection when its client connection is traced.
    w.tcp.trace_new_connections(true);
    const EndpointId ep = w.tcp.connect(w.hosts.client(host), w.hosts.proxy(), sc.network.client_proxy_delay, 0,
                                        models::kRoleClient, models::kRoleProxyFront, 0);
    const Peer client{ep, w.tcp.trace_id(ep), 0};
    step_until([&] { return told(client, Notice::Connected) > 0; });
    return client;
  }

  void request(const Peer& client) {
    REQUIRE(w.tcp.send(client.ep, static_cast<std::uint32_t>(sc.clients.request_size)) == AppError::None);
  }

  // Runs until a request reaches a backend; returns the backend's end of that connection.
  Peer forwarded() {
    std::size_t next = notices_.size();
    step_until([&] {
      for (; next < notices_.size(); ++next) {
        const Notice& n = notices_[next].second;
        if (n.kind == Notice::Data && w.tcp.role(n.endpoint) == models::kRoleBackend) return true;
      }
      return false;
    });
    return notices_[next].first;
  }

  // The backend reads the request and writes the response, with `flags` (kMsgClose...) and
  // its FIN in the same segment if `with_fin`.
  void answer(const Peer& server, std::uint8_t flags = 0, bool with_fin = false) {
    w.tcp.read(server.ep);
    REQUIRE(w.tcp.send(server.ep, static_cast<std::uint32_t>(sc.clients.response_size), flags, with_fin) ==
            AppError::None);
  }

  // One whole request: sent on `client`, answered by whichever backend it reaches, and read by
  // the client when it arrives (the clock stops there). Returns the backend's end.
  Peer serve(const Peer& client, std::uint8_t flags = 0) {
    const std::size_t responses = told(client, Notice::Data);
    request(client);
    const Peer server = forwarded();
    answer(server, flags);
    step_until([&] { return told(client, Notice::Data) > responses; });
    w.tcp.read(client.ep);
    return server;
  }

  // Which backend server a peer's connection reaches.
  int server_of(const Peer& server) const {
    return static_cast<int>(w.tcp.host(server.ep)) - static_cast<int>(w.hosts.backend(0));
  }
  // The state of the proxy's end of a peer's connection (while the connection's slot is its own).
  TcpState proxy_state(const Peer& p) const { return w.tcp.state(TcpStack::peer(p.ep)); }

  // The segments sent on a peer's connection by one side, carrying `flag`, in order.
  std::vector<TraceRecord> sent(const Peer& p, By by, std::uint8_t flag) const {
    const std::uint8_t side = by == By::Peer ? p.side : static_cast<std::uint8_t>(1 - p.side);
    std::vector<TraceRecord> out;
    for (const TraceRecord& r : trace_) {
      if (r.connection == p.trace && r.what == TraceRecord::Sent && r.side == side && (r.flags & flag)) {
        out.push_back(r);
      }
    }
    return out;
  }
  // The segments that end a peer's connection from one side, as the ladder names them:
  // "FIN", "FIN, RST (linger-zero)", "" for none.
  std::string closing(const Peer& p, By by) const {
    std::string out;
    for (const TraceRecord& r : sent(p, by, kSegFin | kSegRst)) {
      if (!out.empty()) out += ", ";
      out += segment_name(r.flags);
      if (r.flags & kSegRst) out += " (" + std::string(to_string(r.rule)) + ")";
    }
    return out;
  }
  // How many notices of `kind` the peer's application was given.
  std::size_t told(const Peer& p, Notice::Kind kind) const {
    std::size_t n = 0;
    for (const auto& [peer, notice] : notices_) {
      n += peer.trace == p.trace && peer.side == p.side && notice.kind == kind;
    }
    return n;
  }

 private:
  void handle(const Event& e) {
    if (!is_tcp_event(e.kind())) {
      w.dispatch(e);
      return;
    }
    const Notice n = w.tcp.handle(e);
    if (n.kind == Notice::None) return;
    const Role role = w.tcp.role(n.endpoint);
    if (role != models::kRoleClient && role != models::kRoleBackend) {
      w.route(n);
      return;
    }
    const Peer peer{n.endpoint, w.tcp.trace_id(n.endpoint), static_cast<std::uint8_t>(n.endpoint & 1u)};
    notices_.emplace_back(peer, n);
  }

  // One event at a time, so that the clock stops at the one that meets `done`.
  template <class Done>
  void step_until(Done done) {
    // Far more than any exchange takes: a bench that gets here is waiting for what never comes.
    for (int events = 0; events < 10'000 && !done(); ++events) {
      if (!w.sim.step([this](const Event& e) { handle(e); })) break;
    }
    REQUIRE(done());
  }

  std::vector<TraceRecord> trace_;
  std::vector<std::pair<Peer, Notice>> notices_;
};

}  // namespace teardown::test
