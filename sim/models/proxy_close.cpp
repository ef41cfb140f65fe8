// How the proxy closes each side. Sources: docs/sources.md §4 ("linger risk"),
// §6 ("option nolinger") and LAB-E2E.
#include "free_list.hpp"
#include "proxy.hpp"
#include "world.hpp"

namespace teardown::models {

void Proxy::forget_server_conn(World& w, std::uint32_t c, bool hard) {
  ServerConn& k = conns_[c];
  Server& srv = servers_[k.server];
  if (k.state == ServerConn::Pooled) {
    Ring<std::uint32_t>& list = k.requests >= 2 ? srv.safe : srv.idle;
    // The purge and the lookups take the oldest, at the front.
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (list[i] == c) {
        list.erase(i);
        break;
      }
    }
  }
  set_conn_state(c, ServerConn::Free);
  w.rec.server_connection_closed(w.sim.now(), static_cast<int>(k.server), hard);
  k.session = kNone;
  k.next_own = kNone;
  k.server_timeout.clear();
  k.connect_timeout.clear();
  ++k.generation;
  give_back_slot<&ServerConn::next_free>(conns_, free_conns_, c);
}

void Proxy::close_server(World& w, std::uint32_t c, CloseHow how) {
  ServerConn& k = conns_[c];
  if (k.state == ServerConn::Free) return;
  const EndpointId ep = k.back;
  // option nolinger (CFGHEAD "option nolinger"): per release (proxy_rules.cpp), a hard close
  // always (1.x), or unless the server's FIN was read (2.x).
  if (sc_.proxy.nolinger && how != CloseHow::Rst) how = traits_.server_nolinger;
  // 1.5+: a server socket is closed hard unless the server's FIN was already read
  // (commits ad38aceda, 2b57cb8f3; SRC v1.5.0:src/fd.c fd_delete).
  if (how == CloseHow::LingerRisk) how = w.tcp.peer_fin_seen(ep) ? CloseHow::Fin : CloseHow::Rst;
  // A socket the server already reset has nothing left to close.
  const bool live = w.tcp.state(ep) != TcpState::Closed && w.tcp.state(ep) != TcpState::SynSent;
  forget_server_conn(w, c, live && how == CloseHow::Rst);
  if (how == CloseHow::Rst) {
    w.tcp.abort(ep);
  } else {
    w.tcp.close(ep);
  }
}

void Proxy::close_client(World& w, std::uint32_t s, CloseHow how) {
  const EndpointId ep = sessions_[s].front;
  if (w.tcp.released(ep)) return;
  if (sc_.proxy.nolinger && how != CloseHow::Rst) {
    // nolinger on the client side: the listening socket has SO_LINGER 0 (SRC v2.6.0:
    // src/proto_tcp.c tcp_bind_listener, LI_O_NOLINGER), which every accepted socket inherits,
    // so every close() resets a connection not yet finished.
    if (w.tcp.peer_fin_seen(ep)) {
      // The client closed first: no shutdown once its FIN was read (include/haproxy/
      // connection.h conn_sock_shutw skips it under CO_FL_SOCK_RD_SH), so the close() in
      // CLOSE_WAIT sends a bare RST.
      w.tcp.abort(ep);
      return;
    }
    // The proxy closes first: the FIN goes first (shutdown), then the socket is closed tens
    // of microseconds later: FIN then RST, unless the client's FIN came back meanwhile (LAB-E2E).
    w.tcp.shutdown_write(ep);
    const Time gap = std::max<Time>(2 * sc_.proxy.processing_time, 10 * kMicrosecond);
    w.sim.schedule(w.sim.now() + gap, kProxyLingerAbort, ep, 0, w.tcp.incarnation(ep));
    return;
  }
  if (how == CloseHow::Rst) {
    w.tcp.abort(ep);
  } else {
    w.tcp.close(ep);
  }
}

}  // namespace teardown::models

namespace teardown::models {

std::uint32_t Proxy::own_conn_to(std::uint32_t s, std::uint32_t server) const {
  for (std::uint32_t c = sessions_[s].srv_conn; c != kNone; c = conns_[c].next_own) {
    if (conns_[c].server == server && conns_[c].state == ServerConn::Attached) return c;
  }
  return kNone;
}

void Proxy::add_own_conn(std::uint32_t s, std::uint32_t c) {
  Session& ss = sessions_[s];
  conns_[c].next_own = kNone;
  if (!keeps_own_conns() || ss.srv_conn == kNone) {
    ss.srv_conn = c;
    return;
  }
  // Appended: the session's list keeps the order in which it first used each server.
  std::uint32_t last = ss.srv_conn;
  while (conns_[last].next_own != kNone) last = conns_[last].next_own;
  conns_[last].next_own = c;
}

void Proxy::drop_own_conn(std::uint32_t s, std::uint32_t c) {
  Session& ss = sessions_[s];
  if (ss.srv_conn == c) {
    ss.srv_conn = conns_[c].next_own;
  } else {
    for (std::uint32_t o = ss.srv_conn; o != kNone; o = conns_[o].next_own) {
      if (conns_[o].next_own == c) {
        conns_[o].next_own = conns_[c].next_own;
        break;
      }
    }
  }
  conns_[c].next_own = kNone;
}

void Proxy::close_own_conns(World& w, std::uint32_t s, CloseHow idle_how) {
  std::uint32_t c = sessions_[s].srv_conn;
  sessions_[s].srv_conn = kNone;
  while (c != kNone) {
    const std::uint32_t next = conns_[c].next_own;
    conns_[c].next_own = kNone;
    // A request still at the server is aborted hard (abortonclose, commit 8615c2af6).
    close_server(w, c, conns_[c].state == ServerConn::Busy ? CloseHow::Rst : idle_how);
    c = next;
  }
}

}  // namespace teardown::models
