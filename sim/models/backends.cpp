#include "backends.hpp"

#include <algorithm>

#include "free_list.hpp"
#include "world.hpp"

namespace teardown::models {

Backends::Backends(const Scenario& sc) : sc_(sc) {
  const int n = sc.backends.servers;
  const int workers = sc.backends.workers;
  for (int s = 0; s < n; ++s) {
    Server srv;
    srv.first_worker = static_cast<std::uint32_t>(s * workers);
    srv.service = RandomStream(sc.sim.seed, 1'000'000 + static_cast<std::uint64_t>(s), StreamPurpose::ServiceTime);
    srv.close_jitter = RandomStream(sc.sim.seed, 1'000'000 + static_cast<std::uint64_t>(s), StreamPurpose::CloseDelay);
    servers_.push_back(srv);
  }
  workers_.resize(static_cast<std::size_t>(n * workers));
}

void Backends::start(World& w) {
  for (std::size_t s = 0; s < servers_.size(); ++s) servers_[s].host = w.hosts.backend(static_cast<int>(s));
  for (std::size_t i = 0; i < sc_.backends.events.size(); ++i) {
    w.sim.schedule(sc_.backends.events[i].at, kBackendEvent, static_cast<std::uint32_t>(i));
  }
}

Time Backends::service_time(Server& s) {
  const ServiceTimeConfig& st = sc_.backends.service_time;
  switch (st.dist) {
    case ServiceDist::Constant: return st.mean;
    case ServiceDist::Exponential: return s.service.exponential(st.mean);
    case ServiceDist::Lognormal: return s.service.lognormal(st.mean, st.sigma);
  }
  return st.mean;
}

void Backends::on_notice(World& w, const Notice& n) {
  if (n.kind == Notice::Accepted) {
    accept(w, n);
    return;
  }
  const std::uint32_t c = n.owner;
  Connection& k = conns_[c];
  if (!k.open || k.ep != n.endpoint) return;
  switch (n.kind) {
    case Notice::Data:
      on_request(w, c, n);
      if (n.eof) close_connection(w, c);
      break;
    case Notice::Eof:
      // Netty without half-closure support closes the channel when the peer's FIN is read.
      close_connection(w, c);
      break;
    case Notice::Reset:
      // A read on a reset socket raises IOException in the event loop: "Connection reset by
      // peer" in the backend's log (docs/sources.md §10). A close made by the task that
      // wrote the response, a few microseconds after the write, reads nothing in between: an
      // RST arriving in that gap is never seen by the application (LAB-E2E-2: no ECONNRESET
      // at all behind server-close, RSTs on the wire), and no FIN follows it.
      if (w.tcp.take_error(k.ep) == AppError::ConnReset && !k.closing_in_task) {
        // A close scheduled on a busy loop: the loop reads the RST only once the work queued
        // ahead of it is done, and before it selects again it runs the tasks that fell due,
        // the close among them (Netty 4.1 NioEventLoop.run: select, processSelectedKeys,
        // runAllTasks; the Python backend runs due timers before its next select). The RST
        // of a connection closed that way is never read (docs/validation.md, "A real Netty
        // backend": 0.60 exceptions per request with 1 busy loop, 0.98 with 4).
        // (A write handed over from another thread, close_waits_for_loop, keeps the old rule.)
        if (k.closing && !sc_.backends.close_waits_for_loop && k.close_at <= workers_[k.worker].busy_until) return;
        w.rec.backend_reset(w.sim.now(), static_cast<int>(k.server));
      }
      w.tcp.close(k.ep);
      release(c);
      break;
    default:
      break;
  }
}

void Backends::accept(World& w, const Notice& n) {
  const std::uint32_t c = take_slot<&Connection::next_free>(conns_, free_);
  Connection& k = conns_[c];
  const std::uint32_t generation = k.generation;
  const LazyDeadline idle = k.idle;
  k = Connection{};
  k.generation = generation;
  k.idle.wake_at = idle.wake_at;  // its pending wake-up serves on (LazyDeadline: reuse)
  k.ep = n.endpoint;
  // The accepting endpoint's host tells which server this is.
  const HostIndex host = w.tcp.host(n.endpoint);
  k.server = static_cast<std::uint32_t>(static_cast<int>(host) - static_cast<int>(w.hosts.backend(0)));
  Server& s = servers_[k.server];
  // Netty gives new channels to event loops in turn (DefaultEventExecutorChooserFactory).
  k.worker = s.first_worker + s.next_worker;
  s.next_worker = (s.next_worker + 1) % static_cast<std::uint32_t>(sc_.backends.workers);
  k.open = true;
  w.tcp.set_owner(n.endpoint, c);
  if (sc_.backends.keep_alive.kind == KeepAliveKind::IdleTimeout) {
    k.idle.set_after(w.sim, sc_.backends.keep_alive.idle_timeout, kBackendIdle, c);
  }
}

void Backends::on_request(World& w, std::uint32_t c, const Notice& n) {
  Connection& k = conns_[c];
  w.tcp.read(k.ep);
  k.processing = true;
  k.close_requested = (n.app_flags & kMsgClose) != 0;
  k.idle.clear();
  Worker& wk = workers_[k.worker];
  const Time start = std::max(w.sim.now(), wk.busy_until);
  wk.busy_until = start + service_time(servers_[k.server]);
  w.sim.schedule(wk.busy_until, kBackendServiceDone, c, 0, k.generation);
}

void Backends::on_service_done(World& w, std::uint32_t c) {
  Connection& k = conns_[c];
  k.processing = false;
  ++k.responses;
  // The last response a connection may carry (max_requests) says "Connection: close" and the
  // server closes after writing it, as after a request that asked to close (Tomcat
  // maxKeepAliveRequests, nginx keepalive_requests; docs/presets.md).
  const bool last_allowed = sc_.backends.max_requests > 0 &&
                            k.responses >= static_cast<std::uint32_t>(sc_.backends.max_requests);
  const bool close_after = k.close_requested || last_allowed ||
                           sc_.backends.keep_alive.kind == KeepAliveKind::CloseAfterResponse;
  if (!close_after) {
    w.tcp.send(k.ep, static_cast<std::uint32_t>(sc_.clients.response_size));
    if (sc_.backends.keep_alive.kind == KeepAliveKind::IdleTimeout) {
      k.idle.set_after(w.sim, sc_.backends.keep_alive.idle_timeout, kBackendIdle, c);
    }
    return;
  }
  // Close after write. A Netty 4 write made on the channel's own event loop completes inside
  // the flush and its CLOSE listener runs in the same task, so work queued on the loop does
  // not delay the close; only a write handed over from another thread waits for the loop
  // (docs/sources.md §10: DefaultPromise.notifyListeners, AbstractUnsafe.flush0).
  Time close_at = w.sim.now() + sc_.backends.close_delay;
  if (sc_.backends.close_waits_for_loop) close_at = std::max(w.sim.now(), workers_[k.worker].busy_until) + sc_.backends.close_delay;
  if (sc_.backends.close_jitter > 0) close_at += servers_[k.server].close_jitter.exponential(sc_.backends.close_jitter);
  if (close_at == w.sim.now()) {
    // Response and FIN leave in one segment (LAB-2).
    w.tcp.send(k.ep, static_cast<std::uint32_t>(sc_.clients.response_size), kMsgClose, /*with_fin=*/true);
    close_connection(w, c);
    return;
  }
  w.tcp.send(k.ep, static_cast<std::uint32_t>(sc_.clients.response_size), kMsgClose);
  k.closing = true;
  k.close_at = close_at;
  // Only the jitter separates the close from the write: the same task, no read in between.
  k.closing_in_task = sc_.backends.close_delay == 0 && !sc_.backends.close_waits_for_loop;
  w.sim.schedule(close_at, kBackendClose, c, 0, k.generation);
}

void Backends::close_connection(World& w, std::uint32_t c) {
  Connection& k = conns_[c];
  if (!k.open) return;
  w.tcp.close(k.ep);
  release(c);
}

void Backends::release(std::uint32_t c) {
  Connection& k = conns_[c];
  k.open = false;
  k.idle.clear();
  ++k.generation;
  give_back_slot<&Connection::next_free>(conns_, free_, c);
}

void Backends::stop_server(World& w, int server) {
  Server& s = servers_[static_cast<std::size_t>(server)];
  s.listening = false;
  w.tcp.listen(s.host, false);
  // The process exits: the kernel closes every socket it held (FIN, or RST where data was
  // unread), and new SYNs are refused until it listens again.
  for (std::uint32_t c = 0; c < conns_.size(); ++c) {
    if (conns_[c].open && conns_[c].server == static_cast<std::uint32_t>(server)) close_connection(w, c);
  }
  for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(sc_.backends.workers); ++i) {
    workers_[s.first_worker + i].busy_until = w.sim.now();
  }
}

