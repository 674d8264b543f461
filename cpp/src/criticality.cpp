#include "pdlt/criticality.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <sstream>

#include "pdlt/errors.hpp"
#include "pdlt/gaussian.hpp"
#include "roots.hpp"

namespace pdlt {
namespace {

// K = 0 is evaluated as the limit K -> 0+ at this tiny variance.
constexpr double kZeroLimitK = 1e-30;
constexpr double kMomentTol = 1e-14;

SingleInputMoments moments(const Activation& act, double K) {
  return single_input_moments(act, K > 0 ? K : kZeroLimitK, kMomentTol);
}

void require_derivative(const Activation& act, const char* what) {
  if (!act.has_derivative())
    throw InvalidArgument(std::string(what) + " not defined for activation '" + act.name() +
                          "': its derivative is a delta function");
}

// Polynomial extrapolation to x = 0 (Neville) of values y at nodes x.
double extrapolate_to_zero(const std::vector<double>& x, std::vector<double> y) {
  const std::size_t n = x.size();
  for (std::size_t m = 1; m < n; ++m)
    for (std::size_t i = 0; i + m < n; ++i) y[i] = (x[i + m] * y[i] - x[i] * y[i + 1]) / (x[i + m] - x[i]);
  return y[0];
}

// sigma(lambda z) = lambda sigma(z) for lambda > 0, tested at a few points.
bool numerically_homogeneous(const Activation& act) {
  for (double z : {0.3, 1.1, 2.7, -0.4, -1.3, -2.9})
    for (double lambda : {0.37, 2.9}) {
      const double lhs = act(lambda * z), rhs = lambda * act(z);
      if (std::abs(lhs - rhs) > 1e-12 * (std::abs(lhs) + std::abs(rhs)) + 1e-300) return false;
    }
  return true;
}

std::vector<double> log_grid(double lo, double hi, int per_decade) {
  const int n = std::max(2, int(std::ceil(std::log10(hi / lo) * per_decade)) + 1);
  std::vector<double> grid(n);
  for (int i = 0; i < n; ++i) grid[i] = lo * std::pow(hi / lo, double(i) / (n - 1));
  return grid;
}

int sign(double x) { return (x > 0) - (x < 0); }

}  // namespace

std::string to_string(UniversalityClass c) {
  switch (c) {
    case UniversalityClass::scale_invariant: return "scale-invariant";
    case UniversalityClass::k_star_zero: return "K*=0";
    case UniversalityClass::half_stable: return "half-stable";
    default: return "none";
  }
}

Susceptibilities susceptibilities(const Activation& act, double K, double C_W) {
  require_derivative(act, "susceptibilities are");
  const SingleInputMoments m = moments(act, K);
  return {C_W * m.g_prime(), C_W * m.dsigma2};
}

double kernel_map(const Activation& act, double K, double C_b, double C_W) {
  const double g = K > 0 ? moments(act, K).sigma2 : std::pow(act(0.0), 2);
  return C_b + C_W * g;
}

FixedPointSet fixed_points(const Activation& act, double C_b, double C_W, double K_max) {
  require_derivative(act, "fixed-point stability is");
  // F(K) = f(K) - K and its slope D(K) = chi_par(K) - 1 on a grid, then Brent between sign
  // changes of F (simple roots) and of D (an extremum of F touching zero: a double root, as at
  // a half-stable critical point).
  auto F = [&](double K) { return kernel_map(act, K, C_b, C_W) - K; };
  auto D = [&](double K) { return C_W * moments(act, K).g_prime() - 1.0; };

  auto evaluate = [&](const std::vector<double>& grid, std::vector<double>& f, std::vector<double>& d) {
    f.resize(grid.size());
    d.resize(grid.size());
    for (std::size_t i = 0; i < grid.size(); ++i) {
      const double K = grid[i];
      const SingleInputMoments m = moments(act, K);
      f[i] = C_b + C_W * (K > 0 ? m.sigma2 : std::pow(act(0.0), 2)) - K;
      d[i] = C_W * m.g_prime() - 1.0;
    }
  };
  // A log grid, refined 16-fold where the map stays within 1e-3 of the diagonal: the fixed
  // points near a half-stable critical point can be only ~1% apart.
  std::vector<double> coarse = log_grid(1e-12 * std::max(1.0, K_max), K_max, 40), f, d;
  coarse.insert(coarse.begin(), 0.0);
  evaluate(coarse, f, d);
  std::vector<double> grid{0.0};
  for (std::size_t i = 0; i + 1 < coarse.size(); ++i) {
    const double lo = coarse[i], hi = coarse[i + 1];
    const bool near = i > 0 && std::abs(f[i]) <= 1e-3 * lo && std::abs(f[i + 1]) <= 1e-3 * hi;
    for (int j = 1; near && j < 16; ++j) grid.push_back(lo * std::pow(hi / lo, j / 16.0));
    grid.push_back(hi);
  }
  evaluate(grid, f, d);
  bool identically_zero = true;
  for (std::size_t i = 0; i < grid.size(); ++i)
    identically_zero = identically_zero && std::abs(f[i]) <= 1e-12 * std::max(1.0, grid[i]);
  FixedPointSet set;
  if (identically_zero) {
    set.every_K = true;
    return set;
  }

  // (K, tangential) candidates; an interval may hold both a crossing and a touching root.
  std::vector<std::pair<double, bool>> roots;
  if (f[0] == 0) roots.emplace_back(0.0, false);
  for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
    const double lo = grid[i], hi = grid[i + 1];
    if (f[i + 1] == 0)
      roots.emplace_back(hi, false);
    else if (f[i] != 0 && sign(f[i]) != sign(f[i + 1]))
      roots.emplace_back(detail::brent_root(F, lo, hi, f[i], f[i + 1]), false);
    if (i > 0 && sign(d[i]) != sign(d[i + 1])) {
      const double K_e = detail::brent_root(D, lo, hi, d[i], d[i + 1]);
      if (std::abs(F(K_e)) <= 1e-9 * K_e) roots.emplace_back(K_e, true);  // double root
    }
  }
  // Roots closer than 1e-4 (relative) are one fixed point up to the precision of C_b, C_W;
  // a touching root represents its cluster.
  std::sort(roots.begin(), roots.end());
  std::vector<std::pair<double, bool>> merged;
  for (const auto& r : roots) {
    if (!merged.empty() && r.first - merged.back().first <= 1e-4 * std::max(r.first, 1e-300)) {
      if (r.second) merged.back() = r;
      continue;
    }
    merged.push_back(r);
  }
  for (const auto& [K, tangential] : merged) {
    (void)tangential;
    const SingleInputMoments m = moments(act, K);
    // At K = 0 the curvature is read off the map just above 0 (f(K) - K ~ c2 K^2).
    const double c2 = K > 0 ? 0.5 * C_W * m.g_second() : F(1e-4) / 1e-8;
    set.points.push_back({K, C_W * m.g_prime(), C_W * m.dsigma2, c2});
  }
  return set;
}

