// The preset tables (include/teardown/presets.hpp): every row reads, sets what it lists, and is
// overridden by the keys a scenario gives.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "teardown/presets.hpp"
#include "teardown/scenario.hpp"
#include "teardown/teardown.hpp"

using namespace teardown;

namespace {
std::string table_with(const Preset& p, const std::string& extra = "") {
  return "[" + std::string(table_of(p.kind)) + "]\npreset = \"" + std::string(p.name) + "\"\n" + extra;
}
// The same values written out as keys, without the preset.
std::string table_of_values(const Preset& p) {
  std::string text = "[" + std::string(table_of(p.kind)) + "]\n";
  for (const PresetValue& v : p.values) text += std::string(v.key) + " = " + std::string(v.value) + "\n";
  return text;
}
}  // namespace

TEST_CASE("every preset reads, sets exactly its values, and survives a round trip", "[config][presets]") {
  for (PresetKind kind : {PresetKind::Client, PresetKind::Server}) {
    REQUIRE(presets(kind).size() >= 8);
    std::set<std::string> first_keys;
    for (const Preset& p : presets(kind)) {
      INFO(p.name);
      const Scenario with_preset = parse_toml(table_with(p));
      Scenario spelled_out = parse_toml(table_of_values(p));
      (kind == PresetKind::Client ? spelled_out.clients.preset : spelled_out.backends.preset) = p.name;
      CHECK(with_preset == spelled_out);
      CHECK(parse_toml(to_toml(with_preset)) == with_preset);
      CHECK(find_preset(kind, p.name) == &p);
      CHECK_FALSE(p.library.empty());
      CHECK_FALSE(p.version.empty());
      std::set<std::string> keys;
      for (const PresetValue& v : p.values) {
        CHECK_FALSE(v.source.empty());
        CHECK(keys.insert(std::string(v.key)).second);
      }
      // Every preset of a kind sets the same keys, so one never leaves another's values behind.
      if (first_keys.empty()) first_keys = keys;
      CHECK(keys == first_keys);
    }
  }
}

TEST_CASE("keys a scenario gives override its preset, in any order", "[config][presets]") {
  const Scenario s = parse_toml(
      "[clients.pool]\nmax_size = 3\n[clients]\nretries = 0\npreset = \"okhttp-4\"\n[backends]\nkeep_alive = \"1s\"\n"
      "preset = \"tomcat-10\"\n");
  CHECK(s.clients.preset == "okhttp-4");
  CHECK(s.clients.pool.max_size == 3);
  CHECK(s.clients.retries == 0);
  CHECK(s.clients.pool.idle_evict == 5 * kMinute);  // the preset's
  CHECK(s.clients.pool.evict_at_deadline);
  CHECK(s.backends.keep_alive.idle_timeout == kSecond);
  CHECK(s.backends.max_requests == 100);
  CHECK(parse_toml(to_toml(s)) == s);
}

TEST_CASE("an unknown preset is an error naming the key and the known presets", "[config][presets]") {
  try {
    parse_toml("[clients]\npreset = \"okhtp\"\n");
    FAIL("no error");
  } catch (const ConfigError& e) {
    REQUIRE(e.issues.size() == 1);
    CHECK(e.issues[0].path == "clients.preset");
    CHECK_THAT(e.issues[0].message, Catch::Contains("unknown preset 'okhtp'") && Catch::Contains("'okhttp-4'"));
    CHECK_THAT(e.issues[0].where, Catch::Contains(":2:"));
  }
  Scenario s;
  s.backends.preset = "tomcat";
  REQUIRE(validate(s).size() == 1);
  CHECK(validate(s)[0].path == "backends.preset");
  CHECK_THROWS_AS(parse_toml("[backends]\npreset = 10\n"), ConfigError);
}
