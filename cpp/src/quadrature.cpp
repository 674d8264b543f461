#include "pdlt/quadrature.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>

#include <Eigen/Eigenvalues>

#include "pdlt/errors.hpp"

namespace pdlt {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A thread-safe cache of objects built once per integer key; references stay valid.
template <class T, class Build>
const T& cached(std::map<int, std::unique_ptr<T>>& cache, std::mutex& mutex, int key, Build build) {
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, std::make_unique<T>(build(key))).first;
  return *it->second;
}

QuadratureRule build_gauss_legendre(int n) {
  QuadratureRule rule;
  rule.nodes.resize(n);
  rule.weights.resize(n);
  for (int i = 0; i < n; ++i) {
    double x = std::cos(kPi * (i + 0.75) / (n + 0.5));  // Tricomi's initial guess
    double dp = 1.0;
    for (int iter = 0; iter < 100; ++iter) {
      double p0 = 1.0, p1 = x;  // Legendre P_0, P_1
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (x * p1 - p0) / (x * x - 1.0);
      const double dx = p1 / dp;
      x -= dx;
      if (std::abs(dx) < 1e-16) break;
    }
    rule.nodes[i] = x;
    rule.weights[i] = 2.0 / ((1.0 - x * x) * dp * dp);
  }
  return rule;
}

// Orthonormal Hermite values p_0..p_{Q-1} at x, divided by their Euclidean norm (so the values
// are bounded whatever x), plus log of that norm and p_Q / p_{Q-1} for Newton's method.
struct HermiteColumn {
  std::vector<double> values;  // p_k(x) / ||p(x)||, k < Q
  double log_norm = 0;         // log ||(p_0..p_{Q-1})(x)||
  double newton_step = 0;      // p_Q(x) / p_Q'(x) = p_Q / (sqrt(Q) p_{Q-1})
};

HermiteColumn hermite_column(double x, int Q) {
  HermiteColumn col;
  col.values.resize(Q);
  double prev = 0.0, cur = 1.0, log_scale = 0.0, sumsq = 1.0;
  col.values[0] = 1.0;
  for (int k = 0; k < Q; ++k) {
    // p_{k+1} = (x p_k - sqrt(k) p_{k-1}) / sqrt(k+1)
    const double next = (x * cur - std::sqrt(double(k)) * prev) / std::sqrt(k + 1.0);
    if (k + 1 == Q) {
      col.newton_step = next / (std::sqrt(double(Q)) * cur);
      break;
    }
    prev = cur;
    cur = next;
    col.values[k + 1] = cur;
    sumsq += cur * cur;
    if (std::abs(cur) > 1e150) {  // rescale to stay in range
      for (int j = 0; j <= k + 1; ++j) col.values[j] *= 1e-150;
      prev *= 1e-150;
      cur *= 1e-150;
      sumsq *= 1e-300;
      log_scale += 150.0 * std::log(10.0);
    }
  }
  const double norm = std::sqrt(sumsq);
  for (double& v : col.values) v /= norm;
  col.log_norm = std::log(norm) + log_scale;
  return col;
}

