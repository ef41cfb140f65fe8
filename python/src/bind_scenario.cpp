// Scenarios across the boundary: Python dicts <-> toml::table <-> Scenario, and ConfigError
// raised as teardown.errors.ConfigError. Reading and checking are config/'s; this only translates.
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "teardown/scenario_keys.hpp"
#include "teardown/scenario_toml.hpp"

namespace py = pybind11;

namespace teardown::py {
namespace {

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::string type_name(::py::handle value) {
  if (value.is_none()) return "None";
  return ::py::str(::py::type::of(value).attr("__name__"));
}

// Where a converted value goes: under a key of a table, or at the end of an array.
struct IntoTable {
  toml::table& table;
  std::string key;
  template <typename T>
  void operator()(T&& value) const {
    table.insert_or_assign(key, std::forward<T>(value));
  }
};
struct IntoArray {
  toml::array& array;
  template <typename T>
  void operator()(T&& value) const {
    array.push_back(std::forward<T>(value));
  }
};

// Hands a TOML value for `value` to `sink`, or records why TOML cannot hold it.
template <typename Sink>
void to_toml_value(::py::handle value, const std::string& path, std::vector<ConfigIssue>& issues, const Sink& sink);

toml::table to_toml_table(const ::py::dict& data, const std::string& path, std::vector<ConfigIssue>& issues) {
  toml::table table;
  for (auto [key, value] : data) {
    if (!::py::isinstance<::py::str>(key)) {
      issues.push_back({join(path, ::py::repr(key)), "keys must be strings, got " + type_name(key), ""});
      continue;
    }
    const std::string name = key.cast<std::string>();
    to_toml_value(value, join(path, name), issues, IntoTable{table, name});
  }
  return table;
}

template <typename Sink>
void to_toml_value(::py::handle value, const std::string& path, std::vector<ConfigIssue>& issues, const Sink& sink) {
  PyObject* obj = value.ptr();
  if (PyBool_Check(obj)) {
    sink(obj == Py_True);
  } else if (PyLong_Check(obj) || PyIndex_Check(obj)) {  // int, numpy integers
    const ::py::object index = ::py::reinterpret_steal<::py::object>(PyNumber_Index(obj));
    int overflow = 0;
    const long long v = index ? PyLong_AsLongLongAndOverflow(index.ptr(), &overflow) : 0;
    if (!index) {
      PyErr_Clear();
      issues.push_back({path, "expected an integer, got " + type_name(value), ""});
    } else if (overflow != 0) {
      issues.push_back({path, "expected an integer that fits in 64 bits, got " + std::string(::py::str(index)), ""});
    } else {
      sink(static_cast<std::int64_t>(v));
    }
  } else if (PyFloat_Check(obj)) {
    sink(PyFloat_AsDouble(obj));
  } else if (::py::isinstance<::py::str>(value)) {
    sink(value.cast<std::string>());
  } else if (::py::isinstance<::py::dict>(value)) {
    sink(to_toml_table(value.cast<::py::dict>(), path, issues));
  } else if (::py::isinstance<::py::list>(value) || ::py::isinstance<::py::tuple>(value)) {
    toml::array array;
    std::size_t i = 0;
    for (::py::handle item : value) {
      to_toml_value(item, path + "[" + std::to_string(i++) + "]", issues, IntoArray{array});
    }
    sink(std::move(array));
  } else if (PyNumber_Check(obj) && Py_TYPE(obj)->tp_as_number->nb_float != nullptr) {  // numpy floats
    const ::py::float_ number = ::py::reinterpret_steal<::py::float_>(PyNumber_Float(obj));
    sink(PyFloat_AsDouble(number.ptr()));
  } else {
    issues.push_back({path, "expected a string, number, boolean, list or table, got " + type_name(value), ""});
  }
}

::py::object to_python(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: {
      ::py::dict out;
      for (auto&& [key, value] : *node.as_table()) out[::py::str(std::string(key.str()))] = to_python(value);
      return out;
    }
    case toml::node_type::array: {
      ::py::list out;
      for (const toml::node& item : *node.as_array()) out.append(to_python(item));
      return out;
    }
    case toml::node_type::string: return ::py::str(node.as_string()->get());
    case toml::node_type::integer: return ::py::int_(node.as_integer()->get());
    case toml::node_type::floating_point: return ::py::float_(node.as_floating_point()->get());
    case toml::node_type::boolean: return ::py::bool_(node.as_boolean()->get());
    default: break;  // dates and times: scenario_to_table writes none
  }
  throw std::logic_error("scenario_to_table wrote a value of a type the bindings do not translate");
}

// Raises teardown.errors.ConfigError (a ValueError) with the issues as dicts.
void raise_config_error(const ConfigError& error) {
  ::py::list issues;
  for (const ConfigIssue& issue : error.issues) {
    ::py::dict d;
    d["path"] = issue.path;
    d["message"] = issue.message;
    d["where"] = issue.where;
    issues.append(std::move(d));
  }
  const ::py::object type = ::py::module_::import("teardown.errors").attr("ConfigError");
  const ::py::object instance = type(std::move(issues));
  PyErr_SetObject(type.ptr(), instance.ptr());
}

}  // namespace

