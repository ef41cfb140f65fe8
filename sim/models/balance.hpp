// The balance algorithms other than roundrobin (fwrr.hpp) as pickers over plain server state:
// each takes what the proxy knows of every server and returns the index it picks, or kNone.
// Proxy::balance only builds that view and calls them (docs/model.md section 2, Balancing).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ids.hpp"
#include "engine/random.hpp"

namespace teardown::models::balance {

// One server as a picker sees it.
struct Candidate {
  bool ok = true;                 // may be picked now: up, weight > 0, a free slot, not avoided
  double weight = 1;              // the configured weight
  double effective_weight = 1;    // during slowstart, less
  int served = 0;                 // requests (or pinned sessions) assigned now
  std::uint64_t load_changed = 0; // when `served` last changed (an ever-increasing clock)
};

// Fewest assigned per unit of weight; among equals, the one whose load changed longest ago:
// HAProxy re-inserts a server in its tree behind its equals at every change of load (SRC
// v2.6.0 src/lb_fwlc.c), so an idle returning server comes first.
std::uint32_t leastconn(std::span<const Candidate> servers);

// The first server with a free slot, by id (CFGHEAD "balance first").
std::uint32_t first(std::span<const Candidate> servers);

// A hash of the client's address mapped over the configured weights (static), then the next
// candidate from there.
std::uint32_t source(std::span<const Candidate> servers, std::uint64_t client_host);
// Where source() starts for this client: the server its hash falls on, before skipping those
// that may not be picked. It depends on the configured weights alone, so it can be kept.
std::uint32_t source_start(std::span<const double> weights, std::uint64_t client_host);

// The consistent-hash ring "balance random" draws on (SRC v2.6.0 src/lb_chash.c, the same
// from 1.9 to 2.8): each server owns 16 points per unit of configured weight, point j of the
// server numbered id (1, 2, ... in configuration order) at key full_hash(id * 4096 + j), and a
// key picks the closest point either way. The points are few, so the arcs are unequal: with 4
// servers of weight 1 the second gets 18.5% of the keys, not 25% (measured on HAProxy 2.6.12:
// 17.5%; docs/validation.md). During slowstart a server has only its first points.
class ChashRing {
 public:
  ChashRing() = default;
  explicit ChashRing(std::span<const double> weights);
  // The candidate whose point is closest to `key` (the earlier one at equal distance), among
  // the candidates that may be picked; kNone if none may.
  std::uint32_t closest(std::uint32_t key, std::span<const Candidate> servers) const;
  // closest() when every server may be picked at its full weight: every point is present.
  std::uint32_t closest_of_all(std::uint32_t key) const;
  // HAProxy's full_hash: Bob Jenkins' 6-shift integer hash
  // (burtleburtle.net/bob/hash/integer.html), times the prime 3221225473.
  static std::uint32_t full_hash(std::uint32_t a);

 private:
  struct Point {
    std::uint32_t key;
    std::uint32_t server;
    std::uint32_t index;  // j: present while j < 16 x the server's effective weight
  };
  bool present(const Point& p, std::span<const Candidate> servers) const;
  template <class Present>
  std::uint32_t nearest(std::uint32_t key, Present present) const;
  std::vector<Point> points_;  // by key
};

// HAProxy's statistical_prng() (SRC v2.6.0 include/haproxy/tools.h), the source of "balance
// random"'s keys since 2.4: xorshift32. A fixed-start release starts every process's first
// thread at kFixedStart (src/tools.c), so every start draws the same keys.
class StatisticalPrng {
 public:
  static constexpr std::uint32_t kFixedStart = 2463534242u;
  std::uint32_t next() {
    std::uint32_t x = state_;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return state_ = x;
  }

