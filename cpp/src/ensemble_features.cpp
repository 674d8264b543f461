#include "pdlt/ensemble_features.hpp"

#include <cmath>
#include <limits>

#include "pdlt/errors.hpp"

namespace pdlt {
namespace {

using Pairs = std::shared_ptr<const ComomentPairs>;

// Covariance of all pairs of a block of features [offset, offset + P), in pair-of-pairs order.
void add_covariance_block(const InputIndex& index, std::uint32_t offset, ComomentPairs& c) {
  for (const auto& [p1, p2] : index.pair_pairs) c.emplace_back(offset + p1, offset + p2);
}

// For the product features X_q at x_offset built from the pair features at g_offset:
// Var X_q, Cov(X_q, G_p1), Cov(X_q, G_p2).
void add_product_moments(const InputIndex& index, std::uint32_t x_offset, std::uint32_t g_offset, ComomentPairs& c) {
  const std::uint32_t Q = std::uint32_t(index.pair_pairs.size());
  for (std::uint32_t q = 0; q < Q; ++q) c.emplace_back(x_offset + q, x_offset + q);
  for (std::uint32_t q = 0; q < Q; ++q) c.emplace_back(x_offset + q, g_offset + index.pair_pairs[q][0]);
  for (std::uint32_t q = 0; q < Q; ++q) c.emplace_back(x_offset + q, g_offset + index.pair_pairs[q][1]);
}

// Index q of the pair of pairs (p, p) among the P (P + 1) / 2 pairs of pairs (p1 <= p2).
std::size_t diagonal_pair_pair(std::size_t P, std::size_t p) { return p * (2 * P + 1 - p) / 2; }

double safe_sqrt(double x) { return std::sqrt(std::max(x, 0.0)); }

// Mean and standard error of feature i, given the index k of its variance co-moment.
void mean_with_error(const MomentAccumulator& acc, std::size_t i, std::size_t k, MeanWithError& out) {
  const double n = acc.count();
  out.value.push_back(acc.mean()[i]);
  out.error.push_back(n > 1 ? safe_sqrt(acc.covariance(k) / n) : std::numeric_limits<double>::infinity());
}

// E[X_q] - E[Y_1] E[Y_2] estimated without bias from means and co-moments (the product of two
// sample means is biased by Cov/N), with its delta-method standard error from the linearisation
// v = X - m2 Y1 - m1 Y2.
void connected_product(const MomentAccumulator& acc, std::size_t x, std::size_t y1, std::size_t y2,
                       std::size_t k_y12, std::size_t k_xx, std::size_t k_xy1, std::size_t k_xy2,
                       std::size_t k_y11, std::size_t k_y22, MeanWithError& out) {
  const double n = acc.count();
  const auto& m = acc.mean();
  const double m1 = m[y1], m2 = m[y2];
  if (n < 2) {
    out.value.push_back(m[x] - m1 * m2);
    out.error.push_back(std::numeric_limits<double>::infinity());
    return;
  }
  const double c12 = acc.covariance(k_y12);
  out.value.push_back(m[x] - m1 * m2 + c12 / n);
  const double var = acc.covariance(k_xx) + m2 * m2 * acc.covariance(k_y11) + m1 * m1 * acc.covariance(k_y22) -
                     2 * m2 * acc.covariance(k_xy1) - 2 * m1 * acc.covariance(k_xy2) + 2 * m1 * m2 * c12;
  out.error.push_back(safe_sqrt(var / n));
}

}  // namespace

InputIndex::InputIndex(int n) : n_inputs(n) {
  for (int a = 0; a < n; ++a)
    for (int b = a; b < n; ++b) pairs.push_back({a, b});
  const int P = int(pairs.size());
  for (int p1 = 0; p1 < P; ++p1)
    for (int p2 = p1; p2 < P; ++p2) pair_pairs.push_back({p1, p2});
}

int InputIndex::pair(int a, int b) const {
  if (a > b) std::swap(a, b);
  return a * n_inputs - a * (a - 1) / 2 + (b - a);  // row-major upper triangle
}

LayerFeatures::LayerFeatures(const InputIndex& index, bool four_point) : index_(index), four_point_(four_point) {
  const std::uint32_t P = std::uint32_t(index.pairs.size()), Q = std::uint32_t(index.pair_pairs.size());
  auto c = std::make_shared<ComomentPairs>();
  if (!four_point) {
    dim_ = P;
    for (std::uint32_t p = 0; p < P; ++p) c->emplace_back(p, p);
  } else {
    dim_ = P + 2 * std::size_t(Q);
    add_covariance_block(index, 0, *c);
    add_product_moments(index, P, 0, *c);
    for (std::uint32_t q = 0; q < Q; ++q) c->emplace_back(P + Q + q, P + Q + q);
  }
  comoments_ = c;
}

void LayerFeatures::compute(const Eigen::MatrixXd& z, double* out) const {
  const Eigen::Index n = z.rows();
  const Eigen::MatrixXd G = (z.transpose() * z) / double(n);
  const int P = int(index_.pairs.size());
  for (int p = 0; p < P; ++p) out[p] = G(index_.pairs[p][0], index_.pairs[p][1]);
  if (!four_point_) return;
  Eigen::MatrixXd Y(n, P);  // Y_ip = z_{i;a} z_{i;b}
  for (int p = 0; p < P; ++p) Y.col(p) = z.col(index_.pairs[p][0]).cwiseProduct(z.col(index_.pairs[p][1]));
  const Eigen::MatrixXd M4 = (Y.transpose() * Y) / double(n);
  const std::size_t Q = index_.pair_pairs.size();
  for (std::size_t q = 0; q < Q; ++q) {
    const auto [p1, p2] = index_.pair_pairs[q];
    out[P + q] = (double(n) * out[p1] * out[p2] - M4(p1, p2)) / double(n - 1);
    out[P + Q + q] = M4(p1, p2);
  }
}

NtkFeatures::NtkFeatures(const InputIndex& index) : index_(index) {
  const std::uint32_t P = std::uint32_t(index.pairs.size()), Q = std::uint32_t(index.pair_pairs.size());
  const std::uint32_t N = std::uint32_t(index.n_inputs), R = N * N * N * N;
  const std::uint32_t g = P + Q + R, sd = g + P, sf = sd + P * P;  // feature offsets
  dim_ = sf + R;
  auto c = std::make_shared<ComomentPairs>();
  add_covariance_block(index, 0, *c);
  add_product_moments(index, P, 0, *c);
  for (std::uint32_t r = 0; r < R; ++r) c->emplace_back(P + Q + r, P + Q + r);
  for (std::uint32_t p = 0; p < P; ++p) c->emplace_back(g + p, g + p);
  for (std::uint32_t p1 = 0; p1 < P; ++p1)
    for (std::uint32_t p2 = 0; p2 < P; ++p2) c->emplace_back(p1, g + p2);
  for (std::uint32_t x = 0; x < P * P; ++x) c->emplace_back(sd + x, sd + x);
  for (std::uint32_t x = 0; x < P * P; ++x) c->emplace_back(sd + x, x / P);
  for (std::uint32_t x = 0; x < P * P; ++x) c->emplace_back(sd + x, g + x % P);
  for (std::uint32_t r = 0; r < R; ++r) c->emplace_back(sf + r, sf + r);
  comoments_ = c;
}

void NtkFeatures::compute(const Eigen::MatrixXd& H, const Eigen::MatrixXd& z, double* out) const {
  const int N = index_.n_inputs, n = int(z.rows()), P = int(index_.pairs.size());
  const std::size_t Q = index_.pair_pairs.size(), R = std::size_t(N) * N * N * N;
  const double norm = 1.0 / (double(n) * double(n - 1));
  auto h = [&](int a, int i, int b, int k) { return H(a * n + i, b * n + k); };
  std::vector<double> trace(P), ztrace(P);
  for (int p = 0; p < P; ++p) {
    const auto [a, b] = index_.pairs[p];
    double t = 0, u = 0;
    for (int i = 0; i < n; ++i) {
      t += h(a, i, b, i);
      u += z(i, a) * z(i, b);
    }
    trace[p] = t;
    ztrace[p] = u;
    out[p] = t / n;
  }
  for (std::size_t q = 0; q < Q; ++q) {
    const auto [p1, p2] = index_.pair_pairs[q];
    const auto [a, b] = index_.pairs[p1];
    const auto [c, d] = index_.pairs[p2];
    double diag = 0;
    for (int i = 0; i < n; ++i) diag += h(a, i, b, i) * h(c, i, d, i);
    out[P + q] = (trace[p1] * trace[p2] - diag) * norm;
  }
  double* sb = out + P + Q;
  double* g = sb + R;
  double* sd = g + P;
  double* sf = sd + std::size_t(P) * P;
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b)
      for (int c = 0; c < N; ++c)
        for (int d = 0; d < N; ++d) {
          double all_b = 0, diag_b = 0, all_f = 0, diag_f = 0;
          for (int i = 0; i < n; ++i) {
            for (int k = 0; k < n; ++k) {
              all_b += h(a, i, b, k) * h(c, i, d, k);
              all_f += h(a, i, b, k) * z(i, c) * z(k, d);
            }
            diag_b += h(a, i, b, i) * h(c, i, d, i);
            diag_f += h(a, i, b, i) * z(i, c) * z(i, d);
          }
          const std::size_t r = ((std::size_t(a) * N + b) * N + c) * N + d;
          sb[r] = (all_b - diag_b) * norm;
          sf[r] = (all_f - diag_f) * norm;
        }
  for (int p = 0; p < P; ++p) g[p] = ztrace[p] / n;
  for (int p1 = 0; p1 < P; ++p1)
    for (int p2 = 0; p2 < P; ++p2) {
      const auto [a, b] = index_.pairs[p1];
      const auto [c, d] = index_.pairs[p2];
      double diag = 0;
      for (int i = 0; i < n; ++i) diag += h(a, i, b, i) * z(i, c) * z(i, d);
      sd[p1 * P + p2] = (trace[p1] * ztrace[p2] - diag) * norm;
    }
}

