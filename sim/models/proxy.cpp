// Sessions and requests: what the proxy does with each client connection and each
// request, per connection mode (docs/model.md section 2).
#include "proxy.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "free_list.hpp"
#include "world.hpp"

namespace teardown::models {

Proxy::Proxy(const Scenario& sc, std::uint32_t instance)
    : sc_(sc),
      instance_(instance),
      tag_(instance << kInstanceShift),
      index_mask_(sc.proxy.instances > 1 ? kIndexMask : ~0u),
      traits_(resolve_proxy(sc.proxy)),
      // Instance 0's stream is the one a single proxy always had.
      balance_rng_(sc.sim.seed, 0xba1a + (std::uint64_t{instance} << 32), StreamPurpose::Balance) {
  const auto& weights = sc.backends.weights;
  servers_.resize(static_cast<std::size_t>(sc.backends.servers));
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    servers_[i].weight = weights.empty() ? 1 : weights[i];
    servers_[i].effective_weight = servers_[i].weight;
    servers_[i].maxconn = sc.backends.maxconn;
    servers_[i].eweight = static_cast<std::uint32_t>(servers_[i].weight) * Fwrr::kScale;
  }
  std::vector<std::uint32_t> eweights;
  for (const Server& srv : servers_) eweights.push_back(srv.eweight);
  fwrr_.init(eweights);
  static_rr_.resize(servers_.size());
  for (const Server& srv : servers_) configured_weights_.push_back(srv.weight);
  if (sc.proxy.balance == Balance::Random) random_ring_ = balance::ChashRing(configured_weights_);
  candidates_.reserve(servers_.size());
  if (sc.proxy.balance == Balance::LeastConn) least_loaded_.init(static_cast<std::uint32_t>(servers_.size()));
  update_uniform();
}

void Proxy::start(World& w) {
  host_ = w.hosts.proxy(instance_);
  processing_lane_ = w.sim.lane_of(sc_.proxy.processing_time);
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    servers_[i].host = w.hosts.backend(static_cast<int>(i));
    // Checks of different servers do not run in lock step.
    w.sim.schedule(balance_rng_.uniform_time(sc_.backends.health_check.interval), kHealthCheck,
                   tagged(static_cast<std::uint32_t>(i)));
  }
}

std::uint32_t Proxy::new_session_slot() {
  return checked_index(take_slot<&Session::next_free>(sessions_, free_sessions_));
}

std::uint32_t Proxy::checked_index(std::uint32_t index) const {
  if (index > index_mask_) {
    throw std::length_error("proxy instance " + std::to_string(instance_) + " needs more than " +
                            std::to_string(kIndexMask + 1) + " sessions or connections at once");
  }
  return index;
}

// ---- client side -------------------------------------------------------------------------

void Proxy::on_front_notice(World& w, const Notice& n) {
  if (n.kind == Notice::Accepted) {
    accept(w, n.endpoint);
    return;
  }
  const std::uint32_t s = n.owner;
  Session& ss = sessions_[s];
  if (ss.state == Session::Free || ss.front != n.endpoint) return;
  switch (n.kind) {
    case Notice::Data:
      if (ss.state == Session::WaitRequest || ss.state == Session::Tunnel) {
        // The request sits in the socket until the event loop gets to it: if the idle
        // timeout fires first, close() finds it unread and resets (docs/model.md T5).
        if (ss.state == Session::WaitRequest) ss.state = Session::Reading;
        w.sim.schedule_in(processing_lane_, sc_.proxy.processing_time, kProxyRequestReady, tagged(s), 0, ss.generation);
      }
      if (n.eof) {
        ss.client_shut = true;
        if (ss.state == Session::Tunnel) tunnel_relay_shutdown(w, s);
      }
      return;
    case Notice::Eof:
      ss.client_shut = true;
      if (ss.state == Session::Tunnel || traits_.mode == ConnMode::Tcp) {
        tunnel_relay_shutdown(w, s);
      } else if (ss.state == Session::WaitRequest || ss.state == Session::Backlog || ss.state == Session::Queued ||
                 ss.state == Session::Reading || sc_.proxy.abortonclose) {
        client_left(w, s);
      }
      // Otherwise (request at the server, no abortonclose) the response is still
      // forwarded, into a socket the client closed (LAB-10).
      return;
    case Notice::Reset:
      w.tcp.take_error(ss.front);
      client_left(w, s);
      return;
    default:
      return;
  }
}

