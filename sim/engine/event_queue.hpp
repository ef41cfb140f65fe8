// The engine's general event queue: a monotone priority queue ordered by (time, seq).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <vector>

#include "engine/event.hpp"
#include "engine/timing_wheel.hpp"

namespace teardown {

// Two tiers. Events due within kNearSlices wheel slices (~17 ms) of the last one taken out
// go to a radix heap; later ones to a timing wheel (timing_wheel.hpp), which hands each
// slice over to the radix heap before the clock reaches it.
//
// The radix heap: discrete-event simulation never schedules into the past, so keys only
// grow; events sit in buckets by the highest base-16 digit in which their time differs
// from the last time taken out (and that digit's value), a push is O(1) and each event
// moves down a level or two before it is popped (with base-2 digits it moved about four
// times). Equal times are popped in sequence order. It is fast for dense, near events but
// would move a far one down a level each time the clock crossed a digit boundary on its
// way; the wheel files those once.
// REQUIRES: every pushed time >= the time of the last event popped, except across
// rebase() (see push()).
class EventQueue {
 public:
  static constexpr std::int64_t kNearSlices = 16;

  EventQueue() { buckets_.resize(kBuckets); }

  bool empty() const { return near_size_ == 0 && far_.empty(); }
  std::size_t size() const { return near_size_ + far_.size(); }

  void push(const Event& e) {
    if (e.time < last_) [[unlikely]] {
      rebase(e.time);
    }
    if (next_known_ && e.time < next_) next_ = e.time;
    if (e.time < near_limit()) {
      push_near(e);  // can only lower the radix heap's minimum: ready_ holds
    } else {
      far_.push(e);
      ready_ = false;
    }
  }

  // The time of the earliest event, without taking it out. Unlike top() it leaves the
  // radix floor where it is, so a caller that then runs an earlier event from elsewhere
  // (a Simulator lane) may still push anything at or after that event's time.
  // REQUIRES: !empty().
  Time next_time() {
    assert(!empty());
    if (!next_known_) {
      next_ = ready();
      next_known_ = true;
    }
    return next_;
  }

  // The earliest event. REQUIRES: !empty().
  const Event& top() {
    if (!ready_) ready();
    settle();
    return buckets_[0][head_];
  }

  Event pop() {
    if (!ready_) ready();
    settle();
    --near_size_;
    next_known_ = ready_ = false;
    return buckets_[0][head_++];
  }

  // Keeps each bucket's capacity: after warm-up a run allocates nothing.
  void reserve(std::size_t per_bucket) {
    for (auto& b : buckets_) b.reserve(per_bucket);
  }
  // Room in the wheel for this many events due more than a few milliseconds ahead.
  void reserve_far(std::size_t events) { far_.reserve(events); }

 private:
  // Bucket 0: events at last_. Bucket 1 + 16 l + d: events whose highest digit differing
  // from last_ is digit l (of 16), where theirs is d. A lower bucket holds earlier events.
  static constexpr int kDigitBits = 4;
  static constexpr std::size_t kBuckets = 1 + 64 / kDigitBits * (std::size_t{1} << kDigitBits);
  static constexpr std::size_t kWords = (kBuckets - 1) / 64;

  // Pulls from the wheel every slice that may hold events earlier than the radix heap's
  // earliest; returns the earliest time. Leaves last_ alone.
  Time ready() {
    ready_ = true;
    for (;;) {
      const Time near = near_size_ == 0 ? kNever : near_min();
      // A wheel slice that starts no later than the near minimum may hold earlier events.
      if (!far_.empty() && far_.next_start() <= near) {
        far_.pull([this](const Event& e) {
          assert(e.time > last_);  // pulled before the clock got there: never in bucket 0
          push_near(e);
        });
        continue;
      }
      return near;
    }
  }

  // Events before this go to the radix heap; the wheel's floor may be later (it moves up
  // to its next non-empty slice), and anything before the floor must stay near.
  Time near_limit() const {
    const Time by_clock = (TimingWheel::slice_of(last_) + kNearSlices) << TimingWheel::kSliceBits;
    return std::max(by_clock, far_.floor());
  }

