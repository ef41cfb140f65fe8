// The balance pickers on their own (sim/models/balance.hpp), as fwrr_test.cpp tests roundrobin:
// plain server state in, an index out.
#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

#include "models/balance.hpp"
#include "models/load_heap.hpp"
#include "engine/random.hpp"

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

TEST_CASE("leastconn: fewest per unit of weight, among equals the one whose load changed longest ago",
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

TEST_CASE("random: keys on HAProxy's consistent-hash ring, with two draws the less loaded of the two",
          "[models][balance]") {
  // full_hash against an independent implementation of Jenkins' 6-shift hash times 3221225473.
  CHECK(b::ChashRing::full_hash(1) == 881230262u);
  CHECK(b::ChashRing::full_hash(4096) == 1237450891u);
  teardown::RandomStream rng(7, 0, teardown::StreamPurpose::Test);
  auto share = [&](const std::vector<Candidate>& v, const b::ChashRing& ring, int draws) {
    std::vector<double> count(v.size(), 0.0);
    for (int k = 0; k < 100000; ++k) ++count[b::random(v, draws, ring, {rng, nullptr})];
    for (double& c : count) c /= 100000;
    return count;
  };
  // 16 points a server: unequal arcs. HAProxy 2.6.12 measured (0.274, 0.175, 0.256, 0.296)
  // over 1170 requests of random(1) (docs/validation.md); the arcs are these.
  const std::vector<double> four{1, 1, 1, 1};
  const b::ChashRing ring4(four);
  const std::vector<double> s4 = share(servers({0, 0, 0, 0}), ring4, 1);
  const double arcs4[] = {0.2891, 0.1853, 0.2427, 0.2829};
  for (int i = 0; i < 4; ++i) CHECK(s4[i] == Approx(arcs4[i]).margin(0.005));
  // Weight 3 is 48 points.
  const std::vector<double> one_three{1, 3};
  const b::ChashRing ring13(one_three);
  auto heavy = servers({0, 0});
  heavy[1].weight = heavy[1].effective_weight = 3;
  CHECK(share(heavy, ring13, 1)[1] == Approx(0.7284).margin(0.005));
  // During slowstart only the first points are on the ring: at weight 1 of 3, as a server of 1.
  heavy[1].effective_weight = 1;
  CHECK(share(heavy, ring13, 1)[1] == Approx(share(servers({0, 0}), ring13, 1)[1]).margin(0.01));
  // A server that may not be picked leaves its arcs to its neighbours on the ring.
  auto v = servers({0, 0, 0, 0});
  v[1].ok = false;
  const std::vector<double> without = share(v, ring4, 1);
  CHECK(without[1] == 0);
  CHECK(without[0] + without[2] + without[3] == Approx(1.0));
  // Two draws: the busy server keeps a request only when both keys land on it.
  const std::vector<double> two{1, 1};
  const b::ChashRing ring2(two);
  CHECK(share(servers({10, 0}), ring2, 2)[0] == Approx(0.4312 * 0.4312).margin(0.005));
}

TEST_CASE("static-rr: smooth weighted round robin interleaves by weight, the cycle gives the same picks",
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

TEST_CASE("LoadHeap: its top is leastconn's pick of alike servers, through any sequence of changes",
          "[models][balance]") {
  for (const std::uint32_t n : {1u, 2u, 3u, 7u, 64u, 1000u}) {
    b::LoadHeap heap;
    heap.init(n);
    std::vector<Candidate> view(n, Candidate{true, 1, 1, 0, 0});
    CHECK(heap.top() == b::leastconn(view));  // no change yet: the first server
    teardown::RandomStream rng(n, 7, teardown::StreamPurpose::Test);
    std::uint64_t clock = 0;
    for (int step = 0; step < 5000; ++step) {
      const auto i = static_cast<std::uint32_t>(rng.below(n));
      Candidate& c = view[i];
      // As the proxy does: one more when assigned, one less when released.
      c.served = c.served > 0 && rng.below(2) == 0 ? c.served - 1 : c.served + 1;
      c.load_changed = ++clock;
      heap.update(i, c.served, c.load_changed);
      REQUIRE(heap.top() == b::leastconn(view));
      // A pick is assigned at once: the picked server takes one more.
      const std::uint32_t pick = heap.top();
      ++view[pick].served;
      view[pick].load_changed = ++clock;
      heap.update(pick, view[pick].served, view[pick].load_changed);
      REQUIRE(heap.top() == b::leastconn(view));
    }
  }
}

TEST_CASE("random in a fixed-start release: the servers HAProxy 2.6.12 picked after every start, in order",
          "[models][balance]") {
  // Measured (docs/validation.md, "balance random after a restart"): 60 requests one at a
  // time, each on a new connection, through HAProxy 2.6.12 (nbthread 1, `balance random(2)`,
  // four servers s0-s3), restarted between two runs: the same 60 servers both times.
  const std::string measured4 = "132333310222213301210103233032222000002130333002033302130302";
  // And `random(1)` over three servers, 40 requests.
  const std::string measured3 = "0111222000212201200222221221200220012221";
  teardown::RandomStream unused(1, 0, teardown::StreamPurpose::Test);
  auto picks = [&](std::uint32_t n, int draws, std::size_t count) {
    const std::vector<double> weights(n, 1.0);
    const b::ChashRing ring(weights);
    b::StatisticalPrng prng;  // a new process: the fixed start
    std::vector<Candidate> idle(n, Candidate{});
    std::string out;
    for (std::size_t k = 0; k < count; ++k) {
      // One request at a time: no server is serving any, so the last draw wins each pick.
      const std::uint32_t pick = b::random(idle, draws, ring, {unused, &prng});
      out += static_cast<char>('0' + pick);
    }
    return out;
  };
  CHECK(picks(4, 2, measured4.size()) == measured4);
  CHECK(picks(3, 1, measured3.size()) == measured3);
  // The O(1) path for alike servers draws the same keys.
  b::StatisticalPrng a, c;
  const std::vector<double> four(4, 1.0);
  const b::ChashRing ring(four);
  const std::vector<Candidate> idle(4, Candidate{});
  for (int k = 0; k < 500; ++k) {
    REQUIRE(b::random(idle, 2, ring, {unused, &a}) ==
            b::random_among_alike(2, ring, {unused, &c}, [](std::uint32_t) { return 0; }));
  }
}

TEST_CASE("alike servers: source, random and first need no view of every server, and pick the same",
          "[models][balance]") {
  for (const std::uint32_t n : {1u, 2u, 3u, 7u, 64u, 1000u}) {
    for (const int weight : {1, 3}) {
      std::vector<Candidate> view(n, Candidate{true, double(weight), double(weight), 0, 0});
      const std::vector<double> weights(n, double(weight));
      teardown::RandomStream load(n, 11, teardown::StreamPurpose::Test);
      for (Candidate& c : view) c.served = static_cast<int>(load.below(5));
      // source: the kept start is the pick when every server may take it.
      for (std::uint64_t host = 0; host < 300; ++host) {
        REQUIRE(b::source_start(weights, host) == b::source(view, host));
      }
      // random: the same picks from the same draws, with any loads.
      const b::ChashRing ring(weights);
      for (const int draws : {1, 2, 3}) {
        teardown::RandomStream general(n, 13, teardown::StreamPurpose::Test);
        teardown::RandomStream alike = general;
        for (int step = 0; step < 2000; ++step) {
          const std::uint32_t pick = b::random(view, draws, ring, {general, nullptr});
          REQUIRE(b::random_among_alike(draws, ring, {alike, nullptr}, [&](std::uint32_t i) { return view[i].served; }) ==
                  pick);
          ++view[pick].served;
          if (step % 3 == 0) --view[load.below(n)].served;
        }
      }
      CHECK(b::first(view) == 0);
    }
  }
}
