// static-rr's smooth weighted round robin (proxy_servers.cpp) in O(1) per pick for its common
// case (roundrobin has its own: fwrr_cycle.cpp).
// When every server is a candidate and all weigh the same w, each pick adds w to every
// server's value and takes n*w from the largest (the first of equals), so the values after
// n picks are back where they were as soon as each server was picked once: the picks repeat
// one order of the servers. This keeps that order and a cursor, and gives back the exact
// values (integers held in doubles, so there is no rounding) when the general case resumes.
#pragma once

#include <cstdint>
#include <vector>

namespace teardown::models {

class RoundRobinCycle {
 public:
  bool active() const { return active_; }

  // Simulates n picks from `values` (one per server, each of weight w): if they repeat with
  // period n, starts the cycle there and returns true. O(n^2), once per change of servers.
  bool enter(const std::vector<double>& values, double w) {
    const auto n = static_cast<std::uint32_t>(values.size());
    start_ = values;
    scratch_ = values;
    order_.assign(n, 0);
    position_.assign(n, n);
    weight_ = w;
    for (std::uint32_t step = 0; step < n; ++step) {
      double total = 0;
      std::uint32_t best = 0;
      for (std::uint32_t i = 0; i < n; ++i) {  // the general loop's arithmetic, in its order
        scratch_[i] += w;
        total += w;
        if (scratch_[i] > scratch_[best]) best = i;
      }
      scratch_[best] -= total;
      if (position_[best] != n) return false;  // picked twice: not (yet) a cycle
      position_[best] = step;
      order_[step] = best;
    }
    if (scratch_ != start_) return false;
    cursor_ = 0;
    active_ = true;
    return true;
  }

  std::uint32_t next() {
    const std::uint32_t pick = order_[cursor_];
    cursor_ = cursor_ + 1 == order_.size() ? 0 : cursor_ + 1;
    return pick;
  }

  // The values after the picks made so far, as the general loop would have left them.
  void leave(std::vector<double>& values) {
    const auto n = static_cast<double>(order_.size());
    values = start_;
    for (std::size_t i = 0; i < values.size(); ++i) {
      values[i] += static_cast<double>(cursor_) * weight_;
      if (position_[i] < cursor_) values[i] -= n * weight_;
    }
    active_ = false;
  }

 private:
  bool active_ = false;
  std::uint32_t cursor_ = 0;
  double weight_ = 1;
  std::vector<std::uint32_t> order_;     // the server picked at each step of the cycle
  std::vector<std::uint32_t> position_;  // the step at which each server is picked
  std::vector<double> start_, scratch_;  // values at step 0; work space
};

}  // namespace teardown::models
