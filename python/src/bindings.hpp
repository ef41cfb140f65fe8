// Registration functions of teardown._core, one per area (bind_*.cpp); module.cpp calls them.
// The converters shared between areas are declared here too.
#pragma once

#include <pybind11/pybind11.h>

#include "teardown/config.hpp"
#include "teardown/result.hpp"

namespace teardown::py {

void bind_time(pybind11::module_& m);
void bind_scenario(pybind11::module_& m);
void bind_run(pybind11::module_& m);
void bind_analytic(pybind11::module_& m);
void bind_proxy_rules(pybind11::module_& m);
void bind_presets(pybind11::module_& m);

// A Python dict in the TOML shape, read and checked. Throws ConfigError listing every issue,
// those of values Python can give but TOML cannot hold (None, objects) included.
Scenario scenario_from_dict(const pybind11::dict& data);

// The scenario as a nested dict: every key, durations and enum values as their TOML strings.
pybind11::dict scenario_to_dict(const Scenario& scenario);

// A Result as plain Python data (dicts, lists, ints, floats, strings); see _core.pyi for its shape.
pybind11::dict result_to_dict(const Result& result);

}  // namespace teardown::py
