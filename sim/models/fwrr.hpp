// roundrobin as HAProxy 2.6 does it: fast weighted round robin (SRC v2.6.0 src/lb_fwrr.c),
// written afresh from the behaviour described in docs/model.md section 2.
//
// Every server has a next position; each pick takes the server of the lowest position and
// moves it on by (total weight / its weight). Positions are counted in windows of the total
// weight: a server whose next position falls past the window waits for the next one, and
// the window ends when none is left. A server that comes back is placed from the current
// position alone, whatever it had before it went down. HAProxy keeps the servers in three
// ebtrees ("current" by position, "init" and "next" by weight); with a few servers a
// linear scan over one array does the same, each server tagged with its tree and ties in a
// tree going to the earliest inserted, as in an ebtree with duplicates.
//
// Arithmetic is on 32-bit unsigned positions like HAProxy's (`unsigned npos, lpos, rweight`
// against `int` group weights), so wrap-around and unsigned comparisons behave the same.
#pragma once

#include <cstdint>
#include <vector>

namespace teardown::models {

class Fwrr {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  // HAProxy's weight scale: a user weight w is an effective weight 16 w (BE_WEIGHT_SCALE).
  static constexpr std::uint32_t kScale = 16;

  // Every server up with its effective weight (> 0), queued by weight in the order given
  // (HAProxy's server list is in configuration order: fwrr_init_server_groups).
  void init(const std::vector<std::uint32_t>& eweights);

  void set_down(std::uint32_t s);
  void set_up(std::uint32_t s, std::uint32_t eweight);
  // A new effective weight for a server that stays up (slowstart).
  void set_weight(std::uint32_t s, std::uint32_t eweight);

  // The next server, skipping (but consuming the turn of) those `has_slot` refuses and
  // `avoid` unless it is the only choice; kNone when no server can take it.
  template <class HasSlot>
  std::uint32_t pick(HasSlot has_slot, std::uint32_t avoid);

  // O(1) picks while every server is up at one weight and nothing is skipped
  // (fwrr_cycle.cpp). enter_cycle() succeeds once the state is the regular one such a group
  // settles into after its window first ends; leave_cycle() writes back the exact state.
  bool cycling() const { return cycling_; }

  // The group's current position, the weight of the current window and of the next one
  // (HAProxy's curr_pos, curr_weight, next_weight), for tests.
  struct Window {
    std::int32_t pos, weight, next_weight;
  };
  Window window() {
    leave_cycle();
    return {curr_pos_, curr_weight_, next_weight_};
  }
  bool enter_cycle();
  std::uint32_t next_in_cycle() {
    const std::uint32_t s = order_[cursor_];
    if (++cursor_ == order_.size()) {  // the position in the window is worked out on leaving
      cursor_ = 0;
      ++rounds_;
    }
    return s;
  }
  void leave_cycle() {
    if (cycling_) write_back();
  }

 private:
  enum class Tree : std::uint8_t { None, Init, Curr, Next };
  struct Server {
    std::uint32_t eweight = 0;
    std::uint32_t npos = 0, lpos = 0, rweight = 0;
    std::uint64_t stamp = 0;  // insertion order into its tree: ties go to the earliest
    Tree tree = Tree::None;   // HAProxy's lb_tree: kept while dequeued during a pick
    bool queued = false;      // in its tree (HAProxy's node is linked)
    std::uint32_t next_full = kNone;
  };

  void queue_by_weight(Server& s, Tree t);
  void queue(Server& s);
  void get(Server& s);
  void update_position(Server& s);
  std::uint32_t first_in(Tree t) const;
  std::uint32_t from_group();
  void switch_trees();
  void write_back();  // fwrr_cycle.cpp

  std::vector<Server> servers_;
  std::int32_t curr_pos_ = 0, curr_weight_ = 0, next_weight_ = 0;
  std::uint32_t up_ = 0;
  std::uint64_t clock_ = 0;
  bool switched_ = true;  // a window began since the last failed enter_cycle()

  // The cycle: the order of the servers and the picks made in the current window.
  bool cycling_ = false;
  std::vector<std::uint32_t> order_;
  std::uint32_t cursor_ = 0;
  std::int32_t entered_ = 0;  // picks of the window made when the cycle was entered
  std::uint64_t rounds_ = 0;  // times the cursor went round since
};

// fwrr_get_next_server (SRC v2.6.0 src/lb_fwrr.c): a taken turn moves the server on even
// when it is then skipped as full or avoided; the skipped ones go back where their turn
// put them, or by weight into the next window if the trees switched meanwhile.
template <class HasSlot>
std::uint32_t Fwrr::pick(HasSlot has_slot, std::uint32_t avoid) {
  leave_cycle();
  if (up_ == 0) return kNone;
  bool switched = false;
  std::uint32_t avoided = kNone, full = kNone, s = kNone;
  for (;;) {
    if (curr_weight_ == 0) curr_pos_ = curr_weight_ = next_weight_;
    for (;;) {
      s = from_group();
      if (s != kNone) break;
      if (switched) {
        if (avoided != kNone) {
          s = avoided;
          queue(servers_[s]);
        } else {
          s = kNone;
        }
        goto requeue;
      }
      switched = true;
      switch_trees();
    }
    update_position(servers_[s]);
    servers_[s].queued = false;
    ++curr_pos_;
    if (has_slot(s)) {
      if (s != avoid || avoided != kNone) break;
      avoided = s;
    }
    servers_[s].next_full = full;
    full = s;
  }
  queue(servers_[s]);
requeue:
  while (full != kNone) {
    Server& f = servers_[full];
    if (full != s) {
      if (switched) {
        queue_by_weight(f, Tree::Init);
      } else {
        queue(f);
      }
    }
    full = f.next_full;
  }
  return s;
}

}  // namespace teardown::models
