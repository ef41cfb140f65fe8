#include "engine/near_calendar.hpp"
#include "engine/event_queue.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "engine/random.hpp"
#include "reference_queue.hpp"

using namespace teardown;

// The calendar against a reference priority queue, on the cases its structure has to get
// right: ties and pushes into the bucket being taken from (delays of a few microseconds),
// pushes into a bucket before the one already sorted (a peek, then an earlier push, as the
// Simulator does when a lane event runs first), the ring wrapping around (delays up to its
// 17 ms span), and events beyond the span (the heap beside the ring).
TEST_CASE("the near calendar pops exactly what a reference priority queue pops", "[engine]") {
  RandomStream rng(11, 0, StreamPurpose::Test);
  test::AgainstReference<NearCalendar> x;
  const Time span = NearCalendar::kRing << NearCalendar::kBucketBits;
  std::size_t beyond = 0;
  for (int round = 0; round < 400000; ++round) {
    const auto r = rng.below(100);
    if (x.ref.empty() || r < 50) {
      Time dt = 0;
      const auto kind = rng.below(10);
      if (kind < 4) dt = static_cast<Time>(rng.below(40'000));  // same or next bucket, ties at 0
      else if (kind < 8) dt = static_cast<Time>(rng.below(static_cast<std::uint64_t>(span)));
      else if (kind < 9) dt = span + static_cast<Time>(rng.below(static_cast<std::uint64_t>(3 * span)));
      if (dt >= span) ++beyond;
      x.push(x.now + dt);
    } else if (r < 60) {
      x.check_top();  // a peek sorts the earliest bucket; later pushes may land before it
    } else {
      x.pop();
    }
    x.check_size();
  }
  x.pop_all();
  CHECK(beyond > 1000);  // the heap beside the ring was exercised
}

TEST_CASE("the near calendar drains everything for a rebase and starts again from the new floor", "[engine]") {
  NearCalendar q;
  for (std::uint64_t i = 0; i < 10; ++i) q.push(Event{static_cast<Time>(i * 5'000'000), i << 16 | 1, 0, 0, 0});
  CHECK(q.pop().time == 0);
  CHECK(q.top().time == 5'000'000);
  std::vector<Event> out;
  q.drain(out, 1'000);
  CHECK(out.size() == 9);
  CHECK(q.empty());
  CHECK(q.floor() == 1'000);
  q.push(Event{1'000, 20 << 16 | 1, 0, 0, 0});
  CHECK(q.pop().seq() == 20);
}

// The queue's near tier switches to a radix heap when it holds many events and back when
// few remain: the order must not notice, however often it switches.
TEST_CASE("the event queue pops in order across switches between the calendar and the radix heap", "[engine]") {
  RandomStream rng(5, 0, StreamPurpose::Test);
  test::AgainstReference<EventQueue> x;
  int grow_phases = 0;
  bool growing = true;
  for (int round = 0; round < 600000; ++round) {
    if (growing && x.ref.size() > 3 * EventQueue::kDenseAbove) {
      growing = false;
      ++grow_phases;
    } else if (!growing && x.ref.size() < EventQueue::kSparseBelow / 2) {
      growing = true;
    }
    if (x.ref.empty() || rng.below(100) < (growing ? 70u : 30u)) {
      // Near events with ties, some beyond the near span (the wheel) and back.
      Time dt = static_cast<Time>(rng.below(64)) * 500;
      if (rng.below(20) == 0) dt = static_cast<Time>(rng.below(100'000'000));
      x.push(x.now + dt);
    } else {
      REQUIRE(x.q.next_time() == std::get<0>(x.ref.top()));
      x.pop();
    }
    x.check_size();
  }
  CHECK(grow_phases >= 3);
}
