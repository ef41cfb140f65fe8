// Entity slots reused through an intrusive free list. Events address entities by index, so
// a slot never moves; a freed slot's link field holds the next free one, and a run that has
// reached its peak number of entities allocates nothing more.
#pragma once

#include <cstdint>
#include <vector>

#include "ids.hpp"

namespace teardown::models {

// A free slot if there is one, otherwise a new default-constructed one at the end. The slot's
// contents are whatever its last occupant left: the caller resets what it needs.
template <auto Link, class T>
std::uint32_t take_slot(std::vector<T>& slots, std::uint32_t& free_head) {
  if (free_head != kNone) {
    const std::uint32_t i = free_head;
    free_head = slots[i].*Link;
    return i;
  }
  slots.emplace_back();
  return static_cast<std::uint32_t>(slots.size() - 1);
}

// Puts slot i at the head of the free list (reused first: its memory is the warmest).
template <auto Link, class T>
void give_back_slot(std::vector<T>& slots, std::uint32_t& free_head, std::uint32_t i) {
  slots[i].*Link = free_head;
  free_head = i;
}

}  // namespace teardown::models
