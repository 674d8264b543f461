// The finite-width recursions (see finite_width.hpp). Notation of the theory notes: expectations
// are at K = K^{(l)}, the hyperparameters those of layer l+1, r = n_l / n_{l-1}, and
//   omega_ab = lambda_W sigma_a sigma_b + C_W H_ab sigma'_a sigma'_b.
// Derivative expectations of a pair function F(z_a, z_b) enter only through three contractions,
// written here once:
//   Theta_F[X]_ab = (1/2) sum_{c,d in {a,b}} X_cd <d_c d_d F>                  (second order)
//   Xi_F[V]_ab    = (1/8) sum_{c1..c4 in {a,b}} V_(c1c2)(c3c4) <d_c1..d_c4 F>     (fourth order)
//   phi(a, c; b)  = <d_b (sigma'_a sigma_c)>                                     (first order)
// For a != b they need <sigma^{(p)}_a sigma^{(q)}_b>; for a = b (one input) the total
// derivatives of the single-variable product, by Gaussian integration by parts (exact for kinks).
#include "pdlt/finite_width.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "parallel.hpp"
#include "pdlt/errors.hpp"
#include "pdlt/gaussian.hpp"
#include "pdlt/multi_gaussian.hpp"
#include "pdlt/two_point.hpp"

namespace pdlt {
namespace {

enum class PairFunction { sigma_sigma, dsigma_dsigma };  // sigma_a sigma_b, sigma'_a sigma'_b

// Everything Gaussian that one layer step needs, at K = K^{(l)}.
struct LayerIntegrals {
  int N = 0;
  // <sigma^{(p)}_a sigma^{(q)}_b>; the diagonal of D00 and D11 is the single-input value.
  Eigen::MatrixXd D00, D11, D20, D31, D22, D40, D51, D42, D33;
  // One input at a time: <s^2>, <s'^2>, <(s^2)''>, <(s^2)''''>, <(s'^2)''>, <(s'^2)''''>, <(s s')'>.
  std::vector<double> s2, d2, s2_2, s2_4, d2_2, d2_4, sd_1;
  // Same-neuron four-point products: <s s s s>, <s' s' s' s'>, <s'_a s'_b s_c s_d>.
  Tensor4 Pss, Pdd, Pds;
  double error = 0;

  // <sigma^{(p)}_a sigma^{(q)}_b> for a != b from the stored (p >= q) matrices.
  double pair(int p, int q, int a, int b) const {
    if (p < q) return pair(q, p, b, a);
    switch (p * 10 + q) {
      case 0: return D00(a, b);
      case 11: return D11(a, b);
      case 20: return D20(a, b);
      case 31: return D31(a, b);
      case 22: return D22(a, b);
      case 40: return D40(a, b);
      case 51: return D51(a, b);
      case 42: return D42(a, b);
      case 33: return D33(a, b);
      default: throw InvalidArgument("unexpected derivative orders");
    }
  }

  // Theta_F coefficients (theta_aa, theta_ab, theta_bb).
  std::array<double, 3> theta(PairFunction f, int a, int b) const {
    const int shift = f == PairFunction::sigma_sigma ? 0 : 1;
    if (a == b) return {0.5 * (shift ? d2_2[a] : s2_2[a]), 0.0, 0.0};
    return {0.5 * pair(2 + shift, shift, a, b), pair(1 + shift, 1 + shift, a, b), 0.5 * pair(shift, 2 + shift, a, b)};
  }

  // <d_c1 d_c2 d_c3 d_c4 F_ab> with `n_a` of the derivatives on z_a (a != b).
  double fourth(PairFunction f, int a, int b, int n_a) const {
    const int shift = f == PairFunction::sigma_sigma ? 0 : 1;
    return pair(n_a + shift, 4 - n_a + shift, a, b);
  }

