// The resource estimate and the up-front refusal (teardown/scenario.hpp).
//
// Costs were calibrated against the peak RSS and the event count of teardown-run (release
// build) on scenarios where one term dominates: 10^4..10^6 long-lived connections, 10^3..10^5
// client hosts, 10^4 servers, 10^3 and 10^4 requests/s in httpclose (TIME_WAIT), 2.6 million
// time-series cells, a backlog of 10^6 requests; docs/robustness.md has the figures.
#include "scenario/resource_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "teardown/proxy_rules.hpp"
#include "teardown/scenario.hpp"

namespace teardown {
namespace {

constexpr double kBaseBytes = 5.0 * 1024 * 1024;  // the program, the libraries, fixed tables
constexpr double kClientBytes = 448;               // a client host: its pool, streams, host entries
constexpr double kLongLivedBytes = 384;            // a long-lived connection, both sides, its session
constexpr double kServerBytes = 512;               // a backend server, as the proxy and the backends see it
constexpr double kWorkerBytes = 32;                // a backend worker
constexpr double kConnectionBytes = 160;           // an open or TIME_WAIT TCP connection and its owners' state
constexpr double kQueuedRequestBytes = 24;         // a request waiting for a connection
constexpr double kTimeseriesCellBytes = 32;        // one (bin, server) cell, recorded and in the Result
constexpr double kTracedConnectionBytes = 2048;    // the trace records of one traced connection

// Engine events per request, by connection mode (measured: keep-alive 8.1 in 2.x and 10.7 in
// 1.5 with server switches, tcp 8.0, server-close 15, httpclose 20-22).
struct ModeCosts {
  const char* name;
  double events_per_request;
  double closes_per_request;  // TCP connections closed per request (each may sit in TIME_WAIT)
};

ModeCosts mode_costs(const ProxyConfig& proxy) {
  const ProxyMode mode = effective_mode(proxy);
  // Keep-alive costs more where a server switch closes the session's connection (1.5-1.8).
  const bool switch_closes = !rules_of(proxy.version).session_keeps_connections;
  switch (mode) {
    case ProxyMode::HttpServerClose: return {"http-server-close", 16, 0.5};  // often closed hard: no TIME_WAIT
    case ProxyMode::HttpClose: return {"httpclose", 22, 2};
    case ProxyMode::Tcp: return {"tcp", 8, 0};
    case ProxyMode::HttpTunnel: return {"http-tunnel", 8, 0};
    default: return {"http-keep-alive", switch_closes ? 11.0 : 8.0, 0};
  }
}

double seconds(Time t) { return to_seconds(t); }

// 1234567 -> "1,234,567" (rounded).
std::string grouped(double value) {
  if (!std::isfinite(value)) return "infinitely many";
  if (value >= 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2g", value);
    return buf;
  }
  std::string digits = std::to_string(static_cast<long long>(std::llround(value)));
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[i];
    if (i + 1 < n && (n - 1 - i) % 3 == 0) out += ',';
  }
  return out;
}

}  // namespace

std::string format_bytes(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (!std::isfinite(bytes)) return "an unbounded amount of memory";
  int unit = 0;
  while (bytes >= 1024 && unit < 6) {
    bytes /= 1024;
    ++unit;
  }
  char buf[48];
  if (unit == 0 || bytes >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f %s", bytes, kUnits[unit]);
  } else {
    std::snprintf(buf, sizeof buf, "%.2g %s", bytes, kUnits[unit]);
  }
  return buf;
}

