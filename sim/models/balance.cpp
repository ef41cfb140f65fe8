#include "balance.hpp"

#include <algorithm>
#include <cmath>

namespace teardown::models::balance {

std::uint32_t leastconn(std::span<const Candidate> servers) {
  std::uint32_t best = kNone;
  double best_load = 0;
  for (std::uint32_t i = 0; i < servers.size(); ++i) {
    const Candidate& c = servers[i];
    if (!c.ok) continue;
    const double load = (c.served + 1) / c.effective_weight;
    if (best == kNone || load < best_load || (load == best_load && c.load_changed < servers[best].load_changed)) {
      best = i;
      best_load = load;
    }
  }
  return best;
}

std::uint32_t first(std::span<const Candidate> servers) {
  for (std::uint32_t i = 0; i < servers.size(); ++i) {
    if (servers[i].ok) return i;
  }
  return kNone;
}

namespace {

// The server a hash of the client's address falls on over the configured weights, before
// skipping those that may not be picked.
template <class WeightOf>
std::uint32_t hashed_server(std::uint32_t n, WeightOf weight_of, std::uint64_t client_host) {
  std::uint64_t h = client_host;
  const std::uint64_t hash = splitmix64(h);
  double total = 0;
  for (std::uint32_t i = 0; i < n; ++i) total += weight_of(i);
  double point = static_cast<double>(hash % 1'000'003) / 1'000'003.0 * total;
  for (std::uint32_t i = 0; i < n; ++i) {
    point -= weight_of(i);
    if (point < 0) return i;
  }
  return 0;
}

}  // namespace

std::uint32_t source_start(std::span<const double> weights, std::uint64_t client_host) {
  return hashed_server(static_cast<std::uint32_t>(weights.size()), [&](std::uint32_t i) { return weights[i]; },
                       client_host);
}

std::uint32_t source(std::span<const Candidate> servers, std::uint64_t client_host) {
  const auto n = static_cast<std::uint32_t>(servers.size());
  const std::uint32_t pick =
      hashed_server(n, [&](std::uint32_t i) { return servers[i].weight; }, client_host);
  for (std::uint32_t k = 0; k < n; ++k) {
    if (servers[(pick + k) % n].ok) return (pick + k) % n;
  }
  return kNone;
}

std::uint32_t ChashRing::full_hash(std::uint32_t a) {
  a = (a + 0x7ed55d16u) + (a << 12);
  a = (a ^ 0xc761c23cu) ^ (a >> 19);
  a = (a + 0x165667b1u) + (a << 5);
  a = (a + 0xd3a2646cu) ^ (a << 9);
  a = (a + 0xfd7046c5u) + (a << 3);
  a = (a ^ 0xb55a4f09u) ^ (a >> 16);
  return a * 3221225473u;
}

namespace {
constexpr std::uint32_t kPointsPerWeight = 16;     // BE_WEIGHT_SCALE
constexpr std::uint32_t kKeysPerServer = 256 * 16;  // SRV_EWGHT_RANGE
}  // namespace

ChashRing::ChashRing(std::span<const double> weights) {
  for (std::uint32_t s = 0; s < weights.size(); ++s) {
    const auto n = static_cast<std::uint32_t>(std::lround(weights[s])) * kPointsPerWeight;
    for (std::uint32_t j = 0; j < n; ++j) points_.push_back({full_hash((s + 1) * kKeysPerServer + j), s, j});
  }
  std::sort(points_.begin(), points_.end(), [](const Point& a, const Point& b) { return a.key < b.key; });
}

bool ChashRing::present(const Point& p, std::span<const Candidate> servers) const {
  const Candidate& c = servers[p.server];
  return c.ok && p.index < std::ceil(c.effective_weight * kPointsPerWeight - 1e-9);
}

template <class Present>
std::uint32_t ChashRing::nearest(std::uint32_t key, Present present) const {
  const auto n = points_.size();
  if (n == 0) return kNone;
  const auto first_ge = static_cast<std::size_t>(
      std::lower_bound(points_.begin(), points_.end(), key, [](const Point& p, std::uint32_t k) { return p.key < k; }) -
      points_.begin());
  // The nearest present point at or after the key, and the one before it, both round the ring.
  std::size_t next = first_ge % n, steps = 0;
  while (!present(points_[next]) && ++steps < n) next = (next + 1) % n;
  if (steps == n) return kNone;
  std::size_t prev = (first_ge + n - 1) % n;
  while (!present(points_[prev])) prev = (prev + n - 1) % n;
  // Unsigned distances wrap round the ring as HAProxy's do (chash_get_server_hash).
  const std::uint32_t to_prev = key - points_[prev].key;
  const std::uint32_t to_next = points_[next].key - key;
  return to_prev <= to_next ? points_[prev].server : points_[next].server;
}

std::uint32_t ChashRing::closest(std::uint32_t key, std::span<const Candidate> servers) const {
  return nearest(key, [&](const Point& p) { return present(p, servers); });
}

std::uint32_t ChashRing::closest_of_all(std::uint32_t key) const {
  return nearest(key, [](const Point&) { return true; });
}

std::uint32_t random(std::span<const Candidate> servers, int draws, const ChashRing& ring, RandomKeys keys) {
  std::uint32_t best = kNone;
  for (int d = 0; d < draws; ++d) {
    const std::uint32_t pick = ring.closest(keys.next(), servers);
    if (pick == kNone) return kNone;
    // Keep the earlier pick only if the new one serves more per unit of weight.
    if (best != kNone && best != pick &&
        servers[pick].served * servers[best].effective_weight > servers[best].served * servers[pick].effective_weight) {
      continue;
    }
    best = pick;
  }
  return best;
}

std::uint32_t smooth_weighted_rr(std::span<const Candidate> servers, std::span<double> current) {
  double total = 0;
  std::uint32_t best = kNone;
  for (std::uint32_t i = 0; i < servers.size(); ++i) {
    if (!servers[i].ok) continue;
    current[i] += servers[i].weight;
    total += servers[i].weight;
    if (best == kNone || current[i] > current[best]) best = i;
  }
  if (best != kNone) current[best] -= total;
  return best;
}

bool RoundRobinCycle::enter(const std::vector<double>& values, double w) {
  const auto n = static_cast<std::uint32_t>(values.size());
  start_ = values;
  scratch_ = values;
  order_.assign(n, 0);
  position_.assign(n, n);
  all_.assign(n, Candidate{true, w, w, 0, 0});
  weight_ = w;
  for (std::uint32_t step = 0; step < n; ++step) {
    const std::uint32_t best = smooth_weighted_rr(all_, scratch_);
    if (position_[best] != n) return false;  // picked twice: not (yet) a cycle
    position_[best] = step;
    order_[step] = best;
  }
  if (scratch_ != start_) return false;
  cursor_ = 0;
  active_ = true;
  return true;
}

void RoundRobinCycle::leave(std::vector<double>& values) {
  const auto n = static_cast<double>(order_.size());
  values = start_;
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] += static_cast<double>(cursor_) * weight_;
    if (position_[i] < cursor_) values[i] -= n * weight_;
  }
  active_ = false;
}

std::uint32_t StaticRr::pick(std::span<const Candidate> servers, bool plain, double weight) {
  if (plain) {
    if (cycle_.active()) return cycle_.next();
    if (retry_ > 0) {
      --retry_;
    } else if (cycle_.enter(current_, weight)) {
      return cycle_.next();
    } else {
      retry_ = static_cast<std::uint32_t>(current_.size());
    }
  } else if (cycle_.active()) {
    cycle_.leave(current_);
  }
  return smooth_weighted_rr(servers, current_);
}

}  // namespace teardown::models::balance
