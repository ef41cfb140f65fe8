// What each HAProxy release does, written once as data (one row per release), and what a
// scenario's proxy settings come to once the release's defaults are applied. The simulator,
// the config checks, the advisor and `teardown explain` all read these; nothing else states a
// version rule (docs/architecture.md, "Where each rule lives").
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "teardown/config.hpp"
#include "teardown/time.hpp"

namespace teardown {

// The HTTP connection handling in force, after presets and option combinations.
enum class ConnMode : std::uint8_t { KeepAlive, ServerClose, Close, Tunnel, Tcp };
// "keep-alive", "server-close", "httpclose", "tunnel", "tcp".
std::string_view to_string(ConnMode mode);

// What "option http-tunnel" does in a release.
enum class TunnelOption : std::uint8_t {
  Tunnel,        // a real tunnel after the first request (1.4 default, 1.5 option)
  IgnoredInHtx,  // accepted and ignored: 2.0 runs HTX, the connection stays keep-alive
  Removed,       // a configuration error (2.5+)
};

// One modelled release. Each field cites its source in proxy_rules.cpp.
struct ProxyVersionRules {
  ProxyVersion version;
  std::string_view name;          // "1.4", ..., as scenarios write it
  ProxyMode default_mode;         // the mode when proxy.mode = "preset"
  HttpReuse default_reuse;        // the http-reuse when proxy.http_reuse = "preset"
  bool keep_alive_option;         // "option http-keep-alive" exists
  bool http_reuse_keyword;        // "http-reuse" exists (before it: always "never")
  bool retry_on_keyword;          // "retry-on" exists (before it: failed connects only)
  bool random_balance;            // "balance random" exists
  bool prefer_last_server_option; // "option prefer-last-server" exists
  TunnelOption http_tunnel;       // what "option http-tunnel" does
  bool shared_idle_pool;          // keep-alive with http-reuse other than never pools server connections
  bool session_keeps_connections; // a private connection stays with its session when a request goes elsewhere
  CloseHow server_end;            // closing a server connection at the end of a transaction
  CloseHow server_switch;         // closing a private one when the session's request goes elsewhere / the client leaves
  CloseHow server_purge;          // closing an idle pooled one (the purge)
  CloseHow client_idle;           // the keep-alive timeout closing a client connection
  CloseHow server_nolinger;       // what "option nolinger" makes of a server-side close
  bool first_request_reuse_with_retries;  // retry-on covering all three dead-connection cases lets a
                                          // session's first request take an idle connection
  bool random_fixed_start;        // "balance random" draws from a generator every start starts alike
};

// Every modelled release, oldest first.
std::span<const ProxyVersionRules> proxy_version_rules();
const ProxyVersionRules& rules_of(ProxyVersion version);

// A scenario's proxy once the release's defaults and the option combinations are applied.
struct ProxyTraits {
  ConnMode mode = ConnMode::KeepAlive;
  bool pretend_keepalive = false;  // no "Connection: close" to the server in close modes
  bool pooled = false;             // 2.x shared idle server-connection pool (http-reuse != never)
  bool keeps_own_connections = false;  // private connections kept per server by the session (2.x)
  HttpReuse reuse = HttpReuse::Never;
  CloseHow client_idle = CloseHow::Fin;
  CloseHow server_end = CloseHow::LingerRisk;
  CloseHow server_switch = CloseHow::Rst;
  CloseHow server_purge = CloseHow::Rst;
  CloseHow client_leave_server = CloseHow::Rst;  // private server connection when its client leaves
  CloseHow server_nolinger = CloseHow::Rst;      // a server-side close under option nolinger
  bool first_request_reuses = false;  // a session's first request may take an idle pooled connection
  bool random_fixed_start = false;    // balance random's keys: HAProxy's generator from its fixed start
  Time first_request_timeout = kNever;  // http-request, else client
  Time keep_alive_timeout = kNever;     // http-keep-alive, else http-request, else client
  std::string_view keep_alive_timer = "";  // which one: "http-keep-alive", "http-request", "client" or ""
  Time tunnel_timeout = kNever;         // tunnel, else the smaller of client and server
  std::string_view tunnel_timer = "";   // which one: "tunnel", "client", "server" or ""
  Time queue_timeout = kNever;          // queue, else connect
  Time retry_pause = 0;                 // min(connect, 1 s) before retrying the same server
};
ProxyTraits resolve_proxy(const ProxyConfig& proxy);

}  // namespace teardown