ResourceEstimate estimate_resources(const Scenario& s, const RunOptions& options) {
  ResourceEstimate est;
  const double total_s = seconds(s.sim.warmup) + seconds(s.sim.duration);
  const ModeCosts mode = mode_costs(s.proxy);
  const ClientsConfig& c = s.clients;
  const BackendsConfig& b = s.backends;

  // Round-trip and service: how long a request holds its connection, unloaded.
  const double path_delay = 4 * (seconds(s.network.client_proxy_delay) + seconds(s.network.proxy_backend_delay));
  const double latency = seconds(b.service_time.mean) + path_delay + 2 * seconds(s.proxy.processing_time);

  // Requests offered over the run (per second: `offered`).
  double offered = 0;
  switch (c.arrival.kind) {
    case ArrivalKind::Poisson: offered = c.arrival.rate; break;
    case ArrivalKind::OnOff:
      offered = c.arrival.rate * seconds(c.arrival.on) / (seconds(c.arrival.on) + seconds(c.arrival.off));
      break;
    case ArrivalKind::Closed:
      offered = c.count * static_cast<double>(c.arrival.concurrency) /
                std::max(seconds(c.arrival.think_time) + latency, 1e-9);
      break;
  }
  const double long_lived_rate = c.long_lived.count * c.long_lived.rate;
  offered += long_lived_rate;

  // What the backends can serve: each worker serves one request at a time.
  const double capacity = b.servers * static_cast<double>(b.workers) / std::max(seconds(b.service_time.mean), 1e-9);
  const double served = std::min(offered, capacity);
  const double backlog = c.arrival.kind == ArrivalKind::Closed ? 0 : std::max(0.0, offered - capacity) * total_s;

  est.requests = offered * total_s;
  est.events_per_request = mode.events_per_request;

  // Events: requests, connection set-ups of long-lived connections, periodic timers.
  double events = served * total_s * mode.events_per_request + backlog * 2 + c.long_lived.count * 4.0;
  if (c.pool.idle_evict != kNever) {
    events += (c.count + static_cast<double>(c.long_lived.count)) * total_s / seconds(c.pool.evict_interval);
  }
  events += b.servers * total_s / seconds(b.health_check.interval);
  if (s.proxy.pool_purge_delay != kNever) events += b.servers * total_s / seconds(s.proxy.pool_purge_delay);
  if (c.arrival.kind == ArrivalKind::OnOff) {
    events += 2 * total_s / (seconds(c.arrival.on) + seconds(c.arrival.off));
  }
  est.events = events;

  // Memory terms.
  auto add = [&](std::string path, std::string what, double count, double unit) {
    if (count > 0) est.terms.push_back({std::move(path), std::move(what), count, unit});
  };
  add("clients.count", "client hosts", c.count, kClientBytes);
  add("clients.long_lived.count", "long-lived connections", c.long_lived.count, kLongLivedBytes);
  add("backends.servers", "backend servers", b.servers, kServerBytes + kWorkerBytes * b.workers);

  // Pooled connections: each client's pool grows to its peak concurrency (Little's law, plus
  // three standard deviations of a Poisson count), at most max_size; each has a server side.
  double per_client = 0;
  if (c.arrival.kind == ArrivalKind::Closed) {
    per_client = c.arrival.concurrency;
  } else {
    const double arrivals = c.arrival.kind == ArrivalKind::OnOff ? c.arrival.rate : offered - long_lived_rate;
    const double client_rate = arrivals / c.count;
    const double in_flight = offered > capacity ? c.pool.max_size : client_rate * latency;
    per_client = in_flight + 3 * std::sqrt(in_flight) + 1;
    per_client = std::min(per_client, client_rate * total_s);  // a client that sends nothing opens nothing
  }
  per_client = std::min<double>(per_client, c.pool.max_size);
  add("clients.pool.max_size", "pooled connections (client and server side)", 2.0 * c.count * per_client,
      kConnectionBytes);

  // Closed connections wait in TIME_WAIT ("off": for the rest of the run).
  const double time_wait_s = s.sim.time_wait == kNever ? total_s : std::min(seconds(s.sim.time_wait), total_s);
  char closes[32];
  std::snprintf(closes, sizeof closes, "%g", mode.closes_per_request);
  add("sim.time_wait", std::string("connections in TIME_WAIT (") + mode.name + " closes about " + closes +
                           " per request)",
      mode.closes_per_request * served * time_wait_s, kConnectionBytes);

  add(long_lived_rate > offered - long_lived_rate ? "clients.long_lived.rate" : "clients.arrival.rate",
      "requests queued beyond what the backends can serve", backlog, kQueuedRequestBytes);

  const double bins = std::ceil(seconds(s.sim.duration) / seconds(s.sim.timeseries_bin));
  add("sim.timeseries_bin", "time-series cells (bins x servers)", bins * b.servers, kTimeseriesCellBytes);
  add("trace", "traced connections", std::max(0, options.trace_connections), kTracedConnectionBytes);

  std::sort(est.terms.begin(), est.terms.end(),
            [](const ResourceEstimate::Term& x, const ResourceEstimate::Term& y) { return x.bytes() > y.bytes(); });
  est.memory_bytes = kBaseBytes;
  for (const auto& t : est.terms) est.memory_bytes += t.bytes();
  return est;
}

void check_resources(const Scenario& scenario, const RunOptions& options) {
  if (options.max_memory_bytes == 0 && options.max_events == 0) return;
  const ResourceEstimate est = estimate_resources(scenario, options);
  std::vector<ConfigIssue> issues;
  if (options.max_memory_bytes > 0 && est.memory_bytes > static_cast<double>(options.max_memory_bytes)) {
    std::string path, why;
    if (!est.terms.empty()) {
      const auto& top = est.terms.front();
      path = top.path;
      why = " (" + grouped(top.count) + " " + top.what + " x ~" + format_bytes(top.unit_bytes) + ")";
    }
    issues.push_back({path,
                      "this scenario needs about " + format_bytes(est.memory_bytes) + why + ", above the limit of " +
                          format_bytes(static_cast<double>(options.max_memory_bytes)) +
                          "; make it smaller, or raise the limit (RunOptions.max_memory_bytes, "
                          "teardown.run(max_memory=...), --max-memory)",
                      ""});
  }
  if (options.max_events > 0 && est.events > static_cast<double>(options.max_events)) {
    issues.push_back({"sim.duration",
                      "this scenario needs about " + grouped(est.events) + " events (about " + grouped(est.requests) +
                          " requests over sim.warmup + sim.duration = " +
                          format_duration(scenario.sim.warmup + scenario.sim.duration) + ", ~" +
                          grouped(est.events_per_request) + " events each), above the limit of " +
                          grouped(static_cast<double>(options.max_events)) +
                          " events; shorten the run, or raise the limit (RunOptions.max_events, "
                          "teardown.run(max_events=...), --max-events)",
                      ""});
  }
  if (!issues.empty()) throw ConfigError(std::move(issues));
}

}  // namespace teardown
