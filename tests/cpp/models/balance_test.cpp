// The balance pickers on their own (sim/models/balance.hpp), as fwrr_test.cpp tests roundrobin:
// plain server state in, an index out.
#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "models/balance.hpp"

namespace b = teardown::models::balance;
using b::Candidate;
using teardown::models::kNone;

namespace {
std::vector<Candidate> servers(std::initializer_list<int> served) {
  std::vector<Candidate> out;
  std::uint64_t clock = 0;
  for (int s : served) out.push_back(Candidate{true, 1, 1, s, ++clock});
  return out;
}
}  // namespace

TEST_CASE("leastconn: fewest per unit of weight; among equals the one whose load changed longest ago",
          "[models][balance]") {
  auto v = servers({3, 1, 2});
  CHECK(b::leastconn(v) == 1);
  v[1].ok = false;
  CHECK(b::leastconn(v) == 2);
  v = servers({2, 2, 2});
  v[0].load_changed = 9;
  v[1].load_changed = 4;
  v[2].load_changed = 7;
  CHECK(b::leastconn(v) == 1);
  // Weight: 3 in progress on a weight-3 server weigh less than 2 on a weight-1 server.
  v = servers({3, 2});
  v[0].effective_weight = 3;
  CHECK(b::leastconn(v) == 0);
  for (auto& c : v) c.ok = false;
  CHECK(b::leastconn(v) == kNone);
}

TEST_CASE("first: the lowest id that may take it", "[models][balance]") {
  auto v = servers({5, 0, 0});
  CHECK(b::first(v) == 0);
  v[0].ok = false;
  CHECK(b::first(v) == 1);
}

TEST_CASE("source: one client always lands on the same server, clients spread over the weights",
          "[models][balance]") {
  auto v = servers({0, 0, 0});
  std::array<int, 3> count{};
  for (std::uint64_t host = 0; host < 3000; ++host) {
    const std::uint32_t s = b::source(v, host);
    REQUIRE(s == b::source(v, host));
    ++count[s];
  }
  for (int c : count) CHECK(c == Approx(1000).margin(120));
  // A server that may not take it passes the client on to the next one.
  const std::uint32_t home = b::source(v, 42);
  v[home].ok = false;
  CHECK(b::source(v, 42) == (home + 1) % 3);
}

TEST_CASE("random: draws in proportion to the weights; with two draws the less loaded of the two",
          "[models][balance]") {
  teardown::RandomStream rng(7, 0, teardown::StreamPurpose::Test);
  auto v = servers({0, 0});
  v[1].weight = v[1].effective_weight = 3;
  std::array<int, 2> count{};
  for (int k = 0; k < 40000; ++k) ++count[b::random(v, 1, rng)];
  CHECK(count[1] / 40000.0 == Approx(0.75).margin(0.01));
  // Two draws: the busy server wins only when both draws land on it.
  v = servers({10, 0});
  count = {};
  for (int k = 0; k < 40000; ++k) ++count[b::random(v, 2, rng)];
  CHECK(count[0] / 40000.0 == Approx(0.25).margin(0.01));
}

TEST_CASE("static-rr: smooth weighted round robin interleaves by weight; the cycle gives the same picks",
          "[models][balance]") {
  std::vector<Candidate> v(3, Candidate{true, 1, 1, 0, 0});
  v[0].weight = 5;
  std::vector<double> current(3, 0.0);
  std::vector<std::uint32_t> picks;
  for (int k = 0; k < 7; ++k) picks.push_back(b::smooth_weighted_rr(v, current));
  CHECK(picks == std::vector<std::uint32_t>{0, 0, 1, 0, 2, 0, 0});
  // Uniform: StaticRr's O(1) cycle against the general picks, through a change and back.
  std::vector<Candidate> u(4, Candidate{true, 2, 2, 0, 0});
  b::StaticRr fast;
  fast.resize(4);
  std::vector<double> reference(4, 0.0);
  for (int k = 0; k < 50; ++k) {
    const bool plain = k < 20 || k > 30;
    std::vector<Candidate> now = u;
    if (!plain) now[1].ok = false;
    REQUIRE(fast.pick(now, plain, 2) == b::smooth_weighted_rr(now, reference));
  }
}
