// Topology on a Boost.Graph adjacency_list; see topology.hpp.
// Boost stays in this file: the header only forward-declares Topology::Impl.
#include "net/topology.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/graph/graphviz.hpp>

namespace teardown {

namespace {

using Path = Topology::Path;

constexpr Time kUnreachable = std::numeric_limits<Time>::max();
constexpr std::uint32_t kNoRow = std::numeric_limits<std::uint32_t>::max();

struct HostProps {
  std::string name;
  HostKind kind = HostKind::Other;
};

struct LinkProps {
  Path cost;  // one link's delay and jitter
};

// vecS vertices: a vertex descriptor is its index, which is the HostId.
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, HostProps, LinkProps>;
using Vertex = boost::graph_traits<Graph>::vertex_descriptor;

// Path costs are compared by delay, then jitter: the jitter tie-break makes the chosen
// path, and so path(a, b) == path(b, a), independent of the order Dijkstra visits edges.
struct PathLess {
  bool operator()(const Path& x, const Path& y) const {
    return x.delay != y.delay ? x.delay < y.delay : x.jitter < y.jitter;
  }
};

Time saturating_add(Time x, Time y) { return x > kUnreachable - y ? kUnreachable : x + y; }

int either_middlebox(int x, int y) {
  if (x == Path::kNoMiddlebox) return y;
  if (y == Path::kNoMiddlebox) return x;
  return std::min(x, y);
}

struct PathPlus {
  Path operator()(const Path& x, const Path& y) const {
    if (x.delay == kUnreachable || y.delay == kUnreachable) return {kUnreachable, kUnreachable};
    return {saturating_add(x.delay, y.delay), saturating_add(x.jitter, y.jitter),
            either_middlebox(x.middlebox, y.middlebox)};
  }
};

// Preference for the source of a cached row: hubs first (see Topology::path).
int hub_rank(HostKind kind) {
  switch (kind) {
    case HostKind::Proxy: return 0;
    case HostKind::Backend: return 1;
    case HostKind::Other: return 2;
    case HostKind::Client: return 3;
  }
  return 3;
}

std::string in_quotes(std::string_view name) { return "'" + std::string(name) + "'"; }

std::string link_label(const Path& cost) {
  std::string label = format_duration(cost.delay);
  if (cost.jitter != 0) label += " +/- " + format_duration(cost.jitter);
  if (cost.middlebox != Path::kNoMiddlebox) label += ", middlebox " + std::to_string(cost.middlebox);
  return label;
}

std::string_view dot_shape(HostKind kind) {
  switch (kind) {
    case HostKind::Client: return "ellipse";
    case HostKind::Proxy: return "box";
    case HostKind::Backend: return "box3d";
    case HostKind::Other: return "diamond";
  }
  return "ellipse";
}

}  // namespace

std::string_view to_string(HostKind kind) {
  switch (kind) {
    case HostKind::Client: return "client";
    case HostKind::Proxy: return "proxy";
    case HostKind::Backend: return "backend";
    case HostKind::Other: return "other";
  }
  return "other";
}

struct Topology::Impl {
  Graph graph;
  std::map<std::string, HostId, std::less<>> by_name;

  // Cache of shortest-path rows, filled by path(). row_of[h] indexes rows, or is kNoRow.
  mutable std::mutex cache_mutex;
  mutable std::vector<std::uint32_t> row_of;
  mutable std::vector<std::vector<Path>> rows;

  Impl() = default;
  // A copy starts with an empty cache.
  Impl(const Impl& other) : graph(other.graph), by_name(other.by_name) {}

  void clear_cache() {
    std::lock_guard lock(cache_mutex);
    row_of.clear();
    rows.clear();
  }

  void check_id(HostId id) const {
    if (id >= boost::num_vertices(graph)) {
      throw TopologyError("unknown host id " + std::to_string(id) + " (the topology has " +
                          std::to_string(boost::num_vertices(graph)) + " hosts)");
    }
  }

  const std::string& name(HostId id) const { return graph[id].name; }

