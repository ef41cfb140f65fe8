// The client-library and server presets (teardown/presets.hpp), for `teardown presets`,
// docs/presets.md, the scenario's preset expansion and the advisor: Python asks, it never restates.
#include <string>

#include "bindings.hpp"
#include "teardown/presets.hpp"

namespace py = pybind11;

namespace teardown::py {
namespace {

::py::dict preset_to_dict(const Preset& p) {
  const std::string table(table_of(p.kind));
  ::py::dict d;
  d["name"] = std::string(p.name);
  d["kind"] = p.kind == PresetKind::Client ? "client" : "server";
  d["table"] = table;
  d["library"] = std::string(p.library);
  d["version"] = std::string(p.version);
  d["note"] = std::string(p.note);
  d["idle_setting"] = std::string(p.idle_setting);
  ::py::list values;
  for (const PresetValue& v : p.values) {
    ::py::dict value;
    value["key"] = table + "." + std::string(v.key);
    value["toml"] = std::string(v.value);
    value["source"] = std::string(v.source);
    values.append(value);
  }
  d["values"] = values;
  return d;
}

}  // namespace

void bind_presets(::py::module_& m) {
  m.def(
      "presets",
      [] {
        ::py::list out;
        for (PresetKind kind : {PresetKind::Client, PresetKind::Server}) {
          for (const Preset& p : presets(kind)) out.append(preset_to_dict(p));
        }
        return out;
      },
      "Every client-library and server preset, clients first: name, kind, table, library, version, note, "
      "idle_setting and its values (full key path, the value as TOML text, its source).");
}

}  // namespace teardown::py
