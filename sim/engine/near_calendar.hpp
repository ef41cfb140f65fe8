// The near tier of the event queue: a calendar of short buckets over the next ~17 ms.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <vector>

#include "engine/event.hpp"

namespace teardown {

// Events due within the ring's span of the last one taken out sit in buckets of 2^14 ns
// (16 us) by time; the earliest non-empty bucket is found by a scan of a bitmap and sorted
// when it becomes the next to run (a bucket usually holds one to three events, so that is
// an insertion sort of a handful; a larger one is sorted with std::sort). A push is an
// append and a bit set; a pop takes the next of that bucket. Events beyond the span (only
// when the wheel's floor is further ahead than the span, i.e. the wheel is sparse) wait
// in a binary heap beside the ring.
//
// Why: in the seed scenario about two events a request go through the near tier, a few
// hundred pending; a radix heap moved each down two or three levels before it was popped,
// about 340 instructions an event; here an event is filed once (bench/README.md,
// "engine"). A dense near tier (thousands of events every 16 us, as in the hold model)
// makes the buckets long; the event queue then uses a radix heap instead.
//
// Order: (time, scheduling sequence), exactly; ties within a bucket by sequence number.
// REQUIRES: every pushed time >= the time of the last event popped (the queue's rebase
// re-files everything when a caller goes back).
class NearCalendar {
 public:
  static constexpr int kBucketBits = 14;  // 16.4 us
  static constexpr int kRingBits = 10;    // 1024 buckets: 2^24 ns, the 16 wheel slices of the near tier
  static constexpr std::int64_t kRing = std::int64_t{1} << kRingBits;

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // The time of the last event popped: no event may be pushed before it.
  Time floor() const { return last_; }

  void push(const Event& e) {
    assert(e.time >= last_);
    ++size_;
    const std::int64_t b = bucket_of(e.time);
    if (b - bucket_of(last_) >= kRing) [[unlikely]] {
      overflow_.push_back(e);
      std::push_heap(overflow_.begin(), overflow_.end(), later);
      return;
    }
    // first_ stays right: known before and this is not earlier, or the ring was empty.
    if (ring_size_++ == 0 || (first_ != kNone && b < first_)) first_ = b;
    if (b == active_) {
      // The bucket being taken from keeps its order. (Not always after every event of its
      // time: one handed over from the wheel was scheduled earlier than those.)
      const auto at =
          std::upper_bound(active_events_.begin() + static_cast<std::ptrdiff_t>(head_), active_events_.end(), e, runs_before);
      active_events_.insert(at, e);
      return;
    }
    const std::size_t i = index_of(b);
    const std::uint32_t slot = alloc(e);
    next_[slot] = heads_[i];
    heads_[i] = slot;
    set_bit(i);
  }

  // The earliest time, leaving the floor alone: a caller may still push anything at or
  // after floor(). REQUIRES: !empty().
  Time next_time() {
    assert(size_ > 0);
    Time t = kNever;
    if (ring_size_ > 0) {
      make_first_active();
      t = active_events_[head_].time;
    }
    return overflow_.empty() ? t : std::min(t, overflow_.front().time);
  }

  // The earliest event. REQUIRES: !empty().
  const Event& top() {
    assert(size_ > 0);
    const Event* ring = ring_size_ > 0 ? &ring_front() : nullptr;
    if (overflow_.empty()) return *ring;
    const Event& heap = overflow_.front();
    return ring != nullptr && runs_before(*ring, heap) ? *ring : heap;
  }

  Event pop() {
    const Event& t = top();
    Event e = t;
    --size_;
    if (!overflow_.empty() && &t == &overflow_.front()) {
      std::pop_heap(overflow_.begin(), overflow_.end(), later);
      overflow_.pop_back();
    } else {
      --ring_size_;
      if (++head_ == active_events_.size()) {
        active_events_.clear();
        clear_bit(index_of(active_));
        head_ = 0;
        active_ = first_ = kNone;
      }
    }
    last_ = e.time;
    return e;
  }

  // Moves every event out (for the queue's rebase) and sets the floor; leaves it empty.
  void drain(std::vector<Event>& out, Time floor) {
    out.insert(out.end(), active_events_.begin() + static_cast<std::ptrdiff_t>(head_), active_events_.end());
    active_events_.clear();
    for (std::uint32_t& head : heads_) {
      while (head != kNil) {
        out.push_back(events_[head]);
        const std::uint32_t next = next_[head];
        release(head);
        head = next;
      }
    }
    out.insert(out.end(), overflow_.begin(), overflow_.end());
    overflow_.clear();
    bits_.fill(0);
    size_ = ring_size_ = 0;
    head_ = 0;
    active_ = first_ = kNone;
    last_ = floor;
  }

  void reserve(std::size_t per_bucket) { active_events_.reserve(per_bucket); }

 private:
  static constexpr std::int64_t kNone = INT64_MAX;
  static constexpr std::size_t kInsertionSortMax = 32;
  static constexpr std::size_t kWords = static_cast<std::size_t>(kRing) / 64;

