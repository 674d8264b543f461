#include "pdlt/gaussian.hpp"

#include <algorithm>
#include <cmath>

#include "pdlt/errors.hpp"
#include "pdlt/quadrature.hpp"

namespace pdlt {
namespace {

// The integrals and the absolute scale of each integrand at one level of the split rule.
void integrate_level(const Activation& act, double K, int n, int count, const SingleInputIntegrand& integrand,
                     std::vector<double>& value, std::vector<double>& scale) {
  const QuadratureRule& rule = split_normal_rule(n);
  const std::size_t m = rule.nodes.size();
  const double sqrtK = std::sqrt(K);
  std::vector<double> z(m), s(m), ds(m, 0.0), f(count);
  for (std::size_t i = 0; i < m; ++i) z[i] = sqrtK * rule.nodes[i];
  act.evaluate(z.data(), m, s.data(), act.has_derivative() ? ds.data() : nullptr, nullptr);
  value.assign(count, 0.0);
  scale.assign(count, 0.0);
  for (std::size_t i = 0; i < m; ++i) {
    integrand(z[i], s[i], ds[i], f.data());
    for (int j = 0; j < count; ++j) {
      value[j] += rule.weights[i] * f[j];
      scale[j] += rule.weights[i] * std::abs(f[j]);
    }
  }
}

}  // namespace

std::vector<double> single_input_expectations(const Activation& act, double K, int count,
                                              const SingleInputIntegrand& integrand, double rtol, double* error) {
  if (!(K > 0) || !std::isfinite(K)) throw InvalidArgument("single-input kernel K must be finite and > 0");
  std::vector<double> prev, scale, cur;
  integrate_level(act, K, 24, count, integrand, prev, scale);
  double err = 1.0;
  for (int n = 48; n <= 1536; n *= 2) {
    integrate_level(act, K, n, count, integrand, cur, scale);
    err = 0.0;
    for (int j = 0; j < count; ++j) err = std::max(err, std::abs(cur[j] - prev[j]) / std::max(scale[j], 1e-300));
    prev.swap(cur);
    if (err <= rtol) break;
  }
  if (error) *error = err;
  return prev;
}

SingleInputMoments single_input_moments(const Activation& act, double K, double rtol) {
  double error = 0.0;
  const std::vector<double> v = single_input_expectations(
      act, K, 6,
      [K](double z, double s, double ds, double* out) {
        const double zz = z * z;
        out[0] = s;
        out[1] = ds;
        out[2] = s * s;
        out[3] = ds * ds;
        out[4] = z * s * ds;
        out[5] = s * s * (zz * zz - 6 * K * zz + 3 * K * K);
      },
      rtol, &error);
  SingleInputMoments m;
  m.K = K;
  m.mean_sigma = v[0];
  m.mean_dsigma = v[1];
  m.sigma2 = v[2];
  m.dsigma2 = v[3];
  m.z_sigma_dsigma = v[4];
  m.sigma2_hermite4 = v[5];
  m.error = error;
  return m;
}

}  // namespace pdlt
