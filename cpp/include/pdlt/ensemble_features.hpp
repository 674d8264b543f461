// What the Monte Carlo engine measures on one network, and the estimators built from the
// ensemble moments of those measurements (theory notes: initialization §4.1, ntk §3.1, §7.3).
//
// Preactivations of one layer, n neurons, z_{i;a}, per network:
//   G_ab   = (1/n) sum_i z_{i;a} z_{i;b}                                    (the metric)
//   M4_abcd = (1/n) sum_i z_{i;a} z_{i;b} z_{i;c} z_{i;d}                   (same-neuron moment)
//   P_(ab)(cd) = (n G_ab G_cd - M4_abcd) / (n - 1)
//              = mean over ordered neuron pairs i != j of z_{i;a} z_{i;b} z_{j;c} z_{j;d}
// so that E[P] is exactly E[z_{i;a} z_{i;b} z_{j;c} z_{j;d}] (i != j), and the connected
// cross-neuron four-point function E[P] - E[G_ab] E[G_cd] equals Cov(Ghat_ab, Ghat_cd) of the
// previous layer's stochastic metric, V^{(l)} / n_{l-1} + O(1/n^2).
//
// Output NTK of one network, n_L outputs, Hhat_{ik;ab} (ntk notes §7.3, i != k), and the outputs z:
//   Hd_ab = (1/n_L) sum_i Hhat_{ii;ab},       G_ab = (1/n_L) sum_i z_{i;a} z_{i;b},
//   SA_(ab)(cd) = mean over i != k of Hhat_{ii;ab} Hhat_{kk;cd}   -> A = n_{L-1} (E[SA] - E[Hd] E[Hd])
//   SB_abcd     = mean over i != k of Hhat_{ik;ab} Hhat_{ik;cd}   -> B_{acbd} = n_{L-1} E[SB_abcd]
//   SD_(ab)(cd) = mean over i != k of Hhat_{ii;ab} z_{k;c} z_{k;d} -> D = n_{L-1} (E[SD] - E[Hd] E[G])
//   SF_abcd     = mean over i != k of Hhat_{ik;ab} z_{i;c} z_{k;d} -> F_{acbd} = n_{L-1} E[SF_abcd]
#pragma once

#include <array>
#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "pdlt/stats.hpp"

namespace pdlt {

// Index sets over N_D inputs: unordered pairs p = (a <= b) and pairs of pairs q = (p1 <= p2).
struct InputIndex {
  explicit InputIndex(int n_inputs);
  int n_inputs;
  std::vector<std::array<int, 2>> pairs;
  std::vector<std::array<int, 2>> pair_pairs;
  int pair(int a, int b) const;  // index p of (min(a,b), max(a,b))
};

// Features of one layer: [G_p] and, with the four-point function, [P_q] [M4_q].
// Co-moments: without four-point, the variance of each G_p; with it, the full covariance of G
// (indexed by q), then for each q: Var P_q, Cov(P_q, G_p1), Cov(P_q, G_p2), Var M4_q.
class LayerFeatures {
 public:
  LayerFeatures(const InputIndex& index, bool four_point);
  std::size_t dim() const { return dim_; }
  bool four_point() const { return four_point_; }
  const std::shared_ptr<const ComomentPairs>& comoments() const { return comoments_; }
  // z: n x N_D preactivations (one column per input), n >= 2 with the four-point function.
  void compute(const Eigen::MatrixXd& z, double* out) const;

 private:
  InputIndex index_;
  bool four_point_;
  std::size_t dim_;
  std::shared_ptr<const ComomentPairs> comoments_;
};

// Features of the output NTK: [Hd_p] [SA_q] [SB_r] [G_p] [SD_(p1,p2)] [SF_r], with
// r = ((a*N + b)*N + c)*N + d and (p1, p2) = p1 * P + p2 over all ordered pairs of pairs.
// Co-moments: covariance of Hd (indexed by q); for each q: Var SA_q, Cov(SA_q, Hd_p1),
// Cov(SA_q, Hd_p2); Var SB_r; Var G_p; Cov(Hd_p1, G_p2); Var SD; Cov(SD, Hd_p1); Cov(SD, G_p2); Var SF_r.
class NtkFeatures {
 public:
  explicit NtkFeatures(const InputIndex& index);
  std::size_t dim() const { return dim_; }
  const std::shared_ptr<const ComomentPairs>& comoments() const { return comoments_; }
  // ntk: (N_D n_L) x (N_D n_L) with row/column (a, i) at a * n_L + i; z: n_L x N_D outputs; n_L >= 2.
  void compute(const Eigen::MatrixXd& ntk, const Eigen::MatrixXd& z, double* out) const;

 private:
  InputIndex index_;
  std::size_t dim_;
  std::shared_ptr<const ComomentPairs> comoments_;
};

// Estimates with standard errors. Standard errors are infinite with fewer than two networks.
struct MeanWithError {
  std::vector<double> value, error;  // error: the standard error of value
};

struct LayerEstimates {
  MeanWithError kernel;      // E[G_p]
  MeanWithError four_point;  // E[P_q] - E[G_p1] E[G_p2]  (unbiased; delta-method errors)
  MeanWithError moment4;     // E[M4_q]
};
LayerEstimates layer_estimates(const LayerFeatures& features, const InputIndex& index, const MomentAccumulator& acc);

struct NtkEstimates {
  MeanWithError mean;  // E[Hd_p]
  MeanWithError A;     // E[SA_q] - E[Hd_p1] E[Hd_p2]  (times n_{L-1}: the book's A)
  MeanWithError B;     // E[SB_r]                      (times n_{L-1}: the book's B)
  MeanWithError D;     // E[SD_(p1,p2)] - E[Hd_p1] E[G_p2]  (times n_{L-1}: the book's D)
  MeanWithError F;     // E[SF_r]                      (times n_{L-1}: the book's F)
};
NtkEstimates ntk_estimates(const InputIndex& index, const MomentAccumulator& acc);

}  // namespace pdlt
