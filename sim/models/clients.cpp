#include "clients.hpp"

#include <algorithm>

#include "free_list.hpp"
#include "world.hpp"

namespace teardown::models {

namespace {
constexpr std::uint64_t kOnOffEntity = 0xffff'ffffULL;
}

Clients::Clients(const Scenario& sc)
    : sc_(sc),
      regular_(static_cast<std::uint32_t>(sc.clients.count)),
      arrival_family_(CounterStream::family(sc.sim.seed, StreamPurpose::Arrivals)),
      onoff_(sc.sim.seed, kOnOffEntity, StreamPurpose::Arrivals) {
  const ClientsConfig& cc = sc.clients;
  regular_gap_ = static_cast<Time>(1e9 / (cc.arrival.rate / cc.count));
  long_lived_gap_ = static_cast<Time>(1e9 / cc.long_lived.rate);
  const auto long_lived = static_cast<std::size_t>(cc.long_lived.count);
  clients_.resize(regular_ + long_lived);
  for (std::uint32_t i = 0; i < regular_; ++i) {
    pooled_arrivals_.emplace_back(sc.sim.seed, static_cast<std::uint64_t>(i), StreamPurpose::Arrivals);
  }
  // Every long-lived client holds one connection for most of the run (World::World).
  conns_.reserve(long_lived + regular_);
  // A server's "Keep-Alive: timeout=N" reaches the client unchanged through the proxy, which
  // never sends one of its own (docs/model.md §3, keep_alive_header); every backend response
  // that keeps its connection carries it. Node's Agent keeps a socket for the announced timeout
  // less a margin, not at all when that leaves nothing (lib/_http_agent.js keepSocketAlive).
  const BackendsConfig& bk = sc.backends;
  const bool hinted =
      cc.pool.keep_alive_header && bk.keep_alive_header && bk.keep_alive.kind == KeepAliveKind::IdleTimeout;
  // The header says keep_alive_header_timeout when the server closes later than it announces.
  const Time said =
      bk.keep_alive_header_timeout != kNever ? bk.keep_alive_header_timeout : bk.keep_alive.idle_timeout;
  const Time announced = hinted ? std::max<Time>(0, said - cc.pool.keep_alive_header_margin) : kNever;
  idle_expiry_ = std::min(cc.pool.idle_evict, announced);
  lease_expiry_ = cc.pool.evict_at_deadline ? idle_expiry_ : announced;
  if (cc.pool.evict_at_deadline && idle_expiry_ != kNever) expiry_.resize(clients_.size());
}

int Clients::host_number(std::uint32_t client) const {
  // Long-lived connections are spread over the client hosts.
  return static_cast<int>(long_lived(client) ? (client - regular_) % regular_ : client);
}

HostIndex Clients::proxy_host_for(World& w, std::uint32_t client) {
  const auto instances = static_cast<std::uint32_t>(w.hosts.proxies);
  if (instances == 1) return w.hosts.proxy();
  // DNS round robin: each client host resolved the name once and keeps the answer it got,
  // the answers rotating from one host to the next. An L4 balancer (IPVS rr, a cloud network
  // load balancer) gives each new connection to the next instance in turn.
  if (sc_.proxy.spread == ProxySpread::Dns) {
    return w.hosts.proxy(static_cast<std::uint32_t>(host_number(client)) % instances);
  }
  const std::uint32_t instance = next_instance_;
  next_instance_ = (next_instance_ + 1) % instances;
  return w.hosts.proxy(instance);
}

Time Clients::arrival_gap(std::uint32_t client, Time mean) {
  if (!long_lived(client)) return pooled_arrivals_[client].exponential(mean);
  return CounterStream(arrival_family_, client, clients_[client].draws).exponential(mean);
}

Time Clients::arrival_phase(std::uint32_t client, Time max) {
  if (!long_lived(client)) return pooled_arrivals_[client].uniform_time(max);
  return CounterStream(arrival_family_, client, clients_[client].draws).uniform_time(max);
}

std::uint32_t Clients::max_size(std::uint32_t client) const {
  return long_lived(client) ? 1u : static_cast<std::uint32_t>(sc_.clients.pool.max_size);
}

void Clients::start(World& w) {
  const auto client_ids = static_cast<std::uint32_t>(clients_.size());
  for (std::uint32_t i = 0; i < client_ids; ++i) {
    const bool closed_loop = sc_.clients.arrival.kind == ArrivalKind::Closed && !long_lived(i);
    const int first_requests = closed_loop ? sc_.clients.arrival.concurrency : 1;
    for (int k = 0; k < first_requests; ++k) schedule_arrival(w, i);
    if (sc_.clients.pool.idle_evict != kNever && !sc_.clients.pool.evict_at_deadline) {
      // Each client's monitor starts at its own phase, as independent processes would.
      const Time phase = arrival_phase(i, sc_.clients.pool.evict_interval);
      w.sim.schedule(phase, kEvictorRun, i);
    }
  }
  if (sc_.clients.arrival.kind == ArrivalKind::OnOff) {
    w.sim.schedule(onoff_.exponential(sc_.clients.arrival.on), kOnOffToggle, 0);
  }
}

void Clients::schedule_arrival(World& w, std::uint32_t client) {
  const bool pooled = !long_lived(client);
  if (pooled && sc_.clients.arrival.kind == ArrivalKind::Closed) {
    schedule_before_until(w, client, w.sim.now() + arrival_gap(client, sc_.clients.arrival.think_time));
    return;
  }
  if (pooled && sc_.clients.arrival.kind == ArrivalKind::OnOff && !bursts_on_) {
    clients_[client].parked = true;  // memoryless: the next arrival is drawn when the next burst starts
    return;
  }
  const Time mean_gap = pooled ? regular_gap_ : long_lived_gap_;
  schedule_before_until(w, client, w.sim.now() + arrival_gap(client, mean_gap));
}

void Clients::schedule_before_until(World& w, std::uint32_t client, Time at) {
  // clients.arrival.until: the load stops (a drain is watched to the end of the run).
  if (sc_.clients.arrival.until != kNever && at > sc_.clients.arrival.until) return;
  w.sim.schedule(at, kArrival, client);
}

void Clients::on_event(World& w, const Event& e) {
  switch (e.kind()) {
    case kArrival:
      on_arrival(w, e.target);
      return;
    case kEvictorRun:
      if (!expiry_.empty()) {
        if (!expiry_[e.target].on_wake(w.sim, e)) return;
        run_evictor(w, e.target);
        arm_expiry(w, e.target);
        return;
      }
      run_evictor(w, e.target);
      w.sim.schedule(w.sim.now() + sc_.clients.pool.evict_interval, kEvictorRun, e.target);
      return;
    case kClientClose:
      if (conns_[e.target].state == Connection::Closing) close_socket(w, e.target);
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
  const bool closed_loop = sc_.clients.arrival.kind == ArrivalKind::Closed && !long_lived(client);
  if (!closed_loop) schedule_arrival(w, client);
  if (!closed_loop && sc_.clients.arrival.kind == ArrivalKind::OnOff && !long_lived(client) && !bursts_on_) {
    return;  // drawn before the burst ended
  }
  w.rec.request_started(w.sim.now());
  dispatch(w, client, Pending{w.sim.now(), 0});
}

std::uint32_t Clients::new_slot() { return take_slot<&Connection::next>(conns_, free_); }

void Clients::idle_push(Client& cl, std::uint32_t c) {
  Connection& k = conns_[c];
  if (cl.idle == kNone) {
    k.next = k.prev = c;
  } else {
    const std::uint32_t newest = cl.idle;
    const std::uint32_t oldest = conns_[newest].next;
    k.prev = newest;
    k.next = oldest;
    conns_[newest].next = c;
    conns_[oldest].prev = c;
  }
  cl.idle = c;
}

void Clients::idle_unlink(Client& cl, std::uint32_t c) {
  Connection& k = conns_[c];
  if (k.next == c) {
    cl.idle = kNone;
  } else {
    conns_[k.prev].next = k.next;
    conns_[k.next].prev = k.prev;
    if (cl.idle == c) cl.idle = k.prev;
  }
  k.next = k.prev = kNone;
}

void Clients::wait_push(Client& cl, Pending p) {
  const std::uint32_t n = take_slot<&Waiting::next>(waits_, free_waits_);
  waits_[n] = Waiting{p.started, p.attempt, n};
  if (cl.waiting != kNone) {
    waits_[n].next = waits_[cl.waiting].next;  // the oldest
    waits_[cl.waiting].next = n;
  }
  cl.waiting = n;
}

Clients::Pending Clients::wait_pop(Client& cl) {
  const std::uint32_t n = waits_[cl.waiting].next;  // the oldest
  const Waiting& wt = waits_[n];
  const Pending p{wt.started, wt.attempt};
  if (n == cl.waiting) {
    cl.waiting = kNone;
  } else {
    waits_[cl.waiting].next = wt.next;
  }
  give_back_slot<&Waiting::next>(waits_, free_waits_, n);
  return p;
}

std::uint32_t Clients::take_idle(World& w, Client& cl) {
  const PoolConfig& pool = sc_.clients.pool;
  while (cl.idle != kNone) {
    const std::uint32_t c = pool.reuse == PoolReuse::Lifo ? cl.idle : idle_oldest(cl);
    idle_unlink(cl, c);
    Connection& k = conns_[c];
    // An expired connection is closed when a lease finds it, not used (HttpClient's pool checks
    // the Keep-Alive expiry at lease; Go's getIdleConn drops one idle past IdleConnTimeout).
    if (lease_expiry_ != kNever && w.sim.now() - k.since >= lease_expiry_) {
      k.state = Connection::Busy;  // already off the idle list
      drop(w, c);
      continue;
    }
    // Stale check (validate-after-inactivity): a connection idle longer than the threshold
    // is probed first; a FIN or RST already received shows, one still in flight does not
    // (docs/sources.md §9: a stale check can never be complete).
    if (pool.validate_after_inactivity != kNever && w.sim.now() - k.since > pool.validate_after_inactivity &&
        (w.tcp.peer_fin_seen(k.ep) || w.tcp.state(k.ep) == TcpState::Closed)) {
      k.state = Connection::Busy;  // already off the idle list
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
  if (cl.open < max_size(client)) {
    const std::uint32_t c = new_slot();
    Connection& k = conns_[c];
    k = Connection{};
    k.client = client;
    k.state = Connection::Connecting;
    k.since = p.started;
    k.attempt = p.attempt;
    w.tcp.trace_new_connections(trace_left_ > 0);
    if (trace_left_ > 0) --trace_left_;
    k.ep = w.tcp.connect(w.hosts.client(host_number(client)), proxy_host_for(w, client), w.client_proxy_delay,
                         w.client_proxy_jitter, kRoleClient, kRoleProxyFront, c, w.client_proxy_middlebox);
    w.tcp.trace_new_connections(false);
    ++cl.open;
    w.rec.client_connection_opened(w.sim.now());
    return;
  }
  wait_push(cl, p);
}

bool Clients::send_on(World& w, std::uint32_t c, Pending p, bool reused) {
  Connection& k = conns_[c];
  k.since = p.started;
  k.attempt = p.attempt;
  k.reused = reused;
  k.state = Connection::Busy;
  const AppError err = w.tcp.send(k.ep, static_cast<std::uint32_t>(sc_.clients.request_size));
  if (err != AppError::None) {
    fail(w, c, err == AppError::TimedOut ? metrics::Failure::TimedOut : metrics::Failure::ResetOnWrite);
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
      if (k.state == Connection::Connecting) send_on(w, c, Pending{k.since, k.attempt}, /*reused=*/false);
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
        fail(w, c, err == AppError::ConnReset  ? metrics::Failure::ResetOnRead
                   : err == AppError::TimedOut ? metrics::Failure::TimedOut
                                               : metrics::Failure::EofBeforeResponse);
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
  w.rec.request_completed(w.sim.now(), w.sim.now() - k.since);
  const std::uint32_t client = k.client;
  k.served = true;
  if (n.eof || (n.app_flags & kMsgClose)) {
    close_after_reaction(w, c);
  } else {
    release_to_pool(w, c);
  }
  finish_request(w, client);
}

void Clients::fail(World& w, std::uint32_t c, metrics::Failure why) {
  Connection& k = conns_[c];
  const std::uint32_t client = k.client;
  const Pending p{k.since, k.attempt};
  // A 5xx is a response: the libraries resend a request only when the connection failed
  // under it (OkHttp, Apache HttpClient's retry handler, Go's Transport, the JDK's client,
  // urllib3 by default), never on a status (docs/model.md section 3, "Retries").
  const bool retry =
      why != metrics::Failure::Http5xx && k.reused && static_cast<int>(p.attempt) < sc_.clients.retries;
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
  if (sc_.clients.arrival.kind == ArrivalKind::Closed && !long_lived(client)) schedule_arrival(w, client);
  if (cl.waiting != kNone && (cl.idle != kNone || cl.open < max_size(client))) {
    dispatch(w, client, wait_pop(cl));
  }
}

void Clients::release_to_pool(World& w, std::uint32_t c) {
  Connection& k = conns_[c];
  const PoolConfig& pool = sc_.clients.pool;
  // The stack notes when the connection was opened (the same instant as the client did).
  if (pool.max_lifetime != kNever && w.sim.now() - w.tcp.opened_at(TcpStack::connection_of(k.ep)) > pool.max_lifetime) {
    drop(w, c);
    return;
  }
  k.state = Connection::Idle;
  k.since = w.sim.now();
  Client& cl = clients_[k.client];
  const bool first_idle = cl.idle == kNone;
  idle_push(cl, c);
  if (first_idle && !expiry_.empty()) arm_expiry(w, k.client);
  // A pool that keeps at most max_idle idle connections closes the one idle longest
  // (OkHttp's cleanup, HttpURLConnection's KeepAliveCache; docs/model.md). The list never
  // holds more than max_idle + 1, so counting it is short.
  if (pool.max_idle > 0) {
    std::uint32_t idle = 1;
    for (std::uint32_t i = conns_[cl.idle].prev; i != cl.idle; i = conns_[i].prev) ++idle;
    if (idle > static_cast<std::uint32_t>(pool.max_idle)) drop(w, idle_oldest(cl));
  }
}

void Clients::close_after_reaction(World& w, std::uint32_t c) {
  if (sc_.clients.reaction_time == 0) {
    drop(w, c);
    return;
  }
  // The socket stays open while the application gets round to closing it: a proxy that
  // closes with SO_LINGER 0 shortly after its FIN resets it meanwhile (LAB-E2E; an instant
  // close would always answer the FIN first, and the proxy's close would find TIME_WAIT).
  Connection& k = conns_[c];
  --clients_[k.client].open;
  k.state = Connection::Closing;
  w.sim.schedule(w.sim.now() + sc_.clients.reaction_time, kClientClose, c);
}

void Clients::drop(World& w, std::uint32_t c) {
  Connection& k = conns_[c];
  if (k.state == Connection::Idle) idle_unlink(clients_[k.client], c);
  --clients_[k.client].open;
  close_socket(w, c);
}

void Clients::close_socket(World& w, std::uint32_t c) {
  w.tcp.close(conns_[c].ep);
  conns_[c].state = Connection::Free;
  give_back_slot<&Connection::next>(conns_, free_, c);
}

bool Clients::idle_expired(const Connection& k, Time now) const {
  // A monitor closes what it finds idle longer than the threshold; a timer per connection
  // fires at the deadline itself (OkHttp's cleanup, Go's time.AfterFunc; docs/model.md).
  const Time idle = now - k.since;
  return idle > idle_expiry_ || (!expiry_.empty() && idle == idle_expiry_);
}

void Clients::arm_expiry(World& w, std::uint32_t client) {
  // The idle list is oldest first, so the oldest's deadline is the next one; a lease that
  // takes it leaves the wake-up early, and the wake-up re-arms for the new oldest.
  const Client& cl = clients_[client];
  if (cl.idle != kNone) expiry_[client].set(w.sim, conns_[idle_oldest(cl)].since + idle_expiry_, kEvictorRun, client);
}

void Clients::run_evictor(World& w, std::uint32_t client) {
  // The idle-connection monitor (HttpClient IdleConnectionEvictor), or the deadline of the
  // oldest idle connection: close every pooled connection that has expired. The idle list is
  // oldest first.
  Client& cl = clients_[client];
  while (cl.idle != kNone && idle_expired(conns_[idle_oldest(cl)], w.sim.now())) {
    const std::uint32_t c = idle_oldest(cl);
    idle_unlink(cl, c);
    conns_[c].state = Connection::Busy;  // already off the idle list
    drop(w, c);
  }
  if (cl.waiting != kNone && cl.open < max_size(client)) dispatch(w, client, wait_pop(cl));
}

}  // namespace teardown::models
