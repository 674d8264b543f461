// The Mehler (Hermite) expansion of two-input Gaussian expectations.
//
// For z_a = s_a u, z_b = s_b v with (u, v) standard normal of correlation rho,
//     E[F(z_a) G(z_b)] = sum_k c_k(F; a) c_k(G; b) rho^k,     c_k(F; a) = E[F(s_a u) p_k(u)],
// p_k = He_k / sqrt(k!) (Mehler's formula). Gaussian integration by parts gives the coefficients
// of derivatives from those of sigma: c_k(sigma^{(p)}; a) = sqrt((k+1)...(k+p)) c_{k+p}(sigma; a) / s_a^p.
// The coefficients of all inputs with the same scale come from one Gauss-Hermite matrix product;
// a pair then costs one Horner sweep.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include "parallel.hpp"
#include "pdlt/quadrature.hpp"
#include "two_point_detail.hpp"

namespace pdlt::detail {
namespace {

// Gauss-Hermite orders tried in turn. Degrees up to Q/3 are used (their aliasing error involves
// only degrees >= 5Q/3); degrees up to 2Q/3 measure the tails.
constexpr std::array<int, 6> kOrders = {64, 128, 256, 512, 1024, 2048};
int kept_degree(int Q) { return Q / 3; }

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
// T(m) = sum_{k>m} w_k^2 is the tail. The pair bound then follows by Cauchy-Schwarz.
std::vector<short> degrees_per_bin(const std::vector<double>& relative_tail, double rtol) {
  const int top = int(relative_tail.size()) - 1;
  std::vector<double> log_tail(relative_tail.size());
  for (std::size_t m = 0; m < relative_tail.size(); ++m)
    log_tail[m] = relative_tail[m] > 0 ? std::log(relative_tail[m]) : -HUGE_VAL;
  const double log_rtol = std::log(rtol);
  std::vector<short> degree(kBins);
  int m = 0;
  for (int j = 0; j < kBins; ++j) {
    const double log_r = std::log(bin_rho_edge(j));
    while (m < top && (m + 1) * log_r + log_tail[m] > log_rtol) ++m;
    degree[j] = short(m);
  }
  return degree;
}

// w_k = sqrt((k+1)...(k+p)) c_{k+p} / s^p, k = 0 .. size-1-p: the Hermite coefficients of sigma^{(p)}.
std::vector<double> derivative_sequence(const std::vector<double>& c, int p, double s) {
  const int n = int(c.size()) - p;
  std::vector<double> w(std::max(n, 0));
  const double inv = std::pow(s, -p);
  for (int k = 0; k < n; ++k) {
    double f = inv;
    for (int j = 1; j <= p; ++j) f *= std::sqrt(double(k + j));
    w[k] = f * c[k + p];
  }
  return w;
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

// Hermite coefficients c_0..c_{2Q/3} of sigma(s_g u) for each scale, with the order-Q rule.
std::vector<std::vector<double>> coefficients_at_order(const Activation& act, const std::vector<double>& scales, int Q) {
  const HermiteBasis& hb = hermite_basis(Q);
  const int groups = int(scales.size()), nodes = int(hb.nodes.size());
  RowMatrixD S(groups, nodes);
  for (int g = 0; g < groups; ++g)
    for (int i = 0; i < nodes; ++i) S(g, i) = scales[g] * hb.nodes[i];
  evaluate_field(act, Field::sigma, S.data(), std::size_t(S.size()), S.data());  // in place
  for (int g = 0; g < groups; ++g) S.row(g).array() *= hb.sqrt_weights.transpose().array();

  Eigen::MatrixXd coeff(groups, hb.basis.cols());
  // Fixed blocks of rows: the same block products whatever the number of threads.
  constexpr int kRows = 16;
  const int blocks = (groups + kRows - 1) / kRows;
  PDLT_PARALLEL_FOR_DYNAMIC
  for (int blk = 0; blk < blocks; ++blk) {
    const int g0 = blk * kRows, len = std::min(kRows, groups - g0);
    coeff.middleRows(g0, len).noalias() = S.middleRows(g0, len) * hb.basis;
  }
  std::vector<std::vector<double>> out(groups);
  for (int g = 0; g < groups; ++g) out[g].assign(coeff.row(g).begin(), coeff.row(g).end());
  return out;
}

struct Certification {
  std::vector<std::vector<short>> degree;  // per order
  std::vector<double> energy;              // per order
};

// Certifies every order at Gauss-Hermite order Q: the relative tail beyond Q/3 must be <= rtol.
bool certify(const std::vector<double>& c, double s, int Q, const std::vector<int>& orders, double rtol,
             Certification& out) {
  const int keep = kept_degree(Q);
  for (int p : orders) {
    const std::vector<double> w = derivative_sequence(c, p, s);
    std::vector<double> tail(w.size(), 0.0);  // T(m) = sum_{k>m} w_k^2, summed from the top
    for (int k = int(w.size()) - 2; k >= 0; --k) tail[k] = tail[k + 1] + w[k + 1] * w[k + 1];
    const double E = w.empty() ? 0.0 : tail[0] + w[0] * w[0];
    std::vector<double> relative(keep + 1, 0.0);
    for (int m = 0; m <= keep; ++m) relative[m] = E > 0 ? tail[m] / E : 0.0;
    if (relative[keep] > rtol) return false;
    out.degree.push_back(degrees_per_bin(relative, rtol));
    out.energy.push_back(E);
  }
  return true;
}

}  // namespace

int MehlerTable::order_index(int p) const {
  return int(std::find(orders.begin(), orders.end(), p) - orders.begin());
}

MehlerTable mehler_table(const Activation& act, const std::vector<double>& scales, const std::vector<int>& inputs,
                         const std::vector<int>& orders, double rtol, const RunControl& control) {
  struct Certified {
    std::vector<int> members;
    double scale;
    int order;               // Gauss-Hermite order that certified the expansions
    std::vector<double> c;   // c_0 .. c_{2Q/3}
    Certification cert;
  };
  std::vector<Certified> done;
  std::vector<ScaleGroup> pending = group_by_scale(scales, inputs);
  const int max_order = orders.empty() ? 0 : *std::max_element(orders.begin(), orders.end());

  for (int Q : kOrders) {
    if (pending.empty()) break;
    control.checkpoint();
    std::vector<double> s;
    for (const auto& g : pending) s.push_back(g.scale);
    const std::vector<std::vector<double>> coeff = coefficients_at_order(act, s, Q);
    std::vector<ScaleGroup> not_converged;
    for (std::size_t g = 0; g < pending.size(); ++g) {
      Certification cert;
      if (!certify(coeff[g], pending[g].scale, Q, orders, rtol, cert)) {
        not_converged.push_back(std::move(pending[g]));
        continue;
      }
      done.push_back({std::move(pending[g].members), pending[g].scale, Q, coeff[g], std::move(cert)});
    }
    pending = std::move(not_converged);
  }

  // A pair sums to max(degree_a, degree_b) for its |rho| bin, so every input needs its sequences
  // up to the largest degree any input needs (not zero padding: the bound
  // |rho|^{m+1} sqrt(T_a(m) T_b(m)) assumes both sums run to m). Inputs whose coefficients stop
  // short of that degree are recomputed at an order that resolves it.
  int max_degree = 0;
  for (const auto& c : done)
    for (const auto& d : c.cert.degree) max_degree = std::max(max_degree, int(d.back()));
  const int needed = max_degree + max_order;  // c_k up to this degree
  std::vector<Certified*> short_of_degree;
  for (auto& c : done)
    if (int(c.c.size()) - 1 < needed) short_of_degree.push_back(&c);
  if (!short_of_degree.empty()) {
    const int Q = *std::find_if(kOrders.begin(), kOrders.end(), [&](int q) { return 2 * q / 3 >= needed; });
    std::vector<double> s;
    for (const Certified* c : short_of_degree) s.push_back(c->scale);
    const std::vector<std::vector<double>> coeff = coefficients_at_order(act, s, Q);
    for (std::size_t g = 0; g < short_of_degree.size(); ++g) short_of_degree[g]->c = coeff[g];
  }

  // One column per certified input, in increasing input order.
  std::vector<std::pair<int, const Certified*>> members;
  for (const auto& c : done)
    for (int a : c.members) members.emplace_back(a, &c);
  std::sort(members.begin(), members.end());
  const int count = int(members.size());
  MehlerTable table;
  table.orders = orders;
  for (const auto& m : members) table.members.push_back(m.first);
  for (std::size_t o = 0; o < orders.size(); ++o) {
    RowMatrixD coeff = RowMatrixD::Zero(max_degree + 1, (count + 15) / 8 * 8);  // room for 8-lane blocks
    std::vector<double> energy(count);
    std::vector<std::vector<short>> degree(count);
    for (int m = 0; m < count; ++m) {
      const Certified& c = *members[m].second;
      const std::vector<double> w = derivative_sequence(c.c, orders[o], c.scale);
      for (int k = 0; k <= max_degree; ++k) coeff(k, m) = w[k];
      energy[m] = c.cert.energy[o];
      degree[m] = c.cert.degree[o];
    }
    table.coeff.push_back(std::move(coeff));
    table.energy.push_back(std::move(energy));
    table.degree.push_back(std::move(degree));
  }
  return table;
}

void mehler_pairs(const MehlerTable& table, const Eigen::MatrixXd& K, const std::vector<double>& scales,
                  DerivativeOrders orders, Eigen::MatrixXd& out) {
  const std::vector<int>& inputs = table.members;
  const int n = int(inputs.size());
  if (n == 0) return;
  const int oa = table.order_index(orders.p), ob = table.order_index(orders.q);
  const RowMatrixD& Ca = table.coeff[oa];
  const RowMatrixD& Cb = table.coeff[ob];
  const int stride = int(Ca.cols());
  const bool symmetric = orders.p == orders.q;
  constexpr int kLanes = 8;

  // Horner in rho over the Hermite degree, eight pairs at a time: sum_k x_k(row) y_k(cols) rho^k.
  auto sweep = [&](const RowMatrixD& X, const RowMatrixD& Y, int row, int top, const double* rho, int col0,
                   double* acc) {
    for (int l = 0; l < kLanes; ++l) acc[l] = 0.0;
    for (int k = top; k >= 0; --k) {
      const double xk = X(k, row);
      const double* y = Y.data() + std::size_t(k) * stride + col0;
      for (int l = 0; l < kLanes; ++l) acc[l] = acc[l] * rho[l] + xk * y[l];
    }
  };

  PDLT_PARALLEL_FOR_DYNAMIC
  for (int p = 0; p < n; ++p) {
    const int a = inputs[p];
    if (symmetric) {
      out(a, a) = table.energy[oa][p];
    } else {
      double d = 0.0;
      for (Eigen::Index k = 0; k < Ca.rows(); ++k) d += Ca(k, p) * Cb(k, p);
      out(a, a) = d;
    }
    for (int q = p + 1; q < n; q += kLanes) {
      const int lanes = std::min(kLanes, n - q);
      double rho[kLanes] = {}, acc[kLanes];
      int top = 0;
      for (int l = 0; l < lanes; ++l) {
        const int b = inputs[q + l];
        rho[l] = std::clamp(K(a, b) / (scales[a] * scales[b]), -1.0, 1.0);
        const int bin = rho_bin(rho[l]);
        top = std::max({top, int(table.degree[oa][p][bin]), int(table.degree[ob][p][bin]),
                        int(table.degree[oa][q + l][bin]), int(table.degree[ob][q + l][bin])});
      }
      sweep(Ca, Cb, p, top, rho, q, acc);  // <sigma^{(p)}_a sigma^{(q)}_b>
      for (int l = 0; l < lanes; ++l) out(a, inputs[q + l]) = acc[l];
      if (symmetric) {
        for (int l = 0; l < lanes; ++l) out(inputs[q + l], a) = acc[l];
      } else {
        sweep(Cb, Ca, p, top, rho, q, acc);  // <sigma^{(q)}_a sigma^{(p)}_b> = entry (b, a)
        for (int l = 0; l < lanes; ++l) out(inputs[q + l], a) = acc[l];
      }
    }
  }
}

}  // namespace pdlt::detail
