#include <catch2/catch.hpp>

#include <queue>
#include <tuple>
#include <vector>

#include "engine/engine.hpp"
#include "engine/random.hpp"
#include "reference_queue.hpp"

using namespace teardown;
using namespace teardown::time_literals;

namespace {
struct Seen {
  Time time;
  std::uint16_t kind;
  std::uint32_t target;
  bool operator==(const Seen&) const = default;
};
}  // namespace

TEST_CASE("events come out in time order, ties in scheduling order", "[engine]") {
  Simulator sim;
  sim.schedule(30_us, 1, 0);
  sim.schedule(10_us, 2, 0);
  sim.schedule(20_us, 3, 0);
  sim.schedule(10_us, 4, 0);  // same time as kind 2, scheduled later
  sim.schedule(10_us, 5, 0);
  std::vector<std::uint16_t> kinds;
  std::vector<Time> times;
  sim.run_until(kNever, [&](const Event& e) {
    kinds.push_back(e.kind());
    times.push_back(sim.now());
  });
  CHECK(kinds == std::vector<std::uint16_t>{2, 4, 5, 3, 1});
  CHECK(times == std::vector<Time>{10_us, 10_us, 10_us, 20_us, 30_us});
}

TEST_CASE("events scheduled while running at the current time run after those already due", "[engine]") {
  Simulator sim;
  sim.schedule(5_us, 1, 0);
  sim.schedule(5_us, 2, 0);
  std::vector<std::uint16_t> kinds;
  sim.run_until(kNever, [&](const Event& e) {
    kinds.push_back(e.kind());
    if (e.kind() == 1) sim.schedule(sim.now(), 3, 0);
  });
  CHECK(kinds == std::vector<std::uint16_t>{1, 2, 3});
}

TEST_CASE("run_until stops at the horizon and the clock ends there", "[engine]") {
  Simulator sim;
  sim.schedule(1_s, 1, 0);
  sim.schedule(3_s, 2, 0);
  int n = 0;
  sim.run_until(2_s, [&](const Event&) { ++n; });
  CHECK(n == 1);
  CHECK(sim.now() == 2_s);
  // Scheduling between the horizon and the next pending event still keeps order.
  sim.schedule(2500_ms, 3, 0);
  std::vector<std::uint16_t> kinds;
  sim.run_until(kNever, [&](const Event& e) { kinds.push_back(e.kind()); });
  CHECK(kinds == std::vector<std::uint16_t>{3, 2});
}

TEST_CASE("a lazy deadline moved later costs no event and fires once at the final deadline", "[engine]") {
  Simulator sim;
  LazyDeadline idle;
  idle.set(sim, 10_s, 9, 0);
  std::vector<Time> fired;
  // Reset the deadline at 1 s intervals, as requests on a keep-alive connection do.
  for (int i = 1; i <= 5; ++i) sim.schedule(i * 1_s, 1, 0);
  const auto scheduled_before = sim.events_scheduled();
  sim.run_until(kNever, [&](const Event& e) {
    if (e.kind() == 1) idle.set(sim, sim.now() + 10_s, 9, 0);
    if (e.kind() == 9 && idle.on_wake(sim, e)) fired.push_back(sim.now());
  });
  CHECK(fired == std::vector<Time>{15_s});
  // One wake-up at 10 s that re-armed itself at 15 s: one extra event, not five.
  CHECK(sim.events_scheduled() - scheduled_before == 1);
}

TEST_CASE("a lazy deadline moved earlier fires at the earlier time, once", "[engine]") {
  Simulator sim;
  LazyDeadline d;
  d.set(sim, 10_s, 9, 0);
  d.set(sim, 4_s, 9, 0);
  std::vector<Time> fired;
  sim.run_until(kNever, [&](const Event& e) {
    if (d.on_wake(sim, e)) fired.push_back(sim.now());
  });
  CHECK(fired == std::vector<Time>{4_s});
}

TEST_CASE("the two-tier queue pops exactly what a reference priority queue pops", "[engine]") {
  RandomStream rng(42, 0, StreamPurpose::Test);
  test::AgainstReference<EventQueue> x;
  for (int round = 0; round < 200000; ++round) {
    if (x.ref.empty() || rng.below(100) < 55) {
      // Many exact ties (coarse times) and occasional huge jumps.
      Time dt = static_cast<Time>(rng.below(4)) * 1000;
      if (rng.below(50) == 0) dt = static_cast<Time>(rng.below(1ull << 40));
      x.push(x.now + dt);
    } else {
      x.pop();
    }
    x.check_size();
  }
}

namespace {
// A small random model: each event schedules 0-2 more at random later times.
std::vector<Seen> random_run(std::uint64_t seed) {
  Simulator sim;
  RandomStream rng(seed, 0, StreamPurpose::Test);
  for (std::uint32_t i = 0; i < 100; ++i) sim.schedule(rng.exponential(1_ms), 1, i);
  std::vector<Seen> seen;
  sim.run_until(1_s, [&](const Event& e) {
    seen.push_back({sim.now(), e.kind(), e.target});
    const auto n = rng.below(3);
    for (std::uint64_t k = 0; k < n && seen.size() < 50000; ++k) {
      sim.schedule(sim.now() + rng.exponential(1_ms), static_cast<std::uint16_t>(1 + rng.below(3)), e.target);
    }
  });
  return seen;
}
}  // namespace

TEST_CASE("identical seeds give identical event sequences, different seeds do not", "[engine]") {
  const auto a = random_run(5);
  const auto b = random_run(5);
  const auto c = random_run(6);
  REQUIRE(a.size() > 1000);
  CHECK(a == b);
  CHECK(a != c);
}
