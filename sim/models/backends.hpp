// Backend servers as a Netty-like application sees its sockets: each accepted connection
// is given to one of the server's worker event loops in turn; a worker serves the
// requests of its connections one at a time; after a response the connection is kept,
// closed (after the write-to-close delay, which grows with the work queued on the
// worker), or closed after an idle timeout.
#pragma once

#include <cstdint>
#include <vector>

#include "ids.hpp"
#include "teardown/config.hpp"
#include "engine/engine.hpp"
#include "engine/random.hpp"
#include "tcp/tcp_stack.hpp"

namespace teardown::models {

struct World;

class Backends {
 public:
  explicit Backends(const Scenario& sc);

  void start(World& w);
  void on_notice(World& w, const Notice& n);
  void on_event(World& w, const Event& e);

  bool listening(int server) const { return servers_[static_cast<std::size_t>(server)].listening; }
  int servers() const { return static_cast<int>(servers_.size()); }

 private:
  struct Connection {
    EndpointId ep = kNoEndpoint;
    std::uint32_t server = 0;
    std::uint32_t worker = 0;       // index into workers_
    std::uint32_t generation = 0;   // bumped when the slot is released
    std::uint32_t next_free = kNone;
    std::uint32_t responses = 0;    // written on this connection (backends.max_requests)
    bool open = false;
    bool processing = false;        // a request is queued or being served
    bool close_requested = false;   // the request carried "Connection: close"
    bool closing = false;           // a close is scheduled
    bool closing_in_task = false;   // ... by the task that wrote: nothing reads the socket until then
    Time close_at = 0;              // when the scheduled close runs
    LazyDeadline idle;
  };
  struct Worker {
    Time busy_until = 0;  // when the work already queued on this event loop is done
  };
  struct Server {
    HostIndex host = 0;
    bool listening = true;
    std::uint32_t first_worker = 0;
    std::uint32_t next_worker = 0;  // round-robin assignment of new connections
    RandomStream service;
    RandomStream close_jitter;  // its own stream: service draws stay as they were
  };

  void accept(World& w, const Notice& n);
  void on_request(World& w, std::uint32_t c, const Notice& n);
  void on_service_done(World& w, std::uint32_t c);
  void close_connection(World& w, std::uint32_t c);
  void release(std::uint32_t c);
  void stop_server(World& w, int server);
  Time service_time(Server& s);

  const Scenario& sc_;
  std::vector<Server> servers_;
  std::vector<Worker> workers_;
  std::vector<Connection> conns_;
  std::uint32_t free_ = kNone;
};

}  // namespace teardown::models
