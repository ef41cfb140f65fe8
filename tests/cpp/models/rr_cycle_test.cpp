// static-rr's O(1) cycle (sim/models/balance.hpp) against the general smooth weighted
// round robin it stands for: same picks, and the same values when the general loop resumes.
#include <catch2/catch.hpp>

#include <vector>

#include "engine/random.hpp"
#include "models/balance.hpp"

using teardown::models::balance::Candidate;
using teardown::models::balance::RoundRobinCycle;

namespace {
// The general picker with every server a candidate of weight w.
std::uint32_t general_pick(std::vector<double>& values, double w) {
  const std::vector<Candidate> all(values.size(), Candidate{true, w, w, 0, 0});
  return teardown::models::balance::smooth_weighted_rr(all, values);
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
        std::vector<Candidate> some(n, Candidate{true, 1.0, 1.0, 0, 0});
        const auto out = static_cast<std::uint32_t>(rng.below(n));
        if (n > 1) some[out].ok = false;
        teardown::models::balance::smooth_weighted_rr(some, values);
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
