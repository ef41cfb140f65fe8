// TCP connection teardown, at the level of detail that decides who sees a reset.
//
// A TcpStack holds every connection of a run as a pair of endpoints in contiguous vectors.
// Segments (SYN, data, FIN, ACK of a FIN, RST) travel as engine events after the
// connection's one-way delay (plus jitter, order kept per direction). The stack applies
// the kernel's rules — which state a segment moves an endpoint to, when the kernel answers
// with RST — and returns to the caller a Notice saying what the owning application can now
// observe. It is not a byte stream: a data segment stands for one whole application message,
// and there is no congestion control, window, retransmission or loss.
//
// Each rule lives in one function and cites its source; docs/model.md lists them.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/engine.hpp"
#include "engine/random.hpp"
#include "teardown/time.hpp"
#include "teardown/trace.hpp"

namespace teardown {

using EndpointId = std::uint32_t;
using ConnectionId = std::uint32_t;
using HostIndex = std::uint32_t;
inline constexpr EndpointId kNoEndpoint = 0xffffffffu;

// A side label chosen by the models (client, proxy front, proxy back, backend...), used
// only to attribute segments and resets. At most kRoles labels.
using Role = std::uint8_t;
inline constexpr std::size_t kRoles = 8;

// Engine event kinds owned by the TCP stack. Models use kinds >= kFirstModelEventKind.
enum TcpEventKind : std::uint16_t {
  kTcpSegment = 1,
  kTcpTimeWaitEnd = 2,
  kTcpFinTimeout = 3,
  kTcpRetransmitGiveUp = 4,  // a sender whose segment a middlebox dropped stops retransmitting
  kTcpMiddleboxReset = 5,    // an RST a middlebox sent arrives
  kTcpMiddleboxExpiry = 6,   // a reset-on-idle middlebox's idle timer of a flow may have run out
};
inline constexpr std::uint16_t kFirstModelEventKind = 16;
constexpr bool is_tcp_event(std::uint16_t kind) { return kind >= kTcpSegment && kind <= kTcpMiddleboxExpiry; }

// A middlebox on a path (a NAT gateway, a load balancer, a conntrack table): it forgets a flow
// with no segment in either direction for idle_timeout, and a later segment of that flow meets
// `then`. Index 0 means no middlebox.
using MiddleboxId = std::uint8_t;
inline constexpr MiddleboxId kNoMiddlebox = 0;
enum class ForgottenFlow : std::uint8_t {
  Drop,         // the segment vanishes; its sender retransmits until it gives up
  ResetSender,  // the middlebox answers with RST to the sender
  ResetBoth,    // resets both ends when the flow's idle timer runs out (reset on idle)
};
struct MiddleboxRule {
  Time idle_timeout = 0;
  ForgottenFlow then = ForgottenFlow::Drop;
  Role role = 0;  // the label its RSTs are attributed to
};

// What the owning application of an endpoint can observe after an event.
struct Notice {
  // Notice::Data etc.: the kinds are the trace's vocabulary (teardown/trace.hpp). After
  // Accepted the model sets the new endpoint's owner with set_owner(); after Data, `bytes`
  // arrived and `eof` says whether a FIN came with them.
  // The one-byte fields last: 16 bytes, returned in two registers.
  using Kind = NoticeKind;
  using enum NoticeKind;
  EndpointId endpoint = kNoEndpoint;
  std::uint32_t owner = 0;     // the endpoint's owner index, as set by the model
  std::uint32_t bytes = 0;
  Kind kind = None;
  std::uint8_t app_flags = 0;  // two bits the sender attached to its data (e.g. "Connection: close")
  bool eof = false;
  AppError error = AppError::None;
};
static_assert(sizeof(Notice) == 16);

// The stack-wide knobs (Linux defaults).
struct TcpConfig {
  Time time_wait = 60 * kSecond;    // TCP_TIMEWAIT_LEN
  Time fin_timeout = 60 * kSecond;  // net.ipv4.tcp_fin_timeout: life of an orphaned FIN_WAIT_2
  std::uint64_t seed = 1;           // for jitter
  // net.ipv4.tcp_retries2 = 15 with the minimum RTO of 200 ms: how long a sender retransmits
  // an unanswered segment before the socket fails with ETIMEDOUT (Linux ip-sysctl: 924.6 s).
  Time retransmit_give_up = 924'600 * kMillisecond;
};

// Counters kept by the stack; conservation laws over them are tested.
struct TcpCounters {
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_closed = 0;  // both endpoints gone and the slot recycled
  std::uint64_t connects_refused = 0;
  std::uint64_t segments_sent = 0;
  std::uint64_t fins_sent = 0;
  std::uint64_t rst_sent = 0;
  std::uint64_t rst_in_flight = 0;
  std::array<std::uint64_t, kResetRules> rst_by_rule{};
  std::array<std::uint64_t, kResetFates> rst_by_fate{};
  std::array<std::array<std::uint64_t, kRoles>, kRoles> rst_from_to{};       // [sender role][receiver role]
  std::array<std::array<std::uint64_t, kRoles>, kRoles> rst_seen_from_to{};  // ...that an application saw
  std::array<std::uint64_t, kRoles> app_errors_conn_reset{};  // by role of the application
  std::array<std::uint64_t, kRoles> app_errors_broken_pipe{};
  std::array<std::uint64_t, kRoles> app_errors_refused{};
  std::array<std::uint64_t, kRoles> app_errors_timed_out{};
  std::uint64_t time_wait_entered = 0;
  std::uint64_t segments_lost_at_middlebox = 0;  // segments of forgotten flows (RSTs included)
  std::uint64_t flows_forgotten = 0;             // connections whose flow a middlebox forgot
};

class TcpStack {
 public:
  TcpStack(Simulator& sim, TcpConfig config, std::size_t hosts);

