// Writing a scenario and reading it back gives the same scenario, as text and as a toml::table.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "teardown/config.hpp"
#include "teardown/scenario_toml.hpp"

using namespace teardown;
using namespace teardown::time_literals;

namespace {

// The specification's example scenario, when the workspace has it beside the checkout.
const std::string kExampleFile = TEARDOWN_SOURCE_DIR "/../shared/scenario.example.toml";

// A scenario with every field away from its default, and still valid.
Scenario everything_changed() {
  Scenario s;
  s.sim = {20_min, 2_min, 42, 5_s, 30_s};
  s.network = {1_ms, 300_us, 7_us, {NetworkZone{{0, 2}, 3_ms, 40_us}, NetworkZone{{1}, 20_ms, 0}},
               {{Hop::ClientProxy, 4_min, MiddleboxExpiry::RstBoth}, {Hop::ProxyBackend, 350_s, MiddleboxExpiry::Drop}}};
  s.clients.count = 7;
  s.clients.retries = 2;
  s.clients.request_size = 100;
  s.clients.response_size = 1'000'000;
  s.clients.arrival = {ArrivalKind::OnOff, 123.456, 2_s, 18_s, 250_ms, 4};
  s.clients.pool = {3, PoolReuse::Fifo, 30_s, 1_s, 2_s, 10_min};
  s.clients.long_lived = {5, 12.5};
  ProxyConfig& p = s.proxy;
  p.version = ProxyVersion::V2_0;
  p.mode = ProxyMode::HttpServerClose;
  p.balance = Balance::Random;
  p.random_draws = 3;
  p.random_seed = RandomSeed::Fixed;
  p.prefer_last_server = true;
  p.pretend_keepalive = true;
  p.http_reuse = HttpReuse::Aggressive;
  p.pool_purge_delay = 1_s;
  p.nolinger = true;
  p.abortonclose = true;
  p.redispatch = true;
  p.retries = 0;
  p.retry_on = {RetryOn::EmptyResponse, RetryOn::ResponseTimeout};
  p.maxconn = 50;
  p.processing_time = 1500_ns;
  p.timeout = {30_s, 45_s, 1_s, 10_s, 2_s, 1_h, 5_s, 6_s, 3_s};
  p.close = {CloseHow::Fin, CloseHow::Rst, CloseHow::LingerRisk, CloseHow::Rst};
  BackendsConfig& b = s.backends;
  b.servers = 4;
  b.weights = {1, 2, 256, 10};
  b.maxconn = 100;
  b.workers = 1;
  b.keep_alive = {KeepAliveKind::IdleTimeout, 15_s};
  b.close_delay = 0;
  b.slowstart = 20_s;
  b.service_time = {ServiceDist::Lognormal, 3500_us, 0.5};
  b.health_check = {500_ms, 1, 5};
  b.events = {{2_min, 3, EventAction::Down, 30_s},
              {3_min, 3, EventAction::Up, 30_s},
              {22_min, 1, EventAction::Restart, 0}};
  return s;
}

// Random valid scenarios: odd durations, floats that need all 17 digits, sets and lists of any size.
Scenario random_scenario(std::mt19937_64& rng) {
  auto pick = [&](auto lo, auto hi) { return std::uniform_int_distribution<decltype(lo)>(lo, hi)(rng); };
  auto real = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  auto time_or_off = [&](Time lo, Time hi) { return pick(0, 3) == 0 ? kNever : pick(lo, hi); };
  Scenario s;
  s.sim.duration = pick(Time{1}, 10 * kHour);
  s.sim.warmup = pick(Time{0}, s.sim.duration);
  s.sim.seed = pick(std::uint64_t{0}, std::uint64_t{1} << 62);
  s.sim.time_wait = time_or_off(0, 2 * kMinute);
  s.network.jitter = pick(Time{0}, kSecond);
  s.clients.arrival.kind = static_cast<ArrivalKind>(pick(0, 2));
  s.clients.arrival.rate = real(1e-3, 1e6);
  s.clients.pool.idle_evict = time_or_off(1, kHour);
  s.clients.long_lived.rate = real(0.1, 1e4);
  s.proxy.version = static_cast<ProxyVersion>(pick(3, 4));
  s.proxy.mode = static_cast<ProxyMode>(pick(0, 4));
  s.proxy.http_reuse = static_cast<HttpReuse>(pick(0, 4));
  s.proxy.retry_on = {};
  for (int c = 0; c < 3; ++c) {
    if (pick(0, 1) == 1) s.proxy.retry_on.insert(static_cast<RetryOn>(c));
  }
  s.proxy.timeout.tunnel = time_or_off(1, kHour);
  s.backends.servers = pick(1, 6);
  if (pick(0, 1) == 1) {
    for (int i = 0; i < s.backends.servers; ++i) s.backends.weights.push_back(pick(1, 256));
  }
  switch (pick(0, 2)) {
    case 0: s.backends.keep_alive = {KeepAliveKind::Forever, kNever}; break;
    case 1: s.backends.keep_alive = {KeepAliveKind::CloseAfterResponse, kNever}; break;
    default: s.backends.keep_alive = {KeepAliveKind::IdleTimeout, pick(Time{1}, kHour)}; break;
  }
  s.backends.service_time.sigma = real(0, 3);
  for (int n = pick(0, 3); n > 0; --n) {
    s.backends.events.push_back({pick(Time{0}, s.sim.warmup + s.sim.duration), pick(0, s.backends.servers - 1),
                                 static_cast<EventAction>(pick(0, 2)), pick(Time{0}, kMinute)});
  }
  return s;
}

}  // namespace

