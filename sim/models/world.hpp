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

// Host numbering: proxy (instance 0) 0, clients 1..C, backends C+1..C+S, then the other
// proxy instances (Topology::chain's order, so that one proxy keeps the ids it always had).
struct Hosts {
  int clients = 0;
  int servers = 0;
  int proxies = 1;
  HostIndex proxy(std::uint32_t instance = 0) const {
    return instance == 0 ? 0 : static_cast<HostIndex>(clients + servers + static_cast<int>(instance));
  }
  // The instance a proxy host runs. REQUIRES: h is a proxy host.
  std::uint32_t instance_of(HostIndex h) const {
    return h == 0 ? 0 : static_cast<std::uint32_t>(static_cast<int>(h) - clients - servers);
  }
  HostIndex client(int i) const { return static_cast<HostIndex>(1 + i); }
  HostIndex backend(int s) const { return static_cast<HostIndex>(1 + clients + s); }
  std::size_t count() const { return static_cast<std::size_t>(clients + servers + proxies); }
  // Topology::chain's names: "proxy" (or "proxy-<k>" when there are several), "client-<i>",
  // "backend-<s>".
  std::string name(HostIndex h) const {
    const int i = static_cast<int>(h) - 1;
    if (h == 0 || i >= clients + servers) {
      return proxies == 1 ? "proxy" : "proxy-" + std::to_string(instance_of(h));
    }
    return i < clients ? "client-" + std::to_string(i) : "backend-" + std::to_string(i - clients);
  }
};

struct World {
  World(const Scenario& scenario, Time client_proxy_delay, Time client_proxy_jitter, Time proxy_backend_delay,
        Time proxy_backend_jitter);

  void start();
  // The [[network.middlebox]] elements (by index, or Topology::Path::kNoMiddlebox) that
  // client-proxy and proxy-backend connections cross.
  void use_middleboxes(int client_proxy, int proxy_backend);
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
  // The proxy instance an endpoint of a proxy host belongs to.
  Proxy& proxy_of(EndpointId ep) {
    return proxies.size() == 1 ? proxies.front() : proxies[hosts.instance_of(tcp.host(ep))];
  }

  const Scenario& sc;
  Hosts hosts;
  Time client_proxy_delay, client_proxy_jitter, proxy_backend_delay, proxy_backend_jitter;
  Simulator sim;
  TcpStack tcp;
  metrics::Recorder rec;
  Backends backends;
  // One per proxy.instances; an event for instance k > 0 carries k in the top bits of its
  // target (Proxy::tagged).
  std::vector<Proxy> proxies;
  Clients clients;
  // The TCP stack's middlebox each hop's connections cross, if any (use_middleboxes).
  MiddleboxId client_proxy_middlebox = kNoMiddlebox, proxy_backend_middlebox = kNoMiddlebox;

 private:
  std::vector<MiddleboxId> middleboxes_;  // the stack's id of each [[network.middlebox]] element
  std::vector<Topology::Path> backend_paths_;
};

}  // namespace teardown::models
