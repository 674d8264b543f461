// Two-input Gaussian expectations <sigma^{(p)}(z_a) sigma^{(q)}(z_b)>_K for every pair of inputs of
// a kernel K. (p, q) = (0, 0) is the kernel map (initialization notes §2.1), (1, 1) the NTK
// recursion; higher orders are the derivative expectations of the finite-width recursions, in
// the distributional (Gaussian integration by parts) sense for kinked activations.
//
// Method, chosen per input and per pair:
//  * closed forms where they exist (linear, relu family, erf, sin, step) for (0,0) and (1,1);
//  * otherwise, for smooth activations, the Mehler (Hermite) expansion
//        <sigma^{(p)}(z_a) sigma^{(q)}(z_b)> = sum_k w^p_k(a) w^q_k(b) rho_ab^k,
//        w^p_k(a) = sqrt((k+1)...(k+p)) c_{k+p}(a) / s_a^p,   c_k(a) = E[sigma(s_a u) He_k(u)/sqrt(k!)],
//    (the coefficients of sigma' are shifted coefficients of sigma), so one Gauss-Hermite matrix
//    product per input serves every order, and a pair costs O(degree). The truncation is
//    certified per input, order and |rho| bin from the coefficient tails (Cauchy-Schwarz:
//    |sum_{k>m} w^p_k(a) w^q_k(b) rho^k| <= |rho|^{m+1} sqrt(T^p_a(m) T^q_b(m)));
//  * otherwise (kinked activations, or inputs whose expansion does not converge) split polar
//    quadrature, adaptive in its order, with derivatives beyond the first moved onto Hermite
//    weights by Gaussian integration by parts.
// (0,0) and (1,1) results are exactly symmetric and positive semi-definite to rounding.
#pragma once

#include <vector>

#include <Eigen/Dense>

#include "pdlt/activation.hpp"
#include "pdlt/control.hpp"

namespace pdlt {

struct DerivativeOrders {
  int p = 0, q = 0;  // <sigma^{(p)}(z_a) sigma^{(q)}(z_b)>
};

struct PairExpectations {
  std::vector<Eigen::MatrixXd> values;  // one N x N matrix per request, (a, b) as above
  double error = 0;                     // largest estimated error, relative to the entries' scale
};

// Requests other than (0,0) and (1,1) need every K_aa > 0, and their diagonal (a = b) entries
// are only defined for smooth activations (NaN otherwise: use single-input expectations there).
// `result` is overwritten; its matrices are reused (no reallocation when the size is unchanged).
void pair_expectations(const Activation& act, const Eigen::MatrixXd& K, const std::vector<DerivativeOrders>& requests,
                       double rtol, PairExpectations& result, const RunControl& control = {});

struct TwoPointResult {
  Eigen::MatrixXd value;
  double error = 0;
};

// <F(z_a) F(z_b)> for F = sigma or sigma'.
TwoPointResult two_point(const Activation& act, const Eigen::MatrixXd& K, Field field, double rtol,
                         const RunControl& control = {});

}  // namespace pdlt
