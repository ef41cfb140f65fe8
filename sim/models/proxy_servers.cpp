// The proxy's server side: balancing, server connections, the 2.x idle pool and its purge,
// health checks, maxconn and the queue.
#include <algorithm>
#include <cmath>

#include "free_list.hpp"
#include "proxy.hpp"
#include "world.hpp"

namespace teardown::models {

bool Proxy::has_slot(const Server& srv) const { return srv.maxconn == 0 || srv.served < srv.maxconn; }

void Proxy::update_uniform() {
  uniform_ = true;
  for (const Server& srv : servers_) {
    uniform_ = uniform_ && srv.up && srv.weight > 0 && srv.weight == servers_.front().weight &&
               srv.effective_weight == srv.weight;
  }
}

std::uint32_t Proxy::balance(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  const auto n = static_cast<std::uint32_t>(servers_.size());
  const std::uint32_t avoid = ss.redispatching ? ss.retry_server : kNone;
  ss.retry_server = kNone;
  ss.redispatching = false;
  const bool plain = avoid == kNone && uniform_ && sc_.backends.maxconn == 0;
  if (sc_.proxy.balance == Balance::RoundRobin) {
    // Every server a candidate, all of one weight: the picks cycle (fwrr_cycle.cpp).
    if (plain && (fwrr_.cycling() || fwrr_.enter_cycle())) return fwrr_.next_in_cycle();
    return fwrr_.pick([&](std::uint32_t i) { return has_slot(servers_[i]); }, avoid);
  }
  // Every server a candidate, all of one weight: leastconn's order is the heap's, and the
  // other pickers need no view of every server (O(1), or O(log servers) for random).
  if (plain) {
    switch (sc_.proxy.balance) {
      case Balance::LeastConn: return least_loaded_.top();
      case Balance::First: return 0;  // every server has a free slot
      case Balance::Source: return source_start(w.tcp.host(TcpStack::peer(ss.front)));
      case Balance::Random:
        return balance::random_among_alike(sc_.proxy.random_draws, random_ring_, random_keys(),
                                           [this](std::uint32_t i) { return servers_[i].served; });
      case Balance::StaticRr:
        if (static_rr_.cycling()) return static_rr_.next_in_cycle();
        break;
      case Balance::RoundRobin: break;
    }
  }
  // The pickers' view: a server may be picked when it is up, has weight and a free slot, and
  // is not the one a redispatched retry avoids (unless it is the only one).
  std::uint32_t usable_count = 0;
  candidates_.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    const Server& srv = servers_[i];
    const bool usable = srv.up && srv.effective_weight > 0 && has_slot(srv);
    usable_count += usable;
    candidates_[i] = {usable, static_cast<double>(srv.weight), srv.effective_weight, srv.served, srv.load_changed};
  }
  if (usable_count == 0) return kNone;  // before any random draw: the stream stays as it was
  if (usable_count > 1 && avoid != kNone) candidates_[avoid].ok = false;
  switch (sc_.proxy.balance) {
    case Balance::RoundRobin: return kNone;  // fwrr_, above
    case Balance::StaticRr: return static_rr_.pick(candidates_, plain, servers_.front().weight);
    case Balance::LeastConn: return balance::leastconn(candidates_);
    case Balance::First: return balance::first(candidates_);
    case Balance::Source: return balance::source(candidates_, w.tcp.host(TcpStack::peer(ss.front)));
    case Balance::Random: return balance::random(candidates_, sc_.proxy.random_draws, random_ring_, random_keys());
  }
  return kNone;
}

std::uint32_t Proxy::source_start(HostIndex client_host) {
  if (client_host >= source_start_.size()) source_start_.resize(client_host + 1, kNone);
  std::uint32_t& start = source_start_[client_host];
  if (start == kNone) start = balance::source_start(configured_weights_, client_host);
  return start;
}

void Proxy::assign(std::uint32_t s, std::uint32_t server) {
  Session& ss = sessions_[s];
  if (ss.counted && ss.server == server) return;
  if (ss.counted) {
    --servers_[ss.server].served;
    load_changed(ss.server);
  }
  ss.server = server;
  ss.counted = true;
  ++servers_[server].served;
  load_changed(server);
}

void Proxy::load_changed(std::uint32_t server) {
  Server& srv = servers_[server];
  srv.load_changed = ++load_clock_;
  if (!least_loaded_.empty()) least_loaded_.update(server, srv.served, srv.load_changed);
}

void Proxy::unassign(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  if (!ss.counted) return;
  ss.counted = false;
  --servers_[ss.server].served;
  load_changed(ss.server);
  drain_queue(w);
}

