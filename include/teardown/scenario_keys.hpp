// The scenario's keys as a reference: each key's path, kind of value, unit and meaning, in the
// order of the schema that reads and writes them. docs/scenario.md is generated from this list
// (with the defaults of a default Scenario), so the reference cannot drift from the reader. Not
// needed to run a scenario: for documentation, editors and error messages.
#pragma once

#include <string>
#include <vector>

namespace teardown {

struct ScenarioKey {
  std::string path;  // dotted: "proxy.timeout.client"; "backends.events.at" is a key of each element
  // "table", "array of tables", "duration", "integer", "number", "boolean", "name" (one of
  // `names`), "names" (a list of `names`), "integers" (a list), "keep-alive" (one of `names` or
  // a duration)
  std::string kind;
  std::string unit;                // of a count or a rate ("bytes", "1/s"); empty where the value carries it
  std::string description;         // what it means, a phrase
  std::vector<std::string> names;  // the names a "name", "names" or "keep-alive" key accepts, else empty
};

// Every key and table of a scenario, a table before its keys, in schema order.
std::vector<ScenarioKey> scenario_keys();

}  // namespace teardown
