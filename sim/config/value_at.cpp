// toml_value_at: which key's value holds a place in a TOML text, so that a value the parser
// rejected is reported under its key. An outline of the text up to the place: table headers,
// keys, and how far each value reaches (strings, arrays, inline tables, bare scalars), values
// never interpreted. The text before the place is what the parser accepted; anything else
// stops the scan, with no key named.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "teardown/config.hpp"

namespace teardown {
namespace {

// Deeper nesting stops the scan (toml++ stops at 256).
constexpr int kMaxDepth = 300;

bool bare_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// A key as issue paths spell it: bare when TOML allows, else quoted (grid."proxy.mode").
std::string joined(const std::string& path, const std::string& key) {
  bool bare = !key.empty();
  for (char c : key) bare = bare && bare_key_char(c);
  std::string out = path.empty() ? "" : path + ".";
  if (bare) return out + key;
  out += '"';
  for (char c : key) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

// The byte offset of 1-based (line, column), columns counted in UTF-8 characters; past the end
// of its line or of the text, that end.
std::size_t offset_of(std::string_view text, int line, int column) {
  std::size_t i = 0;
  for (int l = 1; l < line && i < text.size(); ++i) {
    if (text[i] == '\n') ++l;
  }
  for (int c = 1; c < column && i < text.size() && text[i] != '\n'; ++c) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

class Outline {
 public:
  Outline(std::string_view text, std::size_t place) : text_(text), place_(place) {
    if (text_.starts_with("\xEF\xBB\xBF")) i_ = 3;  // a byte-order mark
  }

  std::optional<TomlValuePlace> find() {
    std::string table;  // where the keys go: "clients", "backends.events[1]"
    while (true) {
      skip_blank(true);
      if (reached()) break;
      if (!(peek() == '[' ? header(table) : key_value(table, 0))) break;
    }
    return found_;
  }

 private:
  bool reached() const { return i_ >= place_ || i_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const { return i_ + ahead < text_.size() ? text_[i_ + ahead] : '\0'; }

  // Spaces and tabs; with `lines`, also line ends and comments.
  void skip_blank(bool lines) {
    while (!reached()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || (lines && (c == '\n' || c == '\r'))) {
        ++i_;
      } else if (lines && c == '#') {
        while (!reached() && peek() != '\n') ++i_;
      } else {
        return;
      }
    }
  }

  // A dotted key, up to what follows it; false when the place is in it or it is malformed.
  bool key(std::vector<std::string>& parts) {
    while (true) {
      skip_blank(false);
      if (reached()) return false;
      std::string part;
      if (peek() == '"' || peek() == '\'') {
        const char quote = peek();
        for (++i_; peek() != quote; ++i_) {
          if (reached() || peek() == '\n') return false;
          if (peek() == '\\' && quote == '"') ++i_;
          part += peek();
        }
        ++i_;
      } else {
        while (!reached() && bare_key_char(peek())) part += text_[i_++];
        if (part.empty()) return false;
      }
      parts.push_back(std::move(part));
      skip_blank(false);
      if (reached() || peek() != '.') return !reached();
      ++i_;
    }
  }

  // [a.b] or [[a.b]]: the table the next keys go into, an array element by its index.
  bool header(std::string& table) {
    const bool array = peek(1) == '[';
    i_ += array ? 2 : 1;
    std::vector<std::string> parts;
    if (!key(parts) || peek() != ']' || (array && peek(1) != ']')) return false;
    i_ += array ? 2 : 1;
    table.clear();
    for (std::size_t k = 0; k < parts.size(); ++k) {
      table = joined(table, parts[k]);
      if (array && k + 1 == parts.size()) {
        table += "[" + std::to_string(elements_[table]++) + "]";
      } else if (const auto it = elements_.find(table); it != elements_.end()) {
        table += "[" + std::to_string(it->second - 1) + "]";  // a table inside the last element
      }
    }
    return true;
  }

  bool key_value(const std::string& table, int depth) {
    std::vector<std::string> parts;
    if (!key(parts) || peek() != '=') return false;
    ++i_;
    std::string path = table;
    for (const std::string& part : parts) path = joined(path, part);
    skip_blank(false);
    return value(path, depth);
  }

  // Scans one value; false when the scan stops in it. The innermost value the place is in (its
  // end included: parsers stop just after a bad number) names itself.
  bool value(const std::string& path, int depth) {
    if (depth > kMaxDepth) return false;
    const std::size_t start = i_;
    bool done = false;
    if (peek() == '"' || peek() == '\'') {
      done = string_value();
    } else if (peek() == '[') {
      done = array(path, depth);
    } else if (peek() == '{') {
      done = inline_table(path, depth);
    } else {
      while (!reached() && std::string_view(",]}#\r\n").find(peek()) == std::string_view::npos) ++i_;
      done = !reached();
    }
    if (!done && !found_ && reached()) found_ = place_of(path, start);
    return done;
  }

  bool string_value() {
    const char quote = peek();
    const bool multiline = peek(1) == quote && peek(2) == quote;
    i_ += multiline ? 3 : 1;
    while (!reached()) {
      if (peek() == '\\' && quote == '"') {
        i_ += 2;
      } else if (peek() == quote && (!multiline || (peek(1) == quote && peek(2) == quote))) {
        i_ += multiline ? 3 : 1;
        while (multiline && peek() == quote) ++i_;  // up to two quotes end the content
        return true;
      } else if (peek() == '\n' && !multiline) {
        return false;
      } else {
        ++i_;
      }
    }
    return false;
  }

  bool array(const std::string& path, int depth) {
    ++i_;
    for (int n = 0;; ++n) {
      skip_blank(true);
      if (reached()) return false;
      if (peek() == ']') break;
      if (!value(path + "[" + std::to_string(n) + "]", depth + 1)) return false;
      skip_blank(true);
      if (reached() || (peek() != ',' && peek() != ']')) return false;
      if (peek() == ']') break;
      ++i_;
    }
    ++i_;
    return true;
  }

  bool inline_table(const std::string& path, int depth) {
    ++i_;
    skip_blank(false);
    if (reached()) return false;
    while (peek() != '}') {
      if (!key_value(path, depth + 1)) return false;
      skip_blank(false);
      if (reached() || (peek() != ',' && peek() != '}')) return false;
      if (peek() == ',') ++i_;
    }
    ++i_;
    return true;
  }

  TomlValuePlace place_of(const std::string& path, std::size_t offset) const {
    TomlValuePlace out{path, 1, 1};
    for (std::size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++out.line;
        out.column = 1;
      } else if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
        ++out.column;
      }
    }
    return out;
  }

  std::string_view text_;
  std::size_t place_;
  std::size_t i_ = 0;
  std::map<std::string, int> elements_;  // arrays of tables by path: elements so far
  std::optional<TomlValuePlace> found_;
};

}  // namespace

std::optional<TomlValuePlace> toml_value_at(std::string_view text, int line, int column) {
  return Outline(text, offset_of(text, line, column)).find();
}

}  // namespace teardown
