// Plain-text rendering of a segment trace: one line per segment or socket call, so a
// person can follow who closed, how, and what each application saw.
#pragma once

#include <string>
#include <vector>

#include "teardown/tcp.hpp"

namespace teardown {

// One connection's trace as a ladder: "  1.250ms  client ──FIN──▶ server   CLOSE_WAIT, app: end of stream".
// `connection` is a trace id; `left` and `right` name the connecting and the accepting side.
std::string format_ladder(const std::vector<TraceRecord>& trace, std::uint32_t connection, const std::string& left,
                          const std::string& right);

// "SYN", "DATA", "FIN", "DATA+FIN", "ACK", "RST", ...
std::string segment_name(std::uint8_t flags);

}  // namespace teardown
