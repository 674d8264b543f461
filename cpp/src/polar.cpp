// Split polar quadrature for two-input expectations (theory notes §1.2): with the Cholesky
// parametrisation z_a = L11 u1, z_b = L21 u1 + L22 u2 and (u1, u2) in polar coordinates, the
// integrand is smooth along every ray when sigma has at most a kink at 0, and smooth in the
// angle between the four rays where z_a or z_b vanishes; Gauss-Legendre on each piece then
// converges spectrally. Used for kinked activations and as the fallback of the Mehler expansion.
//
// Derivatives: <sigma^{(p)}_a sigma^{(q)}_b> keeps at most one explicit derivative on each factor
// (sigma' is a function even for relu) and moves the rest onto the Gaussian by integration by
// parts in the whitened variables: with d/dz_a = (1/L11) d/du1 - (L21/(L11 L22)) d/du2 and
// d/dz_b = (1/L22) d/du2, and <d^i/du1^i d^j/du2^j G> = <G He_i(u1) He_j(u2)>.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "parallel.hpp"
#include "pdlt/errors.hpp"
#include "pdlt/quadrature.hpp"
#include "two_point_detail.hpp"

namespace pdlt::detail {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kMaxHermite = 8;

struct Level {
  int radial, angular;
};
constexpr std::array<Level, 5> kLevels = {{{16, 8}, {32, 16}, {64, 32}, {128, 64}, {256, 128}}};

struct PairGeometry {
  double L11, L21, L22, rho;
};

// One request, prepared for a pair: explicit derivative orders (0 or 1) on each factor and the
// polynomial weight sum_r coef_r He_{alpha_r}(u1) He_{beta_r}(u2) carrying the rest.
struct Weighted {
  int da = 0, db = 0;
  std::vector<std::array<double, 3>> terms;  // (coefficient, alpha, beta)
};

double binomial(int n, int k) {
  double b = 1.0;
  for (int j = 1; j <= k; ++j) b = b * (n - k + j) / j;
  return b;
}

Weighted prepare(DerivativeOrders r, const PairGeometry& g) {
  Weighted w;
  w.da = std::min(r.p, 1);
  w.db = std::min(r.q, 1);
  const int i = r.p - w.da, j = r.q - w.db;  // derivatives moved onto the Gaussian
  const double mix = -g.L21 / (g.L11 * g.L22);
  for (int k = 0; k <= i; ++k) {
    const double c = binomial(i, k) * std::pow(1.0 / g.L11, i - k) * std::pow(mix, k) * std::pow(1.0 / g.L22, j);
    w.terms.push_back({c, double(i - k), double(k + j)});
  }
  return w;
}

void hermite_values(double u, int n, double* he) {  // He_0..He_n (probabilists')
  he[0] = 1.0;
  if (n > 0) he[1] = u;
  for (int k = 1; k < n; ++k) he[k + 1] = u * he[k] - k * he[k - 1];
}

// Points and weights of the polar rule for one pair at one level.
struct PairRule {
  std::vector<double> u1, u2, za, zb, w;
};

PairRule pair_rule(const PairGeometry& g, Level level) {
  const double c = std::sqrt(std::max(0.0, 1.0 - g.rho * g.rho));
  const double theta_b = std::atan2(-g.rho, c);  // z_b = 0 on this ray and its opposite
  const PolarRule polar = polar_rule({0.5 * kPi, 1.5 * kPi, theta_b, theta_b + kPi}, level.radial, level.angular);
  PairRule rule;
  rule.u1 = polar.u1;
  rule.u2 = polar.u2;
  rule.w = polar.weights;
  const std::size_t n = rule.w.size();
  rule.za.resize(n);
  rule.zb.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    rule.za[i] = g.L11 * polar.u1[i];
    rule.zb[i] = g.L21 * polar.u1[i] + g.L22 * polar.u2[i];
  }
  return rule;
}

