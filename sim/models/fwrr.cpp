// Fast weighted round robin: placing servers and changing weights (fwrr.hpp).
#include "fwrr.hpp"

namespace teardown::models {

namespace {
constexpr std::uint32_t kUweightRange = 256;                    // SRV_UWGHT_RANGE
constexpr std::uint32_t kEweightMax = kUweightRange * Fwrr::kScale;  // SRV_EWGHT_MAX
constexpr std::uint32_t u(std::int32_t v) { return static_cast<std::uint32_t>(v); }
}  // namespace

void Fwrr::init(const std::vector<std::uint32_t>& eweights) {
  // SRC v2.6.0 lb_fwrr.c fwrr_init_server_groups: the window is the total weight and starts
  // at position total; every server waits in "init", heaviest first.
  servers_.assign(eweights.size(), Server{});
  cycling_ = false;
  switched_ = true;
  up_ = 0;
  std::int32_t total = 0;
  for (std::size_t i = 0; i < eweights.size(); ++i) {
    servers_[i].eweight = eweights[i];
    total += static_cast<std::int32_t>(eweights[i]);
  }
  curr_pos_ = curr_weight_ = next_weight_ = total;
  for (Server& s : servers_) {
    queue_by_weight(s, Tree::Init);
    ++up_;
  }
}

void Fwrr::set_down(std::uint32_t i) {
  // SRC v2.6.0 lb_fwrr.c fwrr_set_server_status_down: out of every tree; the next window is
  // lighter, the current one keeps its weight.
  leave_cycle();
  Server& s = servers_[i];
  if (s.tree == Tree::None) return;
  next_weight_ -= static_cast<std::int32_t>(s.eweight);
  s.queued = false;
  s.tree = Tree::None;
  --up_;
}

void Fwrr::set_up(std::uint32_t i, std::uint32_t eweight) {
  // SRC v2.6.0 lb_fwrr.c fwrr_set_server_status_up: placed from the current position alone,
  // (next window + current window - current position) / its weight ahead of it, its
  // positions from before it went down forgotten (its remainder is kept).
  leave_cycle();
  Server& s = servers_[i];
  if (s.tree != Tree::None) return;
  s.eweight = eweight;
  next_weight_ += static_cast<std::int32_t>(eweight);
  ++up_;
  get(s);
  s.npos = u(curr_pos_) + u(next_weight_ + curr_weight_ - curr_pos_) / eweight;
  queue(s);
}

void Fwrr::set_weight(std::uint32_t i, std::uint32_t eweight) {
  // SRC v2.6.0 lb_fwrr.c fwrr_update_server_weight, for a server that stays up: waiting in
  // "init", it is re-sorted by weight; otherwise its next position becomes its last one
  // plus the new step, never later than before, and not sooner than two picks ahead.
  leave_cycle();
  Server& s = servers_[i];
  if (s.tree == Tree::None || s.eweight == eweight) return;
  next_weight_ = next_weight_ - static_cast<std::int32_t>(s.eweight) + static_cast<std::int32_t>(eweight);
  if (s.tree == Tree::Init) {
    s.eweight = eweight;
    queue_by_weight(s, Tree::Init);
    return;
  }
  get(s);
  const std::uint32_t prev_next = s.npos;
  const std::uint32_t step = u(next_weight_) / eweight;
  s.npos = s.lpos + step;
  s.rweight = 0;
  if (s.npos > prev_next) s.npos = prev_next;
  if (s.npos < u(curr_pos_ + 2)) s.npos = u(curr_pos_) + step;
  s.eweight = eweight;
  queue(s);
}

void Fwrr::queue_by_weight(Server& s, Tree t) {
  // Heaviest first (fwrr_queue_by_weight); a re-insertion goes behind its equals.
  s.tree = t;
  s.queued = true;
  s.stamp = ++clock_;
}

void Fwrr::queue(Server& s) {
  // SRC v2.6.0 lb_fwrr.c fwrr_queue_srv: a position past the window (or past where the
  // window would end with the next weight) waits for the next window.
  if (s.npos >= u(2 * curr_weight_) || s.npos >= u(curr_weight_ + next_weight_)) {
    s.npos -= u(curr_weight_);
    queue_by_weight(s, Tree::Next);
    return;
  }
  s.tree = Tree::Curr;
  s.queued = true;
  s.stamp = ++clock_;
}

void Fwrr::get(Server& s) {
  // SRC v2.6.0 lb_fwrr.c fwrr_get_srv: positions are relative to the tree a server is in.
  switch (s.tree) {
    case Tree::Init:
      s.npos = s.rweight = 0;
      break;
    case Tree::Next:
      s.npos += u(curr_weight_);
      break;
    case Tree::None:
      s.npos = u(curr_pos_);
      break;
    case Tree::Curr:
      break;
  }
}

void Fwrr::update_position(Server& s) {
  // SRC v2.6.0 lb_fwrr.c fwrr_update_position: a step of total / weight, the remainder
  // carried so that a weight that does not divide the total still gets its share.
  if (s.npos == 0) s.npos = u(curr_pos_);
  s.lpos = s.npos;
  s.npos += u(next_weight_) / s.eweight;
  s.rweight += u(next_weight_) % s.eweight;
  if (s.rweight >= s.eweight) {
    s.rweight -= s.eweight;
    ++s.npos;
  }
}

std::uint32_t Fwrr::first_in(Tree t) const {
  // eb32_first: the lowest key, the earliest inserted among equal keys. "current" is keyed
  // by position, then heaviest and smallest remainder first; "init" and "next" by weight.
  std::uint32_t best = kNone, best_key = 0;
  for (std::uint32_t i = 0; i < servers_.size(); ++i) {
    const Server& s = servers_[i];
    if (!s.queued || s.tree != t) continue;
    const std::uint32_t key = t == Tree::Curr ? kUweightRange * s.npos + (kEweightMax + s.rweight - s.eweight) / kScale
                                              : kEweightMax - s.eweight;
    if (best == kNone || key < best_key || (key == best_key && s.stamp < servers_[best].stamp)) {
      best = i;
      best_key = key;
    }
  }
  return best;
}

std::uint32_t Fwrr::from_group() {
  // SRC v2.6.0 lb_fwrr.c fwrr_get_server_from_group: the first of "current" if its turn has
  // come; else the heaviest waiting in "init"; else the first of "current" all the same.
  const std::uint32_t c = first_in(Tree::Curr);
  if (c != kNone && servers_[c].npos <= u(curr_pos_)) return c;
  const std::uint32_t i = first_in(Tree::Init);
  if (i != kNone) {
    servers_[i].npos = servers_[i].rweight = 0;
    return i;
  }
  return c;
}

void Fwrr::switch_trees() {
  // SRC v2.6.0 lb_fwrr.c fwrr_switch_trees: "next" becomes "init" and a new window begins.
  for (Server& s : servers_) {
    if (s.tree == Tree::Init) {
      s.tree = Tree::Next;
    } else if (s.tree == Tree::Next) {
      s.tree = Tree::Init;
    }
  }
  curr_pos_ = curr_weight_ = next_weight_;
  switched_ = true;
}

}  // namespace teardown::models
