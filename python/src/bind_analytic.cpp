#include <pybind11/stl.h>

#include "bindings.hpp"
#include "teardown/analytic.hpp"

namespace py = pybind11;

namespace teardown::py {

namespace {
Time duration_or_off(const ::py::handle& v) {
  if (v.is_none()) return kNever;
  if (::py::isinstance<::py::str>(v)) {
    const DurationParse p = parse_duration(v.cast<std::string>());
    if (!p.value) throw ::py::value_error(p.error);
    return *p.value;
  }
  return static_cast<Time>(v.cast<double>() * 1e9);  // seconds
}
}  // namespace

void bind_analytic(::py::module_& m) {
  m.def(
      "analytic_stale_reuse",
      [](double reuse_rate, const ::py::object& proxy_timeout, const ::py::object& one_way_delay,
         const ::py::object& processing_time, const ::py::object& idle_evict, const ::py::object& evict_interval,
         const ::py::object& validate_after_inactivity) {
        analytic::StaleReuseInputs in;
        in.reuse_rate = reuse_rate;
        in.proxy_timeout = duration_or_off(proxy_timeout);
        in.one_way_delay = duration_or_off(one_way_delay);
        in.processing_time = duration_or_off(processing_time);
        in.idle_evict = duration_or_off(idle_evict);
        in.evict_interval = duration_or_off(evict_interval);
        in.validate_after_inactivity = duration_or_off(validate_after_inactivity);
        const analytic::StaleReuseEstimate e = analytic::stale_reuse(in);
        ::py::dict out;
        out["p_race"] = e.p_race;
        out["p_closed"] = e.p_closed;
        out["p_fail"] = e.p_fail;
        out["p_evicted"] = e.p_evicted;
        out["failure_ratio"] = e.failure_ratio;
        return out;
      },
      ::py::arg("reuse_rate"), ::py::arg("proxy_timeout"), ::py::arg("one_way_delay"), ::py::arg("processing_time"),
      ::py::arg("idle_evict"), ::py::arg("evict_interval"), ::py::arg("validate_after_inactivity"),
      "Stale reuse of one pooled connection with Poisson reuse (docs/model.md section 5). Durations are "
      "strings ('1s'), seconds as numbers, or None/'off'. Returns p_race, p_closed, p_fail, p_evicted, "
      "failure_ratio.");
  m.def("analytic_server_connections_per_request", &analytic::server_connections_per_request, ::py::arg("weights"),
        ::py::arg("prefer_last_server"), ::py::arg("client_connections_per_request"),
        "New server connections per request with private server connections and independent balancing.");
  m.def("analytic_restarted_share_roundrobin", &analytic::restarted_share_roundrobin, ::py::arg("t_seconds"),
        ::py::arg("servers"), ::py::arg("connections"), ::py::arg("closures_per_second"),
        "Share of pinned connections held by a server back t seconds ago, under roundrobin.");
  m.def("analytic_restarted_share_leastconn", &analytic::restarted_share_leastconn, ::py::arg("t_seconds"),
        ::py::arg("servers"), ::py::arg("connections"), ::py::arg("closures_per_second"),
        "Share of pinned connections held by a server back t seconds ago, under leastconn.");
  m.def("analytic_purge_periods_until_close", &analytic::purge_periods_until_close, ::py::arg("est_need_at_start") = 0,
        "Purge periods until HAProxy 2.x closes a lone idle pooled connection (3: 15 s at the default 5 s).");
}

}  // namespace teardown::py
