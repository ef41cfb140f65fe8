// The O(1) case of fast weighted round robin (fwrr.hpp): n servers up, all of effective
// weight e, total T = n e. Once a window has begun with all of them waiting in "init"
// (which every window does, after the first since the last change), the state after j
// picks of the window (0 <= j <= T) is fixed by the order they left "init" in:
// - the window runs from position T, one position per pick: the current position is T + j;
// - server q of that order is taken at picks q, q + n, q + 2n, ...: first from "init" at
//   position T + q, then each time its position comes up, each step being T / e = n; after
//   m of its e turns its next position is T + q + n m and its last one n less;
// - after its e-th turn its next position is 2T + q, past the window: it waits in "next"
//   (at T + q, relative to the next window), behind those that went before it;
// - the window ends after T picks; the next begins with the same order.
// So the picks repeat the order, and the state at any point can be checked or rebuilt.
#include <algorithm>

#include "fwrr.hpp"

namespace teardown::models {

namespace {
constexpr std::uint32_t u32(std::int32_t v) { return static_cast<std::uint32_t>(v); }

// Turns server q has had after j picks of the window.
std::int32_t turns(std::int32_t j, std::int32_t q, std::int32_t n) { return j > q ? (j - q + n - 1) / n : 0; }
}  // namespace

bool Fwrr::enter_cycle() {
  if (cycling_) return true;
  if (!switched_) return false;  // not regular before a window begins: checked once per window
  switched_ = false;
  const auto n = static_cast<std::int32_t>(servers_.size());
  if (n == 0 || up_ != servers_.size()) return false;
  const std::uint32_t e = servers_.front().eweight;
  for (const Server& s : servers_) {
    if (s.eweight != e || !s.queued) return false;
  }
  const std::int32_t T = curr_weight_, step = n;
  if (next_weight_ != T || u32(T) != static_cast<std::uint32_t>(n) * e) return false;
  const std::int32_t j = curr_pos_ - T;
  if (j < 0 || j > T) return false;
  const auto ew = static_cast<std::int32_t>(e);
  order_.assign(servers_.size(), kNone);
  std::vector<std::uint32_t> waiting;
  for (std::uint32_t i = 0; i < servers_.size(); ++i) {
    const Server& s = servers_[i];
    std::int32_t q = 0;
    if (s.tree == Tree::Init) {
      waiting.push_back(i);
      continue;
    }
    if (s.rweight != 0) return false;
    if (s.tree == Tree::Curr) {
      const std::int32_t d = static_cast<std::int32_t>(s.npos) - T;
      if (d < 0) return false;
      q = d % step;
      const std::int32_t m = d / step;
      if (m < 1 || m >= ew || m != turns(j, q, n) || s.lpos != s.npos - u32(step)) return false;
    } else {
      q = static_cast<std::int32_t>(s.npos) - T;
      if (q < 0 || q >= n || turns(j, q, n) != ew || s.lpos != u32(2 * T + q - step)) return false;
    }
    if (order_[static_cast<std::size_t>(q)] != kNone) return false;
    order_[static_cast<std::size_t>(q)] = i;
  }
  std::sort(waiting.begin(), waiting.end(),
            [&](std::uint32_t a, std::uint32_t b) { return servers_[a].stamp < servers_[b].stamp; });
  for (std::size_t k = 0; k < waiting.size(); ++k) {
    const auto q = static_cast<std::int32_t>(static_cast<std::size_t>(j) + k);
    if (q >= n || order_[static_cast<std::size_t>(q)] != kNone) return false;
    order_[static_cast<std::size_t>(q)] = waiting[k];
  }
  // Those waiting for the next window must be queued in their order (ties go by insertion).
  std::uint64_t last = 0;
  for (const std::uint32_t i : order_) {
    if (i == kNone) return false;
    if (servers_[i].tree != Tree::Next) continue;
    if (servers_[i].stamp < last) return false;
    last = servers_[i].stamp;
  }
  entered_ = j;
  rounds_ = 0;
  cursor_ = static_cast<std::uint32_t>(j % n);
  cycling_ = true;
  return true;
}

void Fwrr::write_back() {
  const auto n = static_cast<std::int32_t>(servers_.size());
  const std::int32_t T = curr_weight_;
  // Picks made in the window now: a full window switches to the next before its first pick,
  // so j runs 1..T after the first pick (0 only if none was made since a window began).
  const auto size = static_cast<std::uint64_t>(n);
  const std::uint64_t made = rounds_ * size + cursor_ - static_cast<std::uint64_t>(entered_ % n);
  const std::uint64_t total = static_cast<std::uint64_t>(entered_) + made;
  const auto j = static_cast<std::int32_t>(total == 0 ? 0 : (total - 1) % static_cast<std::uint64_t>(T) + 1);
  const auto e = static_cast<std::int32_t>(servers_.front().eweight);
  curr_pos_ = T + j;
  for (std::int32_t q = 0; q < n; ++q) {
    Server& s = servers_[order_[static_cast<std::size_t>(q)]];
    const std::int32_t m = turns(j, q, n);
    if (m == 0) {
      s.tree = Tree::Init;  // its positions are reset when it leaves "init"
    } else if (m == e) {
      s.tree = Tree::Next;
      s.npos = u32(T + q);
      s.lpos = u32(2 * T + q - n);
      s.rweight = 0;
    } else {
      s.tree = Tree::Curr;
      s.npos = u32(T + q + n * m);
      s.lpos = s.npos - u32(n);
      s.rweight = 0;
    }
    s.queued = true;
    s.stamp = ++clock_;  // in the order: the ties in "init" and "next" go that way
  }
  cycling_ = false;
  switched_ = true;  // worth checking again at the next uniform pick
}

}  // namespace teardown::models
