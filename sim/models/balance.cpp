#include "balance.hpp"

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

std::uint32_t source(std::span<const Candidate> servers, std::uint64_t client_host) {
  const auto n = static_cast<std::uint32_t>(servers.size());
  std::uint64_t h = client_host;
  const std::uint64_t hash = splitmix64(h);
  double total = 0;
  for (const Candidate& c : servers) total += c.weight;
  double point = static_cast<double>(hash % 1'000'003) / 1'000'003.0 * total;
  std::uint32_t pick = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    point -= servers[i].weight;
    if (point < 0) {
      pick = i;
      break;
    }
  }
  for (std::uint32_t k = 0; k < n; ++k) {
    if (servers[(pick + k) % n].ok) return (pick + k) % n;
  }
  return kNone;
}

std::uint32_t random(std::span<const Candidate> servers, int draws, RandomStream& rng) {
  double total = 0;
  for (const Candidate& c : servers) total += c.ok ? c.effective_weight : 0;
  if (total <= 0) return kNone;  // nothing to pick: no draw is made
  std::uint32_t best = kNone;
  for (int d = 0; d < draws; ++d) {
    double point = rng.uniform() * total;
    std::uint32_t pick = kNone;
    for (std::uint32_t i = 0; i < servers.size(); ++i) {
      if (!servers[i].ok) continue;
      pick = i;
      point -= servers[i].effective_weight;
      if (point < 0) break;
    }
    if (pick == kNone) return kNone;
    if (best == kNone || servers[pick].served < servers[best].served) best = pick;
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
