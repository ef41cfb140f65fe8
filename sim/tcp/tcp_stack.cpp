// The kernel's side of teardown. Every rule that decides a state change or an RST is a
// separate branch below with its source; docs/model.md lists the same rules.
#include <algorithm>
#include <cassert>

#include "tcp/tcp_stack.hpp"

namespace teardown {

namespace {
constexpr std::uint32_t kMaxBytes = (1u << 22) - 1;
constexpr Time kForgotten = -1;  // last_crossing_ of a flow its middlebox forgot
}

TcpStack::TcpStack(Simulator& sim, TcpConfig config, std::size_t hosts)
    : sim_(sim), config_(config), jitter_rng_(config.seed, 0, StreamPurpose::Jitter), hosts_(hosts) {}

std::uint32_t TcpStack::pack(std::uint8_t flags, ResetRule rule, std::uint8_t app_flags, std::uint32_t bytes) {
  return static_cast<std::uint32_t>(flags & 0x3f) | (static_cast<std::uint32_t>(rule) & 3u) << 6 |
         (static_cast<std::uint32_t>(app_flags) & 3u) << 8 | std::min(bytes, kMaxBytes) << 10;
}

void TcpStack::listen(HostIndex host, bool on) { hosts_[host].listening = on; }

void TcpStack::reserve(std::size_t connections) {
  conn_.reserve(connections);
  ep_.reserve(2 * connections);
}

std::uint32_t TcpStack::path_of(Time delay, Time jitter, MiddleboxId middlebox) {
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const Path& p = paths_[i];
    if (p.delay == delay && p.jitter == jitter && p.middlebox == middlebox) return static_cast<std::uint32_t>(i);
  }
  paths_.push_back({delay, jitter, jitter == 0 ? sim_.lane_of(delay) : Simulator::kNoLane, middlebox,
                    jitter != 0 || middlebox != kNoMiddlebox});
  return static_cast<std::uint32_t>(paths_.size() - 1);
}

MiddleboxId TcpStack::add_middlebox(MiddleboxRule rule) {
  assert(middleboxes_.size() < 255);
  middleboxes_.push_back(rule);
  return static_cast<MiddleboxId>(middleboxes_.size());
}

void TcpStack::reset_time_wait_peaks() {
  for (Host& h : hosts_) h.time_wait_peak = h.time_wait;
  time_wait_total_peak_ = time_wait_total_;
}

void TcpStack::set_owner(EndpointId ep, std::uint32_t owner) { ep_[ep].owner = owner; }

EndpointId TcpStack::connect(HostIndex from, HostIndex to, Time delay, Time jitter, Role from_role, Role to_role,
                             std::uint32_t owner, MiddleboxId middlebox) {
  ConnectionId c;
  if (free_head_ != kNoEndpoint) {
    c = free_head_;
    free_head_ = conn_[c].next_free;
  } else {
    c = static_cast<ConnectionId>(conn_.size());
    conn_.emplace_back();
    ep_.resize(ep_.size() + 2);
  }
  Connection& k = conn_[c];
  k.path = path_of(delay, jitter, middlebox);
  k.opened_at = sim_.now();
  ++k.incarnation;
  k.trace_id = 0;
  if (trace_new_) {
    traced_ends_.push_back({from, to, from_role, to_role});
    k.trace_id = static_cast<std::uint32_t>(traced_ends_.size());
  }

  const EndpointId a = 2 * c;
  ep_[a] = Endpoint{};
  ep_[a].host = from;
  ep_[a].role = from_role;
  ep_[a].owner = owner;
  ep_[a].state = TcpState::SynSent;
  ep_[a + 1] = Endpoint{};  // the accepting side exists once the SYN arrives
  ep_[a + 1].host = to;
  ep_[a + 1].role = to_role;
  if (jitter > 0) {
    if (last_arrival_.size() < ep_.size()) last_arrival_.resize(ep_.size(), 0);
    last_arrival_[a] = last_arrival_[a + 1] = 0;
  }
  if (middlebox != kNoMiddlebox) {
    if (last_crossing_.size() < conn_.size()) last_crossing_.resize(conn_.size(), 0);
    last_crossing_[c] = sim_.now();  // the SYN makes the flow's entry
    const MiddleboxRule& box = middleboxes_[middlebox - 1];
    if (box.then == ForgottenFlow::ResetBoth) {
      sim_.schedule(sim_.now() + box.idle_timeout, kTcpMiddleboxExpiry, 2 * c, 0, k.incarnation);
    }
  }

  ++open_;
  ++counters_.connections_opened;
  transmit(a, kSegSyn);
  return a;
}

