// The scenario's keys, in the order docs/scenario.md lists them, each bound to its field and
// to what it means. Reading, both writers, key suggestions and the key reference
// (scenario_keys(), from which docs/scenario.md is generated) walk these lists, so a key and
// its description are written in one place.
//
// A visitor V offers one member per kind of value, each taking the key, the field and its Doc:
//   duration, integer, number, boolean, enumeration, keep_alive, retry_on, integer_list,
//   table (a sub-table, described here too), table_array (an array of tables),
//   preset (the name of a row of teardown/presets.hpp of the kind given; a reader applies the
//   row's values to the table before reading any of its keys, which therefore override them),
//   require (the next key must be present when reading; writers ignore it).
// S is the struct or const struct, so the same list serves readers and writers.
#pragma once

#include <concepts>
#include <string_view>
#include <type_traits>

#include "teardown/config.hpp"
#include "teardown/presets.hpp"

namespace teardown::config_schema {

// What a key means, in a phrase, and the unit of a count or a rate ("bytes", "1/s"). Durations
// carry their unit in the value ("250us"), names and flags need none.
struct Doc {
  std::string_view text;
  std::string_view unit = {};
};

template <typename S, typename T>
concept Is = std::same_as<std::remove_const_t<S>, T>;

template <typename V, Is<SimConfig> S>
void describe(V& v, S& s) {
  v.duration("duration", s.duration, {"simulated time that is measured, after the warm-up"});
  v.duration("warmup", s.warmup, {"simulated time run first; metrics ignore it"});
  v.integer("seed", s.seed, {"seed of every random stream of the run: equal seeds, equal runs"});
  v.duration("timeseries_bin", s.timeseries_bin, {"width of one bin of the time series"});
  v.duration("time_wait", s.time_wait,
      {"how long the side that closes first holds a connection in TIME_WAIT (Linux: 60 s)"});
  v.duration("fin_timeout", s.fin_timeout,
      {"how long a socket closed in FIN_WAIT_2 waits for the peer's FIN before it goes (Linux "
       "net.ipv4.tcp_fin_timeout: 60 s)"});
}

template <typename V, Is<NetworkZone> S>
void describe(V& v, S& s) {
  v.require("servers");  // a zone without servers is a mistake, not a default
  v.integer_list("servers", s.servers, {"indices of the backend servers in this zone, from 0 (required)"});
  v.duration("proxy_backend_delay", s.proxy_backend_delay, {"one-way delay between the proxy and these servers"});
  v.duration("jitter", s.jitter, {"extra one-way delay on these links, uniform in [0, jitter]"});
}

template <typename V, Is<Middlebox> S>
void describe(V& v, S& s) {
  v.enumeration("hop", s.hop, {"the link it sits on: between clients and proxy, or between proxy and backends"});
  v.require("idle_timeout");  // no idle timeout is right for every middlebox (docs/model.md, Middleboxes)
  v.duration("idle_timeout", s.idle_timeout,
      {"it forgets a flow with no segment in either direction for this long (required)"});
  v.enumeration("on_expired", s.on_expired,
      {"what a later segment of a forgotten flow meets: drop (silently, until the sender's "
       "retransmissions give up), rst-sender (RST back to its sender) or rst-both (RST to both ends)"});
}

template <typename V, Is<NetworkConfig> S>
void describe(V& v, S& s) {
  v.duration("client_proxy_delay", s.client_proxy_delay, {"one-way delay between a client host and the proxy"});
  v.duration("proxy_backend_delay", s.proxy_backend_delay,
      {"one-way delay between the proxy and a backend (those not in a zone)"});
  v.duration("jitter", s.jitter,
      {"extra one-way delay, uniform in [0, jitter]; the segments of one direction stay in order"});
  v.table_array("zones", s.zones,
      {"backends in zones of their own (another availability zone or region), each with its delay from the proxy"});
  v.table_array("middlebox", s.middlebox,
      {"a NAT gateway, load balancer or conntrack table on a hop that forgets idle flows: zero or more tables"});
}

template <typename V, Is<ArrivalConfig> S>
void describe(V& v, S& s) {
  v.enumeration("kind", s.kind, {"arrival process: Poisson, on/off bursts, or a closed loop"});
  v.number("rate", s.rate, {"requests per second over all clients (poisson; onoff while on)", "1/s"});
  v.duration("on", s.on, {"onoff: mean length of a burst (exponential)"});
  v.duration("off", s.off, {"onoff: mean silence between bursts (exponential)"});
  v.duration("think_time", s.think_time, {"closed: mean think time between a client's requests (exponential)"});
  v.integer("concurrency", s.concurrency, {"closed: requests each client keeps outstanding", "requests"});
  v.duration("until", s.until, {"no request starts after this simulated time (warm-up included); the run goes on"});
}

template <typename V, Is<PoolConfig> S>
void describe(V& v, S& s) {
  v.integer("max_size", s.max_size, {"most connections a client holds; further requests wait", "connections"});
  v.enumeration("reuse", s.reuse,
      {"which idle connection is leased next: the last returned (lifo) or the oldest (fifo)"});
  v.duration("idle_evict", s.idle_evict, {"the idle monitor closes pooled connections idle longer than this"});
  v.duration("evict_interval", s.evict_interval, {"how often the idle monitor runs"});
  v.duration("validate_after_inactivity", s.validate_after_inactivity,
      {"a connection idle longer than this is checked before reuse: a FIN or RST already received "
       "shows, one in flight does not"});
  v.duration("max_lifetime", s.max_lifetime, {"a connection older than this is closed when it is returned"});
  v.integer("max_idle", s.max_idle,
      {"most idle connections a client keeps: one more returned closes the one idle longest; 0: no limit",
       "connections"});
  v.boolean("evict_at_deadline", s.evict_at_deadline,
      {"idle expiry at each connection's own deadline (OkHttp's cleanup, Go's IdleConnTimeout) rather than "
       "by a monitor every evict_interval"});
  v.boolean("keep_alive_header", s.keep_alive_header,
      {"honour a server's \"Keep-Alive: timeout=N\": a connection idle that long is closed, not reused"});
  v.duration("keep_alive_header_margin", s.keep_alive_header_margin,
      {"keep_alive_header: the client expires a connection this much before the announced timeout"});
}

template <typename V, Is<LongLivedConfig> S>
void describe(V& v, S& s) {
  v.integer("count", s.count, {"number of long-lived connections", "connections"});
  v.number("rate", s.rate, {"requests per second on each", "1/s"});
}

template <typename V, Is<ClientsConfig> S>
void describe(V& v, S& s) {
  v.integer("count", s.count, {"number of client hosts", "hosts"});
  v.integer("retries", s.retries,
      {"times a request that failed on a reused connection is sent again, at once, on another", "retries"});
  v.integer("request_size", s.request_size, {"size of each request", "bytes"});
  v.integer("response_size", s.response_size, {"size of each response", "bytes"});
  v.duration("reaction_time", s.reaction_time,
      {"from reading a response that ends its connection to the client's close()"});
  v.preset("preset", s.preset, PresetKind::Client,
      {"client library whose defaults are set first (docs/presets.md), the keys given overriding them; \"\": none"});
  v.table("arrival", s.arrival, {"how requests arrive, all clients together"});
  v.table("pool", s.pool, {"each client's connection pool"});
  v.table("long_lived", s.long_lived, {"long-lived, high-throughput connections, one client each"});
}

template <typename V, Is<ProxyTimeouts> S>
void describe(V& v, S& s) {
  v.duration("client", s.client, {"client side inactivity; off: never"});
  v.duration("server", s.server, {"waiting for the server to answer or read; off: never"});
  v.duration("connect", s.connect, {"TCP connect to a server; off: never"});
  v.duration("http_request", s.http_request, {"until a request's headers are complete; off: client"});
  v.duration("http_keep_alive", s.http_keep_alive,
      {"wait for the next request on a kept-alive client connection; off: http_request, then client"});
  v.duration("tunnel", s.tunnel,
      {"both directions idle in a tunnel (tunnel and tcp modes); off: the smaller of client and server"});
  v.duration("client_fin", s.client_fin, {"client side inactivity once one direction is shut; off: client"});
  v.duration("server_fin", s.server_fin, {"server side inactivity once one direction is shut; off: server"});
  v.duration("queue", s.queue, {"waiting for a server slot (maxconn); off: connect"});
}

template <typename V, Is<ProxyCloseOverrides> S>
void describe(V& v, S& s) {
  v.enumeration("client_idle", s.client_idle, {"an idle client connection whose timeout expired"});
  v.enumeration("server_end", s.server_end,
      {"the server connection at the end of a transaction (server-close, httpclose, the server said close)"});
  v.enumeration("server_switch", s.server_switch,
      {"a server connection left for another server (1.5-1.8 keep-alive) or by a client that leaves"});
  v.enumeration("server_purge", s.server_purge, {"an idle pooled server connection (2.x purge)"});
}

template <typename V, Is<ProxyConfig> S>
void describe(V& v, S& s) {
  v.enumeration("version", s.version, {"HAProxy release whose defaults and ways of closing are modelled"});
  v.enumeration("mode", s.mode,
      {"HTTP connection mode (a mode the release lacks is an error); preset: the release's default"});
  v.enumeration("balance", s.balance, {"load-balancing algorithm"});
  v.integer("random_draws", s.random_draws, {"balance random: servers drawn per pick, the less loaded wins", "draws"});
  v.enumeration("random_seed", s.random_seed,
      {"balance random: fixed, the same picks after every start (HAProxy 2.4 to its early-2024 releases, "
       "e.g. 2.6.12, 2.8.7); per-start, a new sequence each start; preset: the release's"});
  v.boolean("prefer_last_server", s.prefer_last_server,
      {"keep a session's next request on the server it holds a connection to"});
  v.boolean("pretend_keepalive", s.pretend_keepalive, {"with a close mode: do not tell the server to close"});
  v.enumeration("http_reuse", s.http_reuse,
      {"sharing of idle server connections between sessions; preset: the release's default"});
  v.duration("pool_purge_delay", s.pool_purge_delay, {"period of the purge of the 2.x idle server-connection pool"});
  v.boolean("nolinger", s.nolinger, {"close connections with SO_LINGER 0, i.e. with RST"});
  v.boolean("abortonclose", s.abortonclose, {"drop a request whose client closed before it reached a server"});
  v.boolean("redispatch", s.redispatch, {"send the last retry, or one for a server marked down, to another server"});
  v.integer("retries", s.retries, {"connection attempts to a server after the first", "retries"});
  v.retry_on("retry_on", s.retry_on, {"failures after which a request is sent again"});
  v.integer("maxconn", s.maxconn, {"sessions the frontend serves at once; more wait unserved", "connections"});
  v.duration("processing_time", s.processing_time,
      {"time the proxy takes between a message arriving and acting on it"});
  v.table("timeout", s.timeout, {"the proxy's timeouts; off: not set, falling back as HAProxy does"});
  v.table("close", s.close, {"how each kind of close is done, overriding the release's preset"});
  v.integer("instances", s.instances,
      {"proxy instances in front of the same backends, each with its own sessions, pools, balancer and "
       "health checks", "instances"});
  v.enumeration("spread", s.spread,
      {"how clients reach the instances: dns (each client host keeps one instance, in turn) or l4 (an L4 "
       "balancer gives each new connection to the next instance)"});
}

template <typename V, Is<ServiceTimeConfig> S>
void describe(V& v, S& s) {
  v.enumeration("dist", s.dist, {"distribution of the service time"});
  v.duration("mean", s.mean, {"mean service time"});
  v.number("sigma", s.sigma, {"lognormal only: sigma of the underlying normal"});
}

template <typename V, Is<HealthCheckConfig> S>
void describe(V& v, S& s) {
  v.duration("interval", s.interval, {"time between two checks of a server"});
  v.integer("rise", s.rise, {"successful checks in a row that mark a server up", "checks"});
  v.integer("fall", s.fall, {"failed checks in a row that mark a server down", "checks"});
}

template <typename V, Is<BackendEvent> S>
void describe(V& v, S& s) {
  v.require("at");  // an event with no time is a mistake, not a default
  v.duration("at", s.at, {"when, in simulated time from the start of the warm-up (required)"});
  v.integer("server", s.server, {"index of the server, from 0"});
  v.enumeration("action", s.action, {"what happens: restart (down, then up after downtime), down or up"});
  v.duration("downtime", s.downtime, {"restart: how long the server stays away"});
}

template <typename V, Is<BackendsConfig> S>
void describe(V& v, S& s) {
  v.integer("servers", s.servers, {"number of backend servers", "servers"});
  v.integer_list("weights", s.weights, {"one weight per server, 1 to 256; empty: all 1"});
  v.integer("maxconn", s.maxconn,
      {"requests a server takes at once, as the proxy counts them; 0: unlimited", "requests"});
  v.integer("workers", s.workers,
      {"event loops (worker threads) per server; connections are given to them in turn", "loops"});
  v.keep_alive("keep_alive", s.keep_alive,
      {"after a response: keep the connection, close it, or close it once idle this long"});
  v.integer("max_requests", s.max_requests,
      {"responses a connection serves; the last says \"Connection: close\" and the server closes after "
       "writing it; 0: unlimited", "requests"});
  v.boolean("keep_alive_header", s.keep_alive_header,
      {"responses carry \"Keep-Alive: timeout=N\" with the idle timeout of keep_alive (the proxy passes it on)"});
  v.duration("keep_alive_header_timeout", s.keep_alive_header_timeout,
      {"keep_alive_header: the timeout announced, when the server closes later than it says (Node: 1 s later); "
       "off: keep_alive's idle timeout"});
  v.duration("close_delay", s.close_delay, {"close-after-response: from writing the response to close()"});
  v.duration("close_jitter", s.close_jitter,
      {"close-after-response: an extra delay before close(), exponential with this mean"});
  v.boolean("close_waits_for_loop", s.close_waits_for_loop,
      {"the close also waits for the work queued on the connection's loop (a write made from another thread)"});
  v.preset("preset", s.preset, PresetKind::Server,
      {"server whose defaults are set first (docs/presets.md), the keys given overriding them; \"\": none"});
  v.duration("slowstart", s.slowstart, {"after a server comes back, its weight and maxconn ramp up over this time"});
  v.table("service_time", s.service_time, {"time a worker takes to serve one request"});
  v.table("health_check", s.health_check, {"the proxy's health checks of each server"});
  v.table_array("events", s.events, {"changes to a server at given times: zero or more tables"});
}

template <typename V, Is<Scenario> S>
void describe(V& v, S& s) {
  v.table("sim", s.sim, {"how long a run lasts and what it measures"});
  v.table("network", s.network, {"one-way delays of the links and the middleboxes on them"});
  v.table("clients", s.clients, {"client hosts, each with its own connection pool"});
  v.table("proxy", s.proxy, {"the HAProxy-like proxy"});
  v.table("backends", s.backends, {"the backend servers"});
}

}  // namespace teardown::config_schema