HermiteBasis build_hermite_basis(int Q) {
  if (Q < 8 || Q % 2) throw InvalidArgument("Hermite rule order must be even and >= 8");
  // Golub-Welsch: nodes are the eigenvalues of the Jacobi matrix of He_k (off-diagonal sqrt(k)).
  Eigen::VectorXd diag = Eigen::VectorXd::Zero(Q), sub(Q - 1);
  for (int k = 1; k < Q; ++k) sub[k - 1] = std::sqrt(double(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
  solver.computeFromTridiagonal(diag, sub, Eigen::EigenvaluesOnly);
  const Eigen::VectorXd& guess = solver.eigenvalues();

  const int degree = 2 * Q / 3;  // degrees beyond Q/3 serve only to measure coefficient tails
  std::vector<double> nodes, sqrtw;
  std::vector<std::vector<double>> rows;
  for (int i = 0; i < Q; ++i) {
    double x = guess[i];
    for (int iter = 0; iter < 3; ++iter) x -= hermite_column(x, Q).newton_step;  // polish
    const HermiteColumn col = hermite_column(x, Q);
    // Christoffel number of the normal measure: lambda = 1 / sum_{k<Q} p_k(x)^2.
    const double log_sqrt_w = -col.log_norm;
    if (log_sqrt_w < -345.0) continue;  // lambda < 1e-300: contributes nothing
    nodes.push_back(x);
    sqrtw.push_back(std::exp(log_sqrt_w));
    rows.emplace_back(col.values.begin(), col.values.begin() + degree + 1);
  }
  HermiteBasis b;
  b.order = Q;
  b.degree = degree;
  const int n = int(nodes.size());
  b.nodes = Eigen::Map<Eigen::VectorXd>(nodes.data(), n);
  b.sqrt_weights = Eigen::Map<Eigen::VectorXd>(sqrtw.data(), n);
  b.basis.resize(n, degree + 1);
  // sqrt(lambda_i) p_k(x_i) = p_k(x_i) / ||p(x_i)||: the normalised column values.
  for (int i = 0; i < n; ++i)
    for (int k = 0; k <= degree; ++k) b.basis(i, k) = rows[i][k];
  return b;
}

QuadratureRule build_split_normal_rule(int n) {
  const QuadratureRule& gl = gauss_legendre(n);
  QuadratureRule rule;
  const double half = 0.5 * kNormalCutoff;
  for (int sign : {-1, 1})
    for (int i = 0; i < n; ++i) {
      const double x = half * (1.0 + gl.nodes[i]);
      rule.nodes.push_back(sign * x);
      rule.weights.push_back(half * gl.weights[i] * std::exp(-0.5 * x * x) / std::sqrt(2.0 * kPi));
    }
  return rule;
}

}  // namespace

const QuadratureRule& gauss_legendre(int n) {
  if (n < 1) throw InvalidArgument("Gauss-Legendre order must be >= 1");
  static std::map<int, std::unique_ptr<QuadratureRule>> cache;
  static std::mutex mutex;
  return cached(cache, mutex, n, build_gauss_legendre);
}

const HermiteBasis& hermite_basis(int order) {
  static std::map<int, std::unique_ptr<HermiteBasis>> cache;
  static std::mutex mutex;
  return cached(cache, mutex, order, build_hermite_basis);
}

const QuadratureRule& split_normal_rule(int n) {
  if (n < 1) throw InvalidArgument("split normal rule order must be >= 1");
  static std::map<int, std::unique_ptr<QuadratureRule>> cache;
  static std::mutex mutex;
  return cached(cache, mutex, n, build_split_normal_rule);
}

PolarRule polar_rule(std::vector<double> split_angles, int n_radial, int n_theta) {
  const double two_pi = 2.0 * kPi;
  for (double& a : split_angles) {
    a = std::fmod(a, two_pi);
    if (a < 0) a += two_pi;
  }
  if (split_angles.empty()) split_angles.push_back(0.0);
  std::sort(split_angles.begin(), split_angles.end());

  const QuadratureRule& gr = gauss_legendre(n_radial);
  const QuadratureRule& gt = gauss_legendre(n_theta);
  const double half_r = 0.5 * kNormalCutoff;
  PolarRule rule;
  const std::size_t arcs = split_angles.size();
  rule.u1.reserve(arcs * n_radial * n_theta);
  rule.u2.reserve(arcs * n_radial * n_theta);
  rule.weights.reserve(arcs * n_radial * n_theta);
  for (std::size_t a = 0; a < arcs; ++a) {
    const double lo = split_angles[a];
    const double hi = a + 1 < arcs ? split_angles[a + 1] : split_angles[0] + two_pi;
    const double half_t = 0.5 * (hi - lo);
    if (half_t <= 0) continue;
    for (int j = 0; j < n_theta; ++j) {
      const double theta = lo + half_t * (1.0 + gt.nodes[j]);
      const double c = std::cos(theta), s = std::sin(theta);
      const double wt = half_t * gt.weights[j] / two_pi;
      for (int i = 0; i < n_radial; ++i) {
        const double r = half_r * (1.0 + gr.nodes[i]);
        // density of the radius of a 2-d standard normal: r exp(-r^2 / 2)
        const double wr = half_r * gr.weights[i] * r * std::exp(-0.5 * r * r);
        rule.u1.push_back(r * c);
        rule.u2.push_back(r * s);
        rule.weights.push_back(wr * wt);
      }
    }
  }
  return rule;
}

}  // namespace pdlt