TEST_CASE("the default scenario survives to_toml and parse_toml", "[config]") {
  const Scenario defaults;
  CHECK(parse_toml(to_toml(defaults)) == defaults);
}

TEST_CASE("the example file survives to_toml and parse_toml", "[config]") {
  if (!std::filesystem::exists(kExampleFile)) return;
  const Scenario example = load_toml(kExampleFile);
  CHECK(parse_toml(to_toml(example)) == example);
}

TEST_CASE("a scenario with every field changed survives to_toml and parse_toml", "[config]") {
  const Scenario s = everything_changed();
  REQUIRE(validate(s).empty());
  CHECK(parse_toml(to_toml(s)) == s);
  CHECK(scenario_from_table(scenario_to_table(s), "") == s);
}

TEST_CASE("random valid scenarios survive text and table round trips", "[config]") {
  std::mt19937_64 rng(2024);
  for (int i = 0; i < 300; ++i) {
    const Scenario s = random_scenario(rng);
    INFO("scenario:\n" << to_toml(s));
    REQUIRE(validate(s).empty());
    CHECK(parse_toml(to_toml(s)) == s);
    CHECK(scenario_from_table(scenario_to_table(s), "") == s);
  }
}

TEST_CASE("to_toml writes every key in the documented order", "[config]") {
  Scenario with_event;
  with_event.backends.events = {BackendEvent{5_min, 0, EventAction::Restart, 30_s}};
  const std::string text = to_toml(with_event);
  const char* in_order[] = {"[sim]\nduration = \"10m\"\nwarmup = \"1m\"\nseed = 1\n",
                            "[network]\nclient_proxy_delay = \"250us\"",
                            "[clients]\ncount = 20\n",
                            "[clients.arrival]\nkind = \"poisson\"\nrate = 1000.0\n",
                            "[clients.pool]\nmax_size = 10\nreuse = \"lifo\"\nidle_evict = \"off\"\n",
                            "[clients.long_lived]\ncount = 0\nrate = 100.0\n",
                            "[proxy]\nversion = \"2.6\"\nmode = \"http-keep-alive\"\n",
                            "retry_on = [\"conn-failure\"]\n",
                            "[proxy.timeout]\nclient = \"1m\"\n",  // format_duration picks the largest exact unit
                            "[proxy.close]\nclient_idle = \"preset\"\n",
                            "[backends]\nservers = 3\nweights = []\n",
                            "keep_alive = \"forever\"\n",
                            "[backends.service_time]\ndist = \"exponential\"\nmean = \"2ms\"\nsigma = 1.0\n",
                            "[backends.health_check]\ninterval = \"2s\"\n",
                            "[[backends.events]]\nat = \"5m\"\nserver = 0\naction = \"restart\"\ndowntime = \"30s\"\n"};
  std::size_t from = 0;
  for (const char* part : in_order) {
    INFO(part);
    const std::size_t at = text.find(part, from);
    REQUIRE(at != std::string::npos);
    from = at;
  }
}

TEST_CASE("a scenario without events writes an empty events array", "[config]") {
  const std::string text = to_toml(Scenario{});
  CHECK_THAT(text, Catch::Contains("events = []\n"));
  CHECK_THAT(text, !Catch::Contains("[[backends.events]]"));
}

TEST_CASE("a table built in code reads like one parsed from text", "[config]") {
  // As the Python bindings build it from a dict: no source positions.
  toml::table proxy{{"mode", "httpclose"}, {"timeout", toml::table{{"client", "10s"}}}};
  toml::table table{{"proxy", proxy}};
  const Scenario s = scenario_from_table(table, "<dict>");
  CHECK(s.proxy.mode == ProxyMode::HttpClose);
  CHECK(s.proxy.timeout.client == 10_s);

  table.insert_or_assign("sim", toml::table{{"seeed", 3}});
  try {
    scenario_from_table(table, "<dict>");
    FAIL("accepted");
  } catch (const ConfigError& error) {
    REQUIRE(error.issues.size() == 1);
    CHECK(error.issues[0] == ConfigIssue{"sim.seeed", "unknown key; did you mean 'sim.seed'?", "<dict>"});
  }
}