void Proxy::accept(World& w, EndpointId front) {
  const std::uint32_t s = new_session_slot();
  Session& ss = sessions_[s];
  const std::uint32_t generation = ss.generation;
  const LazyDeadline idle = ss.idle;
  ss = Session{};
  ss.generation = generation;
  ss.idle.wake_at = idle.wake_at;  // its pending wake-up serves on (LazyDeadline: reuse)
  ss.front = front;
  w.tcp.set_owner(front, s);
  if (active_sessions_ >= sc_.proxy.maxconn) {
    // Beyond the frontend's maxconn the kernel has accepted the connection but the proxy
    // does not serve it until a slot frees.
    ss.state = Session::Backlog;
    backlog_.push_back(s);
    return;
  }
  start_session(w, s);
}

void Proxy::start_session(World& w, std::uint32_t s) {
  ++active_sessions_;
  Session& ss = sessions_[s];
  ss.state = Session::WaitRequest;
  if (traits_.mode == ConnMode::Tcp) {
    // TCP mode balances once per connection, at accept (CFG "balance"; LAB-11).
    ss.state = Session::Connecting;
    ss.retries_left = static_cast<std::uint8_t>(sc_.proxy.retries);
    route(w, s);
    return;
  }
  ss.idle.set_after(w.sim, traits_.first_request_timeout, kProxyIdle, tagged(s));
  if (w.tcp.unread(ss.front) > 0) {
    ss.state = Session::Reading;
    w.sim.schedule_in(processing_lane_, sc_.proxy.processing_time, kProxyRequestReady, tagged(s), 0, ss.generation);
  }
}

void Proxy::on_request_ready(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  if (ss.state == Session::Tunnel) {
    // A tunnel forwards whatever comes, to the server chosen for the first request.
    if (w.tcp.read(ss.front) == 0) return;
    ServerConn& k = conns_[ss.srv_conn];
    w.rec.server_request(w.sim.now(), static_cast<int>(k.server), instance_);
    w.tcp.send(k.back, static_cast<std::uint32_t>(sc_.clients.request_size));
    ss.idle.set_after(w.sim, traits_.tunnel_timeout, kProxyIdle, tagged(s));
    return;
  }
  if (ss.state != Session::Reading) return;
  w.tcp.read(ss.front);
  ss.idle.clear();
  ss.retries_left = static_cast<std::uint8_t>(sc_.proxy.retries);
  ss.force_new = false;
  route(w, s);
}

// Chooses the server and the connection for the session's current request.
void Proxy::route(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  std::uint32_t server = kNone;
  const bool private_kal = traits_.mode == ConnMode::KeepAlive && !traits_.pooled;
  if (private_kal && sc_.proxy.prefer_last_server) {
    // prefer-last-server: keep the request on a server whose connection this session still
    // holds, without balancing (CFG1.5 "option prefer-last-server"; LAB-11). 2.x walks the
    // session's servers in the order it first used them and takes the first usable one
    // (SRC v2.6.0:src/backend.c assign_server).
    for (std::uint32_t c = ss.srv_conn; c != kNone; c = conns_[c].next_own) {
      const std::uint32_t last = conns_[c].server;
      if (conns_[c].state == ServerConn::Attached && servers_[last].up && has_slot(servers_[last])) {
        server = last;
        break;
      }
    }
  }
  if (ss.retry_server != kNone && !ss.redispatching) {
    server = ss.retry_server;  // a retry without redispatch: the same server, no balancing
    ss.retry_server = kNone;
  }
  if (server == kNone) server = balance(w, s);
  if (server == kNone) {
    bool any_up = false;
    for (const Server& srv : servers_) any_up = any_up || srv.up;
    if (!any_up) {
      answer_error(w, s);  // 503: no server available
      return;
    }
    // Every usable server is at its maxconn: wait in the backend queue (CFG "maxconn").
    ss.state = Session::Queued;
    queue_.push_back(s);
    // The payload names this wait: a timer left from an earlier wait of the session is stale.
    ++ss.epoch;
    if (traits_.queue_timeout != kNever) {  // "off" (no timeout queue nor connect): wait for ever
      w.sim.schedule(w.sim.now() + traits_.queue_timeout, kProxyQueueTimeout, tagged(s), ss.epoch, ss.generation);
    }
    return;
  }
  assign(s, server);

  std::uint32_t c = kNone;
  if (keeps_own_conns()) {
    // The session's own idle connection to that server, if it has one (session_get_conn);
    // its connections to other servers stay open, idle (SRC v2.6.0:src/backend.c
    // connect_server).
    if (!ss.force_new) c = own_conn_to(s, server);
  } else if (ss.srv_conn != kNone) {
    ServerConn& old = conns_[ss.srv_conn];
    if (old.server == server && old.state == ServerConn::Attached && !ss.force_new) {
      c = ss.srv_conn;
    } else {
      // 1.5-1.8 keep-alive: a request balanced elsewhere closes the idle server connection
      // at once (CFG1.5 "option http-keep-alive"); the close is hard (LAB-11).
      close_server(w, ss.srv_conn, traits_.server_switch);
      ss.srv_conn = kNone;
    }
  }
  if (c == kNone && traits_.pooled && !ss.force_new) c = take_pooled(server, !ss.requests_done);
  if (c != kNone) {
    if (!keeps_own_conns()) add_own_conn(s, c);
    conns_[c].session = s;
    send_request(w, s, c);
    return;
  }
  ss.state = Session::Connecting;
  add_own_conn(s, open_server_conn(w, s, server));
}

