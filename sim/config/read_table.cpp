// Reading a Scenario out of a toml::table: every key checked for type, every unknown key named.
// Range and cross-field checks are validate()'s; reading only needs each value to fit its field.
#include <algorithm>
#include <limits>
#include <type_traits>
#include <utility>

#include "config/enum_names.hpp"
#include "config/preset_rows.hpp"
#include "config/scenario_schema.hpp"
#include "config/toml_values.hpp"
#include "config/unknown_keys.hpp"
#include "teardown/scenario_toml.hpp"

namespace teardown {
namespace {

using toml_values::describe_node;
using toml_values::source_of;

// A schema visitor over one table: fills the fields whose keys are present, keeps the
// defaults of the others, and records an issue for every value it cannot use.
class Reader {
 public:
  using Doc = config_schema::Doc;

  Reader(const toml::table& table, std::string path, std::vector<ConfigIssue>& issues)
      : table_(table), path_(std::move(path)), issues_(issues) {}

  void require(std::string_view key) {
    if (!table_.contains(key)) {
      issues_.push_back({path_of(key), "missing; this key is required", source_of(table_)});
    }
  }

  void duration(std::string_view key, Time& out, Doc) { read(key, out, toml_values::duration_from); }
  void number(std::string_view key, double& out, Doc) { read(key, out, toml_values::number_from); }
  void boolean(std::string_view key, bool& out, Doc) { read(key, out, toml_values::boolean_from); }

  template <typename Int>
  void integer(std::string_view key, Int& out, Doc) {
    if (const toml::node* node = find(key)) read_integer(path_of(key), *node, out);
  }

  template <typename E>
  void enumeration(std::string_view key, E& out, Doc) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const auto* text = node->as_string();
    if (text == nullptr) {
      fail(path_of(key), *node,
           "expected one of " + config_names::quoted_names<E>() + " (a string), got " + describe_node(*node));
    } else if (const std::optional<E> value = from_string<E>(text->get())) {
      out = *value;
    } else {
      fail(path_of(key), *node,
           "unknown value '" + text->get() + "'; expected one of " + config_names::quoted_names<E>());
    }
  }

  // "forever", "close-after-response", or an idle timeout ("off" is the same as forever).
  void keep_alive(std::string_view key, KeepAlivePolicy& out, Doc) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const auto* text = node->as_string();
    const toml_values::Read<Time> idle = toml_values::duration_from(*node);
    if (text != nullptr && text->get() == to_string(KeepAliveKind::Forever)) {
      out = {KeepAliveKind::Forever, kNever};
    } else if (text != nullptr && text->get() == to_string(KeepAliveKind::CloseAfterResponse)) {
      out = {KeepAliveKind::CloseAfterResponse, kNever};
    } else if (!idle.value) {
      fail(path_of(key), *node,
           "expected \"forever\", \"close-after-response\" or an idle timeout such as \"5s\", got " +
               describe_node(*node));
    } else if (*idle.value == kNever) {
      out = {KeepAliveKind::Forever, kNever};
    } else {
      out = {KeepAliveKind::IdleTimeout, *idle.value};
    }
  }