  // phi(a, c; b) = <d_b (sigma'_a sigma_c)>, b in {a, c}.
  double phi(int a, int c, int b) const {
    if (a == c) return sd_1[a];
    return b == a ? D20(a, c) : D11(a, c);
  }
};

double apply_theta(const std::array<double, 3>& t, int a, int b, const std::function<double(int, int)>& X) {
  return t[0] * X(a, a) + t[1] * 0.5 * (X(a, b) + X(b, a)) + t[2] * X(b, b);
}

double apply_xi(const LayerIntegrals& I, PairFunction f, int a, int b, const Tensor4& V) {
  if (a == b) return 0.125 * V(a, a, a, a) * (f == PairFunction::sigma_sigma ? I.s2_4[a] : I.d2_4[a]);
  const int ab[2] = {a, b};
  double sum = 0.0;
  for (int t = 0; t < 16; ++t) {  // the 16 tuples (c1, c2, c3, c4) in {a, b}^4
    const int c1 = ab[t & 1], c2 = ab[(t >> 1) & 1], c3 = ab[(t >> 2) & 1], c4 = ab[(t >> 3) & 1];
    const int n_a = (c1 == a) + (c2 == a) + (c3 == a) + (c4 == a);
    sum += V(c1, c2, c3, c4) * I.fourth(f, a, b, n_a);
  }
  return 0.125 * sum;
}

// Same-neuron four-point products for every index quadruple, one integral per multiset of
// inputs (their full permutation symmetry) and per assignment of sigma / sigma'.
void four_point_products(const Activation& act, const Eigen::MatrixXd& K, bool with_ntk, double rtol, LayerIntegrals& I) {
  const int N = int(K.rows());
  std::vector<std::array<int, 4>> multisets;
  for (int a = 0; a < N; ++a)
    for (int b = a; b < N; ++b)
      for (int c = b; c < N; ++c)
        for (int d = c; d < N; ++d) multisets.push_back({a, b, c, d});
  I.Pss = Tensor4(N);
  I.Pdd = Tensor4(N);
  I.Pds = Tensor4(N);
  detail::for_each_index(long(multisets.size()), act.thread_safe(), [&](int, long m) {
    const std::array<int, 4> q = multisets[std::size_t(m)];
    std::vector<int> distinct(q.begin(), q.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    const int d = int(distinct.size());
    auto slot = [&](int x) { return int(std::find(distinct.begin(), distinct.end(), x) - distinct.begin()); };
    // spec of "sigma' on the inputs `primed`, sigma on the others"
    auto spec_of = [&](const std::vector<int>& primed, const std::vector<int>& plain) {
      ProductSpec s(d);
      for (int x : primed) s[slot(x)].ds++;
      for (int x : plain) s[slot(x)].s++;
      return s;
    };
    std::vector<ProductSpec> specs = {spec_of({}, {q[0], q[1], q[2], q[3]})};
    auto index_of = [&](const ProductSpec& s) {
      for (std::size_t j = 0; j < specs.size(); ++j) {
        bool same = true;
        for (int k = 0; k < d; ++k) same = same && specs[j][k].s == s[k].s && specs[j][k].ds == s[k].ds;
        if (same) return int(j);
      }
      specs.push_back(s);
      return int(specs.size()) - 1;
    };
    if (with_ntk) {
      index_of(spec_of({q[0], q[1], q[2], q[3]}, {}));
      for (int i = 0; i < 4; ++i)
        for (int j = i + 1; j < 4; ++j) {
          std::vector<int> primed = {q[i], q[j]}, plain;
          for (int k = 0; k < 4; ++k)
            if (k != i && k != j) plain.push_back(q[k]);
          index_of(spec_of(primed, plain));
        }
    }
    Eigen::MatrixXd sub(d, d);
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < d; ++j) sub(i, j) = K(distinct[i], distinct[j]);
    const std::vector<double> value = product_expectations(act, sub, specs, rtol);
    std::array<int, 4> p = q;  // every distinct permutation of the multiset
    do {
      I.Pss(p[0], p[1], p[2], p[3]) = value[0];
      if (with_ntk) {
        I.Pdd(p[0], p[1], p[2], p[3]) = value[std::size_t(index_of(spec_of({p[0], p[1], p[2], p[3]}, {})))];
        I.Pds(p[0], p[1], p[2], p[3]) = value[std::size_t(index_of(spec_of({p[0], p[1]}, {p[2], p[3]})))];
      }
    } while (std::next_permutation(p.begin(), p.end()));
  });
}

LayerIntegrals layer_integrals(const Activation& act, const Eigen::MatrixXd& K, bool with_ntk, double rtol,
                               const RunControl& control) {
  LayerIntegrals I;
  I.N = int(K.rows());
  for (int a = 0; a < I.N; ++a)
    if (!(K(a, a) > 0))
      throw InvalidArgument("the finite-width tensors need every input's kernel K_aa > 0 (input " + std::to_string(a) +
                            " has K_aa = " + std::to_string(K(a, a)) + ")");

  // One input at a time (all that a single-input network needs, in one pass).
  for (auto* v : {&I.s2, &I.d2, &I.s2_2, &I.s2_4, &I.d2_2, &I.d2_4, &I.sd_1}) v->assign(I.N, 0.0);
  std::vector<std::array<double, 3>> same_neuron(I.N);  // <s^4>, <s'^4>, <s^2 s'^2>
  for (int a = 0; a < I.N; ++a) {
    const double k = K(a, a);
    double err = 0.0;
    const std::vector<double> m = single_input_expectations(
        act, k, 10,
        [k](double z, double s, double ds, double* out) {
          const double zz = z * z, h2 = (zz - k) / (k * k), h4 = (zz * zz - 6 * k * zz + 3 * k * k) / (k * k * k * k);
          const double s2 = s * s, d2 = ds * ds;
          out[0] = s2;
          out[1] = d2;
          out[2] = s2 * h2;         // <(s^2)''>, Gaussian integration by parts
          out[3] = s2 * h4;         // <(s^2)''''>
          out[4] = d2 * h2;         // <(s'^2)''>
          out[5] = d2 * h4;         // <(s'^2)''''>
          out[6] = s * ds * z / k;  // <(s s')'>
          out[7] = s2 * s2;
          out[8] = d2 * d2;
          out[9] = s2 * d2;
        },
        rtol, &err);
    I.error = std::max(I.error, err);
    I.s2[a] = m[0];
    I.d2[a] = m[1];
    I.s2_2[a] = m[2];
    I.s2_4[a] = m[3];
    I.d2_2[a] = m[4];
    I.d2_4[a] = m[5];
    I.sd_1[a] = m[6];
    same_neuron[a] = {m[7], m[8], m[9]};
  }
  if (I.N == 1) {  // the single-input fast path: no pair or multi-input integrals
    I.D00 = Eigen::MatrixXd::Constant(1, 1, I.s2[0]);
    I.D11 = Eigen::MatrixXd::Constant(1, 1, I.d2[0]);
    I.Pss = I.Pdd = I.Pds = Tensor4(1);
    I.Pss.v[0] = same_neuron[0][0];
    I.Pdd.v[0] = same_neuron[0][1];
    I.Pds.v[0] = same_neuron[0][2];
    return I;
  }

  std::vector<DerivativeOrders> requests = {{0, 0}, {1, 1}, {2, 0}, {3, 1}, {2, 2}, {4, 0}};
  if (with_ntk) requests.insert(requests.end(), {{5, 1}, {4, 2}, {3, 3}});
  PairExpectations e;
  pair_expectations(act, K, requests, rtol, e, control);
  I.error = std::max(I.error, e.error);
  Eigen::MatrixXd* targets[] = {&I.D00, &I.D11, &I.D20, &I.D31, &I.D22, &I.D40, &I.D51, &I.D42, &I.D33};
  for (std::size_t r = 0; r < requests.size(); ++r) *targets[r] = std::move(e.values[r]);
  for (int a = 0; a < I.N; ++a) {
    I.D00(a, a) = I.s2[a];
    I.D11(a, a) = I.d2[a];
  }
  control.checkpoint();
  four_point_products(act, K, with_ntk, rtol, I);
  return I;
}

// One step l -> l+1 of every recursion (initialization notes §4.2-4.4; ntk notes §3.3, §4).
FiniteWidthLayer step(const LayerIntegrals& I, const FiniteWidthLayer& s, const LayerHyperparameters& h, double r,
                      bool with_ntk) {
  const int N = I.N;
  const double C_W = h.C_W;
  FiniteWidthLayer n;
  n.K = (C_W * I.D00).array() + h.C_b;
  n.K1 = Eigen::MatrixXd::Zero(N, N);
  n.V = Tensor4(N);
  const PairFunction SS = PairFunction::sigma_sigma, DD = PairFunction::dsigma_dsigma;
  // Theta coefficients of every pair, computed once.
  std::vector<std::array<double, 3>> theta_ss(std::size_t(N * N)), theta_dd(std::size_t(N * N));
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b) {
      theta_ss[std::size_t(a * N + b)] = I.theta(SS, a, b);
      if (with_ntk) theta_dd[std::size_t(a * N + b)] = I.theta(DD, a, b);
    }
  auto tss = [&](int a, int b) -> const std::array<double, 3>& { return theta_ss[std::size_t(a * N + b)]; };

