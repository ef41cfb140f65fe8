#include "world.hpp"

#include <algorithm>

namespace teardown::models {

World::World(const Scenario& scenario, Time cp_delay, Time cp_jitter, Time pb_delay, Time pb_jitter)
    : sc(scenario),
      hosts{scenario.clients.count, scenario.backends.servers, scenario.proxy.instances},
      client_proxy_delay(cp_delay),
      client_proxy_jitter(cp_jitter),
      proxy_backend_delay(pb_delay),
      proxy_backend_jitter(pb_jitter),
      tcp(sim, TcpConfig{scenario.sim.time_wait, scenario.sim.fin_timeout, scenario.sim.seed}, hosts.count()),
      rec(scenario.backends.servers, scenario.sim.warmup, scenario.sim.warmup + scenario.sim.duration,
          scenario.sim.timeseries_bin, scenario.proxy.instances),
      backends(scenario),
      clients(scenario) {
  proxies.reserve(static_cast<std::size_t>(scenario.proxy.instances));
  for (int k = 0; k < scenario.proxy.instances; ++k) proxies.emplace_back(scenario, static_cast<std::uint32_t>(k));
  // A run with many long-lived connections sizes its big arrays once. Reserved pages cost
  // no memory until used, and an array that doubles holds its old and new copies at once,
  // at the worst moment: when it is largest.
  const auto long_lived = static_cast<std::size_t>(scenario.clients.long_lived.count);
  const std::size_t pooled = std::min<std::size_t>(
      static_cast<std::size_t>(scenario.clients.count) * static_cast<std::size_t>(scenario.clients.pool.max_size),
      std::size_t{1} << 16);
  for (const Middlebox& m : scenario.network.middlebox) {
    const ForgottenFlow then = m.on_expired == MiddleboxExpiry::Drop        ? ForgottenFlow::Drop
                               : m.on_expired == MiddleboxExpiry::RstSender ? ForgottenFlow::ResetSender
                                                                            : ForgottenFlow::ResetBoth;
    middleboxes_.push_back(tcp.add_middlebox({m.idle_timeout, then, kRoleMiddlebox}));
  }
  if (long_lived > 0) {
    tcp.reserve(2 * (long_lived + pooled));  // client side, and the server side's churn
    for (Proxy& p : proxies) p.reserve((long_lived + pooled) / proxies.size());
    sim.reserve_far(3 * long_lived);  // each one's next request and idle timeout, and spare
  }
}

void World::use_middleboxes(int client_proxy, int proxy_backend) {
  const auto id = [this](int number) {
    return number < 0 ? kNoMiddlebox : middleboxes_.at(static_cast<std::size_t>(number));
  };
  client_proxy_middlebox = id(client_proxy);
  proxy_backend_middlebox = id(proxy_backend);
}

void World::set_backend_paths(const std::vector<Topology::Path>& paths) { backend_paths_ = paths; }

void World::start() {
  sim.schedule(sc.sim.warmup, kWarmupEnd, 0);
  backends.start(*this);
  for (Proxy& p : proxies) p.start(*this);
  clients.start(*this);
}

void World::route(const Notice& n) {
  switch (tcp.role(n.endpoint)) {
    case kRoleClient: clients.on_notice(*this, n); return;
    case kRoleProxyFront: proxy_of(n.endpoint).on_front_notice(*this, n); return;
    case kRoleProxyBack: proxy_of(n.endpoint).on_back_notice(*this, n); return;
    case kRoleBackend: backends.on_notice(*this, n); return;
    default: return;
  }
}

void World::dispatch(const Event& e) {
  const std::uint16_t kind = e.kind();
  if (is_tcp_event(kind)) {
    const Notice n = tcp.handle(e);
    if (n.kind != Notice::None) route(n);
    return;
  }
  switch (kind) {
    case kArrival:
    case kOnOffToggle:
    case kEvictorRun:
    case kClientClose:
      clients.on_event(*this, e);
      return;
    case kBackendServiceDone:
    case kBackendClose:
    case kBackendIdle:
    case kBackendEvent:
    case kBackendUp:
      backends.on_event(*this, e);
      return;
    case kWarmupEnd:
      rec.start_measuring(tcp.counters());
      tcp.reset_time_wait_peaks();
      return;
    case kProxyLingerAbort:
      // Aimed at an endpoint, not at an instance's entity; it only touches the TCP stack.
      proxies.front().on_event(*this, e);
      return;
    default:
      proxies[proxies.size() == 1 ? 0 : Proxy::instance_of_target(e.target)].on_event(*this, e);
      return;
  }
}

}  // namespace teardown::models
