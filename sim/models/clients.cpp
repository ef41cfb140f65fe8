#include "clients.hpp"

#include <algorithm>

#include "world.hpp"

namespace teardown::models {

namespace {
constexpr std::uint64_t kOnOffEntity = 0xffff'ffffULL;
}

Clients::Clients(const Scenario& sc) : sc_(sc), onoff_(sc.sim.seed, kOnOffEntity, StreamPurpose::Arrivals) {
  const ClientsConfig& cc = sc.clients;
  const int regular = cc.count;
  const int long_lived = cc.long_lived.count;
  clients_.resize(static_cast<std::size_t>(regular + long_lived));
  for (int i = 0; i < regular + long_lived; ++i) {
    Client& cl = clients_[static_cast<std::size_t>(i)];
    cl.arrivals = RandomStream(sc.sim.seed, static_cast<std::uint64_t>(i), StreamPurpose::Arrivals);
    if (i < regular) {
      cl.max_size = cc.pool.max_size;
      cl.rate = cc.arrival.rate / regular;
    } else {
      cl.max_size = 1;
      cl.rate = cc.long_lived.rate;
    }
  }
}

void Clients::start(World& w) {
  const int regular = sc_.clients.count;
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    // Long-lived connections are spread over the client hosts.
    clients_[i].host = w.hosts.client(static_cast<int>(i) < regular ? static_cast<int>(i)
                                                                     : (static_cast<int>(i) - regular) % regular);
  }
  const auto client_ids = static_cast<std::uint32_t>(clients_.size());
  for (std::uint32_t i = 0; i < client_ids; ++i) {
    const bool closed_loop = sc_.clients.arrival.kind == ArrivalKind::Closed && static_cast<int>(i) < regular;
    const int first_requests = closed_loop ? sc_.clients.arrival.concurrency : 1;
    for (int k = 0; k < first_requests; ++k) schedule_arrival(w, i);
    if (sc_.clients.pool.idle_evict != kNever) {
      // Each client's monitor starts at its own phase, as independent processes would.
      const Time phase = clients_[i].arrivals.uniform_time(sc_.clients.pool.evict_interval);
      w.sim.schedule(phase, kEvictorRun, i);
    }
  }
  if (sc_.clients.arrival.kind == ArrivalKind::OnOff) {
    w.sim.schedule(onoff_.exponential(sc_.clients.arrival.on), kOnOffToggle, 0);
  }
}

void Clients::schedule_arrival(World& w, std::uint32_t client) {
  Client& cl = clients_[client];
  const bool long_lived = static_cast<int>(client) >= sc_.clients.count;
  if (!long_lived && sc_.clients.arrival.kind == ArrivalKind::Closed) {
    w.sim.schedule(w.sim.now() + cl.arrivals.exponential(sc_.clients.arrival.think_time), kArrival, client);
    return;
  }
  if (!long_lived && sc_.clients.arrival.kind == ArrivalKind::OnOff && !bursts_on_) {
    cl.parked = true;  // memoryless: the next arrival is drawn when the next burst starts
    return;
  }
  const Time mean_gap = static_cast<Time>(1e9 / cl.rate);
  w.sim.schedule(w.sim.now() + cl.arrivals.exponential(mean_gap), kArrival, client);
}

void Clients::on_event(World& w, const Event& e) {
  switch (e.kind()) {
    case kArrival:
      on_arrival(w, e.target);
      return;
    case kEvictorRun:
      run_evictor(w, e.target);
      w.sim.schedule(w.sim.now() + sc_.clients.pool.evict_interval, kEvictorRun, e.target);
      return;
    case kOnOffToggle:
      bursts_on_ = !bursts_on_;
      w.sim.schedule(w.sim.now() + onoff_.exponential(bursts_on_ ? sc_.clients.arrival.on : sc_.clients.arrival.off),
                     kOnOffToggle, 0);
      if (bursts_on_) {
        for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(sc_.clients.count); ++i) {
          if (clients_[i].parked) {
            clients_[i].parked = false;
            schedule_arrival(w, i);
          }
        }
      }
      return;
    default:
      return;
  }
}

