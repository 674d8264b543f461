// Single-input Gaussian expectations <F(z)>_K, z ~ N(0, K), of the activation.
//
// All moments are computed together from one set of activation values per quadrature level,
// with the split rule of quadrature.hpp (exact treatment of a kink at z = 0) refined until
// every moment has converged to the requested relative tolerance.
#pragma once

#include <functional>
#include <vector>

#include "pdlt/activation.hpp"

namespace pdlt {

// Integrand of single-input expectations: fills out[0..count) from z, sigma(z), sigma'(z).
using SingleInputIntegrand = std::function<void(double z, double s, double ds, double* out)>;

// E[F_j(z, sigma(z), sigma'(z))], j < count, z ~ N(0, K), K > 0: the split rule is refined until
// every F_j has converged to rtol relative to E|F_j|. *error (if given) receives the largest
// estimated relative error.
std::vector<double> single_input_expectations(const Activation& act, double K, int count,
                                              const SingleInputIntegrand& integrand, double rtol,
                                              double* error = nullptr);

struct SingleInputMoments {
  double K = 0;
  double mean_sigma = 0;      // <sigma>
  double mean_dsigma = 0;     // <sigma'>
  double sigma2 = 0;          // g(K) = <sigma^2>
  double dsigma2 = 0;         // <sigma'^2>
  double z_sigma_dsigma = 0;  // <z sigma sigma'> = K g'(K)  (Gaussian integration by parts)
  double sigma2_hermite4 = 0; // <sigma^2 (z^4 - 6K z^2 + 3K^2)> = 4 K^4 g''(K)   (identity I3)
  double error = 0;           // estimated relative error of the least converged moment

  double g_prime() const { return z_sigma_dsigma / K; }           // dg/dK
  double g_second() const { return sigma2_hermite4 / (4 * K * K * K * K); }
  // <sigma sigma''> by integration by parts, valid for kinked sigma (theory notes §1.2).
  double sigma_d2sigma() const { return (z_sigma_dsigma - K * dsigma2) / K; }
};

// K > 0. Derivative moments are zero when the activation has no derivative (step).
SingleInputMoments single_input_moments(const Activation& act, double K, double rtol = 1e-13);

}  // namespace pdlt