// sum_i w_i f_a f_b W(u) for every request, and the sum of absolute values (the scale).
void reduce(const PairRule& rule, const double* sa, const double* dsa, const double* sb, const double* dsb,
            const std::vector<Weighted>& requests, double* value, double* scale) {
  const std::size_t n = rule.w.size(), R = requests.size();
  std::fill(value, value + R, 0.0);
  std::fill(scale, scale + R, 0.0);
  double h1[kMaxHermite + 1], h2[kMaxHermite + 1];
  for (std::size_t i = 0; i < n; ++i) {
    hermite_values(rule.u1[i], kMaxHermite, h1);
    hermite_values(rule.u2[i], kMaxHermite, h2);
    for (std::size_t r = 0; r < R; ++r) {
      const Weighted& q = requests[r];
      double weight = 0.0;
      for (const auto& t : q.terms) weight += t[0] * h1[int(t[1])] * h2[int(t[2])];
      const double x = rule.w[i] * (q.da ? dsa[i] : sa[i]) * (q.db ? dsb[i] : sb[i]) * weight;
      value[r] += x;
      scale[r] += std::abs(x);
    }
  }
}

// One level for a batch of pairs: values[pair][request], scales likewise.
void integrate_level(const Activation& act, const std::vector<PairGeometry>& geo, const std::vector<DerivativeOrders>& req,
                     Level level, std::vector<double>& values, std::vector<double>& scales) {
  const int n = int(geo.size());
  const std::size_t R = req.size();
  values.assign(std::size_t(n) * R, 0.0);
  scales.assign(std::size_t(n) * R, 0.0);
  auto finish = [&](int p, const PairRule& rule, const double* sa, const double* dsa, const double* sb, const double* dsb) {
    std::vector<Weighted> w;
    for (const auto& r : req) w.push_back(prepare(r, geo[p]));
    reduce(rule, sa, dsa, sb, dsb, w, values.data() + std::size_t(p) * R, scales.data() + std::size_t(p) * R);
  };
  if (act.thread_safe()) {
    PDLT_PARALLEL_FOR_DYNAMIC
    for (int p = 0; p < n; ++p) {
      const PairRule rule = pair_rule(geo[p], level);
      const std::size_t m = rule.w.size();
      std::vector<double> sa(m), dsa(m), sb(m), dsb(m);
      act.evaluate(rule.za.data(), m, sa.data(), act.has_derivative() ? dsa.data() : nullptr, nullptr);
      act.evaluate(rule.zb.data(), m, sb.data(), act.has_derivative() ? dsb.data() : nullptr, nullptr);
      finish(p, rule, sa.data(), dsa.data(), sb.data(), dsb.data());
    }
    return;
  }
  // One evaluation call per sub-batch of at most kPointBudget points (a callback into Python).
  constexpr std::size_t kPointBudget = std::size_t(1) << 21;
  for (int begin = 0; begin < n;) {
    std::vector<PairRule> rules;
    std::vector<double> points;
    int end = begin;
    while (end < n && (end == begin || points.size() < kPointBudget)) {
      rules.push_back(pair_rule(geo[end], level));
      points.insert(points.end(), rules.back().za.begin(), rules.back().za.end());
      points.insert(points.end(), rules.back().zb.begin(), rules.back().zb.end());
      ++end;
    }
    std::vector<double> s(points.size()), ds(points.size(), 0.0);
    evaluate_both(act, points.data(), points.size(), s.data(), act.has_derivative() ? ds.data() : nullptr);
    std::size_t offset = 0;
    for (int p = begin; p < end; ++p) {
      const std::size_t m = rules[p - begin].w.size();
      finish(p, rules[p - begin], s.data() + offset, ds.data() + offset, s.data() + offset + m, ds.data() + offset + m);
      offset += 2 * m;
    }
    begin = end;
  }
}

