// Finding presets by kind and name; the rows are in client_presets.cpp and server_presets.cpp.
#include <string>

#include "config/preset_rows.hpp"

namespace teardown {

std::string_view table_of(PresetKind kind) { return kind == PresetKind::Client ? "clients" : "backends"; }

std::span<const Preset> presets(PresetKind kind) {
  return kind == PresetKind::Client ? preset_rows::clients() : preset_rows::servers();
}

const Preset* find_preset(PresetKind kind, std::string_view name) {
  for (const Preset& p : presets(kind)) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string preset_names(PresetKind kind) {
  std::string out;
  for (const Preset& p : presets(kind)) out += (out.empty() ? "'" : ", '") + std::string(p.name) + "'";
  return out;
}

namespace preset_rows {

toml::table values_table(const Preset& preset) {
  // The rows are constants checked by tests/cpp/config/presets_test.cpp: each parses and reads.
  std::string text;
  for (const PresetValue& v : preset.values) text.append(v.key).append(" = ").append(v.value).append("\n");
  return toml::parse(text, std::string("preset ") + std::string(preset.name));
}

}  // namespace preset_rows
}  // namespace teardown
