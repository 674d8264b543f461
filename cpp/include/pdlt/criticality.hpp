// Criticality of the single-input kernel map f(K) = C_b + C_W g(K), g(K) = <sigma^2>_K
// (theory notes: initialization §3; book Ch. 5).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "pdlt/activation.hpp"

namespace pdlt {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// chi_par = C_W g'(K) = (C_W/K) <z sigma sigma'>_K,  chi_perp = C_W <sigma'^2>_K   (book §5.1).
// K = 0 means the limit K -> 0+.
struct Susceptibilities {
  double chi_par = 0, chi_perp = 0;
};
Susceptibilities susceptibilities(const Activation& act, double K, double C_W);

// The single-input kernel map C_b + C_W g(K).
double kernel_map(const Activation& act, double K, double C_b, double C_W);

// Fixed points K* = C_b + C_W g(K*) in [0, K_max], ascending; c2 = chi_par'(K*)/2 is the
// curvature of the map (it decides the side from which a marginal fixed point attracts).
struct FixedPoint {
  double K = 0, chi_par = 0, chi_perp = 0, c2 = 0;
};
struct FixedPointSet {
  std::vector<FixedPoint> points;
  bool every_K = false;  // f(K) = K identically (scale-invariant activation at criticality)
};
FixedPointSet fixed_points(const Activation& act, double C_b, double C_W, double K_max);

// Small-K behaviour at C_W = 1/sigma_1^2 (book §5.3.3, theory notes §3.4):
//   C_W <sigma^2>_K = K + a1 K^2 + a2 K^3 + ...,  C_W <sigma'^2>_K = 1 + b1 K + ...
// analytic = false when C_W g(K) - K is not O(K^2) (e.g. elu, whose sigma'' jumps at 0); then
// exponent is the measured power p of |C_W g(K) - K| ~ K^p and a1, a2, b1 are NaN.
struct SmallKExpansion {
  double sigma0 = 0, sigma1_sq = 0;
  bool analytic = false;
  double a1 = kNaN, a2 = kNaN, b1 = kNaN, exponent = kNaN, sign = 0;
};
SmallKExpansion small_K_expansion(const Activation& act);

enum class UniversalityClass { scale_invariant, k_star_zero, half_stable, none };
std::string to_string(UniversalityClass c);

struct CriticalPoint {
  UniversalityClass universality = UniversalityClass::none;
  double C_b = kNaN, C_W = kNaN;
  double K_star = kNaN;  // NaN for the scale-invariant class (every K is a fixed point)
  double chi_par = kNaN, chi_perp = kNaN;
  double a1 = kNaN, a2 = kNaN, b1 = kNaN;  // K* = 0 class
  double c2 = kNaN;                        // half-stable class: f(K) - K ~ c2 (K - K*)^2
  double A2 = kNaN;                        // scale-invariant class: <sigma^2>_K = A2 K
  std::string reason;                      // why there is no critical point (class none)
};
CriticalPoint critical_point(const Activation& act);

}  // namespace pdlt
