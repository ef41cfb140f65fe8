// A FIFO of events that all run the same fixed delay after they were scheduled.
// Events scheduled `d` after a clock that never goes back arrive in time order, and their
// sequence numbers grow with scheduling order, so a plain ring buffer holds them already
// sorted by (time, seq): pushing and popping are O(1), with no comparison at all.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine/event.hpp"

namespace teardown {

class alignas(32) FifoLane {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // REQUIRES: e runs no earlier than the last event pushed (e.time = now + delay()).
  [[gnu::always_inline]] void push(const Event& e) {
    assert(size_ == 0 || !runs_before(e, back()));
    if (size_ == capacity_) [[unlikely]] grow();
    buf_[(head_ + size_) & mask_] = e;
    ++size_;
  }
  const Event& front() const {
    assert(size_ > 0);
    return buf_[head_];
  }
  [[gnu::always_inline]] Event pop() {
    assert(size_ > 0);
    const Event e = buf_[head_];
    head_ = (head_ + 1) & mask_;
    --size_;
    return e;
  }

 private:
  const Event& back() const { return buf_[(head_ + size_ - 1) & mask_]; }
  // Doubling keeps the size a power of two (index by mask); the capacity is kept, so a
  // lane stops allocating once it has reached its peak. Out of line and cold: push() is
  // inlined into every sender, and a lane grows a few times per run.
  [[gnu::noinline, gnu::cold]] void grow() {
    const std::uint32_t capacity = capacity_ == 0 ? 64 : 2 * capacity_;
    auto bigger = std::make_unique<Event[]>(capacity);
    for (std::uint32_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & mask_];
    buf_ = std::move(bigger);
    capacity_ = capacity;
    mask_ = capacity - 1;
    head_ = 0;
  }

  // 24 bytes, aligned to 32 so that a lane is found with a shift (std::vector and 64-bit
  // counts made it 56). The mask is kept beside the capacity so that an index costs one AND
  // and the full check one compare.
  std::unique_ptr<Event[]> buf_;
  std::uint32_t capacity_ = 0;
  std::uint32_t mask_ = 0;
  std::uint32_t head_ = 0;
  std::uint32_t size_ = 0;
};
static_assert(sizeof(FifoLane) == 32);

}  // namespace teardown