  // --- the socket calls an application makes --------------------------------------------
  void listen(HostIndex host, bool on);  // a host that is not listening refuses SYNs with RST
  // Room for `connections` connections: a run that knows it will hold many says so, and
  // the arrays never double (nor hold a half-copied spare at their peak).
  void reserve(std::size_t connections);
  // A middlebox that connections may then cross (connect's last argument). At most 255.
  MiddleboxId add_middlebox(MiddleboxRule rule);
  // Opens a connection from `from` to `to`; the SYN arrives after `delay` (+ jitter). The
  // returned endpoint is the connecting side; its owner is `owner`. Its segments cross
  // `middlebox`, which sits half way along the path.
  EndpointId connect(HostIndex from, HostIndex to, Time delay, Time jitter, Role from_role, Role to_role,
                     std::uint32_t owner, MiddleboxId middlebox = kNoMiddlebox);
  void set_owner(EndpointId ep, std::uint32_t owner);
  // Sends one message. Returns the error a write() reports, or None. Writing after the
  // peer's FIN succeeds locally (the peer host will answer with RST).
  AppError send(EndpointId ep, std::uint32_t bytes, std::uint8_t app_flags = 0, bool with_fin = false);
  // What the next recv() reports after a reset (ECONNRESET once, LAB-12), consumed by the call.
  AppError take_error(EndpointId ep);
  // Consumes the received data; returns how many bytes were unread.
  std::uint32_t read(EndpointId ep);
  void shutdown_write(EndpointId ep);         // half close: FIN, keep reading
  void set_linger_zero(EndpointId ep);        // SO_LINGER {on, 0}
  void close(EndpointId ep);                  // full close; the application lets go of the socket
  void abort(EndpointId ep) { set_linger_zero(ep); close(ep); }

  // --- handling the stack's own events ---------------------------------------------------
  // REQUIRES: is_tcp_event(e.kind()).
  Notice handle(const Event& e);