inline void TcpStack::transmit(EndpointId from, std::uint8_t flags, std::uint32_t bytes, std::uint8_t app_flags,
                               ResetRule rule) {
  const Connection& k = conn_[connection_of(from)];
  const Path& path = paths_[k.path];
  if (path.slow || k.trace_id != 0) [[unlikely]] {
    transmit_slow(from, flags, bytes, app_flags, rule);
    return;
  }
  // Every segment of this delay arrives in sending order: the delay's FIFO lane.
  sim_.schedule_in(path.lane, path.delay, kTcpSegment, peer(from), pack(flags, rule, app_flags, bytes), k.incarnation);
  ++counters_.segments_sent;
  if (flags & kSegFin) ++counters_.fins_sent;
}

void TcpStack::transmit_slow(EndpointId from, std::uint8_t flags, std::uint32_t bytes, std::uint8_t app_flags,
                             ResetRule rule) {
  const Connection& k = conn_[connection_of(from)];
  const Path& path = paths_[k.path];
  if (path.middlebox != kNoMiddlebox && !crosses_middlebox(from, flags)) {
    if (k.trace_id) record(sim_.now(), from, TraceRecord::Sent, flags, rule, Notice::None, AppError::None,
                           ResetFate::Dropped, bytes);
    return;
  }
  if (path.jitter == 0) {
    sim_.schedule_in(path.lane, path.delay, kTcpSegment, peer(from), pack(flags, rule, app_flags, bytes),
                     k.incarnation);
  } else {
    Time at = sim_.now() + path.delay + jitter_rng_.uniform_time(path.jitter);
    at = std::max(at, last_arrival_[from]);  // jitter never reorders one direction of a connection
    last_arrival_[from] = at;
    sim_.schedule(at, kTcpSegment, peer(from), pack(flags, rule, app_flags, bytes), k.incarnation);
  }
  ++counters_.segments_sent;
  if (flags & kSegFin) ++counters_.fins_sent;
  if (k.trace_id) record(sim_.now(), from, TraceRecord::Sent, flags, rule, Notice::None, AppError::None,
                       ResetFate::Dropped, bytes);
}

bool TcpStack::crosses_middlebox(EndpointId from, std::uint8_t flags) {
  const ConnectionId c = connection_of(from);
  const MiddleboxRule& box = middleboxes_[paths_[conn_[c].path].middlebox - 1];
  const Time now = sim_.now();
  Time& last = last_crossing_[c];
  if (last != kForgotten && now - last < box.idle_timeout) {
    last = now;  // a segment in either direction keeps the flow's entry
    return true;
  }
  // The flow was idle for idle_timeout: the middlebox forgot it (docs/model.md, Middleboxes),
  // and every later segment meets the same.
  const bool forgets_now = last != kForgotten;
  if (forgets_now) {
    ++counters_.flows_forgotten;
    last = kForgotten;
  }
  ++counters_.segments_lost_at_middlebox;
  Endpoint& me = ep_[from];
  if (flags & kSegRst) {
    // An RST is never answered (RFC 9293 3.5.2), and it no longer reaches the far end.
    --counters_.rst_in_flight;
    ++counters_.rst_by_fate[static_cast<std::size_t>(ResetFate::Dropped)];
    return false;
  }
  switch (box.then) {
    case ForgottenFlow::Drop:
      // No answer: the sender retransmits what needs an acknowledgement (data, FIN) until
      // tcp_retries2 gives up (Linux tcp_write_timeout); a bare ACK is not retransmitted.
      if ((flags & (kSegData | kSegFin | kSegSyn | kSegSynAck)) && !(me.flags & kRetransmitting) &&
          config_.retransmit_give_up != kNever) {
        me.flags |= kRetransmitting;
        sim_.schedule(now + config_.retransmit_give_up, kTcpRetransmitGiveUp, from, 0, conn_[c].incarnation);
      }
      break;
    case ForgottenFlow::ResetBoth:
      // The box reset both ends when the timer ran out (on_middlebox_expiry); what is still
      // on its way vanishes. Only a segment sent at the very instant the timer runs out, before
      // the timer's event, finds the flow to forget here: then the resets go out now.
      if (forgets_now) {
        const Time delay = paths_[conn_[c].path].delay;
        middlebox_reset(peer(from), box, delay);
        middlebox_reset(from, box, delay);
      }
      break;
    case ForgottenFlow::ResetSender:
      // The box sits half way: the RST reaches the sender one one-way delay after it sent the
      // segment (half there, half back).
      middlebox_reset(from, box, paths_[conn_[c].path].delay);
      break;
  }
  return false;
}

