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

bool Proxy::enter_rr_cycle() {
  if (rr_retry_ > 0) {
    --rr_retry_;
    return false;
  }
  rr_values_.resize(servers_.size());
  for (std::size_t i = 0; i < servers_.size(); ++i) rr_values_[i] = servers_[i].rr_current;
  if (rr_cycle_.enter(rr_values_, servers_.front().weight)) return true;
  rr_retry_ = static_cast<std::uint32_t>(servers_.size());
  return false;
}

void Proxy::leave_rr_cycle() {
  if (!rr_cycle_.active()) return;
  rr_cycle_.leave(rr_values_);
  for (std::size_t i = 0; i < servers_.size(); ++i) servers_[i].rr_current = rr_values_[i];
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
  if (sc_.proxy.balance == Balance::StaticRr && plain) {
    // The same for static-rr's smooth weighted round robin (rr_cycle.hpp).
    if (rr_cycle_.active() || enter_rr_cycle()) return rr_cycle_.next();
  } else {
    leave_rr_cycle();
  }
  auto usable = [&](std::uint32_t i) {
    const Server& srv = servers_[i];
    return srv.up && srv.effective_weight > 0 && has_slot(srv);
  };
  std::uint32_t usable_count = 0;
  for (std::uint32_t i = 0; i < n; ++i) usable_count += usable(i);
  if (usable_count == 0) return kNone;
  auto candidate = [&](std::uint32_t i) { return usable(i) && (i != avoid || usable_count == 1); };

  switch (sc_.proxy.balance) {
    case Balance::RoundRobin:  // fwrr_, above
    case Balance::StaticRr: {
      // Weighted round robin, smooth: each server gets its static weight's share in every
      // cycle, interleaved. HAProxy's static-rr fills a map by a coarser form of this rule,
      // from zero at each change (SRC v2.6.0 src/lb_map.c recalc_server_map); the map and its
      // cursor are not modelled.
      double total = 0;
      std::uint32_t best = kNone;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (!candidate(i)) continue;
        const double wt = servers_[i].weight;
        servers_[i].rr_current += wt;
        total += wt;
        if (best == kNone || servers_[i].rr_current > servers_[best].rr_current) best = i;
      }
      servers_[best].rr_current -= total;
      return best;
    }
    case Balance::LeastConn: {
      // Fewest assigned requests (or pinned connections) per unit of weight. Among equals,
      // the server whose load changed longest ago: HAProxy re-inserts a server in its
      // tree behind its equals at every change of load (SRC v2.6.0 src/lb_fwlc.c), so an
      // idle returning server comes first (docs/validation.md, backend restarts).
      std::uint32_t best = kNone;
      double best_load = 0;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (!candidate(i)) continue;
        const double load = (servers_[i].served + 1) / servers_[i].effective_weight;
        if (best == kNone || load < best_load ||
            (load == best_load && servers_[i].load_changed < servers_[best].load_changed)) {
          best = i;
          best_load = load;
        }
      }
      return best;
    }
    case Balance::First:
      // The first server with a free slot, by id (CFGHEAD "balance first").
      for (std::uint32_t i = 0; i < n; ++i) {
        if (candidate(i)) return i;
      }
      return kNone;
    case Balance::Source: {
      // A hash of the client's address, mapped over the weights; static.
      std::uint64_t h = w.tcp.host(TcpStack::peer(ss.front));
      const std::uint64_t hash = splitmix64(h);
      double total = 0;
      for (std::uint32_t i = 0; i < n; ++i) total += servers_[i].weight;
      double point = static_cast<double>(hash % 1'000'003) / 1'000'003.0 * total;
      std::uint32_t pick = 0;
      for (std::uint32_t i = 0; i < n; ++i) {
        point -= servers_[i].weight;
        if (point < 0) {
          pick = i;
          break;
        }
      }
      for (std::uint32_t k = 0; k < n; ++k) {
        if (candidate((pick + k) % n)) return (pick + k) % n;
      }
      return kNone;
    }
    case Balance::Random: {
      // random(<draws>): the least loaded of `draws` weighted random picks (power of two
      // choices; CFGHEAD "balance random").
      double total = 0;
      for (std::uint32_t i = 0; i < n; ++i) total += candidate(i) ? servers_[i].effective_weight : 0;
      std::uint32_t best = kNone;
      for (int d = 0; d < sc_.proxy.random_draws; ++d) {
        double point = balance_rng_.uniform() * total;
        std::uint32_t pick = kNone;
        for (std::uint32_t i = 0; i < n; ++i) {
          if (!candidate(i)) continue;
          pick = i;
          point -= servers_[i].effective_weight;
          if (point < 0) break;
        }
        if (best == kNone || servers_[pick].served < servers_[best].served) best = pick;
      }
      return best;
    }
  }
  return kNone;
}

void Proxy::assign(std::uint32_t s, std::uint32_t server) {
  Session& ss = sessions_[s];
  if (ss.counted && ss.server == server) return;
  if (ss.counted) {
    --servers_[ss.server].served;
    servers_[ss.server].load_changed = ++load_clock_;
  }
  ss.server = server;
  ss.counted = true;
  ++servers_[server].served;
  servers_[server].load_changed = ++load_clock_;
}

void Proxy::unassign(World& w, std::uint32_t s) {
  Session& ss = sessions_[s];
  if (!ss.counted) return;
  ss.counted = false;
  --servers_[ss.server].served;
  servers_[ss.server].load_changed = ++load_clock_;
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
  const std::uint32_t c = take_slot<&ServerConn::next_free>(conns_, free_conns_);
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
  k.back = w.tcp.connect(w.hosts.proxy(), servers_[server].host, w.proxy_backend_delay, w.proxy_backend_jitter,
                         kRoleProxyBack, kRoleBackend, c);
  w.tcp.trace_new_connections(false);
  w.rec.server_connection_opened(w.sim.now(), static_cast<int>(server));
  k.connect_timeout.set_after(w.sim, sc_.proxy.timeout.connect, kProxyConnectTimeout, c);
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
  if (first_request) {
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
      w.sim.schedule(w.sim.now() + sc_.proxy.pool_purge_delay, kProxyPurge, k.server);
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
      w.sim.schedule(w.sim.now() + sc_.proxy.pool_purge_delay, kProxyPurge, server);
    }
  }
}

void Proxy::health_check(World& w, std::uint32_t server) {
  Server& srv = servers_[server];
  const HealthCheckConfig& hc = sc_.backends.health_check;
  w.sim.schedule(w.sim.now() + hc.interval, kHealthCheck, server);
  // A check succeeds when the server accepts a connection (CFGHEAD 5.2 "check", "inter",
  // "rise", "fall"); the check's own connection is not simulated.
  const bool ok = w.backends.listening(static_cast<int>(server));
  const bool was_up = srv.up;
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
  update_uniform();
  if (srv.up) drain_queue(w);
}

}  // namespace teardown::models
