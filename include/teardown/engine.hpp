// The discrete-event engine: a clock, a queue of small events, and timers.
// It knows nothing of TCP, HTTP or HAProxy: models give each event a kind and a target
// index and dispatch on them in their own handler (a template parameter, so the hot loop
// has no virtual call and no std::function). Ties in time are broken by the order in which
// events were scheduled, so a run is deterministic.
#pragma once

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "teardown/time.hpp"

namespace teardown {

using TimerId = std::uint32_t;
inline constexpr TimerId kNoTimer = std::numeric_limits<TimerId>::max();

// One scheduled occurrence: 32 bytes, trivially copyable.
struct Event {
  Time time = 0;
  std::uint64_t seq_kind = 0;     // scheduling sequence number << 16 | kind
  std::uint32_t target = 0;       // index of the entity the event is for
  std::uint32_t payload = 0;      // kind-specific
  TimerId timer = kNoTimer;       // timer this event is the wake-up of, if any
  std::uint32_t generation = 0;   // the timer's generation when armed, or a model's own tag

  std::uint16_t kind() const { return static_cast<std::uint16_t>(seq_kind & 0xffffu); }
  std::uint64_t seq() const { return seq_kind >> 16; }
};
static_assert(sizeof(Event) == 32);
static_assert(std::is_trivially_copyable_v<Event>);

// A monotone priority queue of events ordered by (time, seq): a radix heap.
// Discrete-event simulation never schedules into the past, so keys only grow; a radix heap
// exploits that: events sit in 65 buckets by the highest bit in which their time differs
// from the last time taken out, a push is O(1) and each event moves down at most a few
// buckets before it is popped. Equal times are popped in sequence order.
// REQUIRES: every pushed time >= the time of the last event popped, except across
// rebase() (see push()).
class EventQueue {
 public:
  EventQueue() { buckets_.resize(kBuckets); }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push(const Event& e) {
    if (e.time < last_) [[unlikely]] {
      rebase(e.time);
    }
    file(e);
    ++size_;
  }

  // The earliest event. REQUIRES: !empty().
  const Event& top() {
    settle();
    return buckets_[0][head_];
  }

  Event pop() {
    settle();
    --size_;
    return buckets_[0][head_++];
  }

  // Keeps each bucket's capacity: after warm-up a run allocates nothing.
  void reserve(std::size_t per_bucket) {
    for (auto& b : buckets_) b.reserve(per_bucket);
  }

 private:
  static constexpr int kBuckets = 65;

  std::size_t bucket_of(Time t) const {
    const auto diff = static_cast<std::uint64_t>(t) ^ static_cast<std::uint64_t>(last_);
    return diff == 0 ? 0 : static_cast<std::size_t>(64 - std::countl_zero(diff));
  }

  void file(const Event& e) {
    const std::size_t b = bucket_of(e.time);
    buckets_[b].push_back(e);
    if (b != 0) nonempty_ |= std::uint64_t{1} << (b - 1);
  }

  // Makes bucket 0 hold the earliest events, in sequence order.
  void settle() {
    assert(size_ > 0);
    std::vector<Event>& zero = buckets_[0];
    if (head_ < zero.size()) return;
    zero.clear();
    head_ = 0;
    assert(nonempty_ != 0);
    const std::size_t b = static_cast<std::size_t>(std::countr_zero(nonempty_)) + 1;
    nonempty_ &= ~(std::uint64_t{1} << (b - 1));
    std::vector<Event>& from = buckets_[b];
    Time min = from.front().time;
    for (const Event& e : from) min = std::min(min, e.time);
    last_ = min;
    for (const Event& e : from) file(e);  // every event lands in a lower bucket
    from.clear();
    if (zero.size() > 1) {
      std::sort(zero.begin(), zero.end(),
                [](const Event& a, const Event& c) { return a.seq_kind < c.seq_kind; });
    }
  }

