// Bad scenarios: each issue names the key path and a reason, and every issue is reported at once.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <utility>

#include "teardown/config.hpp"

using namespace teardown;

namespace {

struct BadInput {
  const char* toml;
  const char* path;    // the key path the issue must name
  const char* reason;  // text the message must contain
};

// Throws unless the text is rejected; returns the issues.
std::vector<ConfigIssue> issues_of(const std::string& text) {
  try {
    parse_toml(text);
  } catch (const ConfigError& error) {
    return error.issues;
  }
  FAIL("accepted: " << text);
  return {};
}

const BadInput kBadInputs[] = {
    // Durations.
    {R"(proxy.timeout.client = "ten")", "proxy.timeout.client", "expected a duration, got 'ten'"},
    {R"(sim.time_wait = "5 parsecs")", "sim.time_wait", "unknown unit 'parsecs'"},
    {R"(network.jitter = "-1ms")", "network.jitter", "cannot be negative"},
    {"sim.duration = -5", "sim.duration", "durations cannot be negative"},
    {"proxy.pool_purge_delay = true", "proxy.pool_purge_delay", "expected a duration, got the boolean true"},
    {R"(sim.duration = "0s")", "sim.duration", "must be greater than 0"},
    {R"(sim.duration = "off")", "sim.duration", "must be a finite duration, not \"off\""},
    {R"(sim.warmup = "20m")", "sim.warmup", "must not be longer than sim.duration (20m > 10m)"},
    {"sim.timeseries_bin = 0", "sim.timeseries_bin", "must be greater than 0"},
    {R"(clients.pool.idle_evict = "0s")", "clients.pool.idle_evict", "write \"off\" to disable it"},
    {"proxy.timeout.connect = 0", "proxy.timeout.connect", "must be greater than 0"},
    {"backends.slowstart = 0", "backends.slowstart", "must be greater than 0"},
    // Unknown keys, with the nearest valid key or the same key elsewhere.
    {"[proxy]\ntimout = {}", "proxy.timout", "unknown key; did you mean 'proxy.timeout'?"},
    {"[proxi]\nmode = \"tcp\"", "proxi", "unknown key; did you mean 'proxy'?"},
    {"[proxy.timeout]\nclinet = \"5s\"", "proxy.timeout.clinet", "did you mean 'proxy.timeout.client'?"},
    {"[proxy]\nseed = 3", "proxy.seed", "did you mean 'sim.seed'?"},
    {"[backends]\nretries = 3", "backends.retries", "did you mean 'clients.retries' or 'proxy.retries'?"},
    {"[sim]\nzzz = 1", "sim.zzz", "valid keys in [sim] are: duration, warmup, seed, timeseries_bin, time_wait"},
    // Integers and numbers.
    {"clients.count = 0", "clients.count", "must be at least 1, got 0"},
    {R"(clients.count = "20")", "clients.count", "expected an integer, got the string '20'"},
    {"clients.count = 3000000000", "clients.count", "expected an integer from -2147483648 to 2147483647"},
    {"clients.retries = -1", "clients.retries", "must be at least 0, got -1"},
    {"clients.request_size = 2.5", "clients.request_size", "expected an integer, got the float 2.5"},
    {"clients.response_size = 0", "clients.response_size", "must be at least 1"},
    {"sim.seed = -1", "sim.seed", "expected an integer from 0 to 9223372036854775807"},
    {"clients.arrival.rate = 0", "clients.arrival.rate", "must be a finite number greater than 0, got 0.0"},
    {"clients.arrival.rate = nan", "clients.arrival.rate", "must be a finite number greater than 0, got nan"},
    {R"(clients.arrival.rate = "fast")", "clients.arrival.rate", "expected a number, got the string 'fast'"},
    {"clients.arrival.concurrency = 0", "clients.arrival.concurrency", "must be at least 1"},
    {"clients.pool.max_size = 0", "clients.pool.max_size", "must be at least 1"},
    {"clients.long_lived.count = -2", "clients.long_lived.count", "must be at least 0"},
    {"clients.long_lived.rate = -1.0", "clients.long_lived.rate", "greater than 0"},
    {"proxy.random_draws = 0", "proxy.random_draws", "must be at least 1"},
    {"proxy.retries = -1", "proxy.retries", "must be at least 0"},
    {"proxy.maxconn = 0", "proxy.maxconn", "must be at least 1"},
    {"backends.servers = 0", "backends.servers", "must be at least 1"},
    {"backends.workers = 0", "backends.workers", "must be at least 1"},
    {"backends.maxconn = -1", "backends.maxconn", "must be at least 0"},
    {"backends.service_time.sigma = -1.0", "backends.service_time.sigma", "must be a finite number, 0 or more"},
    {"backends.service_time.mean = 0", "backends.service_time.mean", "must be greater than 0"},
    {"backends.health_check.rise = 0", "backends.health_check.rise", "must be at least 1"},
    {"backends.health_check.fall = 0", "backends.health_check.fall", "must be at least 1"},
    {"backends.health_check.interval = \"0ms\"", "backends.health_check.interval", "must be greater than 0"},
    // Booleans, tables, arrays.
    {R"(proxy.nolinger = "yes")", "proxy.nolinger", "expected true or false, got the string 'yes'"},
    {R"(proxy.timeout = "5s")", "proxy.timeout", "expected a table, got the string '5s'"},
    {"backends.weights = [1, 2]", "backends.weights", "has 2 entries but backends.servers is 3"},
    {"backends.weights = [1, 0, 3]", "backends.weights[1]", "must be from 1 to 256, got 0"},
    {"backends.weights = [1, 2, 300]", "backends.weights[2]", "must be from 1 to 256, got 300"},
    {R"(backends.weights = [1, "2", 3])", "backends.weights[1]", "expected an integer, got the string '2'"},
    {R"(backends.weights = "1,2,3")", "backends.weights", "expected an array of integers"},
    {R"(proxy.retry_on = "conn-failure")", "proxy.retry_on", "expected an array of strings"},
    {R"(proxy.retry_on = ["conn-failure", "timeout"])", "proxy.retry_on[1]",
     "expected one of \"conn-failure\", \"empty-response\", \"response-timeout\", got the string 'timeout'"},
    {R"(proxy.retry_on = ["conn-failure", "conn-failure"])", "proxy.retry_on[1]", "'conn-failure' is listed twice"},
    // Enumerations list the valid names.
    {R"(clients.arrival.kind = "bursty")", "clients.arrival.kind",
     "unknown value 'bursty'; expected one of \"poisson\", \"onoff\", \"closed\""},
    {R"(clients.pool.reuse = "random")", "clients.pool.reuse", "expected one of \"lifo\", \"fifo\""},
    {R"(proxy.version = "2.7")", "proxy.version", "expected one of \"1.4\", \"1.5\", \"1.8\", \"2.0\", \"2.6\""},
    {"proxy.version = 2.6", "proxy.version", "(a string), got the float 2.6"},
    {R"(proxy.mode = "keep-alive")", "proxy.mode", "unknown value 'keep-alive'; expected one of \"preset\""},
    {R"(proxy.balance = "hash")", "proxy.balance", "\"roundrobin\", \"static-rr\", \"leastconn\""},
    {R"(proxy.random_seed = "random")", "proxy.random_seed", "\"preset\", \"fixed\", \"per-start\""},
    {R"(proxy.http_reuse = "sometimes")", "proxy.http_reuse", "\"never\", \"safe\", \"aggressive\", \"always\""},
    {R"(proxy.close.client_idle = "reset")", "proxy.close.client_idle",
     "expected one of \"preset\", \"fin\", \"rst\", \"linger-risk\""},
    {R"(backends.service_time.dist = "normal")", "backends.service_time.dist",
     "\"constant\", \"exponential\", \"lognormal\""},
    {R"(backends.keep_alive = "sometimes")", "backends.keep_alive",
     "expected \"forever\", \"close-after-response\" or an idle timeout"},
    {R"(backends.keep_alive = "0s")", "backends.keep_alive", "must be greater than 0"},
    // What a version does not have.
    {R"(proxy.mode = "http-tunnel")", "proxy.mode", "does not exist in HAProxy 2.6 (removed in 2.5)"},
    {"proxy.version = \"1.5\"\nproxy.http_reuse = \"safe\"", "proxy.http_reuse", "came in 1.6"},
    {"proxy.version = \"1.4\"\nproxy.http_reuse = \"always\"", "proxy.http_reuse", "needs proxy.version 1.8 or later"},
    {"proxy.version = \"1.8\"\nproxy.balance = \"random\"", "proxy.balance", "needs proxy.version 2.0 or later"},
    // Events: per-element paths.
    {"[[backends.events]]\nat = \"1m\"\nserver = 3", "backends.events[0].server", "no server 3: backends.servers is 3"},
    {"[[backends.events]]\nat = \"1m\"\n[[backends.events]]\nat = \"2m\"\nserver = 5", "backends.events[1].server",
     "indices run from 0 to 2"},
    {"[[backends.events]]\nat = \"1m\"\nserver = -1", "backends.events[0].server", "must not be negative"},
    {"[[backends.events]]\nat = \"20m\"", "backends.events[0].at", "20m is after the end of the run"},
    {"[[backends.events]]\nserver = 1", "backends.events[0].at", "missing; this key is required"},
    {"[[backends.events]]\nat = \"1m\"\naction = \"crash\"", "backends.events[0].action",
     "expected one of \"restart\", \"down\", \"up\""},
    {"[[backends.events]]\nat = \"1m\"\nservre = 1", "backends.events[0].servre",
     "did you mean 'backends.events[0].server'?"},
    {"[[backends.events]]\nat = \"1m\"\ndowntime = \"soon\"", "backends.events[0].downtime", "expected a duration"},
    {"[backends.events]\nat = \"1m\"", "backends.events", "expected an array of tables ([[backends.events]])"},
    {"backends.events = [1]", "backends.events[0]", "expected a table, got the integer 1"},
    // Values the TOML parser rejects, under their key.
    {"[clients]\ncount = 1e400", "clients.count", "number out of range: '1e400' does not fit in a 64-bit float"},
    {"[sim]\nseed = 99999999999999999999", "sim.seed", "does not fit in a 64-bit integer"},
    {"[[backends.events]]\nat = 1979-13-01", "backends.events[0].at", "bad date: expected month between 1 and 12"},
    {"backends = { weights = [1, 1e400] }", "backends.weights[1]", "number out of range"},
    // Huge values the model could not hold.
    {R"(proxy.timeout.client = "100000h")", "proxy.timeout.client",
     "must be at most 87600h (10 years), got 100000h; write \"off\" for never"},
    {R"(sim.duration = "2000000h")", "sim.duration", "must be at most 87600h (10 years)"},
    {"[sim]\nduration = \"87600h\"\ntimeseries_bin = \"1us\"", "sim.timeseries_bin", "use a longer bin"},
    {"clients.arrival.rate = 1e12", "clients.arrival.rate", "one request per nanosecond"},
    {"clients.long_lived.rate = 1e300", "clients.long_lived.rate", "must be at most 1e+09"},
    {"proxy.retries = 1000", "proxy.retries", "must be at most 255, got 1000"},
    {"clients.arrival.rate = 1e-12", "clients.arrival.rate", "must be at least one request per client per 100 years"},
    {"clients.long_lived.rate = 1e-12", "clients.long_lived.rate", "must be at least one request per 100 years"},
    {"backends.service_time.sigma = inf", "backends.service_time.sigma", "must be a finite number, 0 or more"},
    {"proxy.random_draws = 2000000000", "proxy.random_draws", "must be at most 1000"},
    {"clients.response_size = 10000000000", "clients.response_size", "must be at most 2147483647"},
    {"[backends]\nservers = 100000\nworkers = 100000", "backends.workers",
     "backends.servers x backends.workers must be at most 2147483647"},
    {"[clients]\ncount = 2000000000\nlong_lived.count = 2000000000", "clients.long_lived.count",
     "clients.count + clients.long_lived.count must be at most"},
};

}  // namespace

