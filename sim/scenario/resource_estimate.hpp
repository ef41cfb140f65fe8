// The resource guard's private half: the byte counts of its messages and the run loop bounded
// by wall time. The estimate and the up-front refusal are public (teardown/scenario.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "engine/engine.hpp"
#include "teardown/time.hpp"

namespace teardown {

// "3.2 GiB", "512 B": a byte count for messages.
std::string format_bytes(double bytes);

// The run loop with a wall-clock bound: runs the simulation to `end` in slices of simulated
// time, reading the clock only between slices (the slice length adapts so that a slice takes
// a few tens of milliseconds), and stops at the end of the first slice that finishes after
// `wall_limit_s` seconds from `wall_start`. Without a limit (wall_limit_s <= 0) it is one
// run_until(end). The order of events, hence every result, is the same either way.
struct BoundedRun {
  std::uint64_t events = 0;  // live events handled
  Time reached = 0;          // every event at or before this time has been handled
  bool partial = false;      // stopped by the wall-clock bound before `end`
};

template <class Handler>
BoundedRun run_bounded(Simulator& sim, Time end, double wall_limit_s,
                       std::chrono::steady_clock::time_point wall_start, Handler&& handle) {
  BoundedRun out;
  if (!(wall_limit_s > 0)) {
    out.events = sim.run_until(end, handle);
    out.reached = end;
    return out;
  }
  using Clock = std::chrono::steady_clock;
  const auto limit = std::chrono::duration<double>(wall_limit_s);
  Time slice = kMillisecond;
  Time at = sim.now();
  while (at < end) {
    const Time next = end - at > slice ? at + slice : end;
    const auto before = Clock::now();
    out.events += sim.run_until(next, handle);
    at = next;
    const auto after = Clock::now();
    if (at < end && after - wall_start >= limit) {
      out.partial = true;
      break;
    }
    // Aim at 10-50 ms of wall time per slice: a clock read per slice costs nothing, and the
    // bound is overshot by at most about one slice.
    const auto took = after - before;
    if (took < std::chrono::milliseconds(10) && slice < kHour) {
      slice *= 2;
    } else if (took > std::chrono::milliseconds(50) && slice > 1) {
      slice /= 2;
    }
  }
  out.reached = at;
  return out;
}

}  // namespace teardown