void TcpStack::on_middlebox_expiry(ConnectionId c) {
  Time& last = last_crossing_[c];
  if (last == kForgotten) return;
  const MiddleboxRule& box = middleboxes_[paths_[conn_[c].path].middlebox - 1];
  if (sim_.now() - last < box.idle_timeout) {  // a segment crossed since: look again later
    sim_.schedule(last + box.idle_timeout, kTcpMiddleboxExpiry, 2 * c, 0, conn_[c].incarnation);
    return;
  }
  last = kForgotten;
  // Reset on idle: the box, half way along, sends an RST to each end that still holds the
  // connection (Azure Load Balancer's TCP reset on idle, docs/model.md M3). A connection both
  // ends have closed is simply dropped from its table.
  const auto holds = [this](EndpointId end) {
    return ep_[end].state != TcpState::Closed && ep_[end].state != TcpState::TimeWait;
  };
  const EndpointId a = 2 * c;
  if (!holds(a) && !holds(a + 1)) return;
  ++counters_.flows_forgotten;
  const Time half = paths_[conn_[c].path].delay / 2;
  for (const EndpointId end : {a, a + 1}) {
    if (holds(end)) middlebox_reset(end, box, half);
  }
}

void TcpStack::middlebox_reset(EndpointId to, const MiddleboxRule& box, Time after) {
  ++counters_.rst_sent;
  ++counters_.rst_in_flight;
  ++counters_.rst_by_rule[static_cast<std::size_t>(ResetRule::MiddleboxIdle)];
  ++counters_.rst_from_to[box.role][ep_[to].role];
  const ConnectionId c = connection_of(to);
  sim_.schedule(sim_.now() + after, kTcpMiddleboxReset, to, 0, conn_[c].incarnation);
}

void TcpStack::send_reset(EndpointId from, ResetRule rule) {
  ++counters_.rst_sent;
  ++counters_.rst_in_flight;
  ++counters_.rst_by_rule[static_cast<std::size_t>(rule)];
  ++counters_.rst_from_to[ep_[from].role][ep_[peer(from)].role];
  transmit(from, kSegRst, 0, 0, rule);
}

// --- application calls ---------------------------------------------------------------------

AppError TcpStack::send(EndpointId ep, std::uint32_t bytes, std::uint8_t app_flags, bool with_fin) {
  // The common case first: data alone on an open sending side of an untraced connection on
  // a plain path. Its rare cases leave by tail calls, so that it saves fewer registers.
  const Endpoint& me = ep_[ep];
  assert(!(me.flags & kReleased));
  if (with_fin || me.pending != AppError::None || me.state == TcpState::Closed || (me.flags & kShutWr)) [[unlikely]] {
    return send_checked(ep, bytes, app_flags, with_fin);
  }
  const Connection& k = conn_[connection_of(ep)];
  const Path& path = paths_[k.path];
  if (path.slow || k.trace_id != 0) [[unlikely]] return send_checked(ep, bytes, app_flags, with_fin);
  sim_.schedule_in(path.lane, path.delay, kTcpSegment, peer(ep),
                   pack(kSegData, ResetRule::NoSuchConnection, app_flags, bytes), k.incarnation);
  ++counters_.segments_sent;
  return AppError::None;
}

