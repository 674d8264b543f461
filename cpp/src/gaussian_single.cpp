#include "pdlt/gaussian.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "pdlt/errors.hpp"
#include "pdlt/quadrature.hpp"

namespace pdlt {
namespace {

constexpr int kMoments = 6;

// The six moments at one quadrature level, and the absolute scale of each integrand.
struct Level {
  std::array<double, kMoments> value{}, scale{};
};

Level moments_at_level(const Activation& act, double K, int n) {
  const QuadratureRule& rule = split_normal_rule(n);
  const std::size_t m = rule.nodes.size();
  const double sqrtK = std::sqrt(K);
  std::vector<double> z(m), s(m), ds(m, 0.0);
  for (std::size_t i = 0; i < m; ++i) z[i] = sqrtK * rule.nodes[i];
  act.evaluate(z.data(), m, s.data(), act.has_derivative() ? ds.data() : nullptr, nullptr);

  Level level;
  for (std::size_t i = 0; i < m; ++i) {
    const double w = rule.weights[i], zz = z[i] * z[i];
    const std::array<double, kMoments> f = {
        s[i], ds[i], s[i] * s[i], ds[i] * ds[i], z[i] * s[i] * ds[i],
        s[i] * s[i] * (zz * zz - 6 * K * zz + 3 * K * K)};
    for (int j = 0; j < kMoments; ++j) {
      level.value[j] += w * f[j];
      level.scale[j] += w * std::abs(f[j]);
    }
  }
  return level;
}

}  // namespace

SingleInputMoments single_input_moments(const Activation& act, double K, double rtol) {
  if (!(K > 0) || !std::isfinite(K)) throw InvalidArgument("single-input kernel K must be finite and > 0");
  Level prev = moments_at_level(act, K, 24);
  double err = 1.0;
  for (int n = 48; n <= 1536; n *= 2) {
    Level cur = moments_at_level(act, K, n);
    err = 0.0;
    for (int j = 0; j < kMoments; ++j) {
      const double scale = std::max(cur.scale[j], 1e-300);
      err = std::max(err, std::abs(cur.value[j] - prev.value[j]) / scale);
    }
    prev = cur;
    if (err <= rtol) break;
  }
  SingleInputMoments m;
  m.K = K;
  m.mean_sigma = prev.value[0];
  m.mean_dsigma = prev.value[1];
  m.sigma2 = prev.value[2];
  m.dsigma2 = prev.value[3];
  m.z_sigma_dsigma = prev.value[4];
  m.sigma2_hermite4 = prev.value[5];
  m.error = err;
  return m;
}

}  // namespace pdlt
