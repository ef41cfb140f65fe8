// The engine's general event queue: a monotone priority queue ordered by (time, seq).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <vector>

#include "engine/event.hpp"
#include "engine/near_calendar.hpp"
#include "engine/radix_heap.hpp"
#include "engine/timing_wheel.hpp"

namespace teardown {

// Two tiers. Events due within kNearSlices wheel slices (~17 ms) of the last one taken out
// go to the near tier; later ones to a timing wheel (timing_wheel.hpp), which hands each
// slice over to the near tier before the clock reaches it.
//
// The near tier is a calendar of 16 us buckets (near_calendar.hpp) while it holds up to a
// few thousand events, and a radix heap (radix_heap.hpp) while it holds more: the calendar
// files an event once, which is cheapest when buckets hold one to three events (the seed
// scenario: a few hundred pending); with thousands of events per bucket (the hold model at
// 1e5 pending) its sorts cost O(log n) an event and the radix heap, about two moves, wins.
// The switch moves every near event, with hysteresis so it happens rarely.
// REQUIRES: every pushed time >= the time of the last event popped, except across
// rebase() (see push()).
class EventQueue {
 public:
  static constexpr std::int64_t kNearSlices = 16;
  static_assert(kNearSlices << TimingWheel::kSliceBits == NearCalendar::kRing << NearCalendar::kBucketBits,
                "the calendar's ring spans the near tier");

  // The near tier becomes a radix heap above kDenseAbove events and a calendar again
  // below kSparseBelow.
  static constexpr std::size_t kDenseAbove = 8192;
  static constexpr std::size_t kSparseBelow = 2048;

  bool empty() const { return near_size() == 0 && far_.empty(); }
  std::size_t size() const { return near_size() + far_.size(); }

  void push(const Event& e) {
    const Time floor = near_floor();
    if (e.time < floor) [[unlikely]] {
      rebase(e.time);
      push(e);
      return;
    }
    if (next_known_ && e.time < next_) next_ = e.time;
    if (e.time < near_limit(floor)) {
      push_near(e);  // can only lower the near minimum: ready_ holds
    } else {
      far_.push(e);
      ready_ = false;
    }
  }

  // The time of the earliest event (kNever when empty), without taking it out. It leaves
  // the floor (the last time popped) where it is, so a caller that then runs an earlier
  // event from elsewhere (a Simulator lane) may still push anything at or after that
  // event's time.
  Time next_time() {
    if (!next_known_) {
      next_ = ready();
      next_known_ = true;
    }
    return next_;
  }

  // The earliest event; call only when the clock is about to reach its time (the radix
  // heap moves its floor there). REQUIRES: !empty().
  const Event& top() {
    if (!ready_) ready();
    return dense_ ? radix_.top() : calendar_.top();
  }

  Event pop() {
    if (!ready_) ready();
    next_known_ = ready_ = false;
    if (!dense_) return calendar_.pop();
    const Event e = radix_.pop();
    if (radix_.size() < kSparseBelow) [[unlikely]] to_calendar();
    return e;
  }

  // Room in the calendar for this many events due within a few milliseconds (it keeps its
  // slots anyway: after warm-up a run allocates nothing).
  void reserve(std::size_t events) { calendar_.reserve(events); }
  // Room in the wheel for this many events due more than a few milliseconds ahead.
  void reserve_far(std::size_t events) { far_.reserve(events); }

 private:
  // Pulls from the wheel every slice that may hold events earlier than the calendar's
  // earliest; returns the earliest time. The common case, nothing to pull, is inlined; the
  // pulling (with the near tier's push inlined in it) is out of line.
  Time ready() {
    ready_ = true;
    const Time near = near_min();
    // A wheel slice that starts no later than the near minimum may hold earlier events
    // (an empty wheel's next start is kNever).
    if (far_.next_start() > near || far_.empty()) [[likely]] return near;
    return pull_then_ready();
  }
  [[gnu::noinline]] Time pull_then_ready() {
    for (;;) {
      far_.pull([this](const Event& e) {
        assert(e.time >= near_floor());
        push_near(e);
      });
      const Time near = near_min();
      if (far_.next_start() > near || far_.empty()) return near;
    }
  }
  // The earliest time in the near tier, kNever when it is empty.
  Time near_min() { return !dense_ ? calendar_.next_time() : radix_.size() == 0 ? kNever : radix_.min_time(); }

  // Events before this go to the calendar; the wheel's floor may be later (it moves up to
  // its next non-empty slice), and anything before the floor must stay near.
  Time near_limit(Time floor) const {
    const Time by_clock = (TimingWheel::slice_of(floor) + kNearSlices) << TimingWheel::kSliceBits;
    return std::max(by_clock, far_.floor());
  }

  std::size_t near_size() const { return dense_ ? radix_.size() : calendar_.size(); }
  // No event may be pushed before this: the last time popped (or, in the radix heap, the
  // time of an event the clock is about to reach).
  Time near_floor() const { return dense_ ? radix_.floor() : calendar_.floor(); }

  void push_near(const Event& e) {
    if (dense_) {
      radix_.push(e);
      return;
    }
    calendar_.push(e);
    if (calendar_.size() > kDenseAbove) [[unlikely]] to_radix();
  }

  // Out of line and cold, as is the radix heap's code: the sparse case's hot path stays small.
  [[gnu::noinline, gnu::cold]] void to_radix() {
    std::vector<Event> all;
    all.reserve(calendar_.size());
    const Time floor = calendar_.floor();
    calendar_.drain(all, floor);
    radix_.reset(floor);
    for (const Event& e : all) radix_.push(e);
    dense_ = true;
  }
  [[gnu::noinline, gnu::cold]] void to_calendar() {
    std::vector<Event> all;
    all.reserve(radix_.size());
    radix_.drain(all);
    calendar_.drain(all, radix_.floor());  // empty: sets its floor
    dense_ = false;
    for (const Event& e : all) calendar_.push(e);
  }

  // Cold path: an event earlier than the last one popped (only possible after a run
  // stopped at a horizon and the caller schedules between that horizon and the next
  // event). Re-files every event relative to the new floor.
  void rebase(Time floor) {
    std::vector<Event> all;
    all.reserve(size());
    radix_.drain(all);
    radix_.reset(floor);
    dense_ = false;
    calendar_.drain(all, floor);
    far_.drain(all, floor);
    next_known_ = ready_ = false;
    std::sort(all.begin(), all.end(), [](const Event& a, const Event& c) { return a.seq_kind < c.seq_kind; });
    for (const Event& e : all) push(e);
  }

  NearCalendar calendar_;
  RadixHeap radix_;
  bool dense_ = false;  // the near tier is radix_, else calendar_
  Time next_ = 0;  // the earliest time of all, when next_known_ (kept across pushes)
  bool next_known_ = false;
  bool ready_ = false;  // the calendar holds the earliest event: nothing to pull
  TimingWheel far_;
};

}  // namespace teardown