TEST_CASE("each bad input is reported with its key path and a reason", "[config]") {
  STATIC_REQUIRE(std::size(kBadInputs) >= 25);
  for (const BadInput& bad : kBadInputs) {
    INFO("input:\n" << bad.toml);
    const std::vector<ConfigIssue> issues = issues_of(bad.toml);
    const auto named =
        std::find_if(issues.begin(), issues.end(), [&](const ConfigIssue& i) { return i.path == bad.path; });
    REQUIRE(named != issues.end());
    CHECK_THAT(named->message, Catch::Contains(bad.reason));
  }
}

TEST_CASE("what() has one 'path: message' line per issue", "[config]") {
  try {
    parse_toml("proxy.timeout.client = \"ten\"\nclients.count = 0\n");
    FAIL("accepted");
  } catch (const ConfigError& error) {
    REQUIRE(error.issues.size() == 2);
    const std::string what = error.what();
    CHECK_THAT(what, Catch::Contains("proxy.timeout.client: expected a duration, got 'ten'"));
    CHECK_THAT(what, Catch::Contains("\nclients.count: must be at least 1, got 0"));
  }
}

TEST_CASE("every issue in a document is reported, not just the first", "[config]") {
  const std::vector<ConfigIssue> issues = issues_of(R"(
    [sim]
    duration = "ten"
    warmup = "-1s"
    [proxi]
    mode = "tcp"
    [clients]
    count = 0
    [backends]
    servers = 2
    weights = [1, 2, 3]
    [[backends.events]]
    at = "1m"
    server = 2
    [[backends.events]]
    server = 0
  )");
  std::vector<std::string> paths;
  for (const ConfigIssue& i : issues) paths.push_back(i.path);
  CHECK_THAT(paths, Catch::UnorderedEquals(std::vector<std::string>{
                        "sim.duration", "sim.warmup", "proxi", "clients.count", "backends.weights",
                        "backends.events[0].server", "backends.events[1].at"}));
}

