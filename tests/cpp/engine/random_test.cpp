#include <catch2/catch.hpp>

#include <cmath>

#include "engine/random.hpp"

using namespace teardown;

TEST_CASE("a stream depends only on (seed, entity, purpose)", "[random]") {
  RandomStream a(7, 3, StreamPurpose::Arrivals);
  RandomStream b(7, 3, StreamPurpose::Arrivals);
  for (int i = 0; i < 1000; ++i) REQUIRE(a.next_u64() == b.next_u64());

  RandomStream other_entity(7, 4, StreamPurpose::Arrivals);
  RandomStream other_purpose(7, 3, StreamPurpose::ServiceTime);
  RandomStream other_seed(8, 3, StreamPurpose::Arrivals);
  RandomStream c(7, 3, StreamPurpose::Arrivals);
  const auto first = c.next_u64();
  CHECK(other_entity.next_u64() != first);
  CHECK(other_purpose.next_u64() != first);
  CHECK(other_seed.next_u64() != first);
}

TEST_CASE("distributions have the requested means", "[random]") {
  RandomStream r(1, 1, StreamPurpose::Test);
  constexpr int n = 200000;
  double sum_exp = 0, sum_logn = 0, sum_u = 0;
  std::uint64_t below_hits[5] = {};
  for (int i = 0; i < n; ++i) {
    sum_exp += static_cast<double>(r.exponential(2 * kMillisecond));
    sum_logn += static_cast<double>(r.lognormal(2 * kMillisecond, 0.5));
    sum_u += r.uniform();
    ++below_hits[r.below(5)];
  }
  // Standard error of an exponential mean is mean/sqrt(n); allow 5 standard errors.
  const double mean = 2e6;
  CHECK(std::abs(sum_exp / n - mean) < 5 * mean / std::sqrt(n));
  // Lognormal sigma 0.5: sd = mean * sqrt(e^0.25 - 1) ~ 0.533 mean.
  CHECK(std::abs(sum_logn / n - mean) < 5 * 0.533 * mean / std::sqrt(n));
  CHECK(std::abs(sum_u / n - 0.5) < 5 * 0.2887 / std::sqrt(n));
  for (auto hits : below_hits) CHECK(std::abs(static_cast<double>(hits) - n / 5.0) < 5 * std::sqrt(n * 0.2 * 0.8));
}
