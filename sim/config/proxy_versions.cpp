#include "config/proxy_versions.hpp"

#include "teardown/proxy_rules.hpp"

namespace teardown {
namespace proxy_versions {
namespace {

// Appends rather than writing "'" + name: GCC 12 at -O3 warns falsely (-Wrestrict) on the latter.
std::string quoted(std::string_view name) {
  std::string out = "'";
  out.append(name).append("'");
  return out;
}

std::string_view name_of(ProxyVersion v) { return rules_of(v).name; }

// The oldest modelled release that has a feature, for the messages.
template <typename Has>
std::string_view first_with(Has has) {
  for (const ProxyVersionRules& r : proxy_version_rules()) {
    if (has(r)) return r.name;
  }
  return "?";
}

}  // namespace

// Availability comes from the release table (teardown/proxy_rules.hpp, sim/config/proxy_rules.cpp).
std::string mode_unavailable(ProxyVersion version, ProxyMode mode) {
  const ProxyVersionRules& rules = rules_of(version);
  if (mode == ProxyMode::HttpTunnel && rules.http_tunnel == TunnelOption::Removed) {
    return "mode 'http-tunnel' does not exist in HAProxy " + std::string(rules.name) +
           " (removed in 2.5); use 'tcp' or an HTTP mode";
  }
  if (mode == ProxyMode::HttpKeepAlive && !rules.keep_alive_option) {
    return "mode 'http-keep-alive' does not exist in HAProxy " + std::string(rules.name) + " (it came in " +
           std::string(first_with([](const ProxyVersionRules& r) { return r.keep_alive_option; })) + "); " +
           std::string(rules.name) +
           " has 'http-tunnel' (its default), 'http-server-close', 'httpclose' and 'http-pretend-keepalive': set "
           "mode = \"preset\" for its default";
  }
  return {};
}

std::string retry_on_unavailable(ProxyVersion version, RetryOn condition) {
  if (!rules_of(version).retry_on_keyword && condition != RetryOn::ConnFailure) {
    return "retry_on " + quoted(to_string(condition)) + " needs proxy.version " +
           std::string(first_with([](const ProxyVersionRules& r) { return r.retry_on_keyword; })) +
           " or later (retry-on came in 2.0); " + std::string(name_of(version)) + " retries failed connects only";
  }
  return {};
}

// Without http-reuse a server connection always belongs to the session that opened it,
// which is what "never" means.
std::string http_reuse_unavailable(ProxyVersion version, HttpReuse reuse) {
  if (!rules_of(version).http_reuse_keyword && reuse != HttpReuse::Preset && reuse != HttpReuse::Never) {
    return "http_reuse " + quoted(to_string(reuse)) + " needs proxy.version " +
           std::string(first_with([](const ProxyVersionRules& r) { return r.http_reuse_keyword; })) +
           " or later (http-reuse came in 1.6); " + std::string(name_of(version)) +
           " only has \"preset\" or \"never\"";
  }
  return {};
}

std::string balance_unavailable(ProxyVersion version, Balance balance) {
  if (balance == Balance::Random && !rules_of(version).random_balance) {
    return "balance 'random' needs proxy.version " +
           std::string(first_with([](const ProxyVersionRules& r) { return r.random_balance; })) +
           " or later (it came in HAProxy 1.9); " + std::string(name_of(version)) + " does not have it";
  }
  return {};
}

}  // namespace proxy_versions

}  // namespace teardown