void Clients::on_arrival(World& w, std::uint32_t client) {
  const bool closed_loop = sc_.clients.arrival.kind == ArrivalKind::Closed && static_cast<int>(client) < sc_.clients.count;
  if (!closed_loop) schedule_arrival(w, client);
  if (!closed_loop && sc_.clients.arrival.kind == ArrivalKind::OnOff && static_cast<int>(client) < sc_.clients.count &&
      !bursts_on_) {
    return;  // drawn before the burst ended
  }
  w.rec.request_started(w.sim.now());
  dispatch(w, client, Pending{w.sim.now(), 0});
}

std::uint32_t Clients::new_slot() {
  if (free_ != kNone) {
    const std::uint32_t c = free_;
    free_ = conns_[c].next_free;
    return c;
  }
  conns_.emplace_back();
  return static_cast<std::uint32_t>(conns_.size() - 1);
}

std::uint32_t Clients::take_idle(World& w, Client& cl) {
  const PoolConfig& pool = sc_.clients.pool;
  while (!cl.idle.empty()) {
    std::uint32_t c;
    if (pool.reuse == PoolReuse::Lifo) {
      c = cl.idle.back();
      cl.idle.pop_back();
    } else {
      c = cl.idle.front();
      cl.idle.pop_front();
    }
    Connection& k = conns_[c];
    // Stale check (validate-after-inactivity): a connection idle longer than the threshold
    // is probed first; a FIN or RST already received shows, one still in flight does not
    // (shared/domain section 6: a stale check can never be complete).
    if (pool.validate_after_inactivity != kNever && w.sim.now() - k.idle_since > pool.validate_after_inactivity &&
        (w.tcp.peer_fin_seen(k.ep) || w.tcp.state(k.ep) == TcpState::Closed)) {
      drop(w, c);
      continue;
    }
    return c;
  }
  return kNone;
}

void Clients::dispatch(World& w, std::uint32_t client, Pending p) {
  Client& cl = clients_[client];
  for (;;) {
    const std::uint32_t c = take_idle(w, cl);
    if (c == kNone) break;
    if (send_on(w, c, p, /*reused=*/true)) return;
    // The write failed at once (reset on write); send_on has failed or re-dispatched it.
    return;
  }
  if (cl.open < cl.max_size) {
    const std::uint32_t c = new_slot();
    Connection& k = conns_[c];
    k = Connection{};
    k.client = client;
    k.state = Connection::Connecting;
    k.opened_at = w.sim.now();
    k.request = p;
    w.tcp.trace_new_connections(trace_left_ > 0);
    if (trace_left_ > 0) --trace_left_;
    k.ep = w.tcp.connect(cl.host, w.hosts.proxy(), w.client_proxy_delay, w.client_proxy_jitter, kRoleClient,
                         kRoleProxyFront, c);
    w.tcp.trace_new_connections(false);
    ++cl.open;
    w.rec.client_connection_opened(w.sim.now());
    return;
  }
  cl.waiting.push_back(p);
}

bool Clients::send_on(World& w, std::uint32_t c, Pending p, bool reused) {
  Connection& k = conns_[c];
  k.request = p;
  k.reused = reused;
  k.state = Connection::Busy;
  const AppError err = w.tcp.send(k.ep, static_cast<std::uint32_t>(sc_.clients.request_size));
  if (err != AppError::None) {
    fail(w, c, metrics::Failure::ResetOnWrite);
    return false;
  }
  return true;
}

void Clients::on_notice(World& w, const Notice& n) {
  const std::uint32_t c = n.owner;
  Connection& k = conns_[c];
  if (k.state == Connection::Free || k.ep != n.endpoint) return;
  switch (n.kind) {
    case Notice::Connected:
      if (k.state == Connection::Connecting) send_on(w, c, k.request, /*reused=*/false);
      return;
    case Notice::ConnectFailed:
      w.tcp.take_error(k.ep);
      fail(w, c, metrics::Failure::ConnectFailed);
      return;
    case Notice::Data:
      if (k.state == Connection::Busy) {
        on_response(w, c, n);
      } else {
        w.tcp.read(k.ep);  // nothing was asked: ignore
      }
      return;
    case Notice::Eof:
      // Only a client waiting for a response reads; an idle pooled connection notices
      // nothing until it is leased again (blocking HTTP clients do not watch idle sockets).
      if (k.state == Connection::Busy) fail(w, c, metrics::Failure::EofBeforeResponse);
      return;
    case Notice::Reset:
      if (k.state == Connection::Busy) {
        const AppError err = w.tcp.take_error(k.ep);
        // An RST after the FIN (EPIPE) comes after an end of stream already reported.
        fail(w, c, err == AppError::ConnReset ? metrics::Failure::ResetOnRead : metrics::Failure::EofBeforeResponse);
      }
      return;
    default:
      return;
  }
}

