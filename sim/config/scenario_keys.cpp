// The key reference: a schema visitor that records what each key is rather than its value.
#include "teardown/scenario_keys.hpp"

#include <utility>

#include "config/enum_names.hpp"
#include "config/scenario_schema.hpp"
#include "teardown/presets.hpp"

namespace teardown {
namespace {

template <typename E>
std::vector<std::string> names_of() {
  std::vector<std::string> out;
  for (const auto& nv : config_names::named_values<E>()) out.emplace_back(nv.name);
  return out;
}

class KeyLister {
 public:
  using Doc = config_schema::Doc;

  KeyLister(std::vector<ScenarioKey>& out, std::string prefix) : out_(out), prefix_(std::move(prefix)) {}

  void require(std::string_view) {}
  void duration(std::string_view key, const Time&, Doc doc) { add(key, "duration", doc); }
  void number(std::string_view key, const double&, Doc doc) { add(key, "number", doc); }
  void boolean(std::string_view key, const bool&, Doc doc) { add(key, "boolean", doc); }
  template <typename Int>
  void integer(std::string_view key, const Int&, Doc doc) {
    add(key, "integer", doc);
  }
  template <typename E>
  void enumeration(std::string_view key, const E&, Doc doc) {
    add(key, "name", doc, names_of<E>());
  }
  // The idle-timeout policy is written as its duration, not by name.
  void keep_alive(std::string_view key, const KeepAlivePolicy&, Doc doc) {
    std::vector<std::string> names = names_of<KeepAliveKind>();
    std::erase(names, std::string(to_string(KeepAliveKind::IdleTimeout)));
    add(key, "keep-alive", doc, std::move(names));
  }
  void preset(std::string_view key, const std::string&, PresetKind kind, Doc doc) {
    std::vector<std::string> names;
    for (const Preset& p : presets(kind)) {
      names.emplace_back(p.name);
    }
    add(key, "name", doc, std::move(names));
  }
  void retry_on(std::string_view key, const RetryOnSet&, Doc doc) { add(key, "names", doc, names_of<RetryOn>()); }
  void integer_list(std::string_view key, const std::vector<int>&, Doc doc) { add(key, "integers", doc); }

  template <typename S>
  void table(std::string_view key, const S& sub, Doc doc) {
    add(key, "table", doc);
    KeyLister child(out_, out_.back().path);
    config_schema::describe(child, sub);
  }

  // The keys of one element, under the array's path.
  template <typename S>
  void table_array(std::string_view key, const std::vector<S>&, Doc doc) {
    add(key, "array of tables", doc);
    KeyLister child(out_, out_.back().path);
    const S element{};
    config_schema::describe(child, element);
  }

 private:
  void add(std::string_view key, std::string kind, Doc doc, std::vector<std::string> names = {}) {
    std::string path = prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
    out_.push_back({std::move(path), std::move(kind), std::string(doc.unit), std::string(doc.text), std::move(names)});
  }

  std::vector<ScenarioKey>& out_;
  std::string prefix_;
};

}  // namespace

std::vector<ScenarioKey> scenario_keys() {
  std::vector<ScenarioKey> out;
  KeyLister root(out, "");
  const Scenario defaults;
  config_schema::describe(root, defaults);
  return out;
}

}  // namespace teardown
