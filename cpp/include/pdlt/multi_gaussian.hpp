// Gaussian expectations of products of the activation at up to four distinct inputs,
// E[prod_k sigma(z_k)^{s_k} sigma'(z_k)^{t_k}], z ~ N(0, K_sub): the same-neuron source terms of
// the four-point vertex and of the NTK fluctuations (initialization notes §4.2, ntk notes §3.3).
//
// Method: nested one-dimensional rules in whitened coordinates z = L u (L the Cholesky factor,
// the input with the largest conditional variance innermost). Analytic activations use the
// trapezoidal rule, whose error exp(d^2/2 - 2 pi d / h) is set from the activation's strip of
// analyticity d; kinked ones use Gauss-Legendre split at each kink (which moves with the outer
// variables). The innermost dimension is integrated once for all: g(mu) = E_v[F(mu + L_dd v)]
// is tabulated and interpolated (10-point Lagrange), so a d-input expectation costs O(Q^{d-1}).
#pragma once

#include <vector>

#include <Eigen/Dense>

#include "pdlt/activation.hpp"

namespace pdlt {

struct Monomial {
  int s = 0, ds = 0;  // sigma^s sigma'^ds
};
using ProductSpec = std::vector<Monomial>;  // one monomial per input of the sub-kernel

// K_sub: d x d positive definite, d in 1..4. Every spec has d monomials.
std::vector<double> product_expectations(const Activation& act, const Eigen::MatrixXd& K_sub,
                                         const std::vector<ProductSpec>& specs, double rtol);

}  // namespace pdlt