void Clients::on_response(World& w, std::uint32_t c, const Notice& n) {
  Connection& k = conns_[c];
  w.tcp.read(k.ep);
  if (n.app_flags & kMsgError) {
    fail(w, c, metrics::Failure::Http5xx);
    return;
  }
  w.rec.request_completed(w.sim.now(), w.sim.now() - k.request.started);
  const std::uint32_t client = k.client;
  k.served = true;
  if (n.eof || (n.app_flags & kMsgClose)) {
    drop(w, c);
  } else {
    release_to_pool(w, c);
  }
  finish_request(w, client);
}

void Clients::fail(World& w, std::uint32_t c, metrics::Failure why) {
  Connection& k = conns_[c];
  const std::uint32_t client = k.client;
  const Pending p = k.request;
  const bool retry = k.reused && static_cast<int>(p.attempt) < sc_.clients.retries;
  drop(w, c);
  if (retry) {
    // RFC 9112 9.5: an idempotent request that failed on a reused connection may be retried.
    w.rec.request_retried(w.sim.now());
    dispatch(w, client, Pending{p.started, p.attempt + 1});
    return;
  }
  w.rec.request_failed(w.sim.now(), why);
  finish_request(w, client);
}

void Clients::finish_request(World& w, std::uint32_t client) {
  Client& cl = clients_[client];
  if (sc_.clients.arrival.kind == ArrivalKind::Closed && static_cast<int>(client) < sc_.clients.count) {
    schedule_arrival(w, client);
  }
  if (!cl.waiting.empty() && (!cl.idle.empty() || cl.open < cl.max_size)) {
    const Pending p = cl.waiting.front();
    cl.waiting.pop_front();
    dispatch(w, client, p);
  }
}

void Clients::release_to_pool(World& w, std::uint32_t c) {
  Connection& k = conns_[c];
  const PoolConfig& pool = sc_.clients.pool;
  if (pool.max_lifetime != kNever && w.sim.now() - k.opened_at > pool.max_lifetime) {
    drop(w, c);
    return;
  }
  k.state = Connection::Idle;
  k.idle_since = w.sim.now();
  clients_[k.client].idle.push_back(c);
}

void Clients::drop(World& w, std::uint32_t c) {
  Connection& k = conns_[c];
  if (k.state == Connection::Idle) {
    // Remove it from the idle list (rare: the stale check or the evictor found it).
    Ring<std::uint32_t>& idle = clients_[k.client].idle;
    for (std::size_t i = 0; i < idle.size(); ++i) {
      if (idle[i] == c) {
        idle.erase(i);
        break;
      }
    }
  }
  w.tcp.close(k.ep);
  --clients_[k.client].open;
  k.state = Connection::Free;
  k.next_free = free_;
  free_ = c;
}

void Clients::run_evictor(World& w, std::uint32_t client) {
  // The idle-connection monitor (HttpClient IdleConnectionEvictor): close every pooled
  // connection idle longer than the threshold. The idle list is oldest first.
  Client& cl = clients_[client];
  const Time threshold = sc_.clients.pool.idle_evict;
  while (!cl.idle.empty() && w.sim.now() - conns_[cl.idle.front()].idle_since > threshold) {
    const std::uint32_t c = cl.idle.front();
    cl.idle.pop_front();
    conns_[c].state = Connection::Busy;  // already off the idle list
    drop(w, c);
  }
  if (!cl.waiting.empty() && cl.open < cl.max_size) {
    const Pending p = cl.waiting.front();
    cl.waiting.pop_front();
    dispatch(w, client, p);
  }
}

}  // namespace teardown::models
