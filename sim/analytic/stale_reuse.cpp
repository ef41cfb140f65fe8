#include <algorithm>
#include <cmath>

#include "teardown/analytic.hpp"

namespace teardown::analytic {

namespace {

double seconds(Time t) { return to_seconds(t); }

// (1/I) * integral over x in [E, E+I] of F(min(b, x)), F(x) = max(0, e^{-la} - e^{-lx}):
// the probability that a gap falls in [a, min(b, eviction age)) with the eviction age
// uniform on [E, E+I].
double averaged_over_eviction(double lambda, double a, double b, double E, double I) {
  auto F = [&](double x) { return x <= a ? 0.0 : std::exp(-lambda * a) - std::exp(-lambda * x); };
  if (I <= 0) return F(std::min(b, E));
  // integral of F(min(b, x)) dx over [lo, hi], piecewise.
  auto integral = [&](double lo, double hi) {
    double total = 0;
    // part below a: F = 0
    const double s1 = std::max(lo, a), e1 = std::min(hi, b);
    if (e1 > s1) {
      // integral of e^{-la} - e^{-lx} from s1 to e1
      total += std::exp(-lambda * a) * (e1 - s1) - (std::exp(-lambda * s1) - std::exp(-lambda * e1)) / lambda;
    }
    const double s2 = std::max(lo, std::max(a, b));
    if (hi > s2 && b > a) total += F(b) * (hi - s2);
    return total;
  };
  return integral(E, E + I) / I;
}

}  // namespace

StaleReuseEstimate stale_reuse(const StaleReuseInputs& in) {
  const double lambda = in.reuse_rate;
  const double T = seconds(in.proxy_timeout);
  const double a = std::max(0.0, T - 2 * seconds(in.one_way_delay) - seconds(in.processing_time));
  // Requests that arrived before the previous response go out at gap 0 and cannot fail or
  // find the connection gone: every tail below is scaled by this.
  const double idle_after_response = std::exp(-lambda * seconds(in.response_time));
  StaleReuseEstimate out;
  out.p_race = std::exp(-lambda * a) - std::exp(-lambda * T);
  out.p_closed = std::exp(-lambda * T);
  // Failing gaps: [a, b). Without a stale check b is infinite; with one (threshold V) the
  // FIN is caught for gaps >= max(T, V).
  const double b = in.validate_after_inactivity == kNever ? INFINITY : std::max(T, seconds(in.validate_after_inactivity));
  const double tail_b = std::isinf(b) ? 0.0 : std::exp(-lambda * b);
  if (in.idle_evict == kNever) {
    out.p_fail = std::exp(-lambda * a) - tail_b;
    out.p_checked = tail_b;
  } else {
    const double E = seconds(in.idle_evict), I = seconds(in.evict_interval);
    out.p_fail = averaged_over_eviction(lambda, a, b, E, I);
    out.p_checked = std::isinf(b) ? 0.0 : averaged_over_eviction(lambda, b, INFINITY, E, I);
    // The gap outlasts the eviction age E + U*I.
    out.p_evicted = I > 0 ? (std::exp(-lambda * E) - std::exp(-lambda * (E + I))) / (lambda * I) : std::exp(-lambda * E);
  }
  for (double* p : {&out.p_race, &out.p_closed, &out.p_fail, &out.p_evicted, &out.p_checked}) *p *= idle_after_response;
  // Two states: after a success (a pooled connection) or after a failure (none, so a fresh
  // connection that cannot fail). An eviction or a stale check does not change the state:
  // the request that finds the connection gone opens the new one itself.
  out.failure_ratio = out.p_fail / (1 + out.p_fail);
  out.new_connections_per_request = (out.p_fail + out.p_evicted + out.p_checked) / (1 + out.p_fail);
  return out;
}

}  // namespace teardown::analytic
