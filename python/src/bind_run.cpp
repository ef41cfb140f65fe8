// Running a scenario from Python: the dict is read with the GIL held, the run itself releases
// it so that threads run scenarios in parallel.
#include "bindings.hpp"
#include "teardown/scenario.hpp"

namespace py = pybind11;

namespace teardown::py {

void bind_run(::py::module_& m) {
  m.def(
      "run",
      [](const ::py::dict& data, int trace_connections) {
        const Scenario scenario = scenario_from_dict(data);
        Result result;
        {
          ::py::gil_scoped_release released;
          result = run(scenario, RunOptions{.trace_connections = trace_connections});
        }
        return result_to_dict(result);
      },
      ::py::arg("scenario"), ::py::arg("trace_connections") = 0,
      "Runs the scenario given as a (possibly partial) nested dict and returns the Result as plain data: "
      "scenario, metrics, per_server and trace (dicts of columns), timeseries (flat [bin * servers + server] "
      "lists), invariants, events, wall_seconds and ladders (one format_ladder text per traced connection). "
      "trace_connections > 0 records the segments of that many client connections and of the server "
      "connections they lead to. The GIL is released while the simulation runs. Raises teardown.ConfigError "
      "on a bad scenario.");
}

}  // namespace teardown::py
