// A connection's story as a run records it (Result::trace): the TCP states, what an application
// is told, the errors it sees, why an RST was sent and what became of it, one TraceRecord per
// segment or socket call, and their plain-text rendering, so a person can follow who closed,
// how, and what each application saw. Public because a Result carries it; the stack that
// writes it is private (sim/tcp/tcp_stack.hpp), and so are the counters the metrics come from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "teardown/time.hpp"

namespace teardown {

// Endpoint states of RFC 9293 section 3.3.2 that teardown needs (LISTEN and SYN_RECEIVED
// are folded into the accepting side's creation).
enum class TcpState : std::uint8_t {
  Closed,
  SynSent,
  Established,
  FinWait1,
  FinWait2,
  Closing,
  TimeWait,
  CloseWait,
  LastAck,
};
std::string_view to_string(TcpState s);

// What a system call reports to the application after a reset.
enum class AppError : std::uint8_t {
  None,
  ConnReset,    // ECONNRESET: reset on read, or on the first write after a reset
  BrokenPipe,   // EPIPE: write after the peer's FIN and then its RST, or after our own FIN
  ConnRefused,  // ECONNREFUSED: RST in answer to our SYN
  TimedOut,     // ETIMEDOUT: our retransmissions went unanswered until the kernel gave up
};
std::string_view to_string(AppError e);

// The rule that made a host send an RST.
enum class ResetRule : std::uint8_t {
  CloseWithUnreadData,  // close() with received data not yet read
  LingerZero,           // close() with SO_LINGER {on, 0} (HAProxy nolinger, hard close)
  DataToOrphan,         // data arrived after the application closed the socket
  NoSuchConnection,     // a segment for a connection that does not exist (or a refused SYN)
  MiddleboxIdle,        // a middlebox (NAT, load balancer) answered a segment of a flow it forgot
};
inline constexpr std::size_t kResetRules = 5;
std::string_view to_string(ResetRule r);

// What happened to an RST when it arrived.
enum class ResetFate : std::uint8_t {
  SeenByApp,        // the owning application holds the socket and will see an error
  AbsorbedByKernel, // the application had already closed its socket: nobody sees it
  Dropped,          // no socket (or TIME_WAIT): the RST is discarded, never answered
};
inline constexpr std::size_t kResetFates = 3;
std::string_view to_string(ResetFate f);

// Segment flags, as a segment carries them and as TraceRecord::flags records them.
enum SegmentFlag : std::uint8_t {
  kSegSyn = 1,
  kSegSynAck = 2,
  kSegData = 4,
  kSegFin = 8,
  kSegAck = 16,  // the ACK of a FIN (ordinary data ACKs are not modelled)
  kSegRst = 32,
};

// What the receiving application was told about a segment: the kind of the stack's Notice.
enum class NoticeKind : std::uint8_t {
  None,           // nothing for an application (kernel-only work, or a socket it closed)
  Accepted,       // a new connection on a listening host
  Connected,      // our SYN was answered: the connection is established
  ConnectFailed,  // our SYN was answered with RST (error = ConnRefused)
  Data,           // a message arrived (unread until read()), maybe with a FIN
  Eof,            // the peer's FIN: read() returns end of stream once the data is read
  Reset,          // an RST aborted the connection; `error` is what the next call reports
};

// One line of the optional segment trace (for ladder diagrams and the demo).
struct TraceRecord {
  enum What : std::uint8_t { Sent, Arrived, AppClose, AppShutdown, AppAbort };
  Time at = 0;
  std::uint32_t connection = 0;   // the connection's trace id (1, 2, ... in opening order)
  std::uint8_t side = 0;          // 0 = the connecting side, 1 = the accepting side
  What what = Sent;
  std::uint8_t flags = 0;         // SegmentFlag bits
  ResetRule rule = ResetRule::NoSuchConnection;  // for RST
  TcpState state_after = TcpState::Closed;       // the acting / receiving endpoint's state after
  NoticeKind notice = NoticeKind::None;          // what the receiving application was told
  AppError error = AppError::None;
  ResetFate fate = ResetFate::Dropped;           // for an arriving RST
  std::uint32_t bytes = 0;
};

// One connection's trace as a ladder: "  1.250ms  client ──FIN──▶ server   CLOSE_WAIT, app: end of stream".
// `connection` is a trace id; `left` and `right` name the connecting and the accepting side.
std::string format_ladder(const std::vector<TraceRecord>& trace, std::uint32_t connection, const std::string& left,
                          const std::string& right);

// "SYN", "DATA", "FIN", "DATA+FIN", "ACK", "RST", ...
std::string segment_name(std::uint8_t flags);

}  // namespace teardown
