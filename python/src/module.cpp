#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "teardown's compiled core (private: use the `teardown` package).";
  m.attr("__version__") = TEARDOWN_VERSION;
  teardown::py::bind_time(m);
  teardown::py::bind_scenario(m);
  teardown::py::bind_run(m);
}