AppError TcpStack::send_checked(EndpointId ep, std::uint32_t bytes, std::uint8_t app_flags, bool with_fin) {
  Endpoint& me = ep_[ep];
  assert(!(me.flags & kReleased));
  if (me.pending != AppError::None) {
    // LAB-12: after an RST the first call reports the error (ECONNRESET, or EPIPE in
    // CLOSE_WAIT per Linux tcp_reset); later writes report EPIPE.
    const AppError err = take_error(ep);
    return err;
  }
  if (me.state == TcpState::Closed || (me.flags & kShutWr)) {
    ++counters_.app_errors_broken_pipe[me.role];
    return AppError::BrokenPipe;  // writing on a socket whose sending side is shut
  }
  assert(me.state == TcpState::Established || me.state == TcpState::CloseWait);
  // Writing after the peer's FIN (CLOSE_WAIT) succeeds locally: a FIN only means the peer
  // sends no more (RFC 9293 3.6); its host answers the data with RST (DataToOrphan).
  std::uint8_t flags = kSegData;
  if (with_fin) {
    flags |= kSegFin;
    me.flags |= kShutWr;
    me.state = me.state == TcpState::Established ? TcpState::FinWait1 : TcpState::LastAck;
  }
  transmit(ep, flags, bytes, app_flags);
  return AppError::None;
}

AppError TcpStack::take_error(EndpointId ep) {
  Endpoint& me = ep_[ep];
  const AppError err = me.pending;
  me.pending = AppError::None;
  switch (err) {
    case AppError::ConnReset: ++counters_.app_errors_conn_reset[me.role]; break;
    case AppError::BrokenPipe: ++counters_.app_errors_broken_pipe[me.role]; break;
    case AppError::ConnRefused: ++counters_.app_errors_refused[me.role]; break;
    case AppError::TimedOut: ++counters_.app_errors_timed_out[me.role]; break;
    case AppError::None: break;
  }
  return err;
}

std::uint32_t TcpStack::read(EndpointId ep) {
  const std::uint32_t n = ep_[ep].unread;
  ep_[ep].unread = 0;
  return n;
}

void TcpStack::set_linger_zero(EndpointId ep) { ep_[ep].flags |= kLinger0; }

void TcpStack::shutdown_write(EndpointId ep) {
  Endpoint& me = ep_[ep];
  if (me.flags & kShutWr) return;
  if (me.state == TcpState::Established) {
    me.state = TcpState::FinWait1;
  } else if (me.state == TcpState::CloseWait) {
    me.state = TcpState::LastAck;
  } else {
    return;
  }
  me.flags |= kShutWr;
  if (conn_[connection_of(ep)].trace_id) record(sim_.now(), ep, TraceRecord::AppShutdown, 0, ResetRule::NoSuchConnection);
  transmit(ep, kSegFin);
}

