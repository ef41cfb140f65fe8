// Latencies in a fixed log-linear histogram: 64 sub-buckets per power of two, so any
// quantile is within 1.6% of the exact value, in constant memory and without allocation
// per sample (a run may complete hundreds of millions of requests).
#pragma once

#include <array>
#include <bit>
#include <cstdint>

#include "teardown/time.hpp"

namespace teardown::metrics {

class LatencyHistogram {
 public:
  void add(Time t) {
    const auto v = static_cast<std::uint64_t>(t < 1 ? 1 : t);
    ++counts_[index(v)];
    ++n_;
    sum_ += static_cast<double>(v);
  }
  std::uint64_t count() const { return n_; }
  double mean() const { return n_ ? sum_ / static_cast<double>(n_) : 0.0; }

  // The q-quantile (0 < q < 1), as the midpoint of its bucket; 0 when empty.
  double quantile(double q) const {
    if (n_ == 0) return 0.0;
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(n_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return midpoint(i);
    }
    return midpoint(counts_.size() - 1);
  }

 private:
  static constexpr int kSub = 6;  // 2^6 sub-buckets per octave
  static std::size_t index(std::uint64_t v) {
    if (v < (1u << kSub)) return static_cast<std::size_t>(v);
    const int octave = 63 - std::countl_zero(v);  // >= kSub
    const auto sub = static_cast<std::size_t>((v >> (octave - kSub)) & ((1u << kSub) - 1));
    return static_cast<std::size_t>((octave - kSub + 1) << kSub) + sub;
  }
  static double midpoint(std::size_t i) {
    if (i < (1u << kSub)) return static_cast<double>(i);
    const int octave = static_cast<int>(i >> kSub) + kSub - 1;
    const double base = static_cast<double>(std::uint64_t{1} << octave);
    const double width = base / (1 << kSub);
    return base + (static_cast<double>(i & ((1u << kSub) - 1)) + 0.5) * width;
  }
  std::array<std::uint64_t, (64 - kSub + 1) << kSub> counts_{};
  std::uint64_t n_ = 0;
  double sum_ = 0;
};

}  // namespace teardown::metrics
