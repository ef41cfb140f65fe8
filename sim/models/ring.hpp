// A FIFO/LIFO ring buffer of indices that keeps its capacity: pools and queues push and
// pop on the hot path without allocating once they have reached their peak size.
#pragma once

#include <cassert>
#include <cstdint>
#include <vector>

namespace teardown::models {

template <class T>
class Ring {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  void push_back(const T& v) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = v;
    ++size_;
  }
  T& front() { assert(size_ > 0); return buf_[head_]; }
  T& back() { assert(size_ > 0); return buf_[(head_ + size_ - 1) & (buf_.size() - 1)]; }
  T& operator[](std::size_t i) { return buf_[(head_ + i) & (buf_.size() - 1)]; }
  void pop_front() {
    assert(size_ > 0);
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }
  void pop_back() { assert(size_ > 0); --size_; }
  // Removes element i, keeping the order of the rest (rare: O(size)).
  void erase(std::size_t i) {
    for (std::size_t k = i; k + 1 < size_; ++k) (*this)[k] = (*this)[k + 1];
    --size_;
  }
  void clear() { head_ = size_ = 0; }

 private:
  void grow() {
    std::vector<T> bigger(buf_.empty() ? 4 : buf_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = (*this)[i];
    buf_.swap(bigger);
    head_ = 0;
  }
  std::vector<T> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace teardown::models