void Proxy::send_request(World& w, std::uint32_t s, std::uint32_t c) {
  Session& ss = sessions_[s];
  ServerConn& k = conns_[c];
  const bool close_to_server =
      (traits_.mode == ConnMode::ServerClose || traits_.mode == ConnMode::Close) && !traits_.pretend_keepalive;
  set_conn_state(c, ServerConn::Busy);
  k.response_in = false;
  k.server_close = false;
  ++k.requests;
  ss.state = Session::WaitResponse;
  w.rec.server_request(w.sim.now(), static_cast<int>(k.server), instance_);
  w.tcp.send(k.back, static_cast<std::uint32_t>(sc_.clients.request_size), close_to_server ? kMsgClose : 0);
  if (sc_.proxy.timeout.server != kNever) {
    k.server_timeout.set_after(w.sim, sc_.proxy.timeout.server, kProxyServerTimeout, tagged(c));
  }
}

// ---- server side ---------------------------------------------------------------------------

void Proxy::on_back_notice(World& w, const Notice& n) {
  const std::uint32_t c = n.owner;
  ServerConn& k = conns_[c];
  if (k.state == ServerConn::Free || k.back != n.endpoint) return;
  switch (n.kind) {
    case Notice::Connected: {
      if (k.state != ServerConn::Connecting) return;
      k.connect_timeout.clear();
      const std::uint32_t s = k.session;
      if (s == kNone) {  // the client left while we were connecting
        close_server(w, c, traits_.client_leave_server);
        return;
      }
      if (traits_.mode == ConnMode::Tcp) {
        set_conn_state(c, ServerConn::Tunnel);
        sessions_[s].state = Session::Tunnel;
        sessions_[s].idle.set_after(w.sim, traits_.tunnel_timeout, kProxyIdle, tagged(s));
        if (w.tcp.unread(sessions_[s].front) > 0) {
          w.sim.schedule_in(processing_lane_, sc_.proxy.processing_time, kProxyRequestReady, tagged(s), 0,
                            sessions_[s].generation);
        }
        return;
      }
      send_request(w, s, c);
      return;
    }
    case Notice::ConnectFailed: {
      w.tcp.take_error(k.back);
      const std::uint32_t s = k.session;
      if (s != kNone) drop_own_conn(s, c);
      forget_server_conn(w, c, false);
      w.tcp.close(k.back);
      if (s != kNone) {
        unassign(w, s);
        retry_or_fail(w, s);
      }
      return;
    }
    case Notice::Data:
      if (k.state == ServerConn::Busy || k.state == ServerConn::Tunnel) {
        k.response_in = true;
        k.server_close = (n.app_flags & kMsgClose) != 0;
        w.sim.schedule_in(processing_lane_, sc_.proxy.processing_time, kProxyResponseReady, tagged(c), 0, k.generation);
      } else {
        w.tcp.read(k.back);
      }
      if (n.eof && k.state == ServerConn::Tunnel && k.session != kNone) {
        sessions_[k.session].server_shut = true;
      }
      return;
    case Notice::Eof:
      switch (k.state) {
        case ServerConn::Pooled:
        case ServerConn::Attached:
          // The server closed an idle connection first: close ours with a FIN (LAB-6).
          if (k.state == ServerConn::Attached && k.session != kNone) drop_own_conn(k.session, c);
          close_server(w, c, CloseHow::Fin);
          return;
        case ServerConn::Busy:
          if (!k.response_in) server_failed(w, c, /*timeout=*/false);
          return;  // else: the response is being handled; its close will see this FIN
        case ServerConn::Tunnel:
          if (k.session != kNone) {
            sessions_[k.session].server_shut = true;
            tunnel_relay_shutdown(w, k.session);
          }
          return;
        default:
          return;
      }
    case Notice::Reset:
      w.tcp.take_error(k.back);
      switch (k.state) {
        case ServerConn::Busy:
          if (!k.response_in) {
            server_failed(w, c, false);
            return;
          }
          return;
        case ServerConn::Tunnel: {
          // Modern versions mirror an abort: an error on one side resets the other (GH#1505).
          const std::uint32_t s = k.session;
          close_server(w, c, CloseHow::Fin);
          if (s != kNone) {
            sessions_[s].srv_conn = kNone;
            close_client(w, s, CloseHow::Rst);
            end_session(w, s);
          }
          return;
        }
        default:
          if (k.state == ServerConn::Attached && k.session != kNone) drop_own_conn(k.session, c);
          close_server(w, c, CloseHow::Fin);
          return;
      }
    default:
      return;
  }
}