TEST_CASE("an issue about a value points at where it was written", "[config]") {
  const std::vector<ConfigIssue> issues = issues_of("[sim]\nseed = 1\nduration = 0\n");
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].where == "<string>:3:12");
}

namespace {

// The one issue of a text the loader refuses, and the error's what().
std::pair<ConfigIssue, std::string> only_issue(const std::string& text, const char* source_name) {
  try {
    parse_toml(text, source_name);
  } catch (const ConfigError& error) {
    REQUIRE(error.issues.size() == 1);
    return {error.issues[0], error.what()};
  }
  FAIL("accepted: " << text);
  return {};
}

}  // namespace

TEST_CASE("a TOML syntax error names file, line and column", "[config]") {
  const auto [issue, what] = only_issue("[sim]\nduration = 3\n[proxy\n", "broken.toml");
  CHECK(issue.path.empty());
  CHECK_THAT(issue.where, Catch::StartsWith("broken.toml:3:"));
  CHECK_THAT(what, Catch::StartsWith("broken.toml:3:"));
  CHECK_THAT(what, Catch::Contains("TOML syntax error"));
}

TEST_CASE("a value the TOML parser rejects is reported under its key, at the value", "[config]") {
  const auto [issue, what] = only_issue("[clients]\ncount = 1e400\n", "scenario.toml");
  CHECK(issue.path == "clients.count");
  CHECK(issue.where == "scenario.toml:2:9");
  CHECK(what == "clients.count: number out of range: '1e400' does not fit in a 64-bit float (at scenario.toml:2:9)");
  // A malformed value is a syntax error, still under its key.
  const auto [malformed, malformed_what] = only_issue("[sim]\nduration = = 3\n", "broken.toml");
  CHECK(malformed.path == "sim.duration");
  CHECK(malformed.where == "broken.toml:2:12");
  CHECK_THAT(malformed_what, Catch::StartsWith("sim.duration: TOML syntax error"));
}