void TcpStack::close(EndpointId ep) {
  Endpoint& me = ep_[ep];
  assert(!(me.flags & kReleased));
  const bool traced = conn_[connection_of(ep)].trace_id != 0;
  switch (me.state) {
    case TcpState::Closed:  // already reset, or TIME_WAIT over: just let go
    case TcpState::SynSent:  // abandon the attempt; a late SYN-ACK will meet no socket
      if (traced) record(sim_.now(), ep, TraceRecord::AppClose, 0, ResetRule::NoSuchConnection);
      become_gone(ep);
      return;
    case TcpState::TimeWait:
      me.flags |= kReleased;  // TIME_WAIT runs its course
      if (traced) record(sim_.now(), ep, TraceRecord::AppClose, 0, ResetRule::NoSuchConnection);
      return;
    default:
      break;
  }
  if (me.unread > 0) {
    // RFC 9293 3.6.1 (MAY-1/SHLD-3), RFC 2525 2.17, Linux __tcp_close: close() with received
    // data still unread discards it and sends RST instead of FIN.
    if (traced) record(sim_.now(), ep, TraceRecord::AppAbort, 0, ResetRule::CloseWithUnreadData);
    me.unread = 0;
    send_reset(ep, ResetRule::CloseWithUnreadData);
    become_gone(ep);
    return;
  }
  if (me.flags & kLinger0) {
    // SO_LINGER {on, 0} (HAProxy nolinger / hard close; Linux __tcp_close): abort with RST,
    // no FIN, no TIME_WAIT.
    if (traced) record(sim_.now(), ep, TraceRecord::AppAbort, 0, ResetRule::LingerZero);
    send_reset(ep, ResetRule::LingerZero);
    become_gone(ep);
    return;
  }
  // Orderly close (RFC 9293 3.6): FIN unless already sent; the socket becomes an orphan the
  // kernel finishes on its own.
  me.flags |= kReleased;
  if (!(me.flags & kShutWr)) {
    me.flags |= kShutWr;
    me.state = me.state == TcpState::CloseWait ? TcpState::LastAck : TcpState::FinWait1;
    if (traced) record(sim_.now(), ep, TraceRecord::AppClose, 0, ResetRule::NoSuchConnection);
    transmit(ep, kSegFin);
    return;
  }
  if (traced) record(sim_.now(), ep, TraceRecord::AppClose, 0, ResetRule::NoSuchConnection);
  if (me.state == TcpState::FinWait2 && config_.fin_timeout != kNever) {  // "off": now + kNever would overflow
    sim_.schedule(sim_.now() + config_.fin_timeout, kTcpFinTimeout, ep, 0, conn_[connection_of(ep)].incarnation);
  }
}

// --- segments and timers --------------------------------------------------------------------

Notice TcpStack::handle(const Event& e) {
  const EndpointId ep = e.target;
  const ConnectionId c = connection_of(ep);
  // Nearly every TCP event is a segment: tested first, before the switch's jump table.
  if (e.kind() == kTcpSegment) [[likely]] return on_segment(e);
  switch (e.kind()) {
    case kTcpTimeWaitEnd:
      if (conn_[c].incarnation == e.generation && ep_[ep].state == TcpState::TimeWait) {
        leave_time_wait(ep);
        if (ep_[ep].flags & kReleased) {
          become_gone(ep);
        } else {
          ep_[ep].state = TcpState::Closed;
        }
      }
      return {};
    case kTcpFinTimeout:
      // Linux tcp_fin_timeout: an orphaned FIN_WAIT_2 waits that long for the peer's FIN,
      // then disappears silently; a later segment from the peer meets no socket.
      if (conn_[c].incarnation == e.generation && ep_[ep].state == TcpState::FinWait2 &&
          (ep_[ep].flags & kReleased)) {
        become_gone(ep);
      }
      return {};
    case kTcpRetransmitGiveUp:
      if (conn_[c].incarnation == e.generation && (ep_[ep].flags & kRetransmitting)) return on_retransmit_give_up(ep);
      return {};
    case kTcpMiddleboxReset:
      --counters_.rst_in_flight;
      if (conn_[c].incarnation != e.generation) {
        ++counters_.rst_by_fate[static_cast<std::size_t>(ResetFate::Dropped)];
        return {};
      }
      if (trace_ != nullptr) arrival_mark_ = trace_->size();
      return on_reset(ep, middleboxes_[paths_[conn_[c].path].middlebox - 1].role, ResetRule::MiddleboxIdle);
    case kTcpMiddleboxExpiry:
      if (conn_[c].incarnation == e.generation) on_middlebox_expiry(c);
      return {};
    default:
      assert(false && "not a TCP event");
      return {};
  }
}