 private:
  std::uint32_t state_ = kFixedStart;
};

// Where random() takes its keys: HAProxy's own generator from its fixed start, or, for a
// release that seeds it at start, the run's random stream.
struct RandomKeys {
  RandomStream& stream;
  StatisticalPrng* fixed_start;  // null: the stream
  std::uint32_t next() {
    return fixed_start != nullptr ? fixed_start->next() : static_cast<std::uint32_t>(stream.next_u64() >> 32);
  }
};

// random(<draws>): `draws` uniform keys on the ring; of two picks, the later unless it serves
// more per unit of weight (SRC v2.6.0 src/backend.c get_server_rnd; CFGHEAD "balance random").
std::uint32_t random(std::span<const Candidate> servers, int draws, const ChashRing& ring, RandomKeys keys);

// random() when every server may be picked and all weigh the same: every point is present and
// the weights cancel out of the comparison, so only what each pick serves is read
// (`served_of(i)`), not a view of every server. The same picks and the same draws.
template <class ServedOf>
std::uint32_t random_among_alike(int draws, const ChashRing& ring, RandomKeys keys, ServedOf served_of) {
  std::uint32_t best = kNone;
  for (int d = 0; d < draws; ++d) {
    const std::uint32_t pick = ring.closest_of_all(keys.next());
    if (pick == kNone) return kNone;
    if (best != kNone && best != pick && served_of(pick) > served_of(best)) continue;
    best = pick;
  }
  return best;
}

// static-rr: smooth weighted round robin over the candidates, one value per server in
// `current`. HAProxy's static-rr fills a map by a coarser form of this rule, from zero at each
// change (SRC v2.6.0 src/lb_map.c recalc_server_map); the map and its cursor are not modelled.
std::uint32_t smooth_weighted_rr(std::span<const Candidate> servers, std::span<double> current);

// static-rr's O(1) cycle for its common case (roundrobin has its own: fwrr_cycle.cpp). When
// every server is a candidate and all weigh the same w, each pick adds w to every server's
// value and takes n*w from the largest (the first of equals), so the values after n picks are
// back where they were as soon as each server was picked once: the picks repeat one order of
// the servers. This keeps that order and a cursor, and gives back the exact values (integers
// held in doubles, so there is no rounding) when the general case resumes.
class RoundRobinCycle {
 public:
  bool active() const { return active_; }
  // Makes n picks from `values` with smooth_weighted_rr (every server a candidate of weight
  // w): if they repeat with period n, starts the cycle there and returns true. O(n^2), once
  // per change of servers.
  bool enter(const std::vector<double>& values, double w);
  std::uint32_t next() {
    const std::uint32_t pick = order_[cursor_];
    cursor_ = cursor_ + 1 == order_.size() ? 0 : cursor_ + 1;
    return pick;
  }
  // The values after the picks made so far, as smooth_weighted_rr would have left them.
  void leave(std::vector<double>& values);

 private:
  bool active_ = false;
  std::uint32_t cursor_ = 0;
  double weight_ = 1;
  std::vector<std::uint32_t> order_;     // the server picked at each step of the cycle
  std::vector<std::uint32_t> position_;  // the step at which each server is picked
  std::vector<double> start_, scratch_;  // values at step 0; work space
  std::vector<Candidate> all_;           // every server a candidate of weight w
};

// static-rr with its O(1) cycle for the common case (every server a candidate, one weight):
// the same picks as smooth_weighted_rr, which it hands back to with the exact values.
class StaticRr {
 public:
  void resize(std::size_t n) { current_.assign(n, 0.0); }
  // `plain`: every server a candidate and all of weight `weight`.
  std::uint32_t pick(std::span<const Candidate> servers, bool plain, double weight);
  // In its cycle, a plain pick reads no server: the caller may skip building the view.
  bool cycling() const { return cycle_.active(); }
  std::uint32_t next_in_cycle() { return cycle_.next(); }

 private:
  std::vector<double> current_;
  RoundRobinCycle cycle_;
  std::uint32_t retry_ = 0;  // picks to make the general way before trying the cycle again
};

}  // namespace teardown::models::balance
