// The scenario's keys, in the order of shared/scenario.example.toml, each bound to its field.
// Reading, both writers and key suggestions walk these lists, so a key is spelled in one place.
//
// A visitor V offers one member per kind of value:
//   duration, integer, number, boolean, enumeration, keep_alive, retry_on, integer_list,
//   table (a sub-table, described here too), table_array (an array of tables),
//   require (the next key must be present when reading; writers ignore it).
// S is the struct or const struct, so the same list serves readers and writers.
#pragma once

#include <concepts>
#include <type_traits>

#include "teardown/config.hpp"

namespace teardown::config_schema {

template <typename S, typename T>
concept Is = std::same_as<std::remove_const_t<S>, T>;

template <typename V, Is<SimConfig> S>
void describe(V& v, S& s) {
  v.duration("duration", s.duration);
  v.duration("warmup", s.warmup);
  v.integer("seed", s.seed);
  v.duration("timeseries_bin", s.timeseries_bin);
  v.duration("time_wait", s.time_wait);
}

template <typename V, Is<NetworkConfig> S>
void describe(V& v, S& s) {
  v.duration("client_proxy_delay", s.client_proxy_delay);
  v.duration("proxy_backend_delay", s.proxy_backend_delay);
  v.duration("jitter", s.jitter);
}

template <typename V, Is<ArrivalConfig> S>
void describe(V& v, S& s) {
  v.enumeration("kind", s.kind);
  v.number("rate", s.rate);
  v.duration("on", s.on);
  v.duration("off", s.off);
  v.duration("think_time", s.think_time);
  v.integer("concurrency", s.concurrency);
  v.duration("until", s.until);
}

template <typename V, Is<PoolConfig> S>
void describe(V& v, S& s) {
  v.integer("max_size", s.max_size);
  v.enumeration("reuse", s.reuse);
  v.duration("idle_evict", s.idle_evict);
  v.duration("evict_interval", s.evict_interval);
  v.duration("validate_after_inactivity", s.validate_after_inactivity);
  v.duration("max_lifetime", s.max_lifetime);
}

template <typename V, Is<LongLivedConfig> S>
void describe(V& v, S& s) {
  v.integer("count", s.count);
  v.number("rate", s.rate);
}

template <typename V, Is<ClientsConfig> S>
void describe(V& v, S& s) {
  v.integer("count", s.count);
  v.integer("retries", s.retries);
  v.integer("request_size", s.request_size);
  v.integer("response_size", s.response_size);
  v.duration("reaction_time", s.reaction_time);
  v.table("arrival", s.arrival);
  v.table("pool", s.pool);
  v.table("long_lived", s.long_lived);
}

template <typename V, Is<ProxyTimeouts> S>
void describe(V& v, S& s) {
  v.duration("client", s.client);
  v.duration("server", s.server);
  v.duration("connect", s.connect);
  v.duration("http_request", s.http_request);
  v.duration("http_keep_alive", s.http_keep_alive);
  v.duration("tunnel", s.tunnel);
  v.duration("client_fin", s.client_fin);
  v.duration("server_fin", s.server_fin);
  v.duration("queue", s.queue);
}

template <typename V, Is<ProxyCloseOverrides> S>
void describe(V& v, S& s) {
  v.enumeration("client_idle", s.client_idle);
  v.enumeration("server_end", s.server_end);
  v.enumeration("server_switch", s.server_switch);
  v.enumeration("server_purge", s.server_purge);
}

template <typename V, Is<ProxyConfig> S>
void describe(V& v, S& s) {
  v.enumeration("version", s.version);
  v.enumeration("mode", s.mode);
  v.enumeration("balance", s.balance);
  v.integer("random_draws", s.random_draws);
  v.boolean("prefer_last_server", s.prefer_last_server);
  v.boolean("pretend_keepalive", s.pretend_keepalive);
  v.enumeration("http_reuse", s.http_reuse);
  v.duration("pool_purge_delay", s.pool_purge_delay);
  v.boolean("nolinger", s.nolinger);
  v.boolean("abortonclose", s.abortonclose);
  v.boolean("redispatch", s.redispatch);
  v.integer("retries", s.retries);
  v.retry_on("retry_on", s.retry_on);
  v.integer("maxconn", s.maxconn);
  v.duration("processing_time", s.processing_time);
  v.table("timeout", s.timeout);
  v.table("close", s.close);
}

template <typename V, Is<ServiceTimeConfig> S>
void describe(V& v, S& s) {
  v.enumeration("dist", s.dist);
  v.duration("mean", s.mean);
  v.number("sigma", s.sigma);
}

template <typename V, Is<HealthCheckConfig> S>
void describe(V& v, S& s) {
  v.duration("interval", s.interval);
  v.integer("rise", s.rise);
  v.integer("fall", s.fall);
}

template <typename V, Is<BackendEvent> S>
void describe(V& v, S& s) {
  v.require("at");  // an event with no time is a mistake, not a default
  v.duration("at", s.at);
  v.integer("server", s.server);
  v.enumeration("action", s.action);
  v.duration("downtime", s.downtime);
}

template <typename V, Is<BackendsConfig> S>
void describe(V& v, S& s) {
  v.integer("servers", s.servers);
  v.integer_list("weights", s.weights);
  v.integer("maxconn", s.maxconn);
  v.integer("workers", s.workers);
  v.keep_alive("keep_alive", s.keep_alive);
  v.duration("close_delay", s.close_delay);
  v.duration("close_jitter", s.close_jitter);
  v.boolean("close_waits_for_loop", s.close_waits_for_loop);
  v.duration("slowstart", s.slowstart);
  v.table("service_time", s.service_time);
  v.table("health_check", s.health_check);
  v.table_array("events", s.events);
}

template <typename V, Is<Scenario> S>
void describe(V& v, S& s) {
  v.table("sim", s.sim);
  v.table("network", s.network);
  v.table("clients", s.clients);
  v.table("proxy", s.proxy);
  v.table("backends", s.backends);
}

}  // namespace teardown::config_schema
