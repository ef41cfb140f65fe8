// Writing a Scenario as TOML text, every key written out, in the order of the example file.
// Written by hand rather than through toml++ because toml++ sorts keys alphabetically.
#include <utility>

#include "config/enum_names.hpp"
#include "config/scenario_schema.hpp"
#include "config/toml_values.hpp"

namespace teardown {
namespace {

// Appends rather than writing "[" + text: GCC 12 at -O3 warns falsely (-Wrestrict) on the latter.
std::string enclose(std::string_view open, std::string_view text, std::string_view close) {
  std::string out;
  out.reserve(open.size() + text.size() + close.size());
  out.append(open).append(text).append(close);
  return out;
}

// Enum names and durations never hold quotes or backslashes, so no escaping is needed.
std::string quoted(std::string_view text) { return enclose("\"", text, "\""); }

// A schema visitor for one table: its own keys first, then its sub-tables, as TOML requires.
class TextWriter {
 public:
  using Doc = config_schema::Doc;

  explicit TextWriter(std::string path) : path_(std::move(path)) {}

  void require(std::string_view) {}
  void duration(std::string_view key, Time value, Doc) { line(key, quoted(format_duration(value))); }
  void number(std::string_view key, double value, Doc) { line(key, toml_values::float_text(value)); }
  void boolean(std::string_view key, bool value, Doc) { line(key, value ? "true" : "false"); }

  template <typename Int>
  void integer(std::string_view key, Int value, Doc) {
    line(key, std::to_string(static_cast<std::int64_t>(value)));
  }

  template <typename E>
  void enumeration(std::string_view key, E value, Doc) {
    line(key, quoted(to_string(value)));
  }

  void keep_alive(std::string_view key, const KeepAlivePolicy& policy, Doc) {
    line(key, quoted(config_names::keep_alive_text(policy)));
  }

  // Preset names are letters, digits, dots and dashes (validate() refuses others).
  void preset(std::string_view key, const std::string& name, PresetKind, Doc) {
    line(key, quoted(name));
  }

  void retry_on(std::string_view key, const RetryOnSet& conditions, Doc) {
    std::string list;
    for (const auto& nv : config_names::named_values<RetryOn>()) {
      if (!conditions.contains(nv.value)) continue;
      list += (list.empty() ? "" : ", ") + quoted(nv.name);
    }
    line(key, enclose("[", list, "]"));
  }

  void integer_list(std::string_view key, const std::vector<int>& values, Doc) {
    std::string list;
    for (int v : values) list += (list.empty() ? "" : ", ") + std::to_string(v);
    line(key, enclose("[", list, "]"));
  }

  template <typename S>
  void table(std::string_view key, const S& sub, Doc) {
    children_ += section(enclose("[", child_path(key), "]"), child_path(key), sub);
  }

  // An empty array cannot be written as [[...]] headers, so it becomes an inline [].
  template <typename S>
  void table_array(std::string_view key, const std::vector<S>& items, Doc) {
    if (items.empty()) return line(key, "[]");
    for (const S& item : items) children_ += section(enclose("[[", child_path(key), "]]"), child_path(key), item);
  }

  template <typename S>
  static std::string section(const std::string& header, const std::string& path, const S& value) {
    TextWriter writer(path);
    config_schema::describe(writer, value);
    return "\n" + header + "\n" + writer.lines_ + writer.children_;
  }

  std::string text() const { return lines_ + children_; }

 private:
  void line(std::string_view key, const std::string& value) { lines_ += std::string(key) + " = " + value + "\n"; }
  std::string child_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  std::string path_;
  std::string lines_;
  std::string children_;
};

}  // namespace

std::string to_toml(const Scenario& scenario) {
  TextWriter root("");
  config_schema::describe(root, scenario);
  return "# teardown scenario: every key, defaults included (docs/scenario.md explains them)\n" +
         root.text();
}

}  // namespace teardown
