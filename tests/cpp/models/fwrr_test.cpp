// roundrobin as HAProxy 2.6's fast weighted round robin (sim/models/fwrr.hpp): the order
// of picks, where a returning server comes in (SRC v2.6.0 src/lb_fwrr.c
// fwrr_set_server_status_up), and the O(1) cycle against the general picks.
#include <catch2/catch.hpp>

#include <vector>

#include "engine/random.hpp"
#include "models/fwrr.hpp"

using teardown::models::Fwrr;

namespace {
constexpr std::uint32_t kScale = Fwrr::kScale;

std::uint32_t plain_pick(Fwrr& f) {
  return f.pick([](std::uint32_t) { return true; }, Fwrr::kNone);
}

Fwrr uniform(std::uint32_t n) {
  Fwrr f;
  f.init(std::vector<std::uint32_t>(n, kScale));
  return f;
}
}  // namespace

TEST_CASE("fwrr: equal weights take the servers in configuration order, over and over", "[models][balance]") {
  Fwrr f = uniform(4);
  for (std::uint32_t k = 0; k < 400; ++k) REQUIRE(plain_pick(f) == k % 4);
}

TEST_CASE("fwrr: unequal weights, the heaviest first and each its share per window", "[models][balance]") {
  // Weights 5, 1, 1 (effective 80, 16, 16; window 112): the heavy server takes every
  // position until its step of 112 / 80 leaves a hole at position 115, which the first
  // light one fills from "init"; the next hole (118) goes to the other.
  Fwrr f;
  f.init({5 * kScale, kScale, kScale});
  const std::vector<std::uint32_t> start{0, 0, 0, 1, 0, 0, 2};
  for (const std::uint32_t s : start) REQUIRE(plain_pick(f) == s);
  std::vector<int> count(3, 0);
  for (int k = 0; k < 7 * 16 * 10; ++k) ++count[plain_pick(f)];
  CHECK(count == std::vector<int>{5 * 16 * 10, 16 * 10, 16 * 10});
}

TEST_CASE("fwrr: a returning server comes in from the current position alone", "[models][balance]") {
  // Five servers of one weight, server 0 down: four servers share a window of W = 64
  // positions (one per pick, from W to 2W), each stepping 64 / 16 = 4, so that at position
  // p the next four turns are at p, p+1, p+2, p+3 (those at 2W or beyond wait for the next
  // window). Server 0 comes back at p + (next + W - p) / 16 with next = 80 (the next
  // window's weight, its own included), whatever it had before it went down; a tie goes to
  // the server queued first. So its first pick after the return is the number of the four
  // turns at or before its position in this window, or after all four if its position is
  // past the window.
  for (std::int32_t phase = 0; phase < 64; ++phase) {
    Fwrr f = uniform(5);
    for (int k = 0; k < 37; ++k) plain_pick(f);  // some history of its own for server 0
    f.set_down(0);
    for (int k = 0; k < 3 * 80 + phase; ++k) REQUIRE(plain_pick(f) != 0);
    const Fwrr::Window w = f.window();
    REQUIRE(w.weight == 64);
    REQUIRE(w.next_weight == 64);
    const std::int32_t p = w.pos;
    const std::int32_t place = p + (80 + w.weight - p) / 16;
    int expected = 0;
    if (place >= 2 * w.weight) {
      expected = 4;
    } else {
      for (std::int32_t i = 0; i < 4; ++i) expected += p + i <= place && p + i < 2 * w.weight;
    }
    f.set_up(0, kScale);
    int first = 0;
    while (plain_pick(f) != 0) ++first;
    INFO("position " << p << ", placed at " << place);
    CHECK(first == expected);
  }
}

TEST_CASE("fwrr: with three servers the returning one is always third", "[models][balance]") {
  // The case of docs/model.md section 5: two servers stepping 2, the returning one placed
  // 1 to 3 positions ahead, never before both have had a turn.
  for (int phase = 0; phase < 100; ++phase) {
    Fwrr f = uniform(3);
    for (int k = 0; k < phase; ++k) plain_pick(f);
    f.set_down(0);
    for (int k = 0; k < 50 + phase; ++k) plain_pick(f);
    f.set_up(0, kScale);
    const std::uint32_t a = plain_pick(f), b = plain_pick(f);
    CHECK(a != 0);
    CHECK(b != 0);
    CHECK(a != b);
    CHECK(plain_pick(f) == 0);
  }
}

TEST_CASE("fwrr: the O(1) cycle picks as the general loop through any changes", "[models][balance]") {
  teardown::RandomStream rng(5, 0, teardown::StreamPurpose::Test);
  for (std::uint32_t n : {1u, 2u, 3u, 5u, 12u}) {
    for (int trial = 0; trial < 30; ++trial) {
      const auto weight = static_cast<std::uint32_t>(1 + rng.below(3)) * kScale;
      Fwrr fast, general;
      fast.init(std::vector<std::uint32_t>(n, weight));
      general.init(std::vector<std::uint32_t>(n, weight));
      std::vector<bool> up(n, true);
      std::vector<std::uint32_t> eweight(n, weight);
      int cycled = 0;
      for (int step = 0; step < 3000; ++step) {
        const auto r = rng.below(1000);
        const auto s = static_cast<std::uint32_t>(rng.below(n));
        if (r < 4) {
          fast.set_down(s);
          general.set_down(s);
          up[s] = false;
        } else if (r < 12) {
          fast.set_up(s, eweight[s]);
          general.set_up(s, eweight[s]);
          up[s] = true;
        } else if (r < 16) {
          // Another weight (lighter as in slowstart, or heavier), then back to the common one.
          eweight[s] = r == 12 ? weight / 2 : r == 13 ? weight * 2 : weight;
          fast.set_weight(s, eweight[s]);
          general.set_weight(s, eweight[s]);
        } else if (r < 20) {
          // A redispatch: the pick avoids a server (the cycle is left for it).
          REQUIRE(fast.pick([](std::uint32_t) { return true; }, s) ==
                  general.pick([](std::uint32_t) { return true; }, s));
        } else {
          bool uniform_up = true;
          for (std::uint32_t i = 0; i < n; ++i) uniform_up = uniform_up && up[i] && eweight[i] == weight;
          std::uint32_t got = 0;
          if (uniform_up && (fast.cycling() || fast.enter_cycle())) {
            got = fast.next_in_cycle();
            ++cycled;
          } else {
            got = plain_pick(fast);
          }
          REQUIRE(got == plain_pick(general));
        }
      }
      const Fwrr::Window a = fast.window(), b = general.window();
      CHECK(a.pos == b.pos);
      CHECK(a.weight == b.weight);
      CHECK(a.next_weight == b.next_weight);
      CHECK(cycled > 0);
    }
  }
}
