// Range and cross-field checks of a Scenario, whatever built it. Every issue is collected, so
// one run of a bad scenario lists all that is wrong with it.
#include <cmath>
#include <limits>

#include "config/proxy_versions.hpp"
#include "config/toml_values.hpp"
#include "teardown/presets.hpp"

namespace teardown {
namespace {

// The longest finite duration a scenario may hold.
constexpr Time kMaxDuration = 87'600 * kHour;
// The lowest request rate per client (or per long-lived connection): one per 100 years.
constexpr double kMinRate = 1.0 / (100 * 365.25 * 24 * 3600);

class Checks {
 public:
  std::vector<ConfigIssue> issues;

  void add(std::string path, std::string message) { issues.push_back({std::move(path), std::move(message), {}}); }

  template <typename Int>
  void at_least(std::string path, Int value, Int min) {
    if (value < min) add(std::move(path), "must be at least " + std::to_string(min) + ", got " + std::to_string(value));
  }

  template <typename Int>
  void at_most(std::string path, Int value, Int max, const char* why) {
    if (value > max) {
      add(std::move(path),
          "must be at most " + std::to_string(max) + ", got " + std::to_string(value) + " (" + why + ")");
    }
  }

  void at_most(std::string path, double value, double max, const char* why) {
    if (std::isfinite(value) && value > max) {
      add(std::move(path), "must be at most " + toml_values::float_text(max) + ", got " +
                               toml_values::float_text(value) + " (" + why + ")");
    }
  }

  void positive(std::string path, double value) {
    if (!(std::isfinite(value) && value > 0)) {
      add(std::move(path), "must be a finite number greater than 0, got " + toml_values::float_text(value));
    }
  }

  void not_negative(std::string path, double value) {
    if (!(std::isfinite(value) && value >= 0)) {
      add(std::move(path), "must be a finite number, 0 or more, got " + toml_values::float_text(value));
    }
  }

  // Durations come in four kinds: zero allowed or not, "off" allowed or not.
  void positive_time(std::string path, Time t) { time(std::move(path), t, false, false); }
  void non_negative_time(std::string path, Time t) { time(std::move(path), t, true, false); }
  void positive_time_or_off(std::string path, Time t) { time(std::move(path), t, false, true); }
  void non_negative_time_or_off(std::string path, Time t) { time(std::move(path), t, true, true); }

