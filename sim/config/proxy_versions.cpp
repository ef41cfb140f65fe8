#include "config/proxy_versions.hpp"

namespace teardown {
namespace proxy_versions {
namespace {

// Appends rather than writing "'" + name: GCC 12 at -O3 warns falsely (-Wrestrict) on the latter.
std::string quoted(std::string_view name) {
  std::string out = "'";
  out.append(name).append("'");
  return out;
}

bool before_1_6(ProxyVersion v) { return v == ProxyVersion::V1_4 || v == ProxyVersion::V1_5; }

bool before_1_9(ProxyVersion v) { return before_1_6(v) || v == ProxyVersion::V1_8; }

}  // namespace

// "option http-tunnel" became a configuration error in 2.5 (fact sheet, version table).
std::string mode_unavailable(ProxyVersion version, ProxyMode mode) {
  if (mode == ProxyMode::HttpTunnel && version == ProxyVersion::V2_6) {
    return "mode 'http-tunnel' does not exist in HAProxy " + std::string(to_string(version)) +
           " (removed in 2.5); use 'tcp' or an HTTP mode";
  }
  // 1.4 keeps the client side alive only in tunnel, server-close or passive-close mode;
  // "option http-keep-alive" came with 1.5-dev22 (fact sheet, version table).
  if (mode == ProxyMode::HttpKeepAlive && version == ProxyVersion::V1_4) {
    return "mode 'http-keep-alive' does not exist in HAProxy 1.4 (it came in 1.5); 1.4 has 'http-tunnel' "
           "(its default), 'http-server-close', 'httpclose' and 'http-pretend-keepalive': set mode = \"preset\" for its default";
  }
  return {};
}

// "retry-on" came in 2.0; before it only failed connects were retried (fact sheet section 3).
std::string retry_on_unavailable(ProxyVersion version, RetryOn condition) {
  const bool before_2_0 = version == ProxyVersion::V1_4 || version == ProxyVersion::V1_5 || version == ProxyVersion::V1_8;
  if (before_2_0 && condition != RetryOn::ConnFailure) {
    return "retry_on " + quoted(to_string(condition)) + " needs proxy.version 2.0 or later (retry-on came in 2.0); " +
           std::string(to_string(version)) + " retries failed connects only";
  }
  return {};
}

// "http-reuse" came in 1.6 (fact sheet, version table); without it a server connection
// always belongs to the session that opened it, which is what "never" means.
std::string http_reuse_unavailable(ProxyVersion version, HttpReuse reuse) {
  if (before_1_6(version) && reuse != HttpReuse::Preset && reuse != HttpReuse::Never) {
    return "http_reuse " + quoted(to_string(reuse)) + " needs proxy.version 1.8 or later (http-reuse came in 1.6); " +
           std::string(to_string(version)) + " only has \"preset\" or \"never\"";
  }
  return {};
}

// "balance random" came in 1.9 (fact sheet section on balance algorithms).
std::string balance_unavailable(ProxyVersion version, Balance balance) {
  if (balance == Balance::Random && before_1_9(version)) {
    return "balance 'random' needs proxy.version 2.0 or later (it came in HAProxy 1.9); " +
           std::string(to_string(version)) + " does not have it";
  }
  return {};
}

}  // namespace proxy_versions

// Until 1.5-dev22 the default was tunnel mode; keep-alive on both sides since (fact sheet, version table).
ProxyMode effective_mode(const ProxyConfig& proxy) {
  if (proxy.mode != ProxyMode::Preset) return proxy.mode;
  return proxy.version == ProxyVersion::V1_4 ? ProxyMode::HttpTunnel : ProxyMode::HttpKeepAlive;
}

// Default "never" from 1.6, "safe" from 1.9 (fact sheet, version table).
HttpReuse effective_http_reuse(const ProxyConfig& proxy) {
  if (proxy.http_reuse != HttpReuse::Preset) return proxy.http_reuse;
  switch (proxy.version) {
    case ProxyVersion::V1_4:
    case ProxyVersion::V1_5:
    case ProxyVersion::V1_8:
      return HttpReuse::Never;
    case ProxyVersion::V2_0:
    case ProxyVersion::V2_6:
      return HttpReuse::Safe;
  }
  return HttpReuse::Never;
}

}  // namespace teardown
