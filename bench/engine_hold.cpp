// The classic hold model: N pending events; pop the earliest, push one at a random later
// time; repeat. Run through teardown's Simulator (full 32-byte events with kind, target,
// payload and timer generation, stale-check included) and, in the same process, through a
// bare std::priority_queue of (time, sequence) pairs with the same increments.
//
// usage: bench_engine [--json] [--n N ...] [--ops-per-n K] [--repeat R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "engine/random.hpp"

using namespace teardown;

namespace {

// A fixed table of increments shared by both queues, so both see the same workload and the
// random-number generator is not what is measured. Exponential, mean 1 ms, in nanoseconds.
std::vector<Time> make_increments() {
  RandomStream rng(2026, 0, StreamPurpose::Test);
  std::vector<Time> inc(1 << 20);
  for (auto& x : inc) x = 1 + rng.exponential(kMillisecond);
  return inc;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double run_engine(std::size_t n, std::size_t ops, const std::vector<Time>& inc) {
  Simulator sim;
  const std::size_t mask = inc.size() - 1;
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) sim.schedule(inc[k++ & mask], 1, static_cast<std::uint32_t>(i), 0);
  // Warm-up: one round of holds so the queue reaches its steady shape.
  std::size_t done = 0;
  std::uint64_t checksum = 0;
  auto hold = [&](const Event& e) {
    checksum += e.target;
    sim.schedule(sim.now() + inc[k++ & mask], e.kind(), e.target, e.payload + 1);
    ++done;
  };
  while (done < n) sim.step(hold);
  done = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (done < ops) sim.step(hold);
  const double s = seconds_since(t0);
  if (checksum == 42) std::puts("");  // keep the work observable
  return static_cast<double>(ops) / s;
}

double run_baseline(std::size_t n, std::size_t ops, const std::vector<Time>& inc) {
  using Item = std::pair<Time, std::uint64_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
  const std::size_t mask = inc.size() - 1;
  std::size_t k = 0;
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < n; ++i) q.emplace(inc[k++ & mask], seq++);
  auto hold = [&] {
    const Time t = q.top().first;
    q.pop();
    q.emplace(t + inc[k++ & mask], seq++);
  };
  for (std::size_t i = 0; i < n; ++i) hold();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < ops; ++i) hold();
  const double s = seconds_since(t0);
  if (q.top().second == 42) std::puts("");
  return static_cast<double>(ops) / s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  std::vector<std::size_t> sizes;
  std::size_t ops_floor = 5'000'000;
  int repeat = 3;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) {
      json = true;
    } else if (!std::strcmp(argv[i], "--n") && i + 1 < argc) {
      sizes.push_back(std::strtoull(argv[++i], nullptr, 10));
    } else if (!std::strcmp(argv[i], "--ops") && i + 1 < argc) {
      ops_floor = std::strtoull(argv[++i], nullptr, 10);
    } else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: bench_engine [--json] [--n N]... [--ops OPS] [--repeat R]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {1'000, 100'000, 1'000'000};
  const std::vector<Time> inc = make_increments();
  if (!json) std::printf("%10s %18s %18s %8s\n", "n", "engine ev/s", "priority_queue/s", "ratio");
  for (std::size_t n : sizes) {
    const std::size_t ops = std::max(ops_floor, 10 * n);
    std::vector<double> e, b;
    for (int r = 0; r < repeat; ++r) {
      b.push_back(run_baseline(n, ops, inc));
      e.push_back(run_engine(n, ops, inc));
    }
    const double em = median(e), bm = median(b);
    if (json) {
      std::printf("{\"n\": %zu, \"engine_events_per_s\": %.0f, \"baseline_events_per_s\": %.0f, \"ratio\": %.3f}\n", n,
                  em, bm, em / bm);
    } else {
      std::printf("%10zu %18.0f %18.0f %8.2f\n", n, em, bm, em / bm);
    }
    std::fflush(stdout);
  }
  return 0;
}