TEST_CASE("the value at a place in a TOML text is named by its key path", "[config]") {
  struct Case {
    const char* text;
    int line, column;
    const char* path;  // nullptr: in no value
    int value_line, value_column;
  };
  const Case cases[] = {
      {"[clients]\ncount = 1e400\n", 2, 14, "clients.count", 2, 9},
      {"clients.count = 1e400", 1, 22, "clients.count", 1, 17},
      {"[proxy.timeout]  # t\n\n  client = \"5s\"\n  server = 5x\n", 4, 13, "proxy.timeout.server", 4, 12},
      {"[[backends.events]]\nat = 1\n[[backends.events]]\nat = 1979-13-01\n", 4, 13, "backends.events[1].at", 4, 6},
      {"[[a]]\n[[a]]\n[a.b]\nc = x\n", 4, 5, "a[1].b.c", 4, 5},
      {"weights = [1,\n  2, # two\n  1e400]\n", 3, 8, "weights[2]", 3, 3},
      {"p = { q = { r = [0, 1e400] } }", 1, 26, "p.q.r[1]", 1, 21},
      {"[grid]\n\"proxy.mode\" = [\"tcp\", 1979-13-01]", 2, 30, "grid.\"proxy.mode\"[1]", 2, 24},
      {"[grid]\n'proxy.mode' = 1979-13-01", 2, 23, "grid.\"proxy.mode\"", 2, 16},
      {"s = \"\"\"a\nb\"\"\" \nt = 'x'\nu = 1e400\n", 4, 10, "u", 4, 5},
      {"a = \"\u00e9\"\nb = [\"\u00e9\", 1e400]", 2, 16, "b[1]", 2, 11},  // columns in characters
      {"[sim\nduration = 3\n", 1, 5, nullptr, 0, 0},
      {"[sim]\ndura tion = 3\n", 2, 6, nullptr, 0, 0},
      {"# only a comment\n", 1, 3, nullptr, 0, 0},
      {"", 1, 1, nullptr, 0, 0},
      {"\x01\xff[[[ = \"", 1, 4, nullptr, 0, 0},
  };
  for (const Case& c : cases) {
    INFO(c.text << " at " << c.line << ":" << c.column);
    const std::optional<TomlValuePlace> found = toml_value_at(c.text, c.line, c.column);
    if (c.path == nullptr) {
      CHECK_FALSE(found);
      continue;
    }
    REQUIRE(found);
    CHECK(found->path == c.path);
    CHECK(found->line == c.value_line);
    CHECK(found->column == c.value_column);
  }
  CHECK_FALSE(toml_value_at(std::string(100000, '['), 1, 100000));
  CHECK_FALSE(toml_value_at("a = " + std::string(5000, '[') + "x", 1, 5006));  // too deep: not followed
}

TEST_CASE("a file that cannot be read is a ConfigError naming it", "[config]") {
  const std::string missing = "/nonexistent/teardown/scenario.toml";
  try {
    load_toml(missing);
    FAIL("accepted");
  } catch (const ConfigError& error) {
    CHECK_THAT(error.what(), Catch::StartsWith(missing + ": cannot read scenario file"));
  }
  CHECK_THROWS_AS(load_toml("/tmp"), ConfigError);
}

TEST_CASE("issues from a file carry the file name", "[config]") {
  const std::string path = "/tmp/teardown_config_errors_test.toml";
  std::ofstream(path) << "[clients]\ncount = -3\n";
  try {
    load_toml(path);
    FAIL("accepted");
  } catch (const ConfigError& error) {
    CHECK_THAT(error.what(), Catch::Contains("clients.count: must be at least 1, got -3 (at " + path + ":2:9)"));
  }
  std::remove(path.c_str());
}
