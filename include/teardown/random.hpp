// Seeded random streams, one per (run seed, entity, purpose).
// Deriving each stream from its owner's identity, not from a shared generator, means that
// adding a client never changes another client's draws and that results do not depend on
// the order in which entities happen to draw. Nothing in the simulator reads a clock or a
// global generator. Distributions are implemented here, not taken from <random>, whose
// algorithms differ between standard libraries: the same seed gives the same run everywhere.
#pragma once

#include <cmath>
#include <cstdint>

#include "teardown/time.hpp"

namespace teardown {

// What a stream is used for; part of the stream's identity.
enum class StreamPurpose : std::uint32_t {
  Arrivals = 1,
  ServiceTime = 2,
  Jitter = 3,
  Balance = 4,
  CloseDelay = 5,
  Choice = 6,
  Seeds = 7,
  Test = 99,
};

// SplitMix64 step: a bijective mixer, used to turn identities into well-spread seeds.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Mixes a run seed with an entity id and a purpose into one 64-bit stream key.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t entity, StreamPurpose purpose) {
  std::uint64_t s = seed;
  std::uint64_t k = splitmix64(s);
  s = k ^ (entity * 0xd1b54a32d192ed03ULL);
  k = splitmix64(s);
  s = k ^ (static_cast<std::uint64_t>(purpose) * 0xabc98388fb8fac03ULL);
  return splitmix64(s);
}

// xoshiro256** (Blackman and Vigna): small state, fast, passes BigCrush.
class RandomStream {
 public:
  RandomStream() : RandomStream(0, 0, StreamPurpose::Test) {}
  RandomStream(std::uint64_t seed, std::uint64_t entity, StreamPurpose purpose) {
    std::uint64_t s = derive_seed(seed, entity, purpose);
    for (auto& word : state_) word = splitmix64(s);
  }

  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t n) {
    __uint128_t m = static_cast<__uint128_t>(next_u64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<__uint128_t>(next_u64()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Exponential with the given mean, rounded to whole nanoseconds.
  Time exponential(Time mean) {
    const double u = uniform();
    return static_cast<Time>(std::llround(-std::log1p(-u) * static_cast<double>(mean)));
  }

  // Standard normal (Marsaglia polar method, one value per call; the spare is dropped
  // so that a stream's state depends only on how many values were drawn).
  double normal() {
    for (;;) {
      const double x = 2.0 * uniform() - 1.0;
      const double y = 2.0 * uniform() - 1.0;
      const double r = x * x + y * y;
      if (r > 0.0 && r < 1.0) return x * std::sqrt(-2.0 * std::log(r) / r);
    }
  }

  // Lognormal with the given mean (not median) and shape sigma, in nanoseconds.
  Time lognormal(Time mean, double sigma) {
    const double mu = std::log(static_cast<double>(mean)) - 0.5 * sigma * sigma;
    return static_cast<Time>(std::llround(std::exp(mu + sigma * normal())));
  }

  // Uniform duration in [0, max].
  Time uniform_time(Time max) {
    return max <= 0 ? 0 : static_cast<Time>(below(static_cast<std::uint64_t>(max) + 1));
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4]{};
};

}  // namespace teardown
