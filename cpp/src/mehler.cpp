// The Mehler (Hermite) expansion of two-input Gaussian expectations.
//
// For z_a = s_a u, z_b = s_b v with (u, v) standard normal of correlation rho,
//     E[F(z_a) F(z_b)] = sum_k c_k(a) c_k(b) rho^k,     c_k(a) = E[F(s_a u) p_k(u)],
// p_k = He_k / sqrt(k!) (Mehler's formula). The coefficients of all inputs with the same scale
// come from one Gauss-Hermite matrix product; a pair then costs one Horner sweep.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "parallel.hpp"
#include "pdlt/quadrature.hpp"
#include "two_point_detail.hpp"

namespace pdlt::detail {
namespace {

// Gauss-Hermite orders tried in turn; coefficients are kept up to a third of the order, so
// that the aliasing error of the discrete coefficients involves only degrees >= 5Q/3.
constexpr std::array<int, 6> kOrders = {64, 128, 256, 512, 1024, 2048};
int kept_degree(int order) { return order / 3; }

// |rho| bins: bin j < kBins-1 holds 1 - |rho| >= 2^{-(j+1)/4}; the last bin holds the rest.
constexpr int kBins = 161;
int rho_bin(double rho) {
  const double u = 1.0 - std::abs(rho);
  if (!(u > 0)) return kBins - 1;
  int e = 0;
  const double m = std::frexp(u, &e);  // u = m 2^e, m in [0.5, 1)
  const int q = m >= 0.8408964152537145 ? 0 : m >= 0.7071067811865476 ? 1 : m >= 0.5946035575013605 ? 2 : 3;
  return std::clamp(-4 * e + q, 0, kBins - 1);  // then m >= 2^{-(q+1)/4}: 1-|rho| >= 2^{-(j+1)/4}
}
double bin_rho_edge(int j) { return j == kBins - 1 ? 1.0 : 1.0 - std::exp2(-(j + 1) / 4.0); }

// Smallest truncation degree per |rho| bin such that |rho|^{m+1} T(m)/E <= rtol, where
// T(m) = sum_{k>m} c_k^2 is the (discrete) tail. The pair bound then follows by Cauchy-Schwarz.
std::vector<short> degrees_per_bin(const std::vector<double>& relative_tail, double rtol) {
  std::vector<short> degree(kBins);
  const int top = int(relative_tail.size()) - 1;
  int m = 0;
  for (int j = 0; j < kBins; ++j) {
    const double log_r = std::log(bin_rho_edge(j));
    while (m < top && relative_tail[m] > 0 && (m + 1) * log_r + std::log(relative_tail[m]) > std::log(rtol)) ++m;
    degree[j] = short(m);
  }
  return degree;
}

struct ScaleGroup {
  double scale;
  std::vector<int> members;  // input indices with this scale
};

std::vector<ScaleGroup> group_by_scale(const std::vector<double>& scales, const std::vector<int>& inputs) {
  std::map<double, std::vector<int>> by_scale;
  for (int a : inputs) by_scale[scales[a]].push_back(a);
  std::vector<ScaleGroup> groups;
  for (auto& [s, members] : by_scale) groups.push_back({s, std::move(members)});
  return groups;
}

// Hermite coefficients (rows of the result, degree 0..kept) and discrete energies of F(s_g u)
// for each scale of `pending`, with the Gauss-Hermite rule of order Q.
void coefficients_at_order(const Activation& act, Field field, const std::vector<double>& pending_scales,
                           int Q, Eigen::MatrixXd& coeff, std::vector<double>& energy) {
  const HermiteBasis& hb = hermite_basis(Q);
  const int groups = int(pending_scales.size()), nodes = int(hb.nodes.size());
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> S(groups, nodes);
  for (int g = 0; g < groups; ++g)
    for (int i = 0; i < nodes; ++i) S(g, i) = pending_scales[g] * hb.nodes[i];
  evaluate_field(act, field, S.data(), std::size_t(S.size()), S.data());  // in place: F(s x_i)
  for (int g = 0; g < groups; ++g) S.row(g).array() *= hb.sqrt_weights.transpose().array();

  const int keep = kept_degree(Q);
  coeff.resize(groups, keep + 1);
  energy.assign(groups, 0.0);
  // Fixed blocks of rows: the same block products whatever the number of threads.
  constexpr int kRows = 16;
  const int blocks = (groups + kRows - 1) / kRows;
  PDLT_PARALLEL_FOR_DYNAMIC
  for (int blk = 0; blk < blocks; ++blk) {
    const int g0 = blk * kRows, len = std::min(kRows, groups - g0);
    coeff.middleRows(g0, len).noalias() = S.middleRows(g0, len) * hb.basis.leftCols(keep + 1);
    for (int g = g0; g < g0 + len; ++g) energy[g] = S.row(g).squaredNorm();
  }
}

}  // namespace

MehlerTable mehler_table(const Activation& act, Field field, const std::vector<double>& scales,
                         const std::vector<int>& inputs, double rtol, const RunControl& control) {
  struct Certified {
    std::vector<int> members;
    int order;                  // Gauss-Hermite order that certified the expansion
    std::vector<double> coeff;  // degrees 0..kept_degree(order)
    std::vector<short> degree;  // truncation per |rho| bin
    double energy;
  };
  std::vector<Certified> done;
  std::vector<ScaleGroup> pending = group_by_scale(scales, inputs);

  for (int Q : kOrders) {
    if (pending.empty()) break;
    control.checkpoint();
    std::vector<double> s;
    for (const auto& g : pending) s.push_back(g.scale);
    Eigen::MatrixXd coeff;
    std::vector<double> energy;
    coefficients_at_order(act, field, s, Q, coeff, energy);

    std::vector<ScaleGroup> not_converged;
    for (std::size_t g = 0; g < pending.size(); ++g) {
      const int keep = int(coeff.cols()) - 1;
      const double E = energy[g];
      std::vector<double> tail(keep + 1);  // relative discrete tail T(m) / E
      double partial = 0.0;
      for (int m = 0; m <= keep; ++m) {
        partial += coeff(g, m) * coeff(g, m);
        tail[m] = E > 0 ? std::max(E - partial, 0.0) / E : 0.0;
      }
      if (tail[keep] > rtol) {  // not converged at this order: try the next
        not_converged.push_back(std::move(pending[g]));
        continue;
      }
      std::vector<double> c(coeff.row(g).begin(), coeff.row(g).end());
      done.push_back({std::move(pending[g].members), Q, std::move(c), degrees_per_bin(tail, rtol), E});
    }
    pending = std::move(not_converged);
  }

  // A pair sums to max(degree_a, degree_b) for its |rho| bin, so every input needs its
  // coefficients up to the largest degree any input needs (not zero padding: the bound
  // |rho|^{m+1} sqrt(T_a(m) T_b(m)) assumes both sums run to m). Inputs certified at a
  // lower order are recomputed at the order that resolves that degree.
  int max_degree = 0;
  for (const auto& c : done) max_degree = std::max(max_degree, int(c.degree.back()));
  std::vector<Certified*> short_of_degree;
  for (auto& c : done)
    if (int(c.coeff.size()) <= max_degree) short_of_degree.push_back(&c);
  if (!short_of_degree.empty()) {
    const int Q = *std::find_if(kOrders.begin(), kOrders.end(), [&](int q) { return kept_degree(q) >= max_degree; });
    std::vector<double> s;
    for (const Certified* c : short_of_degree) s.push_back(scales[c->members.front()]);
    Eigen::MatrixXd coeff;
    std::vector<double> energy;
    coefficients_at_order(act, field, s, Q, coeff, energy);
    for (std::size_t g = 0; g < short_of_degree.size(); ++g)
      short_of_degree[g]->coeff.assign(coeff.row(g).begin(), coeff.row(g).end());
  }

  // One column per certified input, in increasing input order.
  std::vector<std::pair<int, const Certified*>> members;
  for (const auto& c : done)
    for (int a : c.members) members.emplace_back(a, &c);
  std::sort(members.begin(), members.end());
  const int count = int(members.size());
  MehlerTable table;
  table.coeff.setZero(max_degree + 1, (count + 15) / 8 * 8);  // room for whole 8-lane blocks
  for (int p = 0; p < count; ++p) {
    const Certified& c = *members[p].second;
    table.members.push_back(members[p].first);
    table.energy.push_back(c.energy);
    table.degree.push_back(c.degree);
    for (int k = 0; k <= max_degree; ++k) table.coeff(k, p) = c.coeff[k];
  }
  return table;
}

void mehler_pairs(const MehlerTable& table, const Eigen::MatrixXd& K, const std::vector<double>& scales,
                  Eigen::MatrixXd& out) {
  const std::vector<int>& inputs = table.members;
  const int n = int(inputs.size());
  if (n == 0) return;
  const int stride = int(table.coeff.cols());
  const double* C = table.coeff.data();  // C[k * stride + p]
  constexpr int kLanes = 8;

  PDLT_PARALLEL_FOR_DYNAMIC
  for (int p = 0; p < n; ++p) {
    const int a = inputs[p];
    out(a, a) = table.energy[p];
    for (int q = p + 1; q < n; q += kLanes) {
      const int lanes = std::min(kLanes, n - q);
      double rho[kLanes] = {}, acc[kLanes] = {};
      int top = 0;
      for (int l = 0; l < lanes; ++l) {
        const int b = inputs[q + l];
        rho[l] = std::clamp(K(a, b) / (scales[a] * scales[b]), -1.0, 1.0);
        const int bin = rho_bin(rho[l]);
        top = std::max({top, int(table.degree[p][bin]), int(table.degree[q + l][bin])});
      }
      // Horner in rho over the Hermite degree, eight pairs at a time.
      for (int k = top; k >= 0; --k) {
        const double ck = C[std::size_t(k) * stride + p];
        const double* row = C + std::size_t(k) * stride + q;
        for (int l = 0; l < kLanes; ++l) acc[l] = acc[l] * rho[l] + ck * row[l];
      }
      for (int l = 0; l < lanes; ++l) {
        const int b = inputs[q + l];
        out(a, b) = out(b, a) = acc[l];
      }
    }
  }
}

}  // namespace pdlt::detail
