// Everything one run owns: the clock, the TCP stack, the three models and the recorder,
// and the dispatch of each event to the model it is for.
#pragma once

#include <string>
#include <vector>

#include "backends.hpp"
#include "clients.hpp"
#include "metrics/recorder.hpp"
#include "proxy.hpp"
#include "teardown/config.hpp"
#include "engine/engine.hpp"
#include "net/topology.hpp"
#include "tcp/tcp_stack.hpp"

namespace teardown::models {

// Host numbering: proxy 0, clients 1..C, backends C+1..C+S (Topology::chain's order).
struct Hosts {
  int clients = 0;
  int servers = 0;
  HostIndex proxy() const { return 0; }
  HostIndex client(int i) const { return static_cast<HostIndex>(1 + i); }
  HostIndex backend(int s) const { return static_cast<HostIndex>(1 + clients + s); }
  std::size_t count() const { return static_cast<std::size_t>(1 + clients + servers); }
  // Topology::chain's names: "proxy", "client-<i>", "backend-<s>".
  std::string name(HostIndex h) const {
    if (h == 0) return "proxy";
    const int i = static_cast<int>(h) - 1;
    return i < clients ? "client-" + std::to_string(i) : "backend-" + std::to_string(i - clients);
  }
};

struct World {
  World(const Scenario& scenario, Time client_proxy_delay, Time client_proxy_jitter, Time proxy_backend_delay,
        Time proxy_backend_jitter);

  void start();
  // Per-server links to the proxy, when they differ (network.zones); else every server has
  // proxy_backend_delay and proxy_backend_jitter.
  void set_backend_paths(const std::vector<Topology::Path>& paths);
  Time backend_delay(std::uint32_t server) const {
    return backend_paths_.empty() ? proxy_backend_delay : backend_paths_[server].delay;
  }
  Time backend_jitter(std::uint32_t server) const {
    return backend_paths_.empty() ? proxy_backend_jitter : backend_paths_[server].jitter;
  }
  void dispatch(const Event& e);
  void route(const Notice& n);

  const Scenario& sc;
  Hosts hosts;
  Time client_proxy_delay, client_proxy_jitter, proxy_backend_delay, proxy_backend_jitter;
  Simulator sim;
  TcpStack tcp;
  metrics::Recorder rec;
  Backends backends;
  Proxy proxy;
  Clients clients;
  // The [[network.middlebox]] on each hop, if any.
  MiddleboxId client_proxy_middlebox = kNoMiddlebox, proxy_backend_middlebox = kNoMiddlebox;

 private:
  std::vector<Topology::Path> backend_paths_;
};

}  // namespace teardown::models
