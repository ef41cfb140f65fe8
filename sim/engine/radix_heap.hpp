// A monotone priority queue of events by (time, seq): a radix heap with base-16 digits.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <vector>

#include "engine/event.hpp"

namespace teardown {

// Discrete-event simulation never schedules into the past, so keys only grow: events sit in
// buckets by the highest base-16 digit in which their time differs from the last time
// taken out (and that digit's value); a push is O(1) (an XOR and a count of leading zeros)
// and each event moves down a level or two before it is popped. Equal times are popped in
// sequence order.
//
// The event queue's near tier when it is dense (event_queue.hpp): with thousands of events
// every 16 us (the hold model with 1e5 pending events) the calendar's sorted buckets cost
// O(log n) moves an event, this about two.
// REQUIRES: every pushed time >= floor().
class RadixHeap {
 public:
  RadixHeap() { buckets_.resize(kBuckets); }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  Time floor() const { return last_; }

  // Starts afresh from `floor`. REQUIRES: empty().
  void reset(Time floor) {
    assert(empty());
    last_ = floor;
    peek_known_ = false;
  }

  [[gnu::noinline]] void push(const Event& e) {
    assert(e.time >= last_);
    ++size_;
    const std::size_t b = bucket_of(e.time);
    if (b == 0) {
      // At the floor's time: bucket 0 is sorted by sequence, and an event handed over from
      // the wheel may have been scheduled before those already there.
      std::vector<Event>& zero = buckets_[0];
      const auto at = std::upper_bound(zero.begin() + static_cast<std::ptrdiff_t>(head_), zero.end(), e,
                                       [](const Event& a, const Event& c) { return a.seq_kind < c.seq_kind; });
      zero.insert(at, e);
      return;
    }
    buckets_[b].push_back(e);
    nonempty_[(b - 1) >> 6] |= std::uint64_t{1} << ((b - 1) & 63);
    if (peek_known_ && e.time < peek_) peek_ = e.time;
  }

  // The earliest time, leaving the floor alone (a caller may still push between the floor
  // and it). REQUIRES: !empty().
  [[gnu::noinline]] Time min_time() {
    assert(size_ > 0);
    if (head_ < buckets_[0].size()) return last_;
    if (!peek_known_) {
      peek_ = earliest(buckets_[lowest_bucket()]);
      peek_known_ = true;
    }
    return peek_;
  }

  // The earliest event; moves the floor up to its time. REQUIRES: !empty().
  [[gnu::noinline]] const Event& top() {
    settle();
    return buckets_[0][head_];
  }

  [[gnu::noinline]] Event pop() {
    settle();
    --size_;
    return buckets_[0][head_++];
  }

  // Moves every event out, in no particular order; leaves it empty.
  void drain(std::vector<Event>& out) {
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
      const std::size_t start = b == 0 ? head_ : 0;
      out.insert(out.end(), buckets_[b].begin() + static_cast<std::ptrdiff_t>(start), buckets_[b].end());
      buckets_[b].clear();
    }
    head_ = 0;
    nonempty_.fill(0);
    size_ = 0;
    peek_known_ = false;
  }

 private:
  // Bucket 0: events at last_. Bucket 1 + 16 l + d: events whose highest digit differing
  // from last_ is digit l (of 16), where theirs is d. A lower bucket holds earlier events.
  static constexpr int kDigitBits = 4;
  static constexpr std::size_t kBuckets = 1 + 64 / kDigitBits * (std::size_t{1} << kDigitBits);
  static constexpr std::size_t kWords = (kBuckets - 1) / 64;

  static Time earliest(const std::vector<Event>& events) {
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

  // Makes bucket 0 hold the earliest events, in sequence order.
  void settle() {
    assert(size_ > 0);
    std::vector<Event>& zero = buckets_[0];
    if (head_ < zero.size()) return;
    zero.clear();
    head_ = 0;
    const std::size_t b = lowest_bucket();
    std::vector<Event>& from = buckets_[b];
    last_ = peek_known_ ? peek_ : earliest(from);
    peek_known_ = false;
    nonempty_[(b - 1) >> 6] &= ~(std::uint64_t{1} << ((b - 1) & 63));
    for (const Event& e : from) {  // every event lands in a lower bucket
      const std::size_t to = bucket_of(e.time);
      buckets_[to].push_back(e);
      if (to != 0) nonempty_[(to - 1) >> 6] |= std::uint64_t{1} << ((to - 1) & 63);
    }
    from.clear();
    if (zero.size() > 1) {
      std::sort(zero.begin(), zero.end(), [](const Event& a, const Event& c) { return a.seq_kind < c.seq_kind; });
    }
  }

  std::vector<std::vector<Event>> buckets_;
  std::size_t head_ = 0;  // next event to pop from bucket 0
  std::size_t size_ = 0;
  std::array<std::uint64_t, kWords> nonempty_{};  // bit b-1 set when bucket b > 0 holds events
  Time last_ = 0;
  Time peek_ = 0;  // the minimum over the buckets above 0, when peek_known_
  bool peek_known_ = false;
};

}  // namespace teardown