// Entries (a, b) of every request for the listed ordered pairs (and (b, a) for p = q).
double polar_pairs_directed(const Activation& act, const Eigen::MatrixXd& K, const std::vector<IndexPair>& pairs,
                            const std::vector<DerivativeOrders>& requests, double rtol,
                            std::vector<Eigen::MatrixXd>& out, const RunControl& control) {
  const std::size_t R = requests.size();
  bool needs_weights = false;
  for (const auto& r : requests) {
    needs_weights = needs_weights || r.p > 1 || r.q > 1;
    if (r.p + r.q > kMaxHermite + 2) throw InvalidArgument("derivative order too high for the polar rule");
  }
  constexpr std::size_t kBatch = 256;
  double worst = 0.0;
  for (std::size_t begin = 0; begin < pairs.size(); begin += kBatch) {
    control.checkpoint(begin, pairs.size());
    const std::size_t end = std::min(pairs.size(), begin + kBatch);
    std::vector<PairGeometry> all;
    for (std::size_t i = begin; i < end; ++i) {
      const auto [a, b] = pairs[i];
      const double sa = std::sqrt(K(a, a)), sb = std::sqrt(K(b, b));
      const double rho = std::clamp(K(a, b) / (sa * sb), -1.0, 1.0);
      const double c = std::sqrt(std::max(0.0, 1.0 - rho * rho));
      if (needs_weights && c < 1e-6)
        throw InvalidArgument("inputs " + std::to_string(a) + " and " + std::to_string(b) +
                              " are collinear (|correlation| > 1 - 5e-13): derivative expectations of a kinked "
                              "activation are singular there");
      all.push_back({sa, sb * rho, sb * c, rho});
    }
    std::vector<std::size_t> open;  // pairs of the batch not yet converged
    for (std::size_t i = 0; i < all.size(); ++i) open.push_back(i);
    std::vector<double> previous(all.size() * R, 0.0), error(all.size() * R, 1.0);
    for (std::size_t lvl = 0; lvl < kLevels.size() && !open.empty(); ++lvl) {
      std::vector<PairGeometry> geo;
      for (std::size_t i : open) geo.push_back(all[i]);
      std::vector<double> values, scales;
      integrate_level(act, geo, requests, kLevels[lvl], values, scales);
      std::vector<std::size_t> still_open;
      for (std::size_t j = 0; j < open.size(); ++j) {
        const std::size_t i = open[j];
        const auto [a, b] = pairs[begin + i];
        bool converged = lvl > 0;
        for (std::size_t r = 0; r < R; ++r) {
          const double v = values[j * R + r];
          out[r](a, b) = v;
          if (requests[r].p == requests[r].q) out[r](b, a) = v;
          if (lvl > 0) error[i * R + r] = std::abs(v - previous[i * R + r]) / std::max(scales[j * R + r], 1e-300);
          previous[i * R + r] = v;
          converged = converged && error[i * R + r] <= rtol;
        }
        if (!converged) still_open.push_back(i);
      }
      open = std::move(still_open);
    }
    for (double e : error) worst = std::max(worst, e);
  }
  return worst;
}

}  // namespace

double polar_pairs(const Activation& act, const Eigen::MatrixXd& K, const std::vector<IndexPair>& pairs,
                   const std::vector<DerivativeOrders>& requests, double rtol, std::vector<Eigen::MatrixXd>& out,
                   const RunControl& control) {
  double worst = polar_pairs_directed(act, K, pairs, requests, rtol, out, control);
  // Requests with p != q: the transposed entries (b, a) are separate integrals.
  std::vector<DerivativeOrders> asymmetric;
  std::vector<std::size_t> index;
  for (std::size_t r = 0; r < requests.size(); ++r)
    if (requests[r].p != requests[r].q) {
      asymmetric.push_back(requests[r]);
      index.push_back(r);
    }
  if (asymmetric.empty() || pairs.empty()) return worst;
  std::vector<IndexPair> reversed;
  for (const auto& [a, b] : pairs) reversed.emplace_back(b, a);
  std::vector<Eigen::MatrixXd> transposed(asymmetric.size(), Eigen::MatrixXd::Zero(K.rows(), K.cols()));
  worst = std::max(worst, polar_pairs_directed(act, K, reversed, asymmetric, rtol, transposed, control));
  for (std::size_t s = 0; s < asymmetric.size(); ++s)
    for (const auto& [a, b] : pairs) out[index[s]](b, a) = transposed[s](b, a);
  return worst;
}

}  // namespace pdlt::detail
