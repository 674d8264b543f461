// Quadrature rules for Gaussian expectations.
//
// * gauss_legendre(n): nodes/weights on [-1, 1] (building block).
// * hermite_basis(Q): the Gauss-Hermite rule for u ~ N(0, 1) together with the orthonormal
//   Hermite polynomials p_k = He_k / sqrt(k!), k <= 2Q/3, at its nodes, scaled so that a
//   Hermite coefficient vector is one matrix product (see mehler.cpp).
// * split_normal_rule(n): E[f(u)], u ~ N(0, 1), with the line split at u = 0 (Gauss-Legendre on
//   each half, cut at |u| = kNormalCutoff): spectrally accurate for functions with a kink at 0.
// * polar_rule(...): E[f(u1, u2)] over the standard 2-d normal in polar coordinates with the
//   angular integral split at given angles (the rays where z_a or z_b vanish; theory notes §1.2).
#pragma once

#include <vector>

#include <Eigen/Dense>

namespace pdlt {

// Standard-normal mass beyond this radius is below 1e-21 and is ignored.
inline constexpr double kNormalCutoff = 10.0;

struct QuadratureRule {
  std::vector<double> nodes, weights;
};

const QuadratureRule& gauss_legendre(int n);

struct HermiteBasis {
  int order = 0;                  // Q, the number of Gauss-Hermite nodes
  int degree = 0;                 // highest Hermite degree in the basis, 2Q/3
  Eigen::VectorXd nodes;          // nodes x_i with non-negligible weight
  Eigen::VectorXd sqrt_weights;   // sqrt(lambda_i), sum lambda_i = 1
  Eigen::MatrixXd basis;          // (nodes x degree+1): sqrt(lambda_i) p_k(x_i)
};

// Cached; thread-safe. Q must be even and >= 8.
const HermiteBasis& hermite_basis(int order);

// Cached; 2n nodes, symmetric, weights sum to 1 (to 1e-21).
const QuadratureRule& split_normal_rule(int n);

// Points (u1, u2) and weights of a rule for the standard 2-d normal. The angular integral is
// split at `split_angles` (radians, any order, duplicates allowed); n_theta nodes per arc.
struct PolarRule {
  std::vector<double> u1, u2, weights;
};
PolarRule polar_rule(std::vector<double> split_angles, int n_radial, int n_theta);

}  // namespace pdlt
