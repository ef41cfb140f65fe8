#include "skew.hpp"

#include <Eigen/Core>

namespace teardown::metrics {

namespace {
Eigen::Map<const Eigen::ArrayXd> view(const std::vector<double>& x) {
  return {x.data(), static_cast<Eigen::Index>(x.size())};
}
}  // namespace

double max_over_mean(const std::vector<double>& x) {
  if (x.empty()) return 0.0;
  const auto a = view(x);
  const double mean = a.mean();
  return mean > 0 ? a.maxCoeff() / mean : 0.0;
}

double coefficient_of_variation(const std::vector<double>& x) {
  if (x.empty()) return 0.0;
  const auto a = view(x);
  const double mean = a.mean();
  if (mean <= 0) return 0.0;
  return std::sqrt((a - mean).square().mean()) / mean;
}

double jain_index(const std::vector<double>& x) {
  if (x.empty()) return 0.0;
  const auto a = view(x);
  const double sq = a.square().sum();
  return sq > 0 ? a.sum() * a.sum() / (static_cast<double>(x.size()) * sq) : 0.0;
}

}  // namespace teardown::metrics
