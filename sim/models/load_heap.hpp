// leastconn's order of the servers when they are all alike (one weight, all up, no maxconn):
// fewest assigned first, then the one whose load changed longest ago, then the lowest index.
// HAProxy keeps leastconn's servers in a tree re-sorted at every change of load (SRC v2.6.0
// src/lb_fwlc.c); this is an indexed binary heap with the same order, so a pick reads the top
// and a change of load moves one server in O(log servers), with no allocation after init.
#pragma once

#include <cstdint>
#include <vector>

namespace teardown::models::balance {

class LoadHeap {
 public:
  // `servers` servers, none assigned and none changed yet.
  void init(std::uint32_t servers) {
    keys_.assign(servers, Key{});
    heap_.resize(servers);
    at_.resize(servers);
    for (std::uint32_t i = 0; i < servers; ++i) {
      keys_[i].index = i;
      heap_[i] = i;
      at_[i] = i;
    }
  }
  bool empty() const { return heap_.empty(); }
  // Server `i` now has `served` assigned, changed at clock `changed`.
  void update(std::uint32_t i, int served, std::uint64_t changed) {
    keys_[i].served = served;
    keys_[i].changed = changed;
    sift_down(sift_up(at_[i]));
  }
  // The server leastconn picks. REQUIRES: !empty().
  std::uint32_t top() const { return heap_.front(); }

 private:
  struct Key {
    int served = 0;
    std::uint64_t changed = 0;
    std::uint32_t index = 0;
  };
  bool before(std::uint32_t a, std::uint32_t b) const {
    const Key& x = keys_[a];
    const Key& y = keys_[b];
    if (x.served != y.served) return x.served < y.served;
    if (x.changed != y.changed) return x.changed < y.changed;
    return x.index < y.index;
  }
  void place(std::uint32_t slot, std::uint32_t server) {
    heap_[slot] = server;
    at_[server] = slot;
  }
  std::uint32_t sift_up(std::uint32_t slot) {
    const std::uint32_t server = heap_[slot];
    while (slot > 0) {
      const std::uint32_t parent = (slot - 1) / 2;
      if (!before(server, heap_[parent])) break;
      place(slot, heap_[parent]);
      slot = parent;
    }
    place(slot, server);
    return slot;
  }
  void sift_down(std::uint32_t slot) {
    const std::uint32_t server = heap_[slot];
    const auto n = static_cast<std::uint32_t>(heap_.size());
    for (;;) {
      std::uint32_t child = 2 * slot + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap_[child + 1], heap_[child])) ++child;
      if (!before(heap_[child], server)) break;
      place(slot, heap_[child]);
      slot = child;
    }
    place(slot, server);
  }

  std::vector<Key> keys_;             // by server
  std::vector<std::uint32_t> heap_;   // servers in heap order
  std::vector<std::uint32_t> at_;     // server -> its slot in heap_
};

}  // namespace teardown::models::balance