LayerEstimates layer_estimates(const LayerFeatures& features, const InputIndex& index, const MomentAccumulator& acc) {
  LayerEstimates e;
  const std::size_t P = index.pairs.size(), Q = index.pair_pairs.size();
  // The variance co-moment of G_p: its own entry, or the diagonal (p, p) of the covariance block.
  auto var_index = [&](std::size_t p) { return features.four_point() ? diagonal_pair_pair(P, p) : p; };
  for (std::size_t p = 0; p < P; ++p) mean_with_error(acc, p, var_index(p), e.kernel);
  if (!features.four_point()) return e;
  for (std::size_t q = 0; q < Q; ++q) {
    const auto [p1, p2] = index.pair_pairs[q];
    connected_product(acc, P + q, p1, p2, /*k_y12=*/q, /*k_xx=*/Q + q, /*k_xy1=*/2 * Q + q, /*k_xy2=*/3 * Q + q,
                      var_index(p1), var_index(p2), e.four_point);
    mean_with_error(acc, P + Q + q, 4 * Q + q, e.moment4);
  }
  return e;
}

NtkEstimates ntk_estimates(const InputIndex& index, const MomentAccumulator& acc) {
  NtkEstimates e;
  const std::size_t P = index.pairs.size(), Q = index.pair_pairs.size();
  const std::size_t N = std::size_t(index.n_inputs), R = N * N * N * N;
  const std::size_t g = P + Q + R, sd = g + P, sf = sd + P * P;       // feature offsets
  const std::size_t k_sb = 4 * Q, k_g = k_sb + R, k_hg = k_g + P;     // co-moment offsets
  const std::size_t k_sd = k_hg + P * P, k_sdh = k_sd + P * P, k_sdg = k_sdh + P * P, k_sf = k_sdg + P * P;
  auto var_index = [&](std::size_t p) { return diagonal_pair_pair(P, p); };
  for (std::size_t p = 0; p < P; ++p) mean_with_error(acc, p, var_index(p), e.mean);
  for (std::size_t q = 0; q < Q; ++q) {
    const auto [p1, p2] = index.pair_pairs[q];
    connected_product(acc, P + q, p1, p2, q, Q + q, 2 * Q + q, 3 * Q + q, var_index(p1), var_index(p2), e.A);
  }
  for (std::size_t r = 0; r < R; ++r) mean_with_error(acc, P + Q + r, k_sb + r, e.B);
  for (std::size_t x = 0; x < P * P; ++x) {
    const std::size_t p1 = x / P, p2 = x % P;  // NTK pair, output pair
    connected_product(acc, sd + x, p1, g + p2, k_hg + x, k_sd + x, k_sdh + x, k_sdg + x, var_index(p1), k_g + p2, e.D);
  }
  for (std::size_t r = 0; r < R; ++r) mean_with_error(acc, sf + r, k_sf + r, e.F);
  return e;
}

}  // namespace pdlt
