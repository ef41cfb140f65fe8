// What each HAProxy version and option combination does, resolved once per run.
// Sources: shared/domain/haproxy-tcp-facts.md sections 1.1, 1.2, 2, 3 and 10.1.
#include <algorithm>

#include "proxy.hpp"

namespace teardown::models {

namespace {

CloseHow pick(CloseHow override_value, CloseHow preset) {
  return override_value == CloseHow::Preset ? preset : override_value;
}

bool at_least(ProxyVersion v, ProxyVersion min) { return static_cast<int>(v) >= static_cast<int>(min); }

}  // namespace

ProxyTraits resolve_traits(const ProxyConfig& p) {
  ProxyTraits t;
  const ProxyVersion v = p.version;
  ProxyMode mode = effective_mode(p);
  // "option http-pretend-keepalive" alone changes nothing: it only drops the
  // "Connection: close" sent to the server when a close mode is active (CLOSEOPT; CFGHEAD).
  // As a mode it therefore means the version's default mode with the option set.
  if (mode == ProxyMode::HttpPretendKeepAlive) {
    t.pretend_keepalive = true;
    mode = v == ProxyVersion::V1_4 ? ProxyMode::HttpTunnel : ProxyMode::HttpKeepAlive;
  }
  t.pretend_keepalive = t.pretend_keepalive || p.pretend_keepalive;
  switch (mode) {
    case ProxyMode::HttpServerClose: t.mode = ConnMode::ServerClose; break;
    case ProxyMode::HttpClose: t.mode = ConnMode::Close; break;
    case ProxyMode::Tcp: t.mode = ConnMode::Tcp; break;
    case ProxyMode::HttpTunnel:
      // 2.0 runs HTX by default, where "option http-tunnel" is ignored (CFG2.0 "option
      // http-tunnel"): the connection stays in keep-alive mode.
      t.mode = v == ProxyVersion::V2_0 ? ConnMode::KeepAlive : ConnMode::Tunnel;
      break;
    default: t.mode = ConnMode::KeepAlive; break;
  }

  t.reuse = effective_http_reuse(p);
  // The shared idle pool with its purge exists from 1.9 (CFG1.9 "pool-purge-delay").
  t.pooled = t.mode == ConnMode::KeepAlive && t.reuse != HttpReuse::Never && at_least(v, ProxyVersion::V2_0);

  // Closes, per version (section 1.2): 1.4 hard-closes the server at the end of every
  // transaction; 1.5+ closes hard only while the server's FIN is unread ("linger risk").
  const CloseHow end_preset = v == ProxyVersion::V1_4 ? CloseHow::Rst : CloseHow::LingerRisk;
  // 1.5-1.8 keep-alive hard-closes the old server connection on a switch and when the
  // client leaves (LAB-11, LAB-4); 2.x private connections follow the linger-risk rule.
  const CloseHow switch_preset = at_least(v, ProxyVersion::V2_0) ? CloseHow::LingerRisk : CloseHow::Rst;
  // Idle pooled connections killed by the purge are closed hard since 2.4 (commit 4d1ff11f0).
  const CloseHow purge_preset = v == ProxyVersion::V2_6 ? CloseHow::Rst : CloseHow::Fin;
  // The keep-alive timeout closes the client side with a FIN in every version (LAB-5).
  const CloseHow idle_preset = CloseHow::Fin;

  t.client_idle = pick(p.close.client_idle, idle_preset);
  t.server_end = pick(p.close.server_end, end_preset);
  t.server_switch = pick(p.close.server_switch, switch_preset);
  t.server_purge = pick(p.close.server_purge, purge_preset);
  t.client_leave_server = t.server_switch;

  // Timeout fall-backs (section 2).
  const ProxyTimeouts& to = p.timeout;
  t.first_request_timeout = to.http_request != kNever ? to.http_request : to.client;
  t.keep_alive_timeout = to.http_keep_alive != kNever ? to.http_keep_alive : t.first_request_timeout;
  t.tunnel_timeout = to.tunnel != kNever ? to.tunnel : std::min(to.client, to.server);
  t.queue_timeout = to.queue != kNever ? to.queue : to.connect;
  t.retry_pause = std::min(to.connect, kSecond);
  return t;
}

}  // namespace teardown::models