  // Cold path: an event earlier than the last one popped (only possible after a run
  // stopped at a horizon and the caller schedules between that horizon and the next
  // event). Re-files every event relative to the new floor.
  void rebase(Time floor) {
    std::vector<Event> all;
    all.reserve(size_);
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
      const std::size_t start = b == 0 ? head_ : 0;
      all.insert(all.end(), buckets_[b].begin() + static_cast<std::ptrdiff_t>(start), buckets_[b].end());
      buckets_[b].clear();
    }
    head_ = 0;
    nonempty_ = 0;
    last_ = floor;
    std::sort(all.begin(), all.end(), [](const Event& a, const Event& c) { return a.seq_kind < c.seq_kind; });
    for (const Event& e : all) file(e);
  }

  std::vector<std::vector<Event>> buckets_;
  std::size_t head_ = 0;  // next event to pop from bucket 0
  std::size_t size_ = 0;
  std::uint64_t nonempty_ = 0;  // bit b-1 set when bucket b (1..64) holds events
  Time last_ = 0;
};

// The clock, the queue and the timer table. Models schedule events and arm timers; the
// run loop pops events in order, drops wake-ups of cancelled or re-armed timers, and hands
// every live event to the model's handler.
class Simulator {
 public:
  Time now() const { return now_; }

  // Schedules a plain event. REQUIRES: at >= now().
  void schedule(Time at, std::uint16_t kind, std::uint32_t target, std::uint32_t payload = 0,
                std::uint32_t tag = 0) {
    assert(at >= now_);
    queue_.push(Event{at, next_seq_++ << 16 | kind, target, payload, kNoTimer, tag});
    ++scheduled_;
  }

  // A timer is a slot with a generation; arming it again or cancelling it makes its
  // pending wake-up stale, and stale wake-ups are dropped without reaching the handler.
  TimerId add_timer() {
    if (!free_timers_.empty()) {
      const TimerId id = free_timers_.back();
      free_timers_.pop_back();
      return id;
    }
    timer_generation_.push_back(0);
    return static_cast<TimerId>(timer_generation_.size() - 1);
  }
  void release_timer(TimerId id) {
    cancel(id);
    free_timers_.push_back(id);
  }
  void arm(TimerId id, Time at, std::uint16_t kind, std::uint32_t target, std::uint32_t payload = 0) {
    assert(at >= now_);
    const std::uint32_t gen = ++timer_generation_[id];
    queue_.push(Event{at, next_seq_++ << 16 | kind, target, payload, id, gen});
    ++scheduled_;
  }
  void cancel(TimerId id) { ++timer_generation_[id]; }

  // Runs events with time <= end, in order; the clock ends at `end` (or at the last event if
  // the queue empties first and stop_when_empty). Returns the number of events handled.
  template <class Handler>
  std::uint64_t run_until(Time end, Handler&& handle) {
    std::uint64_t handled = 0;
    while (!queue_.empty() && queue_.top().time <= end) {
      const Event e = queue_.pop();
      now_ = e.time;
      if (e.timer != kNoTimer && timer_generation_[e.timer] != e.generation) {
        ++stale_;
        continue;
      }
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
    while (!queue_.empty()) {
      const Event e = queue_.pop();
      now_ = e.time;
      if (e.timer != kNoTimer && timer_generation_[e.timer] != e.generation) {
        ++stale_;
        continue;
      }
      handle(e);
      ++dispatched_;
      return true;
    }
    return false;
  }

  std::size_t pending() const { return queue_.size(); }
  std::uint64_t events_scheduled() const { return scheduled_; }
  std::uint64_t events_dispatched() const { return dispatched_; }
  std::uint64_t events_stale() const { return stale_; }
  void reserve(std::size_t per_bucket) { queue_.reserve(per_bucket); }

 private:
  EventQueue queue_;
  Time now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t scheduled_ = 0;
  std::uint64_t dispatched_ = 0;
  std::uint64_t stale_ = 0;
  std::vector<std::uint32_t> timer_generation_;
  std::vector<TimerId> free_timers_;
};

// A deadline that moves often and fires rarely (an idle timeout reset by every request).
// It keeps the deadline as a field and at most one wake-up in the queue: moving the
// deadline later costs nothing; the wake-up, when it comes, re-arms itself at the current
// deadline if that moved. Only moving it earlier schedules a new wake-up.
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