Notice TcpStack::on_segment(const Event& e) {
  const EndpointId ep = e.target;
  const ConnectionId c = connection_of(ep);
  const auto flags = static_cast<std::uint8_t>(e.payload & 0x3f);
  const auto app_flags = static_cast<std::uint8_t>((e.payload >> 8) & 3u);
  const std::uint32_t bytes = e.payload >> 10;
  const bool is_rst = flags & kSegRst;
  if (is_rst) --counters_.rst_in_flight;
  if (trace_ != nullptr) arrival_mark_ = trace_->size();

  if (conn_[c].incarnation != e.generation) {
    // Both ends are long gone and the slot was recycled: nobody to answer.
    if (is_rst) ++counters_.rst_by_fate[static_cast<std::size_t>(ResetFate::Dropped)];
    return {};
  }
  Endpoint& me = ep_[ep];
  // The common case, decided as below: data alone for a live socket of an untraced connection.
  if (flags == kSegData && me.state != TcpState::Closed && !(me.flags & kReleased) && conn_[c].trace_id == 0) [[likely]] {
    me.unread += bytes;
    return Notice{.endpoint = ep, .owner = me.owner, .bytes = bytes, .kind = Notice::Data, .app_flags = app_flags};
  }
  if (is_rst) return on_reset(ep, ep_[peer(ep)].role, static_cast<ResetRule>((e.payload >> 6) & 3u));

  if (flags & kSegSyn) {
    if (!hosts_[me.host].listening) {
      // RFC 9293 3.5.2: a SYN to a port with no listener is answered with RST (refused).
      ++counters_.connects_refused;
      me.flags |= kReleased;
      send_reset(ep, ResetRule::NoSuchConnection);
      become_gone(ep);
      return {};
    }
    me.state = TcpState::Established;
    if (paths_[conn_[c].path].jitter > 0) last_arrival_[ep] = sim_.now();
    transmit(ep, kSegSynAck);
    Notice n{.endpoint = ep, .owner = me.owner, .kind = Notice::Accepted};
    if (conn_[c].trace_id) record(sim_.now(), ep, TraceRecord::Arrived, flags, ResetRule::NoSuchConnection, n.kind);
    return n;
  }

  if (me.state == TcpState::Closed) {
    // RFC 9293 3.5.2 "Reset Generation": a segment for a connection that does not exist
    // (the socket is gone, or was aborted) is answered with RST.
    if (conn_[c].trace_id) record(sim_.now(), ep, TraceRecord::Arrived, flags, ResetRule::NoSuchConnection);
    send_reset(ep, ResetRule::NoSuchConnection);
    return {};
  }

  Notice n;
  if (flags & kSegSynAck) {
    if (me.state == TcpState::SynSent) {
      me.state = TcpState::Established;
      n = Notice{.endpoint = ep, .owner = me.owner, .kind = Notice::Connected};
    }
  } else if (flags & kSegAck) {
    on_fin_ack(ep);
  } else {
    n = on_data_or_fin(ep, flags, bytes, app_flags);
  }
  if (conn_[c].trace_id) record(sim_.now(), ep, TraceRecord::Arrived, flags, ResetRule::NoSuchConnection, n.kind,
                              AppError::None, ResetFate::Dropped, bytes);
  return n;
}

Notice TcpStack::on_data_or_fin(EndpointId ep, std::uint8_t flags, std::uint32_t bytes, std::uint8_t app_flags) {
  Endpoint& me = ep_[ep];
  Notice n;
  if (flags & kSegData) {
    if (me.flags & kReleased) {
      // RFC 1122 4.2.2.13, RFC 9293 3.6.1, Linux tcp_rcv_state_process (TCPAbortOnData):
      // data for a socket the application has closed is answered with RST and the socket
      // is destroyed.
      if (me.state == TcpState::TimeWait) leave_time_wait(ep);
      send_reset(ep, ResetRule::DataToOrphan);
      become_gone(ep);
      return {};
    }
    me.unread += bytes;
    n = Notice{.endpoint = ep, .owner = me.owner, .bytes = bytes, .kind = Notice::Data, .app_flags = app_flags};
  }
  if (flags & kSegFin) {
    me.flags |= kRead0;
    switch (me.state) {
      case TcpState::Established: me.state = TcpState::CloseWait; break;
      case TcpState::FinWait1: me.state = TcpState::Closing; break;  // simultaneous close (RFC 9293 fig. 13)
      case TcpState::FinWait2: enter_time_wait(ep); break;
      default: break;
    }
    transmit(ep, kSegAck);
    if (me.flags & kReleased) return {};
    if (n.kind == Notice::Data) {
      n.eof = true;
    } else {
      n = Notice{.endpoint = ep, .owner = me.owner, .kind = Notice::Eof};
    }
  }
  return n;
}