  void push_near(const Event& e) {
    // A known minimum of the buckets above 0 stays right: a new event there is either below it
    // or not. (Bucket 0 holds the events at last_ and is not part of it.)
    if (file(e) != 0 && peek_known_ && e.time < peek_) peek_ = e.time;
    ++near_size_;
  }

  // The earliest time in the radix heap. REQUIRES: near_size_ > 0.
  Time near_min() {
    if (head_ < buckets_[0].size()) return last_;
    if (!peek_known_) {
      peek_ = min_time(buckets_[lowest_bucket()]);
      peek_known_ = true;
    }
    return peek_;
  }

  static Time min_time(const std::vector<Event>& events) {
    Time min = events.front().time;
    for (const Event& e : events) min = std::min(min, e.time);
    return min;
  }

  std::size_t bucket_of(Time t) const {
    const auto diff = static_cast<std::uint64_t>(t) ^ static_cast<std::uint64_t>(last_);
    if (diff == 0) return 0;
    const int level = (63 - std::countl_zero(diff)) / kDigitBits;
    const auto digit = (static_cast<std::uint64_t>(t) >> (level * kDigitBits)) & ((1u << kDigitBits) - 1);
    return 1 + (static_cast<std::size_t>(level) << kDigitBits) + static_cast<std::size_t>(digit);
  }
  std::size_t lowest_bucket() const {
    for (std::size_t w = 0; w < kWords; ++w) {
      if (nonempty_[w] != 0) return 1 + 64 * w + static_cast<std::size_t>(std::countr_zero(nonempty_[w]));
    }
    assert(false && "no bucket above 0 holds events");
    return 0;
  }

  std::size_t file(const Event& e) {
    const std::size_t b = bucket_of(e.time);
    buckets_[b].push_back(e);
    if (b != 0) nonempty_[(b - 1) >> 6] |= std::uint64_t{1} << ((b - 1) & 63);
    return b;
  }

  // Makes bucket 0 hold the earliest events, in sequence order. REQUIRES: the wheel has
  // nothing earlier (next_time() was called).
  void settle() {
    assert(near_size_ > 0);
    std::vector<Event>& zero = buckets_[0];
    if (head_ < zero.size()) return;
    zero.clear();
    head_ = 0;
    const std::size_t b = lowest_bucket();
    std::vector<Event>& from = buckets_[b];
    last_ = peek_known_ ? peek_ : min_time(from);
    peek_known_ = false;
    nonempty_[(b - 1) >> 6] &= ~(std::uint64_t{1} << ((b - 1) & 63));
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
    all.reserve(size());
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
      const std::size_t start = b == 0 ? head_ : 0;
      all.insert(all.end(), buckets_[b].begin() + static_cast<std::ptrdiff_t>(start), buckets_[b].end());
      buckets_[b].clear();
    }
    far_.drain(all, floor);
    head_ = 0;
    nonempty_.fill(0);
    near_size_ = 0;
    last_ = floor;
    peek_known_ = false;
    next_known_ = ready_ = false;
    std::sort(all.begin(), all.end(), [](const Event& a, const Event& c) { return a.seq_kind < c.seq_kind; });
    for (const Event& e : all) push(e);
  }

  std::vector<std::vector<Event>> buckets_;
  std::size_t head_ = 0;  // next event to pop from bucket 0
  std::size_t near_size_ = 0;
  std::array<std::uint64_t, kWords> nonempty_{};  // bit b-1 set when bucket b > 0 holds events
  Time last_ = 0;
  Time peek_ = 0;  // the minimum over the buckets above 0, when peek_known_
  bool peek_known_ = false;
  Time next_ = 0;  // the earliest time of all, when next_known_ (kept across pushes)
  bool next_known_ = false;
  bool ready_ = false;  // the radix heap holds the earliest event: nothing to pull
  TimingWheel far_;
};

}  // namespace teardown
