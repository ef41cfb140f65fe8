// run(): scenario -> topology -> world -> events -> Result.
#include <chrono>

#include "models/world.hpp"
#include "net/topology.hpp"
#include "scenario/resource_estimate.hpp"
#include "teardown/scenario.hpp"

namespace teardown {

Result run(const Scenario& scenario, const RunOptions& options) {
  if (auto issues = validate(scenario); !issues.empty()) throw ConfigError(std::move(issues));
  check_resources(scenario, options);
  const auto wall_start = std::chrono::steady_clock::now();

  const NetworkConfig& net = scenario.network;
  // The standard chain; its host ids match models::Hosts (proxy 0, clients, backends, the
  // other proxy instances). A backend in a zone has that zone's link to every instance; a
  // [[network.middlebox]] element is on every link of its hop, numbered by its index.
  Topology::Path client_link{net.client_proxy_delay, net.jitter};
  std::vector<Topology::Path> backend_links(static_cast<std::size_t>(scenario.backends.servers),
                                            Topology::Path{net.proxy_backend_delay, net.jitter});
  for (const NetworkZone& zone : net.zones) {
    for (const int s : zone.servers) backend_links[static_cast<std::size_t>(s)] = {zone.proxy_backend_delay, zone.jitter};
  }
  for (std::size_t i = 0; i < net.middlebox.size(); ++i) {
    const int number = static_cast<int>(i);
    if (net.middlebox[i].hop == Hop::ClientProxy) {
      client_link.middlebox = number;
    } else {
      for (Topology::Path& link : backend_links) link.middlebox = number;
    }
  }
  const Topology topo = Topology::chain(static_cast<std::size_t>(scenario.clients.count), client_link, backend_links,
                                        static_cast<std::size_t>(scenario.proxy.instances));
  const HostId proxy_host = topo.hosts(HostKind::Proxy).front();
  const Topology::Path cp = topo.path(topo.hosts(HostKind::Client).front(), proxy_host);
  const std::vector<HostId> backend_hosts = topo.hosts(HostKind::Backend);
  const Topology::Path pb = topo.path(proxy_host, backend_hosts.front());

  auto world = std::make_unique<models::World>(scenario, cp.delay, cp.jitter, pb.delay, pb.jitter);
  // The models ask the topology which middlebox a hop crosses, as they ask its delay.
  world->use_middleboxes(cp.middlebox, pb.middlebox);
  if (!net.zones.empty()) {
    std::vector<Topology::Path> paths;
    for (const HostId b : backend_hosts) paths.push_back(topo.path(proxy_host, b));
    world->set_backend_paths(paths);
  }
  Result result;
  if (options.trace_connections > 0) world->tcp.trace_into(&result.trace);
  world->clients.set_traced_connections(options.trace_connections);
  world->start();
  const Time end = scenario.sim.warmup + scenario.sim.duration;
  const BoundedRun ran = run_bounded(world->sim, end, options.wall_time_limit_s, wall_start,
                                     [&](const Event& e) { world->dispatch(e); });

  result.scenario = scenario;
  result.warnings = config_warnings(scenario);
  std::vector<HostIndex> proxy_hosts;
  for (const HostId h : topo.hosts(HostKind::Proxy)) proxy_hosts.push_back(static_cast<HostIndex>(h));
  world->rec.finish(ran.reached, world->tcp, proxy_hosts, world->hosts.count(), result);
  result.events = ran.events;
  result.partial = ran.partial;
  result.time_reached = ran.reached;
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const auto& ends = world->tcp.traced_connections();
  for (std::size_t i = 0; i < ends.size(); ++i) {
    result.traced.push_back({static_cast<std::uint32_t>(i + 1), world->hosts.name(ends[i].from_host),
                             world->hosts.name(ends[i].to_host)});
  }
  world->tcp.trace_into(nullptr);
  return result;
}

}  // namespace teardown
