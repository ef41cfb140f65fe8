// The HAProxy-like proxy: a session per client connection, server connections per mode,
// balancing, the 2.x idle server-connection pool, timeouts with HAProxy's fall-backs,
// retries, queues, health checks, and how each kind of close is done per version
// (docs/model.md section 2 lists every rule with its source).
#pragma once

#include <cstdint>
#include <vector>

#include "fwrr.hpp"
#include "ids.hpp"
#include "load_heap.hpp"
#include "ring.hpp"
#include "balance.hpp"
#include "teardown/config.hpp"
#include "engine/engine.hpp"
#include "teardown/proxy_rules.hpp"
#include "engine/random.hpp"
#include "tcp/tcp_stack.hpp"

namespace teardown::models {

struct World;

// max-session-srv-conns' default: idle private connections a session may keep
// (SRC v2.6.0:include/haproxy/session-t.h MAX_SRV_LIST, src/proxy.c).
inline constexpr int kMaxSessionIdleConns = 5;


class Proxy {
 public:
  // Instance `instance` of sc.proxy.instances: its own sessions, server connections, pools,
  // balancer state, health checks and random stream; its host is Hosts::proxy(instance).
  Proxy(const Scenario& sc, std::uint32_t instance);

  // Events of instance k > 0 carry k in the top bits of their target; the entity's index is
  // below. One instance tags nothing (its targets use every bit).
  static constexpr int kInstanceShift = 28;
  static constexpr std::uint32_t kIndexMask = (1u << kInstanceShift) - 1;
  static_assert(kMaxProxyInstances <= (1 << (32 - kInstanceShift)));
  static std::uint32_t instance_of_target(std::uint32_t target) { return target >> kInstanceShift; }

  void start(World& w);
  // Room for this many sessions at once (see World::World).
  void reserve(std::size_t sessions) { sessions_.reserve(sessions); }
  void on_front_notice(World& w, const Notice& n);
  void on_back_notice(World& w, const Notice& n);
  void on_event(World& w, const Event& e);

  const ProxyTraits& traits() const { return traits_; }

 private:
  struct Session {
    EndpointId front = kNoEndpoint;
    std::uint32_t generation = 0;
    std::uint32_t next_free = kNone;
    std::uint32_t srv_conn = kNone;  // current, attached (private) or pinned server connection
    std::uint32_t server = kNone;    // server of the current request, or the pinned server
    std::uint32_t retry_server = kNone;  // a retry's server: to go back to, or to avoid (redispatch)
    enum State : std::uint8_t { Free, Backlog, WaitRequest, Reading, Queued, Connecting, WaitResponse, Tunnel } state = Free;
    // Bit-fields: a session is 48 bytes, and a run may hold a million.
    bool requests_done : 1 = false;  // a request of this session completed (http-reuse safe)
    bool client_shut : 1 = false;    // the client's FIN arrived
    bool server_shut : 1 = false;    // tunnel/tcp: the server's FIN arrived
    bool counted : 1 = false;        // holds a slot in its server's `served`
    bool force_new : 1 = false;      // the next attempt must use a new server connection
    bool redispatching : 1 = false;  // the retry avoids retry_server instead of going back to it
    std::uint8_t retries_left = 0;
    std::uint32_t epoch = 0;  // counts the session's waits (queue, retry pause) for their timers
    LazyDeadline idle;
  };
  static_assert(sizeof(Session) == 48);
  struct ServerConn {
    EndpointId back = kNoEndpoint;
    std::uint32_t server = 0;
    std::uint32_t session = kNone;
    std::uint32_t generation = 0;
    std::uint32_t next_free = kNone;
    std::uint32_t requests = 0;  // requests carried so far
    std::uint32_t next_own = kNone;  // 2.x private connections: the next one of the same session
    enum State : std::uint8_t { Free, Connecting, Busy, Attached, Pooled, Tunnel } state = Free;
    bool response_in = false;    // the response arrived; acting on it after the processing time
    bool server_close = false;   // the response said "Connection: close"
    LazyDeadline server_timeout;
    // Lazy too: the 2.x pool can churn a slot through many connections per timeout.
    LazyDeadline connect_timeout;
  };
  struct Server {
    HostIndex host = 0;
    int weight = 1;
    double effective_weight = 1;  // weight during slowstart
    std::uint32_t eweight = 0;    // roundrobin: HAProxy's effective weight (fwrr.hpp)
    int served = 0;               // requests (or pinned sessions) assigned now
    std::uint64_t load_changed = 0;  // load_clock_ when `served` last changed
    int maxconn = 0;
    bool up = true;
    int rise = 0, fall = 0;
    Time up_since = 0;
    // The 2.x idle pool as HAProxy 2.6 keeps it per server (SRC v2.6.0:src/server.c
    // srv_add_to_idle_list): "idle" holds connections that carried one request, "safe" those
    // that carried more; each in insertion order, and lookups take the oldest first.
    Ring<std::uint32_t> idle;
    Ring<std::uint32_t> safe;
    // curr_used_conns, max_used_conns and est_need_conns: connections counted from their
    // creation (or their reuse) until they enter the pool or are freed (srv_use_conn).
    int used = 0, max_used = 0, est_need = 0;
    bool purge_armed = false;
  };

