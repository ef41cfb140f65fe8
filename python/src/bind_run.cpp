// Running a scenario from Python: the dict is read with the GIL held, the run itself releases
// it so that threads run scenarios in parallel.
#include "bindings.hpp"
#include "teardown/scenario.hpp"
#include "teardown/scenario.hpp"

namespace py = pybind11;

namespace teardown::py {
namespace {

// Runs with the GIL released, so that threads run scenarios in parallel.
::py::dict run_to_dict(const Scenario& scenario, int trace_connections, std::uint64_t max_memory_bytes,
                       std::uint64_t max_events, double wall_time_limit_s) {
  const RunOptions options{.trace_connections = trace_connections,
                           .max_memory_bytes = max_memory_bytes,
                           .max_events = max_events,
                           .wall_time_limit_s = wall_time_limit_s};
  Result result;
  {
    ::py::gil_scoped_release released;
    result = run(scenario, options);
  }
  return result_to_dict(result);
}

}  // namespace

void bind_run(::py::module_& m) {
  m.def(
      "run_checked",
      [](const Scenario& scenario, int trace_connections, std::uint64_t max_memory_bytes, std::uint64_t max_events,
         double wall_time_limit_s) {
        return run_to_dict(scenario, trace_connections, max_memory_bytes, max_events, wall_time_limit_s);
      },
      ::py::arg("scenario"), ::py::arg("trace_connections") = 0, ::py::arg("max_memory_bytes") = 0,
      ::py::arg("max_events") = 0, ::py::arg("wall_time_limit_s") = 0.0,
      "run() of a CheckedScenario (what teardown.Scenario holds): nothing is converted or checked again.");
  m.def(
      "run",
      [](const ::py::dict& data, int trace_connections, std::uint64_t max_memory_bytes, std::uint64_t max_events,
         double wall_time_limit_s) {
        return run_to_dict(scenario_from_dict(data), trace_connections, max_memory_bytes, max_events,
                           wall_time_limit_s);
      },
      ::py::arg("scenario"), ::py::arg("trace_connections") = 0, ::py::arg("max_memory_bytes") = 0,
      ::py::arg("max_events") = 0, ::py::arg("wall_time_limit_s") = 0.0,
      "Runs the scenario given as a (possibly partial) nested dict and returns the Result as plain data: "
      "scenario, warnings (settings the run ignored: {path, message} each), metrics, per_server and trace (dicts of columns), timeseries (flat [bin * servers + server] "
      "lists), invariants, events, wall_seconds, partial, time_reached_ns and ladders (one format_ladder text "
      "per traced connection). trace_connections > 0 records the segments of that many client connections and "
      "of the server connections they lead to. max_memory_bytes and max_events (0 = no limit) refuse, before "
      "anything runs, a scenario estimated above them; wall_time_limit_s (0 = none) stops the run cleanly soon "
      "after that many seconds, with partial = True. The GIL is released while the simulation runs. Raises "
      "teardown.ConfigError on a bad scenario or one above a limit.");

  m.def(
      "check_resources",
      [](const ::py::dict& data, std::uint64_t max_memory_bytes, std::uint64_t max_events, int trace_connections) {
        check_resources(scenario_from_dict(data), RunOptions{.trace_connections = trace_connections,
                                                             .max_memory_bytes = max_memory_bytes,
                                                             .max_events = max_events});
      },
      ::py::arg("scenario"), ::py::arg("max_memory_bytes") = 0, ::py::arg("max_events") = 0,
      ::py::arg("trace_connections") = 0,
      "Raises teardown.ConfigError, as run() would before running, when the scenario's estimate is above "
      "max_memory_bytes or max_events (0 = no limit), or when the scenario is bad.");

  m.def(
      "estimate_resources",
      [](const ::py::dict& data, int trace_connections) {
        const Scenario scenario = scenario_from_dict(data);
        const ResourceEstimate est = estimate_resources(scenario, RunOptions{.trace_connections = trace_connections});
        ::py::list terms;
        for (const auto& t : est.terms) {
          ::py::dict term;
          term["path"] = t.path;
          term["what"] = t.what;
          term["count"] = t.count;
          term["unit_bytes"] = t.unit_bytes;
          term["bytes"] = t.bytes();
          terms.append(std::move(term));
        }
        ::py::dict out;
        out["memory_bytes"] = est.memory_bytes;
        out["events"] = est.events;
        out["requests"] = est.requests;
        out["events_per_request"] = est.events_per_request;
        out["terms"] = std::move(terms);
        return out;
      },
      ::py::arg("scenario"), ::py::arg("trace_connections") = 0,
      "The rough resource estimate of a scenario (a nested dict), as the run's guard computes it: "
      "memory_bytes, events, requests, events_per_request and terms (the memory terms, largest first: path, "
      "what, count, unit_bytes, bytes). Raises teardown.ConfigError on a bad scenario.");
}

}  // namespace teardown::py
