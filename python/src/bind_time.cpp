#include <pybind11/stl.h>

#include "bindings.hpp"
#include "teardown/time.hpp"

namespace py = pybind11;

namespace teardown::py {

void bind_time(::py::module_& m) {
  m.def(
      "parse_duration",
      [](const std::string& text) -> std::int64_t {
        const DurationParse p = parse_duration(text);
        if (!p.value) throw ::py::value_error(p.error);
        return *p.value;
      },
      ::py::arg("text"),
      "Nanoseconds in a duration such as '250us', '60s', '10m'; 'off' gives the largest int64. "
      "Raises ValueError with the reason on bad text.");
  m.def(
      "format_duration", [](std::int64_t ns) { return format_duration(ns); }, ::py::arg("ns"),
      "The shortest exact text for a duration in nanoseconds ('250us', '90s', 'off').");
  m.attr("NEVER") = kNever;
}

}  // namespace teardown::py