void TcpStack::on_fin_ack(EndpointId ep) {
  Endpoint& me = ep_[ep];
  switch (me.state) {
    case TcpState::FinWait1:
      me.state = TcpState::FinWait2;
      if ((me.flags & kReleased) && config_.fin_timeout != kNever) {  // "off": now + kNever would overflow
        sim_.schedule(sim_.now() + config_.fin_timeout, kTcpFinTimeout, ep, 0, conn_[connection_of(ep)].incarnation);
      }
      break;
    case TcpState::Closing:
      enter_time_wait(ep);
      break;
    case TcpState::LastAck:
      if (me.flags & kReleased) {
        become_gone(ep);
      } else {
        me.state = TcpState::Closed;
      }
      break;
    default:
      break;
  }
}

Notice TcpStack::on_reset(EndpointId ep, Role sender_role, ResetRule rule) {
  Endpoint& me = ep_[ep];
  ResetFate fate;
  Notice n;
  if (me.state == TcpState::Closed || me.state == TcpState::TimeWait) {
    fate = ResetFate::Dropped;  // an RST is never answered (RFC 9293 3.5.2)
  } else if (me.flags & kReleased) {
    // RFC 9293 3.5.3: the connection is aborted; the application closed its socket already,
    // so nobody is told (the Netty close-after-write window, docs/sources.md §10).
    fate = ResetFate::AbsorbedByKernel;
    become_gone(ep);
  } else {
    // Linux tcp_reset: SYN_SENT -> ECONNREFUSED, CLOSE_WAIT -> EPIPE, otherwise ECONNRESET.
    const AppError err = me.state == TcpState::SynSent    ? AppError::ConnRefused
                         : me.state == TcpState::CloseWait ? AppError::BrokenPipe
                                                           : AppError::ConnReset;
    me.state = TcpState::Closed;
    me.pending = err;
    me.unread = 0;
    fate = ResetFate::SeenByApp;
    ++counters_.rst_seen_from_to[sender_role][me.role];
    n = Notice{.endpoint = ep, .owner = me.owner, .kind = err == AppError::ConnRefused ? Notice::ConnectFailed : Notice::Reset};
    n.error = err;
  }
  ++counters_.rst_by_fate[static_cast<std::size_t>(fate)];
  if (conn_[connection_of(ep)].trace_id) {
    record(sim_.now(), ep, TraceRecord::Arrived, kSegRst, rule, n.kind, n.error, fate);
  }
  return n;
}

Notice TcpStack::on_retransmit_give_up(EndpointId ep) {
  // Linux tcp_write_timeout -> tcp_write_err: after tcp_retries2 unanswered retransmissions
  // the connection is done and the socket reports ETIMEDOUT; no segment goes out. An
  // orphaned socket just disappears (its limit, tcp_orphan_retries, is shorter; not modelled).
  Endpoint& me = ep_[ep];
  me.flags &= static_cast<std::uint8_t>(~kRetransmitting);
  if (me.state == TcpState::Closed || me.state == TcpState::TimeWait) return {};  // it ended otherwise
  if (me.flags & kReleased) {
    become_gone(ep);
    return {};
  }
  me.state = TcpState::Closed;
  me.pending = AppError::TimedOut;
  me.unread = 0;
  Notice n{.endpoint = ep, .owner = me.owner, .kind = Notice::Reset};
  n.error = AppError::TimedOut;
  return n;
}

