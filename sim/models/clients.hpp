// Client hosts with pooled keep-alive connections, as an HTTP client library runs them:
// requests arrive (open loop or closed loop), lease an idle pooled connection (LIFO or
// FIFO, after an optional stale check), or open a new one up to the pool's size, or wait.
// An idle-connection monitor can close connections idle too long; a connection older than
// its maximum lifetime is closed when returned. A request that fails on a reused
// connection may be retried. Long-lived connections are clients of their own with a pool
// of one and their own request rate.
#pragma once

#include <cstdint>
#include <vector>

#include "ids.hpp"
#include "metrics/recorder.hpp"
#include "teardown/config.hpp"
#include "engine/engine.hpp"
#include "engine/random.hpp"
#include "tcp/tcp_stack.hpp"

namespace teardown::models {

struct World;

class Clients {
 public:
  explicit Clients(const Scenario& sc);

  void start(World& w);
  void on_notice(World& w, const Notice& n);
  void on_event(World& w, const Event& e);

  // Traces the first `n` client connections opened (and, through the proxy, the server
  // connections they lead to).
  void set_traced_connections(int n) { trace_left_ = n; }

 private:
  struct Pending {
    Time started = 0;
    std::uint32_t attempt = 0;
  };
  // 32 bytes: a run may hold a million of these.
  struct Connection {
    Time since = 0;  // busy or connecting: when its request started; idle: since when idle
    EndpointId ep = kNoEndpoint;
    std::uint32_t client = 0;
    std::uint32_t next = kNone;  // idle list: the next newer one (the newest's: the oldest); free list
    std::uint32_t prev = kNone;  // idle list: the next older one (the oldest's: the newest)
    std::uint32_t attempt = 0;   // of the request on it
    // Closing: the application has let it go (its pool no longer counts it) and closes the
    // socket after its reaction time.
    enum State : std::uint8_t { Free, Connecting, Idle, Busy, Closing } state = Free;
    bool served = false;      // has carried a request before the current one
    bool reused = false;      // the current request went out on a reused connection
  };
  static_assert(sizeof(Connection) == 32);
  // A request waiting for a connection, in its client's FIFO (a list through waits_).
  struct Waiting {
    Time started = 0;
    std::uint32_t attempt = 0;
    std::uint32_t next = kNone;
  };
  // 20 bytes: long-lived connections are clients of their own, so there may be a million.
  // What all clients of a kind share (host, pool size, rate) is computed, not stored. Both
  // lists are circular, so one index (the newest) reaches both ends.
  struct Client {
    std::uint32_t draws = 0;       // long-lived: of its arrival stream (a CounterStream)
    std::uint32_t idle = kNone;    // its newest idle connection (next: the oldest), or kNone
    std::uint32_t waiting = kNone; // its newest waiting request (next: the oldest), or kNone
    std::uint32_t open = 0;        // connections it holds (connecting, idle or busy)
    bool parked = false;           // on/off: no arrival scheduled while bursts are off
  };
  static_assert(sizeof(Client) == 20);

  bool long_lived(std::uint32_t client) const { return client >= regular_; }
  // The client host (0..clients.count-1) a client's connections leave from.
  int host_number(std::uint32_t client) const;
  // The proxy instance's host a new connection of `client` goes to (proxy.spread).
  HostIndex proxy_host_for(World& w, std::uint32_t client);
  std::uint32_t max_size(std::uint32_t client) const;
  // Draws from the client's arrival stream: xoshiro for pooled clients (few), a counter
  // stream for long-lived ones (8 bytes each).
  Time arrival_gap(std::uint32_t client, Time mean);
  Time arrival_phase(std::uint32_t client, Time max);
  // idle list (oldest first) and waiting FIFO
  std::uint32_t idle_oldest(const Client& cl) const { return cl.idle == kNone ? kNone : conns_[cl.idle].next; }
  void idle_push(Client& cl, std::uint32_t c);
  void idle_unlink(Client& cl, std::uint32_t c);
  void wait_push(Client& cl, Pending p);
  Pending wait_pop(Client& cl);

  void on_arrival(World& w, std::uint32_t client);
  void schedule_arrival(World& w, std::uint32_t client);
  void schedule_before_until(World& w, std::uint32_t client, Time at);
  void dispatch(World& w, std::uint32_t client, Pending p);
  bool send_on(World& w, std::uint32_t c, Pending p, bool reused);
  void on_response(World& w, std::uint32_t c, const Notice& n);
  void fail(World& w, std::uint32_t c, metrics::Failure why);
  void finish_request(World& w, std::uint32_t client);
  void release_to_pool(World& w, std::uint32_t c);
  void close_after_reaction(World& w, std::uint32_t c);
  void drop(World& w, std::uint32_t c);
  void close_socket(World& w, std::uint32_t c);  // the socket closed, the slot freed
  void run_evictor(World& w, std::uint32_t client);
  void arm_expiry(World& w, std::uint32_t client);  // evict_at_deadline: wake when the oldest idle one expires
  bool idle_expired(const Connection& k, Time now) const;
  std::uint32_t take_idle(World& w, Client& cl);
  std::uint32_t new_slot();

  const Scenario& sc_;
  std::uint32_t regular_ = 0;  // clients 0..regular_-1 are pooled; the rest long-lived
  Time regular_gap_ = 0, long_lived_gap_ = 0;  // mean time between arrivals (open loop)
  std::uint64_t arrival_family_ = 0;
  std::vector<RandomStream> pooled_arrivals_;  // per pooled client
  std::vector<Client> clients_;  // regular clients first, then one per long-lived connection
  std::vector<Connection> conns_;
  std::vector<Waiting> waits_;
  std::uint32_t free_ = kNone;
  std::uint32_t free_waits_ = kNone;
  // Idle expiry: the monitor's threshold (pool.idle_evict, or a shorter timeout the server
  // announced in a Keep-Alive header the client honours), and the one checked when a
  // connection is leased (the announced one; with evict_at_deadline also idle_evict).
  Time idle_expiry_ = kNever;
  Time lease_expiry_ = kNever;
  std::vector<LazyDeadline> expiry_;  // per client, only with evict_at_deadline
  bool bursts_on_ = true;
  int trace_left_ = 0;
  std::uint32_t next_instance_ = 0;  // proxy.spread = "l4": the instance of the next new connection
  RandomStream onoff_;
};

}  // namespace teardown::models
