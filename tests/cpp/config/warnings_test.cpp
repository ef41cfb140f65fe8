// HTTP settings with proxy.mode = "tcp": accepted and ignored, as HAProxy does, and reported as
// warnings; what HAProxy refuses stays refused.
#include <catch2/catch.hpp>

#include <algorithm>

#include "teardown/config.hpp"
#include "teardown/scenario.hpp"

using namespace teardown;

namespace {

constexpr const char* kTcpWithHttpSettings = R"(
[sim]
duration = "2s"
warmup = "0s"
[clients]
count = 4
arrival.rate = 200.0
[proxy]
mode = "tcp"
pretend_keepalive = true
prefer_last_server = true
http_reuse = "always"
retry_on = ["conn-failure", "empty-response", "response-timeout"]
[proxy.timeout]
http_request = "5s"
http_keep_alive = "1s"
)";

std::vector<std::string> paths_of(const std::vector<ConfigIssue>& issues) {
  std::vector<std::string> paths;
  for (const ConfigIssue& i : issues) paths.push_back(i.path);
  return paths;
}

}  // namespace

TEST_CASE("HTTP settings in mode tcp are accepted, each reported as a warning", "[config]") {
  const Scenario s = parse_toml(kTcpWithHttpSettings);
  CHECK(validate(s).empty());
  const std::vector<ConfigIssue> warnings = config_warnings(s);
  CHECK(paths_of(warnings) == std::vector<std::string>{"proxy.pretend_keepalive", "proxy.prefer_last_server",
                                                       "proxy.http_reuse", "proxy.timeout.http_request",
                                                       "proxy.timeout.http_keep_alive", "proxy.retry_on",
                                                       "proxy.retry_on"});
  for (const ConfigIssue& w : warnings) {
    INFO(w.path << ": " << w.message);
    CHECK_THAT(w.message, Catch::Contains("is ignored: an HTTP setting has no effect with proxy.mode = \"tcp\""));
    CHECK(w.where.empty());
  }
  CHECK_THAT(warnings[3].message, Catch::StartsWith("5s is ignored"));
  CHECK_THAT(warnings[5].message, Catch::StartsWith("'empty-response' is ignored"));
}

TEST_CASE("the same settings in an http mode, or a plain tcp scenario, give no warning", "[config]") {
  Scenario s = parse_toml(kTcpWithHttpSettings);
  s.proxy.mode = ProxyMode::HttpKeepAlive;
  CHECK(config_warnings(s).empty());
  CHECK(config_warnings(Scenario{}).empty());
  Scenario tcp;
  tcp.proxy.mode = ProxyMode::Tcp;
  tcp.proxy.http_reuse = HttpReuse::Preset;
  CHECK(config_warnings(tcp).empty());
}

TEST_CASE("what HAProxy refuses stays refused in mode tcp", "[config]") {
  // No http-reuse keyword before 1.6, no retry-on before 2.0: HAProxy rejects the line.
  CHECK_THROWS_AS(parse_toml("[proxy]\nversion = \"1.5\"\nmode = \"tcp\"\nhttp_reuse = \"safe\"\n"), ConfigError);
  CHECK_THROWS_AS(parse_toml("[proxy]\nversion = \"1.8\"\nmode = \"tcp\"\nretry_on = [\"empty-response\"]\n"),
                  ConfigError);
  // A bad value is an error whatever the mode.
  CHECK_THROWS_AS(parse_toml("[proxy]\nmode = \"tcp\"\ntimeout.http_keep_alive = \"0s\"\n"), ConfigError);
}

TEST_CASE("a tcp run ignores the HTTP settings and carries the warnings on its Result", "[config]") {
  const Scenario with = parse_toml(kTcpWithHttpSettings);
  Scenario without = with;
  without.proxy.pretend_keepalive = false;
  without.proxy.prefer_last_server = false;
  without.proxy.http_reuse = HttpReuse::Preset;
  without.proxy.retry_on = {RetryOn::ConnFailure};
  without.proxy.timeout.http_request = kNever;
  without.proxy.timeout.http_keep_alive = kNever;

  const Result a = run(with);
  const Result b = run(without);
  CHECK(a.metrics == b.metrics);
  CHECK(a.events == b.events);
  CHECK(a.warnings == config_warnings(with));
  CHECK(a.warnings.size() == 7);
  CHECK(b.warnings.empty());
}
