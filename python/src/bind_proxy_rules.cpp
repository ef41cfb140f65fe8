// The release table and the resolution of a scenario's proxy (teardown/proxy_rules.hpp), for
// the advisor, `teardown explain`, the CLI and the importer: Python asks, it never restates.
#include <string>

#include "bindings.hpp"
#include "teardown/proxy_rules.hpp"

namespace py = pybind11;

namespace teardown::py {
namespace {

std::string tunnel_text(TunnelOption t) {
  switch (t) {
    case TunnelOption::Tunnel: return "tunnel";
    case TunnelOption::IgnoredInHtx: return "ignored";
    case TunnelOption::Removed: return "removed";
  }
  return "?";
}

::py::dict rules_to_dict(const ProxyVersionRules& r) {
  ::py::dict d;
  d["version"] = std::string(r.name);
  d["default_mode"] = std::string(to_string(r.default_mode));
  d["default_http_reuse"] = std::string(to_string(r.default_reuse));
  d["keep_alive_option"] = r.keep_alive_option;
  d["http_reuse_keyword"] = r.http_reuse_keyword;
  d["retry_on_keyword"] = r.retry_on_keyword;
  d["random_balance"] = r.random_balance;
  d["prefer_last_server_option"] = r.prefer_last_server_option;
  d["http_tunnel"] = tunnel_text(r.http_tunnel);
  d["shared_idle_pool"] = r.shared_idle_pool;
  d["session_keeps_connections"] = r.session_keeps_connections;
  d["first_request_reuse_with_retries"] = r.first_request_reuse_with_retries;
  d["random_fixed_start"] = r.random_fixed_start;
  ::py::dict close;
  close["server_end"] = std::string(to_string(r.server_end));
  close["server_switch"] = std::string(to_string(r.server_switch));
  close["server_purge"] = std::string(to_string(r.server_purge));
  close["client_idle"] = std::string(to_string(r.client_idle));
  close["server_nolinger"] = std::string(to_string(r.server_nolinger));
  d["close"] = close;
  return d;
}

::py::dict traits_to_dict(const ProxyTraits& t) {
  ::py::dict d;
  d["mode"] = std::string(to_string(t.mode));
  d["pretend_keepalive"] = t.pretend_keepalive;
  d["pooled"] = t.pooled;
  d["private"] = t.mode == ConnMode::KeepAlive && !t.pooled;
  d["keeps_own_connections"] = t.keeps_own_connections;
  d["first_request_reuses"] = t.first_request_reuses;
  d["random_fixed_start"] = t.random_fixed_start;
  d["http_reuse"] = std::string(to_string(t.reuse));
  ::py::dict close;
  close["client_idle"] = std::string(to_string(t.client_idle));
  close["server_end"] = std::string(to_string(t.server_end));
  close["server_switch"] = std::string(to_string(t.server_switch));
  close["server_purge"] = std::string(to_string(t.server_purge));
  close["client_leave_server"] = std::string(to_string(t.client_leave_server));
  close["server_nolinger"] = std::string(to_string(t.server_nolinger));
  d["close"] = close;
  d["first_request_timeout"] = t.first_request_timeout;
  d["keep_alive_timeout"] = t.keep_alive_timeout;
  d["keep_alive_timer"] = std::string(t.keep_alive_timer);
  d["tunnel_timeout"] = t.tunnel_timeout;
  d["tunnel_timer"] = std::string(t.tunnel_timer);
  d["queue_timeout"] = t.queue_timeout;
  d["retry_pause"] = t.retry_pause;
  return d;
}

}  // namespace

void bind_proxy_rules(::py::module_& m) {
  m.def(
      "proxy_versions",
      [] {
        ::py::list out;
        for (const ProxyVersionRules& r : proxy_version_rules()) out.append(rules_to_dict(r));
        return out;
      },
      "Every modelled HAProxy release, oldest first, with what it has and how it closes (one row each).");
  m.def(
      "resolve_proxy", [](const Scenario& scenario) { return traits_to_dict(resolve_proxy(scenario.proxy)); },
      ::py::arg("scenario"),
      "What a checked scenario's proxy does once its release's defaults are applied: mode in force, pooling, "
      "how each kind of close is done, the timers in force (nanoseconds).");
}

}  // namespace teardown::py