void TcpStack::enter_time_wait(EndpointId ep) {
  // RFC 9293 3.6.1 (MUST-13): the side that closes first holds the connection for 2 MSL;
  // Linux fixes it at 60 s. Counted per host: it ties up an ephemeral port.
  ep_[ep].state = TcpState::TimeWait;
  Host& h = hosts_[ep_[ep].host];
  h.time_wait_peak = std::max(h.time_wait_peak, ++h.time_wait);
  time_wait_total_peak_ = std::max(time_wait_total_peak_, ++time_wait_total_);
  ++counters_.time_wait_entered;
  if (config_.time_wait == kNever) return;  // "off": it stays (now + kNever would overflow)
  sim_.schedule(sim_.now() + config_.time_wait, kTcpTimeWaitEnd, ep, 0, conn_[connection_of(ep)].incarnation);
}

void TcpStack::leave_time_wait(EndpointId ep) {
  --hosts_[ep_[ep].host].time_wait;
  --time_wait_total_;
}

void TcpStack::become_gone(EndpointId ep) {
  ep_[ep].state = TcpState::Closed;
  ep_[ep].flags |= kReleased;
  const EndpointId other = peer(ep);
  if (ep_[other].state == TcpState::Closed && (ep_[other].flags & kReleased)) {
    const ConnectionId c = connection_of(ep);
    conn_[c].next_free = free_head_;
    free_head_ = c;
    --open_;
    ++counters_.connections_closed;
  }
}

void TcpStack::record(Time at, EndpointId ep, TraceRecord::What what, std::uint8_t flags, ResetRule rule,
                      Notice::Kind notice, AppError error, ResetFate fate, std::uint32_t bytes) {
  if (trace_ == nullptr) return;
  TraceRecord r;
  r.what = what;
  r.at = at;
  r.connection = conn_[connection_of(ep)].trace_id;
  r.side = static_cast<std::uint8_t>(ep & 1u);
  r.what = what;
  r.flags = flags;
  r.rule = rule;
  r.state_after = ep_[ep].state;
  r.notice = notice;
  r.error = error;
  r.fate = fate;
  r.bytes = bytes;
  if (what == TraceRecord::Arrived && arrival_mark_ <= trace_->size()) {
    // The arrival is logged before whatever the stack sent in reaction to it.
    trace_->insert(trace_->begin() + static_cast<std::ptrdiff_t>(arrival_mark_), r);
  } else {
    trace_->push_back(r);
  }
}

std::string_view to_string(TcpState s) {
  switch (s) {
    case TcpState::Closed: return "CLOSED";
    case TcpState::SynSent: return "SYN_SENT";
    case TcpState::Established: return "ESTABLISHED";
    case TcpState::FinWait1: return "FIN_WAIT_1";
    case TcpState::FinWait2: return "FIN_WAIT_2";
    case TcpState::Closing: return "CLOSING";
    case TcpState::TimeWait: return "TIME_WAIT";
    case TcpState::CloseWait: return "CLOSE_WAIT";
    case TcpState::LastAck: return "LAST_ACK";
  }
  return "?";
}

std::string_view to_string(AppError e) {
  switch (e) {
    case AppError::None: return "none";
    case AppError::ConnReset: return "ECONNRESET";
    case AppError::BrokenPipe: return "EPIPE";
    case AppError::ConnRefused: return "ECONNREFUSED";
    case AppError::TimedOut: return "ETIMEDOUT";
  }
  return "?";
}

std::string_view to_string(ResetRule r) {
  switch (r) {
    case ResetRule::CloseWithUnreadData: return "close-with-unread-data";
    case ResetRule::LingerZero: return "linger-zero";
    case ResetRule::DataToOrphan: return "data-to-orphan";
    case ResetRule::NoSuchConnection: return "no-such-connection";
    case ResetRule::MiddleboxIdle: return "middlebox-idle";
  }
  return "?";
}

std::string_view to_string(ResetFate f) {
  switch (f) {
    case ResetFate::SeenByApp: return "seen-by-app";
    case ResetFate::AbsorbedByKernel: return "absorbed-by-kernel";
    case ResetFate::Dropped: return "dropped";
  }
  return "?";
}

}  // namespace teardown
