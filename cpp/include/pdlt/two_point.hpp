// Two-input Gaussian expectations <F(z_a) F(z_b)>_K for every pair of inputs of a kernel K,
// with F = sigma (the kernel map, theory notes §2.1) or F = sigma' (the NTK recursion).
//
// Method, chosen per input and per pair:
//  * closed forms where they exist (linear, relu family, erf, sin, step);
//  * otherwise, for smooth activations, the Mehler (Hermite) expansion
//        <F(z_a) F(z_b)> = sum_k c_k(a) c_k(b) rho_ab^k,   c_k(a) = E[F(sqrt(K_aa) u) p_k(u)],
//    p_k the orthonormal Hermite polynomials: the per-input work (coefficients from one
//    Gauss-Hermite matrix product) is done once per input, and a pair costs O(degree). The
//    truncation degree is certified per input and per |rho| bin from the coefficient tail
//    (Cauchy-Schwarz: |sum_{k>m} c_k(a) c_k(b) rho^k| <= |rho|^{m+1} sqrt(T_a(m) T_b(m)));
//  * otherwise (kinked activations, or inputs whose expansion does not converge at the largest
//    rule) split polar quadrature, adaptive in its order.
// The result is exactly symmetric, and positive semi-definite to rounding.
#pragma once

#include <Eigen/Dense>

#include "pdlt/activation.hpp"
#include "pdlt/control.hpp"

namespace pdlt {

struct TwoPointResult {
  Eigen::MatrixXd value;
  double error = 0;  // largest estimated error, relative to sqrt(<F_a^2><F_b^2>)
};

TwoPointResult two_point(const Activation& act, const Eigen::MatrixXd& K, Field field, double rtol,
                         const RunControl& control = {});

}  // namespace pdlt