void Proxy::on_response_ready(World& w, std::uint32_t c) {
  ServerConn& k = conns_[c];
  const std::uint32_t s = k.session;
  w.tcp.read(k.back);
  if (s == kNone) {
    close_server(w, c, traits_.client_leave_server);
    return;
  }
  Session& ss = sessions_[s];
  k.server_timeout.clear();
  if (k.state == ServerConn::Tunnel) {
    w.tcp.send(ss.front, static_cast<std::uint32_t>(sc_.clients.response_size), 0,
               /*with_fin=*/ss.server_shut && !ss.client_shut);
    return;
  }
  const bool close_client_after = traits_.mode == ConnMode::Close;
  if (w.tcp.state(ss.front) == TcpState::Established || w.tcp.state(ss.front) == TcpState::CloseWait) {
    w.tcp.send(ss.front, static_cast<std::uint32_t>(sc_.clients.response_size), close_client_after ? kMsgClose : 0,
               /*with_fin=*/close_client_after);
  }
  // unassign() may route queued sessions and so open server connections: conns_ may
  // have moved, and k with it.
  unassign(w, s);
  ss.requests_done = true;

  // End of the transaction on the server side, per mode (section 1.2).
  if (traits_.mode == ConnMode::Tunnel) {
    // The first request was parsed; from now on bytes are forwarded to this server.
    set_conn_state(c, ServerConn::Tunnel);
    ss.state = Session::Tunnel;
    assign(s, conns_[c].server);
    ss.idle.set_after(w.sim, traits_.tunnel_timeout, kProxyIdle, tagged(s));
    return;
  }
  const bool server_will_close = conns_[c].server_close || w.tcp.peer_fin_seen(conns_[c].back);
  if (traits_.mode == ConnMode::ServerClose || traits_.mode == ConnMode::Close || server_will_close) {
    drop_own_conn(s, c);
    close_server(w, c, traits_.server_end);
  } else if (traits_.pooled) {
    drop_own_conn(s, c);
    release_to_pool(w, c);
  } else {
    set_conn_state(c, ServerConn::Attached);
    if (keeps_own_conns()) {
      // A session keeps at most max-session-srv-conns (5) idle connections; beyond, the one
      // just released is destroyed (SRC v2.6.0 include/haproxy/session.h
      // session_check_idle_conn; MAX_SRV_LIST in session-t.h).
      int others = 0;
      for (std::uint32_t o = ss.srv_conn; o != kNone; o = conns_[o].next_own) {
        others += o != c && conns_[o].state == ServerConn::Attached;
      }
      if (others >= kMaxSessionIdleConns) {
        drop_own_conn(s, c);
        close_server(w, c, traits_.client_leave_server);
      }
    }
  }
  drain_queue(w);

  if (close_client_after) {
    // httpclose: the response went out with our FIN; the client closes its side.
    close_client(w, s, CloseHow::Fin);
    end_session(w, s);
    return;
  }
  if (ss.client_shut) {
    close_client(w, s, CloseHow::Fin);
    close_own_conns(w, s, traits_.client_leave_server);
    end_session(w, s);
    return;
  }
  wait_next_request(w, s);
}

