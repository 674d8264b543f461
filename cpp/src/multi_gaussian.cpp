#include "pdlt/multi_gaussian.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "pdlt/errors.hpp"
#include "pdlt/gaussian.hpp"
#include "pdlt/quadrature.hpp"

namespace pdlt {
namespace {

constexpr double kRange = 8.5;   // |u| beyond which the Gaussian weight is negligible (e^{-36})
constexpr int kSplitNodes = 32;  // Gauss-Legendre nodes per side of a kink
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kPi = 3.14159265358979323846;

struct Rule1D {
  std::vector<double> u, w;  // w includes the normal density
};

// Trapezoidal rule for E[f(u)], u ~ N(0, 1), analytic f: nodes i h, |i h| <= kRange.
Rule1D trapezoid(double h) {
  Rule1D r;
  const int m = int(kRange / h);
  for (int i = -m; i <= m; ++i) {
    const double u = i * h;
    r.u.push_back(u);
    r.w.push_back(h * kInvSqrt2Pi * std::exp(-0.5 * u * u));
  }
  return r;
}

// Gauss-Legendre on [-R, s] and [s, R]: f kinked at u = s.
void split_rule(double s, Rule1D& r) {
  r.u.clear();
  r.w.clear();
  const QuadratureRule& gl = gauss_legendre(kSplitNodes);
  auto panel = [&](double lo, double hi) {
    if (!(hi > lo)) return;
    const double half = 0.5 * (hi - lo), mid = 0.5 * (hi + lo);
    for (int i = 0; i < kSplitNodes; ++i) {
      const double u = mid + half * gl.nodes[i];
      r.u.push_back(u);
      r.w.push_back(half * gl.weights[i] * kInvSqrt2Pi * std::exp(-0.5 * u * u));
    }
  };
  const double cut = std::clamp(s, -kRange, kRange);
  panel(-kRange, cut);
  panel(cut, kRange);
}

// Trapezoid step for an integrand analytic in |Im u| < d: error ~ exp(d^2/2 - 2 pi d / h)
// (the d^2/2 is the growth of the Gaussian off the axis), capped by the Gaussian's own rate.
// That cap is the Fourier transform of p(u) exp(-u^2/2) at 2 pi / h, which for a product of up
// to four nearly linear factors (small kernels: sigma(z) ~ z) is ~ (2 pi / h)^4 exp(-2 pi^2 / h^2),
// so the polynomial prefactor enters the tolerance (a fixed point in h, three steps suffice).
double trapezoid_step(double d, double log_inverse_tolerance) {
  constexpr int kDegree = 4;
  double gaussian_limited = std::sqrt(2.0 * kPi * kPi / log_inverse_tolerance);
  for (int it = 0; it < 3; ++it)
    gaussian_limited = std::sqrt(2.0 * kPi * kPi /
                                 (log_inverse_tolerance + kDegree * std::log(2 * kPi / gaussian_limited)));
  if (d >= 2 * kPi / gaussian_limited) return gaussian_limited;
  return 2 * kPi * d / (log_inverse_tolerance + 0.5 * d * d);
}

// Distinct monomials of one input, and for each spec the index of its monomial.
struct InputMonomials {
  std::vector<Monomial> distinct;
  std::vector<int> of_spec;
};

InputMonomials collect(const std::vector<ProductSpec>& specs, int k) {
  InputMonomials m;
  for (const auto& spec : specs) {
    const Monomial x = spec[k];
    auto it = std::find_if(m.distinct.begin(), m.distinct.end(), [&](const Monomial& y) { return y.s == x.s && y.ds == x.ds; });
    if (it == m.distinct.end()) {
      m.distinct.push_back(x);
      m.of_spec.push_back(int(m.distinct.size()) - 1);
    } else {
      m.of_spec.push_back(int(it - m.distinct.begin()));
    }
  }
  return m;
}

double power(double x, int n) {
  double r = 1.0;
  for (int i = 0; i < n; ++i) r *= x;
  return r;
}

// The innermost dimension, g_j(mu) = E_v[monomial_j(mu + s v)], on a uniform grid.
class SmoothedTable {
 public:
  bool build(const Activation& act, const std::vector<Monomial>& monomials, double s, double mu_max, double step,
             const Rule1D& trapezoid_rule) {
    step_ = step;
    const long points = long(2 * mu_max / step) + 2 * kHalf + 2;
    if (points > 40000) return false;  // too fine: integrate directly instead
    origin_ = -step * double(points / 2);
    values_.assign(monomials.size(), std::vector<double>(std::size_t(points), 0.0));
    Rule1D rule = trapezoid_rule;
    std::vector<double> z, sv, dv;
    for (long g = 0; g < points; ++g) {
      const double mu = origin_ + step * double(g);
      if (!act.smooth()) split_rule(-mu / s, rule);
      z.resize(rule.u.size());
      sv.resize(z.size());
      dv.resize(z.size());
      for (std::size_t i = 0; i < z.size(); ++i) z[i] = mu + s * rule.u[i];
      act.evaluate(z.data(), z.size(), sv.data(), act.has_derivative() ? dv.data() : nullptr, nullptr);
      for (std::size_t j = 0; j < monomials.size(); ++j) {
        double sum = 0.0;
        for (std::size_t i = 0; i < z.size(); ++i) sum += rule.w[i] * power(sv[i], monomials[j].s) * power(dv[i], monomials[j].ds);
        values_[j][std::size_t(g)] = sum;
      }
    }
    return true;
  }