  // sessions and requests (proxy.cpp)
  void accept(World& w, EndpointId front);
  void start_session(World& w, std::uint32_t s);
  void on_request_ready(World& w, std::uint32_t s);
  void route(World& w, std::uint32_t s);
  void send_request(World& w, std::uint32_t s, std::uint32_t c);
  void on_response_ready(World& w, std::uint32_t c);
  void server_failed(World& w, std::uint32_t c, bool timeout);
  void answer_error(World& w, std::uint32_t s);
  void retry_or_fail(World& w, std::uint32_t s);
  bool redispatch_next(const Session& ss) const;
  void client_left(World& w, std::uint32_t s);
  void end_session(World& w, std::uint32_t s);
  void wait_next_request(World& w, std::uint32_t s);
  void tunnel_relay_shutdown(World& w, std::uint32_t s);
  void on_idle_timeout(World& w, std::uint32_t s);
  std::uint32_t new_session_slot();

  // server side (proxy_servers.cpp)
  std::uint32_t balance(World& w, std::uint32_t s);
  std::uint32_t source_start(HostIndex client_host);  // balance source's start for a client, kept
  void update_uniform();
  bool has_slot(const Server& srv) const;
  std::uint32_t open_server_conn(World& w, std::uint32_t s, std::uint32_t server);
  std::uint32_t take_pooled(std::uint32_t server, bool first_request);
  void release_to_pool(World& w, std::uint32_t c);
  void set_conn_state(std::uint32_t c, ServerConn::State state);
  int pooled_count(const Server& srv) const { return static_cast<int>(srv.idle.size() + srv.safe.size()); }
  // 2.x private connections (http-reuse never): a session keeps an idle connection per
  // server it used (SRC v2.6.0 include/haproxy/session.h session_add_conn).
  bool keeps_own_conns() const { return traits_.keeps_own_connections; }
  std::uint32_t own_conn_to(std::uint32_t s, std::uint32_t server) const;
  void add_own_conn(std::uint32_t s, std::uint32_t c);
  void drop_own_conn(std::uint32_t s, std::uint32_t c);
  void close_own_conns(World& w, std::uint32_t s, CloseHow idle_how);
  void purge(World& w, std::uint32_t server);
  void health_check(World& w, std::uint32_t server);
  void assign(std::uint32_t s, std::uint32_t server);
  // `served` of a server changed: stamp it and keep leastconn's heap in order.
  void load_changed(std::uint32_t server);
  void unassign(World& w, std::uint32_t s);
  void drain_queue(World& w);

  // closing (proxy_close.cpp)
  void close_server(World& w, std::uint32_t c, CloseHow how);
  void close_client(World& w, std::uint32_t s, CloseHow how);
  void forget_server_conn(World& w, std::uint32_t c, bool hard);

  // The target of an event for this instance's entity `index`.
  std::uint32_t tagged(std::uint32_t index) const { return index | tag_; }
  // A new slot's index, checked to leave room for the instance's tag.
  std::uint32_t checked_index(std::uint32_t index) const;

  const Scenario& sc_;
  std::uint32_t instance_ = 0;
  std::uint32_t tag_ = 0;                 // instance_ << kInstanceShift
  std::uint32_t index_mask_ = ~0u;        // kIndexMask when there are several instances
  HostIndex host_ = 0;
  ProxyTraits traits_;
  std::vector<Session> sessions_;
  std::vector<ServerConn> conns_;
  std::vector<Server> servers_;
  std::uint32_t free_sessions_ = kNone;
  std::uint32_t free_conns_ = kNone;
  int active_sessions_ = 0;
  Ring<std::uint32_t> backlog_;  // accepted beyond maxconn, not yet served
  Ring<std::uint32_t> queue_;    // sessions waiting for a server slot (maxconn)
  RandomStream balance_rng_;
  Simulator::LaneId processing_lane_ = Simulator::kNoLane;  // lane of sc_.proxy.processing_time
  // roundrobin (fwrr.hpp) and static-rr (balance.hpp) have O(1) paths, usable while every
  // server is up at its full, common weight (uniform_, kept by health checks) and no server
  // has a maxconn.
  Fwrr fwrr_;
  balance::StaticRr static_rr_;
  balance::ChashRing random_ring_;  // balance random's points; empty for the other algorithms
  balance::StatisticalPrng random_prng_;  // balance random's keys in a fixed-start release
  balance::RandomKeys random_keys() {
    return {balance_rng_, traits_.random_fixed_start ? &random_prng_ : nullptr};
  }
  balance::LoadHeap least_loaded_;  // balance leastconn's order while the servers are alike
  std::vector<balance::Candidate> candidates_;  // the pickers' view of the servers, rebuilt per pick
  std::vector<double> configured_weights_;       // each server's configured weight (source, random's ring)
  std::vector<std::uint32_t> source_start_;       // balance source: each client host's source_start, once
  bool uniform_ = false;
  std::uint64_t load_clock_ = 0;  // counts changes of any server's load (leastconn ties)
};

}  // namespace teardown::models
