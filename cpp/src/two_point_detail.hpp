// Internal pieces of the two-point engine (not installed, not part of the API).
#pragma once

#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "pdlt/activation.hpp"
#include "pdlt/control.hpp"

namespace pdlt::detail {

using IndexPair = std::pair<int, int>;

// Per-input Hermite coefficients and certified truncation degrees (mehler.cpp).
struct MehlerTable {
  // coeff(k, p): k-th Hermite coefficient of F(sqrt(K_aa) u) for member p, for every degree
  // any pair may need. Row-major so that a fixed k is contiguous over members.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> coeff;
  std::vector<int> members;                // the certified inputs (expansion converged)
  std::vector<double> energy;              // <F(z_a)^2> per member
  std::vector<std::vector<short>> degree;  // degree[p][bin]: truncation for |rho| in the bin
};

// scales[a] = sqrt(K_aa) > 0 for the inputs listed in `inputs` (others are ignored).
MehlerTable mehler_table(const Activation& act, Field field, const std::vector<double>& scales,
                         const std::vector<int>& inputs, double rtol, const RunControl& control);

// Fills out(a, b) for every pair of certified inputs (table.members), including a == b.
void mehler_pairs(const MehlerTable& table, const Eigen::MatrixXd& K, const std::vector<double>& scales,
                  Eigen::MatrixXd& out);

// Split polar quadrature for the listed pairs (polar.cpp). energy[a] = <F(z_a)^2> sets the
// error scale. Returns the largest relative error estimate.
double polar_pairs(const Activation& act, Field field, const Eigen::MatrixXd& K,
                   const std::vector<IndexPair>& pairs, const std::vector<double>& energy,
                   double rtol, Eigen::MatrixXd& out, const RunControl& control);

// Evaluates F at n points: in parallel for thread-safe activations, in one call otherwise.
void evaluate_field(const Activation& act, Field field, const double* z, std::size_t n, double* out);

}  // namespace pdlt::detail