void Proxy::wait_next_request(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  ss.state = Session::WaitRequest;
  // The keep-alive timer starts when the response has been sent (CFGHEAD "timeout
  // http-keep-alive"); unset, it falls back to http-request, then client (section 2).
  ss.idle.set_after(w.sim, traits_.keep_alive_timeout, kProxyIdle, tagged(s));
}

// The server connection failed before any response byte (EOF, RST or timeout).
void Proxy::server_failed(World& w, std::uint32_t c, bool timeout) {
  ServerConn& k = conns_[c];
  const std::uint32_t s = k.session;
  const bool reused = k.requests > 1;
  if (s != kNone) drop_own_conn(s, c);
  close_server(w, c, timeout ? CloseHow::Rst : CloseHow::Fin);
  if (s == kNone) return;
  Session& ss = sessions_[s];
  unassign(w, s);
  const RetryOnSet& retry_on = sc_.proxy.retry_on;
  const bool retry = timeout ? retry_on.contains(RetryOn::ResponseTimeout) : retry_on.contains(RetryOn::EmptyResponse);
  if (retry && ss.retries_left > 0) {
    // retry-on: the request is sent again on a new connection (CFGHEAD "retry-on"; LAB-7).
    --ss.retries_left;
    ss.force_new = true;
    route(w, s);
    return;
  }
  if (!timeout && reused) {
    // A request that fails on a reused server connection before any response byte: the
    // client connection is closed with no response, so that the client retries (since
    // 1.5-dev20, abort_keep_alive; LAB-7).
    close_client(w, s, CloseHow::Fin);
    end_session(w, s);
    return;
  }
  answer_error(w, s);  // 502 (or 504 on timeout)
}

void Proxy::answer_error(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  if (w.tcp.state(ss.front) == TcpState::Established || w.tcp.state(ss.front) == TcpState::CloseWait) {
    w.tcp.send(ss.front, 256, kMsgError | kMsgClose, /*with_fin=*/true);
  }
  close_client(w, s, CloseHow::Fin);
  close_own_conns(w, s, traits_.client_leave_server);
  end_session(w, s);
}

void Proxy::retry_or_fail(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  if (ss.retries_left == 0 || !sc_.proxy.retry_on.contains(RetryOn::ConnFailure)) {
    answer_error(w, s);  // 503
    return;
  }
  --ss.retries_left;
  // A failed connect is retried on the same server after min(timeout connect, 1 s), even
  // if checks have marked it down meanwhile; with redispatch, the last retry (or one whose
  // server is down) goes elsewhere at once (CFGHEAD "retries", "option redispatch";
  // seen on HAProxy 2.6 in docs/validation.md, backend restarts).
  ss.state = Session::Connecting;
  const Time pause = redispatch_next(ss) ? 0 : traits_.retry_pause;
  w.sim.schedule(w.sim.now() + pause, kProxyRetry, tagged(s), ++ss.epoch, ss.generation);
}

bool Proxy::redispatch_next(const Session& ss) const {
  return sc_.proxy.redispatch && ss.server != kNone && (ss.retries_left == 0 || !servers_[ss.server].up);
}

void Proxy::client_left(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  if (ss.state == Session::Queued) {
    for (std::size_t i = 0; i < queue_.size(); ++i) {
      if (queue_[i] == s) {
        queue_.erase(i);
        break;
      }
    }
  }
  // With abortonclose a request already at the server is aborted hard (commit 8615c2af6,
  // LAB-10); an idle private connection goes when its client goes (LAB-4).
  close_own_conns(w, s, traits_.client_leave_server);
  unassign(w, s);
  close_client(w, s, CloseHow::Fin);
  end_session(w, s);
}

void Proxy::tunnel_relay_shutdown(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  // tunnel and tcp modes relay a shutdown as a shutdown (commit a48c141f4; LAB-4).
  if (ss.srv_conn != kNone) {
    ServerConn& k = conns_[ss.srv_conn];
    if (ss.client_shut && k.state != ServerConn::Connecting) w.tcp.shutdown_write(k.back);
    if (ss.server_shut) w.tcp.shutdown_write(ss.front);
  } else if (ss.client_shut) {
    client_left(w, s);
    return;
  }
  if (ss.client_shut && ss.server_shut) {
    if (ss.srv_conn != kNone) close_server(w, ss.srv_conn, CloseHow::Fin);
    ss.srv_conn = kNone;
    unassign(w, s);
    close_client(w, s, CloseHow::Fin);
    end_session(w, s);
    return;
  }
  // One direction is shut: client-fin / server-fin govern the rest (section 2).
  const ProxyTimeouts& to = sc_.proxy.timeout;
  const Time fin = ss.client_shut ? (to.client_fin != kNever ? to.client_fin : traits_.tunnel_timeout)
                                   : (to.server_fin != kNever ? to.server_fin : traits_.tunnel_timeout);
  ss.idle.set_after(w.sim, fin, kProxyIdle, tagged(s));
}