SmallKExpansion small_K_expansion(const Activation& act) {
  SmallKExpansion e;
  require_derivative(act, "the small-K expansion is");
  const double eps = 1e-150;  // one-sided values at 0, robust to a kink
  e.sigma0 = 0.5 * (act(eps) + act(-eps));
  e.sigma1_sq = 0.5 * (std::pow(act(eps, 1), 2) + std::pow(act(-eps, 1), 2));
  if (!(e.sigma1_sq > 0)) return e;
  const double C_W = 1.0 / e.sigma1_sq;

  // r(K) = (C_W g(K) - K) / K^2 = a1 + a2 K + ...,  d(K) = (C_W <sigma'^2> - 1) / K = b1 + ...
  constexpr int kNodes = 8;
  std::vector<double> K(kNodes), delta(kNodes), r(kNodes), d(kNodes);
  for (int j = 0; j < kNodes; ++j) {
    K[j] = std::ldexp(1.0, -5 - j);
    const SingleInputMoments m = moments(act, K[j]);
    delta[j] = C_W * m.sigma2 - K[j];
    r[j] = delta[j] / (K[j] * K[j]);
    d[j] = (C_W * m.dsigma2 - 1.0) / K[j];
  }
  e.sign = sign(delta.back());
  if (delta[kNodes - 1] != 0 && delta[kNodes - 2] != 0)
    e.exponent = std::log(std::abs(delta[kNodes - 1] / delta[kNodes - 2])) / std::log(K[kNodes - 1] / K[kNodes - 2]);

  auto head = [](const std::vector<double>& v) { return std::vector<double>(v.begin(), v.end() - 1); };
  auto tail = [](const std::vector<double>& v) { return std::vector<double>(v.begin() + 1, v.end()); };
  const double a1 = extrapolate_to_zero(head(K), head(r));
  const double a1_check = extrapolate_to_zero(tail(K), tail(r));
  e.analytic = std::abs(a1 - a1_check) <= 1e-6 * std::max(1.0, std::abs(a1));
  if (!e.analytic) return e;
  e.a1 = a1;
  std::vector<double> s(kNodes);
  for (int j = 0; j < kNodes; ++j) s[j] = (r[j] - a1) / K[j];
  e.a2 = extrapolate_to_zero(K, s);
  e.b1 = extrapolate_to_zero(K, d);
  return e;
}