void Backends::on_event(World& w, const Event& e) {
  switch (e.kind()) {
    case kBackendServiceDone:
      if (e.generation == conns_[e.target].generation && conns_[e.target].open) on_service_done(w, e.target);
      return;
    case kBackendClose:
      if (e.generation == conns_[e.target].generation && conns_[e.target].open) close_connection(w, e.target);
      return;
    case kBackendIdle: {
      Connection& k = conns_[e.target];
      if (k.idle.on_wake(w.sim, e) && k.open && !k.processing && !k.closing) close_connection(w, e.target);
      return;
    }
    case kBackendEvent: {
      const BackendEvent& ev = sc_.backends.events[e.target];
      if (ev.action == EventAction::Up) {
        servers_[static_cast<std::size_t>(ev.server)].listening = true;
        w.tcp.listen(servers_[static_cast<std::size_t>(ev.server)].host, true);
        return;
      }
      stop_server(w, ev.server);
      if (ev.action == EventAction::Restart) {
        w.sim.schedule(w.sim.now() + ev.downtime, kBackendUp, static_cast<std::uint32_t>(ev.server));
      }
      return;
    }
    case kBackendUp:
      servers_[e.target].listening = true;
      w.tcp.listen(servers_[e.target].host, true);
      return;
    default:
      return;
  }
}

}  // namespace teardown::models
