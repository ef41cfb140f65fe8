#include "config/unknown_keys.hpp"

#include <algorithm>

#include "config/scenario_schema.hpp"

namespace teardown::unknown_keys {
namespace {

std::string join_path(std::string_view table_path, std::string_view key) {
  return table_path.empty() ? std::string(key) : std::string(table_path) + "." + std::string(key);
}

// Walks the schema and records the dotted path of every key, array elements excepted.
class PathCollector {
 public:
  using Doc = config_schema::Doc;

  explicit PathCollector(std::vector<std::string>& out, std::string prefix = {})
      : out_(out), prefix_(std::move(prefix)) {}

  void require(std::string_view) {}
  template <typename T>
  void duration(std::string_view key, const T&, Doc) { add(key); }
  template <typename T>
  void integer(std::string_view key, const T&, Doc) { add(key); }
  template <typename T>
  void number(std::string_view key, const T&, Doc) { add(key); }
  template <typename T>
  void boolean(std::string_view key, const T&, Doc) { add(key); }
  template <typename T>
  void enumeration(std::string_view key, const T&, Doc) { add(key); }
  template <typename T>
  void keep_alive(std::string_view key, const T&, Doc) { add(key); }
  template <typename T, typename K>
  void preset(std::string_view key, const T&, K, Doc) { add(key); }
  template <typename T>
  void retry_on(std::string_view key, const T&, Doc) { add(key); }
  template <typename T>
  void integer_list(std::string_view key, const T&, Doc) { add(key); }
  template <typename T>
  void table_array(std::string_view key, const T&, Doc) { add(key); }
  template <typename S>
  void table(std::string_view key, const S& sub, Doc) {
    add(key);
    PathCollector child(out_, join_path(prefix_, key));
    config_schema::describe(child, sub);
  }

 private:
  void add(std::string_view key) { out_.push_back(join_path(prefix_, key)); }
  std::vector<std::string>& out_;
  std::string prefix_;
};

const std::vector<std::string>& all_key_paths() {
  static const std::vector<std::string> paths = [] {
    std::vector<std::string> out;
    PathCollector collector(out);
    const Scenario defaults;
    config_schema::describe(collector, defaults);
    return out;
  }();
  return paths;
}

std::string_view last_segment(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

// Short keys tolerate one slip, longer ones a few; more would suggest unrelated keys.
std::size_t tolerated_distance(std::string_view key) { return std::min<std::size_t>(3, 1 + key.size() / 4); }

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string message(std::string_view table_path, std::string_view key, const std::vector<std::string>& siblings) {
  const std::string unknown = "unknown key";

  const std::string* nearest = nullptr;
  std::size_t best = tolerated_distance(key) + 1;
  for (const std::string& candidate : siblings) {
    const std::size_t d = edit_distance(key, candidate);
    if (d < best) {
      best = d;
      nearest = &candidate;
    }
  }
  if (nearest != nullptr) return unknown + "; did you mean '" + join_path(table_path, *nearest) + "'?";

  // The right key in the wrong table, e.g. `seed` under [proxy].
  std::vector<std::string> elsewhere;
  for (const std::string& path : all_key_paths()) {
    if (last_segment(path) == key) elsewhere.push_back("'" + path + "'");
  }
  if (!elsewhere.empty()) {
    std::string options = elsewhere.front();
    for (std::size_t i = 1; i < elsewhere.size(); ++i) options += " or " + elsewhere[i];
    return unknown + "; did you mean " + options + "?";
  }

  if (siblings.empty()) return unknown;
  std::string valid = siblings.front();
  for (std::size_t i = 1; i < siblings.size(); ++i) valid += ", " + siblings[i];
  const std::string here = table_path.empty() ? "at the top level" : "in [" + std::string(table_path) + "]";
  return unknown + "; valid keys " + here + " are: " + valid;
}

}  // namespace teardown::unknown_keys