  // Dijkstra from `source` to every host; unreachable hosts get kUnreachable.
  std::vector<Path> compute_row(HostId source) const {
    const std::size_t n = boost::num_vertices(graph);
    std::vector<Path> row(n);
    const Path infinity{kUnreachable, kUnreachable};
    boost::dijkstra_shortest_paths(
        graph, static_cast<Vertex>(source),
        boost::weight_map(boost::get(&LinkProps::cost, graph))
            .distance_map(boost::make_iterator_property_map(row.begin(), boost::get(boost::vertex_index, graph)))
            .distance_compare(PathLess{})
            .distance_combine(PathPlus{})
            .distance_inf(infinity)
            .distance_zero(Path{0, 0}));
    return row;
  }

  // Returns the cached row of `source`, computing it if needed. REQUIRES: cache_mutex held.
  const std::vector<Path>& row(HostId source) const {
    if (row_of.size() != boost::num_vertices(graph)) row_of.assign(boost::num_vertices(graph), kNoRow);
    if (row_of[source] == kNoRow) {
      rows.push_back(compute_row(source));
      row_of[source] = static_cast<std::uint32_t>(rows.size() - 1);
    }
    return rows[row_of[source]];
  }

  bool has_row(HostId h) const { return h < row_of.size() && row_of[h] != kNoRow; }
};

Topology::Topology() : impl_(std::make_unique<Impl>()) {}
Topology::~Topology() = default;
Topology::Topology(const Topology& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Topology& Topology::operator=(const Topology& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
Topology::Topology(Topology&& other) noexcept = default;
Topology& Topology::operator=(Topology&& other) noexcept = default;

HostId Topology::add_host(std::string name, HostKind kind) {
  if (name.empty()) throw TopologyError("a host name must not be empty");
  if (impl_->by_name.contains(name)) throw TopologyError("duplicate host name " + in_quotes(name));
  if (boost::num_vertices(impl_->graph) >= std::numeric_limits<HostId>::max()) {
    throw TopologyError("too many hosts to add " + in_quotes(name));
  }
  const auto id = static_cast<HostId>(boost::add_vertex(HostProps{name, kind}, impl_->graph));
  impl_->by_name.emplace(std::move(name), id);
  impl_->clear_cache();
  return id;
}

void Topology::add_link(HostId a, HostId b, Time one_way_delay, Time jitter, int middlebox) {
  impl_->check_id(a);
  impl_->check_id(b);
  const std::string what = "link " + in_quotes(impl_->name(a)) + " - " + in_quotes(impl_->name(b));
  if (a == b) throw TopologyError(what + ": a host cannot be linked to itself");
  if (one_way_delay < 0) throw TopologyError(what + ": negative one-way delay " + format_duration(one_way_delay));
  if (jitter < 0) throw TopologyError(what + ": negative jitter " + format_duration(jitter));
  if (one_way_delay == kNever || jitter == kNever) throw TopologyError(what + ": delay and jitter must be finite");
  if (middlebox < Path::kNoMiddlebox) throw TopologyError(what + ": negative middlebox number " + std::to_string(middlebox));
  // Search the shorter adjacency list: linking 10^4 clients to one proxy stays linear.
  const Graph& g = impl_->graph;
  const bool a_smaller = boost::out_degree(a, g) <= boost::out_degree(b, g);
  if (boost::edge(a_smaller ? a : b, a_smaller ? b : a, g).second) throw TopologyError(what + ": already linked");
  boost::add_edge(a, b, LinkProps{Path{one_way_delay, jitter, middlebox}}, impl_->graph);
  impl_->clear_cache();
}

void Topology::add_link(std::string_view a, std::string_view b, Time one_way_delay, Time jitter) {
  const auto ia = find(a);
  const auto ib = find(b);
  const auto fail = [&](std::string_view unknown) {
    throw TopologyError("link " + in_quotes(a) + " - " + in_quotes(b) + ": unknown host " + in_quotes(unknown));
  };
  if (!ia) fail(a);
  if (!ib) fail(b);
  add_link(*ia, *ib, one_way_delay, jitter);
}

std::optional<HostId> Topology::find(std::string_view name) const {
  const auto it = impl_->by_name.find(name);
  if (it == impl_->by_name.end()) return std::nullopt;
  return it->second;
}

std::size_t Topology::host_count() const { return boost::num_vertices(impl_->graph); }
std::size_t Topology::link_count() const { return boost::num_edges(impl_->graph); }

const std::string& Topology::name(HostId id) const {
  impl_->check_id(id);
  return impl_->name(id);
}

HostKind Topology::kind(HostId id) const {
  impl_->check_id(id);
  return impl_->graph[id].kind;
}

std::vector<HostId> Topology::hosts(HostKind kind) const {
  std::vector<HostId> ids;
  for (HostId id = 0; id < host_count(); ++id) {
    if (impl_->graph[id].kind == kind) ids.push_back(id);
  }
  return ids;
}

Topology::Path Topology::path(HostId from, HostId to) const {
  impl_->check_id(from);
  impl_->check_id(to);
  if (from == to) return {0, 0};
  Path result;
  {
    std::lock_guard lock(impl_->cache_mutex);
    // Undirected: a row from either endpoint answers; prefer one already cached, else a hub.
    HostId source = from;
    if (impl_->has_row(from)) {
      source = from;
    } else if (impl_->has_row(to)) {
      source = to;
    } else if (hub_rank(impl_->graph[to].kind) < hub_rank(impl_->graph[from].kind)) {
      source = to;
    }
    result = impl_->row(source)[source == from ? to : from];
  }
  if (result.delay == kUnreachable) {
    throw TopologyError("no route from " + in_quotes(impl_->name(from)) + " to " + in_quotes(impl_->name(to)));
  }
  return result;
}

std::string Topology::to_graphviz() const {
  const Graph& g = impl_->graph;
  std::ostringstream out;
  boost::write_graphviz(
      out, g,
      [&g](std::ostream& os, Vertex v) {
        os << "[label=" << boost::escape_dot_string(g[v].name) << ", shape=" << dot_shape(g[v].kind) << "]";
      },
      [&g](std::ostream& os, const boost::graph_traits<Graph>::edge_descriptor& e) {
        os << "[label=" << boost::escape_dot_string(link_label(g[e].cost)) << "]";
      });
  return out.str();
}

Topology Topology::chain(std::size_t clients, std::size_t backends, Time client_proxy_delay,
                         Time proxy_backend_delay, Time jitter) {
  return chain(clients, Path{client_proxy_delay, jitter}, std::vector<Path>(backends, Path{proxy_backend_delay, jitter}));
}

Topology Topology::chain(std::size_t clients, const Path& client_link, const std::vector<Path>& backend_links,
                         std::size_t proxies) {
  if (proxies == 0) throw TopologyError("a chain needs at least one proxy");
  Topology t;
  const bool several = proxies > 1;
  std::vector<HostId> proxy_ids{t.add_host(several ? "proxy-0" : "proxy", HostKind::Proxy)};
  for (std::size_t i = 0; i < clients; ++i) t.add_host("client-" + std::to_string(i), HostKind::Client);
  for (std::size_t j = 0; j < backend_links.size(); ++j) t.add_host("backend-" + std::to_string(j), HostKind::Backend);
  // Instances after the first come last, so that one proxy keeps the ids it always had.
  for (std::size_t k = 1; k < proxies; ++k) proxy_ids.push_back(t.add_host("proxy-" + std::to_string(k), HostKind::Proxy));
  for (const HostId p : proxy_ids) {
    for (std::size_t i = 0; i < clients; ++i) {
      t.add_link(static_cast<HostId>(1 + i), p, client_link.delay, client_link.jitter, client_link.middlebox);
    }
    for (std::size_t j = 0; j < backend_links.size(); ++j) {
      const Path& link = backend_links[j];
      t.add_link(p, static_cast<HostId>(1 + clients + j), link.delay, link.jitter, link.middlebox);
    }
  }
  return t;
}

}  // namespace teardown