  // 10-point Lagrange interpolation (barycentric form on equispaced nodes) of every monomial.
  void eval(double mu, double* out) const {
    const double t = (mu - origin_) / step_;
    const long last = long(values_.front().size()) - 2 * kHalf;
    const long i0 = std::clamp(long(std::floor(t)) - (kHalf - 1), 0L, last);
    const double x = t - double(i0);  // in [kHalf - 1, kHalf) inside the table
    static constexpr double c[2 * kHalf] = {1, -9, 36, -84, 126, -126, 84, -36, 9, -1};  // (-1)^j C(9, j)
    double w[2 * kHalf], total = 0.0;
    for (int j = 0; j < 2 * kHalf; ++j) {
      const double d = x - j;
      if (d == 0.0) {
        for (std::size_t m = 0; m < values_.size(); ++m) out[m] = values_[m][std::size_t(i0 + j)];
        return;
      }
      w[j] = c[j] / d;
      total += w[j];
    }
    for (std::size_t m = 0; m < values_.size(); ++m) {
      const double* v = values_[m].data() + i0;
      double sum = 0.0;
      for (int j = 0; j < 2 * kHalf; ++j) sum += w[j] * v[j];
      out[m] = sum / total;
    }
  }

 private:
  static constexpr int kHalf = 5;
  double origin_ = 0, step_ = 1;
  std::vector<std::vector<double>> values_;
};

class NestedIntegrator {
 public:
  NestedIntegrator(const Activation& act, const Eigen::MatrixXd& L, const std::vector<ProductSpec>& specs, double rtol)
      : act_(act), L_(L), specs_(specs), d_(int(L.rows())), result_(specs.size(), 0.0), prune_(1e-6 * rtol) {
    // Margin for the integrand's growth off the axis: at 70% of tanh's strip a product of four
    // sigma' = sech^2 grows by |cos(0.35 pi)|^-8 ~ e^6.3 (e^4 left errors of 10 rtol; e^8 is measured
    // below rtol on the finite-width benchmark's kernels).
    const double log_inv = std::log(2.0 / rtol) + 8.0;
    // Singularities may sit on the strip's edge (tanh's poles at +-i pi/2): use 70% of it.
    const double strip = 0.7 * act.analytic_strip();
    for (int k = 0; k < d_; ++k) {
      monomials_.push_back(collect(specs, k));
      double S = 0.0;  // how fast the inputs of levels >= k move with u_k
      for (int j = k; j < d_; ++j) S = std::max(S, std::abs(L(j, k)));
      trapezoids_.push_back(trapezoid(trapezoid_step(strip / S, log_inv)));
    }
    // The innermost input as a smoothed function of its conditional mean.
    const int k = d_ - 1;
    double reach = 0.0;  // |mu| <= kRange sum_c |L_kc| over the outer nodes
    for (int c = 0; c < k; ++c) reach += kRange * std::abs(L(k, c));
    const double s = L(k, k);
    // 10-point interpolation errs like (step / scale)^10, scale = the strip (or, for a kink, the
    // smoothing width s): step = scale / 20 left 3e-10 on sech^2 products, so scale the step
    // with rtol^(1/10) from scale / 30 at rtol = 1e-10.
    const double step = (act.smooth() ? strip : s) / 30.0 * std::pow(rtol / 1e-10, 0.1);
    tabulated_ = d_ > 1 && table_.build(act, monomials_[k].distinct, s, reach + step, step, trapezoids_[k]);
  }

  std::vector<double> run() {
    std::vector<double> mu(d_, 0.0), carry(specs_.size(), 1.0);
    level(0, 1.0, mu, carry);
    return result_;
  }