CriticalPoint critical_point(const Activation& act) {
  CriticalPoint cp;
  if (!act.has_derivative()) {
    cp.reason = "the derivative of '" + act.name() + "' is a delta function: chi_perp is infinite";
    return cp;
  }

  // Scale-invariant class (book §5.2): g(K) = A2 K, criticality C_b = 0, C_W = 1/A2, any K.
  if (act.scale_invariant() || numerically_homogeneous(act)) {
    const double A2 = moments(act, 1.0).sigma2;
    if (A2 > 0) {
      cp.universality = UniversalityClass::scale_invariant;
      cp.A2 = A2;
      cp.C_b = 0.0;
      cp.C_W = 1.0 / A2;
      const Susceptibilities chi = susceptibilities(act, 1.0, cp.C_W);
      cp.chi_par = chi.chi_par;
      cp.chi_perp = chi.chi_perp;
      return cp;
    }
  }

  // K* = 0 class (book §5.3.3): sigma(0) = 0, sigma'(0) != 0, and the flow at C_W = 1/sigma_1^2
  // decreases K (a1 < 0).
  const SmallKExpansion e = small_K_expansion(act);
  const bool zero_at_origin = std::abs(e.sigma0) <= 1e-13 * std::max(1.0, std::sqrt(e.sigma1_sq));
  if (zero_at_origin && e.sigma1_sq > 0 && ((e.analytic && e.a1 < 0) || (!e.analytic && e.sign < 0))) {
    cp.universality = UniversalityClass::k_star_zero;
    cp.C_b = 0.0;
    cp.C_W = 1.0 / e.sigma1_sq;
    cp.K_star = 0.0;
    cp.a1 = e.a1;
    cp.a2 = e.a2;
    cp.b1 = e.b1;
    const Susceptibilities chi = susceptibilities(act, 0.0, cp.C_W);
    cp.chi_par = chi.chi_par;
    cp.chi_perp = chi.chi_perp;
    return cp;
  }

  // K* > 0 (theory notes §3.1): chi_par = chi_perp  <=>  <sigma sigma''>_{K*} = 0, then
  // C_W = 1/<sigma'^2>_{K*} and C_b = K* - C_W <sigma^2>_{K*} >= 0.
  auto h = [&](double K) { return moments(act, K).sigma_d2sigma(); };
  const std::vector<double> grid = log_grid(1e-4, 1e4, 10);
  std::vector<double> hv(grid.size());
  for (std::size_t i = 0; i < grid.size(); ++i) hv[i] = h(grid[i]);
  for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
    if (sign(hv[i]) == sign(hv[i + 1])) continue;
    const double K_star = detail::brent_root(h, grid[i], grid[i + 1], hv[i], hv[i + 1]);
    const SingleInputMoments m = moments(act, K_star);
    const double C_W = 1.0 / m.dsigma2, C_b = K_star - C_W * m.sigma2;
    if (C_b < -1e-12 * K_star) continue;
    cp.universality = UniversalityClass::half_stable;
    cp.K_star = K_star;
    cp.C_W = C_W;
    cp.C_b = std::max(C_b, 0.0);
    cp.chi_par = C_W * m.g_prime();
    cp.chi_perp = C_W * m.dsigma2;
    cp.c2 = 0.5 * C_W * m.g_second();
    if (zero_at_origin && e.analytic) {
      cp.a1 = e.a1;
      cp.b1 = e.b1;
    }
    return cp;
  }

  std::ostringstream why;
  if (!zero_at_origin)
    why << "sigma(0) = " << e.sigma0 << " != 0, so K* = 0 is not a critical fixed point";
  else if (e.analytic)
    why << "K* = 0 repels (a1 = " << e.a1 << " > 0)";
  else
    why << "K* = 0 does not attract";
  why << ", and <sigma sigma''>_K has no zero with C_b >= 0 for K in [1e-4, 1e4]";
  cp.reason = why.str();
  return cp;
}

}  // namespace pdlt