  // T = C_W Theta_{sigma sigma} applied to the first pair of V, then to the second.
  Tensor4 TV(N);
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b)
      for (int c = 0; c < N; ++c)
        for (int d = 0; d < N; ++d)
          TV(a, b, c, d) = C_W * apply_theta(tss(a, b), a, b, [&](int x, int y) { return s.V(x, y, c, d); });
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b)
      for (int c = 0; c < N; ++c)
        for (int d = 0; d < N; ++d) {
          const double TTV = C_W * apply_theta(tss(c, d), c, d, [&](int x, int y) { return TV(a, b, x, y); });
          n.V(a, b, c, d) = C_W * C_W * (I.Pss(a, b, c, d) - I.D00(a, b) * I.D00(c, d)) + r * TTV;
        }
  // K1' = r [T K1 + C_W Xi_{sigma sigma}[V]]
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b)
      n.K1(a, b) = r * (C_W * apply_theta(tss(a, b), a, b, [&](int x, int y) { return s.K1(x, y); }) +
                        C_W * apply_xi(I, SS, a, b, s.V));
  if (!with_ntk) return n;

  const Eigen::MatrixXd& H = s.H;
  n.H = (h.lambda_W * I.D00 + C_W * I.D11.cwiseProduct(H)).array() + h.lambda_b;
  n.H1 = Eigen::MatrixXd::Zero(N, N);
  n.A = Tensor4(N);
  n.B = Tensor4(N);
  n.D = Tensor4(N);
  n.F = Tensor4(N);
  // omega contractions: Theta_omega = lambda_W Theta_ss + C_W H_ab Theta_dd (likewise Xi).
  std::vector<std::array<double, 3>> theta_om(std::size_t(N * N));
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b) {
      const auto &ts = tss(a, b), &td = theta_dd[std::size_t(a * N + b)];
      for (int k = 0; k < 3; ++k) theta_om[std::size_t(a * N + b)][std::size_t(k)] = h.lambda_W * ts[k] + C_W * H(a, b) * td[k];
    }
  auto theta_omega = [&](int a, int b) -> const std::array<double, 3>& { return theta_om[std::size_t(a * N + b)]; };
  // Theta_omega and Theta_ss applied to the second pair of V: W_omega(a,b,c,d) = Theta_omega(c,d)[V(a,b,.,.)].
  Tensor4 VtO(N), VtS(N);
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b)
      for (int c = 0; c < N; ++c)
        for (int d = 0; d < N; ++d) {
          auto X = [&](int x, int y) { return s.V(a, b, x, y); };
          VtO(a, b, c, d) = apply_theta(theta_omega(c, d), c, d, X);
          VtS(a, b, c, d) = apply_theta(tss(c, d), c, d, X);
        }
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b) {
      const auto& to_ab = theta_omega(a, b);
      const auto& tdd_ab = theta_dd[std::size_t(a * N + b)];
      // H1' = r {C_W <s's'> H1 + Theta_omega[K1] + Xi_omega[V] + C_W Theta_{s's'}[D_ab.. + 2 F_ab..]}
      const double xi_omega = h.lambda_W * apply_xi(I, SS, a, b, s.V) + C_W * H(a, b) * apply_xi(I, DD, a, b, s.V);
      // With F stored as F[a1,a3,a2,a4] (NTK pair (a1,a2)), the notes' D_{ab;xy} + 2 F_{ax;by} is
      // D(a,b,x,y) + 2 F(a,x,b,y).
      const double y_term = apply_theta(tdd_ab, a, b, [&](int x, int y) { return s.D(a, b, x, y) + 2.0 * s.F(a, x, b, y); });
      n.H1(a, b) = r * (C_W * I.D11(a, b) * s.H1(a, b) +
                        apply_theta(to_ab, a, b, [&](int x, int y) { return s.K1(x, y); }) + xi_omega + C_W * y_term);
      for (int c = 0; c < N; ++c)
        for (int d = 0; d < N; ++d) {
          // same-neuron (source) terms
          const double cov_ss = I.Pss(a, b, c, d) - I.D00(a, b) * I.D00(c, d);
          const double cov_ds = I.Pds(a, b, c, d) - I.D11(a, b) * I.D00(c, d);  // <s'_a s'_b s_c s_d> - ...
          const double cov_sd = I.Pds(c, d, a, b) - I.D00(a, b) * I.D11(c, d);
          const double cov_dd = I.Pdd(a, b, c, d) - I.D11(a, b) * I.D11(c, d);
          const double omega_omega = h.lambda_W * h.lambda_W * cov_ss + h.lambda_W * C_W * H(c, d) * cov_sd +
                                     h.lambda_W * C_W * H(a, b) * cov_ds + C_W * C_W * H(a, b) * H(c, d) * cov_dd;
          // propagated terms
          const double oo_V = apply_theta(to_ab, a, b, [&](int x, int y) { return VtO(x, y, c, d); });
          const double os_V = apply_theta(to_ab, a, b, [&](int x, int y) { return VtS(x, y, c, d); });
          const double o_D_cd = apply_theta(theta_omega(c, d), c, d, [&](int x, int y) { return s.D(a, b, x, y); });
          const double o_D_ab = apply_theta(to_ab, a, b, [&](int x, int y) { return s.D(c, d, x, y); });
          const double s_D_cd = apply_theta(tss(c, d), c, d, [&](int x, int y) { return s.D(a, b, x, y); });
          n.A(a, b, c, d) = omega_omega + r * (oo_V + C_W * I.D11(a, b) * o_D_cd + C_W * I.D11(c, d) * o_D_ab +
                                               C_W * C_W * I.D11(a, b) * I.D11(c, d) * s.A(a, b, c, d));
          n.D(a, b, c, d) = C_W * (h.lambda_W * cov_ss + C_W * H(a, b) * cov_ds) +
                            r * C_W * (os_V + C_W * I.D11(a, b) * s_D_cd);
          // B[a1,a3,a2,a4]: here (a1,a3,a2,a4) = (a,b,c,d), so the NTK pairs are (a,c) and (b,d).
          n.B(a, b, c, d) = C_W * C_W * H(a, c) * H(b, d) * I.Pdd(a, c, b, d) +
                            r * C_W * C_W * I.D11(a, b) * I.D11(c, d) * s.B(a, b, c, d);
          // F[a1,a3,a2,a4] = (a,b,c,d): NTK pair (a,c), z indices b (neuron i) and d (neuron k).
          double f_prop = 0.0;
          const int b1s[2] = {a, b}, b2s[2] = {c, d};
          for (int i = 0; i < (a == b ? 1 : 2); ++i)
            for (int j = 0; j < (c == d ? 1 : 2); ++j)
              f_prop += s.F(a, b1s[i], c, b2s[j]) * I.phi(a, b, b1s[i]) * I.phi(c, d, b2s[j]);
          n.F(a, b, c, d) = C_W * C_W * H(a, c) * I.Pds(a, c, b, d) + r * C_W * C_W * f_prop;
        }
    }
  return n;
}

}  // namespace

