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
         const ::py::object& validate_after_inactivity, const ::py::object& response_time) {
        analytic::StaleReuseInputs in;
        in.reuse_rate = reuse_rate;
        in.proxy_timeout = duration_or_off(proxy_timeout);
        in.one_way_delay = duration_or_off(one_way_delay);
        in.processing_time = duration_or_off(processing_time);
        in.idle_evict = duration_or_off(idle_evict);
        in.evict_interval = duration_or_off(evict_interval);
        in.validate_after_inactivity = duration_or_off(validate_after_inactivity);
        const Time response = duration_or_off(response_time);
        in.response_time = response == kNever ? 0 : response;  // None or "off": no requests wait
        const analytic::StaleReuseEstimate e = analytic::stale_reuse(in);
        ::py::dict out;
        out["p_race"] = e.p_race;
        out["p_closed"] = e.p_closed;
        out["p_fail"] = e.p_fail;
        out["p_evicted"] = e.p_evicted;
        out["p_checked"] = e.p_checked;
        out["failure_ratio"] = e.failure_ratio;
        out["new_connections_per_request"] = e.new_connections_per_request;
        return out;
      },
      ::py::arg("reuse_rate"), ::py::arg("proxy_timeout"), ::py::arg("one_way_delay"), ::py::arg("processing_time"),
      ::py::arg("idle_evict"), ::py::arg("evict_interval"), ::py::arg("validate_after_inactivity"),
      ::py::arg("response_time"),
      "Stale reuse of one pooled connection with Poisson reuse (docs/model.md section 5). Durations are "
      "strings ('1s'), seconds as numbers, or None/'off'. Returns p_race, p_closed, p_fail, p_evicted, "
      "p_checked, failure_ratio, new_connections_per_request.");
  m.def("analytic_server_connections_per_request", &analytic::server_connections_per_request, ::py::arg("weights"),
        ::py::arg("prefer_last_server"), ::py::arg("client_connections_per_request"),
        "New server connections per request with private server connections and independent balancing.");
  // min_lifetime: a duration like the others; None or "off" means none (exponential lifetimes).
  const auto restarted_share = [&m](const char* name, double (*share)(double, int, double, double, double),
                                    const char* doc) {
    m.def(
        name,
        [share](double t_seconds, int servers, double connections, double closures_per_second,
                const ::py::object& min_lifetime) {
          const Time d = duration_or_off(min_lifetime);
          return share(t_seconds, servers, connections, closures_per_second, d == kNever ? 0.0 : to_seconds(d));
        },
        ::py::arg("t_seconds"), ::py::arg("servers"), ::py::arg("connections"), ::py::arg("closures_per_second"),
        ::py::arg("min_lifetime") = 0.0, doc);
  };
  restarted_share("analytic_restarted_share_roundrobin", &analytic::restarted_share_roundrobin,
                  "Share of pinned connections held by a server marked up t seconds ago, under roundrobin, with "
                  "lifetimes min_lifetime + exponential of mean connections / closures_per_second in all.");
  restarted_share("analytic_restarted_share_leastconn", &analytic::restarted_share_leastconn,
                  "Share of pinned connections held by a server marked up t seconds ago, under leastconn (fluid "
                  "limit), with lifetimes min_lifetime + exponential of mean connections / closures_per_second.");
  m.def("analytic_purge_periods_until_close", &analytic::purge_periods_until_close, ::py::arg("est_need_at_start") = 0,
        "Purge periods until HAProxy 2.x closes a lone idle pooled connection (3: 15 s at the default 5 s).");
}

}  // namespace teardown::py
