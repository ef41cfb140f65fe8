// A queue under test beside a reference priority queue of (time, sequence): every push goes
// to both, every pop must agree.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <queue>
#include <tuple>
#include <vector>

#include "engine/event.hpp"

namespace teardown::test {

template <class Queue>
struct AgainstReference {
  using Key = std::tuple<Time, std::uint64_t>;
  Queue q;
  std::priority_queue<Key, std::vector<Key>, std::greater<>> ref;
  std::uint64_t seq = 0;
  Time now = 0;  // the time of the last pop

  void push(Time t) {
    q.push(Event{t, seq << 16 | 1, 0, 0, 0});
    ref.emplace(t, seq);
    ++seq;
  }
  // The queue's earliest event is the reference's.
  void check_top() {
    REQUIRE(q.top().time == std::get<0>(ref.top()));
    REQUIRE(q.top().seq() == std::get<1>(ref.top()));
  }
  void pop() {
    const Event e = q.pop();
    const auto [t, s] = ref.top();
    ref.pop();
    REQUIRE(e.time == t);
    REQUIRE(e.seq() == s);
    now = t;
  }
  void check_size() { REQUIRE(q.size() == ref.size()); }
  void pop_all() {
    while (!ref.empty()) pop();
    CHECK(q.empty());
  }
};

}  // namespace teardown::test
