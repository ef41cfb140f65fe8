// Client-library and server presets: what a named stack (OkHttp 4, Tomcat 10, ...) sets, written
// once as data, each value with its source. `clients.preset` / `backends.preset` name a row; a
// reader applies the row's values first and then the keys the scenario gives, so those override
// it. The key reference, docs/presets.md, `teardown presets` and the advisor read these rows
// (docs/architecture.md, "Where each rule lives").
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace teardown {

// Which table a preset fills.
enum class PresetKind : unsigned char { Client, Server };
// "clients" or "backends": the scenario table whose `preset` key names it.
std::string_view table_of(PresetKind kind);

// One value a preset sets: a key of its table, the value as TOML writes it, and where it comes from.
struct PresetValue {
  std::string_view key;     // under the table: "pool.max_size", "retries", "keep_alive"
  std::string_view value;   // TOML: "5", "\"lifo\"", "\"5m\"", "true"
  std::string_view source;  // library source file at a tag, or an official docs URL, and what it says
};

// One named stack.
struct Preset {
  std::string_view name;     // as scenarios write it: "okhttp-4"
  PresetKind kind;
  std::string_view library;  // "OkHttp"
  std::string_view version;  // the release whose defaults these are: "4.12.0"
  std::span<const PresetValue> values;
  std::string_view note;     // what the model cannot express, or how a value was chosen
  // The library's own words for setting its idle timeout (a client's eviction, a server's
  // keep-alive), "{ms}" and "{s}" standing for the value in milliseconds and in whole seconds;
  // the advisor fills them in. "" if the library has none.
  std::string_view idle_setting;
};

// Every preset of a kind, in the order docs/presets.md lists them.
std::span<const Preset> presets(PresetKind kind);
// The preset of that name, or nullptr.
const Preset* find_preset(PresetKind kind, std::string_view name);
// "'apache-httpclient-4.5', 'okhttp-4', ..." for messages.
std::string preset_names(PresetKind kind);

}  // namespace teardown
