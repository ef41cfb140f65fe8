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
#include "ring.hpp"
#include "teardown/config.hpp"
#include "teardown/engine.hpp"
#include "teardown/random.hpp"
#include "teardown/tcp.hpp"

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
  struct Connection {
    EndpointId ep = kNoEndpoint;
    std::uint32_t client = 0;
    Time opened_at = 0;
    Time idle_since = 0;
    Pending request;          // the request on it (valid when busy or connecting)
    std::uint32_t next_free = kNone;
    enum State : std::uint8_t { Free, Connecting, Idle, Busy } state = Free;
    bool served = false;      // has carried a request before the current one
    bool reused = false;      // the current request went out on a reused connection
  };
  struct Client {
    HostIndex host = 0;
    int max_size = 1;
    int open = 0;            // connections this client holds (connecting, idle or busy)
    double rate = 0;         // requests per second (open loop)
    bool parked = false;     // on/off: no arrival scheduled while bursts are off
    Ring<std::uint32_t> idle;    // oldest idle first
    Ring<Pending> waiting;
    RandomStream arrivals;
  };

  void on_arrival(World& w, std::uint32_t client);
  void schedule_arrival(World& w, std::uint32_t client);
  void dispatch(World& w, std::uint32_t client, Pending p);
  bool send_on(World& w, std::uint32_t c, Pending p, bool reused);
  void on_response(World& w, std::uint32_t c, const Notice& n);
  void fail(World& w, std::uint32_t c, metrics::Failure why);
  void finish_request(World& w, std::uint32_t client);
  void release_to_pool(World& w, std::uint32_t c);
  void drop(World& w, std::uint32_t c);
  void run_evictor(World& w, std::uint32_t client);
  std::uint32_t take_idle(World& w, Client& cl);
  std::uint32_t new_slot();

  const Scenario& sc_;
  std::vector<Client> clients_;  // regular clients first, then one per long-lived connection
  std::vector<Connection> conns_;
  std::uint32_t free_ = kNone;
  bool bursts_on_ = true;
  int trace_left_ = 0;
  RandomStream onoff_;
};

}  // namespace teardown::models
