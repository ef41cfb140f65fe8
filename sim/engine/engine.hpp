// The discrete-event engine: a clock and a queue of small events.
// It knows nothing of TCP, HTTP or HAProxy: models give each event a kind and a target
// index and dispatch on them in their own handler (a template parameter, so the hot loop
// has no virtual call and no std::function). Ties in time are broken by the order in which
// events were scheduled, so a run is deterministic.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <vector>

#include "engine/event.hpp"
#include "engine/event_queue.hpp"
#include "engine/fifo_lane.hpp"
#include "teardown/time.hpp"

namespace teardown {

// The clock and the queue. Models schedule events; the run loop pops them in order and hands
// each to the model's handler. A model drops a wake-up that no longer applies by its own tag
// (the generation of the slot it is for, or LazyDeadline below): the loop checks nothing.
//
// Most events of a network simulation come a fixed delay after their cause (a link's
// latency, a fixed processing time); schedule_after() puts each such delay in a FIFO lane
// of its own (fifo_lane.hpp), where they are already in run order. The run loop takes the
// earliest of the lanes' fronts and the general queue's top, so the order of the run, and
// everything that depends on it, is the same as with one queue.
class Simulator {
 public:
  Time now() const { return now_; }

  // Schedules a plain event. REQUIRES: now() <= at < kNever (an event at kNever would never
  // come; the run loop takes none: see take()).
  void schedule(Time at, std::uint16_t kind, std::uint32_t target, std::uint32_t payload = 0,
                std::uint32_t tag = 0) {
    assert(at >= now_ && at < kNever);
    queue_.push(Event{at, next_seq_++ << 16 | kind, target, payload, tag});
  }

  // A handle on the FIFO lane of one fixed delay, for callers that schedule many events
  // with it: looking the lane up once saves a search per event.
  using LaneId = std::uint8_t;
  static constexpr LaneId kNoLane = 0xff;  // no lane left: such events go to the general queue

  // The lane of `delay`, given one if a lane is free (the first kLanes distinct delays get
  // one). For the few short delays that nearly every event has (link latencies, the
  // proxy's processing time): an event of a lane costs O(1), but each lane adds a compare
  // to every event taken. REQUIRES: delay >= 0.
  LaneId lane_of(Time delay) {
    std::size_t i = 0;
    while (i < lane_count_ && lane_delay_[i] != delay) ++i;
    if (i == lane_count_) {
      if (lane_count_ == kLanes || delay == kNever) return kNoLane;
      lane_delay_[lane_count_++] = delay;
      order_lanes();
    }
    return static_cast<LaneId>(i);
  }

  // Schedules an event `delay` after now, in the lane of that delay if it has one.
  // REQUIRES: delay >= 0.
  void schedule_after(Time delay, std::uint16_t kind, std::uint32_t target, std::uint32_t payload = 0,
                      std::uint32_t tag = 0) {
    schedule_in(lane_of(delay), delay, kind, target, payload, tag);
  }

  // schedule_after() with the lane already looked up: `lane` is lane_of(delay).
  [[gnu::always_inline]] void schedule_in(LaneId lane, Time delay, std::uint16_t kind, std::uint32_t target, std::uint32_t payload = 0,
                   std::uint32_t tag = 0) {
    assert(delay >= 0);
    assert(lane == kNoLane || lane_delay_[lane] == delay);
    if (lane == kNoLane) [[unlikely]] {
      schedule_without_lane(delay, kind, target, payload, tag);
      return;
    }
    // A lane's delay is never kNever (lane_of() gives none for it).
    const Event e{now_ + delay, next_seq_++ << 16 | kind, target, payload, tag};
    if (lanes_[lane].empty()) front_time_[slot_of_[lane]] = e.time;
    lanes_[lane].push(e);
  }

  // schedule_in()'s rare case, out of line so that the lane push inlines into its callers.
  [[gnu::noinline]] void schedule_without_lane(Time delay, std::uint16_t kind, std::uint32_t target,
                                               std::uint32_t payload, std::uint32_t tag) {
    if (delay == kNever) return;  // "off": an event that never comes (now + kNever would overflow)
    queue_.push(Event{now_ + delay, next_seq_++ << 16 | kind, target, payload, tag});
  }

  // Runs events with time <= end, in order; the clock ends at `end` (or at the last event if
  // the queue empties first and stop_when_empty). Returns the number of events handled.
  template <class Handler>
  std::uint64_t run_until(Time end, Handler&& handle) {
    std::uint64_t handled = 0;
    Event e;
    // No event is due at kNever (schedule()), so every pending time, kNever standing for an
    // empty lane or queue, needs only one compare with `last`.
    const Time last = std::min(end, kNever - 1);
    while (take(last, e)) {
      now_ = e.time;
      handle(e);
      ++handled;
    }
    if (end != kNever && end > now_) now_ = end;
    dispatched_ += handled;
    return handled;
  }

  // Handles exactly one live event if there is one; returns false when the queue is empty.
  template <class Handler>
  bool step(Handler&& handle) {
    Event e;
    if (!take(kNever - 1, e)) return false;
    now_ = e.time;
    handle(e);
    ++dispatched_;
    return true;
  }

  std::size_t pending() const {
    std::size_t n = queue_.size();
    for (std::size_t i = 0; i < lane_count_; ++i) n += lanes_[i].size();
    return n;
  }
  // Every scheduled event takes one sequence number.
  std::uint64_t events_scheduled() const { return next_seq_; }
  std::uint64_t events_dispatched() const { return dispatched_; }
  void reserve(std::size_t events) { queue_.reserve(events); }
  // Room for this many far-future events (see EventQueue::reserve_far).
  void reserve_far(std::size_t events) { queue_.reserve_far(events); }

