// static-rr's O(1) cycle (sim/models/rr_cycle.hpp) against the general smooth weighted
// round robin it stands for: same picks, and the same values when the general loop resumes.
#include <catch2/catch.hpp>

#include <vector>

#include "models/rr_cycle.hpp"
#include "teardown/random.hpp"

using teardown::models::RoundRobinCycle;

namespace {
// The general loop of Proxy::balance with every server a candidate.
std::uint32_t general_pick(std::vector<double>& values, double w) {
  double total = 0;
  std::uint32_t best = 0;
  for (std::uint32_t i = 0; i < values.size(); ++i) {
    values[i] += w;
    total += w;
    if (values[i] > values[best]) best = i;
  }
  values[best] -= total;
  return best;
}
}  // namespace

TEST_CASE("the round-robin cycle picks as the general loop and leaves the same values", "[models][balance]") {
  teardown::RandomStream rng(3, 0, teardown::StreamPurpose::Test);
  for (std::uint32_t n : {1u, 2u, 3u, 7u, 30u}) {
    for (int trial = 0; trial < 20; ++trial) {
      // Any state the general loop can reach: start at zero, make picks where some servers
      // sat out (down, or avoided), as after a restart.
      std::vector<double> values(n, 0.0);
      for (int k = 0, picks = static_cast<int>(rng.below(50)); k < picks; ++k) {
        const auto out = static_cast<std::uint32_t>(rng.below(n));
        double total = 0;
        std::uint32_t best = n;
        for (std::uint32_t i = 0; i < n; ++i) {
          if (i == out && n > 1) continue;
          values[i] += 1;
          total += 1;
          if (best == n || values[i] > values[best]) best = i;
        }
        values[best] -= total;
      }
      std::vector<double> reference = values;
      RoundRobinCycle cycle;
      // Until it finds the cycle, the general loop goes on (as Proxy::balance does).
      for (int tries = 0; !cycle.enter(values, 1.0); ++tries) {
        REQUIRE(tries < 10);
        general_pick(values, 1.0);
        general_pick(reference, 1.0);
      }
      const auto picks = static_cast<int>(rng.below(5 * n + 3));
      for (int k = 0; k < picks; ++k) REQUIRE(cycle.next() == general_pick(reference, 1.0));
      cycle.leave(values);
      CHECK(values == reference);
      CHECK_FALSE(cycle.active());
    }
  }
}
