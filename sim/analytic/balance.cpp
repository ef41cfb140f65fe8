#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <Eigen/Dense>

#include "teardown/analytic.hpp"

namespace teardown::analytic {

double server_connections_per_request(const std::vector<double>& weights, bool prefer_last_server,
                                      double client_connections_per_request) {
  const Eigen::Map<const Eigen::ArrayXd> w(weights.data(), static_cast<Eigen::Index>(weights.size()));
  const Eigen::ArrayXd p = w / w.sum();
  const double p_switch = prefer_last_server ? 0.0 : 1.0 - p.square().sum();
  const double fresh = std::clamp(client_connections_per_request, 0.0, 1.0);
  return fresh + (1 - fresh) * p_switch;
}

namespace {

// The fraction of the connections open in steady state that are younger than t (the
// stationary age distribution, (c/K) * integral_0^t P(L > a) da), for lifetimes d + Exp(m).
double younger_than(double t, int servers, double connections, double closures_per_second, double d) {
  const double mean_life = connections / closures_per_second;
  if (!(servers > 0 && connections > 0 && closures_per_second > 0 && d >= 0 && d <= mean_life)) {
    throw std::domain_error("restarted share: needs servers > 0, connections > 0, closures_per_second > 0 and "
                            "0 <= min_lifetime <= connections / closures_per_second");
  }
  if (t <= 0) return 0;
  const double m = mean_life - d;
  const double held = t <= d || m <= 0 ? std::min(t, d) : d + m * -std::expm1(-(t - d) / m);
  return held / mean_life;
}

}  // namespace

double restarted_share_roundrobin(double t, int servers, double connections, double closures_per_second,
                                  double min_lifetime) {
  return younger_than(t, servers, connections, closures_per_second, min_lifetime) / servers;
}

double restarted_share_leastconn(double t, int servers, double connections, double closures_per_second,
                                 double min_lifetime) {
  return std::min(1.0 / servers, younger_than(t, servers, connections, closures_per_second, min_lifetime));
}

int purge_periods_until_close(int est_need) {
  // The connection was used in the period before the first purge (max_used = 1), then idles.
  int used = 0, idle = 1, max_used = 1;
  for (int period = 1; period <= 64; ++period) {
    int exceed = used + idle - std::max(max_used, est_need);
    exceed = exceed / 2 + (exceed & 1);
    est_need = std::max((est_need + max_used) / 2, max_used);
    max_used = used;
    if (exceed > 0) return period;
  }
  return -1;
}

std::vector<double> stationary_distribution(const std::vector<std::vector<double>>& rows) {
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd P(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) P(i, j) = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
  // Solve pi (P - I) = 0 with sum(pi) = 1: replace one equation by the normalisation.
  Eigen::MatrixXd A = (P - Eigen::MatrixXd::Identity(n, n)).transpose();
  A.row(n - 1).setOnes();
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(n);
  rhs(n - 1) = 1;
  const Eigen::VectorXd pi = A.fullPivLu().solve(rhs);
  return {pi.data(), pi.data() + n};
}

}  // namespace teardown::analytic