  // Only the name: table() has applied the preset already. An unknown name is kept for
  // validate() to report with the known ones.
  void preset(std::string_view key, std::string& name, PresetKind, Doc) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    toml_values::Read<std::string> text = toml_values::string_from(*node);
    if (!text.value) return fail(path_of(key), *node, "expected a preset name (a string), got " + describe_node(*node));
    name = *text.value;
  }

  void retry_on(std::string_view key, RetryOnSet& out, Doc) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const toml::array* list = node->as_array();
    if (list == nullptr) {
      return fail(path_of(key), *node,
                  "expected an array of strings from " + config_names::quoted_names<RetryOn>() + ", got " +
                      describe_node(*node));
    }
    RetryOnSet conditions;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::node& item = *list->get(i);
      const std::string item_path = path_of(key) + "[" + std::to_string(i) + "]";
      const auto* text = item.as_string();
      const std::optional<RetryOn> condition = text ? from_string<RetryOn>(text->get()) : std::nullopt;
      if (!condition) {
        fail(item_path, item,
             "expected one of " + config_names::quoted_names<RetryOn>() + ", got " + describe_node(item));
      } else if (conditions.contains(*condition)) {
        fail(item_path, item, "'" + text->get() + "' is listed twice");
      } else {
        conditions.insert(*condition);
      }
    }
    out = conditions;
  }

  void integer_list(std::string_view key, std::vector<int>& out, Doc) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const toml::array* list = node->as_array();
    if (list == nullptr) return fail(path_of(key), *node, "expected an array of integers, got " + describe_node(*node));
    std::vector<int> values(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
      read_integer(path_of(key) + "[" + std::to_string(i) + "]", *list->get(i), values[i]);
    }
    out = std::move(values);
  }

  template <typename S>
  void table(std::string_view key, S& out, Doc) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const toml::table* sub = node->as_table();
    if (sub == nullptr) return fail(path_of(key), *node, "expected a table, got " + describe_node(*node));
    if constexpr (std::is_same_v<S, ClientsConfig>) apply_preset(*sub, path_of(key), PresetKind::Client, out);
    if constexpr (std::is_same_v<S, BackendsConfig>) apply_preset(*sub, path_of(key), PresetKind::Server, out);
    read_table(*sub, path_of(key), out);
  }

  template <typename S>
  void table_array(std::string_view key, std::vector<S>& out, Doc) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    const toml::array* list = node->as_array();
    if (list == nullptr) {
      return fail(path_of(key), *node,
                  "expected an array of tables ([[" + path_of(key) + "]]), got " + describe_node(*node));
    }
    out.clear();
    for (std::size_t i = 0; i < list->size(); ++i) {
      const toml::node& item = *list->get(i);
      const std::string item_path = path_of(key) + "[" + std::to_string(i) + "]";
      if (const toml::table* element = item.as_table()) {
        read_table(*element, item_path, out.emplace_back());
      } else {
        fail(item_path, item, "expected a table, got " + describe_node(item));
      }
    }
  }

  // Called once every key of this table has been looked for.
  void report_unknown_keys() {
    for (auto&& [key, node] : table_) {
      if (std::find(known_.begin(), known_.end(), key.str()) == known_.end()) {
        fail(path_of(key.str()), node, unknown_keys::message(path_, key.str(), known_));
      }
    }
  }

 private:
  template <typename S>
  void read_table(const toml::table& table, const std::string& path, S& out) {
    Reader child(table, path, issues_);
    config_schema::describe(child, out);
    child.report_unknown_keys();
  }

  // The values of the preset the table names, read into `out` before the table's own keys.
  template <typename S>
  void apply_preset(const toml::table& table, const std::string& path, PresetKind kind, S& out) {
    const toml::node* name = table.get("preset");
    const Preset* row = name != nullptr && name->is_string() ? find_preset(kind, name->as_string()->get()) : nullptr;
    if (row != nullptr) read_table(preset_rows::values_table(*row), path, out);
  }

  template <typename T, typename Convert>
  void read(std::string_view key, T& out, Convert convert) {
    const toml::node* node = find(key);
    if (node == nullptr) return;
    toml_values::Read<T> value = convert(*node);
    if (value.value) {
      out = *value.value;
    } else {
      fail(path_of(key), *node, std::move(value.error));
    }
  }

  // Only whether the value fits the field; what makes sense is validate()'s job.
  template <typename Int>
  void read_integer(const std::string& path, const toml::node& node, Int& out) {
    using Limits = std::numeric_limits<Int>;
    using Toml = std::numeric_limits<std::int64_t>;  // a uint64 field still only gets what TOML can hold
    constexpr std::int64_t lo = std::cmp_less(Limits::min(), Toml::min()) ? Toml::min() : std::int64_t{Limits::min()};
    constexpr std::int64_t hi =
        std::cmp_greater(Limits::max(), Toml::max()) ? Toml::max() : static_cast<std::int64_t>(Limits::max());
    const toml_values::Read<std::int64_t> value = toml_values::integer_from(node);
    if (!value.value) return fail(path, node, value.error);
    if (*value.value < lo || *value.value > hi) {
      return fail(path, node,
                  "expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " +
                      std::to_string(*value.value));
    }
    out = static_cast<Int>(*value.value);
  }

  const toml::node* find(std::string_view key) {
    known_.emplace_back(key);
    return table_.get(key);
  }

  std::string path_of(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  void fail(std::string path, const toml::node& node, std::string message) {
    issues_.push_back({std::move(path), std::move(message), source_of(node)});
  }

  const toml::table& table_;
  std::string path_;
  std::vector<ConfigIssue>& issues_;
  std::vector<std::string> known_;
};

}  // namespace

Scenario scenario_from_table(const toml::table& table, std::string_view source_name) {
  Scenario scenario;
  std::vector<ConfigIssue> issues;
  Reader reader(table, "", issues);
  config_schema::describe(reader, scenario);
  reader.report_unknown_keys();

  for (ConfigIssue& issue : validate(scenario)) {
    // validate() knows keys, not text; point at the value the user wrote, if any.
    const toml::node_view<const toml::node> node = toml::at_path(table, issue.path);
    if (node) issue.where = source_of(*node.node());
    issues.push_back(std::move(issue));
  }
  for (ConfigIssue& issue : issues) {
    if (issue.where.empty()) issue.where = source_name;
  }
  if (!issues.empty()) throw ConfigError(std::move(issues));
  return scenario;
}

}  // namespace teardown
