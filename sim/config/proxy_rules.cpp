// Every HAProxy version rule the project uses, once: the table of releases and the resolution
// of a scenario's proxy settings against it. Sources: docs/sources.md §3 (what
// each release has), §4 (what each mode closes and how), §5 (timeouts), §6 (options), and
// HAProxy's source at the tags named below; docs/model.md section 2 cites each.
#include "teardown/proxy_rules.hpp"

#include <algorithm>

namespace teardown {

namespace {

// Rows, oldest first. Defaults: tunnel until 1.5-dev22 (commit 70dffdaa1), keep-alive since;
// http-reuse from 1.6 with "never" as default (commit 30631956d), "safe" from 1.9 with the
// shared idle pools (commit 86006a561, CFG1.9 "pool-purge-delay"); retry-on from 2.0;
// "balance random" from 1.9 (commit 21c741a66); "option prefer-last-server" from 1.5 (CFG1.5). "option http-tunnel" is ignored under HTX
// in 2.0 (CFG2.0) and an error from 2.5 (commit d2f2537d1).
// Closes: 1.4 hard-closes the server at the end of every transaction (SRC v1.4.0
// proto_http.c http_end_txn_clean_session); 1.5+ only while the server's FIN is unread, the
// "linger risk" (commits ad38aceda, 2b57cb8f3); 1.5-1.8 keep-alive hard-closes a private
// connection on a server switch and when the client leaves (LAB-11, LAB-4), where 2.x keeps
// it in the session (SRC v2.6.0 src/mux_h1.c h1_detach -> session_add_conn) and closes it
// with the linger-risk rule; the purge closes idle pooled connections hard since 2.4
// (commit 4d1ff11f0); the keep-alive timeout closes the client side with a FIN (LAB-5).
// "option nolinger" on the server side: 2.x only skips the clean shutdown (SC_FL_NOLINGER,
// src/backend.c connect_server -> src/stconn.c CO_SHW_SILENT); the close is then hard unless
// the server's FIN was read, as FD_LINGER_RISK decides (src/fd.c fd_delete; read0 clears it,
// include/haproxy/connection.h conn_sock_read0). Seen in the random campaign: with nolinger a
// server connection the backend closed first is closed with a FIN. 1.x is kept at RST
// (not measured).
// A session's first request may take an idle pooled connection, as later ones do, when
// retry-on covers conn-failure, empty-response and response-timeout (commit ecb40b2c3, in
// 2.7-dev5 and backported to 2.6: measured on 2.6.12 and on 2.8.25, http-reuse safe, 0.006
// new server connections per request with the three against 0.27 without; docs/validation.md).
// "balance random" takes its keys from statistical_prng() since 2.4 (commit 1adaddb49), a
// thread-local xorshift32 whose state starts at 2463534242 plus the thread number x
// MAX_THREADS (SRC v2.6.0 src/tools.c, init_tools_per_thread): every start draws the same
// keys, so every process picks the same servers in the same order. Seeded from ha_random32()
// since commit 715107652 (3.0-dev5, backported in April 2024: 2.4.26, 2.6.17, 2.8.8); before
// 2.4 the keys came from ha_random32(), seeded at start. Measured: 2.6.12 picks the same 60
// servers after every start, those the model predicts; 2.8.25 differs at every start
// (docs/validation.md). The 2.0 row stands for 1.9-2.3.
constexpr ProxyVersionRules kRules[] = {
    {ProxyVersion::V1_4, "1.4", ProxyMode::HttpTunnel, HttpReuse::Never, false, false, false, false, false,
     TunnelOption::Tunnel, false, false, CloseHow::Rst, CloseHow::Rst, CloseHow::Fin, CloseHow::Fin, CloseHow::Rst,
     false, false},
    {ProxyVersion::V1_5, "1.5", ProxyMode::HttpKeepAlive, HttpReuse::Never, true, false, false, false, true,
     TunnelOption::Tunnel, false, false, CloseHow::LingerRisk, CloseHow::Rst, CloseHow::Fin, CloseHow::Fin,
     CloseHow::Rst, false, false},
    {ProxyVersion::V1_8, "1.8", ProxyMode::HttpKeepAlive, HttpReuse::Never, true, true, false, false, true,
     TunnelOption::Tunnel, false, false, CloseHow::LingerRisk, CloseHow::Rst, CloseHow::Fin, CloseHow::Fin,
     CloseHow::Rst, false, false},
    {ProxyVersion::V2_0, "2.0", ProxyMode::HttpKeepAlive, HttpReuse::Safe, true, true, true, true, true,
     TunnelOption::IgnoredInHtx, true, true, CloseHow::LingerRisk, CloseHow::LingerRisk, CloseHow::Fin,
     CloseHow::Fin, CloseHow::LingerRisk, false, false},
    {ProxyVersion::V2_6, "2.6", ProxyMode::HttpKeepAlive, HttpReuse::Safe, true, true, true, true, true,
     TunnelOption::Removed, true, true, CloseHow::LingerRisk, CloseHow::LingerRisk, CloseHow::Rst, CloseHow::Fin,
     CloseHow::LingerRisk, true, true},
};

CloseHow pick(CloseHow override_value, CloseHow preset) {
  return override_value == CloseHow::Preset ? preset : override_value;
}

}  // namespace

std::string_view to_string(ConnMode mode) {
  switch (mode) {
    case ConnMode::KeepAlive: return "keep-alive";
    case ConnMode::ServerClose: return "server-close";
    case ConnMode::Close: return "httpclose";
    case ConnMode::Tunnel: return "tunnel";
    case ConnMode::Tcp: return "tcp";
  }
  return "?";
}

std::span<const ProxyVersionRules> proxy_version_rules() { return kRules; }

const ProxyVersionRules& rules_of(ProxyVersion version) {
  for (const ProxyVersionRules& r : kRules) {
    if (r.version == version) return r;
  }
  return kRules[std::size(kRules) - 1];  // only an out-of-range cast can get here
}

ProxyMode effective_mode(const ProxyConfig& proxy) {
  return proxy.mode != ProxyMode::Preset ? proxy.mode : rules_of(proxy.version).default_mode;
}

HttpReuse effective_http_reuse(const ProxyConfig& proxy) {
  return proxy.http_reuse != HttpReuse::Preset ? proxy.http_reuse : rules_of(proxy.version).default_reuse;
}

ProxyTraits resolve_proxy(const ProxyConfig& p) {
  const ProxyVersionRules& rules = rules_of(p.version);
  ProxyTraits t;
  ProxyMode mode = effective_mode(p);
  // "option http-pretend-keepalive" alone changes nothing: it only drops the
  // "Connection: close" sent to the server when a close mode is active (CLOSEOPT; CFGHEAD).
  // As a mode it therefore means the version's default mode with the option set.
  if (mode == ProxyMode::HttpPretendKeepAlive) {
    t.pretend_keepalive = true;
    mode = rules.default_mode;
  }
  t.pretend_keepalive = t.pretend_keepalive || p.pretend_keepalive;
  switch (mode) {
    case ProxyMode::HttpServerClose: t.mode = ConnMode::ServerClose; break;
    case ProxyMode::HttpClose: t.mode = ConnMode::Close; break;
    case ProxyMode::Tcp: t.mode = ConnMode::Tcp; break;
    case ProxyMode::HttpTunnel:
      t.mode = rules.http_tunnel == TunnelOption::IgnoredInHtx ? ConnMode::KeepAlive : ConnMode::Tunnel;
      break;
    default: t.mode = ConnMode::KeepAlive; break;
  }

  t.reuse = effective_http_reuse(p);
  t.pooled = t.mode == ConnMode::KeepAlive && t.reuse != HttpReuse::Never && rules.shared_idle_pool;
  t.keeps_own_connections = t.mode == ConnMode::KeepAlive && !t.pooled && rules.session_keeps_connections;

  t.client_idle = pick(p.close.client_idle, rules.client_idle);
  t.server_end = pick(p.close.server_end, rules.server_end);
  t.server_switch = pick(p.close.server_switch, rules.server_switch);
  t.server_purge = pick(p.close.server_purge, rules.server_purge);
  t.client_leave_server = t.server_switch;
  t.server_nolinger = rules.server_nolinger;
  t.first_request_reuses = rules.first_request_reuse_with_retries && p.retry_on.contains(RetryOn::ConnFailure) &&
                           p.retry_on.contains(RetryOn::EmptyResponse) &&
                           p.retry_on.contains(RetryOn::ResponseTimeout);
  t.random_fixed_start = p.random_seed == RandomSeed::Preset ? rules.random_fixed_start
                                                             : p.random_seed == RandomSeed::Fixed;

  // Timeout fall-backs (docs/sources.md §5). "timeout client" still applies beneath the
  // HTTP timeouts (CFGHEAD "timeout http-keep-alive": "at the lower level"): an idle client
  // connection expires at the earlier of the two (SRC v2.6.0:src/mux_h1.c h1_refresh_timeout,
  // the connection's timeout, then tick_first with h1_set_idle_expiration's idle_exp).
  const ProxyTimeouts& to = p.timeout;
  const bool request_first = to.http_request != kNever && to.http_request < to.client;
  t.first_request_timeout = request_first ? to.http_request : to.client;
  if (to.http_keep_alive != kNever && to.http_keep_alive < to.client) {
    t.keep_alive_timeout = to.http_keep_alive;
    t.keep_alive_timer = "http-keep-alive";
  } else if (to.http_keep_alive != kNever) {
    t.keep_alive_timeout = to.client;
    t.keep_alive_timer = "client";
  } else {
    t.keep_alive_timeout = t.first_request_timeout;
    t.keep_alive_timer = request_first ? "http-request" : (to.client != kNever ? "client" : "");
  }
  if (to.tunnel != kNever) {
    t.tunnel_timeout = to.tunnel;
    t.tunnel_timer = "tunnel";
  } else {
    t.tunnel_timeout = std::min(to.client, to.server);
    t.tunnel_timer = t.tunnel_timeout == kNever ? "" : (to.client <= to.server ? "client" : "server");
  }
  t.queue_timeout = to.queue != kNever ? to.queue : to.connect;
  t.retry_pause = std::min(to.connect, kSecond);
  return t;
}

}  // namespace teardown
