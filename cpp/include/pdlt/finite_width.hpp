// The 1/n theory of a deep MLP at initialisation, layer by layer (book Ch. 4, 8; theory notes:
// initialization §4, ntk §3-4): the four-point vertex V, the NLO kernel K^{1}, and, with the
// NTK, its NLO mean H^{1} and fluctuation tensors A, B, D, F, all multi-input, with the width
// ratios r_l = n_l / n_{l-1} of unequal widths. Every O(1/n) tensor of layer l carries the
// prefactor 1/n_{l-1}:
//   E[z z]     = K + K^{1}/n_{l-1},     Cov(Ghat_ab, Ghat_cd) = V_(ab)(cd)/n_{l-1},
//   E[Hhat_ii] = H + H^{1}/n_{l-1},     E[dHhat dHhat] ~ (A, B)/n_{l-1},  E[dHhat z z] ~ (D, F)/n_{l-1}.
// Index conventions of the stored tensors (N_D^4, entry ((a*N + b)*N + c)*N + d):
//   V[a,b,c,d] = V_(ab)(cd), A[a,b,c,d] = A_(ab)(cd), D[a,b,c,d] = D_abcd (NTK pair ab, z pair cd),
//   B[a1,a3,a2,a4] = B_{a1a3a2a4} and F[a1,a3,a2,a4] = F_{a1a3a2a4} as in the ntk notes §3.1
//   (B = n E[dHhat_{ik;a1a2} dHhat_{ik;a3a4}], F = n E[dHhat_{ik;a1a2} z_{i;a3} z_{k;a4}], i != k).
#pragma once

#include <functional>
#include <vector>

#include <Eigen/Dense>

#include "pdlt/activation.hpp"
#include "pdlt/control.hpp"
#include "pdlt/kernels.hpp"

namespace pdlt {

struct Tensor4 {
  int n = 0;
  std::vector<double> v;
  explicit Tensor4(int n_inputs = 0) : n(n_inputs), v(std::size_t(n) * n * n * n, 0.0) {}
  double& operator()(int a, int b, int c, int d) { return v[((std::size_t(a) * n + b) * n + c) * n + d]; }
  double operator()(int a, int b, int c, int d) const { return v[((std::size_t(a) * n + b) * n + c) * n + d]; }
};

struct FiniteWidthLayer {
  Eigen::MatrixXd K, K1, H, H1;  // H, H1 only with the NTK
  Tensor4 V, A, B, D, F;         // A, B, D, F only with the NTK
};

using FiniteWidthSink = std::function<void(int layer, const FiniteWidthLayer&)>;

// widths: n_0, n_1, ..., n_{L-1} (the output width never enters). Returns the largest estimated
// relative error of the Gaussian integrals used.
double finite_width(const Activation& act, const std::vector<LayerHyperparameters>& layers, const std::vector<int>& widths,
                    const Eigen::Ref<const RowMatrix>& X, bool with_ntk, double rtol, const FiniteWidthSink& sink,
                    const RunControl& control = {});

}  // namespace pdlt
