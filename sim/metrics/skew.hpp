// Load-skew statistics over per-server figures (Eigen).
#pragma once

#include <vector>

namespace teardown::metrics {

// max / mean; 1 when perfectly even, 0 when all are zero.
double max_over_mean(const std::vector<double>& x);
// standard deviation / mean (population); 0 when all are zero.
double coefficient_of_variation(const std::vector<double>& x);
// Jain's fairness index (sum x)^2 / (n sum x^2): 1 when even, 1/n when one takes all.
double jain_index(const std::vector<double>& x);

}  // namespace teardown::metrics