  // --- inspection --------------------------------------------------------------------------
  TcpState state(EndpointId ep) const { return ep_[ep].state; }
  bool peer_fin_seen(EndpointId ep) const { return ep_[ep].flags & kRead0; }
  bool released(EndpointId ep) const { return ep_[ep].flags & kReleased; }
  std::uint32_t unread(EndpointId ep) const { return ep_[ep].unread; }
  AppError pending_error(EndpointId ep) const { return ep_[ep].pending; }
  std::uint32_t owner(EndpointId ep) const { return ep_[ep].owner; }
  Role role(EndpointId ep) const { return ep_[ep].role; }
  HostIndex host(EndpointId ep) const { return ep_[ep].host; }
  static EndpointId peer(EndpointId ep) { return ep ^ 1u; }
  static ConnectionId connection_of(EndpointId ep) { return ep >> 1; }
  Time opened_at(ConnectionId c) const { return conn_[c].opened_at; }

  std::size_t open_connections() const { return open_; }
  std::uint32_t time_wait(HostIndex h) const { return hosts_[h].time_wait; }
  std::uint32_t time_wait_peak(HostIndex h) const { return hosts_[h].time_wait_peak; }
  std::uint32_t time_wait_total() const { return time_wait_total_; }
  std::uint32_t time_wait_total_peak() const { return time_wait_total_peak_; }
  const TcpCounters& counters() const { return counters_; }
  std::size_t connection_slots() const { return conn_.size(); }

  // Records every segment of connections opened from now on into `out` (nullptr: off).
  void trace_into(std::vector<TraceRecord>* out) {
    trace_ = out;
    trace_new_ = out != nullptr;
  }
  // While a trace is kept: whether connections opened from now on are traced.
  void trace_new_connections(bool on) { trace_new_ = on && trace_ != nullptr; }
  bool traced(EndpointId ep) const { return conn_[connection_of(ep)].trace_id != 0; }
  // The id its trace records carry (0 when not traced); unique across slot reuse.
  std::uint32_t trace_id(EndpointId ep) const { return conn_[connection_of(ep)].trace_id; }
  // Who is at each end of every traced connection, by trace id - 1.
  struct TracedEnds {
    HostIndex from_host = 0, to_host = 0;
    Role from_role = 0, to_role = 0;
  };
  const std::vector<TracedEnds>& traced_connections() const { return traced_ends_; }
  // Changes whenever the connection's slot is reused: lets a model tell its own connection
  // from a later one in the same slot.
  std::uint32_t incarnation(EndpointId ep) const { return conn_[connection_of(ep)].incarnation; }
  bool listening(HostIndex h) const { return hosts_[h].listening; }
  // Starts the TIME_WAIT peaks afresh (at the end of warm-up).
  void reset_time_wait_peaks();

 private:
  enum EndpointFlag : std::uint8_t {
    kRead0 = 1,      // the peer's FIN has been received
    kShutWr = 2,     // we sent our FIN
    kLinger0 = 4,    // SO_LINGER {on, 0}
    kReleased = 8,   // the application closed the socket (it is orphaned, or gone)
    kRetransmitting = 16,  // a segment it sent was lost at a middlebox; the give-up is scheduled
  };
  // 16 + 16 + 24 bytes per connection: a run may hold a million.
  struct Endpoint {
    std::uint32_t unread = 0;
    std::uint32_t owner = 0;
    HostIndex host = 0;
    TcpState state = TcpState::Closed;
    Role role = 0;
    std::uint8_t flags = 0;
    AppError pending = AppError::None;
  };
  static_assert(sizeof(Endpoint) == 16);
  struct Connection {
    Time opened_at = 0;
    std::uint32_t incarnation = 0;
    ConnectionId next_free = 0;
    std::uint32_t trace_id = 0;  // 0: not traced
    std::uint32_t path = 0;      // index into paths_
  };
  static_assert(sizeof(Connection) == 24);
  // A one-way delay and its jitter; connections share the few distinct ones.
  struct Path {
    Time delay = 0;
    Time jitter = 0;
    Simulator::LaneId lane = Simulator::kNoLane;  // the delay's FIFO lane, when jitter == 0
    MiddleboxId middlebox = kNoMiddlebox;
    bool slow = false;  // jitter or a middlebox: its segments go through transmit_slow()
  };
  struct Host {
    std::uint32_t time_wait = 0;
    std::uint32_t time_wait_peak = 0;
    bool listening = true;
  };

