// Split polar quadrature for two-input expectations (theory notes §1.2): with the Cholesky
// parametrisation z_a = s_a u1, z_b = s_b (rho u1 + sqrt(1 - rho^2) u2) and (u1, u2) in polar
// coordinates, the integrand is smooth along every ray when F has at most a kink at 0, and
// smooth in the angle between the four rays where z_a or z_b vanishes. Gauss-Legendre on each
// piece then converges spectrally. Used for kinked activations and as the fallback of the
// Mehler expansion.
#include <algorithm>
#include <array>
#include <cmath>

#include "parallel.hpp"
#include "pdlt/quadrature.hpp"
#include "two_point_detail.hpp"

namespace pdlt::detail {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Level {
  int radial, angular;
};
constexpr std::array<Level, 5> kLevels = {{{16, 8}, {32, 16}, {64, 32}, {128, 64}, {256, 128}}};

// Quadrature points (z_a, z_b) and weights for one pair at one level.
struct PairRule {
  std::vector<double> za, zb, w;
};

PairRule pair_rule(double sa, double sb, double rho, Level level) {
  const double c = std::sqrt(std::max(0.0, 1.0 - rho * rho));
  const double theta_b = std::atan2(-rho, c);  // z_b = 0 on this ray and its opposite
  const PolarRule polar = polar_rule({0.5 * kPi, 1.5 * kPi, theta_b, theta_b + kPi}, level.radial, level.angular);
  PairRule rule;
  const std::size_t n = polar.weights.size();
  rule.za.resize(n);
  rule.zb.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    rule.za[i] = sa * polar.u1[i];
    rule.zb[i] = sb * (rho * polar.u1[i] + c * polar.u2[i]);
  }
  rule.w = polar.weights;
  return rule;
}

double reduce(const std::vector<double>& w, const double* fa, const double* fb) {
  double sum = 0.0;
  for (std::size_t i = 0; i < w.size(); ++i) sum += w[i] * fa[i] * fb[i];
  return sum;
}

struct PairGeometry {
  double sa, sb, rho;
};

// One level for a batch of pairs. Thread-safe activations: pairs in parallel. Otherwise one
// evaluation call for all points of the batch (a callback into Python, say).
std::vector<double> integrate_level(const Activation& act, Field field, const std::vector<PairGeometry>& geo,
                                    Level level) {
  const int n = int(geo.size());
  std::vector<double> result(n);
  if (act.thread_safe()) {
    PDLT_PARALLEL_FOR_DYNAMIC
    for (int p = 0; p < n; ++p) {
      const PairRule rule = pair_rule(geo[p].sa, geo[p].sb, geo[p].rho, level);
      std::vector<double> fa(rule.w.size()), fb(rule.w.size());
      evaluate_field(act, field, rule.za.data(), fa.size(), fa.data());
      evaluate_field(act, field, rule.zb.data(), fb.size(), fb.data());
      result[p] = reduce(rule.w, fa.data(), fb.data());
    }
    return result;
  }
  // One evaluation call per sub-batch of at most kPointBudget points.
  constexpr std::size_t kPointBudget = std::size_t(1) << 22;
  for (int begin = 0; begin < n;) {
    std::vector<PairRule> rules;
    std::vector<double> points;
    int end = begin;
    while (end < n && (end == begin || points.size() < kPointBudget)) {
      rules.push_back(pair_rule(geo[end].sa, geo[end].sb, geo[end].rho, level));
      points.insert(points.end(), rules.back().za.begin(), rules.back().za.end());
      points.insert(points.end(), rules.back().zb.begin(), rules.back().zb.end());
      ++end;
    }
    std::vector<double> values(points.size());
    evaluate_field(act, field, points.data(), points.size(), values.data());
    std::size_t offset = 0;
    for (int p = begin; p < end; ++p) {
      const std::size_t m = rules[p - begin].w.size();
      result[p] = reduce(rules[p - begin].w, values.data() + offset, values.data() + offset + m);
      offset += 2 * m;
    }
    begin = end;
  }
  return result;
}

}  // namespace

double polar_pairs(const Activation& act, Field field, const Eigen::MatrixXd& K,
                   const std::vector<IndexPair>& pairs, const std::vector<double>& energy, double rtol,
                   Eigen::MatrixXd& out, const RunControl& control) {
  constexpr std::size_t kBatch = 256;
  double worst = 0.0;
  for (std::size_t begin = 0; begin < pairs.size(); begin += kBatch) {
    control.checkpoint(begin, pairs.size());
    const std::size_t end = std::min(pairs.size(), begin + kBatch);
    std::vector<std::size_t> open;  // pairs of the batch not yet converged
    std::vector<double> previous(end - begin, 0.0), error(end - begin, 1.0);
    for (std::size_t i = begin; i < end; ++i) open.push_back(i);

    for (std::size_t lvl = 0; lvl < kLevels.size() && !open.empty(); ++lvl) {
      std::vector<PairGeometry> geo;
      for (std::size_t i : open) {
        const auto [a, b] = pairs[i];
        const double sa = std::sqrt(K(a, a)), sb = std::sqrt(K(b, b));
        geo.push_back({sa, sb, std::clamp(K(a, b) / (sa * sb), -1.0, 1.0)});
      }
      const std::vector<double> value = integrate_level(act, field, geo, kLevels[lvl]);
      std::vector<std::size_t> still_open;
      for (std::size_t j = 0; j < open.size(); ++j) {
        const std::size_t i = open[j];
        const auto [a, b] = pairs[i];
        out(a, b) = out(b, a) = value[j];
        if (lvl > 0) {
          const double scale = std::max(std::sqrt(energy[a] * energy[b]), 1e-300);
          error[i - begin] = std::abs(value[j] - previous[i - begin]) / scale;
        }
        previous[i - begin] = value[j];
        if (lvl == 0 || error[i - begin] > rtol) still_open.push_back(i);
      }
      open = std::move(still_open);
    }
    for (double e : error) worst = std::max(worst, e);
  }
  return worst;
}

}  // namespace pdlt::detail