Scenario scenario_from_dict(const ::py::dict& data) {
  std::vector<ConfigIssue> issues;
  const toml::table table = to_toml_table(data, "", issues);
  if (!issues.empty()) throw ConfigError(std::move(issues));
  return scenario_from_table(table, "");
}

::py::dict scenario_to_dict(const Scenario& scenario) {
  return ::py::reinterpret_borrow<::py::dict>(to_python(scenario_to_table(scenario)));
}

void bind_scenario(::py::module_& m) {
  ::py::register_local_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const ConfigError& error) {
      try {
        raise_config_error(error);
      } catch (::py::error_already_set& failed) {
        failed.restore();  // teardown.errors could not be imported: let that error through
      }
    }
  });

  // The checked scenario itself, held by teardown.Scenario so that a run, an estimate or a
  // resolution reads it as it is instead of converting the dict again (one crossing per run).
  ::py::class_<Scenario>(m, "CheckedScenario",
                         "A scenario the core has read and checked (opaque; teardown.Scenario holds one).");
  m.def(
      "check_scenario",
      [](const ::py::dict& data) {
        Scenario scenario = scenario_from_dict(data);
        ::py::dict as_dict = scenario_to_dict(scenario);
        return ::py::make_tuple(std::move(scenario), std::move(as_dict));
      },
      ::py::arg("data"),
      "(checked, data): the scenario given as a (possibly partial) nested dict, checked, as the core holds it "
      "and as a fully defaulted nested dict of TOML values. Raises teardown.ConfigError listing every issue.");
  m.def(
      "config_warnings",
      [](const Scenario& scenario) {
        ::py::list out;
        for (const ConfigIssue& w : config_warnings(scenario)) out.append(w.path + ": " + w.message);
        return out;
      },
      ::py::arg("checked"),
      "The settings of a checked scenario a run would ignore, as HAProxy does ('path: why' each).");
  m.def(
      "load_checked",
      [](const std::string& path) {
        Scenario scenario = load_toml(path);
        ::py::dict as_dict = scenario_to_dict(scenario);
        return ::py::make_tuple(std::move(scenario), std::move(as_dict));
      },
      ::py::arg("path"), "(checked, data) of the scenario in a TOML file; errors as load_scenario.");
  m.def(
      "normalize_scenario", [](const ::py::dict& data) { return scenario_to_dict(scenario_from_dict(data)); },
      ::py::arg("data"),
      "The scenario given as a (possibly partial) nested dict, checked and with every default filled in, "
      "as a nested dict of TOML values. Raises teardown.ConfigError listing every issue.");
  m.def(
      "load_scenario", [](const std::string& path) { return scenario_to_dict(load_toml(path)); }, ::py::arg("path"),
      "The scenario in a TOML file, checked and fully defaulted, as a nested dict. Raises "
      "teardown.ConfigError for an unreadable file, a syntax error or any bad value (with file:line:col).");
  m.def(
      "toml_value_at",
      [](std::string_view text, int line, int column) -> ::py::object {
        const std::optional<TomlValuePlace> place = toml_value_at(text, line, column);
        if (!place) return ::py::none();
        return ::py::make_tuple(place->path, place->line, place->column);
      },
      ::py::arg("text"), ::py::arg("line"), ::py::arg("column"),
      "(path, line, column) of the value of the TOML text that holds the 1-based line and column where a "
      "parser stopped: its key path as issues spell it ('clients.count', 'grid.\"proxy.mode\"[1]') and where "
      "the value starts; None when the place is in no value (a header, a key, a comment).");
  m.def(
      "scenario_toml", [](const Scenario& scenario) { return to_toml(scenario); }, ::py::arg("scenario"),
      "The checked scenario as TOML text with every key written out in a fixed order: equal scenarios give equal "
      "text. Raises teardown.ConfigError on a bad scenario.");
  m.def(
      "scenario_keys",
      [] {
        ::py::list keys;
        for (const ScenarioKey& key : scenario_keys()) {
          ::py::dict row;
          row["path"] = key.path;
          row["kind"] = key.kind;
          row["unit"] = key.unit;
          row["description"] = key.description;
          row["names"] = key.names;
          keys.append(std::move(row));
        }
        return keys;
      },
      "Every table and key of a scenario, a table before its keys, in schema order: dicts of path, kind, unit, "
      "description and names (the values a named key accepts).");
}

}  // namespace teardown::py
