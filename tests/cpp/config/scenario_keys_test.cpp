// The key reference (docs/scenario.md comes from it): every key the writer writes is listed,
// once, with a description, and every named value has its names.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "teardown/config.hpp"
#include "teardown/scenario_keys.hpp"
#include "teardown/scenario_toml.hpp"

using namespace teardown;

namespace {

// The dotted path of every key of a table, sub-tables and their keys included.
void collect_paths(const toml::table& table, const std::string& prefix, std::set<std::string>& out) {
  for (const auto& [key, node] : table) {
    const std::string path = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    out.insert(path);
    if (const toml::table* sub = node.as_table()) collect_paths(*sub, path, out);
  }
}

}  // namespace

TEST_CASE("the key reference lists every key of a written scenario, tables first", "[config]") {
  const Scenario s;
  std::set<std::string> written;
  collect_paths(scenario_to_table(s), "", written);

  std::set<std::string> listed;
  for (const ScenarioKey& key : scenario_keys()) {
    INFO(key.path);
    CHECK(listed.insert(key.path).second);
    const std::size_t dot = key.path.rfind('.');
    if (dot != std::string::npos) CHECK(listed.count(key.path.substr(0, dot)) == 1);  // its table came first
  }
  for (const std::string& path : written) {
    INFO(path);
    CHECK(listed.count(path) == 1);
  }
  // An array of tables is written as an array; its elements' keys are listed under it.
  const char* element_keys[] = {"backends.events.at", "backends.events.server", "backends.events.action",
                                "backends.events.downtime", "network.zones.servers",
                                "network.zones.proxy_backend_delay", "network.zones.jitter",
                                "network.middlebox.hop", "network.middlebox.idle_timeout",
                                "network.middlebox.on_expired"};
  for (const char* path : element_keys) CHECK(listed.count(path) == 1);
  CHECK(listed.size() == written.size() + std::size(element_keys));
}

TEST_CASE("every listed key says what it means, and a named one which names it takes", "[config]") {
  for (const ScenarioKey& key : scenario_keys()) {
    INFO(key.path);
    CHECK_FALSE(key.description.empty());
    CHECK_FALSE(key.kind.empty());
    const bool named = key.kind == "name" || key.kind == "names" || key.kind == "keep-alive";
    CHECK(named == !key.names.empty());
  }
}

TEST_CASE("the key reference names values as TOML spells them", "[config]") {
  for (const ScenarioKey& key : scenario_keys()) {
    if (key.path == "proxy.mode") CHECK(key.names.front() == "preset");
    if (key.path == "backends.keep_alive") {
      CHECK(key.names == std::vector<std::string>{"forever", "close-after-response"});
    }
    if (key.path == "clients.request_size") CHECK(key.unit == "bytes");
  }
}