 private:
  void level(int k, double weight, const std::vector<double>& mu, const std::vector<double>& carry) {
    const InputMonomials& mono = monomials_[k];
    const std::size_t M = mono.distinct.size(), nspec = specs_.size();
    Rule1D rule;
    if (act_.smooth())
      rule = trapezoids_[k];
    else
      split_rule(-mu[k] / L_(k, k), rule);
    // Prune nodes whose accumulated Gaussian weight cannot matter (the corners of the cube).
    std::size_t kept = 0;
    for (std::size_t i = 0; i < rule.u.size(); ++i)
      if (weight * rule.w[i] > prune_) {
        rule.u[kept] = rule.u[i];
        rule.w[kept++] = weight * rule.w[i];
      }
    rule.u.resize(kept);
    rule.w.resize(kept);
    const std::size_t n = kept;
    if (n == 0) return;
    std::vector<double> z(n), sv(n), dv(n, 0.0);
    for (std::size_t i = 0; i < n; ++i) z[i] = mu[k] + L_(k, k) * rule.u[i];
    act_.evaluate(z.data(), n, sv.data(), act_.has_derivative() ? dv.data() : nullptr, nullptr);
    // values[m][i]: monomial m of this input at node i
    std::vector<std::vector<double>> values(M, std::vector<double>(n));
    for (std::size_t m = 0; m < M; ++m)
      for (std::size_t i = 0; i < n; ++i) values[m][i] = power(sv[i], mono.distinct[m].s) * power(dv[i], mono.distinct[m].ds);

    if (k == d_ - 1) {  // innermost, integrated directly
      for (std::size_t s = 0; s < nspec; ++s) {
        const std::vector<double>& v = values[mono.of_spec[s]];
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) sum += rule.w[i] * v[i];
        result_[s] += carry[s] * sum;
      }
      return;
    }
    if (k == d_ - 2 && tabulated_) {  // next level from the table: one tight loop over the nodes
      const InputMonomials& inner = monomials_[d_ - 1];
      const std::size_t Mi = inner.distinct.size();
      std::vector<double> g(Mi);
      std::vector<std::vector<double>> sums(M, std::vector<double>(Mi, 0.0));  // sum_i w_i v_m(i) g_j(mu_i)
      for (std::size_t i = 0; i < n; ++i) {
        table_.eval(mu[d_ - 1] + L_(d_ - 1, k) * rule.u[i], g.data());
        for (std::size_t m = 0; m < M; ++m) {
          const double wv = rule.w[i] * values[m][i];
          for (std::size_t j = 0; j < Mi; ++j) sums[m][j] += wv * g[j];
        }
      }
      for (std::size_t s = 0; s < nspec; ++s) result_[s] += carry[s] * sums[mono.of_spec[s]][inner.of_spec[s]];
      return;
    }
    std::vector<double> next_mu(mu), next_carry(nspec);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t s = 0; s < nspec; ++s) next_carry[s] = carry[s] * values[mono.of_spec[s]][i];
      for (int j = k + 1; j < d_; ++j) next_mu[j] = mu[j] + L_(j, k) * rule.u[i];
      level(k + 1, rule.w[i], next_mu, next_carry);
    }
  }

  const Activation& act_;
  const Eigen::MatrixXd& L_;
  const std::vector<ProductSpec>& specs_;
  int d_;
  std::vector<double> result_;
  std::vector<InputMonomials> monomials_;
  std::vector<Rule1D> trapezoids_;
  SmoothedTable table_;
  bool tabulated_ = false;
  double prune_;  // nodes whose accumulated Gaussian weight is below this are skipped
};

}  // namespace

std::vector<double> product_expectations(const Activation& act, const Eigen::MatrixXd& K_sub,
                                         const std::vector<ProductSpec>& specs, double rtol) {
  const int d = int(K_sub.rows());
  if (d < 1 || d > 4) throw InvalidArgument("product expectations take 1 to 4 inputs");
  if (d == 1) {
    return single_input_expectations(act, K_sub(0, 0), int(specs.size()),
                                     [&specs](double, double s, double ds, double* out) {
                                       for (std::size_t j = 0; j < specs.size(); ++j)
                                         out[j] = power(s, specs[j][0].s) * power(ds, specs[j][0].ds);
                                     },
                                     rtol);
  }
  // Order the inputs so that the one with the largest conditional variance is innermost.
  const Eigen::MatrixXd inverse = K_sub.inverse();
  std::vector<int> order(d);
  std::iota(order.begin(), order.end(), 0);
  int inner = 0;
  for (int j = 1; j < d; ++j)
    if (inverse(j, j) < inverse(inner, inner)) inner = j;
  std::swap(order[inner], order[d - 1]);
  Eigen::MatrixXd P(d, d);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) P(i, j) = K_sub(order[i], order[j]);
  Eigen::LLT<Eigen::MatrixXd> llt(P);
  const Eigen::MatrixXd L = llt.matrixL();
  for (int k = 0; k < d; ++k)
    if (llt.info() != Eigen::Success || !(L(k, k) > 1e-8 * std::sqrt(P(k, k))))
      throw InvalidArgument("product expectations need linearly independent inputs (a non-singular kernel block)");
  std::vector<ProductSpec> permuted;
  for (const auto& spec : specs) {
    ProductSpec p(d);
    for (int i = 0; i < d; ++i) p[i] = spec[order[i]];
    permuted.push_back(p);
  }
  return NestedIntegrator(act, L, permuted, rtol).run();
}

}  // namespace pdlt
