// The unit of work of the engine: one scheduled occurrence, 32 bytes, trivially copyable.
#pragma once

#include <cstdint>
#include <type_traits>

#include "teardown/time.hpp"

namespace teardown {

struct Event {
  Time time = 0;
  std::uint64_t seq_kind = 0;     // scheduling sequence number << 16 | kind
  std::uint32_t target = 0;       // index of the entity the event is for
  std::uint32_t payload = 0;      // kind-specific
  std::uint32_t generation = 0;   // a model's own tag (the generation of the slot it is for)

  std::uint16_t kind() const { return static_cast<std::uint16_t>(seq_kind & 0xffffu); }
  std::uint64_t seq() const { return seq_kind >> 16; }
};
static_assert(sizeof(Event) == 32);
static_assert(std::is_trivially_copyable_v<Event>);

// The run order: by time, then by scheduling order (sequence numbers are unique, so the
// kind in the low bits never decides).
inline bool runs_before(const Event& a, const Event& b) {
  return a.time < b.time || (a.time == b.time && a.seq_kind < b.seq_kind);
}

}  // namespace teardown
