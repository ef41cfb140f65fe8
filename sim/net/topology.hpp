// Topology: the hosts of a scenario (clients, proxies, backends, anything else) and the
// undirected links between them, each with a one-way delay and a jitter bound. It answers
// one question for the models: how long a segment takes from one host to another (the
// shortest-delay path) and how much jitter that path may add.
// It is not a network model: no bandwidth, queues, loss, routing tables or ports; and it
// does not draw jitter (the models do, from their own random streams). Built once from a
// validated scenario; inside a run it is only read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "teardown/time.hpp"

namespace teardown {

// Index of a host in its Topology: 0, 1, 2... in the order the hosts were added.
using HostId = std::uint32_t;

enum class HostKind : std::uint8_t { Client, Proxy, Backend, Other };

// "client", "proxy", "backend" or "other".
std::string_view to_string(HostKind kind);

// A topology that cannot be built or a question it cannot answer. The message names the
// host(s) involved and the reason, e.g. "no route from 'client-3' to 'backend-1'".
class TopologyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Topology {
 public:
  // What a segment meets on its way from one host to another, summed over the links of
  // the path with the smallest total delay (ties: the smallest total jitter, so that
  // path(a, b) == path(b, a) always).
  struct Path {
    Time delay = 0;   // one-way delay, without jitter
    Time jitter = 0;  // bound on the extra delay jitter may add
    // A middlebox on a link (the caller's number for it, e.g. the index of a
    // [[network.middlebox]] element), or kNoMiddlebox. On a path: the lowest number among its
    // links' (a connection crosses at most one in the TCP stack), so that path(a, b) ==
    // path(b, a).
    int middlebox = kNoMiddlebox;
    static constexpr int kNoMiddlebox = -1;
    friend bool operator==(const Path&, const Path&) = default;
  };

  // An empty topology. A moved-from Topology may only be assigned to or destroyed.
  Topology();
  ~Topology();
  Topology(const Topology& other);
  Topology& operator=(const Topology& other);
  Topology(Topology&& other) noexcept;
  Topology& operator=(Topology&& other) noexcept;

  // Adds a host and returns its id (the number of hosts before the call).
  // REQUIRES: name is not empty and not already taken; otherwise TopologyError.
  HostId add_host(std::string name, HostKind kind);

  // Adds an undirected link, with a middlebox on it or not. REQUIRES: both ids exist, a != b,
  // no link between a and b yet, 0 <= one_way_delay < kNever, 0 <= jitter < kNever and
  // middlebox >= Path::kNoMiddlebox; otherwise TopologyError.
  void add_link(HostId a, HostId b, Time one_way_delay, Time jitter = 0, int middlebox = Path::kNoMiddlebox);
  // The same, by host name; an unknown name is a TopologyError naming it.
  void add_link(std::string_view a, std::string_view b, Time one_way_delay, Time jitter = 0);

  std::optional<HostId> find(std::string_view name) const;
  std::size_t host_count() const;
  std::size_t link_count() const;
  // REQUIRES (name, kind): id < host_count(); otherwise TopologyError.
  const std::string& name(HostId id) const;
  HostKind kind(HostId id) const;
  // Ids of the hosts of one kind, in increasing order.
  std::vector<HostId> hosts(HostKind kind) const;

  // Shortest-delay path between two hosts; path(a, a) is {0, 0}. An unknown id or two
  // hosts with no route between them is a TopologyError.
  //
  // Cost: the first call computes one row (Dijkstra from one host to all) and caches it;
  // later calls that touch a host with a cached row are a lookup. The row is taken from
  // whichever endpoint already has one, else from the endpoint most likely to be a hub
  // (proxy, then backend, then other, then client; `from` on a tie). With the usual
  // client<->proxy and proxy<->backend questions this is one row for the whole run,
  // instead of one per client (10^4 clients would mean 10^8 cached entries).
  // add_host and add_link drop every cached row.
  //
  // Safe to call from several threads at once (the cache is guarded by a mutex).
  Path path(HostId from, HostId to) const;

  // The topology as Graphviz DOT text ("graph G { ... }"): each host labelled with its
  // name (shape by kind), each link with its delay and, if any, jitter ("250us", or
  // "250us +/- 20us").
  std::string to_graphviz() const;

  // The standard chain: `clients` clients, each linked to one proxy, linked to each of
  // `backends` backends; no middlebox. Names "proxy", "client-0".."client-<clients-1>",
  // "backend-0".."backend-<backends-1>". Ids: the proxy is 0, clients are 1..clients
  // (client-i is i + 1), backends follow (backend-j is clients + 1 + j). Every link has
  // the given jitter. Negative delays or jitter are a TopologyError.
  static Topology chain(std::size_t clients, std::size_t backends, Time client_proxy_delay,
                        Time proxy_backend_delay, Time jitter);
  // The same, with every client's link to a proxy given by client_link and backend j's by
  // backend_links[j] (one per backend: backends in zones farther away, a middlebox on the
  // hop), and `proxies` proxy instances, each linked to every client and every backend.
  // Several instances are named "proxy-0".."proxy-<n-1>"; proxy-0 has id 0 and the others
  // follow the backends (proxy-k is clients + backends + k).
  static Topology chain(std::size_t clients, const Path& client_link, const std::vector<Path>& backend_links,
                        std::size_t proxies = 1);

 private:
  struct Impl;  // Boost.Graph lives only in sim/net/, never in installed headers.
  std::unique_ptr<Impl> impl_;
};

}  // namespace teardown
