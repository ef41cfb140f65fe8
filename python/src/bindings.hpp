// Registration functions of teardown._core, one per area (bind_*.cpp); module.cpp calls them.
#pragma once

#include <pybind11/pybind11.h>

namespace teardown::py {
void bind_time(pybind11::module_& m);
}  // namespace teardown::py