void Proxy::drain_queue(World& w) {
  while (!queue_.empty()) {
    bool slot = false;
    for (const Server& srv : servers_) slot = slot || (srv.up && has_slot(srv));
    if (!slot) return;
    const std::uint32_t s = queue_.front();
    queue_.pop_front();
    if (sessions_[s].state == Session::Queued) route(w, s);
  }
}

std::uint32_t Proxy::open_server_conn(World& w, std::uint32_t s, std::uint32_t server) {
  const std::uint32_t c = checked_index(take_slot<&ServerConn::next_free>(conns_, free_conns_));
  ServerConn& k = conns_[c];
  const std::uint32_t generation = k.generation;
  const ServerConn old = k;
  k = ServerConn{};
  k.generation = generation;
  // Their pending wake-ups serve on (LazyDeadline: reuse).
  k.server_timeout.wake_at = old.server_timeout.wake_at;
  k.connect_timeout.wake_at = old.connect_timeout.wake_at;
  k.server = server;
  k.session = s;
  set_conn_state(c, ServerConn::Connecting);
  w.tcp.trace_new_connections(w.tcp.traced(sessions_[s].front));
  k.back = w.tcp.connect(host_, servers_[server].host, w.backend_delay(server), w.backend_jitter(server),
                         kRoleProxyBack, kRoleBackend, c, w.proxy_backend_middlebox);
  w.tcp.trace_new_connections(false);
  w.rec.server_connection_opened(w.sim.now(), static_cast<int>(server));
  k.connect_timeout.set_after(w.sim, sc_.proxy.timeout.connect, kProxyConnectTimeout, tagged(c));
  return c;
}

void Proxy::set_conn_state(std::uint32_t c, ServerConn::State state) {
  ServerConn& k = conns_[c];
  Server& srv = servers_[k.server];
  const auto in_use = [](ServerConn::State st) {
    return st == ServerConn::Connecting || st == ServerConn::Busy || st == ServerConn::Tunnel;
  };
  if (!in_use(k.state) && in_use(state)) {
    // srv_use_conn (SRC v2.6.0:include/haproxy/server.h), at a connection's creation
    // (conn_new) and at its reuse from the pool: the need estimate follows at once.
    ++srv.used;
    srv.max_used = std::max(srv.max_used, srv.used);
    srv.est_need = std::max(srv.est_need, srv.used);
  } else if (in_use(k.state) && !in_use(state)) {
    --srv.used;
  }
  k.state = state;
}

std::uint32_t Proxy::take_pooled(std::uint32_t server, bool first_request) {
  // http-reuse (CFGHEAD; SRC v2.6.0:src/backend.c connect_server and conn_backend_get):
  // safe never sends a session's first request over an idle connection; aggressive only
  // over a "safe" one (that already carried more than one request); always over any, safe
  // ones first. A later request looks in the idle list, then the safe one. Each lookup
  // takes the oldest connection of the list (ebmb_lookup returns the first duplicate).
  Server& srv = servers_[server];
  Ring<std::uint32_t>* first = &srv.idle;
  Ring<std::uint32_t>* second = &srv.safe;
  // With retry-on covering every dead-connection case, a first request is looked up as a later
  // one (commit ecb40b2c3; proxy_rules.cpp).
  if (first_request && !traits_.first_request_reuses) {
    if (traits_.reuse == HttpReuse::Safe || traits_.reuse == HttpReuse::Never) return kNone;
    first = &srv.safe;
    second = traits_.reuse == HttpReuse::Always ? &srv.idle : nullptr;
  }
  for (Ring<std::uint32_t>* list : {first, second}) {
    if (list == nullptr || list->empty()) continue;
    const std::uint32_t c = list->front();
    list->pop_front();
    return c;
  }
  return kNone;
}

void Proxy::release_to_pool(World& w, std::uint32_t c) {
  ServerConn& k = conns_[c];
  Server& srv = servers_[k.server];
  // Admission to the idle pool, 2.6 (SRC v2.6.0:src/server.c srv_add_to_idle_list, with
  // pool-low-conn 0, one thread and file descriptors to spare): kept if the safe list is
  // empty and, for a connection that carried only its first request, the idle list too;
  // or if used + idle does not exceed max(used, est_need). Otherwise closed at once, and
  // since the server's FIN has not been read the close is hard (LAB-E2E).
  const bool is_safe = k.requests >= 2;  // H1S_F_NOT_FIRST at h1_detach (src/mux_h1.c)
  const int used = srv.used;              // still counts this connection, as in HAProxy
  const bool admit = (srv.safe.empty() && (is_safe || srv.idle.empty())) ||
                     used + pooled_count(srv) <= std::max(used, srv.est_need);
  if (!admit) {
    close_server(w, c, CloseHow::LingerRisk);
    return;
  }
  set_conn_state(c, ServerConn::Pooled);
  k.session = kNone;
  (is_safe ? srv.safe : srv.idle).push_back(c);
  if (!srv.purge_armed) {
    srv.purge_armed = true;
    // "off": never purged (now + kNever would overflow).
    if (sc_.proxy.pool_purge_delay != kNever) {
      w.sim.schedule(w.sim.now() + sc_.proxy.pool_purge_delay, kProxyPurge, tagged(k.server));
    }
  }
}

