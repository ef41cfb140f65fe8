// The parts of the engine added for speed (issue 11) against plain references: the timing
// wheel behind the queue over jumps of days, the Simulator's FIFO lanes merged with the
// queue, the counter-based random stream.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <queue>
#include <tuple>
#include <vector>

#include "engine/engine.hpp"
#include "engine/random.hpp"
#include "reference_queue.hpp"

using namespace teardown;
using namespace teardown::time_literals;

TEST_CASE("the queue pops what a reference pops across wheel blocks, eras and a rebase", "[engine]") {
  RandomStream rng(7, 0, StreamPurpose::Test);
  test::AgainstReference<EventQueue> x;
  for (int round = 0; round < 300000; ++round) {
    if (x.ref.empty() || rng.below(100) < 52) {
      // Near, far (seconds: the wheel's levels) and very far (days: past an era), with ties.
      Time dt = static_cast<Time>(rng.below(8)) * 250_us;
      const auto r = rng.below(100);
      if (r < 20) dt = static_cast<Time>(rng.below(20'000'000'000ULL));
      if (r == 99) dt = static_cast<Time>(rng.below(1ULL << 52));
      x.push(x.now + dt);
    } else {
      x.pop();
    }
    if (round == 150000) {
      // As after a run stopped at a horizon: an event before the last one popped.
      x.now = x.now > 1_s ? x.now - 1_s : 0;
      x.push(x.now);
    }
    x.check_size();
  }
  x.pop_all();
}

TEST_CASE("events in fixed-delay lanes and in the queue run in (time, scheduling) order", "[engine]") {
  // Every event schedules a few more, some through lanes (fixed delays, some equal to each
  // other's sums so that times tie across lanes and the queue), some at random times.
  Simulator sim;
  RandomStream rng(11, 0, StreamPurpose::Test);
  struct Seen {
    Time time;
    std::uint32_t id;
  };
  std::vector<Seen> seen;
  std::vector<std::pair<Time, std::uint32_t>> expected_order;  // (time, id) in scheduling order
  std::uint32_t next_id = 0;
  const Time delays[] = {100_us, 250_us, 20_us, 350_us, 370_us, 120_us};
  auto spawn = [&](Time now) {
    const auto n = rng.below(3);
    for (std::uint64_t k = 0; k < n && next_id < 200000; ++k) {
      const std::uint32_t id = next_id++;
      if (rng.below(2) == 0) {
        const Time d = delays[rng.below(6)];
        expected_order.emplace_back(now + d, id);
        sim.schedule_after(d, 1, id);
      } else {
        const Time at = now + static_cast<Time>(rng.below(8)) * 10_us;
        expected_order.emplace_back(at, id);
        sim.schedule(at, 1, id);
      }
    }
  };
  for (int i = 0; i < 50; ++i) {
    const std::uint32_t id = next_id++;
    expected_order.emplace_back(0, id);
    sim.schedule(0, 1, id);
  }
  sim.run_until(kNever, [&](const Event& e) {
    seen.push_back({sim.now(), e.target});
    spawn(sim.now());
  });
  // The reference: sort by time, ties by scheduling order (ids are given in that order).
  std::stable_sort(expected_order.begin(), expected_order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  REQUIRE(seen.size() == expected_order.size());
  REQUIRE(seen.size() > 10000);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    REQUIRE(seen[i].time == expected_order[i].first);
    REQUIRE(seen[i].id == expected_order[i].second);
  }
}

TEST_CASE("a counter stream depends only on its identities and its count", "[random]") {
  const std::uint64_t family = CounterStream::family(7, StreamPurpose::Arrivals);
  std::uint32_t a = 0, b = 0, c = 0;
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(CounterStream(family, 3, a).next_u64() == CounterStream(family, 3, b).next_u64());
  }
  CHECK(a == 1000);
  // Draw 500 alone equals draw 500 of the sequence.
  std::uint32_t at = 500, from_start = 0;
  std::uint64_t v = 0;
  for (int i = 0; i <= 500; ++i) v = CounterStream(family, 3, from_start).next_u64();
  CHECK(CounterStream(family, 3, at).next_u64() == v);
  CHECK(CounterStream(family, 4, c).next_u64() != CounterStream(family, 3, b = 0).next_u64());
  CHECK(CounterStream(CounterStream::family(8, StreamPurpose::Arrivals), 3, c = 0).next_u64() !=
        CounterStream(family, 3, b = 0).next_u64());
  // Exponential draws have the requested mean (5 standard errors).
  std::uint32_t n = 0;
  double sum = 0;
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) sum += static_cast<double>(CounterStream(family, 9, n).exponential(kMillisecond));
  CHECK(std::abs(sum / kDraws - 1e6) < 5 * 1e6 / std::sqrt(kDraws));
}

TEST_CASE("lane handles: one per delay, none once the lanes are taken, same order either way", "[engine]") {
  Simulator sim;
  // Lanes are handed out in first-use order, here with the shortest delay first, so that the
  // scan order (longest delay first) differs from the order the lanes were made in.
  const Time delays[] = {10_us, 20_us, 30_us, 40_us, 50_us};
  std::vector<Simulator::LaneId> lanes;
  for (Time d : delays) lanes.push_back(sim.lane_of(d));
  CHECK(lanes[0] != lanes[1]);
  CHECK(sim.lane_of(20_us) == lanes[1]);
  CHECK(lanes[4] == Simulator::kNoLane);  // a fifth delay: the general queue
  // Events due at the same times through every lane and the queue run in scheduling order.
  std::vector<std::uint32_t> seen;
  std::uint32_t id = 0;
  std::vector<std::uint32_t> expected;
  for (int step = 0; step < 5; ++step) {
    sim.run_until(static_cast<Time>(step) * 10_us, [&](const Event& e) { seen.push_back(e.target); });
    for (std::size_t i = 0; i < 5; ++i) sim.schedule_in(lanes[i], delays[i], 1, id++);
  }
  sim.run_until(kNever, [&](const Event& e) { seen.push_back(e.target); });
  // Reference: by due time, then by scheduling order.
  std::vector<std::pair<Time, std::uint32_t>> due;
  for (std::uint32_t k = 0; k < id; ++k) due.emplace_back(static_cast<Time>(k / 5) * 10_us + delays[k % 5], k);
  std::stable_sort(due.begin(), due.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& d : due) expected.push_back(d.second);
  CHECK(seen == expected);
}
