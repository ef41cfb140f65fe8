#include "bindings.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "teardown's compiled core (private: use the `teardown` package).";
  m.attr("__version__") = TEARDOWN_VERSION;
  m.attr("__git_commit__") = TEARDOWN_GIT_COMMIT;
  teardown::py::bind_time(m);
  teardown::py::bind_scenario(m);
  teardown::py::bind_run(m);
  teardown::py::bind_analytic(m);
  teardown::py::bind_proxy_rules(m);
  teardown::py::bind_presets(m);
}