void Proxy::on_idle_timeout(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  switch (ss.state) {
    case Session::WaitRequest:
    case Session::Reading:
      // The keep-alive (or http-request) timeout: the client connection is closed without a
      // response (LAB-5); a request that landed unread makes that close an RST (T5).
      close_own_conns(w, s, traits_.client_leave_server);
      close_client(w, s, traits_.client_idle);
      end_session(w, s);
      return;
    case Session::Tunnel:
      if (ss.srv_conn != kNone) close_server(w, ss.srv_conn, traits_.server_end);
      ss.srv_conn = kNone;
      unassign(w, s);
      close_client(w, s, traits_.client_idle);
      end_session(w, s);
      return;
    default:
      return;
  }
}

void Proxy::end_session(World& w, std::uint32_t s) {
  unassign(w, s);
  Session& ss = sessions_[s];
  if (ss.state != Session::Backlog) --active_sessions_;
  ss.state = Session::Free;
  ss.idle.clear();
  ++ss.generation;
  give_back_slot<&Session::next_free>(sessions_, free_sessions_, s);
  while (!backlog_.empty() && active_sessions_ < sc_.proxy.maxconn) {
    const std::uint32_t next = backlog_.front();
    backlog_.pop_front();
    if (sessions_[next].state == Session::Backlog) start_session(w, next);
  }
}

void Proxy::on_event(World& w, const Event& e) {
  // The entity's index; `e` keeps the tagged target for LazyDeadline::on_wake to re-arm with.
  const std::uint32_t t = e.target & index_mask_;
  switch (e.kind()) {
    case kProxyRequestReady:
      if (sessions_[t].generation == e.generation) on_request_ready(w, t);
      return;
    case kProxyResponseReady:
      if (conns_[t].generation == e.generation && conns_[t].response_in) {
        conns_[t].response_in = false;
        on_response_ready(w, t);
      }
      return;
    case kProxyIdle: {
      Session& ss = sessions_[t];
      if (ss.idle.on_wake(w.sim, e) && ss.state != Session::Free) on_idle_timeout(w, t);
      return;
    }
    case kProxyServerTimeout: {
      ServerConn& k = conns_[t];
      if (k.server_timeout.on_wake(w.sim, e) && k.state == ServerConn::Busy && !k.response_in) {
        server_failed(w, t, /*timeout=*/true);
      }
      return;
    }
    case kProxyConnectTimeout: {
      ServerConn& k = conns_[t];
      if (k.connect_timeout.on_wake(w.sim, e) && k.state == ServerConn::Connecting) {
        const std::uint32_t s = k.session;
        if (s != kNone) drop_own_conn(s, t);
        close_server(w, t, CloseHow::Rst);
        if (s != kNone) {
          unassign(w, s);
          retry_or_fail(w, s);
        }
      }
      return;
    }
    case kProxyRetry: {
      Session& ss = sessions_[t];
      if (ss.generation != e.generation || ss.epoch != e.payload || ss.state != Session::Connecting) return;
      ss.retry_server = ss.server;
      ss.redispatching = redispatch_next(ss);
      route(w, t);
      return;
    }
    case kProxyLingerAbort: {
      // nolinger after a FIN: the socket is closed with SO_LINGER 0 right after (LAB-E2E).
      const EndpointId front = e.target;
      if (w.tcp.incarnation(front) == e.generation && !w.tcp.released(front)) w.tcp.abort(front);
      return;
    }
    case kProxyQueueTimeout: {
      Session& ss = sessions_[t];
      if (ss.generation == e.generation && ss.epoch == e.payload && ss.state == Session::Queued) {
        for (std::size_t i = 0; i < queue_.size(); ++i) {
          if (queue_[i] == t) {
            queue_.erase(i);
            break;
          }
        }
        answer_error(w, t);  // 503 after timeout queue
      }
      return;
    }
    case kProxyPurge:
      purge(w, t);
      return;
    case kHealthCheck:
      health_check(w, t);
      return;
    default:
      return;
  }
}

}  // namespace teardown::models