 private:
  static constexpr std::size_t kLanes = 4;

  // Takes the earliest pending event into `out` if its time is <= last. REQUIRES: last < kNever.
  //
  // The lanes' front times sit in one small array, in order of decreasing delay, and the
  // earliest is found with a branch-free scan of plain times. Ties need no sequence
  // numbers: two lane events due at the same time were scheduled at different times (their
  // delays differ), and the one with the longer delay was scheduled first, so it runs first;
  // the scan's strict < keeps the first of equal times, which is that one.
  bool take(Time last, Event& out) {
    // Written as selects so that the compiler emits conditional moves: which lane comes
    // next is a coin toss for the branch predictor, and the `if` this replaces was compiled
    // to a branch that mispredicted about seven times per simulated request.
    std::uint64_t slot = 0;
    Time first = front_time_[0];
    for (std::uint64_t i = 1; i < kLanes; ++i) {
      const Time t = front_time_[i];
      const bool earlier = t < first;
      slot = earlier ? i : slot;
      first = earlier ? t : first;
    }
    const std::size_t lane = lane_in_slot_[slot];
    // next_time() (kNever when the queue is empty) leaves the queue's floor alone; top() and
    // pop() may move it up to that time, which is safe only once the clock is about to reach it.
    const Time t = queue_.next_time();
    if (t < first || (t == first && t != kNever && queue_.top().seq_kind < lanes_[lane].front().seq_kind)) {
      if (t > last) return false;
      out = queue_.pop();
      return true;
    }
    if (first > last) return false;
    FifoLane& l = lanes_[lane];
    out = l.pop();
    front_time_[slot] = l.empty() ? kNever : l.front().time;
    return true;
  }

  // Sorts the scan slots by decreasing lane delay (unused slots last, at kNever). Called
  // when a lane is added, before any event of the new lane is pushed.
  void order_lanes() {
    std::array<Time, kLanes> times{};
    for (std::size_t slot = 0; slot < kLanes; ++slot) {
      if (slot < lane_count_) times[lane_in_slot_[slot]] = front_time_[slot];
    }
    for (std::size_t i = 0; i < kLanes; ++i) lane_in_slot_[i] = static_cast<LaneId>(i);
    std::sort(lane_in_slot_.begin(), lane_in_slot_.begin() + static_cast<std::ptrdiff_t>(lane_count_),
              [this](LaneId a, LaneId b) { return lane_delay_[a] > lane_delay_[b]; });
    front_time_.fill(kNever);
    for (std::size_t slot = 0; slot < lane_count_; ++slot) {
      const LaneId lane = lane_in_slot_[slot];
      slot_of_[lane] = static_cast<LaneId>(slot);
      if (!lanes_[lane].empty()) front_time_[slot] = times[lane];
    }
  }

  EventQueue queue_;
  std::array<FifoLane, kLanes> lanes_;
  std::array<Time, kLanes> lane_delay_{};
  // Per scan slot (decreasing delay): the time of the lane's first event, or kNever.
  std::array<Time, kLanes> front_time_ = never_times();
  std::array<LaneId, kLanes> lane_in_slot_{0, 1, 2, 3};
  std::array<LaneId, kLanes> slot_of_{0, 1, 2, 3};
  static constexpr std::array<Time, kLanes> never_times() {
    std::array<Time, kLanes> times{};
    times.fill(kNever);
    return times;
  }
  std::size_t lane_count_ = 0;
  Time now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t dispatched_ = 0;
};

// A deadline that moves often and fires rarely (an idle timeout reset by every request).
// It keeps the deadline as a field and at most one wake-up in the queue: moving the
// deadline later costs nothing; the wake-up, when it comes, re-arms itself at the current
// deadline if that moved. Only moving it earlier schedules a new wake-up.
//
// Reuse: an entity slot that is recycled keeps its wake_at (not its deadline). The pending
// wake-up checks the deadline, not whose it is, so it serves the slot's next occupant;
// starting afresh would leave it in the queue and schedule another, and a slot recycled
// many times per timeout (server connections churned by the 2.x idle pool: 155,000 a
// second at 1.1 M requests/s, each with a 60 s timeout) would fill the queue with stale
// wake-ups.
struct LazyDeadline {
  Time deadline = kNever;
  Time wake_at = kNever;  // time of the wake-up in the queue, or kNever

  // Sets the deadline; schedules a wake-up only when none is pending at or before it.
  void set(Simulator& sim, Time at, std::uint16_t kind, std::uint32_t target, std::uint32_t payload = 0) {
    deadline = at;
    if (at != kNever && at < wake_at) {
      wake_at = at;
      sim.schedule(at, kind, target, payload);
    }
  }
  // set(sim, now + delay, ...), where a delay of kNever (a timeout that is off) means no
  // deadline rather than an overflow.
  void set_after(Simulator& sim, Time delay, std::uint16_t kind, std::uint32_t target, std::uint32_t payload = 0) {
    if (delay == kNever) {
      deadline = kNever;
      return;
    }
    set(sim, sim.now() + delay, kind, target, payload);
  }
  void clear() { deadline = kNever; }

  // Call from the handler of the wake-up event. Returns true when the deadline has been
  // reached (the caller acts on it); false when the wake-up was stale or the deadline moved
  // (then it has re-armed itself if needed).
  bool on_wake(Simulator& sim, const Event& e) {
    if (e.time != wake_at) return false;  // superseded by an earlier wake-up
    wake_at = kNever;
    if (deadline == kNever) return false;
    if (deadline > sim.now()) {
      wake_at = deadline;
      sim.schedule(deadline, e.kind(), e.target, e.payload);
      return false;
    }
    deadline = kNever;
    return true;
  }
};

}  // namespace teardown