double finite_width(const Activation& act, const std::vector<LayerHyperparameters>& layers, const std::vector<int>& widths,
                    const Eigen::Ref<const RowMatrix>& X, bool with_ntk, double rtol, const FiniteWidthSink& sink,
                    const RunControl& control) {
  const int L = int(layers.size()), N = int(X.rows());
  if (L == 0) throw InvalidArgument("depth must be >= 1");
  if (int(widths.size()) != L) throw InvalidArgument("widths must give n_0 .. n_{L-1}");
  if (with_ntk && !act.has_derivative())
    throw InvalidArgument("the NTK is not defined for activation '" + act.name() + "': its derivative is a delta function");
  if (!act.has_derivative())
    throw InvalidArgument("the finite-width tensors of activation '" + act.name() +
                          "' are not defined: its derivative is a delta function");

  Eigen::MatrixXd gram = X * X.transpose() / double(X.cols());
  gram = 0.5 * (gram + gram.transpose()).eval();
  FiniteWidthLayer state;
  state.K = (layers[0].C_W * gram).array() + layers[0].C_b;
  state.K1 = Eigen::MatrixXd::Zero(N, N);
  state.V = Tensor4(N);
  if (with_ntk) {
    state.H = (layers[0].lambda_W * gram).array() + layers[0].lambda_b;
    state.H1 = Eigen::MatrixXd::Zero(N, N);
    state.A = state.B = state.D = state.F = Tensor4(N);
  }
  sink(1, state);
  double error = 0.0;
  for (int l = 1; l < L; ++l) {
    control.checkpoint(std::size_t(l), std::size_t(L));
    const LayerIntegrals I = layer_integrals(act, state.K, with_ntk, rtol, control);
    error = std::max(error, I.error);
    const double r = double(widths[l]) / double(widths[l - 1]);  // n_l / n_{l-1}
    state = step(I, state, layers[l], r, with_ntk);
    if (!state.K.allFinite() || (with_ntk && !state.H.allFinite()))
      throw NumericalOverflow("the finite-width recursion overflows at layer " + std::to_string(l + 1));
    sink(l + 1, state);
  }
  return error;
}

}  // namespace pdlt
