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
// (16 us) by time, each bucket a list kept in run order; the earliest non-empty bucket is
// found by a scan of a bitmap. A push links the event into its bucket's list: an empty
// bucket or one whose last event runs before it (the common cases: a bucket usually holds
// zero to two events, and events of equal time come in scheduling order) costs no search;
// otherwise the list is walked to the event's place. A pop unlinks the head of the earliest
// bucket. Events beyond the span (only when the wheel's floor is further ahead than the
// span, i.e. the wheel is sparse) wait in a binary heap beside the ring.
//
// Why: in the seed scenario about two events a request go through the near tier, a few
// hundred pending; a radix heap moved each down two or three levels before it was popped,
// about 340 instructions an event; here an event is filed once (bench/README.md,
// "engine"). Keeping each list in order on the way in, rather than copying the earliest
// bucket into a sorted array when its turn comes, saves that copy and its bookkeeping on
// every event (bench/README.md, "A faster engine"). A dense near tier (thousands of events
// every 16 us, as in the hold model) would make the lists long; the event queue then uses
// a radix heap instead.
//
// Order: (time, scheduling sequence), exactly.
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

  [[gnu::always_inline]] void push(const Event& e) {
    assert(e.time >= last_);
    ++size_;
    const std::int64_t b = bucket_of(e.time);
    if (b - bucket_of(last_) >= kRing) [[unlikely]] {
      overflow_.push_back(e);
      std::push_heap(overflow_.begin(), overflow_.end(), later);
      return;
    }
    if (b < first_) first_ = b;  // kNone when the ring is empty
    const std::size_t i = index_of(b);
    const std::uint32_t slot = alloc(e);
    std::uint32_t& head = heads_[i];
    if (head == kNil) {
      head = tails_[i] = slot;
      next_[slot] = kNil;
      set_bit(i);
      return;
    }
    const std::uint32_t tail = tails_[i];
    if (!runs_before(e, events_[tail])) {
      next_[tail] = slot;
      next_[slot] = kNil;
      tails_[i] = slot;
      return;
    }
    insert_before_tail(head, slot, e);
  }

  // The earliest time (kNever when empty), leaving the floor alone: a caller may still push
  // anything at or after floor().
  Time next_time() const {
    const Time t = first_ != kNone ? ring_front().time : kNever;
    return overflow_.empty() ? t : std::min(t, overflow_.front().time);
  }

  // The earliest event. REQUIRES: !empty().
  const Event& top() {
    assert(size_ > 0);
    const Event* ring = first_ != kNone ? &ring_front() : nullptr;
    if (overflow_.empty()) return *ring;
    const Event& heap = overflow_.front();
    return ring != nullptr && runs_before(*ring, heap) ? *ring : heap;
  }

  Event pop() {
    assert(size_ > 0);
    --size_;
    if (!overflow_.empty()) [[unlikely]] {
      const Event& heap = overflow_.front();
      if (first_ == kNone || runs_before(heap, ring_front())) {
        const Event e = heap;
        std::pop_heap(overflow_.begin(), overflow_.end(), later);
        overflow_.pop_back();
        last_ = e.time;
        return e;
      }
    }
    const std::size_t i = index_of(first_);
    const std::uint32_t slot = heads_[i];
    const Event e = events_[slot];
    heads_[i] = next_[slot];
    release(slot);
    last_ = e.time;
    if (heads_[i] == kNil) {
      clear_bit(i);
      first_ = size_ > overflow_.size() ? find_first() : kNone;
    }
    return e;
  }

  // Moves every event out (for the queue's rebase) and sets the floor; leaves it empty.
  void drain(std::vector<Event>& out, Time floor) {
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
    size_ = 0;
    first_ = kNone;
    last_ = floor;
  }

  // Room for this many pending events before the slot arrays grow.
  void reserve(std::size_t events) {
    events_.reserve(events);
    next_.reserve(events);
  }

 private:
  static constexpr std::int64_t kNone = INT64_MAX;
  static constexpr std::size_t kWords = static_cast<std::size_t>(kRing) / 64;

  static std::int64_t bucket_of(Time t) { return t >> kBucketBits; }
  static std::size_t index_of(std::int64_t bucket) { return static_cast<std::size_t>(bucket & (kRing - 1)); }
  static bool later(const Event& a, const Event& b) { return runs_before(b, a); }

  void set_bit(std::size_t i) { bits_[i >> 6] |= std::uint64_t{1} << (i & 63); }
  void clear_bit(std::size_t i) { bits_[i >> 6] &= ~(std::uint64_t{1} << (i & 63)); }

  // The first event of the earliest non-empty ring bucket. REQUIRES: first_ != kNone.
  const Event& ring_front() const { return events_[heads_[index_of(first_)]]; }

  // The rare case of push(): `e`, in `slot`, runs before the last event of a non-empty list.
  [[gnu::noinline]] void insert_before_tail(std::uint32_t& head, std::uint32_t slot, const Event& e) {
    if (runs_before(e, events_[head])) {
      next_[slot] = head;
      head = slot;
      return;
    }
    std::uint32_t at = head;  // the last event that does not run after e; the tail does
    while (!runs_before(e, events_[next_[at]])) at = next_[at];
    next_[slot] = next_[at];
    next_[at] = slot;
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
    assert(false && "the ring holds events but no bucket has its bit set");
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

  static constexpr std::array<std::uint32_t, static_cast<std::size_t>(kRing)> nil_heads() {
    std::array<std::uint32_t, static_cast<std::size_t>(kRing)> h{};
    h.fill(kNil);
    return h;
  }
  std::array<std::uint32_t, static_cast<std::size_t>(kRing)> heads_ = nil_heads();
  std::array<std::uint32_t, static_cast<std::size_t>(kRing)> tails_{};  // valid while the head is not kNil
  std::vector<Event> events_;
  std::vector<std::uint32_t> next_;
  std::uint32_t free_ = kNil;
  std::array<std::uint64_t, kWords> bits_{};  // bit i set when ring bucket i holds events
  std::vector<Event> overflow_;               // a min-heap by (time, seq): events beyond the ring
  std::size_t size_ = 0;
  // The earliest non-empty bucket, kept at every push and pop (the pop that empties a
  // bucket scans the bitmap for the next), or kNone when the ring is empty.
  std::int64_t first_ = kNone;
  Time last_ = 0;
};

}  // namespace teardown