void Proxy::purge(World& w, std::uint32_t server) {
  // The periodic purge (SRC v2.6.0:src/server.c srv_cleanup_idle_conns): half the excess of
  // used + idle over the recent need, rounded up, then the need decays. With one thread the
  // per-thread share is exceed * idle / idle + 1, so one more than that half goes; the idle
  // list is emptied first, then the safe one, oldest first (srv_migrate_conns_to_remove).
  Server& srv = servers_[server];
  srv.purge_armed = false;
  const int pooled = pooled_count(srv);
  if (pooled == 0) return;
  int exceed = srv.used + pooled - std::max(srv.max_used, srv.est_need);
  exceed = exceed / 2 + (exceed & 1);
  srv.est_need = std::max((srv.est_need + srv.max_used) / 2, srv.max_used);
  srv.max_used = srv.used;
  if (exceed > 0) {
    for (int k = 0; k < exceed + 1 && pooled_count(srv) > 0; ++k) {
      const std::uint32_t c = !srv.idle.empty() ? srv.idle.front() : srv.safe.front();
      close_server(w, c, traits_.server_purge);
    }
  }
  if (pooled_count(srv) > 0) {
    srv.purge_armed = true;
    if (sc_.proxy.pool_purge_delay != kNever) {
      w.sim.schedule(w.sim.now() + sc_.proxy.pool_purge_delay, kProxyPurge, tagged(server));
    }
  }
}

void Proxy::health_check(World& w, std::uint32_t server) {
  Server& srv = servers_[server];
  const HealthCheckConfig& hc = sc_.backends.health_check;
  w.sim.schedule(w.sim.now() + hc.interval, kHealthCheck, tagged(server));
  // A check succeeds when the server accepts a connection (CFGHEAD 5.2 "check", "inter",
  // "rise", "fall"); the check's own connection is not simulated.
  const bool ok = w.backends.listening(static_cast<int>(server));
  const bool was_up = srv.up;
  const double was_effective_weight = srv.effective_weight;
  if (srv.up) {
    srv.fall = ok ? 0 : srv.fall + 1;
    if (srv.fall >= hc.fall) {
      srv.up = false;
      srv.rise = 0;
      fwrr_.set_down(server);
    }
  } else {
    srv.rise = ok ? srv.rise + 1 : 0;
    if (srv.rise >= hc.rise) {
      srv.up = true;
      srv.fall = 0;
      srv.up_since = w.sim.now();
    }
  }
  // slowstart: after coming back, the dynamic weight grows linearly over the period, one
  // step per check (CFGHEAD 5.2 "slowstart").
  const Time ramp = sc_.backends.slowstart;
  std::uint32_t step = Fwrr::kScale;
  if (srv.up && ramp != kNever && srv.up_since > 0 && w.sim.now() - srv.up_since < ramp) {
    const Time elapsed = w.sim.now() - srv.up_since;
    const double frac = static_cast<double>(elapsed) / static_cast<double>(ramp);
    srv.effective_weight = std::max(frac, 1.0 / 256.0) * srv.weight;
    // roundrobin's integer weight ramps in 16 steps from 1/16 (SRC v2.6.0 src/server.c
    // server_recalc_eweight: (16 * elapsed + slowstart) / slowstart, in whole seconds there).
    step = static_cast<std::uint32_t>((Fwrr::kScale * elapsed + ramp) / ramp);
  } else {
    srv.effective_weight = srv.weight;
  }
  const std::uint32_t eweight = static_cast<std::uint32_t>(srv.weight) * step;
  if (srv.up && !was_up) {
    srv.eweight = eweight;
    fwrr_.set_up(server, eweight);
  } else if (srv.up && eweight != srv.eweight) {
    srv.eweight = eweight;
    fwrr_.set_weight(server, eweight);
  }
  // Only a check changes up and effective weights, so uniform_ changes only when this server's
  // did: recomputing it (O(servers)) at every check cost 1,000 servers 500 instructions a request.
  if (srv.up != was_up || srv.effective_weight != was_effective_weight) update_uniform();
  if (srv.up) drain_queue(w);
}

}  // namespace teardown::models