  static std::int64_t bucket_of(Time t) { return t >> kBucketBits; }
  static std::size_t index_of(std::int64_t bucket) { return static_cast<std::size_t>(bucket & (kRing - 1)); }
  static bool later(const Event& a, const Event& b) { return runs_before(b, a); }

  void set_bit(std::size_t i) { bits_[i >> 6] |= std::uint64_t{1} << (i & 63); }
  void clear_bit(std::size_t i) { bits_[i >> 6] &= ~(std::uint64_t{1} << (i & 63)); }

  // The first event of the earliest non-empty ring bucket, which becomes the active one
  // (sorted; taken from at head_). REQUIRES: ring_size_ > 0.
  const Event& ring_front() {
    make_first_active();
    return active_events_[head_];
  }
  void make_first_active() {
    if (first_ == kNone) first_ = find_first();
    if (first_ != active_) activate(first_);
  }

  // A push into a bucket before the active one can make another bucket the earliest; the
  // active one then keeps its unread events and is sorted again when its turn comes.
  void activate(std::int64_t b) {
    if (active_ != kNone) {
      // Its unread events go back to its list (its bit is still set).
      const std::size_t old = index_of(active_);
      for (std::size_t k = head_; k < active_events_.size(); ++k) {
        const std::uint32_t slot = alloc(active_events_[k]);
        next_[slot] = heads_[old];
        heads_[old] = slot;
      }
    }
    active_ = b;
    head_ = 0;
    std::vector<Event>& bucket = active_events_;
    bucket.clear();
    const std::size_t i = index_of(b);
    for (std::uint32_t slot = heads_[i]; slot != kNil;) {
      bucket.push_back(events_[slot]);
      const std::uint32_t next = next_[slot];
      release(slot);
      slot = next;
    }
    heads_[i] = kNil;
    if (bucket.size() > kInsertionSortMax) {
      std::sort(bucket.begin(), bucket.end(), runs_before);
      return;
    }
    // Insertion sort: buckets hold a handful of events, mostly already in order.
    for (std::size_t i = 1; i < bucket.size(); ++i) {
      const Event e = bucket[i];
      std::size_t j = i;
      while (j > 0 && runs_before(e, bucket[j - 1])) {
        bucket[j] = bucket[j - 1];
        --j;
      }
      bucket[j] = e;
    }
  }

  // The earliest non-empty bucket: the first set bit from the floor's bucket on, around the ring.
  std::int64_t find_first() const {
    const std::int64_t base = bucket_of(last_);
    const std::size_t start = index_of(base);
    std::size_t w = start >> 6;
    std::uint64_t word = bits_[w] & (~std::uint64_t{0} << (start & 63));
    for (std::size_t n = 0; n <= kWords; ++n) {
      if (word != 0) {
        const auto i = static_cast<std::int64_t>((w << 6) + static_cast<std::size_t>(std::countr_zero(word)));
        return base + ((i - base) & (kRing - 1));
      }
      w = (w + 1) % kWords;
      word = bits_[w];
    }
    assert(false && "ring_size_ > 0 but no bucket holds events");
    return kNone;
  }

  // Buckets are lists through slots of one array, recycled last-freed first so that the few
  // slots in use stay in cache (a vector per bucket touched a thousand heap blocks in turn).
  static constexpr std::uint32_t kNil = 0xffffffffu;
  std::uint32_t alloc(const Event& e) {
    std::uint32_t slot = free_;
    if (slot != kNil) {
      free_ = next_[slot];
      events_[slot] = e;
    } else {
      slot = static_cast<std::uint32_t>(events_.size());
      events_.push_back(e);
      next_.push_back(kNil);
    }
    return slot;
  }
  void release(std::uint32_t slot) {
    next_[slot] = free_;
    free_ = slot;
  }

  std::array<std::uint32_t, static_cast<std::size_t>(kRing)> heads_ = nil_heads();
  static constexpr std::array<std::uint32_t, static_cast<std::size_t>(kRing)> nil_heads() {
    std::array<std::uint32_t, static_cast<std::size_t>(kRing)> h{};
    h.fill(kNil);
    return h;
  }
  std::vector<Event> events_;
  std::vector<std::uint32_t> next_;
  std::uint32_t free_ = kNil;
  std::vector<Event> active_events_;  // the active bucket's events, sorted; taken from head_
  std::array<std::uint64_t, kWords> bits_{};  // bit i set when ring bucket i holds events
  std::vector<Event> overflow_;               // a min-heap by (time, seq): events beyond the ring
  std::size_t size_ = 0;
  std::size_t ring_size_ = 0;
  std::size_t head_ = 0;        // next event of the active bucket
  std::int64_t active_ = kNone;  // the sorted bucket events are taken from, from head_
  std::int64_t first_ = kNone;   // the earliest non-empty bucket, or kNone when not known
  Time last_ = 0;
};

}  // namespace teardown