 private:
  void time(std::string path, Time t, bool zero_ok, bool off_ok) {
    if (t < 0) {
      add(std::move(path), "must not be negative, got " + format_duration(t));
    } else if (t == 0 && !zero_ok) {
      add(std::move(path), std::string("must be greater than 0") + (off_ok ? " (write \"off\" to disable it)" : ""));
    } else if (t == kNever && !off_ok) {
      add(std::move(path), "must be a finite duration, not \"off\"");
    } else if (t != kNever && t > kMaxDuration) {
      // Far beyond any run, and sums of a few such times still fit in 64-bit nanoseconds.
      add(std::move(path), "must be at most " + format_duration(kMaxDuration) + " (10 years), got " +
                               format_duration(t) + (off_ok ? "; write \"off\" for never" : ""));
    }
  }
};

void check_sim(const SimConfig& sim, Checks& c) {
  c.positive_time("sim.duration", sim.duration);
  c.non_negative_time("sim.warmup", sim.warmup);
  if (sim.warmup >= 0 && sim.duration > 0 && sim.warmup > sim.duration) {
    c.add("sim.warmup", "must not be longer than sim.duration (" + format_duration(sim.warmup) + " > " +
                            format_duration(sim.duration) + ")");
  }
  // TOML integers are signed; a larger seed could not be written back.
  if (sim.seed > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    c.add("sim.seed", "must be at most 9223372036854775807, got " + std::to_string(sim.seed));
  }
  c.positive_time("sim.timeseries_bin", sim.timeseries_bin);
  // Bins are counted in 32 bits.
  if (sim.duration > 0 && sim.timeseries_bin > 0 &&
      sim.duration / sim.timeseries_bin >= std::numeric_limits<std::int32_t>::max()) {
    c.add("sim.timeseries_bin", "gives " + std::to_string(sim.duration / sim.timeseries_bin) +
                                    " bins over sim.duration, more than 2147483646; use a longer bin");
  }
  c.non_negative_time_or_off("sim.time_wait", sim.time_wait);
  c.non_negative_time_or_off("sim.fin_timeout", sim.fin_timeout);
}

void check_network(const NetworkConfig& net, Checks& c) {
  c.non_negative_time("network.client_proxy_delay", net.client_proxy_delay);
  c.non_negative_time("network.proxy_backend_delay", net.proxy_backend_delay);
  c.non_negative_time("network.jitter", net.jitter);
  bool on_hop[2] = {false, false};
  for (std::size_t i = 0; i < net.middlebox.size(); ++i) {
    const Middlebox& m = net.middlebox[i];
    const std::string path = "network.middlebox[" + std::to_string(i) + "]";
    c.positive_time(path + ".idle_timeout", m.idle_timeout);
    // One table per hop: two boxes in series forget a flow at the shorter of their timeouts,
    // so a second one would only say the same thing less clearly.
    bool& taken = on_hop[m.hop == Hop::ClientProxy ? 0 : 1];
    if (taken) c.add(path + ".hop", "a middlebox on " + std::string(to_string(m.hop)) + " is already given; at most one per hop");
    taken = true;
  }
}

// A zone names servers that exist, and a server is in one zone at most (its link to the
// proxy has one delay).
void check_zones(const NetworkConfig& net, int servers, Checks& c) {
  std::vector<int> zone_of(static_cast<std::size_t>(std::max(servers, 0)), -1);
  for (std::size_t z = 0; z < net.zones.size(); ++z) {
    const NetworkZone& zone = net.zones[z];
    const std::string path = "network.zones[" + std::to_string(z) + "]";
    c.non_negative_time(path + ".proxy_backend_delay", zone.proxy_backend_delay);
    c.non_negative_time(path + ".jitter", zone.jitter);
    if (zone.servers.empty()) c.add(path + ".servers", "must name at least one server");
    for (std::size_t i = 0; i < zone.servers.size(); ++i) {
      const int s = zone.servers[i];
      const std::string item = path + ".servers[" + std::to_string(i) + "]";
      if (s < 0 || s >= servers) {
        c.add(item, "no server " + std::to_string(s) + ": backends.servers is " + std::to_string(servers) +
                        ", so indices run from 0 to " + std::to_string(servers - 1));
      } else if (zone_of[static_cast<std::size_t>(s)] >= 0) {
        c.add(item, "server " + std::to_string(s) + " is already in network.zones[" +
                        std::to_string(zone_of[static_cast<std::size_t>(s)]) + "]; a server is in one zone at most");
      } else {
        zone_of[static_cast<std::size_t>(s)] = static_cast<int>(z);
      }
    }
  }
}

// A preset name must be a row of teardown/presets.hpp; the message lists the rows.
void check_preset(const std::string& path, PresetKind kind, const std::string& name, Checks& c) {
  if (name.empty() || find_preset(kind, name) != nullptr) return;
  c.add(path, "unknown preset '" + name + "'; known: " + preset_names(kind));
}

void check_clients(const ClientsConfig& clients, Checks& c) {
  check_preset("clients.preset", PresetKind::Client, clients.preset, c);
  c.at_least("clients.count", clients.count, 1);
  c.at_least("clients.retries", clients.retries, 0);
  c.at_least<std::int64_t>("clients.request_size", clients.request_size, 1);
  c.at_least<std::int64_t>("clients.response_size", clients.response_size, 1);
  constexpr std::int64_t kMaxBytes = std::numeric_limits<std::int32_t>::max();
  c.at_most<std::int64_t>("clients.request_size", clients.request_size, kMaxBytes, "bytes of one request");
  c.at_most<std::int64_t>("clients.response_size", clients.response_size, kMaxBytes, "bytes of one response");
  c.non_negative_time("clients.reaction_time", clients.reaction_time);
  // Ids of clients and their connections are 32-bit.
  if (clients.count > 0 && clients.long_lived.count > 0 &&
      static_cast<std::int64_t>(clients.count) + clients.long_lived.count > kMaxBytes) {
    c.add("clients.long_lived.count", "clients.count + clients.long_lived.count must be at most " +
                                          std::to_string(kMaxBytes) + ", got " +
                                          std::to_string(static_cast<std::int64_t>(clients.count) +
                                                         clients.long_lived.count));
  }

  const ArrivalConfig& a = clients.arrival;
  c.positive("clients.arrival.rate", a.rate);
  // Arrivals closer than the clock's nanosecond would all fall at the same instant.
  c.at_most("clients.arrival.rate", a.rate, 1e9, "one request per nanosecond, the clock's resolution");
  // A client's mean gap between requests must be a duration the clock can hold.
  if (std::isfinite(a.rate) && a.rate > 0 && clients.count >= 1 && a.rate / clients.count < kMinRate) {
    c.add("clients.arrival.rate", "must be at least one request per client per 100 years (" +
                                      toml_values::float_text(kMinRate * clients.count) + " for " +
                                      std::to_string(clients.count) +
                                      " clients), got " + toml_values::float_text(a.rate));
  }
  c.positive_time("clients.arrival.on", a.on);
  c.positive_time("clients.arrival.off", a.off);
  c.non_negative_time("clients.arrival.think_time", a.think_time);
  c.at_least("clients.arrival.concurrency", a.concurrency, 1);
  c.positive_time_or_off("clients.arrival.until", a.until);

  const PoolConfig& p = clients.pool;
  c.at_least("clients.pool.max_size", p.max_size, 1);
  c.at_least("clients.pool.max_idle", p.max_idle, 0);
  c.non_negative_time("clients.pool.keep_alive_header_margin", p.keep_alive_header_margin);
  c.positive_time_or_off("clients.pool.idle_evict", p.idle_evict);
  c.positive_time("clients.pool.evict_interval", p.evict_interval);
  c.non_negative_time_or_off("clients.pool.validate_after_inactivity", p.validate_after_inactivity);
  c.positive_time_or_off("clients.pool.max_lifetime", p.max_lifetime);

  c.at_least("clients.long_lived.count", clients.long_lived.count, 0);
  c.positive("clients.long_lived.rate", clients.long_lived.rate);
  c.at_most("clients.long_lived.rate", clients.long_lived.rate, 1e9,
            "one request per nanosecond, the clock's resolution");
  if (std::isfinite(clients.long_lived.rate) && clients.long_lived.rate > 0 && clients.long_lived.rate < kMinRate) {
    c.add("clients.long_lived.rate", "must be at least one request per 100 years (" +
                                         toml_values::float_text(kMinRate) + "), got " +
                                         toml_values::float_text(clients.long_lived.rate));
  }
}

// HTTP settings mean nothing to a proxy in mode tcp, and HAProxy accepts them there: it ignores
// the options with a warning ("'option %s' ignored for %s '%s' as it requires HTTP mode", SRC
// v2.6.0 src/cfgparse.c check_config_validity, for the cfg_opts rows of PR_MODE_HTTP in
// src/proxy.c, as in 1.5 and 1.8), drops http-reuse silently (src/cfgparse.c: "mode !=
// PR_MODE_HTTP" clears PR_O_REUSE_MASK), takes the HTTP timeouts in any mode (src/proxy.c
// proxy_parse_timeout) and acts on retry-on's empty-response and response-timeout only in mode
// http (only src/http_ana.c reads them; CFG2.6 "retry-on": "silently ignored" otherwise). So
// they are warnings here, and one scenario can be swept over http modes and tcp.
void warn_http_only(const ProxyConfig& proxy, Checks& w) {
  if (effective_mode(proxy) != ProxyMode::Tcp) return;
  const auto ignored = [&w](std::string path, const std::string& value, const char* haproxy) {
    w.add(std::move(path),
          value + " is ignored: an HTTP setting has no effect with proxy.mode = \"tcp\" (HAProxy " + haproxy + ")");
  };
  if (proxy.pretend_keepalive) ignored("proxy.pretend_keepalive", "true", "warns and ignores the option");
  if (proxy.prefer_last_server) ignored("proxy.prefer_last_server", "true", "warns and ignores the option");
  if (proxy.http_reuse != HttpReuse::Preset) {
    ignored("proxy.http_reuse", "'" + std::string(to_string(proxy.http_reuse)) + "'", "drops http-reuse");
  }
  if (proxy.timeout.http_request != kNever) {
    ignored("proxy.timeout.http_request", format_duration(proxy.timeout.http_request), "never reads it in mode tcp");
  }
  if (proxy.timeout.http_keep_alive != kNever) {
    ignored("proxy.timeout.http_keep_alive", format_duration(proxy.timeout.http_keep_alive),
            "never reads it in mode tcp");
  }
  for (RetryOn condition : {RetryOn::EmptyResponse, RetryOn::ResponseTimeout}) {
    if (proxy.retry_on.contains(condition)) {
      ignored("proxy.retry_on", "'" + std::string(to_string(condition)) + "'",
              "acts on it only in mode http");
    }
  }
}

void check_proxy(const ProxyConfig& proxy, Checks& c) {
  if (std::string why = proxy_versions::mode_unavailable(proxy.version, proxy.mode); !why.empty()) {
    c.add("proxy.mode", why);
  }
  if (std::string why = proxy_versions::balance_unavailable(proxy.version, proxy.balance); !why.empty()) {
    c.add("proxy.balance", why);
  }
  if (std::string why = proxy_versions::http_reuse_unavailable(proxy.version, proxy.http_reuse); !why.empty()) {
    c.add("proxy.http_reuse", why);
  }
  for (RetryOn condition : {RetryOn::ConnFailure, RetryOn::EmptyResponse, RetryOn::ResponseTimeout}) {
    if (!proxy.retry_on.contains(condition)) continue;
    if (std::string why = proxy_versions::retry_on_unavailable(proxy.version, condition); !why.empty()) {
      c.add("proxy.retry_on", why);
    }
  }
  c.at_least("proxy.random_draws", proxy.random_draws, 1);
  c.at_most("proxy.random_draws", proxy.random_draws, 1000, "draws per request; a few are enough");
  c.positive_time_or_off("proxy.pool_purge_delay", proxy.pool_purge_delay);
  c.at_least("proxy.retries", proxy.retries, 0);
  c.at_most("proxy.retries", proxy.retries, 255, "retries per request");
  c.at_least("proxy.maxconn", proxy.maxconn, 1);
  c.at_least("proxy.instances", proxy.instances, 1);
  c.at_most("proxy.instances", proxy.instances, kMaxProxyInstances, "proxy instances");
  c.non_negative_time("proxy.processing_time", proxy.processing_time);

  // HAProxy reads 0 as "no timeout"; here that is spelled "off", so 0 is a mistake.
  const ProxyTimeouts& t = proxy.timeout;
  c.positive_time_or_off("proxy.timeout.client", t.client);
  c.positive_time_or_off("proxy.timeout.server", t.server);
  c.positive_time_or_off("proxy.timeout.connect", t.connect);
  c.positive_time_or_off("proxy.timeout.http_request", t.http_request);
  c.positive_time_or_off("proxy.timeout.http_keep_alive", t.http_keep_alive);
  c.positive_time_or_off("proxy.timeout.tunnel", t.tunnel);
  c.positive_time_or_off("proxy.timeout.client_fin", t.client_fin);
  c.positive_time_or_off("proxy.timeout.server_fin", t.server_fin);
  c.positive_time_or_off("proxy.timeout.queue", t.queue);
}

void check_events(const BackendsConfig& b, const SimConfig& sim, Checks& c) {
  // Events are timed from the start of the run, warm-up included.
  const bool end_known = sim.warmup >= 0 && sim.duration >= 0;  // else sim.* already has an issue
  const Time end = !end_known || sim.warmup > kNever - sim.duration ? kNever : sim.warmup + sim.duration;
  for (std::size_t i = 0; i < b.events.size(); ++i) {
    const BackendEvent& e = b.events[i];
    const std::string path = "backends.events[" + std::to_string(i) + "]";
    c.non_negative_time(path + ".at", e.at);
    if (end_known && e.at > end) {
      c.add(path + ".at", format_duration(e.at) + " is after the end of the run (sim.warmup " +
                              format_duration(sim.warmup) + " + sim.duration " + format_duration(sim.duration) + " = " +
                              format_duration(end) + ")");
    }
    if (e.server < 0) {
      c.add(path + ".server", "must not be negative, got " + std::to_string(e.server));
    } else if (e.server >= b.servers) {
      c.add(path + ".server", "no server " + std::to_string(e.server) + ": backends.servers is " +
                                  std::to_string(b.servers) + ", so indices run from 0 to " +
                                  std::to_string(b.servers - 1));
    }
    if (e.action == EventAction::Restart) c.non_negative_time(path + ".downtime", e.downtime);
  }
}

void check_backends(const BackendsConfig& b, const SimConfig& sim, Checks& c) {
  c.at_least("backends.servers", b.servers, 1);
  if (!b.weights.empty() && b.weights.size() != static_cast<std::size_t>(b.servers)) {
    c.add("backends.weights", "has " + std::to_string(b.weights.size()) + " entries but backends.servers is " +
                                  std::to_string(b.servers) + "; give one weight per server, or [] for all 1");
  }
  // HAProxy "weight": 1 to 256 (CFGHEAD 5.2 "weight"; docs/sources.md §6).
  for (std::size_t i = 0; i < b.weights.size(); ++i) {
    if (b.weights[i] < 1 || b.weights[i] > 256) {
      c.add("backends.weights[" + std::to_string(i) + "]",
            "must be from 1 to 256, got " + std::to_string(b.weights[i]));
    }
  }
  check_preset("backends.preset", PresetKind::Server, b.preset, c);
  c.at_least("backends.maxconn", b.maxconn, 0);
  c.at_least("backends.max_requests", b.max_requests, 0);
  c.positive_time_or_off("backends.keep_alive_header_timeout", b.keep_alive_header_timeout);
  c.at_least("backends.workers", b.workers, 1);
  // Worker ids are 32-bit.
  if (b.servers > 0 && b.workers > 0 &&
      static_cast<std::int64_t>(b.servers) * b.workers > std::numeric_limits<std::int32_t>::max()) {
    c.add("backends.workers", "backends.servers x backends.workers must be at most " +
                                  std::to_string(std::numeric_limits<std::int32_t>::max()) + ", got " +
                                  std::to_string(static_cast<std::int64_t>(b.servers) * b.workers));
  }
  if (b.keep_alive.kind == KeepAliveKind::IdleTimeout) {
    if (b.keep_alive.idle_timeout == kNever) {
      c.add("backends.keep_alive", "an idle timeout of \"off\" is written \"forever\"");
    } else {
      c.positive_time("backends.keep_alive", b.keep_alive.idle_timeout);
    }
  }
  c.non_negative_time("backends.close_delay", b.close_delay);
  c.non_negative_time("backends.close_jitter", b.close_jitter);
  c.positive_time_or_off("backends.slowstart", b.slowstart);

  c.positive_time("backends.service_time.mean", b.service_time.mean);
  c.not_negative("backends.service_time.sigma", b.service_time.sigma);

  c.positive_time("backends.health_check.interval", b.health_check.interval);
  c.at_least("backends.health_check.rise", b.health_check.rise, 1);
  c.at_least("backends.health_check.fall", b.health_check.fall, 1);

  check_events(b, sim, c);
}

}  // namespace

std::vector<ConfigIssue> validate(const Scenario& s) {
  Checks c;
  check_sim(s.sim, c);
  check_network(s.network, c);
  check_zones(s.network, s.backends.servers, c);
  check_clients(s.clients, c);
  check_proxy(s.proxy, c);
  check_backends(s.backends, s.sim, c);
  return std::move(c.issues);
}

std::vector<ConfigIssue> config_warnings(const Scenario& s) {
  Checks w;
  warn_http_only(s.proxy, w);
  return std::move(w.issues);
}

}  // namespace teardown
