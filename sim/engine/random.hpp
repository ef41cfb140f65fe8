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

// The distributions, written once over any source of 64-bit words (Derived::next_u64()).
template <class Derived>
class Distributions {
 public:
  // Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(word() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n), n > 0, without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t n) {
    __uint128_t m = static_cast<__uint128_t>(word()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<__uint128_t>(word()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Exponential with the given mean, rounded to whole nanoseconds.
  Time exponential(Time mean) {
    // 1 - u is exact for a 53-bit u, and log() is about twice as fast as log1p() here; the
    // rounded draws are the same (checked over 2e8 draws at means from 100 us to 1 s).
    const double u = uniform();
    return saturated(-std::log(1.0 - u) * static_cast<double>(mean));
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
    return saturated(std::exp(mu + sigma * normal()));
  }

  // A drawn duration rounded to nanoseconds, at most 2^62 ns (146 years): far beyond any run,
  // and now + it cannot overflow (a long tail would otherwise round past int64).
  static Time saturated(double ns) {
    constexpr double kMax = 4611686018427387904.0;  // 2^62
    if (!(ns < kMax)) return static_cast<Time>(kMax);
    if (ns < 0) return static_cast<Time>(std::llround(ns));
    // std::llround (half away from zero) without its library call, which was 2% of a run:
    // for ns >= 0 truncation is the floor, and ns - floor(ns) is exact.
    const auto whole = static_cast<Time>(ns);
    return ns - static_cast<double>(whole) >= 0.5 ? whole + 1 : whole;
  }

  // Uniform duration in [0, max].
  Time uniform_time(Time max) {
    return max <= 0 ? 0 : static_cast<Time>(below(static_cast<std::uint64_t>(max) + 1));
  }

 private:
  std::uint64_t word() { return static_cast<Derived*>(this)->next_u64(); }
};

// xoshiro256** (Blackman and Vigna): small state, fast, passes BigCrush.
class RandomStream : public Distributions<RandomStream> {
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

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4]{};
};

// A stream whose whole state is its owner's count of draws: draw n of the stream of
// (family, entity) is SplitMix64's n-th output from a key mixed from the two, i.e. a hash
// of the identities and n. Millions of entities (long-lived connections) keep 4 bytes each
// instead of xoshiro's 32 and need no seeding; like RandomStream, a stream depends only on
// its identities and on how many values it has given. The count wraps after 2^32 draws
// (the stream then repeats): 136 years of one request a second.
class CounterStream : public Distributions<CounterStream> {
 public:
  // What every stream of one purpose in one run shares; computed once by the owner.
  static std::uint64_t family(std::uint64_t seed, StreamPurpose purpose) {
    return derive_seed(seed, 0x5eed'0000'0000ULL, purpose);
  }
  // `draws` is the owner's counter; the stream advances it.
  CounterStream(std::uint64_t family, std::uint64_t entity, std::uint32_t& draws)
      : key_(mixed_key(family, entity)), draws_(draws) {}

  std::uint64_t next_u64() {
    std::uint64_t s = key_ + std::uint64_t{draws_++} * kGolden;
    return splitmix64(s);
  }

 private:
  static constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
  static std::uint64_t mixed_key(std::uint64_t family, std::uint64_t entity) {
    std::uint64_t s = family ^ (entity * 0xd1b54a32d192ed03ULL);
    return splitmix64(s);
  }
  std::uint64_t key_;
  std::uint32_t& draws_;
};

}  // namespace teardown
