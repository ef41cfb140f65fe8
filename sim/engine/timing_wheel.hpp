// The far tier of the event queue: a hierarchical timing wheel.
// Events due well after now (a long-lived client's next request a second away, an idle
// timeout ten seconds away, TIME_WAIT's end) are filed once by the absolute bits of their
// time and handed over, a slice at a time, when the clock gets near. A radix heap would
// instead move each of them down a bucket every time the clock crossed a power of two.
//
// Time is cut in slices of 2^kSliceBits ns; 2^kLevelBits slices make a block, as many
// blocks an era. Level 1 holds the current block's events by slice, level 2 the current
// era's by block, and an overflow list the rest. Every event lives in a slot and the
// buckets are lists through the slots: memory is one slot per pending event, with no
// per-bucket spare capacity, and after warm-up nothing is allocated. Slots come in chunks
// that never move, so a million pending events never make an array double (for a while
// holding both copies).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/event.hpp"

namespace teardown {

class TimingWheel {
 public:
  static constexpr int kSliceBits = 20;  // ~1 ms
  static constexpr int kLevelBits = 12;  // 4096 slices (~4.3 s) a block, 4096 blocks (~4.9 h) an era
  static constexpr std::uint32_t kNil = 0xffffffffu;

  TimingWheel() {
    level1_.fill(kNil);
    level2_.fill(kNil);
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  static std::int64_t slice_of(Time t) { return t >> kSliceBits; }
  // Every event in the wheel is due at or after this time.
  Time floor() const { return cursor_ << kSliceBits; }

  // REQUIRES: slice_of(e.time) >= the cursor (e.time >= floor()).
  void push(const Event& e) {
    assert(slice_of(e.time) >= cursor_);
    file(alloc(e));
    ++size_;
    const Time start = slice_of(e.time) << kSliceBits;
    if (start < next_start_) next_start_ = start;
  }

  // The start of the earliest slice holding events (kNever when empty). May move the
  // cursor up to that slice and cascade the levels: the contents stay the same.
  Time next_start() {
    if (next_start_ == kUnknown) next_start_ = find_next();
    return next_start_;
  }

  // Hands every event of the earliest non-empty slice to sink(const Event&), in no
  // particular order, and moves the cursor past that slice. REQUIRES: !empty().
  template <class Sink>
  void pull(Sink&& sink) {
    if (next_start_ == kUnknown) next_start_ = find_next();
    assert(next_start_ != kNever);
    const auto index = static_cast<std::size_t>(cursor_ & kMask);
    std::uint32_t slot = level1_[index];
    level1_[index] = kNil;
    clear_bit(bits1_, index);
    while (slot != kNil) {
      const std::uint32_t next = link(slot);
      sink(event(slot));
      free_slot(slot);
      --size_;
      slot = next;
    }
    next_start_ = kUnknown;
    advance_to(cursor_ + 1);
  }

  // Every event, for the queue's rebase; leaves the wheel empty with its cursor at `floor`.
  void drain(std::vector<Event>& out, Time floor) {
    for (std::uint32_t& head : level1_) take_list(head, out);
    for (std::uint32_t& head : level2_) take_list(head, out);
    take_list(overflow_, out);
    bits1_.fill(0);
    bits2_.fill(0);
    size_ = 0;
    cursor_ = slice_of(floor);
    next_start_ = kUnknown;
  }

  void reserve(std::size_t events) { chunks_.reserve(events / kChunk + 1); }

 private:
  static constexpr Time kUnknown = -1;
  static constexpr std::int64_t kMask = (std::int64_t{1} << kLevelBits) - 1;
  static constexpr std::size_t kWords = std::size_t{1} << (kLevelBits - 6);
  using Bits = std::array<std::uint64_t, kWords>;

  static std::int64_t block_of(std::int64_t slice) { return slice >> kLevelBits; }
  static std::int64_t era_of(std::int64_t slice) { return slice >> (2 * kLevelBits); }

  static constexpr int kChunkBits = 14;  // 16,384 slots, 576 kB
  static constexpr std::uint32_t kChunk = std::uint32_t{1} << kChunkBits;
  struct Chunk {
    Event events[kChunk];
    std::uint32_t links[kChunk];  // next slot in the same list (bucket or free list)
  };
  Event& event(std::uint32_t slot) { return chunks_[slot >> kChunkBits]->events[slot & (kChunk - 1)]; }
  std::uint32_t& link(std::uint32_t slot) { return chunks_[slot >> kChunkBits]->links[slot & (kChunk - 1)]; }

  std::uint32_t alloc(const Event& e) {
    std::uint32_t slot = free_;
    if (slot != kNil) {
      free_ = link(slot);
    } else {
      if (used_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<Chunk>());
      slot = used_++;
    }
    event(slot) = e;
    return slot;
  }
  void free_slot(std::uint32_t slot) {
    link(slot) = free_;
    free_ = slot;
  }

  // Files a slot on the level its time falls in, relative to the cursor.
  void file(std::uint32_t slot) {
    const std::int64_t s = slice_of(event(slot).time);
    if (block_of(s) == block_of(cursor_)) {
      const auto i = static_cast<std::size_t>(s & kMask);
      link(slot) = level1_[i];
      level1_[i] = slot;
      set_bit(bits1_, i);
    } else if (era_of(s) == era_of(cursor_)) {
      const auto i = static_cast<std::size_t>(block_of(s) & kMask);
      link(slot) = level2_[i];
      level2_[i] = slot;
      set_bit(bits2_, i);
    } else {
      link(slot) = overflow_;
      overflow_ = slot;
    }
  }

  // Moves the cursor forward to slice `to`; entering a new block (or era) brings that
  // block's events down from level 2 (or the era's from the overflow list).
  void advance_to(std::int64_t to) {
    const bool new_era = era_of(to) != era_of(cursor_);
    const bool new_block = block_of(to) != block_of(cursor_);
    cursor_ = to;
    if (new_era) refile_list(overflow_);
    if (new_block || new_era) {
      const auto i = static_cast<std::size_t>(block_of(cursor_) & kMask);
      clear_bit(bits2_, i);
      refile_list(level2_[i]);
    }
  }
  void refile_list(std::uint32_t& head) {
    std::uint32_t slot = head;
    head = kNil;
    while (slot != kNil) {
      const std::uint32_t next = link(slot);
      file(slot);
      slot = next;
    }
  }

  Time find_next() {
    if (size_ == 0) return kNever;
    for (;;) {
      // Level 1, from the cursor to the end of its block.
      const std::size_t i = next_bit(bits1_, static_cast<std::size_t>(cursor_ & kMask));
      if (i != kNone) {
        cursor_ = (cursor_ & ~kMask) | static_cast<std::int64_t>(i);
        return cursor_ << kSliceBits;
      }
      // Level 2: the next block of this era with events, else the first era with any.
      const std::size_t b = next_bit(bits2_, static_cast<std::size_t>(block_of(cursor_) & kMask) + 1);
      if (b != kNone) {
        advance_to(((cursor_ >> (2 * kLevelBits)) << (2 * kLevelBits)) |
                   (static_cast<std::int64_t>(b) << kLevelBits));
        continue;
      }
      std::int64_t first_era = INT64_MAX;
      for (std::uint32_t slot = overflow_; slot != kNil; slot = link(slot)) {
        first_era = std::min(first_era, era_of(slice_of(event(slot).time)));
      }
      assert(first_era != INT64_MAX);
      advance_to(first_era << (2 * kLevelBits));
    }
  }

  static constexpr std::size_t kNone = ~std::size_t{0};
  static void set_bit(Bits& b, std::size_t i) { b[i >> 6] |= std::uint64_t{1} << (i & 63); }
  static void clear_bit(Bits& b, std::size_t i) { b[i >> 6] &= ~(std::uint64_t{1} << (i & 63)); }
  // The first set bit at or after `from`, or kNone.
  static std::size_t next_bit(const Bits& b, std::size_t from) {
    if (from >= kWords * 64) return kNone;
    std::size_t w = from >> 6;
    std::uint64_t word = b[w] & (~std::uint64_t{0} << (from & 63));
    for (;;) {
      if (word != 0) return (w << 6) + static_cast<std::size_t>(std::countr_zero(word));
      if (++w == kWords) return kNone;
      word = b[w];
    }
  }

  void take_list(std::uint32_t& head, std::vector<Event>& out) {
    for (std::uint32_t slot = head; slot != kNil;) {
      const std::uint32_t next = link(slot);
      out.push_back(event(slot));
      free_slot(slot);
      slot = next;
    }
    head = kNil;
  }

  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::uint32_t used_ = 0;  // slots handed out so far (the rest of the last chunk is unused)
  std::uint32_t free_ = kNil;
  std::array<std::uint32_t, std::size_t{1} << kLevelBits> level1_, level2_;
  Bits bits1_{}, bits2_{};
  std::uint32_t overflow_ = kNil;
  std::int64_t cursor_ = 0;  // slice: every event in the wheel is in this slice or later
  std::size_t size_ = 0;
  Time next_start_ = kUnknown;  // cache of find_next(), kUnknown when stale
};

}  // namespace teardown