  // Segment payload layout: flags (6 bits) | rule (2 bits) | app flags (2 bits) | bytes (22 bits).
  static std::uint32_t pack(std::uint8_t flags, ResetRule rule, std::uint8_t app_flags, std::uint32_t bytes);

  // Sends one segment. The common case (no jitter, not traced) is inlined into every caller;
  // the rest is transmit_slow().
  [[gnu::always_inline]] inline void transmit(EndpointId from, std::uint8_t flags, std::uint32_t bytes = 0,
                                              std::uint8_t app_flags = 0,
                                              ResetRule rule = ResetRule::NoSuchConnection);
  // send() beyond its common case.
  [[gnu::noinline]] AppError send_checked(EndpointId ep, std::uint32_t bytes, std::uint8_t app_flags, bool with_fin);
  [[gnu::noinline]] void transmit_slow(EndpointId from, std::uint8_t flags, std::uint32_t bytes, std::uint8_t app_flags,
                                       ResetRule rule);
  void send_reset(EndpointId from, ResetRule rule);
  // Whether a segment `from` sends gets past the path's middlebox; if not, what the
  // middlebox does about it is done.
  bool crosses_middlebox(EndpointId from, std::uint8_t flags);
  // An RST from the box to `to`, arriving `after` from now.
  void middlebox_reset(EndpointId to, const MiddleboxRule& box, Time after);
  // A reset-on-idle box's timer for connection c: forget the flow and reset its live ends if
  // it has been idle for the timeout, else look again when it could have been.
  void on_middlebox_expiry(ConnectionId c);
  Notice on_retransmit_give_up(EndpointId ep);
  Notice on_segment(const Event& e);
  Notice on_reset(EndpointId ep, Role sender_role, ResetRule rule);
  Notice on_data_or_fin(EndpointId ep, std::uint8_t flags, std::uint32_t bytes, std::uint8_t app_flags);
  void on_fin_ack(EndpointId ep);
  void enter_time_wait(EndpointId ep);
  void leave_time_wait(EndpointId ep);
  void become_gone(EndpointId ep);
  bool gone(EndpointId ep) const { return ep_[ep].state == TcpState::Closed && (ep_[ep].flags & kReleased); }
  std::uint32_t path_of(Time delay, Time jitter, MiddleboxId middlebox);
  void record(Time at, EndpointId ep, TraceRecord::What what, std::uint8_t flags, ResetRule rule,
              Notice::Kind notice = Notice::None, AppError error = AppError::None,
              ResetFate fate = ResetFate::Dropped, std::uint32_t bytes = 0);

  Simulator& sim_;
  TcpConfig config_;
  RandomStream jitter_rng_;
  std::vector<Endpoint> ep_;  // endpoint 2c is the connecting side of connection c, 2c+1 the accepting side
  std::vector<Connection> conn_;
  std::vector<Path> paths_;
  // Arrival time of the last segment each endpoint sent, kept only for paths with jitter
  // (without, arrivals follow sending order anyway); sized when such a path is first used.
  std::vector<Time> last_arrival_;
  std::vector<MiddleboxRule> middleboxes_;  // middlebox m is middleboxes_[m - 1]
  // When a segment last crossed each connection's middlebox, by connection; kept only once a
  // path with a middlebox is used. Not moved by segments it stopped: a forgotten flow stays so.
  std::vector<Time> last_crossing_;
  std::vector<Host> hosts_;
  ConnectionId free_head_ = kNoEndpoint;
  std::size_t open_ = 0;
  std::uint32_t time_wait_total_ = 0;
  std::uint32_t time_wait_total_peak_ = 0;
  TcpCounters counters_;
  std::vector<TraceRecord>* trace_ = nullptr;
  std::size_t arrival_mark_ = 0;  // where the current arrival's trace line goes
  bool trace_new_ = false;
  std::vector<TracedEnds> traced_ends_;
};

}  // namespace teardown
