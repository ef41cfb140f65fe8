// Writing a Scenario into a toml::table, every key included, in the spelling the reader accepts.
#include <utility>

#include "config/enum_names.hpp"
#include "config/scenario_schema.hpp"
#include "teardown/scenario_toml.hpp"

namespace teardown {
namespace {

// A schema visitor that adds each field to one table.
class TableWriter {
 public:
  using Doc = config_schema::Doc;

  explicit TableWriter(toml::table& out) : out_(out) {}

  void require(std::string_view) {}
  void duration(std::string_view key, Time value, Doc) { out_.insert_or_assign(key, format_duration(value)); }
  void number(std::string_view key, double value, Doc) { out_.insert_or_assign(key, value); }
  void boolean(std::string_view key, bool value, Doc) { out_.insert_or_assign(key, value); }

  // A seed above INT64_MAX comes out negative and is refused on reading; validate() reports it.
  template <typename Int>
  void integer(std::string_view key, Int value, Doc) {
    out_.insert_or_assign(key, static_cast<std::int64_t>(value));
  }

  template <typename E>
  void enumeration(std::string_view key, E value, Doc) {
    out_.insert_or_assign(key, std::string(to_string(value)));
  }

  void keep_alive(std::string_view key, const KeepAlivePolicy& policy, Doc) {
    out_.insert_or_assign(key, config_names::keep_alive_text(policy));
  }

  void preset(std::string_view key, const std::string& name, PresetKind, Doc) {
    out_.insert_or_assign(key, name);
  }

  void retry_on(std::string_view key, const RetryOnSet& conditions, Doc) {
    toml::array names;
    for (const auto& nv : config_names::named_values<RetryOn>()) {
      if (conditions.contains(nv.value)) names.push_back(std::string(nv.name));
    }
    out_.insert_or_assign(key, std::move(names));
  }

  void integer_list(std::string_view key, const std::vector<int>& values, Doc) {
    toml::array list;
    for (int v : values) list.push_back(static_cast<std::int64_t>(v));
    out_.insert_or_assign(key, std::move(list));
  }

  template <typename S>
  void table(std::string_view key, const S& sub, Doc) {
    out_.insert_or_assign(key, table_of(sub));
  }

  template <typename S>
  void table_array(std::string_view key, const std::vector<S>& items, Doc) {
    toml::array list;
    for (const S& item : items) list.push_back(table_of(item));
    out_.insert_or_assign(key, std::move(list));
  }

  template <typename S>
  static toml::table table_of(const S& value) {
    toml::table table;
    TableWriter writer(table);
    config_schema::describe(writer, value);
    return table;
  }

 private:
  toml::table& out_;
};

}  // namespace

toml::table scenario_to_table(const Scenario& scenario) { return TableWriter::table_of(scenario); }

}  // namespace teardown
