// What each HAProxy version offers: presets resolve per version, names a version lacks are errors.
#include <catch2/catch.hpp>

#include "teardown/config.hpp"
#include "teardown/proxy_rules.hpp"

using namespace teardown;

namespace {

constexpr ProxyVersion kVersions[] = {ProxyVersion::V1_4, ProxyVersion::V1_5, ProxyVersion::V1_8, ProxyVersion::V2_0,
                                      ProxyVersion::V2_6};

bool accepted(const std::string& text) {
  try {
    parse_toml(text);
    return true;
  } catch (const ConfigError&) {
    return false;
  }
}

// 1.4 has no keep-alive mode, the scenario's default, so its scenarios ask for the preset.
std::string proxy_with(ProxyVersion v, const std::string& key, std::string_view value) {
  const std::string mode = key != "mode" && v == ProxyVersion::V1_4 ? "mode = \"preset\"\n" : "";
  return "[proxy]\nversion = \"" + std::string(to_string(v)) + "\"\n" + mode + key + " = \"" + std::string(value) + "\"\n";
}

}  // namespace

TEST_CASE("the preset mode is tunnel in 1.4 and keep-alive from 1.5", "[config]") {
  ProxyConfig p;
  p.mode = ProxyMode::Preset;
  p.version = ProxyVersion::V1_4;
  CHECK(effective_mode(p) == ProxyMode::HttpTunnel);
  for (ProxyVersion v : {ProxyVersion::V1_5, ProxyVersion::V1_8, ProxyVersion::V2_0, ProxyVersion::V2_6}) {
    p.version = v;
    CHECK(effective_mode(p) == ProxyMode::HttpKeepAlive);
  }
  p.mode = ProxyMode::Tcp;
  CHECK(effective_mode(p) == ProxyMode::Tcp);
}

TEST_CASE("the preset http-reuse is never before 1.9 and safe from 2.0", "[config]") {
  ProxyConfig p;
  const std::pair<ProxyVersion, HttpReuse> expected[] = {{ProxyVersion::V1_4, HttpReuse::Never},
                                                         {ProxyVersion::V1_5, HttpReuse::Never},
                                                         {ProxyVersion::V1_8, HttpReuse::Never},
                                                         {ProxyVersion::V2_0, HttpReuse::Safe},
                                                         {ProxyVersion::V2_6, HttpReuse::Safe}};
  for (const auto& [version, reuse] : expected) {
    p.version = version;
    CHECK(effective_http_reuse(p) == reuse);
  }
  p.http_reuse = HttpReuse::Always;
  CHECK(effective_http_reuse(p) == HttpReuse::Always);
}

TEST_CASE("http-tunnel exists up to 2.0 and is gone in 2.6, keep-alive came in 1.5", "[config]") {
  for (ProxyVersion v : kVersions) {
    for (std::string_view mode : {"preset", "http-keep-alive", "http-server-close", "httpclose",
                                  "http-pretend-keepalive", "http-tunnel", "tcp"}) {
      INFO(to_string(v) << " " << mode);
      const bool expected = !(mode == "http-tunnel" && v == ProxyVersion::V2_6) &&
                            !(mode == "http-keep-alive" && v == ProxyVersion::V1_4);
      CHECK(accepted(proxy_with(v, "mode", mode)) == expected);
    }
  }
}

TEST_CASE("http-reuse other than never needs 1.6 or later", "[config]") {
  for (ProxyVersion v : kVersions) {
    for (std::string_view reuse : {"preset", "never", "safe", "aggressive", "always"}) {
      INFO(to_string(v) << " " << reuse);
      const bool old = v == ProxyVersion::V1_4 || v == ProxyVersion::V1_5;
      const bool expected = !old || reuse == "preset" || reuse == "never";
      CHECK(accepted(proxy_with(v, "http_reuse", reuse)) == expected);
    }
  }
}

TEST_CASE("balance random needs 2.0 or later", "[config]") {
  for (ProxyVersion v : kVersions) {
    INFO(to_string(v));
    const bool expected = v == ProxyVersion::V2_0 || v == ProxyVersion::V2_6;
    CHECK(accepted(proxy_with(v, "balance", "random")) == expected);
    CHECK(accepted(proxy_with(v, "balance", "leastconn")));
  }
}

TEST_CASE("retry-on conditions other than conn-failure need 2.0 or later", "[config]") {
  for (ProxyVersion v : kVersions) {
    INFO(to_string(v));
    const std::string mode = v == ProxyVersion::V1_4 ? "mode = \"preset\"\n" : "";
    const std::string text = "[proxy]\nversion = \"" + std::string(to_string(v)) + "\"\n" + mode +
                             "retry_on = [\"conn-failure\", \"empty-response\"]\n";
    const bool expected = v == ProxyVersion::V2_0 || v == ProxyVersion::V2_6;
    CHECK(accepted(text) == expected);
  }
}

TEST_CASE("the release table has one row per modelled release, oldest first, named as scenarios write it",
          "[config][versions]") {
  const auto rows = proxy_version_rules();
  REQUIRE(rows.size() == 5);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(static_cast<std::size_t>(rows[i].version) == i);
    CHECK(rows[i].name == to_string(rows[i].version));
    CHECK(&rules_of(rows[i].version) == &rows[i]);
  }
  // What came when is monotone: nothing modelled here disappears, but http-tunnel.
  for (std::size_t i = 1; i < rows.size(); ++i) {
    CHECK(rows[i].keep_alive_option >= rows[i - 1].keep_alive_option);
    CHECK(rows[i].http_reuse_keyword >= rows[i - 1].http_reuse_keyword);
    CHECK(rows[i].retry_on_keyword >= rows[i - 1].retry_on_keyword);
    CHECK(rows[i].shared_idle_pool >= rows[i - 1].shared_idle_pool);
  }
}

TEST_CASE("an idle client connection expires at the earlier of timeout client and the HTTP timeout", "[config][versions]") {
  // CFGHEAD "timeout http-keep-alive": "timeout client still applies at the lower level";
  // SRC v2.6.0 src/mux_h1.c h1_refresh_timeout (tick_first of the two).
  ProxyConfig p;
  p.timeout.client = 2 * kSecond;
  p.timeout.http_keep_alive = 5 * kSecond;
  ProxyTraits t = resolve_proxy(p);
  CHECK(t.keep_alive_timeout == 2 * kSecond);
  CHECK(t.keep_alive_timer == "client");
  p.timeout.http_keep_alive = 500 * kMillisecond;
  t = resolve_proxy(p);
  CHECK(t.keep_alive_timeout == 500 * kMillisecond);
  CHECK(t.keep_alive_timer == "http-keep-alive");
  p.timeout.http_keep_alive = kNever;
  p.timeout.http_request = 3 * kSecond;
  t = resolve_proxy(p);
  CHECK(t.first_request_timeout == 2 * kSecond);
  CHECK(t.keep_alive_timeout == 2 * kSecond);
  CHECK(t.keep_alive_timer == "client");
}
