// Internal pieces of the two-point engine (not installed, not part of the API).
#pragma once

#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "pdlt/activation.hpp"
#include "pdlt/control.hpp"
#include "pdlt/two_point.hpp"

namespace pdlt::detail {

using IndexPair = std::pair<int, int>;
using RowMatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Per-input Hermite sequences of sigma and its derivatives, with certified truncations
// (mehler.cpp). Index o runs over `orders` (derivative orders p).
struct MehlerTable {
  std::vector<int> members;  // the certified inputs (expansions of every order converged)
  std::vector<int> orders;
  // coeff[o](k, m): w^p_k of member m for p = orders[o], for every degree any pair may need.
  // Row-major so that a fixed k is contiguous over members (padded to whole 8-lane blocks).
  std::vector<RowMatrixD> coeff;
  std::vector<std::vector<double>> energy;               // energy[o][m] = <(sigma^{(p)})^2>
  std::vector<std::vector<std::vector<short>>> degree;  // degree[o][m][bin]
  int order_index(int p) const;
};

MehlerTable mehler_table(const Activation& act, const std::vector<double>& scales, const std::vector<int>& inputs,
                         const std::vector<int>& orders, double rtol, const RunControl& control);

// out(a, b) = <sigma^{(p)}(z_a) sigma^{(q)}(z_b)> for every pair of members, diagonal included.
void mehler_pairs(const MehlerTable& table, const Eigen::MatrixXd& K, const std::vector<double>& scales,
                  DerivativeOrders orders, Eigen::MatrixXd& out);

// Split polar quadrature of <sigma^{(p)}_a sigma^{(q)}_b> for the listed pairs (a != b), every
// request at once (polar.cpp). Derivatives beyond the first are moved onto Hermite weights.
// Returns the largest relative error estimate.
double polar_pairs(const Activation& act, const Eigen::MatrixXd& K, const std::vector<IndexPair>& pairs,
                   const std::vector<DerivativeOrders>& requests, double rtol, std::vector<Eigen::MatrixXd>& out,
                   const RunControl& control);

// Evaluates F at n points: in parallel for thread-safe activations, in one call otherwise.
void evaluate_field(const Activation& act, Field field, const double* z, std::size_t n, double* out);

// sigma and sigma' at n points, as evaluate_field.
void evaluate_both(const Activation& act, const double* z, std::size_t n, double* s, double* ds);

}  // namespace pdlt::detail
